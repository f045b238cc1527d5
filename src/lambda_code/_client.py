"""``LambdaCodeClient``: typed calls over a botocore Lambda client, with retries and waits."""

import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import botocore.session
from botocore.config import Config

from ._models import FunctionConfiguration, UpdateFunctionCodeRequest
from ._ratelimit import RateLimiter, RateLimits, limited
from ._retry import Clock, Retrier, RetryPolicy, Sleep, invoke
from ._waiters import OnPoll, Waiter, WaitPolicy

if TYPE_CHECKING:
    from ._deploy import CodeInput, DeployEvent, DeployResult, DeployTarget

__all__ = ["LambdaCodeClient"]

_LATEST = "$LATEST"


def _botocore_client(
    region_name: str | None, endpoint_url: str | None, profile_name: str | None
) -> Any:
    session = botocore.session.Session(profile=profile_name)
    # lambda-code's RetryPolicy is the only retry layer: botocore's own would multiply it.
    config = Config(retries={"total_max_attempts": 1})
    return session.create_client(
        "lambda", region_name=region_name, endpoint_url=endpoint_url, config=config
    )


class LambdaCodeClient:
    """Typed, validated, retrying access to a function's code and its update lifecycle.

    Wraps ``client`` (a botocore or boto3 Lambda client) or creates one from the default
    session with botocore's retries off. With a client of your own, botocore's retries
    (``ResponseMetadata.RetryAttempts``) count against ``retry.max_attempts``. ``clock`` and
    ``sleep`` drive every backoff and wait, so tests can run in virtual time. With
    ``rate_limits``, every call (retries and polls included) first takes a slot from its API
    family's limiter, shared by all threads using this client.
    """

    def __init__(
        self,
        client: Any = None,
        *,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        profile_name: str | None = None,
        retry: RetryPolicy | None = None,
        wait: WaitPolicy | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rate_limits: RateLimits | None = None,
    ) -> None:
        if client is None:
            client = _botocore_client(region_name, endpoint_url, profile_name)
        self.client = client
        self.retry = retry if retry is not None else RetryPolicy()
        self.wait = wait if wait is not None else WaitPolicy()
        self.clock = clock
        self.sleep = sleep
        self.rate_limits = rate_limits
        self._retrier = Retrier(self.retry, clock=clock, sleep=sleep)
        self._waiter = Waiter(self.wait, clock=clock, sleep=sleep)
        # Bound once: attribute lookups on a botocore client go through __getattr__.
        self._update = client.update_function_code
        self._get_configuration = client.get_function_configuration
        self._get_function = client.get_function
        self._publish = client.publish_version
        self._list_versions = client.list_versions_by_function
        if rate_limits is not None:
            burst = rate_limits.burst
            control = RateLimiter(rate_limits.control_plane, clock=clock, sleep=sleep, burst=burst)
            self._update = limited(self._update, control)
            self._get_configuration = limited(self._get_configuration, control)
            self._publish = limited(self._publish, control)
            self._list_versions = limited(self._list_versions, control)
            self._get_function = limited(
                self._get_function,
                RateLimiter(rate_limits.get_function, clock=clock, sleep=sleep, burst=burst),
            )

    def with_rate_limits(self, rate_limits: RateLimits) -> "LambdaCodeClient":
        """A client on the same botocore client and policies, with its own rate limiters."""
        return LambdaCodeClient(
            self.client,
            retry=self.retry,
            wait=self.wait,
            clock=self.clock,
            sleep=self.sleep,
            rate_limits=rate_limits,
        )

    def __repr__(self) -> str:
        meta = getattr(self.client, "meta", None)
        where = f"{getattr(meta, 'region_name', None)!r}, {getattr(meta, 'endpoint_url', None)!r}"
        return f"LambdaCodeClient({where}, retry={self.retry!r})"

    # -- single calls ----------------------------------------------------------------------

    def update_function_code(
        self, request: UpdateFunctionCodeRequest, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """Send ``UpdateFunctionCode``; 409, 429, 500 and transport faults are retried.

        A transport fault leaves it unknown whether the update applied, so an update with
        ``publish=True`` and no ``revision_id`` is not retried after one (it could publish
        twice); with a ``revision_id`` a repeat is refused with 412 if the first one applied.

        Every call method takes ``deadline``: a time on this client's ``clock`` after which no
        retry starts, so several calls can share one budget (``deploy`` uses its timeout).
        """
        return self._update_code(
            request,
            deadline=deadline,
            retry_transport=not request.publish or request.revision_id is not None,
        )

    def _update_code(
        self, request: UpdateFunctionCodeRequest, *, deadline: float | None, retry_transport: bool
    ) -> FunctionConfiguration:
        response = self._retrier.call(
            self._update,
            request.to_api(),
            operation="UpdateFunctionCode",
            retry_transport=retry_transport,
            deadline=deadline,
        )
        return FunctionConfiguration.from_api(response)

    def get_function_configuration(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """Read a function's configuration (``GetFunctionConfiguration``), with retries."""
        response = self._retrier.call(
            self._get_configuration,
            _name_args(function_name, qualifier),
            operation="GetFunctionConfiguration",
            deadline=deadline,
        )
        return FunctionConfiguration.from_api(response)

    def get_function(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """Read a function's configuration through ``GetFunction`` (its own, higher quota)."""
        response = self._retrier.call(
            self._get_function,
            _name_args(function_name, qualifier),
            operation="GetFunction",
            deadline=deadline,
        )
        return FunctionConfiguration.from_api(response["Configuration"])

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
        kwargs = _name_args(function_name, None)
        for key, value in (
            ("CodeSha256", code_sha256),
            ("RevisionId", revision_id),
            ("Description", description),
        ):
            if value is not None:
                kwargs[key] = value
        response = self._retrier.call(
            self._publish, kwargs, operation="PublishVersion", deadline=deadline
        )
        return FunctionConfiguration.from_api(response)

    def list_versions(
        self, function_name: str, *, deadline: float | None = None
    ) -> list[FunctionConfiguration]:
        """Every version of a function, ``$LATEST`` included, following pagination."""
        versions: list[FunctionConfiguration] = []
        kwargs = _name_args(function_name, None)
        while True:
            response = self._retrier.call(
                self._list_versions, kwargs, operation="ListVersionsByFunction", deadline=deadline
            )
            versions.extend(FunctionConfiguration.from_api(v) for v in response["Versions"])
            marker = response.get("NextMarker")
            if not marker:
                return versions
            kwargs = {**kwargs, "Marker": marker}

    # -- waits -----------------------------------------------------------------------------

    def wait_until_updated(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: OnPoll | None = None,
    ) -> FunctionConfiguration:
        """Wait until the last update finished: ``LastUpdateStatus`` ``Successful``.

        Raises ``UpdateFailedError`` (with ``reason`` and ``reason_code``) when it is
        ``Failed`` and ``WaitTimeoutError`` when ``timeout`` seconds pass first. ``on_poll``
        sees every configuration polled.
        """
        return self._waiter.until_updated(
            function_name,
            self._poller(function_name, qualifier),
            timeout=timeout,
            on_poll=on_poll,
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

    def _poller(self, function_name: str, qualifier: str | None) -> Callable[[], Any]:
        kwargs = _name_args(function_name, qualifier)

        def poll() -> FunctionConfiguration:
            # No retry layer here: the wait's own loop retries failed polls in its deadline.
            response = invoke(self._get_function, kwargs, "GetFunction")
            return FunctionConfiguration.from_api(response["Configuration"])

        return poll

    # -- deploy ----------------------------------------------------------------------------

    def deploy(
        self,
        function_name: str,
        code: "CodeInput",
        *,
        publish: bool = False,
        dry_run: bool = False,
        skip_unchanged: bool = True,
        wait: bool = True,
        architectures: "Iterable[str] | None" = None,
        timeout: float = 300.0,
        on_event: "Callable[[DeployEvent], None] | None" = None,
    ) -> "DeployResult":
        """Ship ``code`` to a function: package, skip if unchanged, guarded update, wait.

        1. ``code`` becomes a ``ZipPackage``, ``S3Location`` or ``ContainerImage`` (a
           directory or ``.zip`` path is zipped) and the request is validated: errors come
           before any upload.
        2. The function is read (``GetFunction``), after waiting out an update in progress.
        3. With ``skip_unchanged``, a zip (or image digest) Lambda already runs is not sent
           again: ``changed=False``; with ``publish``, a version is published only if the
           newest one has other code.
        4. The update carries the ``RevisionId`` read, so a concurrent change fails with 412.
           After a lost answer the deploy waits, reads, and resends only if its update did
           not land: a version is never published twice.
        5. Unless ``wait=False``, it waits for ``Successful`` and for a published version to
           be ``Active``. ``timeout`` bounds the whole deploy, retries included.
        """
        from ._deploy import deploy

        return deploy(
            self,
            function_name,
            code,
            publish=publish,
            dry_run=dry_run,
            skip_unchanged=skip_unchanged,
            wait=wait,
            architectures=architectures,
            timeout=timeout,
            on_event=on_event,
        )

    def deploy_many(
        self,
        targets: "Iterable[DeployTarget]",
        *,
        max_concurrency: int = 16,
        rate_limits: "RateLimits | None" = None,
        on_event: "Callable[[DeployEvent], None] | None" = None,
    ) -> "list[DeployResult | Exception]":
        """Deploy many functions concurrently at the account's API rate; results in order."""
        from ._deploy import deploy_many

        return deploy_many(
            self,
            targets,
            max_concurrency=max_concurrency,
            rate_limits=rate_limits,
            on_event=on_event,
        )


def _name_args(function_name: str, qualifier: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"FunctionName": function_name}
    if qualifier is not None:
        kwargs["Qualifier"] = qualifier
    return kwargs
