"""Client-side rate limits per Lambda API family, so a fleet runs at the quota, not into 429s."""

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ._retry import Clock, Sleep

__all__ = ["RateLimiter", "RateLimits", "limited"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class RateLimits:
    """Requests per second allowed per API family (Lambda's default account quotas).

    ``control_plane`` covers UpdateFunctionCode, PublishVersion, GetFunctionConfiguration and
    ListVersionsByFunction; ``get_function`` covers GetFunction, which has its own quota.
    """

    control_plane: float = attrs.field(default=15.0, validator=attrs.validators.gt(0))
    get_function: float = attrs.field(default=100.0, validator=attrs.validators.gt(0))


class RateLimiter:
    """Spaces calls evenly at ``rate`` per second, across threads.

    Each caller reserves the next free slot under the lock and sleeps outside it, so callers
    are served in arrival order and the rate holds exactly on the given clock.
    """

    def __init__(self, rate: float, *, clock: Clock, sleep: Sleep) -> None:
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")

    def acquire(self) -> None:
        """Block until this caller's slot comes."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self._sleep(slot - now)


def limited(fn: Callable[..., T], limiter: RateLimiter) -> Callable[..., T]:
    """``fn`` behind ``limiter``: every call, retries included, takes a slot first."""

    def call(**kwargs: Any) -> T:
        limiter.acquire()
        return fn(**kwargs)

    return call
