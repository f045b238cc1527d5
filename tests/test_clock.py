"""Tests for lambda_code.testing's clocks: VirtualClock, SystemClock and the Clock protocol."""

import threading
import time

from lambda_code.testing import Clock, SystemClock, VirtualClock


def test_virtual_clock_sleep_advances_instantly_and_is_recorded() -> None:
    """Sleeping on a VirtualClock moves `now` at once and records the sleep."""
    clock = VirtualClock(start=10.0)
    started = time.monotonic()
    clock.sleep(300.0)
    # A sleep that really waited would take all 300 s; only that, not a slow machine, fails this.
    assert time.monotonic() - started < 300.0
    assert clock.now() == 310.0
    assert clock.sleeps == [300.0]


def test_virtual_clock_ignores_non_positive_sleeps() -> None:
    """Zero and negative sleeps leave time alone (they are still recorded)."""
    clock = VirtualClock()
    clock.sleep(0.0)
    clock.sleep(-5.0)
    clock.advance(-1.0)
    assert clock.now() == 0.0
    assert clock.sleeps == [0.0, -5.0]


def test_virtual_clock_time_is_epoch_plus_now() -> None:
    """time() is the fixed epoch (2026-01-01) plus virtual seconds; advance does not record."""
    clock = VirtualClock()
    assert clock.time() == 1_767_225_600.0
    clock.advance(2.5)
    assert clock.time() == 1_767_225_602.5
    assert clock.sleeps == []
    assert VirtualClock(epoch=100.0, start=1.0).time() == 101.0


def test_virtual_clock_is_thread_safe() -> None:
    """Concurrent sleeps add up exactly."""
    clock = VirtualClock()

    def sleeper() -> None:
        for _ in range(500):
            clock.sleep(0.5)

    threads = [threading.Thread(target=sleeper) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert clock.now() == 2000.0
    assert len(clock.sleeps) == 4000


def test_system_clock_follows_real_time() -> None:
    """SystemClock reads and sleeps on real time: monotonic, and a sleep lasts at least as asked."""
    clock = SystemClock()
    earlier = time.monotonic()
    before = clock.now()
    assert earlier <= before <= time.monotonic()
    clock.sleep(0.01)
    after = clock.now()
    assert after - before >= 0.01
    assert clock.now() >= after
    # Bracketed by the wall clock read just before and after, however long each read is delayed.
    lower = time.time()
    wall = clock.time()
    assert lower <= wall <= time.time()


def test_both_clocks_satisfy_the_protocol() -> None:
    """VirtualClock and SystemClock are Clocks."""
    assert isinstance(VirtualClock(), Clock)
    assert isinstance(SystemClock(), Clock)
