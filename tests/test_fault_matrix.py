"""A matrix of Lambda's failure modes, each run end to end through deploy() in virtual time.

Every scenario asserts the exact outcome (configuration or typed error), the calls made per
operation, that the run ends within its virtual-time bound (nothing hangs) and that no version
is ever published twice.
"""

import asyncio
import importlib.util
import os
import threading
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_code import (
    DeployResult,
    LambdaCodeClient,
    LambdaCodeError,
    LastUpdateStatus,
    PreconditionFailedException,
    RequestValidationError,
    ResourceConflictException,
    ResourceNotFoundException,
    RetryPolicy,
    S3Location,
    ServiceException,
    TooManyRequestsException,
    TransportError,
    UpdateFailedError,
    UpdateSupersededError,
    WaitPolicy,
    WaitTimeoutError,
    ZipPackage,
)
from lambda_code.testing import FaultKind, SimulatedLambda, VirtualClock, make_zip

PACKAGE = ZipPackage.from_bytes(make_zip({"index.py": b"def handler(e, c):\n    return 'new'\n"}))
RETRY = RetryPolicy(jitter=False)  # delays 0.25, 0.5, 1, 2, ... so call counts are exact
WAIT = WaitPolicy(jitter=0)


def retry_times(count: int) -> list[float]:
    """When each retry starts, relative to the first attempt, under RETRY."""
    times, now = [], 0.0
    for n in range(1, count + 1):
        now += RETRY.backoff(n, rng=None)  # type: ignore[arg-type]
        times.append(now)
    return times


def attempts_while_busy(busy_for: float) -> int:
    """Attempts refused with 409 while an update that ends ``busy_for`` seconds later runs."""
    return sum(1 for t in retry_times(RETRY.max_attempts - 1) if t < busy_for)


def polls_for(duration: float) -> int:
    """Polls WAIT makes on an update that finishes ``duration`` s after the first poll."""
    polls, waited = 1, 0.0
    while waited < duration:
        waited += WAIT.delay(waited, rng=None)  # type: ignore[arg-type]
        polls += 1
    return polls


Setup = Callable[[SimulatedLambda], object]
Check = Callable[[SimulatedLambda, DeployResult | LambdaCodeError], None]


@attrs.frozen
class Scenario:
    name: str
    setup: Setup = lambda sim: None
    publish: bool = False
    timeout: float = 300.0
    retry: RetryPolicy = RETRY
    duration: float = 1.0
    outcome: type[BaseException] | None = None
    calls: dict[str, int] = attrs.Factory(dict)  # per operation, or per error code
    check: Check | None = None
    max_virtual_seconds: float = 400.0
    function_name: str = "fn"


def _fault(kind: FaultKind, operation: str, **kwargs: Any) -> Setup:
    return lambda sim: sim.add_fault(kind, operation=operation, **kwargs)


def _fail(reason_code: str) -> Setup:
    return lambda sim: sim.fail_next_update(reason_code=reason_code, reason=f"{reason_code}!")


def _reason_code_is(code: str) -> Check:
    def check(_: SimulatedLambda, result: DeployResult | LambdaCodeError) -> None:
        assert isinstance(result, UpdateFailedError)
        assert result.reason_code == code
        assert code in str(result)

    return check


def _waited_at_least(seconds: float) -> Check:
    def check(sim: SimulatedLambda, _: DeployResult | LambdaCodeError) -> None:
        assert sim.clock.now() >= seconds

    return check


def _busy(seconds: float) -> Setup:
    """An update by someone else is already in progress for ``seconds``."""

    def setup(sim: SimulatedLambda) -> None:
        duration = sim.update_duration
        sim.update_duration = seconds
        sim.client.update_function_code(FunctionName="fn", ZipFile=make_zip({"a.py": b"other"}))
        sim.update_duration = duration
        sim.reset_counters()

    return setup


def _meddle(sim: SimulatedLambda) -> None:
    """Someone else updates the function right after our read (before our update arrives)."""
    sim.add_fault("concurrent_update", operation="UpdateFunctionCode", calls={1})


UPDATE_ONLY = {"UpdateFunctionCode": 1, "PublishVersion": 0}

SCENARIOS = [
    # -- update durations: one update, polls as the wait policy spaces them ----------------
    *(
        Scenario(
            f"duration-{d:g}s",
            duration=d,
            timeout=1000.0,
            calls={**UPDATE_ONLY, "GetFunction": 1 + polls_for(d)},
            max_virtual_seconds=d * 1.1 + 1,
        )
        for d in (0.2, 1.0, 5.0, 30.0, 120.0, 900.0)
    ),
    Scenario(
        "publish-1s",
        publish=True,
        # Read, the versions before the update (to tell its own after a lost answer), polls,
        # then one poll of the new version.
        calls={**UPDATE_ONLY, "ListVersionsByFunction": 1, "GetFunction": 1 + polls_for(1.0) + 1},
    ),
    # -- 409 storms ---------------------------------------------------------------------------
    *(
        Scenario(
            f"conflict-x{n}",
            setup=_fault("conflict", "UpdateFunctionCode", times=n),
            calls={"UpdateFunctionCode": n + 1},
        )
        for n in (1, 3, 9)
    ),
    Scenario(
        "conflict-forever-exhausts-attempts",
        setup=_fault("conflict", "UpdateFunctionCode"),
        outcome=ResourceConflictException,
        calls={"UpdateFunctionCode": 10, "PublishVersion": 0},
    ),
    Scenario(
        "conflict-forever-hits-deadline",
        setup=_fault("conflict", "UpdateFunctionCode"),
        retry=RetryPolicy(jitter=False, timeout=5.0),
        outcome=ResourceConflictException,
        # Retries at 0.25, 0.75, 1.75, 3.75; the next (7.75) would pass the 5 s deadline.
        calls={"UpdateFunctionCode": 5},
        max_virtual_seconds=5.0,
    ),
    Scenario(
        "busy-function-waited-out-first",
        setup=_busy(20.0),
        calls={**UPDATE_ONLY},
        check=lambda sim, _: (
            None if sim.errors["ResourceConflictException"] == 0 else pytest.fail("409 seen")
        ),
    ),
    # -- 429 with Retry-After -----------------------------------------------------------------
    *(
        Scenario(
            f"throttle-x{n}-retry-after-{r}",
            setup=_fault("throttle", "UpdateFunctionCode", times=n, retry_after=r),
            calls={"UpdateFunctionCode": n + 1},
            check=_waited_at_least(n * r),
        )
        for n, r in ((1, 1), (3, 2), (2, 30))
    ),
    Scenario(
        "retry-after-past-deadline",
        setup=_fault("throttle", "UpdateFunctionCode", times=1, retry_after=60),
        retry=RetryPolicy(jitter=False, timeout=30.0),
        outcome=TooManyRequestsException,
        calls={"UpdateFunctionCode": 1},
        max_virtual_seconds=0.0,
    ),
    Scenario(
        "polls-throttled",
        setup=_fault("throttle", "GetFunction", calls={2, 3, 4}, retry_after=1),
        calls={**UPDATE_ONLY},
    ),
    # -- 500 bursts ---------------------------------------------------------------------------
    *(
        Scenario(
            f"server-error-x{n}",
            setup=_fault("server_error", "UpdateFunctionCode", times=n),
            calls={"UpdateFunctionCode": n + 1},
        )
        for n in (1, 5)
    ),
    Scenario(
        "server-error-forever",
        setup=_fault("server_error", "UpdateFunctionCode"),
        outcome=ServiceException,
        calls={"UpdateFunctionCode": 10},
    ),
    Scenario("polls-500", setup=_fault("server_error", "GetFunction", times=4), calls=UPDATE_ONLY),
    # -- transport faults ---------------------------------------------------------------------
    Scenario(
        "connection-reset-on-update",
        setup=_fault("connection_error", "UpdateFunctionCode", times=2),
        calls={"UpdateFunctionCode": 3},
    ),
    Scenario(
        "read-timeout-on-update",
        setup=_fault("read_timeout", "UpdateFunctionCode", times=1),
        calls={"UpdateFunctionCode": 2},
    ),
    Scenario(
        "connection-reset-on-read",
        setup=_fault("connection_error", "GetFunction", calls={1}),
        calls={**UPDATE_ONLY},
    ),
    Scenario(
        "connection-reset-forever",
        setup=_fault("connection_error", "UpdateFunctionCode"),
        outcome=TransportError,
        calls={"UpdateFunctionCode": 10},
    ),
    # -- lost responses: applied, but the client saw a timeout ---------------------------------
    # The deploy waits for the function to settle and finds its update there: never resent.
    Scenario(
        "lost-response",
        setup=_fault("lost_response", "UpdateFunctionCode", calls={1}),
        calls={"UpdateFunctionCode": 1, "ResourceConflictException": 0},
    ),
    Scenario(
        "lost-response-publish",
        setup=_fault("lost_response", "UpdateFunctionCode", calls={1}),
        publish=True,
        # Once before the update, once to find the version it made after its answer was lost.
        calls={"UpdateFunctionCode": 1, "PublishVersion": 0, "ListVersionsByFunction": 2},
    ),
    Scenario(
        "lost-response-publish-10-min-update",
        setup=_fault("lost_response", "UpdateFunctionCode", calls={1}),
        publish=True,
        duration=600.0,
        timeout=900.0,
        calls={"UpdateFunctionCode": 1, "PublishVersion": 0},
        max_virtual_seconds=700.0,
    ),
    Scenario(
        "read-timeout-publish-resent-once",
        setup=_fault("read_timeout", "UpdateFunctionCode", calls={1}),
        publish=True,
        calls={"UpdateFunctionCode": 2, "PublishVersion": 0},
    ),
    # -- failed updates ------------------------------------------------------------------------
    *(
        Scenario(
            f"failed-{code}",
            setup=_fail(code),
            outcome=UpdateFailedError,
            calls={**UPDATE_ONLY},
            check=_reason_code_is(code),
        )
        for code in (
            "InvalidRuntime",
            "InvalidZipFileException",
            "SubnetOutOfIPAddresses",
            "KMSKeyAccessDenied",
            "FunctionError.InitTimeout",
        )
    ),
    # -- timeouts and permanent errors ---------------------------------------------------------
    Scenario(
        "timeout-long-update",
        duration=900.0,
        timeout=60.0,
        outcome=WaitTimeoutError,
        calls={**UPDATE_ONLY},
        max_virtual_seconds=60.0,
    ),
    Scenario(
        "concurrent-change-412",
        setup=_meddle,
        outcome=PreconditionFailedException,
        # Ours, refused with 409 while theirs runs, then with 412 (the simulator's writer's
        # own update is not one of the calls counted).
        calls={"UpdateFunctionCode": 1 + attempts_while_busy(1.0) + 1, "PublishVersion": 0},
    ),
    Scenario(
        "unknown-function-404",
        function_name="ghost",
        outcome=ResourceNotFoundException,
        calls={"GetFunction": 1, "UpdateFunctionCode": 0},
    ),
]


#: Every scenario and property runs on both clients, with the same expected outcomes; the
#: async one needs the async extra, which the tests extra installs (test_aio.py fails without it).
CLIENTS = ["sync", "async"] if importlib.util.find_spec("aiobotocore") else ["sync"]


def deploy_with(
    kind: str, sim: SimulatedLambda, *args: Any, retry: RetryPolicy = RETRY, **kwargs: Any
) -> DeployResult:
    """``deploy(*args, **kwargs)`` through the blocking or the async client, on ``sim``."""
    assert kind in CLIENTS, kind
    if kind == "sync":
        return LambdaCodeClient(sim.client, retry=retry, wait=WAIT, clock=sim.clock).deploy(
            *args, **kwargs
        )

    from lambda_code.aio import AsyncLambdaCodeClient

    async def run() -> DeployResult:
        async with sim.aio_client() as raw:
            client = AsyncLambdaCodeClient(raw, retry=retry, wait=WAIT, clock=sim.clock)
            return await client.deploy(*args, **kwargs)

    return asyncio.run(run())


def _run(scenario: Scenario, kind: str) -> tuple[SimulatedLambda, DeployResult | LambdaCodeError]:
    sim = SimulatedLambda(
        clock=VirtualClock(), update_duration=scenario.duration, reuse_unchanged_versions=False
    )
    sim.create_function("fn")
    sim.reset_counters()
    scenario.setup(sim)
    try:
        result: DeployResult | LambdaCodeError = deploy_with(
            kind,
            sim,
            scenario.function_name,
            PACKAGE,
            retry=scenario.retry,
            publish=scenario.publish,
            timeout=scenario.timeout,
        )
    except LambdaCodeError as err:
        result = err
    return sim, result


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_scenario(scenario: Scenario, kind: str) -> None:
    """Each failure mode ends in its exact outcome, call counts and bounded time; both clients."""
    outcome: list[tuple[SimulatedLambda, DeployResult | LambdaCodeError]] = []
    worker = threading.Thread(target=lambda: outcome.append(_run(scenario, kind)), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the scenario hung"
    [(sim, result)] = outcome

    if scenario.outcome is None:
        assert isinstance(result, DeployResult), result
        assert result.changed
        assert result.configuration.code_sha256 == PACKAGE.code_sha256
        assert result.configuration.last_update_status is LastUpdateStatus.SUCCESSFUL
        assert sim.code("fn") == PACKAGE.data
        if scenario.publish:
            assert result.version == "1"
            assert sim.code("fn", "1") == PACKAGE.data
    else:
        assert isinstance(result, scenario.outcome), result
    for name, count in scenario.calls.items():
        # Operation names count calls; error codes count the answers that carried them.
        seen = sim.errors[name] if name.endswith("Exception") else sim.calls[name]
        assert seen == count, (name, dict(sim.calls), dict(sim.errors))
    assert sim.versions_published["fn"] <= 1
    assert sim.clock.now() <= scenario.max_virtual_seconds + 1e-9
    if scenario.check is not None:
        scenario.check(sim, result)


def test_matrix_is_large_enough() -> None:
    """The matrix covers at least 30 scenarios with distinct names."""
    names = [s.name for s in SCENARIOS]
    assert len(names) >= 30
    assert len(set(names)) == len(names)


_KINDS: list[FaultKind] = [
    "server_error",
    "throttle",
    "conflict",
    "connection_error",
    "read_timeout",
    "lost_response",
]
_WRITERS: list[FaultKind] = ["concurrent_update", "concurrent_failed_update"]
#: Faults that leave it unknown whether the call took effect.
_LOST = {"connection_error", "read_timeout", "lost_response", "server_error"}
_ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
#: How each drawn name form is spelled; "version" is a qualifier code updates refuse.
_NAMES = {
    "bare": "fn",
    "latest": "fn:$LATEST",
    "partial": "123456789012:function:fn:$LATEST",
    "arn": _ARN,
    "version": "fn:1",
}


@settings(max_examples=100, deadline=None)
@given(
    faults=st.lists(
        st.tuples(
            st.sampled_from(_KINDS),
            st.sampled_from(["UpdateFunctionCode", "GetFunction", "ListVersionsByFunction"]),
            st.integers(min_value=1, max_value=6),
        ),
        max_size=6,
    ),
    duration=st.sampled_from([0.0, 0.3, 2.0, 40.0]),
    publish=st.booleans(),
    fail_update=st.booleans(),
    kind=st.sampled_from(CLIENTS),
)
def test_any_fault_schedule_ends_and_publishes_at_most_once(
    faults: list[tuple[FaultKind, str, int]],
    duration: float,
    publish: bool,
    fail_update: bool,
    kind: str,
) -> None:
    """Whatever faults hit whichever calls, a deploy ends, typed, and never publishes twice."""
    sim = SimulatedLambda(
        clock=VirtualClock(), update_duration=duration, reuse_unchanged_versions=False
    )
    sim.create_function("fn")
    for fault, operation, call in faults:
        sim.add_fault(fault, operation=operation, calls={call})
    if fail_update:
        sim.fail_next_update(reason_code="InternalError", reason="boom")
    try:
        result: DeployResult | LambdaCodeError = deploy_with(
            kind, sim, "fn", PACKAGE, publish=publish, timeout=120.0
        )
    except LambdaCodeError as err:
        result = err
    assert sim.versions_published["fn"] <= 1
    assert sim.clock.now() <= 120.0 + 1e-9
    # A handful of faults is well within the retry budget: only a failed update can fail it.
    if fail_update:
        assert isinstance(result, UpdateFailedError), result
        return
    assert isinstance(result, DeployResult), result
    assert sim.code("fn") == PACKAGE.data
    assert result.configuration.code_sha256 == PACKAGE.code_sha256
    assert (result.version is not None) == publish
    if result.version is not None:
        assert sim.code("fn", result.version) == PACKAGE.data


def _overwrote_a_change_it_did_not_read(sim: SimulatedLambda) -> bool:
    """Whether one of our updates applied after another writer's that came after our read.

    Our read is the last GetFunction answered before our first update was sent; any writer's
    update after it must never be followed by an update of ours that applied.
    """
    history = sim.history
    ours = [
        i
        for i, r in enumerate(history)
        if r.operation == "UpdateFunctionCode" and r.fault not in _WRITERS
    ]
    if not ours:
        return False
    reads = [
        i
        for i, r in enumerate(history[: ours[0]])
        if r.operation == "GetFunction" and r.status == 200
    ]
    read = reads[-1] if reads else -1
    theirs = [
        i for i, r in enumerate(history) if i > read and r.fault in _WRITERS and r.status == 200
    ]
    applied = [i for i in ours if history[i].status == 200]
    return any(a > w for w in theirs for a in applied)


def _assert_describes_our_update(
    sim: SimulatedLambda,
    result: DeployResult | LambdaCodeError,
    *,
    publish: bool,
    versions_before: int,
    reuse: bool,
) -> None:
    """A result, a failure or a superseding is about our code, never the other writer's.

    A version reported for a deploy that changed the function is one this deploy published,
    or, where Lambda reuses an unchanged newest version, that one: never an older one.
    """
    ours = PACKAGE.code_sha256
    if isinstance(result, DeployResult):
        assert result.configuration.code_sha256 == ours
        if result.version is not None:
            assert sim.code("fn", result.version) == PACKAGE.data
            newest_allowed = versions_before if reuse else versions_before + 1
            assert not result.changed or int(result.version) >= newest_allowed
        assert (result.version is not None) == publish
    elif isinstance(result, UpdateFailedError):
        assert result.configuration is not None
        assert result.configuration.code_sha256 == ours, "someone else's failure reported"
    elif isinstance(result, UpdateSupersededError):
        assert result.ours.code_sha256 == ours
        assert result.configuration is not None
        assert result.configuration.code_sha256 != ours


#: Examples of the promises property per run; set PROMISE_EXAMPLES for a longer search.
PROMISE_EXAMPLES = int(os.environ.get("PROMISE_EXAMPLES", "200"))


@settings(
    max_examples=PROMISE_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    faults=st.lists(
        st.tuples(
            st.sampled_from(_KINDS),
            st.sampled_from(
                ["UpdateFunctionCode", "GetFunction", "ListVersionsByFunction", "PublishVersion"]
            ),
            st.integers(min_value=1, max_value=6),
        ),
        max_size=5,
    ),
    # Another writer strikes just before our k-th call (of any kind, or of one kind): before
    # or after our read, during our update (refused with 409 then), or after it settled.
    writer=st.none()
    | st.tuples(
        st.sampled_from(_WRITERS),
        st.sampled_from([None, None, "UpdateFunctionCode", "GetFunction"]),
        st.integers(min_value=1, max_value=6),
    ),
    duration=st.sampled_from([0.0, 0.3, 2.0, 40.0]),
    start=st.sampled_from(["fresh", "has_code", "has_version"]),
    publish=st.booleans(),
    skip_unchanged=st.booleans(),
    fail_update=st.booleans(),
    name=st.sampled_from(sorted(_NAMES)),
    timeout=st.sampled_from([5.0, 60.0, 120.0]),
    reuse=st.booleans(),
    from_s3=st.booleans(),
    kind=st.sampled_from(CLIENTS),
)
def test_every_promise_holds_under_faults_and_other_writers(
    faults: list[tuple[FaultKind, str, int]],
    writer: tuple[FaultKind, str | None, int] | None,
    duration: float,
    start: str,
    publish: bool,
    skip_unchanged: bool,
    fail_update: bool,
    name: str,
    timeout: float,
    reuse: bool,
    from_s3: bool,
    kind: str,
) -> None:
    """Under any faults and another writer at any point, every promise of a deploy holds.

    It ends within its timeout, raises only lambda-code's errors, publishes at most one
    version, never writes on top of a change it did not read, its result or error describes
    its own update, never the other writer's, and it reports a conflict only when another
    writer did change the function. Lambda's reuse of an unchanged version is on or off, and
    the code is a zip or an S3 object; the client is the blocking or the async one.
    """
    sim = SimulatedLambda(
        clock=VirtualClock(), update_duration=duration, reuse_unchanged_versions=reuse
    )
    sim.put_s3_object("bucket", "app.zip", PACKAGE.data)
    code: ZipPackage | S3Location = S3Location("bucket", "app.zip") if from_s3 else PACKAGE
    sim.create_function("fn")
    client = LambdaCodeClient(sim.client, retry=RETRY, wait=WAIT, clock=sim.clock)
    if start != "fresh":
        client.deploy("fn", PACKAGE, publish=start == "has_version")
    published_before = sim.versions_published["fn"]
    sim.reset_counters()
    for fault, operation, call in [*faults, *([writer] if writer else [])]:
        sim.add_fault(fault, operation=operation, function_name="fn", calls={call})
    if fail_update:
        sim.fail_next_update(reason_code="InternalError", reason="boom")
    began = sim.clock.now()

    try:
        result: DeployResult | BaseException = deploy_with(
            kind,
            sim,
            _NAMES[name],
            code,
            publish=publish,
            skip_unchanged=skip_unchanged,
            timeout=timeout,
        )
    except Exception as err:
        result = err

    assert isinstance(result, DeployResult | LambdaCodeError), repr(result)
    assert sim.clock.now() - began <= timeout + 1e-9
    assert sim.versions_published["fn"] - published_before <= 1
    assert not _overwrote_a_change_it_did_not_read(sim)
    if isinstance(result, PreconditionFailedException):
        assert any(r.fault in _WRITERS and r.status == 200 for r in sim.history), (
            "a conflict reported with no other writer"
        )
    if name == "version":
        assert isinstance(result, RequestValidationError)
        assert sum(sim.calls.values()) == 0
        return
    _assert_describes_our_update(
        sim, result, publish=publish, versions_before=published_before, reuse=reuse
    )
    # Without another writer, a handful of faults is within the retry budget.
    # Without another writer, a handful of faults is within the retry budget, except that
    # from S3 a lost answer after the update landed cannot be told from someone else's change.
    lost_s3 = from_s3 and any(kind in _LOST for kind, _, _ in faults)
    if writer is None and timeout >= 60 and not lost_s3:
        if fail_update and (start == "fresh" or not skip_unchanged or from_s3):
            assert isinstance(result, UpdateFailedError), result
        else:
            assert isinstance(result, DeployResult), result
