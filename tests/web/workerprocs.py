"""Real `anthologie worker` processes for tests: start them, wait on them, always stop them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def start_worker(env: dict[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """An `anthologie worker` with this environment; its output goes to `log` if given."""
    with open(log or os.devnull, "wb") as out:
        return subprocess.Popen(
            [str(BIN / "anthologie"), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_for(condition: Callable[[], object], what: str, timeout: float) -> object:
    """Poll `condition` until it returns something true (returned), failing after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """The worker processes a test starts (it appends them); killed at its end if still up."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
