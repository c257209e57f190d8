// A small JSON parser for the test vectors that keeps integers exact:
// every integer literal becomes a BigInt (serials and feature sets are
// 64-bit; JSON.parse would round them). Other numbers are Numbers.
// Duplicate keys are an error.
export function parseJSON(text) {
  let i = 0;
  const fail = (msg) => {
    throw new SyntaxError(`JSON at offset ${i}: ${msg}`);
  };
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const [lit, v] of [["true", true], ["false", false], ["null", null]]) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    fail(`unexpected ${JSON.stringify(c)}`);
  };
  const object = () => {
    i++;
    const o = Object.create(null);
    ws();
    if (text[i] === "}") {
      i++;
      return o;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail("want a key");
      const k = string();
      if (Object.hasOwn(o, k)) fail(`duplicate key ${k}`);
      ws();
      if (text[i++] !== ":") fail("want ':'");
      o[k] = value();
      ws();
      const c = text[i++];
      if (c === "}") return o;
      if (c !== ",") fail("want ',' or '}'");
    }
  };
  const array = () => {
    i++;
    const a = [];
    ws();
    if (text[i] === "]") {
      i++;
      return a;
    }
    for (;;) {
      a.push(value());
      ws();
      const c = text[i++];
      if (c === "]") return a;
      if (c !== ",") fail("want ',' or ']'");
    }
  };
  const string = () => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i, i + 1 + 2 * 1024 * 1024));
    if (!m) fail("bad string");
    i += m[0].length;
    return JSON.parse(m[0]);
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail("bad number");
    i += m[0].length;
    return m[1] || m[2] ? Number(m[0]) : BigInt(m[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing data");
  return v;
}
