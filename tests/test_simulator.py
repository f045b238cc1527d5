"""Tests for lambda_code.testing's simulated Lambda control plane.

Every request goes through a real botocore client, so these also check that botocore accepts
and parses what the simulator answers.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from typing import TYPE_CHECKING, Any, cast

import boto3
import botocore.endpoint
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

import lambda_code.testing
from lambda_code import ZipPackage
from lambda_code.testing import (
    CallRecord,
    SimulatedLambda,
    SystemClock,
    VirtualClock,
    _wire,
    make_zip,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

ZIP_A = make_zip({"index.py": b"def handler(event, context):\n    return 'a'\n"})
ZIP_B = make_zip({"index.py": b"def handler(event, context):\n    return 'b'\n"})
ZIP_C = make_zip({"index.py": b"def handler(event, context):\n    return 'c'\n"})
ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0"

# Every test here runs with the network refused: the simulator must answer everything.
pytestmark = pytest.mark.usefixtures("no_network")


def sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def wire(error: ClientError) -> dict[str, Any]:
    """The parsed error response, including modeled members such as retryAfterSeconds."""
    return cast("dict[str, Any]", error.response)


def code_of(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def sim(clock: VirtualClock) -> Iterator[SimulatedLambda]:
    simulator = SimulatedLambda(clock=clock, update_duration=5.0)
    yield simulator
    simulator.detach()


@pytest.fixture
def fn(sim: SimulatedLambda) -> dict[str, Any]:
    return sim.create_function("fn", ZIP_A, environment={"SECRET": "hunter2"})


# -- package surface ---------------------------------------------------------------------------


def test_all_is_sorted_and_exact() -> None:
    """lambda_code.testing exports exactly its public names, sorted."""
    exported = lambda_code.testing.__all__
    assert exported == sorted(exported)
    names = vars(lambda_code.testing)
    public = {name for name in names if name.isidentifier() and not name.startswith("_")}
    assert set(exported) == public


def test_make_zip_is_deterministic() -> None:
    """make_zip gives the same bytes for the same files, whatever the order."""
    assert make_zip({"a": b"1", "b": b"2"}) == make_zip({"b": b"2", "a": b"1"})
    assert make_zip({"a": b"1"}) != make_zip({"a": b"2"})


def test_make_zip_writes_what_from_directory_writes(tmp_path: Path) -> None:
    """make_zip's archive is, byte for byte, the one ZipPackage.from_directory builds."""
    files = {"index.py": b"def handler(event, context):\n    return 1\n", "lib/util.py": b"x = 1\n"}
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o644)
    assert make_zip(files) == ZipPackage.from_directory(tmp_path).data


# -- client and setup --------------------------------------------------------------------------


def test_default_client_has_botocore_retries_off() -> None:
    """A simulator-made client makes one attempt only, so a 500 reaches the caller."""
    simulator = SimulatedLambda()
    simulator.create_function("fn")
    simulator.add_fault("server_error", operation="GetFunctionConfiguration")
    with pytest.raises(ClientError) as info:
        simulator.client.get_function_configuration(FunctionName="fn")
    assert code_of(info.value) == "ServiceException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert simulator.calls["GetFunctionConfiguration"] == 1


def test_attaches_to_a_given_client_and_detaches() -> None:
    """A boto3 client passed in is answered until detach()."""
    client = boto3.client(
        "lambda",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - fake credentials
    )
    simulator = SimulatedLambda(client, region_name="eu-west-1")
    assert simulator.client is client
    created = simulator.create_function("fn")
    assert created["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:fn"
    simulator.detach()

    def canned(**_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"

        class Raw:
            def stream(self, **_: Any) -> Iterator[bytes]:
                yield b'{"FunctionName": "other"}'

        return AWSResponse("https://example.invalid", 200, headers, Raw())

    client.meta.events.register("before-send.lambda", cast("Any", canned))
    answer = client.get_function_configuration(FunctionName="fn")
    assert answer["FunctionName"] == "other"
    assert simulator.calls["GetFunctionConfiguration"] == 0


def test_create_function_reports_code_and_configuration(sim: SimulatedLambda) -> None:
    """CreateFunction computes CodeSha256/CodeSize and echoes what was sent."""
    created = sim.create_function(
        "fn", ZIP_A, environment={"A": "1"}, Description="demo", MemorySize=256, Timeout=30
    )
    assert created["CodeSha256"] == sha(ZIP_A)
    assert created["CodeSize"] == len(ZIP_A)
    assert created["FunctionArn"] == ARN
    assert created["Version"] == "$LATEST"
    assert created["Runtime"] == "python3.12"
    assert created["Handler"] == "index.handler"
    assert created["PackageType"] == "Zip"
    assert created["Architectures"] == ["x86_64"]
    assert created["Environment"] == {"Variables": {"A": "1"}}
    assert (created["Description"], created["MemorySize"], created["Timeout"]) == ("demo", 256, 30)
    assert created["State"] == "Active"
    assert created["LastUpdateStatus"] == "Successful"
    assert created["LastModified"] == "2026-01-01T00:00:00.000+0000"
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert re.fullmatch(r"[0-9a-f-]{36}", created["RevisionId"])


def test_create_function_default_package_is_a_zip(sim: SimulatedLambda) -> None:
    """create_function without bytes deploys a small default zip."""
    created = sim.create_function("fn")
    assert created["CodeSize"] > 0
    assert sim.code("fn")[:2] == b"PK"


def test_last_modified_follows_the_clock(sim: SimulatedLambda, clock: VirtualClock) -> None:
    """LastModified is clock.time() in AWS's millisecond +0000 form."""
    clock.advance(3723.4567)
    created = sim.create_function("fn", ZIP_A)
    assert created["LastModified"] == "2026-01-01T01:02:03.456+0000"


def test_create_existing_function_is_a_conflict(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """Creating a name twice is 409 ResourceConflictException."""
    with pytest.raises(ClientError) as info:
        sim.create_function("fn", ZIP_A)
    assert code_of(info.value) == "ResourceConflictException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_create_zip_function_needs_runtime_and_handler(sim: SimulatedLambda) -> None:
    """A Zip function without Runtime/Handler is 400."""
    with pytest.raises(ClientError) as info:
        sim.client.create_function(FunctionName="fn", Role="r" * 20, Code={"ZipFile": ZIP_A})
    assert code_of(info.value) == "InvalidParameterValueException"


def test_get_function_returns_configuration_code_and_tags(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """GetFunction answers Configuration, an S3 code location and Tags."""
    answer = sim.client.get_function(FunctionName="fn")
    assert answer["Configuration"]["CodeSha256"] == sha(ZIP_A)
    assert answer["Code"]["RepositoryType"] == "S3"
    assert answer["Code"]["Location"].startswith("https://")
    assert answer["Tags"] == {}


def test_create_duration_keeps_function_pending(clock: VirtualClock) -> None:
    """A new function is Pending/Creating for create_duration, and refuses updates meanwhile."""
    simulator = SimulatedLambda(clock=clock, create_duration=3.0)
    created = simulator.create_function("fn", ZIP_A)
    assert (created["State"], created["StateReasonCode"]) == ("Pending", "Creating")
    with pytest.raises(ClientError) as info:
        simulator.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert code_of(info.value) == "ResourceConflictException"
    clock.advance(3.0)
    active = simulator.client.get_function_configuration(FunctionName="fn")
    assert active["State"] == "Active"
    assert "StateReasonCode" not in active
    assert active["RevisionId"] != created["RevisionId"]


# -- update lifecycle --------------------------------------------------------------------------


def test_update_is_in_progress_for_update_duration(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """UpdateFunctionCode is InProgress for update_duration, then Successful without reasons."""
    updated = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert updated["LastUpdateStatus"] == "InProgress"
    assert updated["LastUpdateStatusReason"] == "The function is being updated."
    assert updated["CodeSha256"] == sha(ZIP_B)
    assert updated["CodeSize"] == len(ZIP_B)
    clock.advance(4.9)
    still = sim.client.get_function_configuration(FunctionName="fn")
    assert still["LastUpdateStatus"] == "InProgress"
    clock.advance(0.1)
    done = sim.client.get_function_configuration(FunctionName="fn")
    assert done["LastUpdateStatus"] == "Successful"
    assert "LastUpdateStatusReason" not in done
    assert "LastUpdateStatusReasonCode" not in done
    assert sim.code("fn") == ZIP_B


def test_revision_changes_on_update_and_when_it_completes(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """RevisionId changes with the update and again when the update finishes, as on AWS."""
    updated = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert updated["RevisionId"] != fn["RevisionId"]
    clock.advance(5.0)
    done = sim.client.get_function_configuration(FunctionName="fn")
    assert done["RevisionId"] != updated["RevisionId"]
    again = sim.client.get_function_configuration(FunctionName="fn")
    assert again["RevisionId"] == done["RevisionId"]


def test_update_duration_can_depend_on_the_function(clock: VirtualClock) -> None:
    """A callable update_duration gives each function its own update time."""
    simulator = SimulatedLambda(
        clock=clock, update_duration=lambda name: 10.0 if name == "slow" else 1.0
    )
    for name in ("slow", "quick"):
        simulator.create_function(name, ZIP_A)
        simulator.client.update_function_code(FunctionName=name, ZipFile=ZIP_B)
    clock.advance(1.0)
    quick = simulator.client.get_function_configuration(FunctionName="quick")
    slow = simulator.client.get_function_configuration(FunctionName="slow")
    assert quick["LastUpdateStatus"] == "Successful"
    assert slow["LastUpdateStatus"] == "InProgress"


def test_zero_update_duration_is_successful_at_once(clock: VirtualClock) -> None:
    """With update_duration=0 the update response already says Successful."""
    simulator = SimulatedLambda(clock=clock, update_duration=0.0)
    simulator.create_function("fn", ZIP_A)
    updated = simulator.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert updated["LastUpdateStatus"] == "Successful"


def test_fail_next_update_ends_failed_with_reason(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """fail_next_update makes the next update end Failed with its reason code and reason."""
    sim.fail_next_update(reason_code="InvalidRuntime", reason="Runtime gone.")
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    clock.advance(5.0)
    failed = sim.client.get_function_configuration(FunctionName="fn")
    assert failed["LastUpdateStatus"] == "Failed"
    assert failed["LastUpdateStatusReasonCode"] == "InvalidRuntime"
    assert failed["LastUpdateStatusReason"] == "Runtime gone."
    assert failed["State"] == "Active"
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_C)
    clock.advance(5.0)
    fixed = sim.client.get_function_configuration(FunctionName="fn")
    assert fixed["LastUpdateStatus"] == "Successful"


def test_fail_next_update_can_target_one_function(
    sim: SimulatedLambda, clock: VirtualClock
) -> None:
    """A targeted failure skips updates of other functions."""
    sim.create_function("fn", ZIP_A)
    sim.create_function("other", ZIP_A)
    sim.fail_next_update("fn", reason_code="EniLimitExceeded", reason="No ENIs.")
    sim.client.update_function_code(FunctionName="other", ZipFile=ZIP_B)
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    clock.advance(5.0)
    assert sim.configuration("other")["LastUpdateStatus"] == "Successful"
    assert sim.configuration("fn")["LastUpdateStatusReasonCode"] == "EniLimitExceeded"


def test_fail_function_sets_state_failed(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """fail_function puts State Failed with the reason."""
    sim.fail_function("fn", reason_code="SubnetOutOfIPAddresses", reason="No IPs.")
    config = sim.client.get_function_configuration(FunctionName="fn")
    assert config["State"] == "Failed"
    assert config["StateReasonCode"] == "SubnetOutOfIPAddresses"
    assert config["StateReason"] == "No IPs."


def test_helpers_raise_key_error_for_unknown_functions(sim: SimulatedLambda) -> None:
    """configuration(), code() and fail_function() raise KeyError for unknown functions."""
    with pytest.raises(KeyError):
        sim.configuration("missing")
    with pytest.raises(KeyError):
        sim.code("missing")
    with pytest.raises(KeyError):
        sim.fail_function("missing")


# -- errors ------------------------------------------------------------------------------------


def test_update_during_update_is_409_with_lambdas_message(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """A second update while one is InProgress is 409 naming the function ARN."""
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_C)
    response = wire(info.value)
    assert response["Error"]["Code"] == "ResourceConflictException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert response["Error"]["Message"] == (
        "The operation cannot be performed at this time. "
        f"An update is in progress for resource: {ARN}"
    )
    assert response["Type"] == "User"
    assert response["ResponseMetadata"]["RequestId"]
    assert sim.code("fn") == ZIP_B


def test_publish_during_update_is_409(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """PublishVersion while an update is InProgress is 409."""
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    with pytest.raises(ClientError) as info:
        sim.client.publish_version(FunctionName="fn")
    assert code_of(info.value) == "ResourceConflictException"
    assert sim.versions_published["fn"] == 0


def test_stale_revision_is_412(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """A stale RevisionId on UpdateFunctionCode or PublishVersion is 412."""
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, RevisionId=fn["RevisionId"])
    clock.advance(5.0)
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(
            FunctionName="fn", ZipFile=ZIP_C, RevisionId=fn["RevisionId"]
        )
    assert code_of(info.value) == "PreconditionFailedException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    with pytest.raises(ClientError) as info:
        sim.client.publish_version(FunctionName="fn", RevisionId=fn["RevisionId"])
    assert code_of(info.value) == "PreconditionFailedException"
    current = sim.client.get_function(FunctionName="fn")["Configuration"]["RevisionId"]
    published = sim.client.publish_version(FunctionName="fn", RevisionId=current)
    assert published["Version"] == "1"


def test_publish_with_wrong_code_sha256_is_400(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """PublishVersion with a CodeSha256 other than $LATEST's is refused, as Lambda does (400)."""
    with pytest.raises(ClientError) as info:
        sim.client.publish_version(FunctionName="fn", CodeSha256=sha(ZIP_B))
    assert code_of(info.value) == "InvalidParameterValueException"
    assert "is different from current CodeSHA256 in $LATEST" in str(info.value)
    assert sim.client.publish_version(FunctionName="fn", CodeSha256=sha(ZIP_A))["Version"] == "1"


def test_unknown_function_and_version_are_404(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """Unknown functions, versions and aliases are 404 ResourceNotFoundException."""
    calls: list[Callable[[], object]] = [
        lambda: sim.client.get_function(FunctionName="missing"),
        lambda: sim.client.get_function_configuration(FunctionName="fn", Qualifier="7"),
        lambda: sim.client.get_function(FunctionName="fn:live"),
        lambda: sim.client.update_function_code(FunctionName="missing", ZipFile=ZIP_A),
        lambda: sim.client.publish_version(FunctionName="missing"),
        lambda: sim.client.list_versions_by_function(FunctionName="missing"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as info:
            call()
        assert code_of(info.value) == "ResourceNotFoundException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing" in str(
        info.value
    )


def test_not_a_zip_is_400(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """A ZipFile that is not a zip archive is 400 with Lambda's unzip message."""
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(FunctionName="fn", ZipFile=b"not a zip")
    assert code_of(info.value) == "InvalidParameterValueException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Could not unzip uploaded file" in info.value.response["Error"]["Message"]
    assert sim.code("fn") == ZIP_A


def test_two_code_sources_is_400(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """A zip and an S3 object at once is 400."""
    sim.put_s3_object("bucket", "key.zip", ZIP_B)
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(
            FunctionName="fn", ZipFile=ZIP_B, S3Bucket="bucket", S3Key="key.zip"
        )
    assert code_of(info.value) == "InvalidParameterValueException"


def test_image_functions(sim: SimulatedLambda, clock: VirtualClock) -> None:
    """Image functions hash the URI, report ECR code, and refuse zips; Zip ones refuse images."""
    created = sim.create_function("img", package_type="Image", image_uri=IMAGE)
    assert created["CodeSha256"] == hashlib.sha256(IMAGE.encode()).hexdigest()
    assert created["PackageType"] == "Image"
    assert "Runtime" not in created
    code = sim.client.get_function(FunctionName="img")["Code"]
    assert code["RepositoryType"] == "ECR"
    assert code["ImageUri"] == IMAGE
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(FunctionName="img", ZipFile=ZIP_A)
    assert code_of(info.value) == "InvalidParameterValueException"
    new_image = IMAGE.replace("1.0", "2.0")
    updated = sim.client.update_function_code(FunctionName="img", ImageUri=new_image)
    assert updated["CodeSha256"] == hashlib.sha256(new_image.encode()).hexdigest()
    sim.create_function("zipfn", ZIP_A)
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(FunctionName="zipfn", ImageUri=IMAGE)
    assert code_of(info.value) == "InvalidParameterValueException"


# -- dry run -----------------------------------------------------------------------------------


def test_dry_run_validates_and_changes_nothing(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """DryRun returns the current configuration and changes nothing, but still validates."""
    answer = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, DryRun=True)
    assert answer["CodeSha256"] == sha(ZIP_A)
    assert answer["RevisionId"] == fn["RevisionId"]
    assert answer["LastUpdateStatus"] == "Successful"
    assert sim.code("fn") == ZIP_A
    bad: list[dict[str, Any]] = [
        {"FunctionName": "missing", "ZipFile": ZIP_B},
        {"FunctionName": "fn", "ZipFile": b"junk"},
        {"FunctionName": "fn", "ZipFile": ZIP_B, "RevisionId": "0" * 36},
    ]
    codes = []
    for params in bad:
        with pytest.raises(ClientError) as info:
            sim.client.update_function_code(DryRun=True, **params)
        codes.append(code_of(info.value))
    assert codes == [
        "ResourceNotFoundException",
        "InvalidParameterValueException",
        "PreconditionFailedException",
    ]
    # Nothing was started, so a real update is accepted right away.
    assert sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)["CodeSha256"] == sha(
        ZIP_B
    )


# -- publishing --------------------------------------------------------------------------------


def test_update_with_publish_creates_a_pending_version(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """Publish=True returns a new version, Pending until the update completes, then Active."""
    published = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    assert published["Version"] == "1"
    assert published["FunctionArn"] == f"{ARN}:1"
    assert published["CodeSha256"] == sha(ZIP_B)
    assert published["State"] == "Pending"
    assert sim.versions_published["fn"] == 1
    clock.advance(5.0)
    version = sim.client.get_function_configuration(FunctionName="fn", Qualifier="1")
    assert version["State"] == "Active"
    assert version["LastUpdateStatus"] == "Successful"
    assert sim.code("fn", "1") == ZIP_B


def test_publish_of_a_failing_update_ends_failed(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """A version published with an update that fails ends State Failed."""
    sim.fail_next_update(reason_code="InvalidImage", reason="Bad image.")
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    clock.advance(5.0)
    version = sim.client.get_function_configuration(FunctionName="fn:1")
    assert version["State"] == "Failed"
    assert version["StateReasonCode"] == "InvalidImage"


def test_publish_version_reuses_an_unchanged_latest(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """PublishVersion makes a version, returns it while $LATEST is unchanged, then a new one."""
    first = sim.client.publish_version(FunctionName="fn", Description="first")
    assert (first["Version"], first["Description"]) == ("1", "first")
    assert first["ResponseMetadata"]["HTTPStatusCode"] == 201
    again = sim.client.publish_version(FunctionName="fn")
    assert again["Version"] == "1"
    assert sim.versions_published["fn"] == 1
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    clock.advance(5.0)
    second = sim.client.publish_version(FunctionName="fn")
    assert second["Version"] == "2"
    assert second["CodeSha256"] == sha(ZIP_B)
    assert sim.versions_published["fn"] == 2
    old = sim.client.get_function_configuration(FunctionName="fn", Qualifier="1")
    assert old["CodeSha256"] == sha(ZIP_A)


def test_publish_on_update_reuses_an_unchanged_version(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """Like Lambda, a Publish=True update with the newest version's code returns that version."""
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    clock.advance(5.0)
    second = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    assert second["Version"] == "1"
    assert sim.versions_published["fn"] == 1
    clock.advance(5.0)
    third = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_A, Publish=True)
    assert third["Version"] == "2"


def test_publish_on_update_can_always_make_a_new_version(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """Without Lambda's reuse rule, a second publish of the same code shows as a new version."""
    sim.reuse_unchanged_versions = False
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    clock.advance(5.0)
    second = sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    assert second["Version"] == "2"
    assert sim.versions_published["fn"] == 2


def test_list_versions_pages_with_marker(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """ListVersionsByFunction pages with MaxItems/NextMarker, and botocore's paginator works."""
    for index in range(4):
        sim.client.update_function_code(
            FunctionName="fn", ZipFile=make_zip({"n": bytes([index])}), Publish=True
        )
        clock.advance(5.0)
    first = sim.client.list_versions_by_function(FunctionName="fn", MaxItems=2)
    assert [v["Version"] for v in first["Versions"]] == ["$LATEST", "1"]
    second = sim.client.list_versions_by_function(
        FunctionName="fn", MaxItems=2, Marker=first["NextMarker"]
    )
    assert [v["Version"] for v in second["Versions"]] == ["2", "3"]
    paginator = sim.client.get_paginator("list_versions_by_function")
    pages = list(paginator.paginate(FunctionName="fn", PaginationConfig={"PageSize": 3}))
    assert [v["Version"] for page in pages for v in page["Versions"]] == [
        "$LATEST",
        "1",
        "2",
        "3",
        "4",
    ]
    assert "NextMarker" not in pages[-1]
    with pytest.raises(ClientError) as info:
        sim.client.list_versions_by_function(FunctionName="fn", Marker="bogus")
    assert code_of(info.value) == "InvalidParameterValueException"


# -- names and qualifiers ----------------------------------------------------------------------


def test_function_names_arns_and_qualifiers(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """Bare names, full and partial ARNs and qualifiers all find the same function."""
    sim.client.update_function_code(FunctionName=ARN, ZipFile=ZIP_B, Publish=True)
    clock.advance(5.0)
    latest = ["fn", ARN, "123456789012:function:fn", "fn:$LATEST", f"{ARN}:$LATEST"]
    for name in latest:
        config = sim.client.get_function_configuration(FunctionName=name)
        assert (config["FunctionName"], config["Version"]) == ("fn", "$LATEST")
    for name, qualifier in [("fn:1", None), (f"{ARN}:1", None), ("fn", "1"), ("fn:1", "1")]:
        kwargs = {"Qualifier": qualifier} if qualifier else {}
        config = sim.client.get_function_configuration(FunctionName=name, **kwargs)
        assert config["Version"] == "1"
    assert sim.client.get_function(FunctionName="fn", Qualifier="$LATEST")["Configuration"][
        "Version"
    ] == ("$LATEST")


def test_conflicting_qualifiers_and_foreign_arns(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """A name qualifier differing from Qualifier is 400; another region or account is 404."""
    with pytest.raises(ClientError) as info:
        sim.client.get_function_configuration(FunctionName="fn:1", Qualifier="2")
    assert code_of(info.value) == "InvalidParameterValueException"
    for name in (ARN.replace("us-east-1", "eu-west-1"), "999999999999:function:fn"):
        with pytest.raises(ClientError) as info:
            sim.client.get_function_configuration(FunctionName=name)
        assert code_of(info.value) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as info:
        sim.client.get_function_configuration(FunctionName="not a name!")
    assert code_of(info.value) == "ValidationException"


def test_oversized_request_is_413(sim: SimulatedLambda, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request body above Lambda's request size limit is 413 RequestEntityTooLargeException."""
    monkeypatch.setattr(_wire, "_MAX_REQUEST_BYTES", 100)
    with pytest.raises(ClientError) as info:
        sim.create_function("fn", ZIP_A)
    assert code_of(info.value) == "RequestEntityTooLargeException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


# -- throttling --------------------------------------------------------------------------------


def test_control_plane_is_throttled_with_retry_after(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """Above control_plane_rate (burst one second's worth) requests get 429 with Retry-After."""
    # CreateFunction used one token of the 15.
    for _ in range(14):
        sim.client.get_function_configuration(FunctionName="fn")
    with pytest.raises(ClientError) as info:
        sim.client.get_function_configuration(FunctionName="fn")
    response = wire(info.value)
    assert response["Error"]["Code"] == "TooManyRequestsException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert response["retryAfterSeconds"] == "1"
    assert response["Reason"] == "CallerRateLimitExceeded"
    assert response["Error"]["Message"] == "Rate exceeded"
    assert sim.throttled["GetFunctionConfiguration"] == 1
    # GetFunction has its own, separate quota.
    assert sim.client.get_function(FunctionName="fn")["Configuration"]["FunctionName"] == "fn"
    clock.advance(1.0)
    assert sim.client.get_function_configuration(FunctionName="fn")["FunctionName"] == "fn"


def test_get_function_rate_is_separate_and_configurable(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """GetFunction throttles at get_function_rate, which can be changed after construction."""
    sim.get_function_rate = 3.0
    for _ in range(3):
        sim.client.get_function(FunctionName="fn")
    with pytest.raises(ClientError) as info:
        sim.client.get_function(FunctionName="fn")
    assert code_of(info.value) == "TooManyRequestsException"
    assert sim.throttled == {"GetFunction": 1}
    assert sim.get_function_rate == 3.0


def test_slow_rate_gives_longer_whole_second_retry_after(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """Retry-After is the whole seconds until a token is back, at least 1."""
    sim.control_plane_rate = 0.25
    sim.client.get_function_configuration(FunctionName="fn")
    with pytest.raises(ClientError) as info:
        sim.client.get_function_configuration(FunctionName="fn")
    assert wire(info.value)["retryAfterSeconds"] == "4"


def test_throttling_can_be_switched_off(clock: VirtualClock) -> None:
    """throttling=False never answers 429."""
    simulator = SimulatedLambda(clock=clock, throttling=False)
    simulator.create_function("fn", ZIP_A)
    for _ in range(200):
        simulator.client.get_function_configuration(FunctionName="fn")
    assert simulator.throttled == {}


# -- faults ------------------------------------------------------------------------------------


def test_server_error_fault(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """A server_error fault answers 500 ServiceException."""
    sim.add_fault("server_error", operation="UpdateFunctionCode", times=1)
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert code_of(info.value) == "ServiceException"
    assert wire(info.value)["Type"] == "Service"
    assert sim.code("fn") == ZIP_A
    assert sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)["CodeSha256"] == sha(
        ZIP_B
    )


def test_throttle_fault_carries_retry_after(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """A throttle fault answers 429 with the Retry-After given."""
    sim.add_fault("throttle", operation="GetFunction", retry_after=7)
    with pytest.raises(ClientError) as info:
        sim.client.get_function(FunctionName="fn")
    assert code_of(info.value) == "TooManyRequestsException"
    assert wire(info.value)["retryAfterSeconds"] == "7"
    assert sim.throttled["GetFunction"] == 1


def test_conflict_fault(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """A conflict fault answers 409 ResourceConflictException."""
    sim.add_fault("conflict", operation="PublishVersion")
    with pytest.raises(ClientError) as info:
        sim.client.publish_version(FunctionName="fn")
    assert code_of(info.value) == "ResourceConflictException"
    assert ARN in str(info.value)


def test_connection_error_fault_is_raised_and_not_applied(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """connection_error raises EndpointConnectionError and the update never happens."""
    sim.add_fault("connection_error", operation="UpdateFunctionCode")
    with pytest.raises(EndpointConnectionError):
        sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert sim.code("fn") == ZIP_A
    assert sim.faults_fired["connection_error"] == 1


def test_read_timeout_fault_is_raised_and_not_applied(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """read_timeout raises ReadTimeoutError and the update never happens."""
    sim.add_fault("read_timeout", operation="UpdateFunctionCode")
    with pytest.raises(ReadTimeoutError):
        sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert sim.code("fn") == ZIP_A
    assert sim.history[-1].status is None


def test_lost_response_applies_the_update(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """lost_response applies the request, then the caller sees ReadTimeoutError."""
    sim.reuse_unchanged_versions = False
    sim.add_fault("lost_response", operation="UpdateFunctionCode", times=1)
    with pytest.raises(ReadTimeoutError):
        sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    assert sim.code("fn") == ZIP_B
    assert sim.versions_published["fn"] == 1
    assert sim.configuration("fn")["LastUpdateStatus"] == "InProgress"
    with pytest.raises(ClientError) as info:
        sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    assert code_of(info.value) == "ResourceConflictException"
    assert sim.retries_seen == 1
    clock.advance(5.0)
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B, Publish=True)
    assert sim.retries_seen == 2
    assert sim.versions_published["fn"] == 2


def test_fault_calls_picks_call_numbers(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """calls={2, 4} fails only the 2nd and 4th matching requests."""
    sim.add_fault("server_error", operation="GetFunctionConfiguration", calls={2, 4})
    outcomes = []
    for _ in range(5):
        try:
            sim.client.get_function_configuration(FunctionName="fn")
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(code_of(error))
    assert outcomes == ["ok", "ServiceException", "ok", "ServiceException", "ok"]


def test_fault_times_hits_the_next_n_calls_of_one_function(
    sim: SimulatedLambda, fn: dict[str, Any]
) -> None:
    """times=2 with function_name fails the next two requests for that function only."""
    sim.create_function("other", ZIP_A)
    fault = sim.add_fault("server_error", function_name=ARN, times=2)
    sim.client.get_function_configuration(FunctionName="other")
    for _ in range(2):
        with pytest.raises(ClientError):
            sim.client.get_function_configuration(FunctionName="fn")
    sim.client.get_function_configuration(FunctionName="fn")
    assert fault.fired == 2
    assert sim.errors == {"ServiceException": 2}


def test_fault_rate_is_seeded(clock: VirtualClock) -> None:
    """rate fails about that share of requests, the same ones for the same seed."""

    def pattern(seed: int) -> list[bool]:
        simulator = SimulatedLambda(clock=VirtualClock(), throttling=False, seed=seed)
        simulator.create_function("fn", ZIP_A)
        simulator.add_fault("server_error", operation="GetFunctionConfiguration", rate=0.3)
        hits = []
        for _ in range(100):
            try:
                simulator.client.get_function_configuration(FunctionName="fn")
                hits.append(False)
            except ClientError:
                hits.append(True)
        return hits

    first = pattern(7)
    assert first == pattern(7)
    assert 10 < sum(first) < 50
    assert first != pattern(8)


def test_unknown_fault_kind_is_refused(sim: SimulatedLambda) -> None:
    """add_fault rejects kinds it does not know."""
    with pytest.raises(ValueError, match="unknown fault kind"):
        sim.add_fault(cast("Any", "meteor"))


def test_clear_faults(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """clear_faults removes injected faults and pending update failures."""
    sim.add_fault("server_error")
    sim.clear_faults()
    assert sim.client.get_function(FunctionName="fn")["Configuration"]["FunctionName"] == "fn"


# -- counters ----------------------------------------------------------------------------------


def test_counters_and_history(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """calls, errors, retries_seen and history describe every request; reset_counters clears."""
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    for _ in range(2):
        with pytest.raises(ClientError):
            sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    clock.advance(5.0)
    sim.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    assert sim.calls == {"CreateFunction": 1, "UpdateFunctionCode": 4}
    assert sim.errors == {"ResourceConflictException": 2}
    assert sim.retries_seen == 2
    assert sim.history[0] == CallRecord(0.0, "CreateFunction", "fn", 201)
    assert [(r.time, r.status) for r in sim.history[1:]] == [
        (0.0, 200),
        (0.0, 409),
        (0.0, 409),
        (5.0, 200),
    ]
    assert sim.history[2].error_code == "ResourceConflictException"
    sim.reset_counters()
    assert (sim.calls, sim.errors, sim.history, sim.retries_seen) == ({}, {}, [], 0)


def test_reprs_hide_code_and_environment(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """No repr shows zip bytes or environment values."""
    text = repr(sim) + repr(sim._backend.functions) + repr(sim.history)
    assert "hunter2" not in text
    assert "b'PK" not in text
    assert "fn" in repr(sim)


# -- S3 ----------------------------------------------------------------------------------------


def test_update_from_s3_objects(
    sim: SimulatedLambda, fn: dict[str, Any], clock: VirtualClock
) -> None:
    """S3Bucket/S3Key(/S3ObjectVersion) use the registered object's bytes."""
    first = sim.put_s3_object("bucket", "app.zip", ZIP_B)
    sim.put_s3_object("bucket", "app.zip", ZIP_C, version="v-two")
    updated = sim.client.update_function_code(FunctionName="fn", S3Bucket="bucket", S3Key="app.zip")
    assert updated["CodeSha256"] == sha(ZIP_C)
    clock.advance(5.0)
    pinned = sim.client.update_function_code(
        FunctionName="fn", S3Bucket="bucket", S3Key="app.zip", S3ObjectVersion=first
    )
    assert pinned["CodeSha256"] == sha(ZIP_B)
    assert pinned["CodeSize"] == len(ZIP_B)


def test_missing_or_bad_s3_objects_are_400(sim: SimulatedLambda, fn: dict[str, Any]) -> None:
    """Unknown buckets, keys, versions and non-zip objects are 400 with Lambda's messages."""
    sim.put_s3_object("bucket", "app.zip", ZIP_B)
    sim.put_s3_object("bucket", "junk.zip", b"junk")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"S3Bucket": "nobucket", "S3Key": "app.zip"}, "S3 Error Code: NoSuchBucket"),
        ({"S3Bucket": "bucket", "S3Key": "nokey"}, "S3 Error Code: NoSuchKey"),
        (
            {"S3Bucket": "bucket", "S3Key": "app.zip", "S3ObjectVersion": "nope"},
            "S3 Error Code: NoSuchVersion",
        ),
        ({"S3Bucket": "bucket", "S3Key": "junk.zip"}, "Could not unzip uploaded file"),
    ]
    messages = []
    for params, message in cases:
        with pytest.raises(ClientError) as info:
            sim.client.update_function_code(FunctionName="fn", **params)
        assert code_of(info.value) == "InvalidParameterValueException"
        assert message in info.value.response["Error"]["Message"]
        messages.append(info.value.response["Error"]["Message"])
    assert messages[1] == (
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
        "S3 Error Message: The specified key does not exist."
    )
    assert sim.code("fn") == ZIP_A


# -- network -----------------------------------------------------------------------------------


def test_unroutable_requests_never_reach_the_network(no_network: list[str]) -> None:
    """Operations the simulator does not implement are answered 404, never sent anywhere."""
    session = botocore.session.Session()
    plain = session.create_client(
        "lambda",
        region_name="us-east-1",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - fake credentials
        config=Config(retries={"total_max_attempts": 1}),
    )
    simulator = SimulatedLambda(plain)
    client = simulator.client  # the same client, typed as a Lambda client
    requests: list[Callable[[], object]] = [
        client.list_functions,
        lambda: client.invoke(FunctionName="fn", Payload=b"{}"),
        lambda: client.delete_function(FunctionName="fn"),
    ]
    for request in requests:
        with pytest.raises(ClientError) as info:
            request()
        assert code_of(info.value) == "UnknownOperationException"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert simulator.calls == {"ListFunctions": 1, "Invoke": 1, "DeleteFunction": 1}
    assert no_network == []


# -- threads -----------------------------------------------------------------------------------


def test_many_threads_keep_counters_consistent(clock: VirtualClock) -> None:
    """16 threads updating and publishing their own functions leave exact counters."""
    simulator = SimulatedLambda(clock=clock, update_duration=0.0, throttling=False)
    names = [f"fn{index}" for index in range(16)]
    for name in names:
        simulator.create_function(name, ZIP_A)
    simulator.reset_counters()
    failures: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for index in range(10):
                simulator.client.update_function_code(
                    FunctionName=name, ZipFile=make_zip({"n": bytes([index])}), Publish=True
                )
                simulator.client.get_function(FunctionName=name)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert simulator.calls == {"UpdateFunctionCode": 160, "GetFunction": 160}
    assert len(simulator.history) == 320
    assert simulator.versions_published == dict.fromkeys(names, 10)
    versions = simulator.client.list_versions_by_function(FunctionName="fn3")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", *map(str, range(1, 11))]


def test_concurrent_updates_of_one_function_conflict(clock: VirtualClock) -> None:
    """Of 8 simultaneous updates to one function exactly one wins; the rest get 409."""
    simulator = SimulatedLambda(clock=clock, update_duration=10.0, throttling=False)
    simulator.create_function("fn", ZIP_A)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def update() -> None:
        barrier.wait()
        try:
            simulator.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
            outcome = "ok"
        except ClientError as error:
            outcome = code_of(error)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=update) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ResourceConflictException"] * 7 + ["ok"]


def test_works_with_the_system_clock() -> None:
    """With SystemClock an update stays InProgress for update_duration, then is Successful."""
    duration = 0.2
    clock = SystemClock()
    simulator = SimulatedLambda(clock=clock, update_duration=duration)
    simulator.create_function("fn", ZIP_A)
    sent = clock.now()
    simulator.client.update_function_code(FunctionName="fn", ZipFile=ZIP_B)
    accepted = clock.now()
    statuses: list[str] = []
    while True:
        # The update started between `sent` and `accepted`; each read happens between `before`
        # and `after`. Only what the clock proves is asserted, however late a thread runs.
        before = clock.now()
        status = simulator.configuration("fn")["LastUpdateStatus"]
        after = clock.now()
        statuses.append(status)
        if after - sent < duration:
            assert status == "InProgress", (after - sent, statuses)
        if before - accepted >= duration:
            assert status == "Successful", (before - accepted, statuses)
            break
        clock.sleep(0.01)
    assert set(statuses) <= {"InProgress", "Successful"}
    # Once Successful, it stays so.
    assert "InProgress" not in statuses[statuses.index("Successful") :]
