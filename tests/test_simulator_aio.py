"""Tests for SimulatedLambda answering an aiobotocore client: the same hook, answers and faults.

Each test runs its coroutine with `asyncio.run`, so no pytest plugin is needed and hypothesis
can drive async code later the same way. Time is the simulator's virtual clock: nothing sleeps.
Where a sync twin exists, the aiobotocore client must see exactly what the botocore one sees.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiobotocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from lambda_code.testing import CallRecord, FaultKind, SimulatedLambda, VirtualClock, make_zip
from lambda_code.testing._faults import FAULT_KINDS

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from botocore.awsrequest import AWSPreparedRequest
    from types_aiobotocore_lambda import LambdaClient as AioLambdaClient

T = TypeVar("T")

ZIP_A = make_zip({"index.py": b"def handler(event, context):\n    return 'a'\n"})
ZIP_B = make_zip({"index.py": b"def handler(event, context):\n    return 'b'\n"})
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"


def run(sim: SimulatedLambda, scenario: Callable[[AioLambdaClient], Awaitable[T]]) -> T:
    """Run ``scenario`` on an aiobotocore client attached to ``sim``, in a fresh event loop."""

    async def main() -> T:
        async with sim.aio_client() as client:
            return await scenario(client)

    return asyncio.run(main())


def error_of(
    call: Callable[[AioLambdaClient], Awaitable[object]],
) -> Callable[[AioLambdaClient], Awaitable[Any]]:
    """A scenario that returns the ClientError ``call`` raises (its parsed response)."""

    async def scenario(client: AioLambdaClient) -> Any:
        with pytest.raises(ClientError) as info:
            await call(client)
        return info.value.response

    return scenario


@pytest.fixture
def sim(clock: VirtualClock) -> SimulatedLambda:
    simulator = SimulatedLambda(clock=clock, update_duration=5.0)
    simulator.create_function("fn", ZIP_A)  # through the simulator's own botocore client
    return simulator


# -- the client ----------------------------------------------------------------------------


def test_create_function_through_an_aio_client() -> None:
    """CreateFunction from an aiobotocore client reaches the simulator and is parsed."""
    simulator = SimulatedLambda()

    async def scenario(client: AioLambdaClient) -> Any:
        return await client.create_function(
            FunctionName="fn",
            Role="arn:aws:iam::123456789012:role/lambda-role",
            Runtime="python3.12",
            Handler="index.handler",
            Code={"ZipFile": ZIP_A},
        )

    created = run(simulator, scenario)
    assert created["FunctionArn"] == ARN
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["CodeSize"] == len(ZIP_A)
    assert simulator.code("fn") == ZIP_A
    assert simulator.history == [CallRecord(0.0, "CreateFunction", "fn", 201)]


def test_aio_client_has_fake_credentials_no_profile_and_no_retries(
    sim: SimulatedLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aio_client() reads no AWS profile, signs with fake keys and makes one attempt per call."""
    monkeypatch.setenv("AWS_PROFILE", "a-profile-this-machine-lacks")
    sim.add_fault("server_error", operation="GetFunctionConfiguration")

    signed: list[str] = []

    def record(request: AWSPreparedRequest, **_: Any) -> None:
        signed.append(str(request.headers["Authorization"]))

    async def scenario(client: AioLambdaClient) -> Any:
        client.meta.events.register_first("before-send.lambda", record)
        with pytest.raises(ClientError) as info:
            await client.get_function_configuration(FunctionName="fn")
        return info.value.response

    response = run(sim, scenario)
    assert len(signed) == 1
    assert "Credential=testing/" in signed[0]
    assert response["Error"]["Code"] == "ServiceException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert response["ResponseMetadata"]["RetryAttempts"] == 0
    assert sim.calls["GetFunctionConfiguration"] == 1


def test_a_client_made_with_aiobotocore_is_answered_until_detached() -> None:
    """An aiobotocore client the test made and entered is answered, and not after detach()."""

    async def scenario() -> tuple[SimulatedLambda, Any]:
        session = aiobotocore.session.get_session()
        async with session.create_client("lambda", region_name="eu-west-1") as client:
            simulator = SimulatedLambda(client, region_name="eu-west-1")
            created = await client.create_function(
                FunctionName="fn",
                Role="arn:aws:iam::123456789012:role/lambda-role",
                Runtime="python3.12",
                Handler="index.handler",
                Code={"ZipFile": ZIP_A},
            )
            simulator.detach()
            # Unanswered, the request would go to AWS; the suite's loopback guard stops it.
            with pytest.raises(AssertionError, match=r"tried to reach https://lambda\.eu-west-1\."):
                await client.get_function_configuration(FunctionName="fn")
            return simulator, created

    simulator, created = asyncio.run(scenario())
    assert created["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:fn"
    assert simulator.calls == {"CreateFunction": 1}


def test_concurrent_requests_share_one_simulator(clock: VirtualClock) -> None:
    """Many requests in flight at once on one event loop are each answered and counted."""
    simulator = SimulatedLambda(clock=clock, throttling=False)
    for index in range(20):
        simulator.create_function(f"fn-{index}", ZIP_A)

    async def scenario(client: AioLambdaClient) -> list[str]:
        answers = await asyncio.gather(
            *(client.get_function_configuration(FunctionName=f"fn-{i}") for i in range(20))
        )
        return [answer["FunctionName"] for answer in answers]

    assert run(simulator, scenario) == [f"fn-{index}" for index in range(20)]
    assert simulator.calls["GetFunctionConfiguration"] == 20


# -- the lifecycle ---------------------------------------------------------------------------


def test_update_is_in_progress_then_successful(sim: SimulatedLambda, clock: VirtualClock) -> None:
    """UpdateFunctionCode answers InProgress; Successful once update_duration has passed."""

    async def scenario(client: AioLambdaClient) -> list[str]:
        seen = [(await client.update_function_code(FunctionName="fn", ZipFile=ZIP_B))]
        clock.advance(4.9)
        seen.append(await client.get_function_configuration(FunctionName="fn"))
        clock.advance(0.1)
        seen.append(await client.get_function_configuration(FunctionName="fn"))
        return [answer["LastUpdateStatus"] for answer in seen]

    assert run(sim, scenario) == ["InProgress", "InProgress", "Successful"]
    assert sim.code("fn") == ZIP_B


def test_update_during_an_update_is_409(sim: SimulatedLambda) -> None:
    """A second UpdateFunctionCode while one is in progress is ResourceConflictException."""

    async def update_twice(client: AioLambdaClient) -> object:
        await client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
        return await client.update_function_code(FunctionName="fn", ZipFile=ZIP_A)

    response = run(sim, error_of(update_twice))
    assert response["Error"]["Code"] == "ResourceConflictException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert ARN in response["Error"]["Message"]
    assert sim.code("fn") == ZIP_B


def test_stale_revision_is_412(sim: SimulatedLambda, clock: VirtualClock) -> None:
    """An update guarded by a RevisionId that has since changed is PreconditionFailedException."""
    stale = sim.configuration("fn")["RevisionId"]
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    clock.advance(5.0)

    async def guarded(client: AioLambdaClient) -> object:
        return await client.update_function_code(FunctionName="fn", ZipFile=ZIP_A, RevisionId=stale)

    response = run(sim, error_of(guarded))
    assert response["Error"]["Code"] == "PreconditionFailedException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert sim.code("fn") == ZIP_B


def test_control_plane_throttle_is_429_with_retry_after(sim: SimulatedLambda) -> None:
    """Over control_plane_rate an aiobotocore call gets 429 and a Retry-After it can parse."""
    sim.control_plane_rate = 0.25  # one request in the bucket, the next in four seconds

    async def twice(client: AioLambdaClient) -> object:
        await client.get_function_configuration(FunctionName="fn")
        return await client.get_function_configuration(FunctionName="fn")

    response = run(sim, error_of(twice))
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "4"
    assert response["retryAfterSeconds"] == "4"
    assert sim.throttled["GetFunctionConfiguration"] == 1


# -- faults: each kind, and the same outcome as on a botocore client ------------------------

#: What UpdateFunctionCode raises under each fault kind (an error answer's code, or the
#: transport error's class), the answer's HTTP status, and whether the new code was applied.
FAULT_OUTCOMES: dict[str, tuple[str, int | None, bool]] = {
    "server_error": ("ServiceException", 500, False),
    "throttle": ("TooManyRequestsException", 429, False),
    "conflict": ("ResourceConflictException", 409, False),
    "connection_error": (EndpointConnectionError.__name__, None, False),
    "read_timeout": (ReadTimeoutError.__name__, None, False),
    "lost_response": (ReadTimeoutError.__name__, None, True),
    # Another writer's update lands first, so this one finds an update in progress.
    "concurrent_update": ("ResourceConflictException", 409, False),
    "concurrent_failed_update": ("ResourceConflictException", 409, False),
    # Another writer moves the alias first, so this guarded UpdateAlias is refused.
    "concurrent_alias_change": ("PreconditionFailedException", 412, False),
}


def _faulted_simulator(kind: FaultKind) -> tuple[SimulatedLambda, str, dict[str, Any]]:
    """A simulator with the fault injected, and the request it fails: (method, arguments)."""
    simulator = SimulatedLambda(clock=VirtualClock(), update_duration=5.0)
    simulator.create_function("fn", ZIP_A)
    method, kwargs = "update_function_code", {"FunctionName": "fn", "ZipFile": ZIP_B}
    if kind == "concurrent_alias_change":
        alias = simulator.client.create_alias(
            FunctionName="fn", Name="live", FunctionVersion="$LATEST"
        )
        method = "update_alias"
        kwargs = {"FunctionName": "fn", "Name": "live", "RevisionId": alias["RevisionId"]}
    operation = "".join(part.title() for part in method.split("_"))
    simulator.add_fault(kind, operation=operation, times=1, retry_after=7)
    return simulator, method, kwargs


def _outcome(error: BaseException, simulator: SimulatedLambda) -> dict[str, object]:
    """Everything a caller and the simulator saw, to compare the two clients' runs."""
    return {
        # Modeled errors are classes each client makes; compare them by name.
        "raised": type(error).__name__,
        "message": str(error),
        "response": error.response if isinstance(error, ClientError) else None,
        "history": list(simulator.history),
        "configuration": simulator.configuration("fn"),
        "code": simulator.code("fn"),
    }


def _sync_outcome(kind: FaultKind) -> dict[str, object]:
    simulator, method, kwargs = _faulted_simulator(kind)
    with pytest.raises(Exception) as info:
        getattr(simulator.client, method)(**kwargs)
    return _outcome(info.value, simulator)


def _aio_outcome(kind: FaultKind) -> dict[str, object]:
    simulator, method, kwargs = _faulted_simulator(kind)

    async def scenario(client: AioLambdaClient) -> Exception:
        with pytest.raises(Exception) as info:
            await getattr(client, method)(**kwargs)
        return info.value

    return _outcome(run(simulator, scenario), simulator)


def test_every_fault_kind_has_an_expected_outcome() -> None:
    """The table below covers exactly the simulator's fault kinds."""
    assert set(FAULT_OUTCOMES) == FAULT_KINDS


@pytest.mark.parametrize("kind", sorted(FAULT_OUTCOMES))
def test_fault_reaches_an_aio_client_as_it_reaches_botocore(kind: FaultKind) -> None:
    """Each fault kind raises what botocore raises, with identical answers and history."""
    raised, status, applied = FAULT_OUTCOMES[kind]
    outcome = _aio_outcome(kind)
    assert outcome["raised"] == raised
    if status is not None:
        response = cast("dict[str, Any]", outcome["response"])
        assert response["Error"]["Code"] == raised
        assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert (outcome["code"] == ZIP_B) is applied
    history = cast("list[CallRecord]", outcome["history"])
    assert [record.fault for record in history].count(kind) == 1
    assert outcome == _sync_outcome(kind)


def test_throttle_fault_carries_its_retry_after() -> None:
    """A throttle fault's Retry-After reaches the aiobotocore caller, parsed."""
    response = cast("dict[str, Any]", _aio_outcome("throttle")["response"])
    assert response["retryAfterSeconds"] == "7"
    assert response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "7"


# -- moto.server over real HTTP ------------------------------------------------------------


def test_aio_client_over_http_to_moto_server(moto_server: str) -> None:
    """An aiobotocore client creates, updates and reads a function on moto.server by HTTP."""

    async def scenario() -> tuple[Any, Any, Any]:
        session = aiobotocore.session.get_session()
        async with (
            session.create_client("iam", region_name="us-east-1", endpoint_url=moto_server) as iam,
            session.create_client(
                "lambda", region_name="us-east-1", endpoint_url=moto_server
            ) as lam,
        ):
            role = await iam.create_role(
                RoleName="aio-over-http-role",
                AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
            )
            await lam.create_function(
                FunctionName="aio-over-http",
                Runtime="python3.12",
                Role=role["Role"]["Arn"],
                Handler="index.handler",
                Code={"ZipFile": ZIP_A},
            )
            updated = await lam.update_function_code(FunctionName="aio-over-http", ZipFile=ZIP_B)
            configuration = await lam.get_function_configuration(FunctionName="aio-over-http")
            function = await lam.get_function(FunctionName="aio-over-http")
            return updated, configuration, function

    updated, configuration, function = asyncio.run(scenario())
    digest = base64.b64encode(hashlib.sha256(ZIP_B).digest()).decode()
    assert updated["CodeSha256"] == digest
    assert configuration["CodeSha256"] == digest
    assert configuration["CodeSize"] == len(ZIP_B)
    assert function["Configuration"]["CodeSha256"] == digest
    # moto finishes an update at once (and, unlike Lambda, reports no RevisionId).
    assert configuration["LastUpdateStatus"] == "Successful"
