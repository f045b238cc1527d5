"""What a deploy promises at the edges: lost answers, other writers, deadlines and bad input.

Each test reproduces one way a promise used to break, on the simulator in virtual time.
"""

import itertools
import math
from collections.abc import Callable
from typing import Any

import pytest

from lambda_code import (
    ContainerImage,
    DeadlineExceededError,
    DeployEvent,
    DeployTarget,
    LambdaCodeClient,
    LambdaCodeError,
    PackageError,
    PolledEvent,
    PreconditionFailedException,
    RateLimits,
    ReadingEvent,
    RequestValidationError,
    ResourceConflictException,
    RetryPolicy,
    S3Location,
    TransportError,
    UpdateFailedError,
    UpdateFunctionCodeRequest,
    UpdateSupersededError,
    UpdatingEvent,
    UploadingEvent,
    WaitPolicy,
    WaitTimeoutError,
    ZipPackage,
)
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip
from test_fault_matrix import CLIENTS, deploy_with

OURS = ZipPackage.from_bytes(make_zip({"index.py": b"def handler(e, c):\n    return 'ours'\n"}))
THEIRS = make_zip({"index.py": b"def handler(e, c):\n    return 'theirs'\n"})
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


@pytest.fixture
def sim() -> SimulatedLambda:
    """A simulator that never hides a second publish, with one function ``fn``."""
    simulator = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=False)
    simulator.create_function("fn")
    simulator.reset_counters()
    return simulator


@pytest.fixture
def client(sim: SimulatedLambda) -> LambdaCodeClient:
    """A client on the simulator's clock, with exact backoff delays."""
    return LambdaCodeClient(
        sim.client,
        retry=RetryPolicy(jitter=False),
        wait=WaitPolicy(jitter=0),
        clock=sim.clock,
    )


def _another_writer_before_upload(sim: SimulatedLambda) -> Callable[[DeployEvent], None]:
    """An on_event that has another client update the function between our read and update."""

    def meddle(event: DeployEvent) -> None:
        if isinstance(event, UploadingEvent):
            sim.client.update_function_code(FunctionName="fn", ZipFile=THEIRS)

    return meddle


def _our_updates(sim: SimulatedLambda) -> list[float]:
    """When each of our UpdateFunctionCode requests reached the simulator (not another writer's)."""
    writers = {"concurrent_update", "concurrent_failed_update"}
    return [
        r.time
        for r in sim.history
        if r.operation == "UpdateFunctionCode" and r.fault not in writers
    ]


# -- 1. a lost answer never lets a deploy overwrite another writer's change --------------------


@pytest.mark.parametrize("fault", ["connection_error", "read_timeout"])
def test_lost_answer_after_another_writer_is_their_change_not_ours(
    sim: SimulatedLambda, client: LambdaCodeClient, fault: Any
) -> None:
    """Read, another writer updates, our answer is lost: a conflict, and their code stays."""
    # The other writer's update is call 1; ours, call 2, loses its answer.
    sim.add_fault(fault, operation="UpdateFunctionCode", calls={2})
    with pytest.raises(PreconditionFailedException) as caught:
        client.deploy("fn", OURS, on_event=_another_writer_before_upload(sim))
    assert "changed by someone else" in str(caught.value)
    assert sim.code("fn") == THEIRS
    assert sim.calls["UpdateFunctionCode"] == 2  # theirs, and our one lost attempt
    assert caught.value.update_accepted is None


# -- 2. one deploy publishes at most one version ------------------------------------------------


def test_forced_publish_of_code_already_there_publishes_once_after_a_lost_answer(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """--force --publish with the code already published: a lost answer is not resent."""
    assert client.deploy("fn", OURS, publish=True).version == "1"
    sim.add_fault("lost_response", operation="UpdateFunctionCode", times=1)
    result = client.deploy("fn", OURS, publish=True, skip_unchanged=False)
    assert result.version == "2"  # the version this deploy made, not the older one
    assert sim.versions_published["fn"] == 2
    assert sim.code("fn", "2") == OURS.data


def test_forced_publish_with_code_already_there_and_nothing_landed_is_sent_again(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """A forced publishing update that never applied is resent once, guarded, and publishes once."""
    client.deploy("fn", OURS, publish=True)
    sim.add_fault("connection_error", operation="UpdateFunctionCode", times=1)
    result = client.deploy("fn", OURS, publish=True, skip_unchanged=False)
    assert result.version == "2"
    assert sim.versions_published["fn"] == 2


# -- 4. timeouts are checked up front and held ----------------------------------------------------


@pytest.mark.parametrize("timeout", [-1, 0, math.nan, math.inf, -math.inf, "10", None, True])
def test_deploy_timeout_is_validated_before_any_call(
    sim: SimulatedLambda, client: LambdaCodeClient, timeout: Any
) -> None:
    """A deploy's timeout is a finite number > 0, refused before anything is sent."""
    with pytest.raises(RequestValidationError) as caught:
        client.deploy("fn", OURS, publish=True, timeout=timeout)
    assert caught.value.field == "timeout"
    assert sum(sim.calls.values()) == 0


@pytest.mark.parametrize("timeout", [-0.5, math.nan, math.inf, "1"])
def test_wait_timeout_is_validated_before_any_poll(
    sim: SimulatedLambda, client: LambdaCodeClient, timeout: Any
) -> None:
    """A wait's timeout is finite and >= 0; NaN no longer polls forever."""
    with pytest.raises(RequestValidationError) as caught:
        client.wait_until_updated("fn", timeout=timeout)
    assert caught.value.field == "timeout"
    assert (
        "finite" in caught.value.rule
        or ">= 0" in caught.value.rule
        or "number" in str(caught.value)
    )
    assert sum(sim.calls.values()) == 0


def test_wait_with_zero_timeout_looks_once(sim: SimulatedLambda, client: LambdaCodeClient) -> None:
    """timeout=0 polls exactly once."""
    client.wait_until_updated("fn", timeout=0)
    assert sim.calls["GetFunction"] == 1


def test_deploy_target_validates_on_construction() -> None:
    """DeployTarget refuses a negative timeout as deploy does."""
    with pytest.raises(RequestValidationError) as caught:
        DeployTarget(function_name="fn", code=OURS, timeout=-5)
    assert caught.value.field == "timeout"


def test_a_call_that_cannot_start_before_the_deadline_is_not_started(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """Queued behind the rate limiter past its timeout, a deploy sends nothing and says so."""
    slow = client.with_rate_limits(RateLimits(control_plane=0.5))  # one call every 2 s
    slow.deploy("fn", OURS, wait=False)
    with pytest.raises(DeadlineExceededError) as caught:
        slow.deploy("fn", ZipPackage.from_bytes(THEIRS), timeout=1.0)
    assert caught.value.update_accepted is False
    assert "nothing sent" in str(caught.value)
    assert sim.calls["UpdateFunctionCode"] == 1
    assert sim.clock.now() <= 1.0


def test_a_poll_that_cannot_start_before_the_deadline_ends_the_wait(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """A wait whose next poll slot is past its deadline times out instead of overrunning."""
    slow = client.with_rate_limits(RateLimits(get_function=0.1))  # one poll every 10 s
    sim.update_duration = 60.0
    with pytest.raises(WaitTimeoutError) as caught:
        slow.deploy("fn", OURS, timeout=5.0)
    assert caught.value.update_accepted is True
    assert sim.clock.now() <= 5.0


def test_an_error_after_the_update_was_accepted_says_so(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """A timeout while Lambda applies our update carries update_accepted=True in its message."""
    sim.update_duration = 100.0
    with pytest.raises(WaitTimeoutError) as caught:
        client.deploy("fn", OURS, timeout=10.0)
    assert caught.value.update_accepted is True
    assert "accepted the update" in str(caught.value)
    assert sim.clock.now() <= 10.0


def test_an_error_before_the_update_says_nothing_was_accepted(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """A conflict found before any update leaves update_accepted False and the message plain."""
    with pytest.raises(PreconditionFailedException) as caught:
        client.deploy("fn", OURS, on_event=_another_writer_before_upload(sim))
    assert caught.value.update_accepted is False
    assert "accepted" not in str(caught.value)


# -- 5. a deploy reports only its own outcome ---------------------------------------------------


@pytest.mark.parametrize("kind", ["concurrent_update", "concurrent_failed_update"])
def test_an_update_after_ours_is_reported_as_superseding_it(
    sim: SimulatedLambda, client: LambdaCodeClient, kind: Any
) -> None:
    """Another update landing after ours finished is never reported as our result or failure."""
    # Ours takes 1 s; polls at 0.2 s steps: the writer strikes just before the 7th GetFunction.
    sim.add_fault(kind, operation="GetFunction", calls={7})
    with pytest.raises(UpdateSupersededError) as caught:
        client.deploy("fn", OURS)
    err = caught.value
    assert err.ours.code_sha256 == OURS.code_sha256
    assert err.configuration is not None
    assert err.configuration.code_sha256 != OURS.code_sha256
    assert err.update_accepted is True
    assert sim.faults_fired[kind] == 1


def test_someone_elses_failed_update_found_at_read_is_not_our_failure(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """An update already running when we read, that then fails, does not fail our deploy."""
    sim.add_fault("concurrent_failed_update", operation="GetFunction", calls={1})
    result = client.deploy("fn", OURS)
    assert result.changed
    assert result.configuration.code_sha256 == OURS.code_sha256
    assert sim.code("fn") == OURS.data


def test_our_own_failure_is_still_ours(sim: SimulatedLambda, client: LambdaCodeClient) -> None:
    """When it is our update that fails, UpdateFailedError says so, with our code."""
    sim.fail_next_update(reason_code="InvalidImage", reason="no handler")
    with pytest.raises(UpdateFailedError) as caught:
        client.deploy("fn", OURS)
    assert caught.value.configuration is not None
    assert caught.value.configuration.code_sha256 == OURS.code_sha256
    assert caught.value.update_accepted is True


# -- 6. code updates go to $LATEST -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["fn:1", "fn:live", "123456789012:function:fn:1", f"{ARN}:1", f"{ARN}:live"]
)
def test_a_qualifier_other_than_latest_is_refused(
    sim: SimulatedLambda, client: LambdaCodeClient, name: str
) -> None:
    """deploy to a version or alias is a validation error naming function_name; nothing sent."""
    with pytest.raises(RequestValidationError) as caught:
        client.deploy(name, OURS)
    assert caught.value.field == "function_name"
    assert "$LATEST" in caught.value.rule
    assert sum(sim.calls.values()) == 0


@pytest.mark.parametrize(
    "name", ["fn", "fn:$LATEST", "123456789012:function:fn:$LATEST", ARN, f"{ARN}:$LATEST"]
)
def test_latest_in_any_form_deploys_and_publishes(
    sim: SimulatedLambda, client: LambdaCodeClient, name: str
) -> None:
    """Names, partial and full ARNs, bare or with :$LATEST, deploy and publish one version."""
    result = client.deploy(name, OURS, publish=True)
    assert result.version == "1"
    assert sim.code("fn", "1") == OURS.data
    assert client.deploy(name, OURS, publish=True).changed is False
    assert sim.versions_published["fn"] == 1


# -- 7. resends after lost answers back off --------------------------------------------------------


def test_resends_after_lost_answers_back_off_and_stop(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """With every update's connection lost, attempts are spaced by the policy's backoff."""
    sim.add_fault("connection_error", operation="UpdateFunctionCode")
    with pytest.raises(TransportError) as caught:
        client.deploy("fn", OURS)
    times = _our_updates(sim)
    assert len(times) == client.retry.max_attempts
    gaps = [b - a for a, b in itertools.pairwise(times)]
    expected = [client.retry.backoff(n, rng=None) for n in range(1, len(times))]  # type: ignore[arg-type]
    assert all(gap >= want for gap, want in zip(gaps, expected, strict=True)), (gaps, expected)
    assert caught.value.update_accepted is None


# -- 8. everything raised at the boundary is typed, before any call --------------------------------


_BAD_CALLS: dict[str, Callable[[LambdaCodeClient], object]] = {
    "wait_until_updated(None)": lambda c: c.wait_until_updated(None),  # type: ignore[arg-type]
    "wait_until_active(5)": lambda c: c.wait_until_active(5),  # type: ignore[arg-type]
    "get_function_configuration(5)": lambda c: c.get_function_configuration(5),  # type: ignore[arg-type]
    "get_function(qualifier=1)": lambda c: c.get_function("fn", qualifier=1),  # type: ignore[arg-type]
    "publish_version(None)": lambda c: c.publish_version(None),  # type: ignore[arg-type]
    "publish_version(code_sha256=5)": lambda c: c.publish_version("fn", code_sha256=5),  # type: ignore[arg-type]
    "list_versions('bad name')": lambda c: c.list_versions("bad name"),
    "update_function_code(dict)": lambda c: c.update_function_code({"FunctionName": "fn"}),  # type: ignore[arg-type]
    "deploy(timeout='10')": lambda c: c.deploy("fn", OURS, timeout="10"),  # type: ignore[arg-type]
    "deploy(publish='yes')": lambda c: c.deploy("fn", OURS, publish="yes"),  # type: ignore[arg-type]
    "deploy(wait=1)": lambda c: c.deploy("fn", OURS, wait=1),  # type: ignore[arg-type]
    "deploy(on_event=5)": lambda c: c.deploy("fn", OURS, on_event=5),  # type: ignore[arg-type]
    "deploy(None)": lambda c: c.deploy(None, OURS),  # type: ignore[arg-type]
    "wait(on_poll=5)": lambda c: c.wait_until_updated("fn", on_poll=5),  # type: ignore[arg-type]
    "deploy_many(max_concurrency=1.5)": lambda c: c.deploy_many([], max_concurrency=1.5),  # type: ignore[arg-type]
    "deploy_many([5])": lambda c: c.deploy_many([5]),  # type: ignore[list-item]
    "deploy_many(on_event=5)": lambda c: c.deploy_many([], on_event=5),  # type: ignore[arg-type]
    "RetryPolicy(max_attempts=1.5)": lambda _: RetryPolicy(max_attempts=1.5),  # type: ignore[arg-type]
    "RetryPolicy(base_delay=nan)": lambda _: RetryPolicy(base_delay=math.nan),
    "RetryPolicy(max_delay=inf)": lambda _: RetryPolicy(max_delay=math.inf),
    "RetryPolicy(jitter='no')": lambda _: RetryPolicy(jitter="no"),  # type: ignore[arg-type]
    "WaitPolicy(initial_delay=nan)": lambda _: WaitPolicy(initial_delay=math.nan),
    "WaitPolicy(jitter=2)": lambda _: WaitPolicy(jitter=2),
    "RateLimits(control_plane=nan)": lambda _: RateLimits(control_plane=math.nan),
    "RateLimits(burst=1.5)": lambda _: RateLimits(burst=1.5),  # type: ignore[arg-type]
    "LambdaCodeClient(retry=5)": lambda c: LambdaCodeClient(c.client, retry=5),  # type: ignore[arg-type]
    "LambdaCodeClient(wait=5)": lambda c: LambdaCodeClient(c.client, wait=5),  # type: ignore[arg-type]
    "LambdaCodeClient(clock=5)": lambda c: LambdaCodeClient(c.client, clock=5),  # type: ignore[arg-type]
    "LambdaCodeClient(retry=0)": lambda c: LambdaCodeClient(c.client, retry=0),  # type: ignore[arg-type]
    "DeployTarget(timeout=10**400)": lambda _: DeployTarget(
        function_name="fn", code=OURS, timeout=10**400
    ),
    "wait(timeout=10**400)": lambda c: c.wait_until_updated("fn", timeout=10**400),
}


@pytest.mark.parametrize("call", list(_BAD_CALLS.values()), ids=list(_BAD_CALLS))
def test_bad_input_is_a_typed_error_before_any_call(
    sim: SimulatedLambda, client: LambdaCodeClient, call: Callable[[LambdaCodeClient], object]
) -> None:
    """Every bad argument at the public boundary raises a LambdaCodeError naming it; no request."""
    with pytest.raises(LambdaCodeError) as caught:
        call(client)
    assert isinstance(caught.value, RequestValidationError), repr(caught.value)
    assert caught.value.field
    assert sum(sim.calls.values()) == 0


# -- 3. zip bytes are a code source, and never part of a message -----------------------------------


def test_zip_bytes_deploy(sim: SimulatedLambda, client: LambdaCodeClient) -> None:
    """deploy("fn", data) takes the bytes of a zip, as ZipPackage.from_bytes does."""
    result = client.deploy("fn", OURS.data)
    assert result.configuration.code_sha256 == OURS.code_sha256
    assert sim.code("fn") == OURS.data


@pytest.mark.parametrize(
    "data",
    [
        b"SECRET-" * 30_000,  # not a zip
        OURS.data[: len(OURS.data) // 2] + b"SECRET-" * 30_000,  # a damaged zip
        bytearray(b"SECRET-" * 30_000),
    ],
)
def test_bad_zip_bytes_fail_with_a_short_message_and_no_content(
    sim: SimulatedLambda, client: LambdaCodeClient, data: bytes
) -> None:
    """Bytes that are not a usable zip raise PackageError naming no byte of them; nothing sent."""
    with pytest.raises(PackageError) as caught:
        client.deploy("fn", data)
    message = str(caught.value)
    assert "SECRET" not in message
    assert len(message) < 300
    assert sum(sim.calls.values()) == 0


# -- the outcome of our own update is never mistaken for someone else's ---------------------------


def test_lost_answer_to_a_landed_s3_update_is_not_resent_or_called_a_conflict(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """From S3 the code cannot be compared: the lost answer is raised as unknown, not resent."""
    sim.put_s3_object("bucket", "app.zip", OURS.data)
    sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
    with pytest.raises(TransportError) as caught:
        client.deploy("fn", S3Location("bucket", "app.zip"))
    assert caught.value.update_accepted is None
    assert "unknown" in str(caught.value)
    assert sim.calls["UpdateFunctionCode"] == 1


def test_a_look_that_fails_ends_the_deploy_without_a_resend(sim: SimulatedLambda) -> None:
    """When listing versions after a lost answer keeps failing, nothing is resent or misreported."""
    client = LambdaCodeClient(
        sim.client,
        retry=RetryPolicy(jitter=False, max_attempts=3),
        clock=sim.clock,
    )
    sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
    # Call 1 is the listing before the update; the look after the lost answer fails 3 times.
    sim.add_fault("connection_error", operation="ListVersionsByFunction", calls={2, 3, 4})
    with pytest.raises(TransportError) as caught:
        client.deploy("fn", OURS, publish=True)
    assert caught.value.update_accepted is None
    assert sim.calls["UpdateFunctionCode"] == 1
    assert sim.versions_published["fn"] == 1


@pytest.mark.parametrize("lost", [False, True])
def test_a_forced_publish_that_lambda_answers_with_the_newest_version(
    client: LambdaCodeClient, lost: bool
) -> None:
    """Where Lambda reuses an unchanged newest version, a lost answer finds that same version."""
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=True)
    sim.create_function("fn")
    client = sim.lambda_code_client(retry=RetryPolicy(jitter=False))
    client.deploy("fn", OURS, publish=True)
    if lost:
        sim.add_fault("lost_response", operation="UpdateFunctionCode", times=1)
    result = client.deploy("fn", OURS, publish=True, skip_unchanged=False)
    assert result.version == "1"
    assert sim.versions_published["fn"] == 1


@pytest.mark.parametrize("lost", [False, True])
def test_a_rollback_to_a_published_version_after_unpublished_code(lost: bool) -> None:
    """Back to version 1's code while $LATEST had other code: Lambda's answer is version 1."""
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=True)
    sim.create_function("fn")
    client = sim.lambda_code_client(retry=RetryPolicy(jitter=False))
    client.deploy("fn", OURS, publish=True)
    client.deploy("fn", ZipPackage.from_bytes(THEIRS))  # unpublished
    if lost:
        sim.add_fault("lost_response", operation="UpdateFunctionCode", times=1)
    result = client.deploy("fn", OURS, publish=True)
    assert result.version == "1"
    assert sim.versions_published["fn"] == 1


def test_a_lost_request_carried_out_after_the_look_is_found_as_ours(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """A timed-out request that Lambda carries out after our look: its 412 is resolved as ours."""
    sim.add_fault("read_timeout", operation="UpdateFunctionCode", calls={1})
    base = sim.configuration("fn")["RevisionId"]
    late: list[object] = []

    def lambda_carries_it_out_late(event: DeployEvent) -> None:
        if isinstance(event, PolledEvent) and not late:
            late.append(
                sim.client.update_function_code(
                    FunctionName="fn", ZipFile=OURS.data, Publish=True, RevisionId=base
                )
            )

    result = client.deploy("fn", OURS, publish=True, on_event=lambda_carries_it_out_late)
    assert late  # the late request did land
    assert result.version == "1"
    assert sim.versions_published["fn"] == 1


def test_a_conflict_is_reported_once_and_not_as_lambdas_412(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """Found by looking after a lost answer, a conflict is not wrapped twice or given a 412."""
    sim.add_fault("connection_error", operation="UpdateFunctionCode", calls={2})
    with pytest.raises(PreconditionFailedException) as caught:
        client.deploy("fn", OURS, on_event=_another_writer_before_upload(sim))
    assert str(caught.value).count("changed by someone else") == 1
    assert caught.value.status_code is None


def test_a_dry_run_never_reports_an_accepted_or_unknown_update(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """Lost answers to a dry run are simply asked again; the error says nothing was changed."""
    sim.add_fault("connection_error", operation="UpdateFunctionCode")
    with pytest.raises(TransportError) as caught:
        client.deploy("fn", OURS, dry_run=True)
    assert caught.value.update_accepted is False


def test_after_an_unknown_outcome_a_refused_attempt_does_not_claim_nothing_was_sent(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """The rate limiter has no slot before the deadline: the lost answer is raised, unknown."""
    slow = client.with_rate_limits(RateLimits(control_plane=0.2))  # one call every 5 s
    sim.add_fault("connection_error", operation="UpdateFunctionCode", calls={1})
    request = UpdateFunctionCodeRequest(function_name="fn", zip_file=OURS.data)
    with pytest.raises(TransportError) as caught:
        slow.update_function_code(request, deadline=sim.clock.now() + 1.0)
    assert caught.value.outcome_unknown
    assert sim.calls["UpdateFunctionCode"] == 1


def test_a_deadline_error_names_the_failure_that_needed_a_retry(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """Past the deadline after a 409, DeadlineExceededError chains the 409 as its cause."""
    slow = client.with_rate_limits(RateLimits(control_plane=0.2))
    sim.add_fault("conflict", operation="UpdateFunctionCode", calls={1})
    request = UpdateFunctionCodeRequest(function_name="fn", zip_file=OURS.data)
    with pytest.raises(DeadlineExceededError) as caught:
        slow.update_function_code(request, deadline=sim.clock.now() + 1.0)
    assert isinstance(caught.value.__cause__, ResourceConflictException)


def test_no_attempt_starts_after_the_deadline_without_a_limiter(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """A retry whose backoff ends past the deadline is not started: the last error is raised."""
    sim.add_fault("conflict", operation="UpdateFunctionCode")
    request = UpdateFunctionCodeRequest(function_name="fn", zip_file=OURS.data)
    with pytest.raises(ResourceConflictException):
        client.update_function_code(request, deadline=sim.clock.now() + 1.0)
    assert all(t <= 1.0 for t in _our_updates(sim))


def test_deploy_many_keeps_the_clients_own_rate_limits(sim: SimulatedLambda) -> None:
    """A client made with its own RateLimits runs a fleet at those limits, not the defaults."""
    for name in ("a", "b", "c", "d"):
        sim.create_function(name)
    client = sim.lambda_code_client().with_rate_limits(RateLimits(control_plane=2.0, burst=1))
    results = client.deploy_many(
        [DeployTarget(function_name=n, code=OURS, wait=False) for n in "abcd"],
        max_concurrency=1,
    )
    assert all(not isinstance(r, Exception) for r in results)
    times = [r.time for r in sim.history if r.operation == "UpdateFunctionCode"]
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(times)), times


def test_publishing_unchanged_code_for_another_architecture_makes_a_new_version(
    sim: SimulatedLambda, client: LambdaCodeClient
) -> None:
    """The newest version is reused only if it has the same code and architecture."""
    client.deploy("fn", OURS, publish=True)  # version 1, x86_64
    client.deploy("fn", OURS, architectures=["arm64"])  # $LATEST: same code, arm64
    result = client.deploy("fn", OURS, architectures=["arm64"], publish=True)
    assert result.version == "2"
    assert sim.configuration("fn", "2")["Architectures"] == ["arm64"]


def test_a_deploy_target_repr_never_shows_zip_bytes() -> None:
    """Zip bytes given as code appear in a DeployTarget's repr as their size only."""
    target = DeployTarget(function_name="fn", code=OURS.data)
    assert f"<{len(OURS.data)} bytes>" in repr(target)
    assert "PK" not in repr(target)


def test_a_digest_pinned_image_is_skipped_when_unchanged_and_resolved_after_a_lost_answer() -> None:
    """An image by digest compares like a zip: skipped when there, found after a lost answer."""
    digest = "a" * 64
    repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=False)
    sim.create_function("img", package_type="Image", image_uri=f"{repo}@sha256:{'b' * 64}")
    client = sim.lambda_code_client()
    sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
    first = client.deploy("img", ContainerImage(f"{repo}@sha256:{digest}"), publish=True)
    assert first.version == "1"
    assert sim.calls["UpdateFunctionCode"] == 1
    again = client.deploy("img", ContainerImage(f"{repo}@sha256:{digest}"))
    assert again.changed is False


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_lost_publish_followed_by_another_error_says_it_may_have_published(kind: str) -> None:
    """The publish's answer is lost, then another writer's change gets the resend a 412: the
    error says a version may have been made, not that nothing changed."""
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=False)
    sim.create_function("fn")
    deploy_with(kind, sim, "fn", OURS)  # the code is there: publishing it is the skip path
    sim.add_fault("lost_response", operation="PublishVersion", calls={1})
    sim.add_fault("concurrent_update", operation="PublishVersion", calls={2})
    with pytest.raises(PreconditionFailedException) as caught:
        deploy_with(kind, sim, "fn", OURS, publish=True)
    assert caught.value.update_accepted is None
    assert caught.value.may_have_taken_effect
    assert isinstance(caught.value.earlier_unknown, TransportError)
    assert sim.versions_published["fn"] == 1  # it did publish, before the other writer


@pytest.mark.parametrize(
    ("stop_at", "note"),
    [
        (ReadingEvent, "fn: interrupted before Lambda accepted the update"),
        (
            UpdatingEvent,
            (
                "fn: Lambda had accepted the update, which goes on without us: "
                "`lambda-code wait fn` waits for its outcome"
            ),
        ),
    ],
)
def test_an_interrupted_deploy_says_whether_lambda_has_its_update(
    client: LambdaCodeClient, stop_at: type[DeployEvent], note: str
) -> None:
    """Ctrl-C anywhere: the KeyboardInterrupt carries what the function is left with."""

    def interrupt(event: DeployEvent) -> None:
        if isinstance(event, stop_at):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as caught:
        client.deploy("fn", OURS, on_event=interrupt)
    assert caught.value.__notes__ == [note]
