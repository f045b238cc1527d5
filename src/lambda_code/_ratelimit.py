"""Client-side rate limits per Lambda API family: a fleet runs at the quota, not into 429s.

Each limiter is a token bucket like the quota it mirrors: it starts full, holds ``burst`` calls
(one second's worth unless set) and refills at its rate. It adapts as TCP and botocore's
adaptive mode do: a 429 means the account's bucket is empty, whoever emptied it, so the limiter
empties its own, waits out the ``Retry-After`` and cuts its rate (multiplicative decrease); the
rate then climbs back to the quota by a fixed step per second (additive increase).

A limiter does no I/O and never sleeps: it hands out reservations (``Slot``) and the caller
sleeps on its own clock, so one limiter serves threads and tasks alike.
"""

import math
import threading

import attrs

from ._types import Clock
from ._validation import check_bool, check_count, check_duration, fail

__all__ = ["Admission", "RateLimiter", "RateLimits", "Slot"]

#: On a 429 the rate drops to this share of what it was (botocore's adaptive mode: 0.7).
DECREASE = 0.7
#: After a cut the rate climbs back by this share of the quota per second.
INCREASE = 0.1
#: The rate never drops below this share of the quota, so a limiter always recovers.
MIN_SHARE = 0.05
#: Seconds of lateness a request may gain on its way (threads, network) without meeting an
#: empty bucket at Lambda: the limiter keeps this much of the quota's burst unused.
JITTER = 0.025
#: A wait shorter than this is rounding, not a wait: a caller that slept to its slot goes.
_INSTANT = 1e-9


def _rate(_: object, attribute: "attrs.Attribute[float]", value: float) -> None:
    check_duration(
        value, field=f"RateLimits.{attribute.name}", allow_zero=False, unit="requests per second"
    )


def _optional_rate(_: object, attribute: "attrs.Attribute[float | None]", value: object) -> None:
    if value is not None:
        _rate(_, attribute, value)  # type: ignore[arg-type]


def _flag(_: object, attribute: "attrs.Attribute[bool]", value: object) -> None:
    check_bool(value, field=f"RateLimits.{attribute.name}")


def _burst(_: object, attribute: "attrs.Attribute[int | None]", value: object) -> None:
    if value is not None:
        check_count(value, field=f"RateLimits.{attribute.name}", minimum=1)


@attrs.frozen(kw_only=True)
class RateLimits:
    """Requests per second allowed per API family (Lambda's default account quotas).

    ``control_plane`` covers UpdateFunctionCode, PublishVersion, GetFunctionConfiguration and
    ListVersionsByFunction; ``get_function`` covers GetFunction, which has its own quota.
    """

    control_plane: float = attrs.field(default=15.0, validator=_rate)
    get_function: float = attrs.field(default=100.0, validator=_rate)
    #: Calls allowed back to back. None (the default) is one second's worth of each quota, as
    #: Lambda's own buckets hold; 1 spaces every call evenly.
    burst: int | None = attrs.field(default=None, validator=_burst)
    #: GetFunction requests per second that a fleet's waits may spend polling, out of
    #: ``get_function``; None (the default) is half of it, leaving the rest to other tools.
    polls: float | None = attrs.field(default=None, validator=_optional_rate)
    #: Slow down on a 429 and recover after it (the default); False keeps the rates fixed.
    adaptive: bool = attrs.field(default=True, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.polls is not None and self.polls > self.get_function:
            raise fail(
                "RateLimits.polls",
                f"must not exceed get_function ({self.get_function:g}); got {self.polls:g}",
            )

    def limiters(self, clock: Clock) -> "tuple[RateLimiter, RateLimiter, RateLimiter]":
        """New limiters for the control plane, for GetFunction, and for polls within it."""
        polls = self.polls if self.polls is not None else self.get_function / 2
        return (
            RateLimiter(self.control_plane, clock=clock, burst=self.burst, adaptive=self.adaptive),
            RateLimiter(self.get_function, clock=clock, burst=self.burst, adaptive=self.adaptive),
            # A budget, not a quota Lambda enforces: it never adapts, and its burst is small
            # so that polls stay near their share in any one second.
            RateLimiter(polls, clock=clock, burst=max(1, math.ceil(polls / 4)), adaptive=False),
        )


@attrs.frozen
class Slot:
    """A reserved start time, valid while the limiter has not been throttled since."""

    at: float
    epoch: int


class RateLimiter:
    """A token bucket of ``burst`` calls (one second's worth by default) refilled at ``rate``.

    Callers reserve slots under a lock and sleep outside it, so the rate holds exactly on the
    given clock across threads and tasks. After a 429 (``throttled``) every reservation not yet
    used is void: its holder asks again (``reserve(held=...)``) and is placed at the new rate.
    """

    def __init__(
        self, rate: float, *, clock: Clock, burst: int | None = None, adaptive: bool = True
    ) -> None:
        self.quota = float(rate)
        # Lambda's bucket holds one second's worth; ours holds a little less, so that requests
        # arriving a little late or out of order still find a token there.
        burst_at_most = max(1.0, self.quota - JITTER * self.quota)
        self.capacity = min(float(burst), burst_at_most) if burst is not None else burst_at_most
        self.adaptive = adaptive
        self.now = clock.now
        self._sleep = clock.sleep
        self._lock = threading.Lock()
        # The bucket as it will be at _at, which lies ahead of now while slots are reserved.
        self._at = self.now()
        self._tokens = self.capacity
        self._epoch = 0
        self._paused_until = float("-inf")
        # After a cut the rate is _cut_rate at _cut_at, climbing by _step per second.
        self._cut_at = float("-inf")
        self._cut_rate = self.quota
        self._step = INCREASE * self.quota
        self._min_rate = MIN_SHARE * self.quota

    def rate(self, at: float | None = None) -> float:
        """The rate in force at ``at`` (now by default): the quota unless cut by a 429."""
        when = self.now() if at is None else at
        return min(self.quota, self._cut_rate + self._step * max(0.0, when - self._cut_at))

    def _full_at(self) -> float:
        """When the rate is back at the quota after the last cut."""
        return self._cut_at + (self.quota - self._cut_rate) / self._step

    def _accrued(self, start: float, end: float) -> float:
        """Tokens the bucket gains from ``start`` to ``end`` (the rate may be climbing)."""
        if end <= start:
            return 0.0
        ramp_end = min(end, max(start, self._full_at()))
        ramp = (self.rate(start) + self.rate(ramp_end)) / 2 * (ramp_end - start)
        return ramp + self.quota * (end - ramp_end)

    def _until(self, start: float, tokens: float) -> float:
        """The time after ``start`` at which the bucket has gained ``tokens``."""
        full_at = self._full_at()
        if start < full_at:
            ramp = self._accrued(start, full_at)
            if ramp >= tokens:
                rate = self.rate(start)
                # Solves rate * d + step * d**2 / 2 = tokens for d.
                return start + (math.sqrt(rate * rate + 2 * self._step * tokens) - rate) / (
                    self._step
                )
            start, tokens = full_at, tokens - ramp
        return start + tokens / self.quota

    def reserve(self, deadline: float | None = None, held: Slot | None = None) -> Slot | None:
        """This caller's slot, or None if it would come after ``deadline`` (nothing reserved).

        ``held`` is a slot this caller reserved before: it stands unless a 429 voided it.
        """
        with self._lock:
            if held is not None and held.epoch == self._epoch:
                return held
            start = max(self.now(), self._at, self._paused_until)
            tokens = min(self.capacity, self._tokens + self._accrued(self._at, start))
            if tokens >= 1.0:
                slot, left = start, tokens - 1.0
            else:
                slot, left = self._until(start, 1.0 - tokens), 0.0
            if deadline is not None and slot > deadline:
                return None
            self._at, self._tokens = slot, left
            return Slot(slot, self._epoch)

    def throttled(self, retry_after: float | None = None, epoch: int | None = None) -> None:
        """A call was answered 429: the account's bucket is empty now.

        Every reservation not yet used is void and nothing starts before ``retry_after``
        seconds have passed. The rate is cut only when the call's slot (of ``epoch``) came after
        the last cut: the 429s of calls already under way then tell nothing new. A limiter made
        with ``adaptive=False`` ignores all of this.
        """
        if not self.adaptive:
            return
        with self._lock:
            now = self.now()
            if epoch is None or epoch == self._epoch:
                self._cut_rate = max(self._min_rate, DECREASE * self.rate(now))
                self._cut_at = now
            self._epoch += 1
            self._tokens, self._at = 0.0, now
            self._paused_until = max(self._paused_until, now + (retry_after or 0.0))

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for a slot; False at once if it would come after ``deadline``."""
        admission = Admission(self)
        while (delay := admission.delay(deadline)) is not None:
            if delay <= 0:
                return True
            self._sleep(delay)
        return False


class Admission:
    """One call's way past its limiters: a slot from each, in turn (a poll needs two).

    ``delay`` reserves, or confirms after a sleep, the slot of the first limiter not yet
    passed: 0 means the call may start now, a positive number means sleep that long and ask
    again. A 429 that answers the call is passed back through ``throttled``.
    """

    def __init__(self, *limiters: RateLimiter) -> None:
        self._limiters = limiters
        self._slots: list[Slot | None] = [None] * len(limiters)
        self._used: list[int | None] = [None] * len(limiters)

    def delay(self, deadline: float | None = None) -> float | None:
        """Seconds to wait before the call may start; None if it cannot start by ``deadline``."""
        for index, limiter in enumerate(self._limiters):
            slot = limiter.reserve(deadline, self._slots[index])
            if slot is None:
                return None
            self._slots[index] = slot
            wait = slot.at - limiter.now()
            if wait > _INSTANT:
                return wait
        # Past every limiter: the call starts, and its next attempt reserves anew.
        self._used = [slot.epoch if slot is not None else None for slot in self._slots]
        self._slots = [None] * len(self._limiters)
        return 0.0

    def throttled(self, retry_after: float | None) -> None:
        """The call that last started was answered 429."""
        for limiter, epoch in zip(self._limiters, self._used, strict=True):
            limiter.throttled(retry_after, epoch)
