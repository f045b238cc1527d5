"""wait_until_updated / wait_until_active against the simulated control plane, in virtual time."""

import itertools
import logging
import random
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
    RateLimits,
    ResourceNotFoundException,
    State,
    TooManyRequestsException,
    UpdateFailedError,
    UpdateFunctionCodeRequest,
    UpdateSupersededError,
    WaitPolicy,
    WaitTimeoutError,
)
from lambda_code._waiters import HOLD_FIRST, HOLD_LOOK, Waiter
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


# -- a fleet's waits learn from one another ----------------------------------------------------

OURS = FunctionConfiguration(
    function_name="fn", code_sha256="ours", last_update_status="InProgress"
)
RUNNING = OURS
FINISHED = FunctionConfiguration(
    function_name="fn", code_sha256="ours", last_update_status="Successful"
)


def _learning(clock: VirtualClock) -> Waiter:
    return Waiter(WaitPolicy(jitter=0), clock=clock, learn=True)


def _wait_for_ours(waiter: Waiter) -> Any:
    """A wait for an update just sent (so one that learns), as a deploy starts it."""
    return waiter.updated("fn", lambda _: FINISHED, 300.0, None, OURS)


def _poll_at(clock: VirtualClock, wait: Any, age: float, config: FunctionConfiguration) -> Any:
    """Move to ``age`` of ``wait`` and let it see ``config`` there; returns its verdict."""
    clock.advance(wait.started + age - clock.now())
    assert wait.ready()
    return wait.verdict(config)


def test_before_anything_finished_only_the_oldest_wait_polls(clock: VirtualClock) -> None:
    """The oldest wait polls on the policy; younger ones hold, polling late in case it's slow."""
    waiter = _learning(clock)
    times = waiter.times
    assert times is not None
    oldest, younger = _wait_for_ours(waiter), _wait_for_ours(waiter)
    assert times.due(oldest) == (0.2, False)
    assert times.due(younger) == (HOLD_FIRST * 0.2, True)
    assert times.hold(younger, 0.0) == HOLD_LOOK  # looks again soon: something may finish
    _poll_at(clock, oldest, 0.2, RUNNING)
    assert times.due(oldest) == pytest.approx((0.4, False))
    oldest.ended()  # e.g. it failed: the next oldest takes over
    assert times.due(younger) == (0.2, False)


def test_after_an_update_finished_the_others_poll_just_after_that_age(
    clock: VirtualClock,
) -> None:
    """An update seen running at 1.8 s and finished at 2.0 s: the next ones poll at about 2 s."""
    waiter = _learning(clock)
    times = waiter.times
    assert times is not None
    first = _wait_for_ours(waiter)
    _another = _wait_for_ours(waiter)  # the fleet goes on: what it learns is kept
    assert _poll_at(clock, first, 1.8, RUNNING) is None
    assert _poll_at(clock, first, 2.0, FINISHED) is FINISHED
    second = _wait_for_ours(waiter)
    # A probe halfway from "still running" to "finished", then just after the finish.
    assert times.points == pytest.approx([1.9, 2.01])
    assert times.due(second) == pytest.approx((1.9, False))
    assert _poll_at(clock, second, 1.9, RUNNING) is None
    assert times.due(second) == pytest.approx((2.01, False))
    assert _poll_at(clock, second, 2.01, FINISHED) is FINISHED
    # Still finished at 2.0 at the earliest, but running at 1.9: the next probe is at 1.95.
    assert times.points == pytest.approx([1.95, 2.01])


def test_past_the_learned_ages_polls_spread_out_no_wider_than_the_policy(
    clock: VirtualClock,
) -> None:
    """A slow update among fast ones: polls after the learned age grow apart, as the policy's."""
    waiter = _learning(clock)
    first = _wait_for_ours(waiter)
    _another = _wait_for_ours(waiter)  # the fleet goes on: what it learns is kept
    _poll_at(clock, first, 0.8, RUNNING)
    _poll_at(clock, first, 1.0, FINISHED)
    slow = _wait_for_ours(waiter)
    ages = []
    while True:
        due, _ = waiter.times.due(slow)  # type: ignore[union-attr]
        if due > 60:
            break
        ages.append(due)
        _poll_at(clock, slow, due, RUNNING)
    assert ages[:2] == pytest.approx([0.9, 1.005])  # the probe, then just after the finish
    gaps = [b - a for a, b in itertools.pairwise(ages[1:])]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(gaps))
    policy = WaitPolicy(jitter=0)
    assert gaps[:3] == pytest.approx([0.01, 0.01, 0.02])  # doubling from the learned age
    widest = [policy.delay(age, random.Random()) for age in ages[1:-1]]
    assert all(gap <= most + 1e-9 for gap, most in zip(gaps, widest, strict=True))


def test_a_wait_for_someone_elses_update_does_not_learn(clock: VirtualClock) -> None:
    """Without ``update`` the start of the update is unknown: the policy, nothing learned."""
    waiter = _learning(clock)
    wait = waiter.updated("fn", lambda _: FINISHED, 300.0, None)
    assert wait.times is None


@pytest.mark.parametrize("status", ["InProgress", "Successful"])
def test_a_superseded_update_teaches_nothing(clock: VirtualClock, status: str) -> None:
    """A poll showing other code, running or done, ends the wait and teaches nothing."""
    waiter = _learning(clock)
    wait = _wait_for_ours(waiter)
    theirs = FunctionConfiguration(
        function_name="fn", code_sha256="theirs", last_update_status=status
    )
    with pytest.raises(UpdateSupersededError):
        _poll_at(clock, wait, 0.5, theirs)
    assert waiter.times is not None
    assert waiter.times.points == []


def test_a_failed_update_teaches_how_long_updates_take(clock: VirtualClock) -> None:
    """Failing takes as long as it takes: its age counts."""
    waiter = _learning(clock)
    wait = _wait_for_ours(waiter)
    _another = _wait_for_ours(waiter)  # the fleet goes on: what it learns is kept
    failed = FunctionConfiguration(
        function_name="fn", code_sha256="ours", last_update_status="Failed"
    )
    with pytest.raises(UpdateFailedError):
        _poll_at(clock, wait, 0.7, failed)
    assert waiter.times is not None
    # Never seen running: a probe halfway to it, in case updates finish sooner.
    assert waiter.times.points == pytest.approx([0.35, 0.7035])


def test_a_wait_alone_keeps_the_policy_whatever_a_fleet_learned(clock: VirtualClock) -> None:
    """Learning is for waits that run together: alone, a wait polls on its WaitPolicy."""
    waiter = _learning(clock)
    times = waiter.times
    assert times is not None
    slow, other = _wait_for_ours(waiter), _wait_for_ours(waiter)
    _poll_at(clock, slow, 1.8, RUNNING)
    _poll_at(clock, slow, 2.0, FINISHED)
    assert times.points == pytest.approx([1.9, 2.01])  # learned while ``other`` is under way
    other.ended()
    assert times.points == []  # and forgotten once no wait is
    quick = _wait_for_ours(waiter)
    assert times.due(quick) == (0.2, False)  # the policy's first delay, not 1.9 s
    quick.ended()
    first, second, third = (_wait_for_ours(waiter) for _ in range(3))  # a later fleet
    _poll_at(clock, first, 0.2, RUNNING)
    _poll_at(clock, first, 0.4, FINISHED)
    assert times.points == pytest.approx([0.3, 0.4025])  # from this fleet, not the last one
    assert times.due(second) == pytest.approx((0.3, False))
    third.ended()
    assert times.due(second) == (0.2, False)  # the last one under way: the policy again


def test_deploys_one_after_another_on_a_fleet_client_keep_their_lag(
    simulated_lambda: SimulatedLambda,
) -> None:
    """A slow update, then quick ones, each deployed alone on a client with rate limits."""
    sim = simulated_lambda
    for i in range(3):
        sim.create_function(f"fn-{i}")
    client: LambdaCodeClient = sim.lambda_code_client(rate_limits=RateLimits())
    for i, duration in enumerate([60.0, 0.5, 2.0]):
        sim.update_duration = duration
        result = client.deploy(f"fn-{i}", make_zip({"a.py": b"%d" % i}))
        assert result.changed
        updated = max(r.time for r in sim.history if r.operation == "UpdateFunctionCode")
        lag = sim.clock.now() - (updated + duration)
        assert lag <= max(0.25, 0.1 * duration) + 1e-9, (duration, lag)
