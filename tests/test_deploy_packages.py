"""Real packages through deploy(): S3 staging, image tags pinned to digests, native binaries.

moto's S3, ECR and Lambda answer over real HTTP (moto.server); the fault tests put the
simulator's Lambda in front of moto's S3, so that lost answers can be injected.
"""

import json
import random
import uuid
import zipfile
from typing import Any

import botocore.session
import pytest
from botocore.config import Config

from lambda_code import (
    MAX_ZIP_SIZE,
    CodeMismatchError,
    ContainerImage,
    DeadlineExceededError,
    DeployEvent,
    DeployTarget,
    LambdaCodeClient,
    PackageError,
    RequestValidationError,
    S3Staging,
    StagedEvent,
    UploadingEvent,
    UploadProgressEvent,
    ZipPackage,
)
from lambda_code._package import zip_files
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip
from test_fault_matrix import CLIENTS, deploy_with
from test_images import _manifest

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _package(size: int, seed: int = 0) -> ZipPackage:
    """A zip of ``size`` random (incompressible) bytes, stored: its size is predictable."""
    data = random.Random(seed).randbytes(size)
    return ZipPackage.from_bytes(zip_files({"blob.bin": data}, compression=zipfile.ZIP_STORED))


def _client(service: str, endpoint_url: str) -> Any:
    session = botocore.session.get_session()
    config = Config(retries={"mode": "standard", "total_max_attempts": 3})
    return session.create_client(
        service, region_name=REGION, endpoint_url=endpoint_url, config=config
    )


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _role(iam: Any) -> str:
    name = _unique("role")
    document = json.dumps({"Version": "2012-10-17", "Statement": []})
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"]
    return arn


def _zip_function(moto_server: str) -> str:
    name = _unique("fn")
    _client("lambda", moto_server).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=_role(_client("iam", moto_server)),
        Handler="index.handler",
        Code={"ZipFile": make_zip({"index.py": b"def handler(e, c):\n    return 0\n"})},
    )
    return name


def _bucket(s3: Any, *, versioned: bool = False) -> str:
    bucket = _unique("stage")
    s3.create_bucket(Bucket=bucket)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


# -- staging on moto.server -----------------------------------------------------------------------


def test_a_zip_over_50_mib_is_staged_in_s3_and_deployed(moto_server: str) -> None:
    """The direct-upload limit is no limit with staging: S3, then Lambda, over real HTTP."""
    s3 = _client("s3", moto_server)
    name, bucket = _zip_function(moto_server), _bucket(s3)
    package = _package(MAX_ZIP_SIZE + 1024 * 1024)
    assert not package.fits_direct_upload
    client = LambdaCodeClient(region_name=REGION, endpoint_url=moto_server)
    events: list[DeployEvent] = []

    result = client.deploy(
        name, package, staging=S3Staging(bucket, prefix="lambda/"), on_event=events.append
    )

    assert result.changed
    assert result.configuration.code_sha256 == package.code_sha256
    assert result.staged is not None
    assert result.staged.bucket == bucket
    assert result.staged.key.startswith("lambda/")
    head = s3.head_object(Bucket=bucket, Key=result.staged.key)
    assert head["ContentLength"] == package.size
    progress = [e for e in events if isinstance(e, UploadProgressEvent)]
    assert progress
    assert progress[-1].sent == progress[-1].total == package.size
    assert [e.uploaded for e in events if isinstance(e, StagedEvent)] == [True]

    again = client.deploy(name, package, staging=S3Staging(bucket, prefix="lambda/"))
    assert not again.changed
    assert again.staged is None  # skipped before anything was staged


def test_a_zip_over_the_limit_without_staging_names_both_ways(no_network: list[str]) -> None:
    """The error names the CLI option and the library parameter, before any call."""
    client = LambdaCodeClient(region_name=REGION)
    with pytest.raises(PackageError) as caught:
        client.deploy("fn", _package(MAX_ZIP_SIZE + 1))
    assert "--s3-staging" in str(caught.value)
    assert "staging=" in str(caught.value)
    assert no_network == []


def test_always_stages_small_zips_and_reuses_what_is_there(moto_server: str) -> None:
    """always=True stages every zip; the same content is not uploaded twice."""
    s3 = _client("s3", moto_server)
    name, bucket = _zip_function(moto_server), _bucket(s3)
    client = LambdaCodeClient(region_name=REGION, endpoint_url=moto_server)
    staging = S3Staging(bucket, always=True)
    first, second = _package(1000, seed=1), _package(1000, seed=2)

    def staged(code: ZipPackage) -> list[bool]:
        events: list[DeployEvent] = []
        client.deploy(name, code, staging=staging, on_event=events.append)
        return [e.uploaded for e in events if isinstance(e, StagedEvent)]

    assert staged(first) == [True]
    assert staged(second) == [True]
    assert staged(first) == [False]  # already in S3 with this content: not uploaded again
    config = client.get_function(name)
    assert config.code_sha256 == first.code_sha256


def test_a_bucket_in_another_region_is_refused_before_the_update(moto_server: str) -> None:
    """Lambda reads code only from its own region: the error says where each is."""
    s3 = _client("s3", moto_server)
    name = _zip_function(moto_server)
    bucket = _unique("elsewhere")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    client = LambdaCodeClient(region_name=REGION, endpoint_url=moto_server)
    before = client.get_function(name)
    with pytest.raises(Exception, match="eu-west-1") as caught:
        client.deploy(name, _package(1000), staging=S3Staging(bucket, always=True))
    assert getattr(caught.value, "update_accepted", None) is False
    assert client.get_function(name).revision_id == before.revision_id


# -- staging faults: the simulator's Lambda in front of moto's S3 ---------------------------------


def _staged_simulator(moto_server: str) -> tuple[SimulatedLambda, Any]:
    s3 = _client("s3", moto_server)
    sim = SimulatedLambda(clock=VirtualClock(), reuse_unchanged_versions=False, s3=s3)
    sim.create_function("fn")
    return sim, s3


@pytest.mark.parametrize("kind", CLIENTS)
@pytest.mark.parametrize("fault", ["lost_response", "connection_error", "server_error"])
def test_a_lost_answer_to_a_staged_publishing_update_publishes_once(
    moto_server: str, kind: str, fault: str
) -> None:
    """The CodeSha256 is known locally, so a staged update resolves lost answers like a zip."""
    sim, s3 = _staged_simulator(moto_server)
    package = _package(2000, seed=3)
    staging = S3Staging(_bucket(s3), client=s3, always=True)
    sim.add_fault(fault, operation="UpdateFunctionCode", times=1)  # type: ignore[arg-type]

    result = deploy_with(kind, sim, "fn", package, staging=staging, publish=True)

    assert result.version == "1"
    assert sim.versions_published["fn"] == 1
    assert sim.configuration("fn")["CodeSha256"] == package.code_sha256


@pytest.mark.parametrize("kind", CLIENTS)
def test_an_object_changed_between_upload_and_update_is_a_typed_error(
    moto_server: str, kind: str
) -> None:
    """Someone overwrites the staged key before the update: Lambda takes their code, and the
    deploy says so (update accepted, the CodeSha256 each side has)."""
    sim, s3 = _staged_simulator(moto_server)
    package, other = _package(2000, seed=4), _package(2000, seed=5)
    staging = S3Staging(_bucket(s3), client=s3, always=True)

    def overwrite(event: DeployEvent) -> None:
        if isinstance(event, StagedEvent):
            bucket, _, key = event.location.removeprefix("s3://").partition("/")
            s3.put_object(Bucket=bucket, Key=key, Body=other.data)

    with pytest.raises(CodeMismatchError) as caught:
        deploy_with(kind, sim, "fn", package, staging=staging, on_event=overwrite)
    assert caught.value.update_accepted is True
    assert caught.value.expected == package.code_sha256
    assert caught.value.actual == other.code_sha256


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_versioned_bucket_pins_the_object_uploaded(moto_server: str, kind: str) -> None:
    """With versioning, the update names the version staged: an overwrite cannot slip in."""
    sim, s3 = _staged_simulator(moto_server)
    package, other = _package(2000, seed=6), _package(2000, seed=7)
    staging = S3Staging(_bucket(s3, versioned=True), client=s3, always=True)

    def overwrite(event: DeployEvent) -> None:
        if isinstance(event, StagedEvent):
            bucket, _, key = event.location.removeprefix("s3://").partition("/")
            s3.put_object(Bucket=bucket, Key=key, Body=other.data)

    result = deploy_with(kind, sim, "fn", package, staging=staging, on_event=overwrite)
    assert result.staged is not None
    assert result.staged.version is not None
    assert sim.configuration("fn")["CodeSha256"] == package.code_sha256


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_dry_run_that_would_stage_uploads_nothing(moto_server: str, kind: str) -> None:
    """Lambda cannot check an object that is not there: a dry run says it would update."""
    sim, s3 = _staged_simulator(moto_server)
    package = _package(2000, seed=10)
    bucket = _bucket(s3)
    events: list[DeployEvent] = []
    sim.reset_counters()
    result = deploy_with(
        kind,
        sim,
        "fn",
        package,
        staging=S3Staging(bucket, client=s3, always=True),
        dry_run=True,
        on_event=events.append,
    )
    assert result.dry_run
    assert result.changed
    assert result.staged is None
    assert result.configuration.code_sha256 == package.code_sha256
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0
    assert sim.calls["UpdateFunctionCode"] == 0
    assert not [e for e in events if isinstance(e, UploadingEvent | StagedEvent)]


def test_an_interrupted_upload_is_retried(moto_server: str) -> None:
    """The first PutObject never arrives; the upload is retried and the deploy goes on."""
    sim, s3 = _staged_simulator(moto_server)
    package = _package(2000, seed=8)
    staging = S3Staging(_bucket(s3), client=s3, always=True)
    dropped: list[str] = []

    def drop_first(request: Any, **_: object) -> None:
        if not dropped and request.method == "PUT":
            dropped.append(request.url)
            raise botocore.exceptions.EndpointConnectionError(endpoint_url=request.url)

    s3.meta.events.register_first("before-send.s3.PutObject", drop_first)
    try:
        result = deploy_with("sync", sim, "fn", package, staging=staging)
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", drop_first)
    assert len(dropped) == 1
    assert result.changed
    assert sim.configuration("fn")["CodeSha256"] == package.code_sha256


def test_staging_must_be_an_s3_staging() -> None:
    with pytest.raises(RequestValidationError) as caught:
        DeployTarget(function_name="fn", code=b"", staging="s3://bucket")  # type: ignore[arg-type]
    assert caught.value.field == "staging"


# -- images by tag on moto.server -----------------------------------------------------------------


def make_image_function(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, Any]:
    """An image function on moto whose images live in moto's ECR: (function, tag URI, ecr)."""
    # Without this, moto's CodeSha256 for an image is a hash of the URI string.
    monkeypatch.setenv("MOTO_LAMBDA_STUB_ECR", "false")
    ecr = _client("ecr", moto_server)
    repository = _unique("repo")
    ecr.create_repository(repositoryName=repository)
    ecr.put_image(repositoryName=repository, imageManifest=_manifest("a"), imageTag="live")
    uri = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}:live"
    name = _unique("image-fn")
    _client("lambda", moto_server).create_function(
        FunctionName=name,
        Role=_role(_client("iam", moto_server)),
        PackageType="Image",
        Code={"ImageUri": uri},
    )
    return name, uri, ecr


@pytest.fixture
def image_function(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, Any]:
    return make_image_function(moto_server, monkeypatch)


def test_a_tag_is_deployed_as_the_digest_it_names_now(
    moto_server: str, image_function: tuple[str, str, Any]
) -> None:
    """A re-pushed tag updates the function; the same tag again is skipped; publish once."""
    name, uri, ecr = image_function
    repository = uri.rpartition("/")[2].partition(":")[0]
    client = LambdaCodeClient(region_name=REGION, endpoint_url=moto_server)

    same = client.deploy(name, ContainerImage(uri))
    assert not same.changed  # the function already runs the digest the tag names
    assert same.tag_uri == uri
    assert same.image_uri is not None
    assert "@sha256:" in same.image_uri

    pushed = ecr.put_image(repositoryName=repository, imageManifest=_manifest("b"), imageTag="live")
    digest = pushed["image"]["imageId"]["imageDigest"]
    moved = client.deploy(name, ContainerImage(uri), publish=True)
    assert moved.changed
    assert moved.image_uri == f"{uri.rpartition(':')[0]}@{digest}"
    assert moved.configuration.code_sha256 == digest.removeprefix("sha256:")
    assert moved.version is not None

    again = client.deploy(name, ContainerImage(uri), publish=True)
    assert not again.changed  # the tag still names the digest deployed
    assert again.image_uri == moved.image_uri
    assert again.version == moved.version  # published exactly once


def test_resolve_false_sends_the_tag(
    moto_server: str, image_function: tuple[str, str, Any]
) -> None:
    """resolve=False: no ECR call, the tag goes to Lambda as it is, and is always deployed."""
    name, uri, _ = image_function
    client = LambdaCodeClient(region_name=REGION, endpoint_url=moto_server)
    result = client.deploy(name, ContainerImage(uri, resolve=False))
    assert result.changed
    assert result.image_uri is None
    assert result.tag_uri is None


# -- native binaries ------------------------------------------------------------------------------

_ARM64_LIBRARY = b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x03\x00\xb7\x00" + bytes(44)


@pytest.mark.parametrize("kind", CLIENTS)
def test_a_binary_for_another_architecture_is_refused_before_the_update(kind: str) -> None:
    """An arm64 library in a zip for an x86_64 function: PackageError naming it, nothing sent."""
    sim = SimulatedLambda(clock=VirtualClock())
    sim.create_function("fn")
    package = ZipPackage.from_bytes(make_zip({"index.py": b"x", "_fast.so": _ARM64_LIBRARY}))
    sim.reset_counters()
    with pytest.raises(PackageError) as caught:
        deploy_with(kind, sim, "fn", package)
    assert "_fast.so" in str(caught.value)
    assert sim.calls["UpdateFunctionCode"] == 0
    assert caught.value.update_accepted is False

    result = deploy_with(kind, sim, "fn", package, check_architecture=False)
    assert result.changed
    arm = deploy_with(kind, sim, "fn", package, architectures=["arm64"], skip_unchanged=False)
    assert arm.changed


def test_staging_and_resolving_never_start_past_their_deadline(no_network: list[str]) -> None:
    """Past the deadline nothing is sent: DeadlineExceededError, whatever the S3/ECR client."""
    clock = VirtualClock()
    client = LambdaCodeClient(region_name=REGION, clock=clock)
    late = clock.now() - 1.0
    with pytest.raises(DeadlineExceededError):
        client.stage_zip(_package(100), S3Staging("a-bucket"), deadline=late)
    image = ContainerImage(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:live")
    with pytest.raises(DeadlineExceededError):
        client.resolve_image(image, deadline=late)
    assert no_network == []
