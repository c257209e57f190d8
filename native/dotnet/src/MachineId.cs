using System;

namespace Actkit
{
    /// <summary>Which optional components the UID includes (the switches of
    /// 'actkit machine-id').</summary>
    [Flags]
    public enum MachineIdOptions
    {
        None = 0,
        OsMachineId = 1,
        SystemUuid = 2,
    }

    /// <summary>This machine's UID, the one activation codes are bound to.</summary>
    public static class MachineId
    {
        /// <summary>The UID for a product and version: the same answer as
        /// 'actkit machine-id --product P --version V'. productValue is a
        /// component of the product's own (containers, VMs). Throws
        /// ActkitException (Status.Machine) when no per-machine component
        /// can be read: its message says what was looked for.</summary>
        public static string ForProduct(string product, string version,
            MachineIdOptions options = MachineIdOptions.None, string productValue = null)
        {
            string uid, explain;
            Call(product, version, (int)options, productValue, out uid, out explain);
            return uid;
        }

        /// <summary>The UID and its components as the JSON of
        /// 'actkit machine-id --json' (raw hardware values only with showRaw).</summary>
        public static string Explain(string product, string version,
            MachineIdOptions options = MachineIdOptions.None, string productValue = null, bool showRaw = false)
        {
            string uid, explain;
            Call(product, version, (int)options | (showRaw ? 4 : 0), productValue, out uid, out explain);
            return explain;
        }

        private static void Call(string product, string version, int flags, string productValue, out string uid, out string explain)
        {
            Native.EnsureAbi();
            IntPtr u, x, err;
            int st = Native.actkit_machine_uid(Native.Utf8(product), Native.Utf8(version), flags, Native.Utf8(productValue),
                out u, out x, out err);
            uid = Native.Take(u);
            explain = Native.Take(x);
            Native.Check(st, err);
        }
    }

    /// <summary>The codes a product shows for the vendor.</summary>
    public static class Codes
    {
        /// <summary>The request code for offline activation, as 'actkit request'.</summary>
        public static string Request(string product, string licenceKey, string machineUid, string productVersion)
        {
            Native.EnsureAbi();
            IntPtr c, err;
            int st = Native.actkit_request_code(Native.Utf8(product), Native.Utf8(licenceKey), Native.Utf8(machineUid),
                Native.Utf8(productVersion), out c, out err);
            string code = Native.Take(c);
            Native.Check(st, err);
            return code;
        }

        /// <summary>The deactivation code saying this machine gave up the
        /// activation code with this serial (a product keeping its own state;
        /// ActivationClient.Deactivate makes one itself).</summary>
        public static string Deactivation(string product, string licenceKey, string machineUid, ulong serial, DateTimeOffset? now = null)
        {
            Native.EnsureAbi();
            IntPtr c, err;
            long ms = now.HasValue ? now.Value.ToUnixTimeMilliseconds() : Native.Now;
            int st = Native.actkit_deactivation_code(Native.Utf8(product), Native.Utf8(licenceKey), Native.Utf8(machineUid),
                serial, ms, out c, out err);
            string code = Native.Take(c);
            Native.Check(st, err);
            return code;
        }
    }
}
