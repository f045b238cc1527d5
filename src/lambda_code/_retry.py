"""The retry policy and the tenacity loop that applies it to one botocore call.

The first attempt runs outside tenacity, so a call that succeeds pays nothing for retrying.
Only after a failure does the loop start; its first "attempt" re-raises that failure, which lets
tenacity decide, wait and log exactly as for any later attempt.
"""

import logging
import random
from collections.abc import Callable
from typing import Any

import attrs
import tenacity
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ._errors import (
    LambdaCodeError,
    LambdaError,
    TransportError,
    map_client_error,
    map_transport_error,
    retry_after,
)

__all__ = ["TRANSPORT_ERRORS", "Clock", "Retrier", "RetryPolicy", "Sleep", "invoke"]

logger = logging.getLogger("lambda_code")

Clock = Callable[[], float]
Sleep = Callable[[float], None]

#: botocore's exceptions for "no answer": the call may or may not have taken effect.
TRANSPORT_ERRORS = (BotocoreConnectionError, HTTPClientError)


def _positive(_: object, attribute: "attrs.Attribute[float]", value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0 (got {value})")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How lambda-code retries one call.

    Retried: 409 ``ResourceConflictException``, 429 ``TooManyRequestsException``, 500
    ``ServiceException`` and transport faults (connection errors, read timeouts). Backoff is
    exponential with full jitter: attempt *n* waits a random time up to
    ``min(max_delay, base_delay * 2 ** (n - 1))``. A service ``Retry-After`` is a floor for the
    next wait, even above ``max_delay``; when the next attempt would start after ``deadline``
    seconds from the first, the last error is raised at once. ``max_attempts`` counts every
    attempt, botocore's own included (1 means no retry).
    """

    max_attempts: int = attrs.field(default=10, validator=attrs.validators.ge(1))
    base_delay: float = attrs.field(default=0.25, validator=_positive)
    max_delay: float = attrs.field(default=20.0, validator=_positive)
    deadline: float = attrs.field(default=300.0, validator=_positive)
    #: Full jitter spreads clients apart; switch it off for exact delays in tests.
    jitter: bool = True

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """The wait before retry number ``retry_number`` (1-based), before any Retry-After."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return rng.uniform(0, ceiling) if self.jitter else ceiling


@attrs.define
class _Budget:
    """Per-call state the shared tenacity loop reads through ``retry_state.args``."""

    deadline_at: float
    pending: LambdaCodeError | None
    attempts: int
    retry_transport: bool


def _attempts_of(err: LambdaCodeError) -> int:
    # botocore's own retries, when the user's client has them on, count against max_attempts.
    return 1 + (err.retry_attempts if isinstance(err, LambdaError) else 0)


def invoke(
    fn: Callable[..., dict[str, Any]], kwargs: dict[str, Any], operation: str
) -> dict[str, Any]:
    """One botocore call, its errors mapped to lambda-code's (the botocore one as ``__cause__``)."""
    try:
        return fn(**kwargs)
    except ClientError as err:
        raise map_client_error(err, operation) from err
    except TRANSPORT_ERRORS as err:
        raise map_transport_error(err, operation) from err


class Retrier:
    """Runs botocore calls under a ``RetryPolicy``, mapping their errors to lambda-code's."""

    def __init__(
        self, policy: RetryPolicy, *, clock: Clock, sleep: Sleep, rng: random.Random | None = None
    ) -> None:
        self.policy = policy
        self.clock = clock
        self._rng = rng or random.Random()
        self._retrying = tenacity.Retrying(
            sleep=sleep,
            retry=self._should_retry,
            wait=self._wait,
            stop=self._stop,
            before_sleep=self._log,
            reraise=True,
        )

    def call(
        self,
        fn: Callable[..., dict[str, Any]],
        kwargs: dict[str, Any],
        *,
        operation: str,
        retry_transport: bool = True,
        deadline: float | None = None,
    ) -> dict[str, Any]:
        """``fn(**kwargs)`` with retries; raises the mapped error of the last attempt.

        ``deadline`` is an absolute clock time that caps the policy's own (a waiter's budget).
        """
        started = self.clock()
        try:
            return invoke(fn, kwargs, operation)
        except LambdaCodeError as err:
            first = err
        deadline_at = started + self.policy.deadline
        if deadline is not None:
            deadline_at = min(deadline_at, deadline)
        budget = _Budget(deadline_at, first, _attempts_of(first), retry_transport)
        result: dict[str, Any] = self._retrying(self._attempt, budget, fn, kwargs, operation)
        return result

    def _attempt(
        self,
        budget: _Budget,
        fn: Callable[..., dict[str, Any]],
        kwargs: dict[str, Any],
        operation: str,
    ) -> dict[str, Any]:
        if budget.pending is not None:
            pending, budget.pending = budget.pending, None
            raise pending
        try:
            return invoke(fn, kwargs, operation)
        except LambdaCodeError as err:
            budget.attempts += _attempts_of(err)
            raise

    @staticmethod
    def _budget(state: tenacity.RetryCallState) -> _Budget:
        budget: _Budget = state.args[0]
        return budget

    def _should_retry(self, state: tenacity.RetryCallState) -> bool:
        err = state.outcome.exception() if state.outcome else None
        # Anything unmapped (a bug, a KeyboardInterrupt) is raised, never retried.
        if not isinstance(err, LambdaCodeError) or not err.is_retryable:
            return False
        return not isinstance(err, TransportError) or self._budget(state).retry_transport

    def _wait(self, state: tenacity.RetryCallState) -> float:
        return max(self.policy.backoff(state.attempt_number, self._rng), retry_after(state))

    def _stop(self, state: tenacity.RetryCallState) -> bool:
        budget = self._budget(state)
        if budget.attempts >= self.policy.max_attempts:
            return True
        return self.clock() + state.upcoming_sleep > budget.deadline_at

    @staticmethod
    def _log(state: tenacity.RetryCallState) -> None:
        err = state.outcome.exception() if state.outcome else None
        code = err.code if isinstance(err, LambdaError) else type(err).__name__
        logger.info(
            "retrying %s after %s: attempt %d failed, next in %.3fs",
            state.args[3],
            code,
            state.args[0].attempts,
            state.upcoming_sleep,
        )
