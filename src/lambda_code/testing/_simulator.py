# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""`SimulatedLambda`: a simulated AWS Lambda control plane behind a real botocore client.

A facade over the parts, each in its own module: `_wire` (the botocore hook, requests and
responses), `_backend` (functions, versions, code), `_faults` (injected failures), `_quotas`
(throttling) and `_api_errors` (Lambda's error answers). It builds them, shares one lock
between them, and offers the methods and counters a test uses.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, cast, overload

from lambda_code.testing._backend import LambdaBackend, make_zip
from lambda_code.testing._clock import Clock, VirtualClock
from lambda_code.testing._faults import FAULT_KINDS, Fault, FaultKind, Faults
from lambda_code.testing._quotas import Quotas, TokenBucket
from lambda_code.testing._wire import CallRecord, Wire, isolated_aio_client, isolated_client

if TYPE_CHECKING:
    import collections
    from collections.abc import AsyncIterator, Callable

    from botocore.client import BaseClient
    from mypy_boto3_lambda import LambdaClient
    from types_aiobotocore_lambda import LambdaClient as AioLambdaClient

    from lambda_code._client import LambdaCodeClient

__all__ = ["CallRecord", "Fault", "FaultKind", "SimulatedLambda", "make_zip"]

_T = TypeVar("_T")
_DEFAULT_ZIP = make_zip({"index.py": b"def handler(event, context):\n    return None\n"})


class _On(Generic[_T]):
    """An attribute of the simulator that lives on one of its parts, read and set there."""

    def __init__(self, part: str) -> None:
        self._part = part
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object, owner: type | None = None) -> _T | Self:
        if instance is None:
            return self
        return cast("_T", getattr(getattr(instance, self._part), self._name))

    def __set__(self, instance: object, value: _T) -> None:
        setattr(getattr(instance, self._part), self._name, value)


class SimulatedLambda:
    """A simulated Lambda control plane attached to a real botocore Lambda client.

    It answers an aiobotocore Lambda client too: pass one (created and entered) as `client`,
    or take one from `aio_client()`. Code named by S3 bucket and key comes from the objects
    given to `put_s3_object`, or, for a bucket not given there, from `s3`, a real botocore S3
    client (moto's, for a test of staging through S3).
    """

    clock: _On[Clock] = _On("_backend")
    region_name: _On[str] = _On("_backend")
    account_id: _On[str] = _On("_backend")
    update_duration: _On[float | Callable[[str], float]] = _On("_backend")
    create_duration: _On[float] = _On("_backend")
    #: Like Lambda, an update with ``Publish`` returns the newest version instead of a new
    #: one when nothing changed since it; False makes every such update publish, so a test
    #: sees a double publish that Lambda would have hidden.
    reuse_unchanged_versions: _On[bool] = _On("_backend")
    writer_updates: _On[int] = _On("_backend")
    throttling: _On[bool] = _On("_quotas")
    retries_seen: _On[int] = _On("_wire")

    def __init__(
        self,
        client: LambdaClient | BaseClient | None = None,
        *,
        clock: Clock | None = None,
        region_name: str = "us-east-1",
        account_id: str = "123456789012",
        update_duration: float | Callable[[str], float] = 1.0,
        create_duration: float = 0.0,
        control_plane_rate: float = 15.0,
        get_function_rate: float = 100.0,
        throttling: bool = True,
        reuse_unchanged_versions: bool = True,
        seed: int = 0,
        s3: Any = None,
    ) -> None:
        clock = clock if clock is not None else VirtualClock()
        self._lock = threading.Lock()
        # Separate generators so that, say, adding a fault does not change RevisionIds.
        self._backend = LambdaBackend(
            clock,
            region_name=region_name,
            account_id=account_id,
            update_duration=update_duration,
            create_duration=create_duration,
            reuse_unchanged_versions=reuse_unchanged_versions,
            seed=seed,
            s3=s3,
        )
        self._faults = Faults(seed + 2)
        self._quotas = Quotas(
            control_plane_rate, get_function_rate, clock.now(), throttling=throttling
        )
        self._wire = Wire(self._backend, self._faults, self._quotas, self._lock, seed=seed + 1)
        self.calls: collections.Counter[str] = self._wire.calls
        self.throttled: collections.Counter[str] = self._wire.throttled
        self.errors: collections.Counter[str] = self._wire.errors
        self.faults_fired: collections.Counter[str] = self._wire.faults_fired
        self.versions_published: collections.Counter[str] = self._backend.versions_published
        self.history: list[CallRecord] = self._wire.history
        if client is None:
            client = isolated_client(region_name)
        self.client: LambdaClient = client  # type: ignore[assignment]
        self._wire.attach(self.client)

    def __repr__(self) -> str:
        return (
            f"SimulatedLambda(region_name={self.region_name!r}, "
            f"functions={sorted(self._backend.functions)!r}, clock={self.clock!r})"
        )

    # -- configuration -----------------------------------------------------------------------

    @property
    def control_plane_rate(self) -> float:
        return self._quotas.control.rate

    @control_plane_rate.setter
    def control_plane_rate(self, rate: float) -> None:
        with self._lock:
            self._quotas.control = TokenBucket.full(rate, self.clock.now())

    @property
    def get_function_rate(self) -> float:
        return self._quotas.get_function.rate

    @get_function_rate.setter
    def get_function_rate(self, rate: float) -> None:
        with self._lock:
            self._quotas.get_function = TokenBucket.full(rate, self.clock.now())

    def detach(self) -> None:
        """Stop answering the client's requests."""
        self._wire.detach(self.client)

    @contextlib.asynccontextmanager
    async def aio_client(self) -> AsyncIterator[AioLambdaClient]:
        """An entered aiobotocore Lambda client answered by this simulator, closed at the end.

        Like `SimulatedLambda()`'s own client: fake credentials, no AWS file read, botocore's
        retries off. Needs the ``async`` extra (aiobotocore).
        """
        async with isolated_aio_client(self.region_name) as client:
            self._wire.attach(client)
            try:
                yield client
            finally:
                self._wire.detach(client)

    def put_s3_object(self, bucket: str, key: str, data: bytes, version: str | None = None) -> str:
        """Register an S3 object that UpdateFunctionCode/CreateFunction can take code from."""
        with self._lock:
            return self._backend.put_s3_object(bucket, key, data, version)

    def fail_next_update(
        self,
        function_name: str | None = None,
        *,
        reason_code: str = "InvalidRuntime",
        reason: str = "The runtime parameter of python2.7 is no longer supported.",
    ) -> None:
        """Make the next code update (of `function_name`, or of any function) end `Failed`."""
        name = self._backend.bare_name(function_name) if function_name else None
        with self._lock:
            self._backend.next_failures.append((name, reason_code, reason))

    def fail_function(
        self,
        function_name: str,
        *,
        reason_code: str = "InternalError",
        reason: str = "An internal error occurred.",
    ) -> None:
        """Put the function's State into `Failed` with the given reason."""
        with self._lock:
            self._backend.fail_function(function_name, reason_code, reason)

    def add_fault(
        self,
        kind: FaultKind,
        *,
        operation: str | None = None,
        function_name: str | None = None,
        calls: set[int] | frozenset[int] | None = None,
        times: int | None = None,
        rate: float | None = None,
        retry_after: int = 1,
    ) -> Fault:
        """Inject a failure into matching requests.

        `calls` picks 1-based numbers among the requests matching `operation`/`function_name`,
        `times` limits it to the next N hits, `rate` makes each match fail with that probability.
        Without any of them every matching request fails.

        `concurrent_update` and `concurrent_failed_update` are another writer: just before the
        matching request is handled, another client updates the function's code (refused with
        409 if an update is in progress; the failed kind ends `Failed`). The request itself is
        then answered as usual. `concurrent_alias_change` is another client pointing the alias
        the request names at `$LATEST` just before it. Each attempt is in `history` with the
        kind as its `fault`.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = Fault(
            kind,
            operation,
            self._backend.bare_name(function_name) if function_name else None,
            frozenset(calls) if calls is not None else None,
            times,
            rate,
            retry_after,
        )
        with self._lock:
            self._faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._backend.next_failures.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self._wire.reset()
            self.versions_published.clear()

    # -- setup and inspection helpers --------------------------------------------------------

    def create_function(
        self,
        name: str,
        zip_bytes: bytes = b"",
        *,
        runtime: str = "python3.12",
        architectures: tuple[str, ...] = ("x86_64",),
        package_type: str = "Zip",
        image_uri: str | None = None,
        environment: dict[str, str] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Create a function through the client (a real CreateFunction request).

        Empty `zip_bytes` means a small default package with `index.handler`.
        """
        params: dict[str, Any] = {
            "FunctionName": name,
            "Role": f"arn:aws:iam::{self.account_id}:role/lambda-role",
            "PackageType": package_type,
            "Architectures": list(architectures),
        }
        if package_type == "Image":
            params["Code"] = {"ImageUri": image_uri}
        else:
            params["Code"] = {"ZipFile": zip_bytes or _DEFAULT_ZIP}
            params["Runtime"] = runtime
            params["Handler"] = "index.handler"
        if environment is not None:
            params["Environment"] = {"Variables": environment}
        params.update(extra)
        response: dict[str, Any] = self.client.create_function(**params)  # type: ignore[assignment]
        return response

    def configuration(self, function_name: str, qualifier: str | None = None) -> dict[str, Any]:
        """The configuration as GetFunctionConfiguration would return it, without a request."""
        with self._lock:
            return self._backend.configuration(function_name, qualifier)

    def alias(self, function_name: str, name: str) -> str | None:
        """The version an alias points at, or None when there is no such alias."""
        with self._lock:
            alias = self._backend.functions[self._backend.bare_name(function_name)].aliases
            return alias[name]["FunctionVersion"] if name in alias else None

    def move_alias(self, function_name: str, name: str, version: str) -> None:
        """Point an alias at ``version`` as another client would (creating it if missing)."""
        with self._lock:
            self._backend.move_alias(function_name, name, version)

    def code(self, function_name: str, qualifier: str | None = None) -> bytes:
        """The zip bytes deployed to the function (or version); empty for images."""
        with self._lock:
            return self._backend.code(function_name, qualifier)

    def lambda_code_client(self, **kwargs: Any) -> LambdaCodeClient:
        """A `lambda_code.LambdaCodeClient` on this client, sleeping on this simulator's clock."""
        # Only this method needs the client; the simulator itself serves any botocore client.
        from lambda_code._client import LambdaCodeClient

        return LambdaCodeClient(self.client, clock=self.clock, **kwargs)
