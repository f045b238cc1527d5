"""``LambdaCodeClient``: typed calls over a botocore Lambda client, with retries and waits."""

import functools
import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

import attrs
import botocore.session
from botocore.config import Config

from ._deploy import DEFAULT_CONCURRENCY, DeployTarget, deploy, deploy_many
from ._errors import DeadlineExceededError, LambdaCodeError, RequestValidationError
from ._images import ResolvedImage, image_region, needs_resolving, resolve_image
from ._models import (
    AliasConfiguration,
    FunctionConfiguration,
    UpdateFunctionCodeRequest,
    configuration_from_response,
)
from ._package import ContainerImage, ZipPackage
from ._ratelimit import Admission, RateLimiter, RateLimits
from ._retry import CallBudget, OnUnknownOutcome, Retrier, RetryPolicy, invoke
from ._services import AuxClients
from ._staging import S3Staging, StagedObject, stage
from ._types import Clock, CodeInput, OnEvent, OnPoll, SystemClock
from ._validation import (
    check_alias_name,
    check_callable,
    check_function_name,
    check_instance,
    check_qualifier,
    check_version,
)
from ._waiters import Poll, Waiter, WaitPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable

    import boto3

    # Named in LambdaCodeClient's quoted base, which ruff does not read as a use.
    from mypy_boto3_lambda import LambdaClient  # noqa: F401

    from ._events import DeployResult

    #: What ``LambdaCodeClient(session=...)`` accepts.
    Session: TypeAlias = boto3.Session | botocore.session.Session

__all__ = [
    "ClientBase",
    "LambdaCodeClient",
    "Plan",
    "check_client",
    "core_session",
    "endpoint_error",
]

T = TypeVar("T")
ClientT = TypeVar("ClientT")
SessionT = TypeVar("SessionT")


def _service_name(client: object) -> str | None:
    meta = getattr(client, "meta", None)
    name = getattr(getattr(meta, "service_model", None), "service_name", None)
    return name if isinstance(name, str) else None


def _is_async(client: object) -> bool:
    # aiobotocore's clients are async context managers; botocore's are not.
    return hasattr(client, "__aenter__")


def _describe(value: object) -> str:
    """What ``value`` is, for an error message: the kind of AWS client, or its type."""
    service = _service_name(value)
    if service is not None:
        kind = "an async (aiobotocore)" if _is_async(value) else "a blocking (botocore)"
        return f"{kind} {service} client"
    return f"{type(value).__module__}.{type(value).__qualname__}"


def core_session(session: object) -> botocore.session.Session | None:
    """The botocore session of ``session`` (a botocore, boto3 or aiobotocore one), else None.

    A boto3 (or aioboto3) ``Session`` keeps its botocore session in ``_session``; clients made
    from that are the ones the boto3 session would make.
    """
    for candidate in (session, getattr(session, "_session", None)):
        if isinstance(candidate, botocore.session.Session):
            return candidate
    return None


def check_client(client: object, *, asynchronous: bool, expected: str) -> None:
    """Raise ``TypeError`` unless ``client`` is a Lambda client of the right kind."""
    if _service_name(client) == "lambda" and _is_async(client) == asynchronous:
        return
    hint = "; pass a session as session=" if core_session(client) is not None else ""
    raise TypeError(f"client must be {expected}, not {_describe(client)}{hint}")


def _sync_session(session: object) -> botocore.session.Session:
    core = core_session(session)
    if core is None or inspect.iscoroutinefunction(core.get_credentials):
        hint = (
            "; an aiobotocore session goes to lambda_code.aio.AsyncLambdaCodeClient"
            if core is not None
            else ""
        )
        raise TypeError(
            "session must be a boto3.Session or a botocore.session.Session, "
            f"not {_describe(session)}{hint}"
        )
    return core


def _botocore_client(
    session: botocore.session.Session, region_name: str | None, endpoint_url: str | None
) -> Any:
    # lambda-code's RetryPolicy is the only retry layer: botocore's own would multiply it.
    config = Config(retries={"total_max_attempts": 1})
    try:
        return session.create_client(
            "lambda", region_name=region_name, endpoint_url=endpoint_url, config=config
        )
    except ValueError as err:  # botocore's word for an endpoint it cannot parse
        raise endpoint_error(err) from err


def endpoint_error(err: ValueError) -> RequestValidationError:
    """The error for an endpoint URL botocore could not parse (not raised)."""
    # The URL may come from the argument, AWS_ENDPOINT_URL(_LAMBDA) or the config file.
    return RequestValidationError(
        field="endpoint_url", rule=f"must be an http(s) URL with a host ({err})"
    )


@attrs.frozen
class Plan(Generic[T]):
    """One call a client makes: the botocore method, its arguments, its limiter, its parsing.

    Both clients build the same plans; only how they run one (blocking or awaited) differs.
    """

    method: str
    kwargs: dict[str, Any]
    operation: str
    limiter: RateLimiter | None
    parse: Callable[[Any], T]
    retry_unknown: bool = True


def _versions_page(response: dict[str, Any]) -> tuple[list[FunctionConfiguration], str | None]:
    versions = [configuration_from_response(v) for v in response["Versions"]]
    return versions, response.get("NextMarker") or None


def _configuration(response: dict[str, Any]) -> FunctionConfiguration:
    return configuration_from_response(response["Configuration"])


class ClientBase(Generic[ClientT, SessionT]):
    """What the blocking and the async client share: policies, limiters, validation and plans.

    ``ClientT`` and ``SessionT`` are what a subclass accepts as ``client`` and ``session``.
    """

    client: Any
    #: The botocore session the client was made from, for clients of other services; None
    #: when a client was given.
    session: Any

    def __init__(
        self,
        client: ClientT | None = None,
        *,
        session: SessionT | None = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        profile_name: str | None = None,
        retry: RetryPolicy | None = None,
        wait: WaitPolicy | None = None,
        clock: Clock | None = None,
        rate_limits: RateLimits | None = None,
    ) -> None:
        for field, value, expected in (
            ("retry", retry, RetryPolicy),
            ("wait", wait, WaitPolicy),
            ("rate_limits", rate_limits, RateLimits),
        ):
            if value is not None:
                check_instance(value, expected, field=field)
        if clock is None:
            clock = SystemClock()
        check_instance(clock, Clock, field="clock")
        self.retry = retry if retry is not None else RetryPolicy()
        self.wait = wait if wait is not None else WaitPolicy()
        self.clock = clock
        self.rate_limits = rate_limits
        self._retrier = Retrier(self.retry, clock=clock)
        # A client with rate limits serves fleets: its waits learn from one another.
        self._waiter = Waiter(self.wait, clock=clock, learn=rate_limits is not None)
        # The control plane's calls share one limiter; GetFunction has a quota of its own, and
        # polls a budget within it.
        self._control: RateLimiter | None = None
        self._reads: RateLimiter | None = None
        self._polls: RateLimiter | None = None
        if rate_limits is not None:
            self._control, self._reads, self._polls = rate_limits.limiters(clock)
        self.session = None
        if client is not None:
            self._check_client(client)
            if session is not None:
                raise RequestValidationError(
                    field="session", rule="must not be given with client: give one or the other"
                )
            self.client = client
            # Its session is not known: S3 and ECR clients come from the default one, at the
            # client's endpoint when that is a local one serving every service.
            meta = getattr(client, "meta", None)
            self._aux = AuxClients(endpoint_url=getattr(meta, "endpoint_url", None))
            return
        if session is not None and profile_name is not None:
            raise RequestValidationError(
                field="profile_name",
                rule="must not be given with session: the session's own profile is used",
            )
        self.client = self._default(session, region_name, endpoint_url, profile_name)
        # S3 (staging) and ECR (image tags) clients, made like this one when first needed.
        self._aux = AuxClients(
            endpoint_url=endpoint_url, profile_name=profile_name, session=self._botocore_session
        )

    def _check_client(self, client: object) -> None:
        check_client(client, asynchronous=False, expected="a botocore or boto3 Lambda client")

    def _botocore_session(self) -> botocore.session.Session | None:
        """The blocking session S3 and ECR clients are made from: the Lambda client's."""
        session: botocore.session.Session | None = self.session
        return session

    def _default(
        self,
        session: object,
        region_name: str | None,
        endpoint_url: str | None,
        profile_name: str | None,
    ) -> Any:
        """The client to use when none is given (the blocking client makes one at once)."""
        core = (
            botocore.session.Session(profile=profile_name)
            if session is None
            else _sync_session(session)
        )
        self.session = core
        return _botocore_client(core, region_name, endpoint_url)

    def __repr__(self) -> str:
        meta = getattr(self.client, "meta", None)
        where = f"{getattr(meta, 'region_name', None)!r}, {getattr(meta, 'endpoint_url', None)!r}"
        return f"{type(self).__name__}({where}, retry={self.retry!r})"

    def _budget(
        self,
        plan: "Plan[T]",
        fn: Callable[..., Any],
        deadline: float | None,
        # The async client's may return an awaitable: typed loosely here, awaited there.
        on_unknown_outcome: Callable[[LambdaCodeError], Any] | None = None,
    ) -> CallBudget[Any]:
        return self._retrier.budget(
            fn,
            plan.kwargs,
            operation=plan.operation,
            retry_unknown=plan.retry_unknown,
            deadline=deadline,
            limiter=plan.limiter,
            on_unknown_outcome=on_unknown_outcome,
        )

    # -- plans -------------------------------------------------------------------------------

    def _update_plan(self, request: UpdateFunctionCodeRequest) -> Plan[FunctionConfiguration]:
        check_instance(request, UpdateFunctionCodeRequest, field="request")
        return Plan(
            "update_function_code",
            request.to_api(),
            "UpdateFunctionCode",
            self._control,
            configuration_from_response,
            # A publishing update sent twice without a RevisionId guard could publish twice.
            retry_unknown=not request.publish or request.revision_id is not None,
        )

    def _configuration_plan(
        self, function_name: str, qualifier: str | None
    ) -> Plan[FunctionConfiguration]:
        return Plan(
            "get_function_configuration",
            _name_args(function_name, qualifier),
            "GetFunctionConfiguration",
            self._control,
            configuration_from_response,
        )

    def _function_plan(
        self, function_name: str, qualifier: str | None
    ) -> Plan[FunctionConfiguration]:
        return Plan(
            "get_function",
            _name_args(function_name, qualifier),
            "GetFunction",
            self._reads,
            _configuration,
        )

    def _publish_plan(
        self,
        function_name: str,
        code_sha256: str | None,
        revision_id: str | None,
        description: str | None,
    ) -> Plan[FunctionConfiguration]:
        check_function_name(function_name, code_update=True)
        kwargs: dict[str, Any] = {"FunctionName": function_name}
        for key, value in (
            ("CodeSha256", code_sha256),
            ("RevisionId", revision_id),
            ("Description", description),
        ):
            if value is not None:
                check_instance(value, str, field=key)
                kwargs[key] = value
        return Plan(
            "publish_version",
            kwargs,
            "PublishVersion",
            self._control,
            configuration_from_response,
        )

    def _versions_plan(
        self, function_name: str, marker: str | None
    ) -> Plan[tuple[list[FunctionConfiguration], str | None]]:
        kwargs = _name_args(function_name, None)
        if marker is not None:
            kwargs["Marker"] = marker
        return Plan(
            "list_versions_by_function",
            kwargs,
            "ListVersionsByFunction",
            self._control,
            _versions_page,
        )

    def _alias_plan(
        self,
        method: str,
        function_name: str,
        name: str,
        version: str | None = None,
        revision_id: str | None = None,
    ) -> Plan[AliasConfiguration]:
        """``GetAlias`` (no version), ``CreateAlias`` or ``UpdateAlias``.

        Sending one again after a lost answer is safe: a create that landed answers 409
        "already exists" and a guarded update 412, which the caller resolves by reading.
        """
        check_function_name(function_name, code_update=True)
        check_alias_name(name, field="name")
        kwargs: dict[str, Any] = {"FunctionName": function_name, "Name": name}
        if method != "get_alias":
            check_version(version)
            kwargs["FunctionVersion"] = version
        if revision_id is not None:
            check_instance(revision_id, str, field="revision_id")
            kwargs["RevisionId"] = revision_id
        operation = "".join(part.title() for part in method.split("_"))
        return Plan(method, kwargs, operation, self._control, AliasConfiguration.from_api)

    # -- S3 staging and image tags ------------------------------------------------------------

    def _region(self) -> str | None:
        meta = getattr(self.client, "meta", None)
        return getattr(meta, "region_name", None)

    def _staging_call(
        self,
        package: ZipPackage,
        staging: S3Staging,
        region: str | None,
        on_progress: Callable[[int, int], object] | None,
        deadline: float | None,
    ) -> Callable[[], StagedObject]:
        """``stage``, checked and ready to run (blocking: the async client runs it in a thread)."""
        check_instance(staging, S3Staging, field="staging")
        check_instance(package, ZipPackage, field="package")
        region = region or self._region()
        if region is None:
            raise RequestValidationError(field="region_name", rule="is needed to stage in S3")
        s3 = staging.client if staging.client is not None else self._aux.get("s3", region)
        run = functools.partial(stage, staging, package, s3, region=region, on_progress=on_progress)
        return self._started_in_time(run, deadline, "S3 upload")

    def _resolve_call(
        self, image: ContainerImage, deadline: float | None
    ) -> Callable[[], ResolvedImage]:
        """``resolve_image``, checked and ready to run in the image registry's region."""
        check_instance(image, ContainerImage, field="image")
        if not needs_resolving(image):
            return functools.partial(resolve_image, image)
        ecr = self._aux.get("ecr", image_region(image))
        return self._started_in_time(
            functools.partial(resolve_image, image, ecr), deadline, "DescribeImages"
        )

    def _started_in_time(
        self, run: Callable[[], T], deadline: float | None, operation: str
    ) -> Callable[[], T]:
        """``run``, refused when it would start past ``deadline``: checked where it runs, since
        the async client's worker thread may start it later than it was asked for."""

        def checked() -> T:
            self._check_start(deadline, operation, None)
            return run()

        return checked

    def _check_start(self, deadline: float | None, operation: str, name: str | None) -> None:
        if deadline is not None and self.clock.now() >= deadline:
            raise DeadlineExceededError(operation=operation, function_name=name)

    def _poll_admission(self) -> Admission | None:
        """A wait's way past the limiters: the poll budget, then GetFunction's quota."""
        if self._polls is None or self._reads is None:
            return None
        return Admission(self._polls, self._reads)


class LambdaCodeClient(ClientBase["LambdaClient", "Session"]):
    """Typed, validated, retrying access to a function's code and its update lifecycle.

    Wraps ``client`` (a botocore or boto3 Lambda client; anything else is a ``TypeError``) or
    creates one with botocore's retries off: from ``session`` (a ``boto3.Session`` or a
    ``botocore.session.Session``, whose credentials, profile and region it uses), or else from
    a new session of ``profile_name``. ``region_name`` and ``endpoint_url`` apply to a client
    it creates; without ``region_name`` the session's region is used. The session is kept in
    ``session`` (a boto3 session's botocore session). With a client of your own, botocore's
    retries (``ResponseMetadata.RetryAttempts``) count against ``retry.max_attempts``. ``clock`` (a
    ``Clock``: ``SystemClock`` unless given) drives every backoff, wait and rate limit, so
    tests can run in virtual time. With
    ``rate_limits``, every call (retries and polls included) first takes a slot from its API
    family's limiter, shared by all threads using this client; a 429 slows that limiter down.
    Such a client serves fleets: its waits for the updates it sent learn from one another when
    to poll (see ``deploy_many``).
    """

    def with_rate_limits(self, rate_limits: RateLimits) -> "LambdaCodeClient":
        """A client on the same botocore client and policies, with its own rate limiters."""
        limited = LambdaCodeClient(
            self.client,
            retry=self.retry,
            wait=self.wait,
            clock=self.clock,
            rate_limits=rate_limits,
        )
        limited._aux = self._aux
        limited.session = self.session
        return limited

    # -- single calls ----------------------------------------------------------------------

    def update_function_code(
        self,
        request: UpdateFunctionCodeRequest,
        *,
        deadline: float | None = None,
        on_unknown_outcome: "OnUnknownOutcome[FunctionConfiguration] | None" = None,
    ) -> FunctionConfiguration:
        """Send ``UpdateFunctionCode``; 409, 429, 500 and transport faults are retried.

        A transport fault or a 5xx leaves it unknown whether the update applied. By default
        an update with ``publish=True`` and no ``revision_id`` is then not sent again (it could
        publish twice); with a ``revision_id`` a repeat is refused with 412 if the first one
        applied. ``on_unknown_outcome(error)`` takes that decision instead: it returns the
        configuration when it finds the update applied, None to send it again, or raises.

        Every call method takes ``deadline``: a time on this client's ``clock`` after which no
        attempt starts, so several calls can share one budget (``deploy`` uses its timeout).
        """
        check_callable(on_unknown_outcome, field="on_unknown_outcome")
        return self._call(self._update_plan(request), deadline, on_unknown_outcome)

    def get_function_configuration(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """Read a function's configuration (``GetFunctionConfiguration``), with retries."""
        return self._call(self._configuration_plan(function_name, qualifier), deadline)

    def get_function(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """Read a function's configuration through ``GetFunction`` (its own, higher quota)."""
        return self._call(self._function_plan(function_name, qualifier), deadline)

    def publish_version(
        self,
        function_name: str,
        *,
        code_sha256: str | None = None,
        revision_id: str | None = None,
        description: str | None = None,
        deadline: float | None = None,
    ) -> FunctionConfiguration:
        """Publish ``$LATEST`` as a version; with ``code_sha256``/``revision_id`` as guards.

        Lambda returns the newest version unchanged when ``$LATEST`` has not changed since it,
        so a retry after a lost answer never creates a second version.
        """
        plan = self._publish_plan(function_name, code_sha256, revision_id, description)
        return self._call(plan, deadline)

    def list_versions(
        self, function_name: str, *, deadline: float | None = None
    ) -> list[FunctionConfiguration]:
        """Every version of a function, ``$LATEST`` included, following pagination."""
        versions, marker = self._call(self._versions_plan(function_name, None), deadline)
        while marker is not None:
            page, marker = self._call(self._versions_plan(function_name, marker), deadline)
            versions += page
        return versions

    def get_alias(
        self, function_name: str, name: str, *, deadline: float | None = None
    ) -> AliasConfiguration:
        """Read an alias (``GetAlias``); ``ResourceNotFoundException`` if there is none."""
        return self._call(self._alias_plan("get_alias", function_name, name), deadline)

    def create_alias(
        self, function_name: str, name: str, version: str, *, deadline: float | None = None
    ) -> AliasConfiguration:
        """Create an alias pointing at ``version`` (``CreateAlias``)."""
        return self._call(self._alias_plan("create_alias", function_name, name, version), deadline)

    def update_alias(
        self,
        function_name: str,
        name: str,
        version: str,
        *,
        revision_id: str | None = None,
        deadline: float | None = None,
    ) -> AliasConfiguration:
        """Point an alias at ``version`` (``UpdateAlias``), guarded by its ``revision_id``.

        With ``revision_id``, an alias someone else changed since it was read is not
        overwritten: ``PreconditionFailedException``. Its routing configuration is kept.
        """
        plan = self._alias_plan("update_alias", function_name, name, version, revision_id)
        return self._call(plan, deadline)

    def stage_zip(
        self,
        package: ZipPackage,
        staging: S3Staging,
        *,
        region: str | None = None,
        on_progress: Callable[[int, int], object] | None = None,
        deadline: float | None = None,
    ) -> StagedObject:
        """Put ``package`` in S3 as ``staging`` says, unless it is there already (``stage``).

        ``region`` is the function's (the bucket must be in it; default: this client's).
        ``on_progress(sent, total)`` is called from the upload's threads. An upload that has
        started runs to its end; ``deadline`` only keeps one from starting late.
        """
        return self._staging_call(package, staging, region, on_progress, deadline)()

    def resolve_image(
        self, image: ContainerImage, *, deadline: float | None = None
    ) -> ResolvedImage:
        """The digest-pinned URI to deploy for ``image`` (its tag resolved through ECR)."""
        return self._resolve_call(image, deadline)()

    def _call(
        self,
        plan: Plan[T],
        deadline: float | None,
        on_unknown_outcome: "OnUnknownOutcome[T] | None" = None,
    ) -> T:
        method = getattr(self.client, plan.method)

        def send(**kwargs: Any) -> T:
            return plan.parse(method(**kwargs))

        result: T = self._retrier.call(self._budget(plan, send, deadline, on_unknown_outcome))
        return result

    # -- waits -----------------------------------------------------------------------------

    def wait_until_updated(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: OnPoll | None = None,
        update: FunctionConfiguration | None = None,
    ) -> FunctionConfiguration:
        """Wait until the last update finished: ``LastUpdateStatus`` ``Successful``.

        Raises ``UpdateFailedError`` (with ``reason`` and ``reason_code``) when it is
        ``Failed`` and ``WaitTimeoutError`` when ``timeout`` seconds (finite, ≥ 0; 0 looks
        once) pass first. ``on_poll`` sees every configuration polled. With ``update``, the
        configuration ``update_function_code`` returned, the wait confirms that this update is
        the one that finished: ``UpdateSupersededError`` if another replaced it.
        """
        if update is not None:
            check_instance(update, FunctionConfiguration, field="update")
        return self._waiter.until_updated(
            function_name,
            self._poller(function_name, qualifier),
            timeout=timeout,
            on_poll=on_poll,
            update=update,
            admission=self._poll_admission(),
        )

    def wait_until_active(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: OnPoll | None = None,
    ) -> FunctionConfiguration:
        """Wait until ``State`` is ``Active`` (``Pending`` → ``Active``).

        Raises ``FunctionFailedError`` on ``Failed`` and ``WaitTimeoutError`` on timeout.
        ``Inactive`` is returned as it is: the function is idle and Lambda reactivates it on
        its next invocation, so waiting longer would never see ``Active``.
        """
        return self._waiter.until_active(
            function_name,
            self._poller(function_name, qualifier),
            timeout=timeout,
            on_poll=on_poll,
            admission=self._poll_admission(),
        )

    def _poller(self, function_name: str, qualifier: str | None) -> Poll:
        plan = self._function_plan(function_name, qualifier)
        method = getattr(self.client, plan.method)

        def poll(_: float) -> FunctionConfiguration:
            # No retry layer and no limiter here: the wait's own loop takes the poll's slot
            # and retries failed polls, within its deadline.
            return plan.parse(invoke(method, plan.kwargs, plan.operation))

        return poll

    # -- deploy ----------------------------------------------------------------------------

    def deploy(
        self,
        function_name: str,
        code: CodeInput,
        *,
        publish: bool = False,
        dry_run: bool = False,
        skip_unchanged: bool = True,
        wait: bool = True,
        architectures: "Iterable[str] | None" = None,
        timeout: float = 300.0,
        alias: str | None = None,
        staging: S3Staging | None = None,
        check_architecture: bool = True,
        on_event: OnEvent | None = None,
    ) -> "DeployResult":
        """Ship ``code`` to a function: package, skip if unchanged, guarded update, wait.

        1. The arguments are validated (as a ``DeployTarget``) and ``code`` becomes a
           ``ZipPackage``, ``S3Location`` or ``ContainerImage`` (zip bytes are wrapped, a
           directory or ``.zip`` path is zipped or read): errors come before any call.
        2. The function is read (``GetFunction``), after waiting out an update in progress.
        3. With ``skip_unchanged``, a zip (or image digest) Lambda already runs is not sent
           again: ``changed=False``; with ``publish``, a version is published only if the
           newest one has other code.
        4. The update carries the ``RevisionId`` read, so a concurrent change fails with
           ``PreconditionFailedException``. After a lost answer the deploy waits, looks, and
           resends only if nothing changed since its read: a version is never published twice.
        5. Unless ``wait=False``, it waits for ``Successful`` (of this update, not a later one)
           and for a published version to be ``Active``. ``timeout`` (finite, > 0) bounds the
           whole deploy, retries and rate limiting included.
        6. With ``alias`` (which needs ``publish`` and ``wait``), the alias is then pointed at
           the published version (created if missing), guarded by its ``RevisionId``: a
           concurrent change to the alias is not overwritten. With unchanged code it points at
           the newest version holding that code and configuration.
           ``DeployResult.alias`` says what was done.

        A zip over the 50 MiB direct-upload limit needs ``staging`` (an ``S3Staging``): it is
        put in S3 under a key derived from its CodeSha256 (not uploaded again when the same
        content is there) and Lambda takes it from there; ``S3Staging(..., always=True)``
        stages every zip. An image by tag is resolved to the digest it names now, through ECR,
        unless ``ContainerImage(uri, resolve=False)``. With ``check_architecture`` (the
        default), native binaries in a zip are checked against the function's architecture
        before upload: a mismatch is a ``PackageError`` naming the files.
        """
        target = DeployTarget(
            function_name=function_name,
            code=code,
            publish=publish,
            dry_run=dry_run,
            skip_unchanged=skip_unchanged,
            wait=wait,
            architectures=architectures,
            timeout=timeout,
            alias=alias,
            staging=staging,
            check_architecture=check_architecture,
        )
        return deploy(self, target, on_event=on_event)

    def deploy_many(
        self,
        targets: "Iterable[DeployTarget]",
        *,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        rate_limits: "RateLimits | None" = None,
        on_event: OnEvent | None = None,
    ) -> "list[DeployResult | Exception]":
        """Deploy many functions concurrently at the account's API rate; results in order.

        Each entry is the target's ``DeployResult`` or the exception that stopped it; one
        function's failure never stops the others. At most ``max_concurrency`` deploys are under
        way at once. ``rate_limits`` (the client's own, or Lambda's default quotas) start with
        one second's burst, hold the quota and slow down on 429s; the waits poll within half of
        GetFunction's quota and learn from one another when updates finish.
        """
        return deploy_many(
            self,
            targets,
            max_concurrency=max_concurrency,
            rate_limits=rate_limits,
            on_event=on_event,
        )


def _name_args(function_name: str, qualifier: str | None) -> dict[str, Any]:
    """The arguments naming a function to read, checked before any call."""
    check_function_name(function_name)
    kwargs: dict[str, Any] = {"FunctionName": function_name}
    if qualifier is not None:
        check_qualifier(qualifier)
        kwargs["Qualifier"] = qualifier
    return kwargs
