"""``AsyncLambdaCodeClient``: the same client on aiobotocore (the ``async`` extra).

Every decision is the blocking client's: the same plans, retry and wait strategies, deploy
steps and promises. Only the loops that run them await instead of blocking (see the
architecture page), so thousands of deploys can run as tasks on one thread.
"""

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

try:
    from aiobotocore.config import AioConfig
    from aiobotocore.credentials import AioCredentials
    from aiobotocore.session import AioSession
except ImportError as err:  # pragma: no cover - the message is the point
    raise ImportError(
        "lambda_code.aio needs aiobotocore: pip install 'lambda-code[async]'"
    ) from err
import botocore.session
import tenacity
from botocore.exceptions import ClientError

from ._client import ClientBase, Plan, check_client, core_session, endpoint_error
from ._deploy import (
    DEFAULT_CONCURRENCY,
    DeploySteps,
    DeployTarget,
    Done,
    Effect,
    Emit,
    Outcome,
    StepsOf,
    advance,
    fleet,
    interrupted_note,
    prepared,
)
from ._errors import DeadlineExceededError, LambdaCodeError, map_botocore_error
from ._events import DeployEvent, DeployResult
from ._images import ResolvedImage
from ._models import AliasConfiguration, FunctionConfiguration, UpdateFunctionCodeRequest
from ._package import ContainerImage, ZipPackage
from ._ratelimit import RateLimits
from ._retry import TRANSPORT_ERRORS, CallBudget
from ._staging import S3Staging, StagedObject
from ._types import CodeInput
from ._validation import check_callable, check_instance

if TYPE_CHECKING:
    # Named in AsyncLambdaCodeClient's quoted base, which ruff does not read as a use.
    from types_aiobotocore_lambda import LambdaClient  # noqa: F401

__all__ = ["AsyncLambdaCodeClient"]

T = TypeVar("T")
#: ``on_event``, ``on_poll`` and ``on_unknown_outcome`` may be plain or async callables.
AsyncOnEvent = Callable[[DeployEvent], object]
AsyncOnPoll = Callable[[FunctionConfiguration], object]
AsyncOnUnknownOutcome = Callable[
    [LambdaCodeError],
    Awaitable[FunctionConfiguration | None] | FunctionConfiguration | None,
]


def _aio_session(session: object) -> AioSession:
    core = core_session(session)
    if not isinstance(core, AioSession):
        hint = "; a boto3 or botocore session goes to LambdaCodeClient" if core is not None else ""
        raise TypeError(
            f"session must be an aiobotocore AioSession, not {type(session).__module__}."
            f"{type(session).__qualname__}{hint}"
        )
    return core


@contextlib.asynccontextmanager
async def _aiobotocore_client(
    session: AioSession, region_name: str | None, endpoint_url: str | None
) -> AsyncIterator[Any]:
    # lambda-code's RetryPolicy is the only retry layer: botocore's own would multiply it.
    config = AioConfig(retries={"total_max_attempts": 1})
    try:
        creator = session.create_client(
            "lambda", region_name=region_name, endpoint_url=endpoint_url, config=config
        )
        client = await creator.__aenter__()
    except ValueError as err:
        raise endpoint_error(err) from err
    try:
        yield client
    finally:
        await creator.__aexit__(None, None, None)


async def _invoke(fn: Callable[..., Awaitable[T]], kwargs: dict[str, Any], operation: str) -> T:
    try:
        return await fn(**kwargs)
    except (ClientError, *TRANSPORT_ERRORS) as err:
        raise map_botocore_error(err, operation) from err


async def _settle(value: object) -> Any:
    """``value``, awaited if a callback returned an awaitable."""
    return await value if inspect.isawaitable(value) else value


class AsyncLambdaCodeClient(ClientBase["LambdaClient", AioSession]):
    """``LambdaCodeClient``'s methods, awaitable, over an aiobotocore Lambda client.

    Wraps ``client`` (an aiobotocore Lambda client you created and entered; anything else is
    a ``TypeError``) or, used as ``async with AsyncLambdaCodeClient(region_name=...) as
    client:``, creates its own with botocore's retries off and closes it at the end; it never
    closes a client it was given. It creates it from ``session`` (an aiobotocore
    ``AioSession``) if given, else from a new one of ``profile_name``, and keeps that in
    ``session``. The options are ``LambdaCodeClient``'s. ``on_event`` and ``on_poll`` may be
    async.
    """

    session: AioSession | None
    _create: tuple[str | None, str | None, str | None] = (None, None, None)
    _owned: contextlib.AsyncExitStack | None = None

    def _check_client(self, client: object) -> None:
        check_client(
            client,
            asynchronous=True,
            expected="an aiobotocore Lambda client, created and entered "
            "(async with session.create_client('lambda') as client)",
        )

    def _default(
        self,
        session: object,
        region_name: str | None,
        endpoint_url: str | None,
        profile_name: str | None,
    ) -> Any:
        # An aiobotocore client must be entered: it is made in __aenter__.
        self.session = None if session is None else _aio_session(session)
        self._create = (region_name, endpoint_url, profile_name)
        return None

    def _botocore_session(self) -> botocore.session.Session | None:
        """A blocking twin of the AioSession, for S3 and ECR (s3transfer blocks: it runs in a
        thread): the same profile, and the same credentials when they were given as keys."""
        if self.session is None:
            return None
        twin = botocore.session.Session(profile=self.session.profile)
        credentials = getattr(self.session, "_credentials", None)
        if isinstance(credentials, AioCredentials):  # keys, not a provider to refresh from
            twin.set_credentials(credentials.access_key, credentials.secret_key, credentials.token)
        region = self.session.get_config_variable("region")
        if region:
            twin.set_config_variable("region", region)
        return twin

    async def __aenter__(self) -> Self:
        if self.client is None:
            region_name, endpoint_url, profile_name = self._create
            if self.session is None:
                self.session = AioSession(profile=profile_name)
            stack = contextlib.AsyncExitStack()
            self.client = await stack.enter_async_context(
                _aiobotocore_client(self.session, region_name, endpoint_url)
            )
            self._owned = stack
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._owned is not None:
            owned, self._owned = self._owned, None
            self.client = None
            await owned.aclose()

    def with_rate_limits(self, rate_limits: RateLimits) -> "AsyncLambdaCodeClient":
        """A client on the same aiobotocore client and policies, with its own rate limiters."""
        limited = AsyncLambdaCodeClient(
            self.client, retry=self.retry, wait=self.wait, clock=self.clock, rate_limits=rate_limits
        )
        limited._aux = self._aux
        limited.session = self.session
        return limited

    async def _sleep(self, seconds: float) -> None:
        sleep = getattr(self.clock, "async_sleep", None)
        # A clock without an async sleep sleeps in a thread, never on the event loop.
        await (
            sleep(seconds) if sleep is not None else asyncio.to_thread(self.clock.sleep, seconds)
        )

    # -- single calls ----------------------------------------------------------------------

    async def update_function_code(
        self,
        request: UpdateFunctionCodeRequest,
        *,
        deadline: float | None = None,
        on_unknown_outcome: AsyncOnUnknownOutcome | None = None,
    ) -> FunctionConfiguration:
        """``LambdaCodeClient.update_function_code``; ``on_unknown_outcome`` may be async."""
        check_callable(on_unknown_outcome, field="on_unknown_outcome")
        return await self._call(self._update_plan(request), deadline, on_unknown_outcome)

    async def get_function_configuration(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """``LambdaCodeClient.get_function_configuration``."""
        return await self._call(self._configuration_plan(function_name, qualifier), deadline)

    async def get_function(
        self, function_name: str, qualifier: str | None = None, *, deadline: float | None = None
    ) -> FunctionConfiguration:
        """``LambdaCodeClient.get_function``."""
        return await self._call(self._function_plan(function_name, qualifier), deadline)

    async def publish_version(
        self,
        function_name: str,
        *,
        code_sha256: str | None = None,
        revision_id: str | None = None,
        description: str | None = None,
        deadline: float | None = None,
    ) -> FunctionConfiguration:
        """``LambdaCodeClient.publish_version``."""
        plan = self._publish_plan(function_name, code_sha256, revision_id, description)
        return await self._call(plan, deadline)

    async def list_versions(
        self, function_name: str, *, deadline: float | None = None
    ) -> list[FunctionConfiguration]:
        """``LambdaCodeClient.list_versions``."""
        versions, marker = await self._call(self._versions_plan(function_name, None), deadline)
        while marker is not None:
            page, marker = await self._call(self._versions_plan(function_name, marker), deadline)
            versions += page
        return versions

    async def get_alias(
        self, function_name: str, name: str, *, deadline: float | None = None
    ) -> AliasConfiguration:
        """``LambdaCodeClient.get_alias``."""
        return await self._call(self._alias_plan("get_alias", function_name, name), deadline)

    async def create_alias(
        self, function_name: str, name: str, version: str, *, deadline: float | None = None
    ) -> AliasConfiguration:
        """``LambdaCodeClient.create_alias``."""
        plan = self._alias_plan("create_alias", function_name, name, version)
        return await self._call(plan, deadline)

    async def update_alias(
        self,
        function_name: str,
        name: str,
        version: str,
        *,
        revision_id: str | None = None,
        deadline: float | None = None,
    ) -> AliasConfiguration:
        """``LambdaCodeClient.update_alias``."""
        plan = self._alias_plan("update_alias", function_name, name, version, revision_id)
        return await self._call(plan, deadline)

    async def stage_zip(
        self,
        package: ZipPackage,
        staging: S3Staging,
        *,
        region: str | None = None,
        on_progress: Callable[[int, int], object] | None = None,
        deadline: float | None = None,
    ) -> StagedObject:
        """``LambdaCodeClient.stage_zip``, run in a worker thread (s3transfer blocks).

        ``on_progress`` may be async; it is called on the event loop, never from a thread.
        """
        loop = asyncio.get_running_loop()
        pending: list[asyncio.Future[Any]] = []

        def deliver(sent: int, total: int) -> None:
            assert on_progress is not None  # noqa: S101 - only scheduled with one
            result = on_progress(sent, total)
            if inspect.isawaitable(result):
                pending.append(asyncio.ensure_future(result))

        def from_thread(sent: int, total: int) -> None:
            loop.call_soon_threadsafe(deliver, sent, total)

        progress = from_thread if on_progress is not None else None
        call = self._staging_call(package, staging, region, progress, deadline)
        try:
            # Scheduled in order, every progress call runs before the thread's result arrives.
            return await asyncio.to_thread(call)
        finally:
            await asyncio.gather(*pending)

    async def resolve_image(
        self, image: ContainerImage, *, deadline: float | None = None
    ) -> ResolvedImage:
        """``LambdaCodeClient.resolve_image``, run in a worker thread."""
        return await asyncio.to_thread(self._resolve_call(image, deadline))

    async def _call(
        self,
        plan: Plan[T],
        deadline: float | None,
        on_unknown_outcome: Callable[[LambdaCodeError], object] | None = None,
    ) -> T:
        method = getattr(self.client, plan.method)

        async def send(**kwargs: Any) -> T:
            return plan.parse(await method(**kwargs))

        budget = self._budget(plan, send, deadline, on_unknown_outcome)
        try:
            result: T = await self._attempt(budget)
        except LambdaCodeError as err:
            budget.pending = err
        else:
            return result
        # A copy per call: tenacity keeps a loop's state per thread, and tasks share one.
        retrying = tenacity.AsyncRetrying(sleep=self._sleep, **self._retrier.strategies())
        try:
            return await retrying(self._retry, budget)
        except LambdaCodeError as err:
            budget.ending(err)
            raise

    async def _attempt(self, budget: CallBudget[Any]) -> Any:
        while delay := budget.admit():
            await self._sleep(delay)
        try:
            return await _invoke(budget.fn, budget.kwargs, budget.operation)
        except LambdaCodeError as err:
            raise budget.failed(err)  # noqa: B904 - _invoke chained botocore's error already

    async def _retry(self, budget: CallBudget[Any]) -> Any:
        lost = budget.to_resolve()
        if lost is not None:
            with budget.resolving():
                resolved = await _settle(budget.on_unknown_outcome(lost))  # type: ignore[misc]
            if resolved is not None:
                return resolved
        return await self._attempt(budget)

    # -- waits -----------------------------------------------------------------------------

    async def wait_until_updated(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: AsyncOnPoll | None = None,
        update: FunctionConfiguration | None = None,
    ) -> FunctionConfiguration:
        """``LambdaCodeClient.wait_until_updated``; ``on_poll`` may be async."""
        if update is not None:
            check_instance(update, FunctionConfiguration, field="update")
        poll = self._poller(function_name, qualifier)
        wait = self._waiter.updated(
            function_name, poll, timeout, on_poll, update, self._poll_admission()
        )
        return await self._wait(wait)

    async def wait_until_active(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        timeout: float = 300.0,
        on_poll: AsyncOnPoll | None = None,
    ) -> FunctionConfiguration:
        """``LambdaCodeClient.wait_until_active``; ``on_poll`` may be async."""
        poll = self._poller(function_name, qualifier)
        wait = self._waiter.active(function_name, poll, timeout, on_poll, self._poll_admission())
        return await self._wait(wait)

    async def _wait(self, wait: Any) -> FunctionConfiguration:
        retrying = tenacity.AsyncRetrying(sleep=self._sleep, **self._waiter.strategies())
        try:
            result: FunctionConfiguration = await retrying(self._poll, wait)
        finally:
            wait.ended()
        return result

    async def _poll(self, wait: Any) -> FunctionConfiguration | None:
        try:
            if not wait.ready():
                return None  # nothing sent: look again after wait.pause
            config: FunctionConfiguration = await wait.poll(wait.deadline)
        except DeadlineExceededError as err:
            raise self._waiter.timeout_error(wait) from err
        except LambdaCodeError as err:
            wait.throttled(err)
            raise
        await _settle(wait.observe(config))
        return wait.verdict(config)  # type: ignore[no-any-return]

    def _poller(
        self, function_name: str, qualifier: str | None
    ) -> Callable[[float], Awaitable[FunctionConfiguration]]:
        plan = self._function_plan(function_name, qualifier)
        method = getattr(self.client, plan.method)

        async def poll(_: float) -> FunctionConfiguration:
            # No retry layer and no limiter here: the wait's own loop takes the poll's slot
            # and retries failed polls, within its deadline.
            return plan.parse(await _invoke(method, plan.kwargs, plan.operation))

        return poll

    # -- deploy ----------------------------------------------------------------------------

    async def deploy(
        self,
        function_name: str,
        code: CodeInput,
        *,
        publish: bool = False,
        dry_run: bool = False,
        skip_unchanged: bool = True,
        wait: bool = True,
        architectures: Iterable[str] | None = None,
        timeout: float = 300.0,
        alias: str | None = None,
        staging: S3Staging | None = None,
        check_architecture: bool = True,
        on_event: AsyncOnEvent | None = None,
    ) -> DeployResult:
        """``LambdaCodeClient.deploy``: the same steps and promises; ``on_event`` may be async.

        Cancelling the task cancels the deploy where it is (no sleep or poll is left behind);
        the ``CancelledError`` carries a note saying whether Lambda had accepted the update.
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
        return await self.deploy_target(target, on_event=on_event)

    async def deploy_target(
        self, target: DeployTarget, *, on_event: AsyncOnEvent | None = None
    ) -> DeployResult:
        """Deploy one ``DeployTarget`` (``deploy``'s arguments as one value)."""
        check_instance(target, DeployTarget, field="target")
        check_callable(on_event, field="on_event")
        steps = DeploySteps(self, target)
        try:
            return await _run_steps(steps.steps(), self, on_event)
        except asyncio.CancelledError as err:
            err.add_note(interrupted_note(target, steps.accepted))
            raise

    async def deploy_many(
        self,
        targets: Iterable[DeployTarget],
        *,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        rate_limits: RateLimits | None = None,
        on_event: AsyncOnEvent | None = None,
    ) -> list[DeployResult | Exception]:
        """``LambdaCodeClient.deploy_many`` as tasks: at most ``max_concurrency`` at once.

        One client, and so one set of rate limiters, serves the whole fleet; results come in
        input order, each a ``DeployResult`` or the exception that stopped that target.
        """
        client, targets = fleet(self, targets, max_concurrency, rate_limits, on_event)
        gate = asyncio.Semaphore(max_concurrency)

        async def one(target: DeployTarget) -> DeployResult | Exception:
            async with gate:
                try:
                    return await client.deploy_target(target, on_event=on_event)
                except Exception as err:  # noqa: BLE001 - one target's failure is its result
                    return err

        return list(await asyncio.gather(*(one(target) for target in targets)))


async def _run_steps(steps: StepsOf[T], client: object, on_event: AsyncOnEvent | None) -> T:
    """``run_steps``, awaiting each effect."""
    outcome: Outcome = (None, None)
    while not isinstance(step := advance(steps, *outcome), Done):
        outcome = await _outcome(step, client, on_event)
    return step.value


async def _outcome(effect: Effect, client: object, on_event: AsyncOnEvent | None) -> Outcome:
    try:
        if isinstance(effect, Emit):
            return (None if on_event is None else await _settle(on_event(effect.event))), None
        kwargs = prepared(effect, on_event, lambda steps: _run_steps(steps, client, on_event))
        return await getattr(client, effect.name)(*effect.args, **kwargs), None
    except Exception as err:  # noqa: BLE001 - thrown into the steps, which decide
        return None, err
