# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""Clocks for the simulator and for code under test.

A `VirtualClock` makes waits and backoffs instant: `sleep` moves time forward instead of
blocking, so a test that "waits" five minutes finishes in milliseconds and is deterministic.
`SystemClock` has the same interface on real time, for benchmarks.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock", "VirtualClock"]

# A fixed epoch keeps LastModified values reproducible from run to run.
_DEFAULT_EPOCH = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


@runtime_checkable
class Clock(Protocol):
    """What the simulator and the library need from a clock."""

    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (real or virtual)."""
        ...

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch."""
        ...


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

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep: time passing outside the code under test."""
        with self._lock:
            if seconds > 0:
                self._now += seconds


class SystemClock:
    """The real clock, with the same interface as `VirtualClock`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __repr__(self) -> str:
        return "SystemClock()"

    def now(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
        if seconds > 0:
            time.sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Real time can only be advanced by waiting."""
        if seconds > 0:
            time.sleep(seconds)
