"""What a test does when a real component it needs (a server, a binary, a model) is missing."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_component(what: str, why: str) -> NoReturn:
    """Call when `what` is missing: skip the test on a developer's machine, fail it under CI.

    CI (CI=true) is where the real parts must be exercised, so a missing component there is a
    broken setup, not a reason to pass quietly.
    """
    message = f"{what} not available: {why}"
    if under_ci():
        pytest.fail(f"{message} (CI=true, so this is a failure rather than a skip)")
    pytest.skip(message)
