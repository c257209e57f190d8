using System;
using System.Collections.Generic;
using System.Runtime.Serialization;

namespace Actkit
{
    /// <summary>A product's pinned keyring: the text 'actkit keys export'
    /// writes. Safe to use from many threads at once.</summary>
    public sealed class Keyring : IDisposable
    {
        internal ulong Handle;

        /// <summary>The keyring's text: the one parsed, or after Update the new
        /// keyring's, which the product stores (docs/native.md).</summary>
        public string Text { get; private set; }

        private Keyring(ulong handle, string text) { Handle = handle; Text = text; }

        /// <summary>Parses a keyring; throws ActkitException (Status.Keyring).
        /// allowHmacSecrets accepts HMAC secrets (closed deployments only).</summary>
        public static Keyring Parse(string text, bool allowHmacSecrets = false)
        {
            Native.EnsureAbi();
            ulong h;
            IntPtr err;
            Native.Check(Native.actkit_keyring_parse(Native.Utf8(text), allowHmacSecrets ? 1 : 0, out h, out err), err);
            return new Keyring(h, text);
        }

        /// <summary>The keyring's product ID.</summary>
        public string Product
        {
            get
            {
                IntPtr p, err;
                int st = Native.actkit_keyring_product(Handle, out p, out err);
                string v = Native.Take(p);
                Native.Check(st, err);
                return v;
            }
        }

        /// <summary>Verifies an activation code offline, at the system clock.
        /// Returns its terms, or throws CodeRefusedException with the reason.</summary>
        public Terms Verify(string code, string licenceKey, string machineUid)
        {
            return Verify(code, licenceKey, machineUid, null, null);
        }

        /// <summary>Verifies at a given time and (optionally) for a product ID
        /// other than the keyring's, as the test vectors do.</summary>
        public Terms Verify(string code, string licenceKey, string machineUid, DateTimeOffset? now, string product)
        {
            IntPtr terms, suggestion, err;
            int reason;
            long ms = now.HasValue ? now.Value.ToUnixTimeMilliseconds() : Native.Now;
            int st = Native.actkit_verify(Handle, Native.Utf8(product), Native.Utf8(licenceKey), Native.Utf8(machineUid),
                Native.Utf8(code), ms, out terms, out reason, out suggestion, out err);
            string t = Native.Take(terms), s = Native.Take(suggestion), msg = Native.Take(err);
            if (st == 0) return Terms.FromJson(t);
            if (st == (int)Status.Refused)
                throw new CodeRefusedException((RefusalReason)reason, Native.Static(Native.actkit_reason_name(reason)), s, msg);
            throw ActkitException.For(st, msg);
        }

        /// <summary>Verifies a code that came with its delegation certificate
        /// (an online answer carries both; store both), at the system clock.
        /// The certificate must be signed by one of the keyring's roots and the
        /// code must fit its limits; null or "" is Verify. Throws
        /// CodeRefusedException (RefusalReason.OutsideDelegation, ...).</summary>
        public Terms VerifyDelegated(string code, string certificate, string licenceKey, string machineUid)
        {
            return VerifyDelegated(code, certificate, licenceKey, machineUid, null, null);
        }

        /// <summary>VerifyDelegated at a given time and (optionally) for another product ID.</summary>
        public Terms VerifyDelegated(string code, string certificate, string licenceKey, string machineUid,
            DateTimeOffset? now, string product)
        {
            IntPtr terms, suggestion, err;
            int reason;
            long ms = now.HasValue ? now.Value.ToUnixTimeMilliseconds() : Native.Now;
            int st = Native.actkit_verify_delegated(Handle, Native.Utf8(product), Native.Utf8(licenceKey), Native.Utf8(machineUid),
                Native.Utf8(code), Native.Utf8(certificate), ms, out terms, out reason, out suggestion, out err);
            string t = Native.Take(terms), s = Native.Take(suggestion), msg = Native.Take(err);
            if (st == 0) return Terms.FromJson(t);
            if (st == (int)Status.Refused)
                throw new CodeRefusedException((RefusalReason)reason, Native.Static(Native.actkit_reason_name(reason)), s, msg);
            throw ActkitException.For(st, msg);
        }

        /// <summary>Applies a keyring update (a root-signed version 2 keyring
        /// text) and returns the keyring it makes, whose Text the product
        /// stores; this keyring is unchanged. now null: the system clock.
        /// Throws KeyringUpdateRefusedException (RefusalReason.RolledBack,
        /// UpdateExpired, InsufficientSignatures, ...): keep this keyring.</summary>
        public Keyring Update(string update, DateTimeOffset? now = null)
        {
            ulong h;
            IntPtr text, err;
            int reason;
            long ms = now.HasValue ? now.Value.ToUnixTimeMilliseconds() : Native.Now;
            int st = Native.actkit_keyring_update(Handle, Native.Utf8(update), ms, out h, out text, out reason, out err);
            string t = Native.Take(text), msg = Native.Take(err);
            if (st == 0) return new Keyring(h, t);
            throw UpdateError(st, reason, msg);
        }

        /// <summary>Update for a product that keeps only texts: the new keyring's text.</summary>
        public static string UpdateText(string keyringText, string update, DateTimeOffset? now = null, bool allowHmacSecrets = false)
        {
            Native.EnsureAbi();
            IntPtr text, err;
            int reason;
            long ms = now.HasValue ? now.Value.ToUnixTimeMilliseconds() : Native.Now;
            int st = Native.actkit_keyring_update_text(Native.Utf8(keyringText), allowHmacSecrets ? 1 : 0, Native.Utf8(update), ms,
                out text, out reason, out err);
            string t = Native.Take(text), msg = Native.Take(err);
            if (st == 0) return t;
            throw UpdateError(st, reason, msg);
        }

        private static ActkitException UpdateError(int status, int reason, string message)
        {
            if (status == (int)Status.Refused)
                return new KeyringUpdateRefusedException((RefusalReason)reason, Native.Static(Native.actkit_reason_name(reason)), message);
            return ActkitException.For(status, message);
        }

        /// <summary>What the keyring holds: version, expiry, roots, delegations, revoked keys.</summary>
        public KeyringInfo Info
        {
            get
            {
                IntPtr info, err;
                int st = Native.actkit_keyring_info(Handle, out info, out err);
                string js = Native.Take(info);
                Native.Check(st, err);
                return KeyringInfo.FromJson(js);
            }
        }

        public void Dispose()
        {
            ulong h = Handle;
            Handle = 0;
            if (h != 0) Native.actkit_close(h);
            GC.SuppressFinalize(this);
        }

        ~Keyring()
        {
            if (Handle != 0) Native.actkit_close(Handle);
        }
    }

    /// <summary>What a keyring holds (actkit_keyring_info): key IDs only.</summary>
    public sealed class KeyringInfo
    {
        public string Product { get; private set; }
        /// <summary>0 for a version 1 keyring (unsigned, as shipped before the key hierarchy).</summary>
        public uint Version { get; private set; }
        /// <summary>The last day (UTC) it is accepted as an update; null for version 1.</summary>
        public DateTime? Expires { get; private set; }
        /// <summary>How many roots must sign the next update.</summary>
        public int Threshold { get; private set; }
        public IList<string> Roots { get; private set; }
        /// <summary>Keys trusted directly: "id algorithm".</summary>
        public IList<KeyringKey> Keys { get; private set; }
        public IList<Delegation> Delegations { get; private set; }
        public IList<string> Revoked { get; private set; }
        /// <summary>Every field, as libactkit's JSON.</summary>
        public string Json { get; private set; }

        [DataContract]
        private sealed class Raw
        {
            [DataMember(Name = "product")] internal string Product;
            [DataMember(Name = "version")] internal uint Version;
            [DataMember(Name = "expires")] internal string Expires;
            [DataMember(Name = "threshold")] internal int Threshold;
            [DataMember(Name = "roots")] internal List<string> Roots;
            [DataMember(Name = "keys")] internal List<KeyringKey> Keys;
            [DataMember(Name = "delegations")] internal List<Delegation> Delegations;
            [DataMember(Name = "revoked")] internal List<string> Revoked;
        }

        internal static KeyringInfo FromJson(string json)
        {
            var r = Actkit.Json.Read<Raw>(json);
            return new KeyringInfo
            {
                Product = r.Product, Version = r.Version, Threshold = r.Threshold,
                Expires = r.Expires == null ? (DateTime?)null : Terms.ParseDay(r.Expires),
                Roots = r.Roots.AsReadOnly(), Keys = r.Keys.AsReadOnly(), Delegations = r.Delegations.AsReadOnly(),
                Revoked = r.Revoked.AsReadOnly(), Json = json,
            };
        }
    }

    /// <summary>A key a keyring trusts directly.</summary>
    [DataContract]
    public sealed class KeyringKey
    {
        [DataMember(Name = "id")] public string Id { get; private set; }
        /// <summary>"ed25519" or "hmac-sha256".</summary>
        [DataMember(Name = "algorithm")] public string Algorithm { get; private set; }
    }

    /// <summary>A delegation a keyring embeds: the delegated key, the root
    /// that issued it, and the issue days (inclusive) it may sign in.</summary>
    [DataContract]
    public sealed class Delegation
    {
        [DataMember(Name = "keyId")] public string KeyId { get; private set; }
        [DataMember(Name = "issuer")] public string Issuer { get; private set; }
        [DataMember(Name = "serial")] public ulong Serial { get; private set; }
        [DataMember(Name = "notBefore")] public string NotBefore { get; private set; }
        [DataMember(Name = "notAfter")] public string NotAfter { get; private set; }
    }
}
