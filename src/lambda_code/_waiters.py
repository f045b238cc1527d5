"""Waiting for an update (``LastUpdateStatus``) or a function (``State``) to settle.

One tenacity loop per wait does both the polling and the retrying of failed polls, so a wait's
polls and their retries share one deadline and never multiply. Polls use ``GetFunction``, whose
rate quota (100 requests/s) is separate from the 15 requests/s that ``UpdateFunctionCode``
shares with ``GetFunctionConfiguration``.
"""

import logging
import random
from collections.abc import Callable
from typing import Any

import attrs
import tenacity

from ._enums import LastUpdateStatus, State
from ._errors import (
    DeadlineExceededError,
    FunctionFailedError,
    LambdaCodeError,
    UpdateFailedError,
    UpdateSupersededError,
    WaitTimeoutError,
    retry_after,
)
from ._models import FunctionConfiguration
from ._types import Clock, OnPoll
from ._validation import check_callable, check_duration, fail

__all__ = ["Poll", "WaitPolicy", "Waiter"]

logger = logging.getLogger("lambda_code")

#: One poll; it takes the wait's deadline, so a rate-limited poll that cannot start before it
#: raises ``DeadlineExceededError`` instead of queueing past it.
Poll = Callable[[float], FunctionConfiguration]


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
    polls: int = 0
    last: FunctionConfiguration | None = None

    def observe(self, config: FunctionConfiguration) -> object:
        """Count a poll; returns what ``on_poll`` returned (an async one's awaitable)."""
        self.polls += 1
        self.last = config
        return None if self.on_poll is None else self.on_poll(config)

    def verdict(self, config: FunctionConfiguration) -> FunctionConfiguration | None:
        """``config`` when the wait is over, None to poll again; raises on a failure."""
        return config if self.done(config) else None


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


class Waiter:
    """Runs waits under a ``WaitPolicy``; one instance per client, safe across threads."""

    def __init__(self, policy: WaitPolicy, *, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock.now
        self._rng = random.Random()
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
    ) -> FunctionConfiguration:
        """Poll until ``LastUpdateStatus`` is ``Successful`` (or absent); see ``updated``."""
        return self.run(self.updated(function_name, poll, timeout, on_poll, update))

    def until_active(
        self, function_name: str, poll: Poll, *, timeout: float, on_poll: OnPoll | None
    ) -> FunctionConfiguration:
        """Poll until ``State`` is ``Active`` (or settled idle: ``Inactive``)."""
        return self.run(self.active(function_name, poll, timeout, on_poll))

    def updated(
        self,
        function_name: str,
        poll: Callable[[float], Any],
        timeout: float,
        on_poll: Callable[[FunctionConfiguration], object] | None,
        update: FunctionConfiguration | None = None,
    ) -> _Wait:
        """A wait for the last update to finish, to ``run`` (or run asynchronously).

        With ``update`` (what an ``UpdateFunctionCode`` call returned), a poll that shows other
        code means another update replaced it: ``UpdateSupersededError``, never their outcome.
        """
        done = _update_done
        if update is not None:

            def done(config: FunctionConfiguration) -> bool:
                if config.code_sha256 != update.code_sha256:
                    raise UpdateSupersededError(
                        function_name=function_name, configuration=config, ours=update
                    )
                return _update_done(config)

        return self._start(function_name, poll, done, timeout, on_poll, "update")

    def active(
        self,
        function_name: str,
        poll: Callable[[float], Any],
        timeout: float,
        on_poll: Callable[[FunctionConfiguration], object] | None,
    ) -> _Wait:
        """A wait for ``State`` to settle, to ``run`` (or run asynchronously)."""
        return self._start(function_name, poll, _active_done, timeout, on_poll, "activation")

    def _start(  # noqa: PLR0917 - the parts of one wait, passed on from two methods
        self,
        function_name: str,
        poll: Callable[[float], Any],
        done: Callable[[FunctionConfiguration], bool],
        timeout: float,
        on_poll: Callable[[FunctionConfiguration], object] | None,
        waiting_for: str,
    ) -> _Wait:
        check_duration(timeout, field="timeout", allow_zero=True)
        check_callable(on_poll, field="on_poll")
        now = self.clock()
        return _Wait(function_name, poll, done, on_poll, now, now + timeout, waiting_for)

    def run(self, wait: _Wait) -> FunctionConfiguration:
        """Poll until ``wait`` is over, blocking."""
        result: FunctionConfiguration = self._retrying(self._poll, wait)  # type: ignore[assignment]
        return result

    def _poll(self, wait: _Wait) -> FunctionConfiguration | None:
        try:
            config = wait.poll(wait.deadline)
        except DeadlineExceededError as err:
            raise self.timeout_error(wait) from err
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
