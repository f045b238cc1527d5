# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""Injected faults: their kinds, which requests they match, and what each does to the answer.

Matching is seeded (`rate`), so a run with faults is reproducible. Three families: an error
answer instead of the real one (`server_error`, `throttle`, `conflict`), a transport failure
(`connection_error`, `read_timeout`, and `lost_response`, whose request still takes effect),
and another writer whose change lands just before the request (`concurrent_*`: a code update,
or the request's alias pointed at `$LATEST`).
"""

from __future__ import annotations

import random
from typing import Literal, get_args

import attrs
import botocore.exceptions

from lambda_code.testing._api_errors import server_error, throttled, update_in_progress

__all__ = [
    "FAULT_KINDS",
    "TRANSPORT_KINDS",
    "WRITER_KINDS",
    "Fault",
    "FaultKind",
    "Faults",
    "raise_answer",
    "transport_error",
]

FaultKind = Literal[
    "server_error",
    "throttle",
    "conflict",
    "connection_error",
    "read_timeout",
    "lost_response",
    "concurrent_update",
    "concurrent_failed_update",
    "concurrent_alias_change",
]
FAULT_KINDS = frozenset(get_args(FaultKind))
# The request never gets an answer; for these two it never arrives either.
TRANSPORT_KINDS = frozenset({"connection_error", "read_timeout"})
# Another writer's change lands just before the matching request is handled.
WRITER_KINDS = frozenset(
    {"concurrent_update", "concurrent_failed_update", "concurrent_alias_change"}
)


@attrs.define
class Fault:
    """An injected failure; see `SimulatedLambda.add_fault`."""

    kind: FaultKind
    operation: str | None = None
    function_name: str | None = None
    calls: frozenset[int] | None = None
    times: int | None = None
    rate: float | None = None
    retry_after: int = 1
    seen: int = 0  # matching requests so far (numbers the calls for `calls`)
    fired: int = 0


class Faults:
    """The injected faults, in the order they were added; the first that fires wins."""

    def __init__(self, seed: int) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def match(self, operation: str, name: str | None) -> Fault | None:
        """The fault that fires for this request, if any; every selecting fault counts it."""
        chosen = None
        for fault in self._faults:
            if fault.operation not in (None, operation):
                continue
            if fault.function_name not in (None, name):
                continue
            fault.seen += 1
            if chosen is not None:
                continue
            if fault.times is not None and fault.fired >= fault.times:
                continue
            if fault.calls is not None and fault.seen not in fault.calls:
                continue
            if fault.rate is not None and self._rng.random() >= fault.rate:
                continue
            fault.fired += 1
            chosen = fault
        return chosen


def raise_answer(fault: Fault | None, arn: str) -> None:
    """Raise the error answer that replaces the real one, for the kinds that do that."""
    if fault is None:
        return
    if fault.kind == "server_error":
        raise server_error()
    if fault.kind == "throttle":
        raise throttled(fault.retry_after)
    if fault.kind == "conflict":
        raise update_in_progress(arn)


def transport_error(kind: str, url: str) -> botocore.exceptions.BotoCoreError:
    """What botocore raises when the connection fails, or the answer never comes."""
    if kind == "connection_error":
        return botocore.exceptions.EndpointConnectionError(endpoint_url=url)
    return botocore.exceptions.ReadTimeoutError(endpoint_url=url)
