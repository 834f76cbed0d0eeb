"""Waiting on something a browser or a worker does, without a timing assertion."""

import time
from collections.abc import Callable
from typing import Any


def poll(read: Callable[[], Any], done: Callable[[Any], bool], seconds: float = 60.0) -> Any:
    """Read until `done(value)` or `seconds` have passed, and return the last value read.

    The bound is only on waiting: the caller asserts on the value, never on the time."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value
