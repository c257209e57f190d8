// A WebCrypto without Ed25519, as in Chrome before 137, Firefox before 129
// and Safari before 17: every SubtleCrypto method given the algorithm
// "Ed25519" rejects with a NotSupportedError, as WebCrypto's "normalize an
// algorithm" step does for a name it does not recognize. Everything else
// goes to the platform's WebCrypto.
const real = globalThis.crypto;

const isEd25519 = (alg) => String(typeof alg === "object" && alg !== null ? alg.name : alg).toLowerCase() === "ed25519";

/** How many calls this simulated WebCrypto refused. */
export const refused = { count: 0 };

const subtle = new Proxy(real.subtle, {
  get(target, prop) {
    const v = Reflect.get(target, prop, target);
    if (typeof v !== "function") return v;
    return (...args) => {
      // importKey(format, keyData, algorithm, ...) and unwrapKey(format, wrapped, key, unwrapAlg, keyAlg, ...)
      const alg = prop === "importKey" ? args[2] : prop === "unwrapKey" ? args[4] : args[0];
      if (isEd25519(alg)) {
        refused.count++;
        return Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"));
      }
      return v.apply(target, args);
    };
  },
});

const simulated = Object.freeze({
  subtle,
  getRandomValues: (a) => real.getRandomValues(a),
  randomUUID: () => real.randomUUID(),
});

/** Replaces globalThis.crypto with the simulated WebCrypto; returns a function that restores the platform's. */
export function withoutEd25519() {
  const before = Object.getOwnPropertyDescriptor(globalThis, "crypto");
  Object.defineProperty(globalThis, "crypto", { configurable: true, enumerable: true, value: simulated });
  return () => Object.defineProperty(globalThis, "crypto", before);
}
