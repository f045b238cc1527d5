"""wait_until_updated / wait_until_active against the simulated control plane, in virtual time."""

import logging
from typing import TYPE_CHECKING, Any, cast

import botocore.session
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from lambda_code import (
    FunctionConfiguration,
    FunctionFailedError,
    LambdaCodeClient,
    LambdaError,
    LastUpdateStatus,
    ResourceNotFoundException,
    State,
    TooManyRequestsException,
    UpdateFailedError,
    UpdateFunctionCodeRequest,
    WaitPolicy,
    WaitTimeoutError,
)
from lambda_code.testing import FaultKind, SimulatedLambda, VirtualClock, make_zip

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

CODE = make_zip({"index.py": b"def handler(event, context):\n    return 2\n"})


def _sleeps(sim: SimulatedLambda) -> list[float]:
    assert isinstance(sim.clock, VirtualClock)
    return sim.clock.sleeps


def _updating(sim: SimulatedLambda, name: str = "fn", duration: float = 1.0) -> LambdaCodeClient:
    """A function whose code update takes ``duration`` seconds and has just been sent."""
    sim.update_duration = duration
    sim.create_function(name)
    client: LambdaCodeClient = sim.lambda_code_client()
    client.update_function_code(UpdateFunctionCodeRequest(function_name=name, zip_file=CODE))
    return client


def test_update_is_seen_within_the_policy_lag(simulated_lambda: SimulatedLambda) -> None:
    """A 1 s update is seen Successful within 0.2 s of finishing."""
    sim = simulated_lambda
    client = _updating(sim, duration=1.0)
    started = sim.clock.now()
    config = client.wait_until_updated("fn")
    assert config.last_update_status is LastUpdateStatus.SUCCESSFUL
    lag = sim.clock.now() - (started + 1.0)
    assert 0 <= lag <= 0.2
    assert sim.calls["GetFunction"] <= 7


def test_long_update_polls_sparingly(simulated_lambda: SimulatedLambda) -> None:
    """A 15-minute update is seen within 10 s of finishing, with far fewer polls than 1/s."""
    sim = simulated_lambda
    client = _updating(sim, duration=900.0)
    started = sim.clock.now()
    client.wait_until_updated("fn", timeout=1000)
    assert sim.clock.now() - (started + 900.0) <= 10.0
    assert sim.calls["GetFunction"] < 900 / 3


def test_failed_update_raises_with_reason(simulated_lambda: SimulatedLambda) -> None:
    """LastUpdateStatus Failed raises UpdateFailedError carrying reason, code and configuration."""
    sim = simulated_lambda
    sim.create_function("fn")
    sim.fail_next_update(reason_code="InvalidRuntime", reason="python2.7 is no longer supported")
    client: LambdaCodeClient = sim.lambda_code_client()
    client.update_function_code(UpdateFunctionCodeRequest(function_name="fn", zip_file=CODE))
    with pytest.raises(UpdateFailedError) as info:
        client.wait_until_updated("fn")
    err = info.value
    assert err.reason_code == "InvalidRuntime"
    assert err.reason == "python2.7 is no longer supported"
    assert err.configuration is not None
    assert err.configuration.last_update_status is LastUpdateStatus.FAILED
    assert "InvalidRuntime" in str(err)
    assert "python2.7 is no longer supported" in str(err)


def test_timeout_polls_last_at_the_deadline(simulated_lambda: SimulatedLambda) -> None:
    """A wait that times out makes its last poll exactly at the deadline, then raises."""
    sim = simulated_lambda
    client = _updating(sim, duration=100.0)
    started = sim.clock.now()
    with pytest.raises(WaitTimeoutError) as info:
        client.wait_until_updated("fn", timeout=10.0)
    err = info.value
    assert sim.clock.now() == pytest.approx(started + 10.0)
    assert err.elapsed == pytest.approx(10.0)
    assert err.polls == sim.calls["GetFunction"]
    assert sim.history[-1].time == pytest.approx(started + 10.0)
    assert err.configuration is not None
    assert err.configuration.last_update_status is LastUpdateStatus.IN_PROGRESS
    assert "10.0s" in str(err)


def test_zero_timeout_polls_once(simulated_lambda: SimulatedLambda) -> None:
    """timeout=0 still looks once before giving up."""
    sim = simulated_lambda
    client = _updating(sim, duration=5.0)
    with pytest.raises(WaitTimeoutError) as info:
        client.wait_until_updated("fn", timeout=0)
    assert info.value.polls == 1


def test_on_poll_sees_every_successful_poll(simulated_lambda: SimulatedLambda) -> None:
    """on_poll is called once per answered poll, failed polls excluded."""
    sim = simulated_lambda
    client = _updating(sim, duration=2.0)
    sim.add_fault("server_error", operation="GetFunction", calls={2})
    seen: list[FunctionConfiguration] = []
    client.wait_until_updated("fn", on_poll=seen.append)
    assert len(seen) == sim.calls["GetFunction"] - 1
    assert seen[0].last_update_status is LastUpdateStatus.IN_PROGRESS
    assert seen[-1].last_update_status is LastUpdateStatus.SUCCESSFUL


@pytest.mark.parametrize(
    "kind", ["throttle", "server_error", "conflict", "connection_error", "read_timeout"]
)
def test_transient_poll_failures_are_retried(
    simulated_lambda: SimulatedLambda, kind: FaultKind
) -> None:
    """429, 500, 409 and transport faults on a poll are retried inside the wait."""
    sim = simulated_lambda
    client = _updating(sim, duration=1.0)
    sim.add_fault(kind, operation="GetFunction", times=3)
    config = client.wait_until_updated("fn")
    assert config.last_update_status is LastUpdateStatus.SUCCESSFUL
    assert sim.faults_fired[kind] == 3


def test_failed_polls_are_logged(
    simulated_lambda: SimulatedLambda, caplog: pytest.LogCaptureFixture
) -> None:
    """Each failed poll leaves one log line naming the function, the error and the pause."""
    client = _updating(simulated_lambda, duration=1.0)
    simulated_lambda.add_fault("server_error", operation="GetFunction", times=2)
    with caplog.at_level(logging.INFO, logger="lambda_code"):
        client.wait_until_updated("fn")
    lines = [r.getMessage() for r in caplog.records if "poll of fn failed" in r.getMessage()]
    assert len(lines) == 2
    assert "ServiceException" in lines[0]
    assert "polling again in" in lines[0]


def test_retry_after_on_a_poll_is_honoured(simulated_lambda: SimulatedLambda) -> None:
    """A throttled poll waits at least the Retry-After before polling again."""
    sim = simulated_lambda
    client = _updating(sim, duration=0.5)
    sim.add_fault("throttle", operation="GetFunction", times=1, retry_after=3)
    sleeps_before = len(_sleeps(sim))
    client.wait_until_updated("fn")
    assert _sleeps(sim)[sleeps_before] >= 3


def test_throttle_storm_ends_at_the_deadline(simulated_lambda: SimulatedLambda) -> None:
    """Polls that keep being throttled share the wait's deadline: WaitTimeoutError, not a hang."""
    sim = simulated_lambda
    client = _updating(sim, duration=1.0)
    sim.add_fault("throttle", operation="GetFunction", retry_after=1)
    started = sim.clock.now()
    with pytest.raises(WaitTimeoutError) as info:
        client.wait_until_updated("fn", timeout=5.0)
    assert sim.clock.now() == pytest.approx(started + 5.0)
    assert isinstance(info.value.__cause__, TooManyRequestsException)
    assert info.value.polls == 0
    assert sim.calls["GetFunction"] == 6


def test_missing_function_raises_at_once(simulated_lambda: SimulatedLambda) -> None:
    """A 404 while waiting is raised on the first poll, not swallowed until the timeout."""
    client: LambdaCodeClient = simulated_lambda.lambda_code_client()
    with pytest.raises(ResourceNotFoundException):
        client.wait_until_updated("ghost", timeout=60)
    assert simulated_lambda.calls["GetFunction"] == 1
    assert simulated_lambda.clock.now() == 0


def _stubbed(clock: VirtualClock, *answers: dict[str, Any] | tuple[str, int]) -> LambdaCodeClient:
    botocore_client = botocore.session.get_session().create_client(
        "lambda", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )
    stubber = Stubber(botocore_client)
    for answer in answers:
        if isinstance(answer, tuple):
            stubber.add_client_error("get_function", answer[0], "denied", answer[1])
        else:
            stubber.add_response("get_function", {"Configuration": answer})
    stubber.activate()
    # botocore's stubs type its clients BaseClient; the Lambda client's type is boto3-stubs'.
    return LambdaCodeClient(cast("LambdaClient", botocore_client), clock=clock)


def test_access_denied_raises_at_once(clock: VirtualClock) -> None:
    """A 403 AccessDenied on a poll is a typed LambdaError raised at once."""
    client = _stubbed(clock, ("AccessDeniedException", 403))
    with pytest.raises(LambdaError) as info:
        client.wait_until_updated("fn")
    assert info.value.code == "AccessDeniedException"
    assert clock.sleeps == []


def test_missing_last_update_status_means_done(clock: VirtualClock) -> None:
    """A configuration without LastUpdateStatus has no update in progress."""
    client = _stubbed(clock, {"FunctionName": "fn", "State": "Active"})
    assert client.wait_until_updated("fn").function_name == "fn"


def test_pending_function_becomes_active(simulated_lambda: SimulatedLambda) -> None:
    """wait_until_active follows Pending to Active."""
    sim = simulated_lambda
    sim.create_duration = 3.0
    sim.create_function("fn")
    client: LambdaCodeClient = sim.lambda_code_client()
    polled: list[State | str | None] = []
    config = client.wait_until_active("fn", on_poll=lambda c: polled.append(c.state))
    assert config.state is State.ACTIVE
    assert polled[0] is State.PENDING
    assert 3.0 <= sim.clock.now() <= 3.3


def test_failed_function_raises_with_reason(simulated_lambda: SimulatedLambda) -> None:
    """State Failed raises FunctionFailedError with the StateReasonCode."""
    sim = simulated_lambda
    sim.create_function("fn")
    sim.fail_function("fn", reason_code="SubnetOutOfIPAddresses", reason="no IPs left")
    client: LambdaCodeClient = sim.lambda_code_client()
    with pytest.raises(FunctionFailedError) as info:
        client.wait_until_active("fn")
    assert info.value.reason_code == "SubnetOutOfIPAddresses"
    assert info.value.configuration is not None
    assert "SubnetOutOfIPAddresses" in str(info.value)
    assert "no IPs left" in str(info.value)


def test_inactive_is_returned_not_awaited(clock: VirtualClock) -> None:
    """An Inactive (idle) function is returned at once: only an invocation reactivates it."""
    client = _stubbed(clock, {"FunctionName": "fn", "State": "Inactive"})
    assert client.wait_until_active("fn").state is State.INACTIVE
    assert clock.sleeps == []


def test_activation_timeout(simulated_lambda: SimulatedLambda) -> None:
    """A function that stays Pending past the timeout raises WaitTimeoutError."""
    sim = simulated_lambda
    sim.create_duration = 60.0
    sim.create_function("fn")
    client: LambdaCodeClient = sim.lambda_code_client()
    with pytest.raises(WaitTimeoutError) as info:
        client.wait_until_active("fn", timeout=2.0)
    assert info.value.configuration is not None
    assert info.value.configuration.state is State.PENDING
    assert "activation" in str(info.value)


def test_wait_for_a_published_version(simulated_lambda: SimulatedLambda) -> None:
    """A qualifier waits on that version."""
    sim = simulated_lambda
    sim.create_function("fn")
    client: LambdaCodeClient = sim.lambda_code_client()
    published = client.update_function_code(
        UpdateFunctionCodeRequest(function_name="fn", zip_file=CODE, publish=True)
    )
    assert published.version == "1"
    config = client.wait_until_active("fn", qualifier="1")
    assert config.version == "1"
    assert config.state is State.ACTIVE


def test_delays_start_fast_and_grow_to_the_cap(simulated_lambda: SimulatedLambda) -> None:
    """Poll delays start at about 0.2 s and grow to at most 10 s."""
    sim = simulated_lambda
    client = _updating(sim, duration=300.0)
    before = len(_sleeps(sim))
    client.wait_until_updated("fn", timeout=400)
    delays = _sleeps(sim)[before:]
    assert 0.18 <= delays[0] <= 0.2
    assert max(delays) <= 10.0
    assert max(delays) > 8.0
    assert delays[-1] > delays[0]


def test_wait_policy_delay_is_bounded() -> None:
    """WaitPolicy.delay stays within [initial*(1-jitter), max_delay]."""
    import random

    policy = WaitPolicy(initial_delay=0.5, max_delay=2.0, fraction=0.1, jitter=0.5)
    rng = random.Random(1)
    for waited in (0.0, 1.0, 10.0, 30.0, 1000.0):
        delay = policy.delay(waited, rng)
        assert 0.25 <= delay <= 2.0
    assert WaitPolicy(jitter=0).delay(1000.0, rng) == 10.0
    assert WaitPolicy(jitter=0).delay(30.0, rng) == pytest.approx(3.0)
