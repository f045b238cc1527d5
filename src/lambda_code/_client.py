"""``LambdaCodeClient``: typed calls over a botocore Lambda client, with retries and waits."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs
import botocore.session
from botocore.config import Config

from ._deploy import DeployTarget, deploy, deploy_many
from ._errors import DeadlineExceededError, LambdaCodeError, RequestValidationError
from ._models import FunctionConfiguration, UpdateFunctionCodeRequest, configuration_from_response
from ._ratelimit import RateLimiter, RateLimits
from ._retry import CallBudget, OnUnknownOutcome, Retrier, RetryPolicy, invoke
from ._types import Clock, CodeInput, OnEvent, OnPoll, SystemClock
from ._validation import (
    check_callable,
    check_function_name,
    check_instance,
    check_qualifier,
)
from ._waiters import Poll, Waiter, WaitPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._events import DeployResult

__all__ = ["ClientBase", "LambdaCodeClient", "Plan", "endpoint_error"]

T = TypeVar("T")


def _botocore_client(
    region_name: str | None, endpoint_url: str | None, profile_name: str | None
) -> Any:
    session = botocore.session.Session(profile=profile_name)
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


class ClientBase:
    """What the blocking and the async client share: policies, limiters, validation and plans."""

    client: Any

    def __init__(
        self,
        client: Any = None,
        *,
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
        self._waiter = Waiter(self.wait, clock=clock)
        # The control plane's calls share one limiter; GetFunction has a quota of its own.
        self._control: RateLimiter | None = None
        self._reads: RateLimiter | None = None
        if rate_limits is not None:
            burst = rate_limits.burst
            self._control = RateLimiter(rate_limits.control_plane, clock=clock, burst=burst)
            self._reads = RateLimiter(rate_limits.get_function, clock=clock, burst=burst)
        self.client = (
            client if client is not None else self._default(region_name, endpoint_url, profile_name)
        )

    def _default(
        self, region_name: str | None, endpoint_url: str | None, profile_name: str | None
    ) -> Any:
        """The client to use when none is given (the blocking client makes one at once)."""
        return _botocore_client(region_name, endpoint_url, profile_name)

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

    def _admit_poll(self, function_name: str, deadline: float) -> float:
        """Seconds to wait for a poll's slot; a poll that cannot start in time ends the wait."""
        delay = 0.0 if self._reads is None else self._reads.reserve(deadline)
        if delay is None:
            raise DeadlineExceededError(operation="GetFunction", function_name=function_name)
        return delay


class LambdaCodeClient(ClientBase):
    """Typed, validated, retrying access to a function's code and its update lifecycle.

    Wraps ``client`` (a botocore or boto3 Lambda client) or creates one from the default
    session with botocore's retries off. With a client of your own, botocore's retries
    (``ResponseMetadata.RetryAttempts``) count against ``retry.max_attempts``. ``clock`` (a
    ``Clock``: ``SystemClock`` unless given) drives every backoff, wait and rate limit, so
    tests can run in virtual time. With
    ``rate_limits``, every call (retries and polls included) first takes a slot from its API
    family's limiter, shared by all threads using this client.
    """

    def with_rate_limits(self, rate_limits: RateLimits) -> "LambdaCodeClient":
        """A client on the same botocore client and policies, with its own rate limiters."""
        return LambdaCodeClient(
            self.client,
            retry=self.retry,
            wait=self.wait,
            clock=self.clock,
            rate_limits=rate_limits,
        )

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
        )

    def _poller(self, function_name: str, qualifier: str | None) -> Poll:
        plan = self._function_plan(function_name, qualifier)
        method = getattr(self.client, plan.method)

        def poll(deadline: float) -> FunctionConfiguration:
            # No retry layer here: the wait's own loop retries failed polls in its deadline.
            if delay := self._admit_poll(function_name, deadline):
                self.clock.sleep(delay)
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
        )
        return deploy(self, target, on_event=on_event)

    def deploy_many(
        self,
        targets: "Iterable[DeployTarget]",
        *,
        max_concurrency: int = 16,
        rate_limits: "RateLimits | None" = None,
        on_event: OnEvent | None = None,
    ) -> "list[DeployResult | Exception]":
        """Deploy many functions concurrently at the account's API rate; results in order."""
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
