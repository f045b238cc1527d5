"""Client-side rate limits per Lambda API family, so a fleet runs at the quota, not into 429s."""

import threading

import attrs

from ._types import Clock
from ._validation import check_count, check_duration

__all__ = ["RateLimiter", "RateLimits"]


def _rate(_: object, attribute: "attrs.Attribute[float]", value: float) -> None:
    check_duration(
        value, field=f"RateLimits.{attribute.name}", allow_zero=False, unit="requests per second"
    )


def _burst(_: object, attribute: "attrs.Attribute[int]", value: int) -> None:
    check_count(value, field=f"RateLimits.{attribute.name}", minimum=1)


@attrs.frozen(kw_only=True)
class RateLimits:
    """Requests per second allowed per API family (Lambda's default account quotas).

    ``control_plane`` covers UpdateFunctionCode, PublishVersion, GetFunctionConfiguration and
    ListVersionsByFunction; ``get_function`` covers GetFunction, which has its own quota.
    """

    control_plane: float = attrs.field(default=15.0, validator=_rate)
    get_function: float = attrs.field(default=100.0, validator=_rate)
    #: Calls allowed back to back before the spacing starts. 1 (the default) spaces every call
    #: evenly, which no server-side bucket can throttle; a quota's one-second burst (e.g. 15)
    #: starts a fleet faster, at the risk of 429s if other clients share the account's quota.
    burst: int = attrs.field(default=1, validator=_burst)


class RateLimiter:
    """Holds calls to ``rate`` per second across threads, ``burst`` of them back to back.

    A generic cell rate algorithm: each caller reserves its slot under the lock and sleeps
    outside it, so callers are served in arrival order and the rate holds exactly on the given
    clock; idle time is never banked beyond the burst.
    """

    def __init__(self, rate: float, *, clock: Clock, burst: int = 1) -> None:
        self.interval = 1.0 / rate
        self._tolerance = (burst - 1) * self.interval
        self._clock = clock.now
        self._sleep = clock.sleep
        self._lock = threading.Lock()
        self._due = float("-inf")  # when the next call would be on schedule

    def reserve(self, deadline: float | None = None) -> float | None:
        """Reserve this caller's slot: the seconds to wait for it, or None if it would come
        after ``deadline`` (then nothing is reserved, so the callers behind are not delayed).
        """
        with self._lock:
            now = self._clock()
            due = max(now, self._due)
            slot = max(now, due - self._tolerance)
            if deadline is not None and slot > deadline:
                return None
            self._due = due + self.interval
        return slot - now

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for this caller's slot; False at once if it would come after ``deadline``."""
        delay = self.reserve(deadline)
        if delay is None:
            return False
        if delay > 0:
            self._sleep(delay)
        return True
