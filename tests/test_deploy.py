"""deploy() and deploy_many() end to end on the simulated control plane, in virtual time."""

import base64
import hashlib
import os
import threading
from pathlib import Path

import pytest

from lambda_code import (
    ContainerImage,
    DeployEvent,
    DeployResult,
    DeployTarget,
    DoneEvent,
    LambdaCodeClient,
    LastUpdateStatus,
    PackageError,
    PolledEvent,
    PreconditionFailedException,
    PublishedEvent,
    ReadingEvent,
    RequestValidationError,
    ResourceConflictException,
    ResourceNotFoundException,
    S3Location,
    SkippedEvent,
    State,
    UpdateFailedError,
    UpdatingEvent,
    UploadingEvent,
    WaitTimeoutError,
    ZipPackage,
)
from lambda_code.testing import SimulatedLambda, make_zip


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A small source tree to deploy."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.py").write_text("def handler(event, context):\n    return 'v2'\n")
    return tmp_path / "app"


@pytest.fixture
def sim(simulated_lambda: SimulatedLambda) -> SimulatedLambda:
    """The simulator with one function, ``fn``; every publishing update makes a version."""
    simulated_lambda.reuse_unchanged_versions = False
    simulated_lambda.create_function("fn")
    simulated_lambda.reset_counters()
    return simulated_lambda


@pytest.fixture
def client(sim: SimulatedLambda) -> LambdaCodeClient:
    """A client on the simulator's clock."""
    result: LambdaCodeClient = sim.lambda_code_client()
    return result


def _sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_directory_deploy_updates_and_waits(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Deploying a directory zips it, updates the function and waits for Successful."""
    events: list[DeployEvent] = []
    result = client.deploy("fn", app, on_event=events.append)
    package = ZipPackage.from_directory(app)
    assert result.changed
    assert result.version is None
    assert result.configuration.code_sha256 == package.code_sha256
    assert result.configuration.last_update_status is LastUpdateStatus.SUCCESSFUL
    assert sim.code("fn") == package.data
    kinds = [type(e) for e in events]
    assert kinds[:3] == [ReadingEvent, UploadingEvent, UpdatingEvent]
    assert PolledEvent in kinds
    assert kinds[-1] is DoneEvent
    uploading = next(e for e in events if isinstance(e, UploadingEvent))
    assert uploading.size == package.size
    assert all(e.function_name == "fn" for e in events)
    assert result.elapsed == pytest.approx(sim.clock.now())


def test_unchanged_code_is_skipped(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A second deploy of the same tree sends no update and reports changed=False."""
    client.deploy("fn", app)
    sim.reset_counters()
    events: list[DeployEvent] = []
    result = client.deploy("fn", app, on_event=events.append)
    assert not result.changed
    assert sim.calls["UpdateFunctionCode"] == 0
    assert any(isinstance(e, SkippedEvent) for e in events)


def test_force_updates_unchanged_code(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """skip_unchanged=False sends the update anyway."""
    client.deploy("fn", app)
    result = client.deploy("fn", app, skip_unchanged=False)
    assert result.changed
    assert sim.calls["UpdateFunctionCode"] == 2


def test_architecture_change_is_not_skipped(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Same code but another architecture is an update."""
    client.deploy("fn", app)
    result = client.deploy("fn", app, architectures=["arm64"])
    assert result.changed
    assert result.configuration.architectures == ("arm64",)


def test_publish_publishes_once_and_reuses_the_version(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """publish=True publishes a version; the same code again reuses it, no second version."""
    first = client.deploy("fn", app, publish=True)
    assert first.version == "1"
    assert sim.configuration("fn", "1")["State"] == "Active"
    again = client.deploy("fn", app, publish=True)
    assert not again.changed
    assert again.version == "1"
    assert sim.versions_published["fn"] == 1


def test_publish_of_unchanged_but_unpublished_code(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Unchanged $LATEST that no version has yet is published once (guarded by CodeSha256)."""
    client.deploy("fn", app)
    events: list[DeployEvent] = []
    result = client.deploy("fn", app, publish=True, on_event=events.append)
    assert not result.changed
    assert result.version == "1"
    assert sim.calls["UpdateFunctionCode"] == 1
    assert sim.versions_published["fn"] == 1
    assert any(isinstance(e, PublishedEvent) and e.version == "1" for e in events)


def test_concurrent_change_is_refused(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Someone else updating between our read and our update fails with a clear 412."""

    def meddle(event: DeployEvent) -> None:
        if isinstance(event, UploadingEvent):
            sim.client.update_function_code(FunctionName="fn", ZipFile=make_zip({"x.py": b"1"}))

    with pytest.raises(PreconditionFailedException) as info:
        client.deploy("fn", app, on_event=meddle)
    assert "changed by someone else" in str(info.value)
    assert info.value.status_code == 412
    assert sim.code("fn") == make_zip({"x.py": b"1"})


def test_lost_publish_response_publishes_exactly_once(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A Publish=True update whose answer is lost is found by reading, never re-published."""
    sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
    result = client.deploy("fn", app, publish=True)
    assert result.changed
    assert result.version == "1"
    assert sim.versions_published["fn"] == 1
    assert sim.calls["UpdateFunctionCode"] == 1
    assert sim.errors["ResourceConflictException"] == 0
    assert result.configuration.code_sha256 == ZipPackage.from_directory(app).code_sha256


def test_lost_update_response_without_publish(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A lost answer to a plain update is resolved the same way."""
    sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
    result = client.deploy("fn", app)
    assert result.changed
    assert sim.code("fn") == ZipPackage.from_directory(app).data


def test_lost_publish_response_on_a_long_update(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A lost answer to a 10-minute publishing update is waited out, not retried into 409s."""
    sim.update_duration = 600.0
    sim.add_fault("lost_response", operation="UpdateFunctionCode", calls={1})
    result = client.deploy("fn", app, publish=True, timeout=900)
    assert result.version == "1"
    assert sim.calls["UpdateFunctionCode"] == 1
    assert sim.versions_published["fn"] == 1


def test_unapplied_publish_is_sent_again(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A publishing update that timed out before it applied is sent again, and publishes once."""
    sim.add_fault("read_timeout", operation="UpdateFunctionCode", calls={1})
    result = client.deploy("fn", app, publish=True)
    assert result.version == "1"
    assert sim.calls["UpdateFunctionCode"] == 2
    assert sim.versions_published["fn"] == 1


def test_same_code_refused_with_412_is_someone_elses_change(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Forcing code the function already has, a 412 is still reported, never taken as ours."""
    client.deploy("fn", app)

    def meddle(event: DeployEvent) -> None:
        if isinstance(event, UploadingEvent):
            sim.client.update_function_code(
                FunctionName="fn", ZipFile=ZipPackage.from_directory(app).data
            )

    with pytest.raises(PreconditionFailedException):
        client.deploy("fn", app, skip_unchanged=False, on_event=meddle)


def test_timeout_bounds_retries_too(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A 409 storm cannot stretch a deploy past its timeout."""
    sim.add_fault("conflict", operation="UpdateFunctionCode")
    with pytest.raises(ResourceConflictException):
        client.deploy("fn", app, timeout=5.0)
    assert sim.clock.now() <= 5.0


def test_published_event_without_waiting(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """wait=False still reports the version it published."""
    events: list[DeployEvent] = []
    result = client.deploy("fn", app, publish=True, wait=False, on_event=events.append)
    assert result.version == "1"
    assert [e.version for e in events if isinstance(e, PublishedEvent)] == ["1"]


def test_dry_run_reports_an_architecture_change(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A dry run of unchanged code for another architecture says it would change."""
    client.deploy("fn", app)
    result = client.deploy("fn", app, architectures=["arm64"], dry_run=True)
    assert result.changed
    assert sim.configuration("fn")["Architectures"] == ["x86_64"]


def test_update_in_progress_is_waited_out_first(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A deploy that finds an update in progress waits for it instead of bouncing off 409."""
    sim.update_duration = 30.0
    sim.client.update_function_code(FunctionName="fn", ZipFile=make_zip({"x.py": b"1"}))
    client.deploy("fn", app)
    assert sim.errors["ResourceConflictException"] == 0
    assert sim.clock.now() >= 60.0


def test_too_big_tree_fails_before_any_call(
    sim: SimulatedLambda, client: LambdaCodeClient, tmp_path: Path
) -> None:
    """A tree whose zip exceeds 50 MiB is refused naming S3 staging, with no request sent."""
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "blob.bin").write_bytes(os.urandom(51 * 1024 * 1024))
    # The package itself is valid (it could be staged through S3); the direct upload is not.
    with pytest.raises(PackageError, match="--s3-staging") as caught:
        client.deploy("fn", tmp_path / "big")
    assert "staging=S3Staging" in str(caught.value)
    assert caught.value.path == str(tmp_path / "big")
    assert sum(sim.calls.values()) == 0


def test_bad_function_name_fails_before_any_call(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Request validation happens before the first network call."""
    with pytest.raises(RequestValidationError) as info:
        client.deploy("not a name!", app)
    assert info.value.field == "function_name"
    assert sum(sim.calls.values()) == 0


def test_dry_run_changes_nothing(sim: SimulatedLambda, client: LambdaCodeClient, app: Path) -> None:
    """dry_run sends DryRun, reports it would change, and leaves the function as it was."""
    before = sim.configuration("fn")
    result = client.deploy("fn", app, dry_run=True, publish=True)
    assert result.dry_run
    assert result.changed
    assert result.version is None
    after = sim.configuration("fn")
    assert after["CodeSha256"] == before["CodeSha256"]
    assert after["RevisionId"] == before["RevisionId"]
    assert sim.versions_published["fn"] == 0


def test_no_wait_returns_in_progress(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """wait=False returns as soon as the update is accepted."""
    result = client.deploy("fn", app, wait=False)
    assert result.configuration.last_update_status is LastUpdateStatus.IN_PROGRESS
    assert sim.calls["GetFunction"] == 1


def test_failed_update_raises(sim: SimulatedLambda, client: LambdaCodeClient, app: Path) -> None:
    """An update Lambda fails to apply raises UpdateFailedError with its reason code."""
    sim.fail_next_update(reason_code="InvalidZipFileException", reason="bad zip")
    with pytest.raises(UpdateFailedError) as info:
        client.deploy("fn", app)
    assert info.value.reason_code == "InvalidZipFileException"


def test_failed_update_of_same_code_is_retried_not_skipped(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """After a failed update, the same code is sent again rather than skipped."""
    sim.fail_next_update(reason_code="InternalError", reason="boom")
    with pytest.raises(UpdateFailedError):
        client.deploy("fn", app)
    assert client.deploy("fn", app).changed


def test_timeout_bounds_the_whole_deploy(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """A deploy whose update outlasts the timeout raises WaitTimeoutError at the timeout."""
    sim.update_duration = 1000.0
    with pytest.raises(WaitTimeoutError):
        client.deploy("fn", app, timeout=10.0)
    assert sim.clock.now() == pytest.approx(10.0)


def test_zip_file_path_and_s3_and_image(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path, tmp_path: Path
) -> None:
    """A .zip path, an S3Location and a ContainerImage are all deployable."""
    archive = tmp_path / "code.zip"
    archive.write_bytes(make_zip({"index.py": b"zip"}))
    assert client.deploy("fn", archive).configuration.code_sha256 == _sha(archive.read_bytes())

    data = make_zip({"index.py": b"s3"})
    version = sim.put_s3_object("my-bucket", "code.zip", data)
    result = client.deploy("fn", S3Location("my-bucket", "code.zip", version))
    assert result.configuration.code_sha256 == _sha(data)

    sim.create_function(
        "img",
        package_type="Image",
        image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1",
    )
    image = ContainerImage("123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2", resolve=False)
    assert client.deploy("img", image).changed


def test_missing_function_is_typed(
    sim: SimulatedLambda, client: LambdaCodeClient, app: Path
) -> None:
    """Deploying to a function that does not exist raises ResourceNotFoundException."""
    with pytest.raises(ResourceNotFoundException):
        client.deploy("ghost", app)


# -- deploy_many -------------------------------------------------------------------------------


def test_deploy_many_keeps_order_and_isolates_failures(
    simulated_lambda: SimulatedLambda, app: Path
) -> None:
    """Results come back in input order; a failing target does not stop the others."""
    sim = simulated_lambda
    names = [f"fn-{i}" for i in range(12)]
    for name in names:
        sim.create_function(name)
    sim.fail_next_update("fn-3", reason_code="InvalidRuntime", reason="no")
    targets = [DeployTarget(function_name=n, code=app) for n in names]
    targets.insert(5, DeployTarget(function_name="ghost", code=app))
    events: list[DeployEvent] = []
    lock = threading.Lock()

    def record(event: DeployEvent) -> None:
        with lock:
            events.append(event)

    client: LambdaCodeClient = sim.lambda_code_client()
    results = client.deploy_many(targets, max_concurrency=4, on_event=record)
    assert len(results) == len(targets)
    assert isinstance(results[5], ResourceNotFoundException)
    assert isinstance(results[3], UpdateFailedError)  # fn-3, before the inserted ghost
    ok = [r for r in results if isinstance(r, DeployResult)]
    assert len(ok) == 11
    for target, result in zip(targets, results, strict=True):
        if isinstance(result, DeployResult):
            assert result.configuration.function_name == target.function_name
    assert {e.function_name for e in events} == {t.function_name for t in targets}


def test_deploy_many_rejects_zero_concurrency(client: LambdaCodeClient) -> None:
    """max_concurrency must be at least one."""
    with pytest.raises(ValueError, match="max_concurrency"):
        client.deploy_many([], max_concurrency=0)


def test_active_wait_for_pending_function_before_deploy(
    simulated_lambda: SimulatedLambda, app: Path
) -> None:
    """A function still being created (Pending) is waited for before the update."""
    sim = simulated_lambda
    sim.create_duration = 5.0
    sim.create_function("new")
    client: LambdaCodeClient = sim.lambda_code_client()
    result = client.deploy("new", app)
    assert result.changed
    assert sim.errors["ResourceConflictException"] == 0
    assert sim.configuration("new")["State"] == State.ACTIVE


def test_deploy_many_returns_any_exception_of_one_target(
    simulated_lambda: SimulatedLambda, app: Path
) -> None:
    """An exception from on_event for one function is that function's result, not everyone's."""
    sim = simulated_lambda
    for name in ("a", "b", "c"):
        sim.create_function(name)

    def explode_for_b(event: DeployEvent) -> None:
        if event.function_name == "b":
            raise RuntimeError("progress display broke")

    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=n, code=app) for n in ("a", "b", "c")]
    results = client.deploy_many(targets, on_event=explode_for_b)
    assert isinstance(results[0], DeployResult)
    assert isinstance(results[1], RuntimeError)
    assert isinstance(results[2], DeployResult)
