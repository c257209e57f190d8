using System;

namespace Actkit
{
    /// <summary>The statuses of libactkit (ACTKIT_OK, ACTKIT_E_*).</summary>
    public enum Status
    {
        Ok = 0,
        Refused = 1,
        Argument = 2,
        Handle = 3,
        Keyring = 4,
        Machine = 5,
        Invalid = 6,
        Offline = 7,
        ServerRefused = 8,
        NotActivated = 9,
        NoServer = 10,
        Failed = 11,
        Internal = 12,
    }

    /// <summary>Why a code or a keyring update was refused (ACTKIT_REASON_*);
    /// the names of <see cref="CodeRefusedException.ReasonName"/> and
    /// <see cref="KeyringUpdateRefusedException.ReasonName"/> are the Go
    /// verifier's. New reasons are only ever appended.</summary>
    public enum RefusalReason
    {
        None = 0,
        InvalidBinding = 1,
        Malformed = 2,
        Typo = 3,
        UnsupportedVersion = 4,
        WrongProduct = 5,
        RevokedKey = 6,
        UnknownKey = 7,
        AlgorithmMismatch = 8,
        WrongLicence = 9,
        WrongMachine = 10,
        BadSignature = 11,
        NotYetValid = 12,
        Expired = 13,
        // Codes signed by a delegated key.
        OutsideDelegation = 14,
        RevokedDelegation = 15,
        InvalidDelegation = 16,
        // Keyring updates (Keyring.Update).
        InsufficientSignatures = 17,
        RolledBack = 18,
        UpdateExpired = 19,
        InvalidKey = 20,
        Checksum = 21,
        HmacSecretNotAllowed = 22,
    }

    /// <summary>A libactkit call failed; <see cref="Status"/> says how.</summary>
    public class ActkitException : Exception
    {
        public Status Status { get; private set; }

        public ActkitException(Status status, string message) : base(message)
        {
            Status = status;
        }

        /// <summary>The stable name of the status ("offline", "argument", ...).</summary>
        public string StatusName
        {
            get { return Native.Static(Native.actkit_status_name((int)Status)) ?? ("status-" + (int)Status); }
        }

        internal static ActkitException For(int status, string message)
        {
            return new ActkitException((Status)status, message ?? "");
        }
    }

    /// <summary>An activation code was refused: the reason, and for a single
    /// typo with exactly one correction that verifies, the suggestion (show
    /// it; never accept it on the user's behalf).</summary>
    public sealed class CodeRefusedException : ActkitException
    {
        public RefusalReason Reason { get; private set; }

        /// <summary>The stable name: "typo", "wrong-machine", "expired", ...</summary>
        public string ReasonName { get; private set; }

        /// <summary>The corrected code, or null.</summary>
        public string Suggestion { get; private set; }

        internal CodeRefusedException(RefusalReason reason, string reasonName, string suggestion, string message)
            : base(Status.Refused, message)
        {
            Reason = reason;
            ReasonName = reasonName;
            Suggestion = suggestion;
        }
    }

    /// <summary>A keyring update was refused (rolled back, expired, not
    /// signed by enough roots, for another product, malformed, ...): keep
    /// the keyring held.</summary>
    public sealed class KeyringUpdateRefusedException : ActkitException
    {
        public RefusalReason Reason { get; private set; }

        /// <summary>The stable name: "rolled-back", "update-expired", "insufficient-signatures", ...</summary>
        public string ReasonName { get; private set; }

        internal KeyringUpdateRefusedException(RefusalReason reason, string reasonName, string message)
            : base(Status.Refused, message)
        {
            Reason = reason;
            ReasonName = reasonName;
        }
    }
}
