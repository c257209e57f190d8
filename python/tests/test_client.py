"""ActivationClient against a real 'actkit serve' on 127.0.0.1: online
activation, validation, deactivation, and the offline grace when the
server cannot be reached, as activation.Client."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import actkit
from conftest import need_env


def test_online_flow(tmp_path: Path) -> None:
    url, dead, keyring_file, licence = need_env("ACTKIT_TEST_SERVER", "ACTKIT_TEST_DEAD_SERVER",
                                                "ACTKIT_TEST_KEYRING", "ACTKIT_TEST_LICENCE")
    kr = actkit.Keyring.parse(Path(keyring_file).read_text(encoding="utf-8"))
    uid = actkit.machine_uid(kr.product, "4.2.17", product_value="python-machine")
    state = str(tmp_path / "state")
    with actkit.ActivationClient(kr, state, url, uid, machine_name="python-test", product_version="4.2.17") as c:
        st = c.status()
        assert st.state == "in-grace" and st.licensed and st.error is None
        st = c.activate(licence)
        assert st.state == "activated" and st.error is None and st.terms is not None and st.active_count >= 1, st
        assert c.validate().state == "activated"
        assert c.request_code(licence) == actkit.request_code(kr.product, licence, uid, "4.2.17")
        st = c.deactivate()
        assert st.state == "deactivated" and st.deactivation_code == "" and st.error is None, st
    with actkit.ActivationClient(kr, state, url, uid, licence_key=licence) as c:
        st = c.start()  # after a deactivation, start does not activate by itself (as in Go)
        assert st.state == "deactivated" and st.error is None, st
        st = c.activate()  # the licence-key option
        assert st.state == "activated" and st.error is None, st
        validate_after = datetime.fromisoformat(st.raw["validateAfter"].replace("Z", "+00:00"))
        offline_until = datetime.fromisoformat(st.raw["offlineUntil"].replace("Z", "+00:00"))
    with actkit.ActivationClient(kr, state, dead, uid, attempts=1, now=validate_after + timedelta(minutes=1)) as c:
        st = c.start()
        assert st.state == "activated-offline" and st.licensed and isinstance(st.error, actkit.OfflineError), st
        c.set_clock(offline_until + timedelta(minutes=1))
        st = c.validate()
        assert st.state == "validation-required" and not st.licensed and isinstance(st.error, actkit.OfflineError), st
        st = c.deactivate()
        assert st.state == "deactivated" and st.deactivation_code and isinstance(st.error, actkit.OfflineError), st
