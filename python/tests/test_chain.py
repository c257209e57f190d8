"""Every delegation and keyring-update vector through the Python binding:
the result, the reason and the keyring held afterwards must be what Go
says; and the reason numbers are the header's."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

import actkit
from actkit._lib import lib
from conftest import ROOT


def _now(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def test_delegation_vectors() -> None:
    f = json.loads((ROOT / "testvectors" / "delegation_verify.json").read_text(encoding="utf-8"))
    n, failures, seen = 0, [], set()
    for g in f["testGroups"]:
        with actkit.Keyring.parse(g["keyring"]) as kr:
            for t in g["tests"]:
                n += 1
                try:
                    terms = kr.verify_delegated(t["code"], t.get("certificate"), t["licenceKey"], t["machineUid"],
                                                now=_now(t["now"]), product=t["product"])
                except actkit.CodeRefused as e:
                    seen.add(e.reason)
                    if t["result"] == "valid":
                        failures.append(f"#{t['tcId']}: refused {e.reason}: {e}")
                    elif e.reason != t["reason"] or actkit.Reason(e.reason_number).code != t["reason"]:
                        failures.append(f"#{t['tcId']}: {e.reason} ({e.reason_number}), want {t['reason']}")
                    continue
                if t["result"] != "valid":
                    failures.append(f"#{t['tcId']}: accepted, want {t['reason']}")
                    continue
                w = t["terms"]
                got = {"keyId": terms.key_id, "serial": terms.serial, "issued": terms.issued,
                       "expires": terms.expires, "seats": terms.seats, "features": terms.features}
                if got != w or terms.product != t["product"]:
                    failures.append(f"#{t['tcId']}: terms {got}, want {w}")
    assert not failures, "\n".join(failures[:20])
    assert n == f["numberOfTests"] > 0
    assert {"outside-delegation", "revoked-delegation", "invalid-delegation"} <= seen


def test_update_vectors() -> None:
    f = json.loads((ROOT / "testvectors" / "keyring_update.json").read_text(encoding="utf-8"))
    n, failures = 0, []
    for g in f["testGroups"]:
        with actkit.Keyring.parse(g["keyring"]) as held:
            for t in g["tests"]:
                n += 1
                now, tc = _now(t["now"]), t["tcId"]
                try:
                    text = actkit.update_keyring_text(g["keyring"], t["update"], now=now)
                except actkit.KeyringUpdateRefused as e:
                    text = None
                    if e.reason != t.get("reason"):
                        failures.append(f"#{tc}: update_keyring_text refused {e.reason}, want {t.get('reason')}")
                try:
                    nxt = held.update(t["update"], now=now)
                except actkit.KeyringUpdateRefused as e:
                    if t["result"] == "valid":
                        failures.append(f"#{tc}: refused {e.reason}: {e}")
                    elif (e.reason, actkit.Reason(e.reason_number).code, e.status) != (t["reason"], t["reason"], 1):
                        failures.append(f"#{tc}: {e.reason} ({e.reason_number}), want {t['reason']}")
                    continue
                with nxt:
                    if t["result"] != "valid":
                        failures.append(f"#{tc}: accepted, want {t['reason']}")
                        continue
                    info, w = nxt.info, t["output"]
                    got = {"product": info.product, "version": info.version, "threshold": info.threshold,
                           "roots": info.roots, "keys": [{"id": i, "algorithm": a} for i, a in info.keys],
                           "delegations": [d.key_id for d in info.delegations], "revoked": info.revoked}
                    if got != w or (info.expires is None) != (info.version == 0):
                        failures.append(f"#{tc}: info {got} expires {info.expires}, want {w}")
                    if nxt.text != text:
                        failures.append(f"#{tc}: update and update_keyring_text give other texts")
                    with actkit.Keyring.parse(nxt.text) as again:
                        if again.info != info:
                            failures.append(f"#{tc}: the stored text reads back as {again.info}")
    assert not failures, "\n".join(failures[:20])
    assert n == f["numberOfTests"] > 0


def test_reason_numbers_are_the_headers() -> None:
    header = (ROOT / "native" / "actkit.h").read_text(encoding="utf-8")
    defined = {m[1]: int(m[2]) for m in re.finditer(r"#define ACTKIT_REASON_([A-Z_]+)\s+(\d+)", header)}
    assert defined == {r.name: r.value for r in actkit.Reason}
    for r in actkit.Reason:
        name = lib().reason_name(r.value)
        assert (name.decode() if name else "none") == r.code


def test_update_misuse() -> None:
    f = json.loads((ROOT / "testvectors" / "keyring_update.json").read_text(encoding="utf-8"))
    g = f["testGroups"][0]
    kr = actkit.Keyring.parse(g["keyring"])
    assert kr.info.version == 0 and kr.info.expires is None and kr.info.threshold == 1
    kr.close()
    with pytest.raises(actkit.HandleError):
        kr.update(g["tests"][0]["update"])
    with pytest.raises(actkit.KeyringError):
        actkit.update_keyring_text("actkit-keyring v1\n", g["tests"][0]["update"])
