"""Every activation-code vector through the Python binding: the result,
the reason and the suggestion must be what Go says."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

import actkit
from conftest import ROOT


@pytest.mark.parametrize("name", ["activation_code_ed25519.json", "activation_code_hmac.json"])
def test_vectors(name: str) -> None:
    f = json.loads((ROOT / "testvectors" / name).read_text(encoding="utf-8"))
    n, nuls, failures = 0, 0, []
    for g in f["testGroups"]:
        with actkit.Keyring.parse(g["keyring"], hmac_secrets=g["hmacSecrets"]) as kr:
            for t in g["tests"]:
                n += 1
                now = datetime.fromisoformat(t["now"].replace("Z", "+00:00"))
                has_nul = any("\0" in t[k] for k in ("code", "licenceKey", "machineUid", "product"))
                try:
                    terms = kr.verify(t["code"], t["licenceKey"], t["machineUid"], now=now, product=t["product"])
                except actkit.CodeRefused as e:
                    if t["result"] == "valid" or has_nul:
                        failures.append(f"#{t['tcId']}: refused {e.reason}: {e}")
                    elif (e.reason, e.suggestion or "") != (t["reason"], t.get("suggestion", "")):
                        failures.append(f"#{t['tcId']}: {e.reason} {e.suggestion!r}, want {t['reason']} {t.get('suggestion')!r}")
                    continue
                except actkit.ArgumentError:
                    # A C string cannot carry a NUL: refused before the library.
                    if not has_nul or t["result"] != "invalid":
                        failures.append(f"#{t['tcId']}: argument error")
                    nuls += 1
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
    assert nuls == 1


def test_refusal_is_typed() -> None:
    f = json.loads((ROOT / "testvectors" / "activation_code_ed25519.json").read_text(encoding="utf-8"))
    g = f["testGroups"][0]
    t = next(t for t in g["tests"] if t["result"] == "invalid" and t.get("suggestion"))
    kr = actkit.Keyring.parse(g["keyring"])
    now = datetime.fromisoformat(t["now"].replace("Z", "+00:00"))
    with pytest.raises(actkit.CodeRefused) as e:
        kr.verify(t["code"], t["licenceKey"], t["machineUid"], now=now)
    assert e.value.reason == "typo" and e.value.reason_number == 3 and e.value.suggestion == t["suggestion"]
    assert kr.verify(e.value.suggestion, t["licenceKey"], t["machineUid"], now=now).serial > 0
    kr.close()
    with pytest.raises(actkit.HandleError):
        kr.verify(t["code"], t["licenceKey"], t["machineUid"], now=now)
    with pytest.raises(actkit.KeyringError):
        actkit.Keyring.parse("actkit-keyring v1\n")
    with pytest.raises(ValueError):
        kr.verify("x", "y", "z", now=datetime(2026, 1, 1))  # naive datetime
