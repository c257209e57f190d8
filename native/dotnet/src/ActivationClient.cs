using System;
using System.Globalization;
using System.Runtime.Serialization;

namespace Actkit
{
    /// <summary>The licence state a call answers: always the one to act on.
    /// Error, when set, says why the online step of the call did not happen
    /// (Status.Offline: warn, and keep going on the grace this status gives).</summary>
    public sealed class LicenceStatus
    {
        /// <summary>"activated", "in-grace", "activated-offline", "seat-lost", ... (docs/native.md).</summary>
        public string State { get; private set; }
        /// <summary>Whether the product may run fully now.</summary>
        public bool Licensed { get; private set; }
        /// <summary>The sentence for the user.</summary>
        public string Message { get; private set; }
        public Terms Terms { get; private set; }
        public TimeSpan GraceLeft { get; private set; }
        public string ServerCode { get; private set; }
        public string DeactivationCode { get; private set; }
        public int ActiveCount { get; private set; }
        public int MaxActivations { get; private set; }
        /// <summary>When an online activation is validated next (null: a typed code).</summary>
        public DateTimeOffset? ValidateAfter { get; private set; }
        /// <summary>The end of an online activation's offline grace.</summary>
        public DateTimeOffset? OfflineUntil { get; private set; }
        /// <summary>Every field, as libactkit's JSON.</summary>
        public string Json { get; private set; }
        public ActkitException Error { get; private set; }

        [DataContract]
        private sealed class Raw
        {
            [DataMember(Name = "state")] internal string State;
            [DataMember(Name = "licensed")] internal bool Licensed;
            [DataMember(Name = "message")] internal string Message;
            [DataMember(Name = "terms")] internal TermsJson Terms;
            [DataMember(Name = "graceLeftSeconds")] internal long GraceLeftSeconds;
            [DataMember(Name = "serverCode")] internal string ServerCode;
            [DataMember(Name = "deactivationCode")] internal string DeactivationCode;
            [DataMember(Name = "activeCount")] internal int ActiveCount;
            [DataMember(Name = "maxActivations")] internal int MaxActivations;
            [DataMember(Name = "validateAfter")] internal string ValidateAfter;
            [DataMember(Name = "offlineUntil")] internal string OfflineUntil;
        }

        internal static LicenceStatus FromJson(string json, ActkitException error)
        {
            var r = Actkit.Json.Read<Raw>(json);
            Terms terms = r.Terms == null ? null : Terms.FromRaw(r.Terms, null);
            return new LicenceStatus
            {
                State = r.State, Licensed = r.Licensed, Message = r.Message, Terms = terms,
                GraceLeft = TimeSpan.FromSeconds(r.GraceLeftSeconds), ServerCode = r.ServerCode ?? "",
                DeactivationCode = r.DeactivationCode ?? "", ActiveCount = r.ActiveCount,
                MaxActivations = r.MaxActivations, Json = json, Error = error,
                ValidateAfter = Time(r.ValidateAfter), OfflineUntil = Time(r.OfflineUntil),
            };
        }

        private static DateTimeOffset? Time(string s)
        {
            if (string.IsNullOrEmpty(s)) return null;
            return DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        public override string ToString() { return Message; }
    }

    /// <summary>The product side of activation (activation.Client in Go):
    /// the state file in a directory, the licence server (or none: offline
    /// only), this machine's UID. Calls return a LicenceStatus and throw only
    /// for misuse. Safe to use from many threads (calls take turns).</summary>
    public sealed class ActivationClient : IDisposable
    {
        private ulong handle;

        /// <summary>serverUrl null: offline only (typed codes, request and deactivation codes).</summary>
        public ActivationClient(Keyring keyring, string stateDirectory, string serverUrl, string machineUid)
        {
            Native.EnsureAbi();
            IntPtr err;
            Native.Check(Native.actkit_client_new(keyring.Handle, Native.Utf8(stateDirectory), Native.Utf8(serverUrl),
                Native.Utf8(machineUid), out handle, out err), err);
        }

        /// <summary>Sets an option by its header name ("licence-key", "machine-name", ...).</summary>
        public void SetOption(string name, string value)
        {
            IntPtr err;
            Native.Check(Native.actkit_client_set(handle, Native.Utf8(name), Native.Utf8(value), out err), err);
        }

        /// <summary>Activated online at start when not activated yet.</summary>
        public string LicenceKey { set { SetOption("licence-key", value); } }
        public string MachineName { set { SetOption("machine-name", value); } }
        public string ProductVersion { set { SetOption("product-version", value); } }
        /// <summary>The product's own secret keying the state file's MAC.</summary>
        public byte[] StateKey { set { SetOption("state-key", BitConverter.ToString(value).Replace("-", "")); } }
        public TimeSpan Grace { set { SetOption("grace-seconds", Seconds(value)); } }
        public TimeSpan OfflineGrace { set { SetOption("offline-grace-seconds", Seconds(value)); } }
        /// <summary>A fixed clock (tests, or a product with a trusted time); null: the system clock.</summary>
        public DateTimeOffset? Now
        {
            set
            {
                SetOption("now-unix-ms", value.HasValue
                    ? value.Value.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "");
            }
        }

        private static string Seconds(TimeSpan t)
        {
            return ((long)t.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        private delegate int Call(out IntPtr status, out IntPtr err);

        private static LicenceStatus Run(Call call)
        {
            IntPtr s, err;
            int st = call(out s, out err);
            string json = Native.Take(s), msg = Native.Take(err);
            ActkitException e = st == 0 ? null : ActkitException.For(st, msg);
            if (json == null) throw e;
            return LicenceStatus.FromJson(json, e);
        }

        /// <summary>The state from the state file alone, without the network.</summary>
        public LicenceStatus Status()
        {
            return Run((out IntPtr s, out IntPtr e) => Native.actkit_client_status(handle, out s, out e));
        }

        /// <summary>At start-up: the state and the online step that is due.</summary>
        public LicenceStatus Start()
        {
            return Run((out IntPtr s, out IntPtr e) => Native.actkit_client_start(handle, out s, out e));
        }

        /// <summary>Activates online (licenceKey null: the LicenceKey option).</summary>
        public LicenceStatus Activate(string licenceKey = null)
        {
            byte[] k = Native.Utf8(licenceKey);
            return Run((out IntPtr s, out IntPtr e) => Native.actkit_client_activate(handle, k, out s, out e));
        }

        /// <summary>Asks the licence server about the stored activation now.</summary>
        public LicenceStatus Validate()
        {
            return Run((out IntPtr s, out IntPtr e) => Native.actkit_client_validate(handle, out s, out e));
        }

        /// <summary>Gives the code up and frees the seat online; offline, the
        /// status carries the DeactivationCode for the vendor.</summary>
        public LicenceStatus Deactivate()
        {
            return Run((out IntPtr s, out IntPtr e) => Native.actkit_client_deactivate(handle, out s, out e));
        }

        /// <summary>Activates offline with a code the user typed.</summary>
        public LicenceStatus ActivateCode(string licenceKey, string code)
        {
            byte[] k = Native.Utf8(licenceKey), c = Native.Utf8(code);
            return Run((out IntPtr s, out IntPtr e) => Native.actkit_client_activate_code(handle, k, c, out s, out e));
        }

        /// <summary>The request code for offline activation.</summary>
        public string RequestCode(string licenceKey = null)
        {
            IntPtr c, err;
            int st = Native.actkit_client_request_code(handle, Native.Utf8(licenceKey), out c, out err);
            string code = Native.Take(c);
            Native.Check(st, err);
            return code;
        }

        public void Dispose()
        {
            ulong h = handle;
            handle = 0;
            if (h != 0) Native.actkit_close(h);
            GC.SuppressFinalize(this);
        }

        ~ActivationClient()
        {
            if (handle != 0) Native.actkit_close(handle);
        }
    }
}
