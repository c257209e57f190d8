"""Loading libactkit and declaring its functions (native/actkit.h)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

#: The ABI this binding speaks: ACTKIT_ABI_VERSION of native/actkit.h.
ABI_VERSION = 1

#: ACTKIT_NOW: a time argument meaning "the system clock".
NOW = -(2**63)


def _library_path() -> str:
    env = os.environ.get("ACTKIT_LIBRARY")
    if env:
        return env
    name = {"win32": "actkit.dll", "darwin": "libactkit.dylib"}.get(sys.platform, "libactkit.so")
    bundled = Path(__file__).with_name(name)
    if bundled.exists():  # the wheel carries the library beside this file
        return str(bundled)
    return name  # the system's search path


class _Lib:
    def __init__(self, path: str) -> None:
        self.path = path
        lib = ctypes.CDLL(path)
        H = ctypes.c_uint64
        S = ctypes.c_char_p
        OUT = ctypes.POINTER(ctypes.c_void_p)
        I = ctypes.c_int
        decl = {
            "actkit_abi_version": (ctypes.c_int32, []),
            "actkit_version": (S, []),
            "actkit_status_name": (S, [I]),
            "actkit_reason_name": (S, [I]),
            "actkit_free": (None, [ctypes.c_void_p]),
            "actkit_close": (None, [H]),
            "actkit_keyring_parse": (I, [S, I, ctypes.POINTER(H), OUT]),
            "actkit_keyring_product": (I, [H, OUT, OUT]),
            "actkit_verify": (I, [H, S, S, S, S, ctypes.c_int64, OUT, ctypes.POINTER(I), OUT, OUT]),
            "actkit_verify_delegated": (I, [H, S, S, S, S, S, ctypes.c_int64, OUT, ctypes.POINTER(I), OUT, OUT]),
            "actkit_keyring_update": (I, [H, S, ctypes.c_int64, ctypes.POINTER(H), OUT, ctypes.POINTER(I), OUT]),
            "actkit_keyring_update_text": (I, [S, I, S, ctypes.c_int64, OUT, ctypes.POINTER(I), OUT]),
            "actkit_keyring_info": (I, [H, OUT, OUT]),
            "actkit_machine_uid": (I, [S, S, I, S, OUT, OUT, OUT]),
            "actkit_request_code": (I, [S, S, S, S, OUT, OUT]),
            "actkit_deactivation_code": (I, [S, S, S, ctypes.c_uint64, ctypes.c_int64, OUT, OUT]),
            "actkit_client_new": (I, [H, S, S, S, ctypes.POINTER(H), OUT]),
            "actkit_client_set": (I, [H, S, S, OUT]),
            "actkit_client_status": (I, [H, OUT, OUT]),
            "actkit_client_start": (I, [H, OUT, OUT]),
            "actkit_client_activate": (I, [H, S, OUT, OUT]),
            "actkit_client_validate": (I, [H, OUT, OUT]),
            "actkit_client_deactivate": (I, [H, OUT, OUT]),
            "actkit_client_activate_code": (I, [H, S, S, OUT, OUT]),
            "actkit_client_request_code": (I, [H, S, OUT, OUT]),
        }
        for name, (res, args) in decl.items():
            f = getattr(lib, name)
            f.restype, f.argtypes = res, args
            setattr(self, name[len("actkit_"):], f)
        got = self.abi_version()
        if got != ABI_VERSION:
            raise ImportError(f"{path} speaks libactkit ABI {got}, this binding ABI {ABI_VERSION}")

    def take(self, p: ctypes.c_void_p) -> str | None:
        """Returns the string the library allocated at p, and frees it."""
        if not p.value:
            return None
        try:
            return ctypes.string_at(p.value).decode("utf-8")
        finally:
            self.free(p)


_lib: _Lib | None = None


def lib() -> _Lib:
    """The loaded library (ACTKIT_LIBRARY, the copy in the package, or
    the system's), loaded on first use."""
    global _lib
    if _lib is None:
        _lib = _Lib(_library_path())
    return _lib


def arg(s: str | None) -> bytes | None:
    """A string argument: UTF-8, None for NULL."""
    if s is None:
        return None
    if not isinstance(s, str):
        raise TypeError(f"expected str, got {type(s).__name__}")
    if "\0" in s:
        from .errors import ArgumentError
        raise ArgumentError("a string argument contains a NUL character, which a C string cannot carry")
    return s.encode("utf-8")
