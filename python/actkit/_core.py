"""Keyrings, verification, the machine UID and the codes."""

from __future__ import annotations

import ctypes
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

from ._lib import NOW, arg, lib
from .errors import CodeRefused, KeyringUpdateRefused, error_for


_Self = TypeVar("_Self", bound="_Owned")


def _millis(now: datetime | None) -> int:
    if now is None:
        return NOW
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (datetime.now(timezone.utc))")
    delta = now - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _check(status: int, err: ctypes.c_void_p) -> None:
    """Raises the error of a failed call; frees err either way."""
    msg = lib().take(err)
    if status != 0:
        raise error_for(status, msg or "")


def _string_call(f: Any, *args: Any) -> str:
    """Calls a function whose result is one string, then its err."""
    out, err = ctypes.c_void_p(), ctypes.c_void_p()
    st = f(*args, ctypes.byref(out), ctypes.byref(err))
    value = lib().take(out)
    _check(st, err)
    assert value is not None
    return value


@dataclass(frozen=True)
class Terms:
    """The verified terms of an activation code (the terms of
    ``actkit verify --json``)."""

    product: str
    key_id: str
    algorithm: str
    serial: int
    issued: str  #: YYYY-MM-DD
    expires: str  #: YYYY-MM-DD, the last valid day, or "never"
    seats: int
    features: int  #: a bit mask

    @property
    def perpetual(self) -> bool:
        return self.expires == "never"

    def has_feature(self, n: int) -> bool:
        return 0 <= n <= 63 and self.features >> n & 1 == 1

    def to_json(self) -> dict[str, Any]:
        """The terms as libactkit's JSON object."""
        return {"product": self.product, "keyId": self.key_id, "algorithm": self.algorithm,
                "serial": self.serial, "issued": self.issued, "expires": self.expires,
                "seats": self.seats, "features": self.features}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Terms":
        return cls(d["product"], d["keyId"], d["algorithm"], d["serial"], d["issued"], d["expires"],
                   d["seats"], d["features"])


class _Owned:
    """An object behind a libactkit handle: closed with close(), a with
    block, or when garbage collected."""

    _handle: int = 0

    def close(self) -> None:
        h, self._handle = self._handle, 0
        if h:
            lib().close(h)

    def __enter__(self: _Self) -> _Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


@dataclass(frozen=True)
class Delegation:
    """A delegation a keyring embeds: the delegated key, the root that
    issued it, and the issue days (inclusive, YYYY-MM-DD) it may sign in."""

    key_id: str
    issuer: str
    serial: int
    not_before: str
    not_after: str


@dataclass(frozen=True)
class KeyringInfo:
    """What a keyring holds (``actkit_keyring_info``): key IDs only."""

    product: str
    version: int  #: 0 for a version 1 keyring
    expires: str | None  #: the last day it is accepted as an update; None for version 1
    threshold: int  #: how many roots must sign the next update
    roots: list[str]
    keys: list[tuple[str, str]]  #: keys trusted directly: (key ID, algorithm)
    delegations: list[Delegation]
    revoked: list[str]

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "KeyringInfo":
        return cls(d["product"], d["version"], d["expires"], d["threshold"], list(d["roots"]),
                   [(k["id"], k["algorithm"]) for k in d["keys"]],
                   [Delegation(x["keyId"], x["issuer"], x["serial"], x["notBefore"], x["notAfter"])
                    for x in d["delegations"]],
                   list(d["revoked"]))


def _update_error(status: int, reason: int, msg: str | None) -> Exception:
    if status == 1:
        name = lib().reason_name(reason)
        return KeyringUpdateRefused(msg or "", name.decode() if name else "", reason)
    return error_for(status, msg or "")


def update_keyring_text(keyring_text: str, update: str, *, now: datetime | None = None,
                        hmac_secrets: bool = False) -> str:
    """Keyring.update for a product that keeps only texts: the new
    keyring's text. Raises KeyringError for a keyring_text that does not
    parse, KeyringUpdateRefused for a refused update."""
    text, err = ctypes.c_void_p(), ctypes.c_void_p()
    reason = ctypes.c_int()
    L = lib()
    st = L.keyring_update_text(arg(keyring_text), 1 if hmac_secrets else 0, arg(update), _millis(now),
                               ctypes.byref(text), ctypes.byref(reason), ctypes.byref(err))
    t, msg = L.take(text), L.take(err)
    if st != 0:
        raise _update_error(st, reason.value, msg)
    assert t is not None
    return t


class Keyring(_Owned):
    """A product's pinned keyring (the text ``actkit keys export`` writes).
    Safe to share between threads. ``text`` is the text parsed, or after
    update() the new keyring's, which the product stores."""

    def __init__(self, handle: int, text: str = "") -> None:
        self._handle = handle
        self.text = text

    @classmethod
    def parse(cls, text: str, *, hmac_secrets: bool = False) -> "Keyring":
        """Parses a keyring. ``hmac_secrets`` accepts HMAC secrets (closed
        deployments only). Raises KeyringError."""
        h = ctypes.c_uint64()
        err = ctypes.c_void_p()
        _check(lib().keyring_parse(arg(text), 1 if hmac_secrets else 0, ctypes.byref(h), ctypes.byref(err)), err)
        return cls(h.value, text)

    @property
    def handle(self) -> int:
        return self._handle

    @property
    def product(self) -> str:
        return _string_call(lib().keyring_product, self._handle)

    def verify(self, code: str, licence_key: str, machine_uid: str, *,
               now: datetime | None = None, product: str | None = None) -> Terms:
        """Verifies an activation code offline and returns its terms, or
        raises CodeRefused with the reason (and the typo suggestion).
        ``now`` defaults to the system clock; ``product`` to the
        keyring's."""
        return self._verify(code, None, licence_key, machine_uid, now, product)

    def verify_delegated(self, code: str, certificate: str | None, licence_key: str, machine_uid: str, *,
                         now: datetime | None = None, product: str | None = None) -> Terms:
        """Verifies a code that came with its delegation certificate (an
        online answer carries both; store both). The certificate must be
        signed by one of the keyring's roots and the code must fit its
        limits; None or "" is verify(). Raises CodeRefused
        ("outside-delegation", "invalid-delegation", ...)."""
        return self._verify(code, certificate, licence_key, machine_uid, now, product)

    def _verify(self, code: str, certificate: str | None, licence_key: str, machine_uid: str,
                now: datetime | None, product: str | None) -> Terms:
        terms, sugg, err = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        reason = ctypes.c_int()
        L = lib()
        if certificate is None:
            st = L.verify(self._handle, arg(product), arg(licence_key), arg(machine_uid), arg(code), _millis(now),
                          ctypes.byref(terms), ctypes.byref(reason), ctypes.byref(sugg), ctypes.byref(err))
        else:
            st = L.verify_delegated(self._handle, arg(product), arg(licence_key), arg(machine_uid), arg(code),
                                    arg(certificate), _millis(now), ctypes.byref(terms), ctypes.byref(reason),
                                    ctypes.byref(sugg), ctypes.byref(err))
        t, s, msg = L.take(terms), L.take(sugg), L.take(err)
        if st == 0:
            assert t is not None
            return Terms.from_json(json.loads(t))
        if st == 1:
            name = L.reason_name(reason.value)
            raise CodeRefused(msg or "", name.decode() if name else "", reason.value, s)
        raise error_for(st, msg or "")

    def update(self, update: str, *, now: datetime | None = None) -> "Keyring":
        """Applies a keyring update (a root-signed version 2 keyring text)
        and returns the keyring it makes, whose ``text`` the product
        stores; this keyring is unchanged. Raises KeyringUpdateRefused
        ("rolled-back", "update-expired", "insufficient-signatures", ...):
        keep this keyring."""
        h, text, err = ctypes.c_uint64(), ctypes.c_void_p(), ctypes.c_void_p()
        reason = ctypes.c_int()
        L = lib()
        st = L.keyring_update(self._handle, arg(update), _millis(now), ctypes.byref(h), ctypes.byref(text),
                              ctypes.byref(reason), ctypes.byref(err))
        t, msg = L.take(text), L.take(err)
        if st != 0:
            raise _update_error(st, reason.value, msg)
        assert t is not None
        return Keyring(h.value, t)

    @property
    def info(self) -> KeyringInfo:
        """What the keyring holds: version, expiry, roots, delegations, revoked keys."""
        return KeyringInfo.from_json(json.loads(_string_call(lib().keyring_info, self._handle)))


def verify(keyring: Keyring | str, code: str, licence_key: str, machine_uid: str, *,
           now: datetime | None = None, product: str | None = None) -> Terms:
    """Verifies code with a Keyring or a keyring's text (see
    Keyring.verify)."""
    if isinstance(keyring, Keyring):
        return keyring.verify(code, licence_key, machine_uid, now=now, product=product)
    with Keyring.parse(keyring) as kr:
        return kr.verify(code, licence_key, machine_uid, now=now, product=product)


def _machine(product: str, version: str, os_id: bool, system_uuid: bool, product_value: str | None,
             show_raw: bool) -> tuple[str, dict[str, Any]]:
    flags = (1 if os_id else 0) | (2 if system_uuid else 0) | (4 if show_raw else 0)
    uid, explain, err = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
    L = lib()
    st = L.machine_uid(arg(product), arg(version), flags, arg(product_value),
                       ctypes.byref(uid), ctypes.byref(explain), ctypes.byref(err))
    u, x = L.take(uid), L.take(explain)
    _check(st, err)
    assert u is not None and x is not None
    return u, json.loads(x)


def machine_uid(product: str, version: str, *, os_id: bool = False, system_uuid: bool = False,
                product_value: str | None = None) -> str:
    """This machine's UID for a product and version: the same answer as
    ``actkit machine-id --product P --version V`` with the same switches.
    Raises MachineError when no per-machine component can be read."""
    return _machine(product, version, os_id, system_uuid, product_value, False)[0]


def explain_machine_uid(product: str, version: str, *, os_id: bool = False, system_uuid: bool = False,
                        product_value: str | None = None, show_raw: bool = False) -> dict[str, Any]:
    """The UID and its components, as ``actkit machine-id --json``."""
    return _machine(product, version, os_id, system_uuid, product_value, show_raw)[1]


def request_code(product: str, licence_key: str, machine_uid: str, product_version: str = "") -> str:
    """The request code for offline activation, as ``actkit request``."""
    return _string_call(lib().request_code, arg(product), arg(licence_key), arg(machine_uid), arg(product_version))


def deactivation_code(product: str, licence_key: str, machine_uid: str, serial: int, *,
                      now: datetime | None = None) -> str:
    """The deactivation code saying this machine gave up the activation
    code with ``serial`` (for a product that keeps its own state)."""
    return _string_call(lib().deactivation_code, arg(product), arg(licence_key), arg(machine_uid), serial,
                        _millis(now))
