"""Shared setup: the tests that need the real CLI or a licence server read
them from the environment, which native's Go test (TestBindings) sets;
without it they skip, or fail when CI is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def need_env(*names: str) -> list[str]:
    missing = [n for n in names if not os.environ.get(n)]
    if missing:
        msg = "needs " + ", ".join(missing) + " (set by go test ./native/)"
        if os.environ.get("CI"):
            pytest.fail(msg)
        pytest.skip(msg)
    return [os.environ[n] for n in names]
