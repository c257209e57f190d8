"""The online activation client (activation.Client in Go)."""

from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from ._core import Keyring, Terms, _check, _millis, _Owned, _string_call
from ._lib import arg, lib
from .errors import ActkitError, error_for


@dataclass(frozen=True)
class Status:
    """The licence status: always the one to act on. ``error``, when set,
    says why the online step of the call did not happen (an OfflineError:
    warn and keep going on the grace this status gives)."""

    state: str  #: "activated", "in-grace", "activated-offline", "seat-lost", ...
    licensed: bool  #: the product may run fully
    message: str  #: the sentence for the user
    terms: Terms | None = None
    grace_left_seconds: int = 0
    server_code: str = ""
    deactivation_code: str = ""
    active_count: int = 0
    max_activations: int = 0
    raw: dict[str, Any] = field(default_factory=dict)  #: every field of the JSON
    error: ActkitError | None = None

    @classmethod
    def from_json(cls, text: str, error: ActkitError | None) -> "Status":
        d = json.loads(text)
        t = d.get("terms")
        return cls(d["state"], d["licensed"], d["message"], Terms.from_json(t) if t else None,
                   d.get("graceLeftSeconds", 0), d.get("serverCode", ""), d.get("deactivationCode", ""),
                   d.get("activeCount", 0), d.get("maxActivations", 0), d, error)


_OPTIONS = {
    "licence_key": "licence-key", "machine_name": "machine-name", "product_version": "product-version",
    "grace_seconds": "grace-seconds", "offline_grace_seconds": "offline-grace-seconds",
    "clock_tolerance_seconds": "clock-tolerance-seconds", "timeout_ms": "timeout-ms",
    "attempts": "attempts", "user_agent": "user-agent",
}


class ActivationClient(_Owned):
    """The product side of activation: the state file in ``state_dir``,
    the licence server at ``server_url`` (None: offline only), this
    machine's UID. Calls return a Status; they raise only for misuse.
    Safe to share between threads (calls take turns)."""

    def __init__(self, keyring: Keyring, state_dir: str, server_url: str | None, machine_uid: str, *,
                 state_key: bytes | None = None, now: datetime | None = None, **options: str | int) -> None:
        h = ctypes.c_uint64()
        err = ctypes.c_void_p()
        _check(lib().client_new(keyring.handle, arg(state_dir), arg(server_url), arg(machine_uid),
                                ctypes.byref(h), ctypes.byref(err)), err)
        self._handle = h.value
        if state_key is not None:
            self._set("state-key", state_key.hex())
        if now is not None:
            self.set_clock(now)
        for k, v in options.items():
            if k not in _OPTIONS:
                self.close()
                raise TypeError(f"unknown option {k!r}")
            self._set(_OPTIONS[k], str(v))

    def _set(self, name: str, value: str) -> None:
        err = ctypes.c_void_p()
        _check(lib().client_set(self._handle, arg(name), arg(value), ctypes.byref(err)), err)

    def set_clock(self, now: datetime | None) -> None:
        """Fixes the client's clock (None: the system clock)."""
        self._set("now-unix-ms", "" if now is None else str(_millis(now)))

    def _call(self, f: Callable[..., int], *args: Any) -> Status:
        out, err = ctypes.c_void_p(), ctypes.c_void_p()
        st = f(self._handle, *args, ctypes.byref(out), ctypes.byref(err))
        text, msg = lib().take(out), lib().take(err)
        e = None if st == 0 else error_for(st, msg or "")
        if text is None:
            assert e is not None
            raise e
        return Status.from_json(text, e)

    def status(self) -> Status:
        """The state from the state file alone, without the network."""
        return self._call(lib().client_status)

    def start(self) -> Status:
        """At start-up: the state and the online step that is due."""
        return self._call(lib().client_start)

    def activate(self, licence_key: str | None = None) -> Status:
        """Activates online (licence_key, or the licence_key option)."""
        return self._call(lib().client_activate, arg(licence_key))

    def validate(self) -> Status:
        """Asks the licence server about the stored activation now."""
        return self._call(lib().client_validate)

    def deactivate(self) -> Status:
        """Gives the code up and frees the seat online; offline, the
        status carries the deactivation code for the vendor."""
        return self._call(lib().client_deactivate)

    def activate_code(self, licence_key: str, code: str) -> Status:
        """Activates offline with a code the user typed."""
        return self._call(lib().client_activate_code, arg(licence_key), arg(code))

    def request_code(self, licence_key: str | None = None) -> str:
        """The request code for offline activation."""
        return _string_call(lib().client_request_code, self._handle, arg(licence_key))
