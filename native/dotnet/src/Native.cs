// P/Invoke declarations of libactkit (native/actkit.h). On Windows the
// library is actkit.dll, elsewhere libactkit.so / libactkit.dylib: the
// runtime adds the prefix and suffix to "actkit" itself (.NET Core and
// Mono), and a NuGet package puts it under runtimes/RID/native.
using System;
using System.Runtime.InteropServices;
using System.Text;

namespace Actkit
{
    internal static class Native
    {
        private const string Lib = "actkit";

        /// <summary>ACTKIT_ABI_VERSION of the header this binding follows.</summary>
        internal const int AbiVersion = 1;

        /// <summary>ACTKIT_NOW: the system clock.</summary>
        internal const long Now = long.MinValue;

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_abi_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr actkit_version();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr actkit_reason_name(int reason);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr actkit_status_name(int status);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void actkit_free(IntPtr p);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern void actkit_close(ulong handle);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_keyring_parse(byte[] text, int flags, out ulong keyring, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_keyring_product(ulong keyring, out IntPtr product, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_verify(ulong keyring, byte[] product, byte[] licenceKey, byte[] machineUid,
            byte[] code, long nowUnixMs, out IntPtr terms, out int reason, out IntPtr suggestion, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_verify_delegated(ulong keyring, byte[] product, byte[] licenceKey, byte[] machineUid,
            byte[] code, byte[] certificate, long nowUnixMs, out IntPtr terms, out int reason, out IntPtr suggestion, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_keyring_update(ulong keyring, byte[] update, long nowUnixMs,
            out ulong updated, out IntPtr text, out int reason, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_keyring_update_text(byte[] keyringText, int flags, byte[] update, long nowUnixMs,
            out IntPtr text, out int reason, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_keyring_info(ulong keyring, out IntPtr info, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_machine_uid(byte[] product, byte[] version, int flags, byte[] productValue,
            out IntPtr uid, out IntPtr explain, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_request_code(byte[] product, byte[] licenceKey, byte[] machineUid,
            byte[] productVersion, out IntPtr code, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_deactivation_code(byte[] product, byte[] licenceKey, byte[] machineUid,
            ulong serial, long nowUnixMs, out IntPtr code, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_new(ulong keyring, byte[] stateDir, byte[] serverUrl, byte[] machineUid,
            out ulong client, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_set(ulong client, byte[] name, byte[] value, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_status(ulong client, out IntPtr status, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_start(ulong client, out IntPtr status, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_activate(ulong client, byte[] licenceKey, out IntPtr status, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_validate(ulong client, out IntPtr status, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_deactivate(ulong client, out IntPtr status, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_activate_code(ulong client, byte[] licenceKey, byte[] code,
            out IntPtr status, out IntPtr err);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        internal static extern int actkit_client_request_code(ulong client, byte[] licenceKey, out IntPtr code, out IntPtr err);

        private static readonly object checkLock = new object();
        private static bool checkedAbi;

        /// <summary>Checks once that the loaded library speaks this binding's ABI.</summary>
        internal static void EnsureAbi()
        {
            lock (checkLock)
            {
                if (checkedAbi) return;
                int got = actkit_abi_version();
                if (got != AbiVersion)
                    throw new ActkitException(Status.Internal,
                        "libactkit speaks ABI " + got + ", this binding ABI " + AbiVersion);
                checkedAbi = true;
            }
        }

        /// <summary>A string argument: UTF-8, NUL-terminated; null stays NULL.
        /// A string with a NUL in it is refused: C would see only its start.</summary>
        internal static byte[] Utf8(string s)
        {
            if (s == null) return null;
            if (s.IndexOf('\0') >= 0)
                throw new ActkitException(Status.Argument, "a string argument contains a NUL character, which a C string cannot carry");
            int n = Encoding.UTF8.GetByteCount(s);
            byte[] b = new byte[n + 1];
            Encoding.UTF8.GetBytes(s, 0, s.Length, b, 0);
            return b;
        }

        /// <summary>Reads a static string of the library (not freed).</summary>
        internal static string Static(IntPtr p)
        {
            return p == IntPtr.Zero ? null : FromUtf8(p);
        }

        /// <summary>Takes a string the library allocated: reads it, frees it.</summary>
        internal static string Take(IntPtr p)
        {
            if (p == IntPtr.Zero) return null;
            try { return FromUtf8(p); }
            finally { actkit_free(p); }
        }

        private static string FromUtf8(IntPtr p)
        {
            int n = 0;
            while (Marshal.ReadByte(p, n) != 0) n++;
            byte[] b = new byte[n];
            Marshal.Copy(p, b, 0, n);
            return Encoding.UTF8.GetString(b);
        }

        /// <summary>Throws the exception of a failed call; frees err either way.</summary>
        internal static void Check(int status, IntPtr err)
        {
            string msg = Take(err);
            if (status != 0) throw ActkitException.For(status, msg);
        }
    }
}
