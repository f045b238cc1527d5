"""``deploy``: package → skip if unchanged → guarded update → wait; and ``deploy_many``.

Publishing happens exactly once. The update carries the ``RevisionId`` read first, so if its
answer is lost and the retry is refused with 412, the function is read again: when it carries
our code (and, when publishing, a version newer than the one seen before that has our code),
the first attempt did land and that is the result, never a second publish.
"""

import itertools
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import attrs

from ._enums import LastUpdateStatus, State
from ._errors import LambdaCodeError, PreconditionFailedException, TransportError
from ._models import FunctionConfiguration, UpdateFunctionCodeRequest
from ._package import ContainerImage, S3Location, ZipPackage, code_source
from ._ratelimit import RateLimits

if TYPE_CHECKING:
    from ._client import LambdaCodeClient

__all__ = [
    "CodeInput",
    "DeployEvent",
    "DeployResult",
    "DeployTarget",
    "DoneEvent",
    "PolledEvent",
    "PublishedEvent",
    "ReadingEvent",
    "SkippedEvent",
    "UpdatingEvent",
    "UploadingEvent",
    "deploy",
    "deploy_many",
]

CodeInput = ZipPackage | S3Location | ContainerImage | str | os.PathLike[str]


# -- events ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DeployEvent:
    """Something a deploy did; ``elapsed`` is seconds since it started."""

    function_name: str
    elapsed: float


@attrs.frozen(kw_only=True)
class ReadingEvent(DeployEvent):
    """Reading the function's current code and revision."""


@attrs.frozen(kw_only=True)
class SkippedEvent(DeployEvent):
    """The function already runs this code; no update is sent."""

    code_sha256: str


@attrs.frozen(kw_only=True)
class UploadingEvent(DeployEvent):
    """Sending the code: ``size`` bytes for a zip, None for S3 and images."""

    size: int | None
    code_sha256: str | None
    source: str


@attrs.frozen(kw_only=True)
class UpdatingEvent(DeployEvent):
    """The update was accepted; Lambda is applying it."""

    configuration: FunctionConfiguration


@attrs.frozen(kw_only=True)
class PolledEvent(DeployEvent):
    """A poll while waiting saw this configuration."""

    configuration: FunctionConfiguration

    @property
    def state(self) -> State | str | None:
        """The function's ``State``."""
        return self.configuration.state

    @property
    def last_update_status(self) -> LastUpdateStatus | str | None:
        """The function's ``LastUpdateStatus``."""
        return self.configuration.last_update_status


@attrs.frozen(kw_only=True)
class PublishedEvent(DeployEvent):
    """A version was published (or an identical newest one reused)."""

    version: str


@attrs.frozen(kw_only=True)
class DoneEvent(DeployEvent):
    """The deploy finished."""

    result: "DeployResult"


OnEvent = Callable[[DeployEvent], None]


# -- results -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DeployResult:
    """What a deploy did.

    ``changed`` is False when the code was already there (skipped); ``version`` is the version
    published, if any; with ``dry_run`` nothing changed and ``changed`` says whether it would.
    """

    configuration: FunctionConfiguration
    changed: bool
    version: str | None = None
    elapsed: float = 0.0
    dry_run: bool = False


@attrs.frozen(kw_only=True)
class DeployTarget:
    """One function of a ``deploy_many`` and how to deploy it (as ``deploy``'s arguments)."""

    function_name: str
    code: CodeInput
    publish: bool = False
    dry_run: bool = False
    skip_unchanged: bool = True
    wait: bool = True
    architectures: tuple[str, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(tuple)
    )
    timeout: float = 300.0


# -- deploy ------------------------------------------------------------------------------------


def _request_args(code: ZipPackage | S3Location | ContainerImage) -> dict[str, object]:
    if isinstance(code, ZipPackage):
        return {"zip_file": code.data}
    if isinstance(code, S3Location):
        return {"s3_bucket": code.bucket, "s3_key": code.key, "s3_object_version": code.version}
    return {"image_uri": code.uri}


def _newest_version(versions: Iterable[FunctionConfiguration]) -> FunctionConfiguration | None:
    numbered = [v for v in versions if v.version is not None and v.version.isdigit()]
    return max(numbered, key=lambda v: int(v.version or 0), default=None)


@attrs.define
class _Deploy:
    """One deploy's state, so each step reads as a short method."""

    client: "LambdaCodeClient"
    function_name: str
    code: ZipPackage | S3Location | ContainerImage
    publish: bool
    dry_run: bool
    skip_unchanged: bool
    wait: bool
    architectures: tuple[str, ...] | None
    timeout: float
    on_event: OnEvent | None
    started: float = 0.0

    def elapsed(self) -> float:
        return self.client.clock() - self.started

    def remaining(self) -> float:
        return max(0.0, self.timeout - self.elapsed())

    def emit(self, event_type: type[DeployEvent], **fields: object) -> None:
        if self.on_event is not None:
            self.on_event(
                event_type(function_name=self.function_name, elapsed=self.elapsed(), **fields)
            )

    def on_poll(self, configuration: FunctionConfiguration) -> None:
        self.emit(PolledEvent, configuration=configuration)

    def result(
        self, configuration: FunctionConfiguration, *, changed: bool, version: str | None = None
    ) -> DeployResult:
        result = DeployResult(
            configuration=configuration,
            changed=changed,
            version=version,
            elapsed=self.elapsed(),
            dry_run=self.dry_run,
        )
        self.emit(DoneEvent, result=result)
        return result

    @property
    def expected(self) -> str | None:
        """The CodeSha256 Lambda will report for our code, when it can be known locally."""
        if isinstance(self.code, ZipPackage):
            return self.code.code_sha256
        if isinstance(self.code, ContainerImage) and "@sha256:" in self.code.uri:
            return self.code.uri.rsplit("@sha256:", 1)[1]
        return None

    @property
    def deadline(self) -> float:
        """The time on the client's clock by which the whole deploy must end."""
        return self.started + self.timeout

    def run(self) -> DeployResult:
        self.started = self.client.clock()
        # Validate everything local before the first network call.
        request = UpdateFunctionCodeRequest(
            function_name=self.function_name,
            publish=self.publish,
            dry_run=self.dry_run,
            architectures=self.architectures,
            **_request_args(self.code),  # type: ignore[arg-type]
        )
        current = self.read()
        expected = self.expected
        if self.skip_unchanged and expected is not None and self.unchanged(current, expected):
            self.emit(SkippedEvent, code_sha256=expected)
            version = self.publish_unchanged(current) if self.publish else None
            return self.result(current, changed=False, version=version)

        self.emit(
            UploadingEvent,
            size=self.code.size if isinstance(self.code, ZipPackage) else None,
            code_sha256=expected,
            source=str(self.code.source or "zip")
            if isinstance(self.code, ZipPackage)
            else str(self.code),
        )
        updated = self.update(attrs.evolve(request, revision_id=current.revision_id), current)
        if self.dry_run:
            # Past the skip check, the update would be sent: it would change the function.
            return self.result(updated, changed=True)
        self.emit(UpdatingEvent, configuration=updated)
        version = updated.version if self.publish and updated.version != "$LATEST" else None
        if version is not None:
            self.emit(PublishedEvent, version=version)
        if not self.wait:
            return self.result(updated, changed=True, version=version)
        final = self.client.wait_until_updated(
            self.function_name, timeout=self.remaining(), on_poll=self.on_poll
        )
        if version is not None:
            self.client.wait_until_active(
                self.function_name,
                qualifier=version,
                timeout=self.remaining(),
                on_poll=self.on_poll,
            )
        return self.result(final, changed=True, version=version)

    def read(self) -> FunctionConfiguration:
        """The function as it is now, after any update already in progress has finished."""
        self.emit(ReadingEvent)
        current = self.client.get_function(self.function_name, deadline=self.deadline)
        if current.state == State.PENDING:
            current = self.client.wait_until_active(
                self.function_name, timeout=self.remaining(), on_poll=self.on_poll
            )
        if current.last_update_status == LastUpdateStatus.IN_PROGRESS:
            # Updating now would be refused with 409 until this one finishes.
            current = self.client.wait_until_updated(
                self.function_name, timeout=self.remaining(), on_poll=self.on_poll
            )
        return current

    def unchanged(self, current: FunctionConfiguration, expected: str) -> bool:
        if current.code_sha256 != expected:
            return False
        if current.last_update_status == LastUpdateStatus.FAILED:
            return False  # the same code failed to apply last time: try again
        return self.architectures is None or tuple(current.architectures or ()) == tuple(
            self.architectures
        )

    def update(
        self, request: UpdateFunctionCodeRequest, current: FunctionConfiguration
    ) -> FunctionConfiguration:
        """Send the guarded update; after a lost answer, learn whether it landed before resending.

        Resending at once would meet our own update still in progress (409) for as long as it
        runs, so the deploy first waits for the function to settle, then looks.
        """
        for attempt in itertools.count(1):
            try:
                return self.client._update_code(  # noqa: SLF001 - the deploy owns lost answers
                    request, deadline=self.deadline, retry_transport=False
                )
            except PreconditionFailedException as err:
                landed = self.landed(current)
                if landed is None:
                    raise _someone_else(err, self.function_name) from err
                return landed
            except TransportError:
                if self.dry_run or attempt >= self.client.retry.max_attempts:
                    raise
                settled = self.client.wait_until_updated(
                    self.function_name, timeout=self.remaining(), on_poll=self.on_poll
                )
                landed = self.landed(current, settled)
                if landed is not None:
                    return landed
                if self.publish and self.expected is None:
                    raise  # S3 or an image tag: whether a version was published is unknowable
                request = attrs.evolve(request, revision_id=settled.revision_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def landed(
        self, current: FunctionConfiguration, now: FunctionConfiguration | None = None
    ) -> FunctionConfiguration | None:
        """Our update's result if it was applied after ``current`` was read, else None."""
        expected = self.expected
        # Code that was already there cannot tell whose update landed.
        if expected is None or current.code_sha256 == expected:
            return None
        if now is None:
            now = self.client.get_function(self.function_name, deadline=self.deadline)
        if now.code_sha256 != expected:
            return None
        if not self.publish:
            return now
        # Our version carries our code and was published after the state we read.
        ours = [
            v
            for v in self.client.list_versions(self.function_name, deadline=self.deadline)
            if v.version is not None
            and v.version.isdigit()
            and v.code_sha256 == expected
            and (
                current.last_modified is None
                or (v.last_modified is not None and v.last_modified >= current.last_modified)
            )
        ]
        return min(ours, key=lambda v: int(v.version or 0), default=None)

    def publish_unchanged(self, current: FunctionConfiguration) -> str | None:
        """Publish unchanged code only if the newest version does not already have it."""
        if self.dry_run:
            return None
        newest = _newest_version(
            self.client.list_versions(self.function_name, deadline=self.deadline)
        )
        if newest is not None and newest.code_sha256 == current.code_sha256:
            version = newest.version
        else:
            version = self.client.publish_version(
                self.function_name,
                code_sha256=current.code_sha256,
                revision_id=current.revision_id,
                deadline=self.deadline,
            ).version
        if version is not None:
            self.emit(PublishedEvent, version=version)
            if self.wait:
                self.client.wait_until_active(
                    self.function_name,
                    qualifier=version,
                    timeout=self.remaining(),
                    on_poll=self.on_poll,
                )
        return version


def _someone_else(err: PreconditionFailedException, function_name: str) -> LambdaCodeError:
    return attrs.evolve(
        err,
        message=(
            f"{function_name} was changed by someone else after it was read "
            f"(its RevisionId no longer matches); nothing was deployed. Lambda said: {err.message}"
        ),
    )


def deploy(
    client: "LambdaCodeClient",
    function_name: str,
    code: CodeInput,
    *,
    publish: bool = False,
    dry_run: bool = False,
    skip_unchanged: bool = True,
    wait: bool = True,
    architectures: Iterable[str] | None = None,
    timeout: float = 300.0,
    on_event: OnEvent | None = None,
) -> DeployResult:
    """``LambdaCodeClient.deploy``, whose docstring gives the steps."""
    return _Deploy(
        client=client,
        function_name=function_name,
        code=code_source(code),
        publish=publish,
        dry_run=dry_run,
        skip_unchanged=skip_unchanged,
        wait=wait,
        architectures=tuple(architectures) if architectures is not None else None,
        timeout=timeout,
        on_event=on_event,
    ).run()


def deploy_many(
    client: "LambdaCodeClient",
    targets: Iterable[DeployTarget],
    *,
    max_concurrency: int = 16,
    rate_limits: RateLimits | None = None,
    on_event: OnEvent | None = None,
) -> list[DeployResult | Exception]:
    """Deploy every target concurrently, sharing per-API rate limiters; results in input order.

    Each entry is the target's ``DeployResult`` or the error that stopped it (a
    ``LambdaCodeError`` for anything lambda-code knows; whatever else was raised, such as an
    exception from ``on_event``, otherwise); one function's failure never stops the others.
    ``on_event`` is called from the worker threads. ``rate_limits`` defaults to Lambda's default
    quotas (15 requests/s control plane, 100 requests/s GetFunction); set your account's.
    """
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1 (got {max_concurrency})")
    limited_client = client.with_rate_limits(rate_limits or RateLimits())

    def one(target: DeployTarget) -> DeployResult | Exception:
        try:
            return limited_client.deploy(
                target.function_name,
                target.code,
                publish=target.publish,
                dry_run=target.dry_run,
                skip_unchanged=target.skip_unchanged,
                wait=target.wait,
                architectures=target.architectures,
                timeout=target.timeout,
                on_event=on_event,
            )
        except Exception as err:  # noqa: BLE001 - one target's failure, whatever it is, is its result
            return err

    with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="lambda-code") as pool:
        return list(pool.map(one, list(targets)))
