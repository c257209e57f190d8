"""The machine UID and the codes from Python equal the CLI's."""

from __future__ import annotations

import subprocess

import pytest

import actkit
from conftest import need_env


def test_machine_uid_equals_cli() -> None:
    (cli,) = need_env("ACTKIT_CLI")
    want = subprocess.run([cli, "machine-id", "--product", "umenu", "--version", "4.2.17"],
                          check=True, capture_output=True, text=True).stdout.strip()
    assert actkit.machine_uid("umenu", "4.2.17") == want
    x = actkit.explain_machine_uid("umenu", "4.2.17")
    assert x["uid"] == want and [c["component"] for c in x["components"]][:3] == ["network", "cpu", "version"]
    assert all("raw" not in c for c in x["components"])


def test_request_code_equals_cli() -> None:
    (cli,) = need_env("ACTKIT_CLI")
    lic = "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM"
    want = subprocess.run([cli, "request", "--product", "umenu", "--version", "4.2.17", "--licence", lic,
                           "--value", "python"], check=True, capture_output=True, text=True).stdout.strip()
    uid = actkit.machine_uid("umenu", "4.2.17", product_value="python")
    assert actkit.request_code("umenu", lic, uid, "4.2.17") == want


def test_bad_input_is_typed() -> None:
    with pytest.raises(actkit.InvalidError):
        actkit.machine_uid("umenu", "not a version")
    with pytest.raises(actkit.InvalidError):
        actkit.request_code("umenu", "not a key", "18J8D-22RR5-50W00-0000C")
    with pytest.raises(actkit.ArgumentError):
        actkit.machine_uid("umenu\0", "4.2.17")
    assert actkit.deactivation_code("umenu", "UMENU-7KQ2X-M4RTA-9VWCE-H3NPM", "18J8D-22RR5-50W00-0000C", 7)
