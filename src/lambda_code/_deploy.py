"""``deploy``: package → skip if unchanged → guarded update → wait; and ``deploy_many``.

What a deploy promises, also after lost answers and with other writers:

- it never writes on top of a revision it did not read: the update carries the ``RevisionId``
  read first, also when it is sent again after a lost answer;
- it publishes at most one version: after a lost answer it looks before resending. Any update
  changes the ``RevisionId``, so an unchanged one means nothing landed; a changed one with our
  code (and, when publishing, a version only this deploy could have made) means ours landed;
  anything else is someone else's change, raised as the same conflict as a 412;
- it reports only its own outcome: the wait confirms that the update that finished is ours
  (``UpdateSupersededError`` otherwise), and an update someone else had running when we read
  that then fails is not our failure;
- it ends within its ``timeout``: every call and wait shares one deadline, and a call that
  cannot start before it is not started. An error raised after Lambda accepted the update
  says so (``update_accepted``).
"""

import functools
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeAlias, TypeVar

import attrs

from ._enums import LastUpdateStatus, State
from ._errors import (
    CodeMismatchError,
    LambdaCodeError,
    LambdaError,
    PackageError,
    PreconditionFailedException,
    RequestValidationError,
    ResourceConflictException,
    ResourceNotFoundException,
    UpdateFailedError,
)
from ._events import (
    AliasEvent,
    AliasUpdate,
    DeployEvent,
    DeployResult,
    DoneEvent,
    PolledEvent,
    PublishedEvent,
    ReadingEvent,
    ResolvedEvent,
    SkippedEvent,
    StagedEvent,
    UpdatingEvent,
    UploadingEvent,
    UploadProgressEvent,
)
from ._images import ResolvedImage, needs_resolving
from ._models import AliasConfiguration, FunctionConfiguration, UpdateFunctionCodeRequest
from ._native import check_architecture
from ._package import ContainerImage, S3Location, ZipPackage, code_source
from ._ratelimit import RateLimits
from ._staging import S3Staging, StagedObject, staging_key
from ._types import Clock, CodeInput, OnEvent, OnPoll
from ._validation import (
    LATEST,
    MAX_ZIP_SIZE,
    check_alias_name,
    check_bool,
    check_callable,
    check_count,
    check_duration,
    check_function_name,
    check_instance,
    unqualified_name,
)

if TYPE_CHECKING:
    from ._retry import OnUnknownOutcome


class Fleetable(Protocol):
    """What ``fleet`` needs of a client: its limits, and a copy with others."""

    rate_limits: RateLimits | None

    def with_rate_limits(self, rate_limits: RateLimits) -> Any: ...


class Clocked(Protocol):
    """Anything with the ``Clock`` a deploy measures its timeout on: every client."""

    clock: Clock


class DeployCalls(Protocol):
    """What a deploy needs of a client: the calls it makes, on one clock.

    ``LambdaCodeClient`` is one; a deploy never reaches past these.
    """

    clock: Clock
    rate_limits: RateLimits | None

    def get_function(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration: ...

    def update_function_code(
        self,
        request: UpdateFunctionCodeRequest,
        *,
        deadline: float | None = None,
        on_unknown_outcome: "OnUnknownOutcome[FunctionConfiguration] | None" = None,
    ) -> FunctionConfiguration: ...

    def publish_version(
        self,
        function_name: str,
        *,
        code_sha256: str | None = None,
        revision_id: str | None = None,
        description: str | None = None,
        deadline: float | None = None,
    ) -> FunctionConfiguration: ...

    def list_versions(
        self, function_name: str, *, deadline: float | None = None
    ) -> list[FunctionConfiguration]: ...

    def wait_until_updated(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: OnPoll | None = None,
        update: FunctionConfiguration | None = None,
    ) -> FunctionConfiguration: ...

    def wait_until_active(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: OnPoll | None = None,
    ) -> FunctionConfiguration: ...

    def get_alias(
        self, function_name: str, name: str, *, deadline: float | None = None
    ) -> AliasConfiguration: ...

    def create_alias(
        self, function_name: str, name: str, version: str, *, deadline: float | None = None
    ) -> AliasConfiguration: ...

    def update_alias(
        self,
        function_name: str,
        name: str,
        version: str,
        *,
        revision_id: str | None = None,
        deadline: float | None = None,
    ) -> AliasConfiguration: ...

    def stage_zip(
        self,
        package: ZipPackage,
        staging: S3Staging,
        *,
        region: str,
        on_progress: Callable[[int, int], object] | None = None,
        deadline: float | None = None,
    ) -> StagedObject: ...

    def resolve_image(
        self, image: ContainerImage, *, deadline: float | None = None
    ) -> ResolvedImage: ...

    def with_rate_limits(self, rate_limits: RateLimits) -> "DeployCalls": ...


__all__ = [
    "DEFAULT_CONCURRENCY",
    "Call",
    "DeployCalls",
    "DeploySteps",
    "DeployTarget",
    "Done",
    "Effect",
    "Emit",
    "Outcome",
    "PollEvents",
    "Steps",
    "StepsOf",
    "advance",
    "deploy",
    "deploy_many",
    "fleet",
    "interrupted_note",
    "prepared",
    "run_steps",
]


# -- steps and their driver --------------------------------------------------------------------
#
# A deploy's steps are written once, as a generator that yields what it needs done: a ``Call``
# of the client it runs on, or an event to ``Emit``. A driver performs each and sends back the
# result (or throws in the error), so that one implementation of the steps runs on any client
# whose calls it can perform, blocking or not.


@attrs.frozen
class Call:
    """A call the steps need: ``getattr(client, name)(*args, **kwargs)``.

    Two kinds of keyword value stand for what only a driver can provide: ``PollEvents`` for an
    ``on_poll`` that turns each configuration into an event, and ``Steps`` for a callback that
    runs further steps.
    """

    name: str
    args: tuple[object, ...] = ()
    kwargs: dict[str, object] = attrs.field(factory=dict)


@attrs.frozen
class Emit:
    """An event for ``on_event``."""

    event: DeployEvent


@attrs.frozen
class PollEvents:
    """A callback (``on_poll``, ``on_progress``) that hands ``make(*args)`` to ``on_event``."""

    make: Callable[..., DeployEvent]


@attrs.frozen
class Steps:
    """A callback that runs further steps: ``start(argument)`` gives them."""

    start: "Callable[[Any], StepsOf[Any]]"


Effect: TypeAlias = Call | Emit
T = TypeVar("T")
C = TypeVar("C", bound="Fleetable")
StepsOf: TypeAlias = Generator[Effect, Any, T]


@attrs.frozen
class Done(Generic[T]):
    """The steps ended with ``value``."""

    value: T


def advance(steps: StepsOf[T], value: object, error: BaseException | None) -> Effect | Done[T]:
    """Resume ``steps`` with the last effect's result (or error): the next effect, or Done."""
    try:
        return steps.throw(error) if error is not None else steps.send(value)
    except StopIteration as stop:
        return Done(stop.value)


#: What performing an effect gave: its value, or the error to throw into the steps.
Outcome: TypeAlias = tuple[object, BaseException | None]


def run_steps(steps: StepsOf[T], client: object, on_event: OnEvent | None) -> T:
    """Drive ``steps`` to their end on a blocking ``client``."""
    outcome: Outcome = (None, None)
    while not isinstance(step := advance(steps, *outcome), Done):
        outcome = _outcome(_perform, step, client, on_event)
    return step.value


def _outcome(perform: Callable[..., object], *args: object) -> Outcome:
    try:
        return perform(*args), None
    except Exception as err:  # noqa: BLE001 - thrown into the steps, which decide
        return None, err


def _perform(effect: Effect, client: object, on_event: OnEvent | None) -> object:
    if isinstance(effect, Emit):
        return None if on_event is None else on_event(effect.event)
    kwargs = prepared(
        effect, on_event, functools.partial(run_steps, client=client, on_event=on_event)
    )
    return getattr(client, effect.name)(*effect.args, **kwargs)


def prepared(
    effect: Call, on_event: Callable[[DeployEvent], object] | None, run: Callable[..., object]
) -> dict[str, object]:
    """``effect``'s keyword arguments, with what stood for a driver's callbacks filled in.

    ``run(steps)`` runs nested steps with the driver's own loop (blocking or awaited).
    """
    kwargs = dict(effect.kwargs)
    for key, value in effect.kwargs.items():
        if isinstance(value, PollEvents):
            kwargs[key] = None if on_event is None else _chain(value.make, on_event)
        elif isinstance(value, Steps):
            kwargs[key] = _chain(value.start, run)
    return kwargs


def _chain(first: Callable[..., Any], then: Callable[[Any], T]) -> Callable[..., T]:
    return lambda *arguments: then(first(*arguments))


def _flag(_: object, attribute: "attrs.Attribute[bool]", value: object) -> None:
    check_bool(value, field=attribute.name)


def _function_name(_: object, __: "attrs.Attribute[str]", value: str) -> None:
    check_function_name(value, code_update=True)


def _timeout(_: object, __: "attrs.Attribute[float]", value: float) -> None:
    # wait=False, not a zero timeout, is how a deploy does not wait.
    check_duration(value, field="timeout", allow_zero=False)


def _code_repr(code: object) -> str:
    # Zip bytes are code, and may hold secrets: their size only.
    if isinstance(code, bytes | bytearray | memoryview):
        return f"<{len(code)} bytes>"
    return repr(code)


def _alias(_: object, __: "attrs.Attribute[str | None]", value: str | None) -> None:
    check_alias_name(value)


def _staging(_: object, __: "attrs.Attribute[S3Staging | None]", value: object) -> None:
    if value is not None:
        check_instance(value, S3Staging, field="staging")


def _architectures(value: Iterable[str] | None) -> tuple[str, ...] | None:
    # Validated with the request; a bare string is kept whole so that it is refused there.
    return value if value is None or isinstance(value, str) else tuple(value)  # type: ignore[return-value]


@attrs.frozen(kw_only=True)
class DeployTarget:
    """One deploy's settings (``deploy``'s arguments), validated on construction.

    ``function_name`` may be a name, partial ARN or ARN, bare or with ``:$LATEST``: code
    updates go to ``$LATEST``, so any other qualifier is refused. ``timeout`` is finite and
    > 0 (``wait=False`` is how not to wait). ``code`` is checked when the deploy starts, before
    any call, so that a fleet's packages are not all built up front.
    """

    function_name: str = attrs.field(validator=_function_name)
    code: CodeInput = attrs.field(repr=_code_repr)
    publish: bool = attrs.field(default=False, validator=_flag)
    dry_run: bool = attrs.field(default=False, validator=_flag)
    skip_unchanged: bool = attrs.field(default=True, validator=_flag)
    wait: bool = attrs.field(default=True, validator=_flag)
    architectures: tuple[str, ...] | None = attrs.field(default=None, converter=_architectures)
    timeout: float = attrs.field(default=300.0, validator=_timeout)
    alias: str | None = attrs.field(default=None, validator=_alias)
    staging: S3Staging | None = attrs.field(default=None, validator=_staging)
    check_architecture: bool = attrs.field(default=True, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.alias is not None and not self.publish:
            raise RequestValidationError(
                field="alias", rule="needs publish=True: an alias points at a published version"
            )
        if self.alias is not None and not self.wait:
            raise RequestValidationError(
                field="alias", rule="needs wait=True: the alias moves once the version is Active"
            )


# -- deploy ------------------------------------------------------------------------------------


def _request_args(
    code: ZipPackage | S3Location | ContainerImage, staging: S3Staging | None
) -> dict[str, object]:
    if isinstance(code, ZipPackage):
        if staging is None:
            return {"zip_file": code.data}
        # The key is the content's, so the request is known before anything is uploaded.
        return {
            "s3_bucket": staging.bucket,
            "s3_key": staging_key(staging.prefix, code.code_sha256),
        }
    if isinstance(code, S3Location):
        return {"s3_bucket": code.bucket, "s3_key": code.key, "s3_object_version": code.version}
    return {"image_uri": code.uri}


def _staging_for(code: object, staging: S3Staging | None) -> S3Staging | None:
    """The staging a zip goes through, if any; a zip too big for the request needs one."""
    if not isinstance(code, ZipPackage):
        return None
    if staging is not None and staging.stages(code):
        return staging
    if not code.fits_direct_upload:
        raise PackageError(
            message=f"the zip archive is {code.size:,} bytes, over the 50 MiB "
            f"({MAX_ZIP_SIZE:,} bytes) limit for a direct upload: stage it in S3 with "
            "--s3-staging s3://bucket/folder (CLI) or staging=S3Staging('bucket') (library)",
            path=code.source,
        )
    return None


def _region(config: FunctionConfiguration) -> str | None:
    """The function's region, from its ARN (arn:aws:lambda:<region>:...)."""
    parts = (config.function_arn or "").split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _numbered(version: FunctionConfiguration) -> bool:
    return version.version is not None and version.version.isdigit()


def _newest_version(versions: Iterable[FunctionConfiguration]) -> FunctionConfiguration | None:
    return max(filter(_numbered, versions), key=lambda v: int(v.version or 0), default=None)


def _same_code(version: FunctionConfiguration, latest: FunctionConfiguration) -> bool:
    """Whether publishing ``latest`` would give ``version`` back: same code, same architecture."""
    return version.code_sha256 == latest.code_sha256 and tuple(
        version.architectures or ()
    ) == tuple(latest.architectures or ())


#: What differs between a version and $LATEST whatever their content: which one it is, and
#: where each is in its lifecycle.
_PER_VERSION: Final = frozenset(
    {
        "FunctionArn",
        "Version",
        "LastModified",
        "RevisionId",
        "MasterArn",
        "State",
        "StateReason",
        "StateReasonCode",
        "LastUpdateStatus",
        "LastUpdateStatusReason",
        "LastUpdateStatusReasonCode",
    }
)


def _same_content(version: FunctionConfiguration, latest: FunctionConfiguration) -> bool:
    """Whether ``version`` holds what ``latest`` holds: code and configuration alike."""
    ours, theirs = version.to_api(), latest.to_api()
    return {k: v for k, v in ours.items() if k not in _PER_VERSION} == {
        k: v for k, v in theirs.items() if k not in _PER_VERSION
    }


@attrs.define
class DeploySteps:
    """One deploy's state, so each step reads as a short method."""

    client: Clocked
    target: DeployTarget
    code: ZipPackage | S3Location | ContainerImage | None = None
    started: float = 0.0
    #: The configuration the update is based on: its RevisionId guards the update.
    base: FunctionConfiguration | None = None
    #: The versions that existed before a publishing update, to tell which one it made.
    versions_before: list[FunctionConfiguration] | None = None
    #: Whether Lambda accepted our change: False, True, or None once an answer was lost and no
    #: look has found it since (a lost request may still be carried out later).
    accepted: bool | None = False
    #: The conflict this deploy raised, so that it is not wrapped a second time.
    raised_conflict: PreconditionFailedException | None = None
    #: The image tag resolved, and where the zip was staged.
    image: ResolvedImage | None = None
    staged: StagedObject | None = None

    @property
    def name(self) -> str:
        """The function, without ``:$LATEST``: every call of the deploy names it so."""
        return unqualified_name(self.target.function_name)

    def elapsed(self) -> float:
        return self.client.clock.now() - self.started

    def remaining(self) -> float:
        return max(0.0, self.target.timeout - self.elapsed())

    @property
    def deadline(self) -> float:
        """The time on the client's clock by which the whole deploy must end."""
        return self.started + self.target.timeout

    def emit(self, event_type: type[DeployEvent], **fields: object) -> Emit:
        return Emit(
            event_type(function_name=self.target.function_name, elapsed=self.elapsed(), **fields)
        )

    def polled(self, configuration: FunctionConfiguration) -> DeployEvent:
        return PolledEvent(
            function_name=self.target.function_name,
            elapsed=self.elapsed(),
            configuration=configuration,
        )

    def call(self, name: str, *args: object, **kwargs: object) -> Call:
        """A call of the client; waits report their polls as events."""
        if name.startswith("wait_until_"):
            kwargs["on_poll"] = PollEvents(self.polled)
        return Call(name, args, kwargs)

    def result(
        self,
        configuration: FunctionConfiguration,
        *,
        changed: bool,
        published: FunctionConfiguration | None = None,
    ) -> StepsOf[DeployResult]:
        """The deploy's result, after pointing the alias at the published version if asked."""
        alias = None
        if self.target.alias is not None and (published is not None or self.target.dry_run):
            alias = yield from self.point_alias(published.version if published else None)
        result = DeployResult(
            configuration=configuration,
            changed=changed,
            version=published.version if published is not None else None,
            elapsed=self.elapsed(),
            dry_run=self.target.dry_run,
            published=published,
            alias=alias,
            previous=self.base,
            image_uri=self.image.uri if self.image is not None else None,
            tag_uri=self.image.tag_uri if self.image is not None else None,
            staged=self.staged.location if self.staged is not None else None,
        )
        yield self.emit(DoneEvent, result=result)
        return result

    @property
    def expected(self) -> str | None:
        """The CodeSha256 Lambda will report for our code, when it can be known locally."""
        if isinstance(self.code, ZipPackage):
            return self.code.code_sha256
        if isinstance(self.code, ContainerImage) and "@sha256:" in self.code.uri:
            return self.code.uri.rsplit("@sha256:", 1)[1]
        return None

    def steps(self) -> StepsOf[DeployResult]:
        """The whole deploy; any error it raises says whether Lambda accepted the update."""
        self.started = self.client.clock.now()
        try:
            return (yield from self._steps())
        except LambdaCodeError as err:
            err.update_accepted = self.accepted
            raise

    def _steps(self) -> StepsOf[DeployResult]:
        target = self.target
        request, staging = yield from self.prepare()
        code = self.code
        self.base = current = yield from self.read()
        expected = self.expected
        if target.skip_unchanged and expected is not None and self.unchanged(current, expected):
            yield self.emit(SkippedEvent, code_sha256=expected)
            published = (yield from self.publish_unchanged(current)) if target.publish else None
            return (yield from self.result(current, changed=False, published=published))

        if isinstance(code, ZipPackage) and target.check_architecture:
            check_architecture(code, target.architectures or current.architectures or ("x86_64",))
        if staging is not None and isinstance(code, ZipPackage) and target.dry_run:
            # Nothing is uploaded, and Lambda cannot check an object not there yet.
            would = attrs.evolve(current, code_sha256=expected, code_size=code.size)
            return (yield from self.result(would, changed=True))
        yield self.emit(
            UploadingEvent,
            size=code.size if isinstance(code, ZipPackage) else None,
            code_sha256=expected,
            source=str(code.source or "zip") if isinstance(code, ZipPackage) else str(code),
        )
        if staging is not None and isinstance(code, ZipPackage):
            request = yield from self.stage(code, staging, current, request)
        if target.publish and not target.dry_run:
            # After a lost answer, the version this update made is one that did not exist
            # before it, or, when Lambda reused the newest one (nothing changed since it), that.
            self.versions_before = yield self.call(
                "list_versions", self.name, deadline=self.deadline
            )
        updated = yield from self.update(attrs.evolve(request, revision_id=current.revision_id))
        if target.dry_run:
            # Past the skip check, the update would be sent: it would change the function. A
            # dry run's answer need not show the new code; the package's is known here.
            if isinstance(code, ZipPackage):
                updated = attrs.evolve(updated, code_sha256=expected, code_size=code.size)
            return (yield from self.result(updated, changed=True))
        return (yield from self.finish(updated))

    def finish(self, updated: FunctionConfiguration) -> StepsOf[DeployResult]:
        """After Lambda accepted the update: check it, and wait for it (and the version)."""
        target, expected = self.target, self.expected
        self.accepted = True
        if self.staged is not None and updated.code_sha256 != expected:
            raise CodeMismatchError(
                function_name=self.name,
                location=str(self.staged.location),
                expected=str(expected),
                actual=updated.code_sha256,
            )
        yield self.emit(UpdatingEvent, configuration=updated)
        # With Publish, the update's answer describes the version it published.
        published = updated if target.publish and updated.version != LATEST else None
        if published is not None:
            yield self.emit(PublishedEvent, version=published.version)
        if not target.wait:
            return (yield from self.result(updated, changed=True, published=published))
        final = yield self.call(
            "wait_until_updated", self.name, timeout=self.remaining(), update=updated
        )
        if published is not None:
            published = yield self.call(
                "wait_until_active",
                self.name,
                qualifier=published.version,
                timeout=self.remaining(),
            )
        return (yield from self.result(final, changed=True, published=published))

    def prepare(self) -> StepsOf[tuple[UpdateFunctionCodeRequest, S3Staging | None]]:
        """The request, everything local validated before the first call; a tag resolved."""
        target = self.target
        self.code = code = code_source(target.code)
        staging = _staging_for(code, target.staging)
        request = UpdateFunctionCodeRequest(
            function_name=self.name,
            publish=target.publish,
            dry_run=target.dry_run,
            architectures=target.architectures,
            **_request_args(code, staging),  # type: ignore[arg-type]
        )
        if isinstance(code, ContainerImage) and needs_resolving(code):
            # A tag names whatever was pushed last: deploy the digest it names now.
            self.image = yield self.call("resolve_image", code, deadline=self.deadline)
            yield self.emit(ResolvedEvent, tag_uri=code.uri, uri=self.image.uri)
            self.code = ContainerImage(self.image.uri, resolve=False)
            request = attrs.evolve(request, image_uri=self.code.uri)
        return request, staging

    def stage(
        self,
        package: ZipPackage,
        staging: S3Staging,
        current: FunctionConfiguration,
        request: UpdateFunctionCodeRequest,
    ) -> StepsOf[UpdateFunctionCodeRequest]:
        """Put the zip in S3 (unless it is there already); the request then names its version."""
        self.staged = staged = yield self.call(
            "stage_zip",
            package,
            staging,
            region=_region(current),
            on_progress=PollEvents(self.upload_progress),
            deadline=self.deadline,
        )
        yield self.emit(StagedEvent, location=str(staged.location), uploaded=staged.uploaded)
        # In a versioned bucket the version pins exactly the object uploaded.
        return attrs.evolve(request, s3_object_version=staged.location.version)

    def upload_progress(self, sent: int, total: int) -> DeployEvent:
        return UploadProgressEvent(
            function_name=self.target.function_name, elapsed=self.elapsed(), sent=sent, total=total
        )

    def read(self) -> StepsOf[FunctionConfiguration]:
        """The function as it is now, after any update already in progress has finished."""
        yield self.emit(ReadingEvent)
        current = yield self.call("get_function", self.name, deadline=self.deadline)
        if current.state == State.PENDING:
            current = yield self.call("wait_until_active", self.name, timeout=self.remaining())
        if current.last_update_status == LastUpdateStatus.IN_PROGRESS:
            # Updating now would be refused with 409 until this one finishes.
            try:
                current = yield self.call("wait_until_updated", self.name, timeout=self.remaining())
            except UpdateFailedError as err:
                # Someone else's update failed: Lambda keeps the previous code, and the
                # function is free to update.
                if err.configuration is None:
                    raise
                current = err.configuration
        return current  # type: ignore[no-any-return]

    def unchanged(self, current: FunctionConfiguration, expected: str) -> bool:
        if current.code_sha256 != expected:
            return False
        if current.last_update_status == LastUpdateStatus.FAILED:
            return False  # the same code failed to apply last time: try again
        return self.our_architectures(current)

    def our_architectures(self, config: FunctionConfiguration) -> bool:
        wanted = self.target.architectures
        return wanted is None or tuple(config.architectures or ()) == tuple(wanted)

    def update(self, request: UpdateFunctionCodeRequest) -> StepsOf[FunctionConfiguration]:
        """Send the guarded update; an unknown outcome is resolved before anything is resent."""
        try:
            updated: FunctionConfiguration = yield self.call(
                "update_function_code",
                request,
                deadline=self.deadline,
                on_unknown_outcome=Steps(self.after_unknown_outcome),
            )
        except PreconditionFailedException as err:
            if err is self.raised_conflict or self.target.dry_run:
                raise
            if self.accepted is None:
                # A request whose answer was lost can be carried out after our look: the 412
                # may be our own update having landed since. Look again.
                now = yield self.call("get_function", self.name, deadline=self.deadline)
                landed = yield from self.landed(now, cause=err)
                if landed is not None:
                    return landed
            raise self.conflict(err) from err
        except LambdaCodeError as err:
            if err.may_have_taken_effect and not self.target.dry_run:
                self.accepted = None
            raise
        return updated

    def after_unknown_outcome(self, err: LambdaCodeError) -> StepsOf[FunctionConfiguration | None]:
        """Whether our update landed, after an attempt that failed without saying: ``landed``."""
        if self.target.dry_run:
            return None  # a dry run changes nothing: asking again is safe
        self.accepted = None
        try:
            # Resending at once would meet our own update in progress (409): let it settle.
            now = yield self.call("wait_until_updated", self.name, timeout=self.remaining())
        except UpdateFailedError as failed:
            if failed.configuration is None:
                raise
            now = failed.configuration  # whose failure it is, landed() tells
        return (yield from self.landed(now, cause=err))

    def landed(
        self, now: FunctionConfiguration, *, cause: LambdaCodeError
    ) -> StepsOf[FunctionConfiguration | None]:
        """Our update's result if it was applied; None if nothing changed since our read.

        Any update changes the RevisionId, so an unchanged one means ours did not land and
        sending it again (guarded by the same RevisionId) is safe. A changed one carrying other
        code means someone else changed the function after our read: that is the same conflict
        as a 412, and never a reason to send our update on top of theirs.
        """
        assert self.base is not None  # noqa: S101 - set by steps() before any update
        if now.revision_id == self.base.revision_id:
            return None
        expected = self.expected
        if expected is None:
            raise cause  # S3 or an image tag: whose code the function now has is unknowable
        if now.code_sha256 != expected or not self.our_architectures(now):
            raise self.conflict(cause)
        if not self.target.publish:
            return now
        versions = yield self.call("list_versions", self.name, deadline=self.deadline)
        ours = self.our_version(versions, expected, now)
        if ours is None:
            raise self.conflict(cause)  # our code, but no version: not from our update
        return ours

    def our_version(
        self, versions: list[FunctionConfiguration], expected: str, now: FunctionConfiguration
    ) -> FunctionConfiguration | None:
        """The version our publishing update made, among ``versions``, given ``now`` is ours.

        A version that did not exist before the update and holds our code is ours. If there
        is none, Lambda may have reused the newest version, as it does when nothing changed
        since it: then that one is the update's answer.
        """
        before = self.versions_before or []
        known = {v.version for v in before}
        new = [
            v
            for v in versions
            if _numbered(v) and v.version not in known and v.code_sha256 == expected
        ]
        if new:
            return min(new, key=lambda v: int(v.version or 0))
        newest = _newest_version(before)
        if newest is not None and _same_code(newest, now):
            return newest
        return None

    def conflict(self, cause: LambdaCodeError) -> PreconditionFailedException:
        message = (
            f"{self.name} was changed by someone else after it was read (its RevisionId no "
            "longer matches); this deploy did not overwrite that change"
        )
        if isinstance(cause, LambdaError):
            message += f". Lambda said: {cause.message}"
        error = PreconditionFailedException(
            code="PreconditionFailedException",
            message=message,
            status_code=412 if isinstance(cause, PreconditionFailedException) else None,
            request_id=cause.request_id if isinstance(cause, LambdaError) else None,
            operation="UpdateFunctionCode",
        )
        error.__cause__ = cause
        self.raised_conflict = error
        return error

    def publish_unchanged(
        self, current: FunctionConfiguration
    ) -> StepsOf[FunctionConfiguration | None]:
        """The newest version when it holds this code and configuration; else publish one.

        A configuration change since the newest version (memory, environment, layers) needs a
        new version, as Lambda's own rule says; the publish is guarded by the CodeSha256 and
        RevisionId read, so a resend after a lost answer publishes nothing more.
        """
        versions = yield self.call("list_versions", self.name, deadline=self.deadline)
        newest = _newest_version(versions)
        if newest is not None and _same_content(newest, current):
            published = newest
        elif self.target.dry_run:
            return None  # a real run would publish one
        else:
            try:
                published = yield self.call(
                    "publish_version",
                    self.name,
                    code_sha256=current.code_sha256,
                    revision_id=current.revision_id,
                    deadline=self.deadline,
                )
            except LambdaCodeError as err:
                if err.may_have_taken_effect:
                    self.accepted = None
                raise
            self.accepted = True
        if self.target.dry_run:
            return published
        yield self.emit(PublishedEvent, version=str(published.version))
        if self.target.wait:
            published = yield self.call(
                "wait_until_active",
                self.name,
                qualifier=published.version,
                timeout=self.remaining(),
            )
        return published

    def point_alias(self, version: str | None) -> StepsOf[AliasUpdate]:
        """Point the alias at ``version`` (None: the one a dry run would publish).

        Guarded by the alias's RevisionId, so a concurrent change to it is not overwritten.
        Sending again after a lost answer meets our own change (409 "already exists" or 412):
        reading the alias tells ours from someone else's.
        """
        name = self.target.alias
        assert name is not None  # noqa: S101 - only called with an alias
        try:
            before = yield self.call("get_alias", self.name, name, deadline=self.deadline)
        except ResourceNotFoundException:
            before = None
        previous = before.function_version if before is not None else None
        if before is not None and previous == version:
            action = "unchanged"
        else:
            action = "created" if before is None else "updated"
            if version is not None and not self.target.dry_run:
                yield from self.move_alias(name, version, before)
        update = AliasUpdate(name=name, version=version, action=action, previous=previous)
        yield self.emit(AliasEvent, alias=update)
        return update

    def move_alias(
        self, name: str, version: str, before: AliasConfiguration | None
    ) -> StepsOf[None]:
        try:
            if before is None:
                yield self.call("create_alias", self.name, name, version, deadline=self.deadline)
            else:
                yield self.call(
                    "update_alias",
                    self.name,
                    name,
                    version,
                    revision_id=before.revision_id,
                    deadline=self.deadline,
                )
        except (PreconditionFailedException, ResourceConflictException) as err:
            if err.is_retryable:
                raise  # the function stayed busy past the retries: not about the alias
            now = yield self.call("get_alias", self.name, name, deadline=self.deadline)
            if now.function_version != version:
                raise self.alias_conflict(name, now, err) from err

    def alias_conflict(
        self, name: str, now: AliasConfiguration, cause: LambdaError
    ) -> PreconditionFailedException:
        return PreconditionFailedException(
            code="PreconditionFailedException",
            message=(
                f"alias {name} of {self.name} was changed by someone else after it was read "
                f"(it now points at {now.function_version}); this deploy did not overwrite that "
                f"change. Lambda said: {cause.message}"
            ),
            status_code=cause.status_code,
            request_id=cause.request_id,
            operation=cause.operation,
        )


#: ``deploy_many``'s default: enough deploys under way to keep the control-plane quota busy
#: while each waits about a second for its update, plus the quota's burst at the start.
DEFAULT_CONCURRENCY = 64


def fleet(
    client: C,
    targets: Iterable[DeployTarget],
    max_concurrency: int,
    rate_limits: RateLimits | None,
    on_event: object,
) -> tuple[C, list[DeployTarget]]:
    """``deploy_many``'s arguments checked, and the one client whose limiters the fleet shares."""
    check_count(max_concurrency, field="max_concurrency", minimum=1)
    if rate_limits is not None:
        check_instance(rate_limits, RateLimits, field="rate_limits")
    check_callable(on_event, field="on_event")
    targets = list(targets)
    for index, target in enumerate(targets):
        check_instance(target, DeployTarget, field=f"targets[{index}]")
    # The client's own limiters when it has some and no others are asked for.
    if rate_limits is None and client.rate_limits is not None:
        return client, targets
    return client.with_rate_limits(rate_limits or RateLimits()), targets


def deploy(
    client: DeployCalls, target: DeployTarget, *, on_event: OnEvent | None = None
) -> DeployResult:
    """Deploy one target through ``client``; ``LambdaCodeClient.deploy`` gives the steps."""
    check_instance(target, DeployTarget, field="target")
    check_callable(on_event, field="on_event")
    steps = DeploySteps(client, target)
    try:
        return run_steps(steps.steps(), client, on_event)
    except KeyboardInterrupt as err:
        err.add_note(interrupted_note(target, steps.accepted))
        raise


def interrupted_note(target: DeployTarget, accepted: bool | None) -> str:
    """What an interrupted (or cancelled) deploy leaves: whether Lambda has its update."""
    if accepted is False:
        return f"{target.function_name}: interrupted before Lambda accepted the update"
    state = "had accepted" if accepted else "may have accepted"
    return (
        f"{target.function_name}: Lambda {state} the update, which goes on without us: "
        f"`lambda-code wait {target.function_name}` waits for its outcome"
    )


def deploy_many(
    client: DeployCalls,
    targets: Iterable[DeployTarget],
    *,
    max_concurrency: int = DEFAULT_CONCURRENCY,
    rate_limits: RateLimits | None = None,
    on_event: OnEvent | None = None,
) -> list[DeployResult | Exception]:
    """Deploy every target concurrently, sharing per-API rate limiters; results in input order.

    Each entry is the target's ``DeployResult`` or the error that stopped it (a
    ``LambdaCodeError`` for anything lambda-code knows; whatever else was raised, such as an
    exception from ``on_event``, otherwise); one function's failure never stops the others.
    ``on_event`` is called from the worker threads. ``rate_limits`` defaults to Lambda's default
    quotas (15 requests/s control plane, 100 requests/s GetFunction, one second's burst each,
    slowing down on 429s), or the client's own; set your account's. The fleet's waits poll
    within half of GetFunction's quota and learn from one another when updates finish.
    """
    limited_client, targets = fleet(client, targets, max_concurrency, rate_limits, on_event)

    def one(target: DeployTarget) -> DeployResult | Exception:
        try:
            return deploy(limited_client, target, on_event=on_event)
        except Exception as err:  # noqa: BLE001 - one target's failure, whatever it is, is its result
            return err

    with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="lambda-code") as pool:
        return list(pool.map(one, targets))
