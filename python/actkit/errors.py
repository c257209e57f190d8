"""The errors of the binding: one class per status (native/actkit.h)."""

from __future__ import annotations


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
