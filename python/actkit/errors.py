"""The errors of the binding: one class per status (native/actkit.h)."""

from __future__ import annotations

from enum import IntEnum


class Reason(IntEnum):
    """Why a code or a keyring update was refused: the ACTKIT_REASON_*
    numbers of native/actkit.h. ``Reason.TYPO.code`` is the stable name
    the Go verifier gives ("typo"). New reasons are only ever appended."""

    NONE = 0
    INVALID_BINDING = 1
    MALFORMED = 2
    TYPO = 3
    UNSUPPORTED_VERSION = 4
    WRONG_PRODUCT = 5
    REVOKED_KEY = 6
    UNKNOWN_KEY = 7
    ALGORITHM_MISMATCH = 8
    WRONG_LICENCE = 9
    WRONG_MACHINE = 10
    BAD_SIGNATURE = 11
    NOT_YET_VALID = 12
    EXPIRED = 13
    # Codes signed by a delegated key.
    OUTSIDE_DELEGATION = 14
    REVOKED_DELEGATION = 15
    INVALID_DELEGATION = 16
    # Keyring updates.
    INSUFFICIENT_SIGNATURES = 17
    ROLLED_BACK = 18
    UPDATE_EXPIRED = 19
    INVALID_KEY = 20
    CHECKSUM = 21
    HMAC_SECRET_NOT_ALLOWED = 22

    @property
    def code(self) -> str:
        """The stable name: "outside-delegation", "rolled-back", ..."""
        return self.name.lower().replace("_", "-")


class ActkitError(Exception):
    """A libactkit call failed. ``status`` is the ACTKIT_E_* number and
    ``status_name`` its stable name ("argument", "offline", ...)."""

    status: int = -1
    status_name: str = ""

    def __init__(self, message: str, status: int | None = None, status_name: str | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status
        if status_name is not None:
            self.status_name = status_name


class CodeRefused(ActkitError):
    """An activation code was refused. ``reason`` is the stable reason
    name ("typo", "wrong-machine", "expired", ...), ``reason_number``
    its ACTKIT_REASON_* value, and ``suggestion`` the corrected code for
    a single typo when exactly one correction verifies (show it; never
    accept it on the user's behalf)."""

    status, status_name = 1, "refused"

    def __init__(self, message: str, reason: str, reason_number: int, suggestion: str | None) -> None:
        super().__init__(message)
        self.reason = reason
        self.reason_number = reason_number
        self.suggestion = suggestion


class KeyringUpdateRefused(ActkitError):
    """A keyring update was refused: keep the keyring held. ``reason`` is
    the stable name ("rolled-back", "update-expired",
    "insufficient-signatures", ...), ``reason_number`` its
    ACTKIT_REASON_* value."""

    status, status_name = 1, "refused"

    def __init__(self, message: str, reason: str, reason_number: int) -> None:
        super().__init__(message)
        self.reason = reason
        self.reason_number = reason_number


class ArgumentError(ActkitError, ValueError):
    status, status_name = 2, "argument"


class HandleError(ActkitError):
    status, status_name = 3, "handle"


class KeyringError(ActkitError, ValueError):
    status, status_name = 4, "keyring"


class MachineError(ActkitError):
    status, status_name = 5, "machine"


class InvalidError(ActkitError, ValueError):
    status, status_name = 6, "invalid"


class OfflineError(ActkitError):
    """The licence server cannot be reached: warn and keep going on the
    grace the status gives."""

    status, status_name = 7, "offline"


class ServerRefusedError(ActkitError):
    status, status_name = 8, "server-refused"


class NotActivatedError(ActkitError):
    status, status_name = 9, "not-activated"


class NoServerError(ActkitError):
    status, status_name = 10, "no-server"


class FailedError(ActkitError):
    status, status_name = 11, "failed"


class InternalError(ActkitError):
    status, status_name = 12, "internal"


_BY_STATUS: dict[int, type[ActkitError]] = {
    c.status: c
    for c in (ArgumentError, HandleError, KeyringError, MachineError, InvalidError, OfflineError,
              ServerRefusedError, NotActivatedError, NoServerError, FailedError, InternalError)
}


def error_for(status: int, message: str) -> ActkitError:
    """The exception for a status other than OK and REFUSED."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        return ActkitError(message, status, f"status-{status}")
    return cls(message)
