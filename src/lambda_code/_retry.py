"""The retry policy and the tenacity loop that applies it to one botocore call.

The first attempt runs outside tenacity, so a call that succeeds pays nothing for retrying.
Only after a failure does the loop start; its first "attempt" re-raises that failure, which lets
tenacity decide, wait and log exactly as for any later attempt.
"""

import contextlib
import logging
import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import tenacity
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ._errors import (
    DeadlineExceededError,
    LambdaCodeError,
    LambdaError,
    TooManyRequestsException,
    map_botocore_error,
    retry_after,
)
from ._ratelimit import Admission
from ._types import Clock
from ._validation import check_bool, check_count, check_duration

if TYPE_CHECKING:
    from ._ratelimit import RateLimiter

__all__ = ["TRANSPORT_ERRORS", "CallBudget", "OnUnknownOutcome", "Retrier", "RetryPolicy", "invoke"]

logger = logging.getLogger("lambda_code")


#: botocore's exceptions for "no answer": the call may or may not have taken effect.
TRANSPORT_ERRORS = (BotocoreConnectionError, HTTPClientError)

T = TypeVar("T")


def _seconds(_: object, attribute: "attrs.Attribute[float]", value: object) -> None:
    check_duration(value, field=f"RetryPolicy.{attribute.name}", allow_zero=True)


def _positive_seconds(_: object, attribute: "attrs.Attribute[float]", value: object) -> None:
    check_duration(value, field=f"RetryPolicy.{attribute.name}", allow_zero=False)


def _attempts(_: object, attribute: "attrs.Attribute[int]", value: object) -> None:
    check_count(value, field=f"RetryPolicy.{attribute.name}", minimum=1)


def _flag(_: object, attribute: "attrs.Attribute[bool]", value: object) -> None:
    check_bool(value, field=f"RetryPolicy.{attribute.name}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How lambda-code retries one call.

    Retried: 409 ``ResourceConflictException``, 429 ``TooManyRequestsException``, 500
    ``ServiceException`` and transport faults (connection errors, read timeouts). Backoff is
    exponential with full jitter: attempt *n* waits a random time up to
    ``min(max_delay, base_delay * 2 ** (n - 1))``. A service ``Retry-After`` is a floor for the
    next wait, even above ``max_delay``; when the next attempt would start more than
    ``timeout`` seconds after the first, the last error is raised at once. ``max_attempts``
    counts every attempt, botocore's own included (1 means no retry).
    """

    max_attempts: int = attrs.field(default=10, validator=_attempts)
    base_delay: float = attrs.field(default=0.25, validator=_seconds)
    max_delay: float = attrs.field(default=20.0, validator=_seconds)
    #: Seconds from the first attempt after which no retry starts (a call's ``deadline=`` is,
    #: by contrast, an absolute time on the client's clock).
    timeout: float = attrs.field(default=300.0, validator=_positive_seconds)
    #: Full jitter spreads clients apart; switch it off for exact delays in tests.
    jitter: bool = attrs.field(default=True, validator=_flag)

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """The wait before retry number ``retry_number`` (1-based), before any Retry-After."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return rng.uniform(0, ceiling) if self.jitter else ceiling


#: Called after an attempt whose outcome is unknown (no answer, or a 5xx), before the call is
#: sent again: it returns the call's result when it finds that the attempt took effect, None
#: when the call should be sent again, or raises when neither is safe.
OnUnknownOutcome = Callable[[LambdaCodeError], T | None]


@attrs.define
class CallBudget(Generic[T]):
    """Per-call state the shared tenacity loop reads through ``retry_state.args``."""

    fn: Callable[..., T]
    kwargs: dict[str, Any]
    operation: str
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    deadline_at: float
    limiter: "RateLimiter | None"
    retry_unknown: bool
    on_unknown_outcome: OnUnknownOutcome[T] | None
    pending: LambdaCodeError | None = None
    #: The last failure, and the last one that may have taken effect (it stays: an answer that
    #: was lost may belong to a request Lambda carries out later).
    last_error: LambdaCodeError | None = None
    unknown: LambdaCodeError | None = None
    #: An unknown outcome not yet looked into by ``on_unknown_outcome``.
    unresolved: LambdaCodeError | None = None
    #: Set when ``on_unknown_outcome`` raised or time ran out: the call ends, never retried.
    final: bool = False
    attempts: int = 0
    #: The attempts' way past the limiter; a 429 is reported back through it.
    admission: Admission | None = attrs.field(
        init=False,
        default=attrs.Factory(
            lambda self: None if self.limiter is None else Admission(self.limiter),
            takes_self=True,
        ),
    )

    def admit(self) -> float:
        """Seconds to wait before the next attempt may start; raises if it cannot start in time.

        The wait is for the rate limiter's slot, reserved here (ask again after the wait: a 429
        in between moves the slot); nothing starts after the deadline. Refused after an attempt
        whose outcome is unknown, that error is raised: something may have been sent, so
        "nothing sent" would not be true.
        """
        delay = 0.0 if self.admission is None else self.admission.delay(self.deadline_at)
        if delay is None or self.clock() > self.deadline_at:
            self.final = True
            if self.unknown is not None:
                raise self.unknown
            raise DeadlineExceededError(
                operation=self.operation, function_name=self.kwargs.get("FunctionName")
            ) from self.last_error
        return delay

    def failed(self, err: LambdaCodeError) -> LambdaCodeError:
        """Account for a failed attempt; returns ``err`` to be raised."""
        # botocore's own retries, when the user's client has them on, count too.
        self.attempts += 1 + (err.retry_attempts if isinstance(err, LambdaError) else 0)
        self.last_error = err
        if err.outcome_unknown:
            self.unknown = self.unresolved = err
        if isinstance(err, TooManyRequestsException) and self.admission is not None:
            # Lambda's bucket is empty, whoever emptied it: every caller must slow down.
            self.admission.throttled(err.retry_after_seconds)
        return err

    def ending(self, err: LambdaCodeError) -> LambdaCodeError:
        """The error the call ends with, marked if an earlier attempt may have taken effect."""
        if self.unknown is not None and err is not self.unknown:
            err.earlier_unknown = self.unknown
        return err

    def to_resolve(self) -> LambdaCodeError | None:
        """Before a retry: the unknown outcome ``on_unknown_outcome`` must look into, if any.

        The first attempt's failure, kept for tenacity to decide on, is raised here.
        """
        pending, self.pending = self.pending, None
        if pending is not None:
            raise pending
        unresolved, self.unresolved = self.unresolved, None
        return unresolved if self.on_unknown_outcome is not None else None

    @contextlib.contextmanager
    def resolving(self) -> Iterator[None]:
        """Around ``on_unknown_outcome``: whatever it raises ends the call, never retried."""
        try:
            yield
        except BaseException:
            self.final = True
            raise

    def attempt(self) -> T:
        """One blocking attempt, started only in time."""
        while delay := self.admit():
            self.sleep(delay)
        try:
            return invoke(self.fn, self.kwargs, self.operation)
        except LambdaCodeError as err:
            raise self.failed(err)  # noqa: B904 - invoke chained botocore's error already


def invoke(fn: Callable[..., T], kwargs: dict[str, Any], operation: str) -> T:
    """One botocore call, its errors mapped to lambda-code's (the botocore one as ``__cause__``)."""
    try:
        return fn(**kwargs)
    except (ClientError, *TRANSPORT_ERRORS) as err:
        raise map_botocore_error(err, operation) from err


class Retrier:
    """Runs botocore calls under a ``RetryPolicy``, mapping their errors to lambda-code's."""

    def __init__(
        self, policy: RetryPolicy, *, clock: Clock, rng: random.Random | None = None
    ) -> None:
        self.policy = policy
        self.clock = clock.now
        self.sleep = clock.sleep
        self._rng = rng or random.Random()
        self._retrying = tenacity.Retrying(sleep=clock.sleep, **self.strategies())

    def strategies(self) -> dict[str, Any]:
        """The policy as tenacity's strategies, shared by the blocking and the async loop."""
        return {
            "retry": self._should_retry,
            "wait": self._wait,
            "stop": self._stop,
            "before_sleep": self._log,
            "reraise": True,
        }

    def budget(
        self,
        fn: Callable[..., T],
        kwargs: dict[str, Any],
        *,
        operation: str,
        retry_unknown: bool = True,
        deadline: float | None = None,
        limiter: "RateLimiter | None" = None,
        on_unknown_outcome: OnUnknownOutcome[T] | None = None,
    ) -> CallBudget[T]:
        """``fn(**kwargs)`` as one call under the policy, for ``call`` (or an async loop) to run.

        ``deadline`` is an absolute clock time that caps the policy's own: no attempt starts
        after it, and a call that cannot start before it raises ``DeadlineExceededError``.
        Each attempt first takes a slot from ``limiter``. After an attempt whose outcome is
        unknown (no answer, a 5xx) the call is sent again only if ``retry_unknown``;
        ``on_unknown_outcome`` decides first (see ``OnUnknownOutcome``).
        """
        deadline_at = self.clock() + self.policy.timeout
        if deadline is not None:
            deadline_at = min(deadline_at, deadline)
        return CallBudget(
            fn,
            kwargs,
            operation,
            self.clock,
            self.sleep,
            deadline_at,
            limiter,
            retry_unknown or on_unknown_outcome is not None,
            on_unknown_outcome,
        )

    def call(self, budget: CallBudget[T]) -> T:
        """Run the call ``budget`` describes, blocking; raises the last attempt's error."""
        try:
            return budget.attempt()
        except LambdaCodeError as err:
            budget.pending = err
        try:
            result: T = self._retrying(self._attempt, budget)
        except LambdaCodeError as err:
            budget.ending(err)
            raise
        return result

    @staticmethod
    def _attempt(budget: CallBudget[T]) -> T:
        lost = budget.to_resolve()
        if lost is not None:
            with budget.resolving():
                resolved = budget.on_unknown_outcome(lost)  # type: ignore[misc]
            if resolved is not None:
                return resolved
        return budget.attempt()

    @staticmethod
    def _budget(state: tenacity.RetryCallState) -> CallBudget[Any]:
        budget: CallBudget[Any] = state.args[0]
        return budget

    def _should_retry(self, state: tenacity.RetryCallState) -> bool:
        err = state.outcome.exception() if state.outcome else None
        # Anything unmapped (a bug, a KeyboardInterrupt) is raised, never retried.
        if not isinstance(err, LambdaCodeError) or not err.is_retryable:
            return False
        budget = self._budget(state)
        return not budget.final and (not err.outcome_unknown or budget.retry_unknown)

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
        budget = Retrier._budget(state)
        logger.info(
            "retrying %s after %s: attempt %d failed, next in %.3fs",
            budget.operation,
            code,
            budget.attempts,
            state.upcoming_sleep,
        )
