"""Type-checked only (``mypy --strict tests/typing/api.py``), never run or collected by pytest.

Shows the public API reads well to a type checker: requests, typed response fields with open
enums, typed errors, and a client with its retry policy. ``assert_type`` makes mypy fail if an
annotation drifts.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, assert_type

import botocore.session

from lambda_code import (
    Architecture,
    ContainerImage,
    DeployEvent,
    DeployResult,
    DeployTarget,
    FunctionConfiguration,
    ImageResolutionError,
    LambdaCodeClient,
    LambdaError,
    LastUpdateStatus,
    PackageType,
    RequestValidationError,
    ResourceConflictException,
    RetryPolicy,
    Runtime,
    S3Staging,
    StagingError,
    State,
    TooManyRequestsException,
    UpdateFailedError,
    UpdateFunctionCodeRequest,
    WaitTimeoutError,
    ZipPackage,
    ZipProgress,
)
from lambda_code.models import Layer, TracingConfig, TracingMode

if TYPE_CHECKING:
    import boto3


def build_requests(zip_bytes: bytes, archs: list[str]) -> list[UpdateFunctionCodeRequest]:
    """Each code source, with lists or tuples of architectures (plain strings or enum members)."""
    return [
        UpdateFunctionCodeRequest(function_name="my-function", zip_file=zip_bytes, publish=True),
        UpdateFunctionCodeRequest(
            function_name="arn:aws:lambda:us-east-1:123456789012:function:my-function",
            s3_bucket="my-bucket",
            s3_key="builds/app.zip",
            s3_object_version="v1",
            architectures=[Architecture.ARM64],
            revision_id="abc",
        ),
        UpdateFunctionCodeRequest(
            function_name="my-function",
            image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
            architectures=("x86_64",),
        ),
        UpdateFunctionCodeRequest(function_name="f", zip_file=zip_bytes, architectures=archs),
    ]


def request_wire_form(request: UpdateFunctionCodeRequest) -> dict[str, object]:
    """Requests give botocore's keyword arguments; the fields keep their types."""
    assert_type(request.function_name, str)
    assert_type(request.zip_file, bytes | None)
    assert_type(request.architectures, tuple[Architecture | str, ...] | None)
    assert_type(request.publish, bool)
    return request.to_api()


def describe(config: FunctionConfiguration) -> str:
    """Reading typed fields: open enums are ``Enum | str | None``, timestamps aware datetimes."""
    assert_type(config.state, State | str | None)
    assert_type(config.last_update_status, LastUpdateStatus | str | None)
    assert_type(config.runtime, Runtime | str | None)
    assert_type(config.package_type, PackageType | str | None)
    assert_type(config.last_modified, datetime | None)
    assert_type(config.code_size, int | None)
    assert_type(config.architectures, tuple[Architecture | str, ...] | None)
    if config.state == State.ACTIVE and config.last_update_status != LastUpdateStatus.IN_PROGRESS:
        ready = "ready"
    elif isinstance(config.state, State):
        ready = config.state.value
    else:
        ready = f"unknown state {config.state!r}"
    variables = config.environment.variables if config.environment else None
    names = sorted(variables or {})
    when = config.last_modified.isoformat() if config.last_modified else "never"
    layers = [layer.arn for layer in config.layers or () if layer.arn is not None]
    return f"{config.function_name}: {ready} since {when}; env {names}; layers {layers}"


def nested(config: FunctionConfiguration) -> list[Layer]:
    """Nested shapes and their enums come from ``lambda_code.models``, typed the same way."""
    assert_type(config.tracing_config, TracingConfig | None)
    if config.tracing_config is not None:
        assert_type(config.tracing_config.mode, TracingMode | str | None)
    return list(config.layers or ())


def round_trip(data: dict[str, object]) -> FunctionConfiguration:
    """Parsing a botocore dict gives the model; ``to_api`` a plain dict again."""
    config = FunctionConfiguration.from_api(data)
    assert_type(config, FunctionConfiguration)
    wire = config.to_api()
    assert_type(wire, dict[str, Any])
    return FunctionConfiguration.from_api(wire)


def make_client() -> LambdaCodeClient:
    """A client from the default session with a custom retry policy."""
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=10.0, timeout=120.0)
    return LambdaCodeClient(region_name="eu-west-1", retry=policy)


def from_boto3(session: boto3.Session) -> list[LambdaCodeClient]:
    """A boto3 client or a session (boto3's or botocore's); a Session as the client is refused.

    The ignore is the test: with ``warn_unused_ignores`` (strict), mypy fails here the day it
    stops rejecting a Session passed as ``client``.
    """
    return [
        LambdaCodeClient(session.client("lambda")),
        LambdaCodeClient(session=session),
        LambdaCodeClient(session=botocore.session.get_session(), region_name="eu-west-1"),
        LambdaCodeClient(session),  # type: ignore[arg-type]
    ]


def ship(client: LambdaCodeClient, zip_bytes: bytes) -> FunctionConfiguration | None:
    """Updating and waiting, catching the typed errors with their attributes."""
    try:
        request = UpdateFunctionCodeRequest(function_name="my-function", zip_file=zip_bytes)
    except RequestValidationError as err:
        field: str = err.field
        rule: str = err.rule
        print(f"bad request: {field} {rule}")  # noqa: T201 - an example of user code
        return None

    def on_poll(seen: FunctionConfiguration) -> None:
        print(seen.last_update_status)  # noqa: T201 - an example of user code

    try:
        client.update_function_code(request)
        return client.wait_until_updated("my-function", timeout=60.0, on_poll=on_poll)
    except TooManyRequestsException as err:
        retry_after: float | None = err.retry_after_seconds
        print(f"throttled, retry after {retry_after}")  # noqa: T201 - an example of user code
    except ResourceConflictException as err:
        status: int | None = err.status_code
        print(f"conflict {status}: {err.message}")  # noqa: T201 - an example of user code
    except LambdaError as err:
        code: str = err.code
        request_id: str | None = err.request_id
        print(f"{code} ({request_id})")  # noqa: T201 - an example of user code
    except UpdateFailedError as err:
        reason_code: str | None = err.reason_code
        last: FunctionConfiguration | None = err.configuration
        print(reason_code, last)  # noqa: T201 - an example of user code
    except WaitTimeoutError as err:
        elapsed: float = err.elapsed
        polls: int = err.polls
        print(elapsed, polls)  # noqa: T201 - an example of user code
    return None


async def ship_async(path: str) -> str | None:
    """The async client: the same calls, awaited, with async callbacks where wanted."""
    from lambda_code.aio import AsyncLambdaCodeClient

    async def on_event(event: DeployEvent) -> None:
        print(event.elapsed)  # noqa: T201 - an example of user code

    async with AsyncLambdaCodeClient(region_name="eu-west-1") as client:
        result: DeployResult = await client.deploy(
            "my-function", path, publish=True, on_event=on_event
        )
        results: list[DeployResult | Exception] = await client.deploy_many(
            [DeployTarget(function_name="other", code=path)], max_concurrency=100
        )
        print(len(results))  # noqa: T201 - an example of user code
        config: FunctionConfiguration = await client.wait_until_updated("my-function")
        print(config.code_sha256)  # noqa: T201 - an example of user code
        return result.version


def package_a_tree(path: str, progress: list[ZipProgress]) -> tuple[str, bool, dict[str, str]]:
    """Zip options take one pattern or many, and a callback that returns anything."""
    package = ZipPackage.from_directory(
        path,
        exclude=["tests/", "*.md"],
        ignore_file=None,
        default_excludes=False,
        executable="/bootstrap",
        on_progress=progress.append,
    )
    assert_type(package.fits_direct_upload, bool)
    assert_type(package.native_binaries(), dict[str, str])
    assert_type(progress[-1].bytes, int)
    return package.code_sha256, package.fits_direct_upload, package.native_binaries()


def staging_and_images(error: Exception) -> str | None:
    """S3 staging settings, image resolution, and the errors each raises, typed."""
    staging = S3Staging.parse("s3://my-artifacts/lambda")
    assert_type(staging.bucket, str)
    assert_type(staging.always, bool)
    image = ContainerImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders:live")
    assert_type(image.resolve, bool)
    if isinstance(error, StagingError):
        assert_type(error.code, str | None)
        return error.bucket
    if isinstance(error, ImageResolutionError):
        return error.uri
    return None
