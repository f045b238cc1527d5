"""AsyncLambdaCodeClient: the blocking client's methods, awaited, on an aiobotocore client."""

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiobotocore.session import AioSession, get_session

from lambda_code import (
    ContainerImage,
    DeployEvent,
    DeployResult,
    DeployTarget,
    LambdaCodeClient,
    LambdaCodeError,
    PolledEvent,
    RateLimits,
    RequestValidationError,
    ResourceNotFoundException,
    RetryPolicy,
    S3Staging,
    UpdateFailedError,
    UpdateFunctionCodeRequest,
    UploadProgressEvent,
    WaitPolicy,
    WaitTimeoutError,
    ZipPackage,
)
from lambda_code.aio import AsyncLambdaCodeClient
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip
from test_deploy_packages import _bucket, _package, _staged_simulator, make_image_function

PACKAGE = ZipPackage.from_bytes(make_zip({"index.py": b"def handler(e, c):\n    return 'async'\n"}))


def _on_simulator(
    test: Callable[[SimulatedLambda, AsyncLambdaCodeClient], Awaitable[None]],
    **options: Any,
) -> SimulatedLambda:
    """Run ``test`` with a simulator holding ``fn`` and an async client on its clock."""
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=False, **options)
    sim.create_function("fn")
    sim.reset_counters()

    async def run() -> None:
        async with sim.aio_client() as raw:
            client = AsyncLambdaCodeClient(
                raw, retry=RetryPolicy(jitter=False), wait=WaitPolicy(jitter=0), clock=sim.clock
            )
            await test(sim, client)

    asyncio.run(run())
    return sim


def test_deploy_updates_waits_skips_and_publishes_once() -> None:
    """A deploy updates and waits; the same code is then skipped; a publish makes one version."""

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        first = await client.deploy("fn", PACKAGE)
        assert first.changed
        assert first.configuration.last_update_status == "Successful"
        assert (await client.deploy("fn", PACKAGE)).changed is False
        published = await client.deploy("fn", PACKAGE, publish=True)
        assert published.version == "1"
        assert sim.versions_published["fn"] == 1

    _on_simulator(test)


def test_async_callbacks_are_awaited() -> None:
    """on_event and on_poll may be coroutine functions; each is awaited in order."""
    seen: list[str] = []

    async def on_event(event: DeployEvent) -> None:
        await asyncio.sleep(0)
        seen.append(type(event).__name__)

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        await client.deploy("fn", PACKAGE, on_event=on_event)
        polled: list[str | None] = []

        async def on_poll(config: Any) -> None:
            polled.append(config.last_update_status)

        await client.wait_until_updated("fn", on_poll=on_poll)
        assert polled == ["Successful"]

    _on_simulator(test)
    assert seen[0] == "ReadingEvent"
    assert seen[-1] == "DoneEvent"
    assert "PolledEvent" in seen


def test_typed_errors_and_validation_before_any_call() -> None:
    """Bad input raises RequestValidationError before a call; Lambda's errors are typed."""

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        with pytest.raises(RequestValidationError):
            await client.deploy("fn:1", PACKAGE)
        with pytest.raises(RequestValidationError):
            await client.wait_until_updated("fn", timeout=float("nan"))
        assert sum(sim.calls.values()) == 0
        with pytest.raises(ResourceNotFoundException):
            await client.get_function("ghost")

    _on_simulator(test)


def test_failures_and_timeouts_say_whether_the_update_was_accepted() -> None:
    """An update that fails, or outlasts the timeout, is reported with update_accepted=True."""

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        sim.fail_next_update(reason_code="InvalidImage", reason="no handler")
        with pytest.raises(UpdateFailedError) as failed:
            await client.deploy("fn", PACKAGE)
        assert failed.value.update_accepted is True
        sim.update_duration = 100.0
        with pytest.raises(WaitTimeoutError) as timed_out:
            await client.deploy("fn", ZipPackage.from_bytes(make_zip({"b.py": b"2"})), timeout=5)
        assert timed_out.value.update_accepted is True
        assert sim.clock.now() < 200

    _on_simulator(test)


def test_cancelling_a_deploy_stops_it_and_says_whether_the_update_was_sent() -> None:
    """A cancelled deploy makes no more calls; its CancelledError notes the update's state."""
    notes: list[str] = []

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        sim.update_duration = 60.0
        started = asyncio.Event()

        async def on_event(event: DeployEvent) -> None:
            if isinstance(event, PolledEvent):
                started.set()

        task = asyncio.create_task(client.deploy("fn", PACKAGE, on_event=on_event))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as cancelled:
            await task
        notes.extend(getattr(cancelled.value, "__notes__", []))
        calls = sum(sim.calls.values())
        for _ in range(20):  # let anything left behind run: nothing may call Lambda again
            await asyncio.sleep(0)
        assert sum(sim.calls.values()) == calls

    _on_simulator(test)
    assert notes == [
        (
            "fn: Lambda had accepted the update, which goes on without us: "
            "`lambda-code wait fn` waits for its outcome"
        )
    ]


def test_deploy_many_keeps_order_and_isolates_failures() -> None:
    """A fleet's results come in input order; a missing function fails alone."""

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        sim.create_function("other")
        targets = [
            DeployTarget(function_name=name, code=PACKAGE, wait=False)
            for name in ("fn", "ghost", "other")
        ]
        results = await client.deploy_many(targets, max_concurrency=2)
        assert isinstance(results[0], DeployResult)
        assert isinstance(results[1], ResourceNotFoundException)
        assert isinstance(results[2], DeployResult)
        assert sim.code("other") == PACKAGE.data

    _on_simulator(test, throttling=False)


def test_update_function_code_with_an_async_resolver() -> None:
    """on_unknown_outcome may be a coroutine function; its verdict ends a lost call."""

    async def test(sim: SimulatedLambda, client: AsyncLambdaCodeClient) -> None:
        sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
        looked: list[object] = []

        async def resolve(err: LambdaCodeError) -> Any:
            looked.append(err)
            return await client.get_function("fn")

        request = UpdateFunctionCodeRequest(function_name="fn", zip_file=PACKAGE.data)
        config = await client.update_function_code(request, on_unknown_outcome=resolve)
        assert config.code_sha256 == PACKAGE.code_sha256
        assert len(looked) == 1
        assert sim.calls["UpdateFunctionCode"] == 1

    _on_simulator(test)


def test_a_client_it_creates_is_closed_and_one_it_was_given_is_not(moto_server: str) -> None:
    """As a context manager it creates and closes its own client, never a given one."""

    async def run() -> None:
        async with AsyncLambdaCodeClient(region_name="us-east-1", endpoint_url=moto_server) as c:
            assert c.client is not None
            with pytest.raises(ResourceNotFoundException):
                await c.get_function("missing")
        assert c.client is None
        async with get_session().create_client(
            "lambda", region_name="us-east-1", endpoint_url=moto_server
        ) as raw:
            async with AsyncLambdaCodeClient(raw) as given:
                assert given.client is raw
            assert given.client is raw

    asyncio.run(run())


def test_a_bad_endpoint_is_a_validation_error() -> None:
    """An endpoint aiobotocore cannot parse names endpoint_url, as for the blocking client."""

    async def run() -> None:
        with pytest.raises(RequestValidationError) as caught:
            async with AsyncLambdaCodeClient(region_name="us-east-1", endpoint_url="notaurl"):
                pass
        assert caught.value.field == "endpoint_url"

    asyncio.run(run())


@pytest.fixture
def moto_function(moto_server: str) -> str:
    """A zip function in moto, made through boto3 (an IAM role first, as moto wants)."""
    import boto3

    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=moto_server)
    lam = boto3.client("lambda", region_name="us-east-1", endpoint_url=moto_server)
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    try:
        role = iam.create_role(RoleName="aio-tests", AssumeRolePolicyDocument=policy)
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="aio-tests")
    lam.create_function(
        FunctionName="aio-fn",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.py": b"first"})},
    )
    return "aio-fn"


async def _moto_client(moto_server: str) -> AsyncIterator[AsyncLambdaCodeClient]:
    async with AsyncLambdaCodeClient(region_name="us-east-1", endpoint_url=moto_server) as c:
        yield c


def test_end_to_end_over_http_on_moto(moto_server: str, moto_function: str) -> None:
    """Over real HTTP on moto.server: update, wait, skip, publish once, typed errors."""

    async def run() -> None:
        async for client in _moto_client(moto_server):
            updated = await client.deploy(moto_function, PACKAGE)
            assert updated.changed
            assert updated.configuration.code_sha256 == PACKAGE.code_sha256
            assert (await client.wait_until_updated(moto_function)).code_sha256 == (
                PACKAGE.code_sha256
            )
            assert (await client.deploy(moto_function, PACKAGE)).changed is False
            published = await client.deploy(moto_function, PACKAGE, publish=True)
            assert published.version is not None
            versions = await client.list_versions(moto_function)
            assert [v.version for v in versions].count(published.version) == 1
            with pytest.raises(ResourceNotFoundException):
                await client.deploy("no-such-function", PACKAGE)

    asyncio.run(run())


def test_importing_lambda_code_does_not_import_aiobotocore() -> None:
    """The blocking client never loads aiobotocore; only lambda_code.aio does."""
    code = "import sys, lambda_code; print('aiobotocore' in sys.modules)"
    out = subprocess.run(  # noqa: S603 - this interpreter, on code written here
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_without_the_extra_the_import_error_names_it() -> None:
    """Without aiobotocore, importing lambda_code.aio says which extra to install."""
    code = (
        "import sys; sys.modules['aiobotocore'] = None\n"
        "try:\n    import lambda_code.aio\nexcept ImportError as err:\n    print(err)"
    )
    out = subprocess.run(  # noqa: S603 - this interpreter, on code written here
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "lambda-code[async]" in out.stdout


def test_the_async_client_reports_upload_progress_on_its_loop(moto_server: str) -> None:
    """Progress from s3transfer's threads reaches an async on_event on the event loop."""
    sim, s3 = _staged_simulator(moto_server)
    package = _package(3000, seed=9)
    staging = S3Staging(_bucket(s3), client=s3, always=True)
    seen: list[tuple[int, bool]] = []

    async def on_event(event: DeployEvent) -> None:
        if isinstance(event, UploadProgressEvent):
            asyncio.get_running_loop()  # raises off the loop's thread
            seen.append((event.sent, event.sent == event.total))

    async def run() -> DeployResult:
        async with sim.aio_client() as raw:
            client = AsyncLambdaCodeClient(raw, clock=sim.clock)
            return await client.deploy("fn", package, staging=staging, on_event=on_event)

    result = asyncio.run(run())
    assert result.changed
    assert seen
    assert seen[-1] == (package.size, True)
    assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)


# -- sessions and the client argument ----------------------------------------------------------


def test_an_aio_session_makes_the_client(moto_server: str) -> None:
    """session= takes an AioSession: the client is made from it on entry, retries off."""
    session = AioSession()
    session.set_config_variable("region", "eu-west-3")

    async def run() -> None:
        client = AsyncLambdaCodeClient(session=session, endpoint_url=moto_server)
        assert client.session is session
        async with client:
            assert client.client.meta.region_name == "eu-west-3"
            assert client.client.meta.config.retries["total_max_attempts"] == 1
            with pytest.raises(ResourceNotFoundException):
                await client.get_function("missing")
            assert client.with_rate_limits(RateLimits()).session is session
        assert client.session is session

    asyncio.run(run())


def test_a_wrong_client_or_session_is_a_type_error(moto_server: str) -> None:
    """Each client takes only its own kind of Lambda client and session."""
    import boto3

    blocking = boto3.client("lambda", region_name="us-east-1")
    with pytest.raises(TypeError, match=r"aiobotocore Lambda client.*blocking \(botocore\)"):
        AsyncLambdaCodeClient(blocking)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="pass a session as session="):
        AsyncLambdaCodeClient(AioSession())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a boto3 or botocore session goes to LambdaCodeClient"):
        AsyncLambdaCodeClient(session=boto3.Session())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="session must be an aiobotocore AioSession"):
        AsyncLambdaCodeClient(session="default")  # type: ignore[arg-type]
    # An AioSession is a botocore Session to a type checker: only the run-time check sees it.
    with pytest.raises(TypeError, match=r"goes to lambda_code\.aio\.AsyncLambdaCodeClient"):
        LambdaCodeClient(session=AioSession())
    with pytest.raises(TypeError, match="pass a session as session="):
        LambdaCodeClient(AioSession())  # type: ignore[arg-type]

    async def run() -> None:
        async with get_session().create_client(
            "lambda", region_name="us-east-1", endpoint_url=moto_server
        ) as raw:
            with pytest.raises(TypeError, match=r"not an async \(aiobotocore\) lambda client"):
                LambdaCodeClient(raw)  # type: ignore[arg-type]
        async with get_session().create_client(
            "s3", region_name="us-east-1", endpoint_url=moto_server
        ) as s3:
            with pytest.raises(TypeError, match=r"not an async \(aiobotocore\) s3 client"):
                AsyncLambdaCodeClient(s3)

    asyncio.run(run())


def test_the_async_client_deploys_an_image_tag_as_its_digest(
    moto_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tag is resolved through ECR (in a worker thread), and the digest is deployed."""
    name, uri, _ = make_image_function(moto_server, monkeypatch)

    async def run() -> DeployResult:
        async with AsyncLambdaCodeClient(region_name="us-east-1", endpoint_url=moto_server) as c:
            return await c.deploy(name, ContainerImage(uri), publish=True)

    result = asyncio.run(run())
    assert result.tag_uri == uri
    assert result.image_uri is not None
    assert result.configuration.code_sha256 == result.image_uri.rpartition("@sha256:")[2]
    assert result.version is not None


def test_an_aio_session_signs_s3_and_ecr_too() -> None:
    """The async client's S3 and ECR clients (blocking ones) use its AioSession's keys."""
    session = AioSession()
    session.set_credentials("aio-key", "secret")
    session.set_config_variable("region", "eu-west-3")
    client = AsyncLambdaCodeClient(session=session)
    s3 = client._aux.get("s3", "eu-west-3")
    assert s3._request_signer._credentials.access_key == "aio-key"
