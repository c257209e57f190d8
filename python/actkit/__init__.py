"""actkit: offline activation codes, for Python products.

A binding, with ctypes, of libactkit (native/actkit.h): the same Go
verifier, machine UID and activation client as Go products use. The
library is found at ACTKIT_LIBRARY, beside this package (the wheel), or on
the system's search path.

    import actkit
    kr = actkit.Keyring.parse(open("umenu.keyring").read())
    uid = actkit.machine_uid("umenu", "4.2.17")
    try:
        terms = kr.verify(code, licence_key, uid)
    except actkit.CodeRefused as e:
        print(e.reason, e.suggestion)
"""

from ._core import (Delegation, Keyring, KeyringInfo, Terms, deactivation_code, explain_machine_uid, machine_uid,
                    request_code, update_keyring_text, verify)
from ._lib import ABI_VERSION
from .client import ActivationClient, Status
from .errors import (ActkitError, ArgumentError, CodeRefused, FailedError, HandleError, InternalError,
                     InvalidError, KeyringError, KeyringUpdateRefused, MachineError, NoServerError, NotActivatedError,
                     OfflineError, Reason, ServerRefusedError)


def library_version() -> str:
    """The loaded libactkit's release."""
    from ._lib import lib
    return lib().version().decode()


__all__ = [
    "ABI_VERSION", "ActivationClient", "ActkitError", "ArgumentError", "CodeRefused", "Delegation", "FailedError",
    "HandleError", "InternalError", "InvalidError", "Keyring", "KeyringError", "KeyringInfo", "KeyringUpdateRefused",
    "MachineError", "NoServerError", "NotActivatedError", "OfflineError", "Reason", "ServerRefusedError", "Status",
    "Terms", "deactivation_code", "explain_machine_uid", "library_version", "machine_uid", "request_code",
    "update_keyring_text", "verify",
]
