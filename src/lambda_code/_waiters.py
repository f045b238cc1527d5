"""Waiting for an update (``LastUpdateStatus``) or a function (``State``) to settle.

One tenacity loop per wait does both the polling and the retrying of failed polls, so a wait's
polls and their retries share one deadline and never multiply. Polls use ``GetFunction``, whose
rate quota (100 requests/s) is separate from the 15 requests/s that ``UpdateFunctionCode``
shares with ``GetFunctionConfiguration``.

A lone wait polls on its ``WaitPolicy``. The waits of a fleet also learn from one another
(``UpdateTimes``): each update that finishes tells the others when theirs is likely to finish,
so they poll then instead of on a schedule that must suit any duration.
"""

import bisect
import collections
import logging
import random
import threading
from collections.abc import Callable
from typing import Any

import attrs
import tenacity

from ._enums import LastUpdateStatus, State
from ._errors import (
    DeadlineExceededError,
    FunctionFailedError,
    LambdaCodeError,
    TooManyRequestsException,
    UpdateFailedError,
    UpdateSupersededError,
    WaitTimeoutError,
    retry_after,
)
from ._models import FunctionConfiguration
from ._ratelimit import Admission
from ._types import Clock, OnPoll
from ._validation import check_callable, check_duration, fail

__all__ = ["Poll", "UpdateTimes", "WaitPolicy", "Waiter"]

logger = logging.getLogger("lambda_code")

#: One poll, sent at once; it takes the wait's deadline (a poll is never rate limited inside:
#: the wait takes its slot first, and a poll that cannot start before the deadline ends it).
Poll = Callable[[float], FunctionConfiguration]

#: How many finished updates a fleet's waits learn from: the most recent ones.
WINDOW = 32
#: Seconds between looks of a wait that holds its polls until the fleet has learned something.
HOLD_LOOK = 0.05
#: A wait holding its polls polls anyway at this many times the policy's first delay, and
#: then whenever its age has doubled: in case the update everyone waits on is an outlier.
HOLD_FIRST = 8
_INSTANT = 1e-9


def _positive(_: object, attribute: "attrs.Attribute[float]", value: object) -> None:
    check_duration(value, field=f"WaitPolicy.{attribute.name}", allow_zero=False)


def _non_negative(_: object, attribute: "attrs.Attribute[float]", value: object) -> None:
    check_duration(value, field=f"WaitPolicy.{attribute.name}", allow_zero=True)


def _fraction(_: object, attribute: "attrs.Attribute[float]", value: float) -> None:
    if check_duration(value, field=f"WaitPolicy.{attribute.name}", allow_zero=True) > 1:
        raise fail(f"WaitPolicy.{attribute.name}", f"must be a fraction from 0 to 1 (got {value})")


@attrs.frozen(kw_only=True)
class WaitPolicy:
    """How a wait spaces its polls.

    The delay after a poll is ``fraction`` of the time waited so far, at least ``initial_delay``
    and at most ``max_delay``, shortened by up to ``jitter`` (a fraction) so that many waiters
    spread out. With the defaults, a change is seen within max(0.2 s, 10 % of the wait) of
    happening: most zip updates finish in about a second and are seen within 0.2 s, while a
    15-minute image update costs one poll every 10 s (seen within 1 % of its duration).
    The last poll happens at the deadline.
    """

    initial_delay: float = attrs.field(default=0.2, validator=_positive)
    max_delay: float = attrs.field(default=10.0, validator=_positive)
    fraction: float = attrs.field(default=0.1, validator=_non_negative)
    jitter: float = attrs.field(default=0.1, validator=_fraction)

    def delay(self, waited: float, rng: random.Random) -> float:
        """The pause before the next poll, ``waited`` seconds into the wait."""
        base = min(self.max_delay, max(self.initial_delay, self.fraction * waited))
        return base * (1 - self.jitter * rng.random()) if self.jitter else base


@attrs.define
class _Wait:
    """Per-wait state the shared tenacity loop reads through ``retry_state.args``."""

    function_name: str
    #: A blocking or an async poll (then the async loop awaits it).
    poll: Callable[[float], Any]
    done: Callable[[FunctionConfiguration], bool]
    on_poll: Callable[[FunctionConfiguration], object] | None
    started: float
    deadline: float
    waiting_for: str
    clock: Callable[[], float]
    #: The rate limiters a poll passes first (a client with rate limits).
    admission: Admission | None = None
    #: The fleet this wait learns from and teaches (only a wait for an update just sent).
    times: "UpdateTimes | None" = None
    polls: int = 0
    last: FunctionConfiguration | None = None
    #: Age (seconds since ``started``) at which the last poll was sent.
    sent: float = 0.0
    #: Age of the last poll that saw the update still running.
    running: float | None = None
    #: When a look sent no poll: how long to sleep before the next one.
    pause: float | None = None

    def ready(self) -> bool:
        """Whether to poll now; if not, ``pause`` says how long to sleep first.

        A fleet's wait holds its poll until it is likely to see the update finished; then it
        takes a slot from the rate limiters. A poll that cannot start before the deadline
        raises ``DeadlineExceededError``.
        """
        now = self.clock()
        self.pause = None
        if self.times is not None and now < self.deadline:
            hold = self.times.hold(self, now - self.started)
            if hold > 0:
                self.pause = hold
                return False
        if self.admission is not None:
            delay = self.admission.delay(self.deadline)
            if delay is None:
                raise DeadlineExceededError(
                    operation="GetFunction", function_name=self.function_name
                )
            if delay > 0:
                self.pause = delay
                return False
            now = self.clock()
        self.sent = now - self.started
        return True

    def throttled(self, err: BaseException) -> None:
        """A poll failed: a 429 slows the rate limiters down."""
        if isinstance(err, TooManyRequestsException) and self.admission is not None:
            self.admission.throttled(err.retry_after_seconds)

    def observe(self, config: FunctionConfiguration) -> object:
        """Count a poll; returns what ``on_poll`` returned (an async one's awaitable)."""
        self.polls += 1
        self.last = config
        return None if self.on_poll is None else self.on_poll(config)

    def verdict(self, config: FunctionConfiguration) -> FunctionConfiguration | None:
        """``config`` when the wait is over, None to poll again; raises on a failure."""
        if self.times is None:
            return config if self.done(config) else None
        try:
            done = self.done(config)
        except UpdateFailedError:
            self.times.finished(self, self.sent)  # failing took as long as it took
            raise
        except BaseException:
            self.ended()  # another update replaced ours: nothing to learn from it
            raise
        if done:
            self.times.finished(self, self.sent)
            return config
        self.running = self.sent
        return None

    def ended(self) -> None:
        """The wait is over, whatever the outcome: the fleet stops counting on it."""
        if self.times is not None:
            self.times.forget(self)
            self.times = None


def _update_done(config: FunctionConfiguration) -> bool:
    status = config.last_update_status
    if status == LastUpdateStatus.FAILED:
        raise UpdateFailedError(
            function_name=config.function_name or "",
            configuration=config,
            reason=config.last_update_status_reason,
            reason_code=config.last_update_status_reason_code,
        )
    # No LastUpdateStatus at all means no update is in progress.
    return status is None or status == LastUpdateStatus.SUCCESSFUL


# Inactive (and the Deactivat* states) are idle functions whose resources Lambda reclaimed; the
# next invocation reactivates them, so waiting longer would never see Active. ActiveNonInvocable
# is as active as such a function gets until its configuration changes.
_SETTLED = frozenset(
    {
        State.ACTIVE,
        State.ACTIVE_NON_INVOCABLE,
        State.INACTIVE,
        State.DEACTIVATING,
        State.DEACTIVATED,
    }
)


def _active_done(config: FunctionConfiguration) -> bool:
    if config.state == State.FAILED:
        raise FunctionFailedError(
            function_name=config.function_name or "",
            configuration=config,
            reason=config.state_reason,
            reason_code=config.state_reason_code,
        )
    return config.state is None or config.state in _SETTLED


class UpdateTimes:
    """When a fleet's updates finish, learned from the ones that did: where to poll next.

    Shared by the waits of one client with rate limits (a fleet), across threads and tasks.
    A wait for an update it just sent reports its polls here, as ages (seconds since the
    update was sent). From the last ``WINDOW`` updates that finished, its polls go to the
    earliest finish seen; while that and the latest "still running" seen are far apart, to a
    probe halfway between them first; then to the median and the 90th percentile finish. Past
    those, each gap doubles, but never grows wider than the ``WaitPolicy``'s.

    Until an update has finished, only the oldest wait polls on the ``WaitPolicy``; the others
    hold their polls, looking every ``HOLD_LOOK`` seconds whether it has, and poll anyway at
    ``HOLD_FIRST`` times the policy's first delay and then whenever their age has doubled.
    A wait with no other under way polls on the ``WaitPolicy``, and once none is under way
    what was learned is forgotten: the next fleet's updates may take another time.
    """

    def __init__(self, policy: WaitPolicy) -> None:
        self.policy = policy
        self._lock = threading.Lock()
        #: Ages at which recent updates were first seen finished, and last seen running (only
        #: from waits that saw their update running: a first poll that found it finished tells
        #: nothing about how early it could have).
        self._finished: collections.deque[float] = collections.deque(maxlen=WINDOW)
        self._running: collections.deque[float] = collections.deque(maxlen=WINDOW)
        self._points: list[float] = []
        self._tolerance = 0.0
        #: Waits under way, oldest first (dicts keep insertion order).
        self._active: dict[int, _Wait] = {}

    @property
    def points(self) -> list[float]:
        """The ages a wait polls at, as learned so far (empty before any update finished)."""
        with self._lock:
            return list(self._points)

    def join(self, wait: _Wait) -> None:
        with self._lock:
            self._active[id(wait)] = wait

    def forget(self, wait: _Wait) -> None:
        with self._lock:
            self._leave(wait)

    def finished(self, wait: _Wait, age: float) -> None:
        """``wait`` saw its update finished at ``age``."""
        with self._lock:
            self._finished.append(age)
            if wait.running is not None:
                self._running.append(wait.running)
            self._learn()
            self._leave(wait)

    def _leave(self, wait: _Wait) -> None:
        self._active.pop(id(wait), None)
        if not self._active:
            # The fleet is over: what it learned says nothing of the next deploy's updates.
            self._finished.clear()
            self._running.clear()
            self._points, self._tolerance = [], 0.0

    def _learn(self) -> None:
        done = sorted(self._finished)
        earliest = done[0]
        tolerance = max(0.005, 0.01 * earliest)
        # Just after the earliest finish: another update's clock started a little off ours.
        points = [earliest + tolerance / 2]
        for later in (done[len(done) // 2], done[(len(done) * 9) // 10]):
            if later - points[-1] > tolerance:
                points.append(later)
        # Nothing seen running yet: as far as anyone knows, updates could finish at once.
        latest_running = max(self._running, default=0.0)
        if latest_running < earliest - tolerance:
            points.insert(0, (latest_running + earliest) / 2)
        self._points, self._tolerance = points, tolerance

    def _policy_delay(self, age: float) -> float:
        policy = self.policy
        return min(policy.max_delay, max(policy.initial_delay, policy.fraction * age))

    def due(self, wait: _Wait) -> tuple[float, bool]:
        """The age at which ``wait`` polls next, and whether that may change before then."""
        last = wait.running
        with self._lock:
            points, tolerance = self._points, self._tolerance
            oldest = next(iter(self._active), None) == id(wait)
            alone = len(self._active) <= 1
        # A wait alone (a lone deploy, a fleet's straggler) keeps its WaitPolicy's promise.
        if points and not alone:
            after = float("-inf") if last is None else last + tolerance / 2
            index = bisect.bisect_right(points, after)
            if index < len(points):
                return points[index], False
            assert last is not None  # noqa: S101 - past a point means a poll saw it running
            spread = max(tolerance, last - points[-1])
            return last + min(self._policy_delay(last), spread), False
        if oldest:
            first = self.policy.initial_delay
            return (first if last is None else last + self._policy_delay(last)), False
        first = HOLD_FIRST * self.policy.initial_delay
        return (first if last is None else max(first, 2 * last)), True

    def hold(self, wait: _Wait, age: float) -> float:
        """Seconds ``wait`` should hold its next poll: 0 to poll now."""
        due, provisional = self.due(wait)
        if due - age <= _INSTANT:
            return 0.0  # due now, give or take the rounding of the clock's sums
        return min(due - age, HOLD_LOOK) if provisional else due - age


class Waiter:
    """Runs waits under a ``WaitPolicy``; one instance per client, safe across threads.

    With ``learn``, the waits for updates this client sent learn from one another when to
    poll (``UpdateTimes``): for a fleet, whose updates take about as long as each other.
    """

    def __init__(self, policy: WaitPolicy, *, clock: Clock, learn: bool = False) -> None:
        self.policy = policy
        self.clock = clock.now
        self._rng = random.Random()
        self.times = UpdateTimes(policy) if learn else None
        self._retrying = tenacity.Retrying(sleep=clock.sleep, **self.strategies())

    def strategies(self) -> dict[str, Any]:
        """The schedule as tenacity's strategies, shared by the blocking and the async loop."""
        return {
            "retry": self._again,
            "wait": self._wait,
            "stop": self._stop,
            "before_sleep": self._log_failed_poll,
            "retry_error_callback": self._timed_out,
        }

    def until_updated(
        self,
        function_name: str,
        poll: Poll,
        *,
        timeout: float,
        on_poll: OnPoll | None,
        update: FunctionConfiguration | None = None,
        admission: Admission | None = None,
    ) -> FunctionConfiguration:
        """Poll until ``LastUpdateStatus`` is ``Successful`` (or absent); see ``updated``."""
        return self.run(self.updated(function_name, poll, timeout, on_poll, update, admission))

    def until_active(
        self,
        function_name: str,
        poll: Poll,
        *,
        timeout: float,
        on_poll: OnPoll | None,
        admission: Admission | None = None,
    ) -> FunctionConfiguration:
        """Poll until ``State`` is ``Active`` (or settled idle: ``Inactive``)."""
        return self.run(self.active(function_name, poll, timeout, on_poll, admission))

    def updated(  # noqa: PLR0917 - a wait's parts
        self,
        function_name: str,
        poll: Callable[[float], Any],
        timeout: float,
        on_poll: Callable[[FunctionConfiguration], object] | None,
        update: FunctionConfiguration | None = None,
        admission: Admission | None = None,
    ) -> _Wait:
        """A wait for the last update to finish, to ``run`` (or run asynchronously).

        With ``update`` (what an ``UpdateFunctionCode`` call returned), a poll that shows other
        code means another update replaced it: ``UpdateSupersededError``, never their outcome.
        Each poll first passes ``admission`` (the client's rate limiters). A wait for our own
        update, whose start is known, learns from the others when the waiter does.
        """
        done = _update_done
        if update is not None:

            def done(config: FunctionConfiguration) -> bool:
                if config.code_sha256 != update.code_sha256:
                    raise UpdateSupersededError(
                        function_name=function_name, configuration=config, ours=update
                    )
                return _update_done(config)

        wait = self._start(function_name, poll, done, timeout, on_poll, "update", admission)
        if update is not None and self.times is not None:
            wait.times = self.times
            self.times.join(wait)
        return wait

    def active(
        self,
        function_name: str,
        poll: Callable[[float], Any],
        timeout: float,
        on_poll: Callable[[FunctionConfiguration], object] | None,
        admission: Admission | None = None,
    ) -> _Wait:
        """A wait for ``State`` to settle, to ``run`` (or run asynchronously)."""
        return self._start(
            function_name, poll, _active_done, timeout, on_poll, "activation", admission
        )

    def _start(  # noqa: PLR0917 - the parts of one wait, passed on from two methods
        self,
        function_name: str,
        poll: Callable[[float], Any],
        done: Callable[[FunctionConfiguration], bool],
        timeout: float,
        on_poll: Callable[[FunctionConfiguration], object] | None,
        waiting_for: str,
        admission: Admission | None,
    ) -> _Wait:
        check_duration(timeout, field="timeout", allow_zero=True)
        check_callable(on_poll, field="on_poll")
        now = self.clock()
        return _Wait(
            function_name,
            poll,
            done,
            on_poll,
            now,
            now + timeout,
            waiting_for,
            self.clock,
            admission,
        )

    def run(self, wait: _Wait) -> FunctionConfiguration:
        """Poll until ``wait`` is over, blocking."""
        try:
            result: FunctionConfiguration = self._retrying(self._poll, wait)  # type: ignore[assignment]
        finally:
            wait.ended()
        return result

    def _poll(self, wait: _Wait) -> FunctionConfiguration | None:
        try:
            if not wait.ready():
                return None  # nothing sent: look again after wait.pause
            config = wait.poll(wait.deadline)
        except DeadlineExceededError as err:
            raise self.timeout_error(wait) from err
        except LambdaCodeError as err:
            wait.throttled(err)
            raise
        wait.observe(config)
        return wait.verdict(config)

    @staticmethod
    def _state(retry_state: tenacity.RetryCallState) -> _Wait:
        wait: _Wait = retry_state.args[0]
        return wait

    @staticmethod
    def _again(retry_state: tenacity.RetryCallState) -> bool:
        outcome = retry_state.outcome
        if outcome is None:
            return False
        if outcome.failed:
            # Transient poll failures (429, 409, 5xx, no answer) are retried inside the wait's
            # own deadline; anything permanent (404, 403, validation) is raised at once.
            err = outcome.exception()
            return isinstance(err, LambdaCodeError) and err.is_retryable
        return outcome.result() is None

    def _wait(self, retry_state: tenacity.RetryCallState) -> float:
        wait = self._state(retry_state)
        now = self.clock()
        failed = retry_state.outcome is not None and retry_state.outcome.failed
        if wait.pause is not None and not failed:
            delay = wait.pause  # the last look sent nothing
        elif wait.times is not None and not failed:
            delay = wait.times.hold(wait, now - wait.started)
        else:
            delay = max(self.policy.delay(now - wait.started, self._rng), retry_after(retry_state))
        # Never sleep past the deadline: the last poll happens at it.
        return max(0.0, min(delay, wait.deadline - now))

    def _stop(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.clock() >= self._state(retry_state).deadline

    @staticmethod
    def _log_failed_poll(retry_state: tenacity.RetryCallState) -> None:
        outcome = retry_state.outcome
        if outcome is not None and outcome.failed:
            logger.info(
                "poll of %s failed with %s; polling again in %.3fs",
                Waiter._state(retry_state).function_name,
                outcome.exception(),
                retry_state.upcoming_sleep,
            )

    def timeout_error(self, wait: _Wait) -> WaitTimeoutError:
        return WaitTimeoutError(
            function_name=wait.function_name,
            configuration=wait.last,
            elapsed=self.clock() - wait.started,
            polls=wait.polls,
            waiting_for=wait.waiting_for,
        )

    def _timed_out(self, retry_state: tenacity.RetryCallState) -> Any:
        last_error = retry_state.outcome.exception() if retry_state.outcome else None
        raise self.timeout_error(self._state(retry_state)) from last_error
