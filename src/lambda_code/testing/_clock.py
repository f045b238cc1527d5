# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""Clocks for the simulator and for code under test.

A `VirtualClock` makes waits and backoffs instant: `sleep` moves time forward instead of
blocking, so a test that "waits" five minutes finishes in milliseconds and is deterministic.
It is a `lambda_code.typing.Clock`, like the real `SystemClock` that clients use by default,
re-exported here for simulations in real time.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

from lambda_code._types import Clock, SystemClock

__all__ = ["Clock", "SystemClock", "VirtualClock"]

# A fixed epoch keeps LastModified values reproducible from run to run.
_DEFAULT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


class VirtualClock:
    """A clock that only moves when someone sleeps on it or advances it."""

    def __init__(self, start: float = 0.0, epoch: float = _DEFAULT_EPOCH) -> None:
        self._now = float(start)
        self._epoch = float(epoch)
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now!r}, sleeps={len(self.sleeps)})"

    def now(self) -> float:
        with self._lock:
            return self._now

    def time(self) -> float:
        with self._lock:
            return self._epoch + self._now

    def sleep(self, seconds: float) -> None:
        """Advance time by `seconds` at once; every call is recorded in `sleeps`."""
        with self._lock:
            self.sleeps.append(seconds)
            if seconds > 0:
                self._now += seconds

    async def async_sleep(self, seconds: float) -> None:
        """``sleep``, then a turn of the event loop: other tasks run, no real time passes."""
        self.sleep(seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep: time passing outside the code under test."""
        with self._lock:
            if seconds > 0:
                self._now += seconds
