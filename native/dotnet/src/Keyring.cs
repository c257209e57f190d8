using System;

namespace Actkit
{
    /// <summary>A product's pinned keyring: the text 'actkit keys export'
    /// writes. Safe to use from many threads at once.</summary>
    public sealed class Keyring : IDisposable
    {
        internal ulong Handle;

        private Keyring(ulong handle) { Handle = handle; }

        /// <summary>Parses a keyring; throws ActkitException (Status.Keyring).
        /// allowHmacSecrets accepts HMAC secrets (closed deployments only).</summary>
        public static Keyring Parse(string text, bool allowHmacSecrets = false)
        {
            Native.EnsureAbi();
            ulong h;
            IntPtr err;
            Native.Check(Native.actkit_keyring_parse(Native.Utf8(text), allowHmacSecrets ? 1 : 0, out h, out err), err);
            return new Keyring(h);
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
}
