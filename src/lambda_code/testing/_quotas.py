# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""The simulator's request quotas: token buckets that answer 429 with a Retry-After.

Lambda meters `GetFunction` apart from the rest of the control plane, so there are two
buckets. They refill on the simulator's clock, lazily, when a request takes a token.
"""

from __future__ import annotations

import math

import attrs

from lambda_code.testing._api_errors import throttled

__all__ = ["Quotas", "TokenBucket"]

_GET_FUNCTION = "GetFunction"


@attrs.define
class TokenBucket:
    """Token bucket; burst is one second's worth of requests (at least one)."""

    rate: float
    tokens: float
    last: float

    @classmethod
    def full(cls, rate: float, now: float) -> TokenBucket:
        return cls(rate, max(rate, 1.0), now)

    def take(self, now: float) -> int | None:
        """Take a token, or return the whole seconds to wait until one is there."""
        burst = max(self.rate, 1.0)
        self.tokens = min(burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        if self.rate <= 0:
            return 1
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


class Quotas:
    """The control plane's bucket and `GetFunction`'s; `throttling=False` lets everything in."""

    def __init__(
        self, control_plane_rate: float, get_function_rate: float, now: float, *, throttling: bool
    ) -> None:
        self.control = TokenBucket.full(control_plane_rate, now)
        self.get_function = TokenBucket.full(get_function_rate, now)
        self.throttling = throttling

    def take(self, operation: str, now: float) -> None:
        """Let the request in, or raise 429 `TooManyRequestsException` with its Retry-After."""
        if not self.throttling:
            return
        bucket = self.get_function if operation == _GET_FUNCTION else self.control
        wait = bucket.take(now)
        if wait is not None:
            raise throttled(wait)
