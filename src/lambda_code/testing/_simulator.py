# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""A simulated AWS Lambda control plane behind a real botocore client.

The simulator answers botocore's ``before-send`` event, so botocore still validates, serialises,
signs and parses every request and response; only the HTTP round trip is replaced. Nothing here
ever touches the network: every request that reaches the hook is answered, even ones it cannot
route.

State changes that take time on AWS (a function being created, a code update in progress) are
computed lazily from the clock on each request, so there are no background threads and a
`VirtualClock` makes every wait instant and deterministic.
"""

from __future__ import annotations

import base64
import binascii
import collections
import copy
import hashlib
import importlib
import io
import json
import math
import os
import random
import re
import threading
import uuid
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, cast, get_args
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
import botocore.config
import botocore.exceptions
import botocore.session
from botocore.awsrequest import AWSResponse, HTTPHeaders

from lambda_code.testing._clock import Clock, VirtualClock

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from botocore.awsrequest import AWSPreparedRequest
    from botocore.client import BaseClient
    from mypy_boto3_lambda import LambdaClient

__all__ = ["CallRecord", "Fault", "FaultKind", "SimulatedLambda", "make_zip"]

FaultKind = Literal[
    "server_error",
    "throttle",
    "conflict",
    "connection_error",
    "read_timeout",
    "lost_response",
    "concurrent_update",
    "concurrent_failed_update",
]
_FAULT_KINDS = frozenset(get_args(FaultKind))
# Another writer's code update lands just before the matching request is handled.
_WRITER_KINDS = frozenset({"concurrent_update", "concurrent_failed_update"})
_GET_FUNCTION = "GetFunction"
_PREFIX = "/2015-03-31/functions"
# Lambda rejects request bodies above this size (the 50 MiB zip limit after base64).
_MAX_REQUEST_BYTES = 70_167_211
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NAME_RE = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]{1,64})"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_UPDATING = "The function is being updated."
_CREATING = "The function is being created."
_UNZIP = "Could not unzip uploaded file. Please check your file, then try to upload again."
_STALE = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)
# CreateFunction members echoed back unchanged in the configuration.
_ECHOED = (
    "KMSKeyArn",
    "DeadLetterConfig",
    "TracingConfig",
    "EphemeralStorage",
    "FileSystemConfigs",
)


def make_zip(files: dict[str, bytes]) -> bytes:
    """Build a deterministic zip archive (fixed timestamps, sorted names) from name -> bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


_DEFAULT_ZIP = make_zip({"index.py": b"def handler(event, context):\n    return None\n"})


@attrs.define
class Fault:
    """An injected failure; see `SimulatedLambda.add_fault`."""

    kind: FaultKind
    operation: str | None = None
    function_name: str | None = None
    calls: frozenset[int] | None = None
    times: int | None = None
    rate: float | None = None
    retry_after: int = 1
    seen: int = 0  # matching requests so far (numbers the calls for `calls`)
    fired: int = 0


@attrs.frozen
class CallRecord:
    """One request the simulator answered (or failed on purpose)."""

    time: float
    operation: str
    function_name: str | None
    status: int | None  # HTTP status, None when a transport fault replaced the response
    error_code: str | None = None
    fault: str | None = None


@attrs.define
class _Transition:
    """Something that takes time: a creation or a code update, possibly failing at the end."""

    ends_at: float
    failure: tuple[str, str] | None = None  # (reason code, reason)
    settled: bool = False  # its end has been observed (the RevisionId moves on then)


@attrs.define
class _Code:
    data: bytes = attrs.field(repr=False)
    sha256: str
    size: int
    image_uri: str | None = None


@attrs.define
class _Version:
    config: dict[str, Any] = attrs.field(repr=False)
    code: _Code
    update: _Transition | None  # the update it was published from, while that matters


@attrs.define
class _Function:
    name: str
    config: dict[str, Any] = attrs.field(repr=False)  # $LATEST without lifecycle members
    code: _Code
    creation: _Transition
    update: _Transition | None = None
    failure: tuple[str, str] | None = None  # set by fail_function: State Failed
    tags: dict[str, str] = attrs.field(factory=dict, repr=False)
    versions: dict[int, _Version] = attrs.field(factory=dict)
    next_version: int = 1


@attrs.define
class _Bucket:
    """Token bucket; burst is one second's worth of requests (at least one)."""

    rate: float
    tokens: float
    last: float

    def take(self, now: float) -> int | None:
        """Take a token, or return the whole seconds to wait until one is there."""
        burst = max(self.rate, 1.0)
        self.tokens = min(burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        if self.rate <= 0:
            return 1
        return max(1, math.ceil((1.0 - self.tokens) / self.rate))


class _ApiError(Exception):
    """An error answer, turned into Lambda's rest-json error response by the dispatcher."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        extra: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}
        self.retry_after = retry_after


@attrs.frozen
class _Request:
    operation: str
    function_name: str | None  # as sent, percent-decoded
    query: dict[str, str]
    body: dict[str, Any] = attrs.field(repr=False)


def _invalid(message: str) -> _ApiError:
    return _ApiError(400, "InvalidParameterValueException", message)


def _route(method: str, path: str) -> tuple[str, str | None] | None:
    """Map an HTTP method and path to (operation, function name)."""
    if path.rstrip("/") == _PREFIX:
        return ("CreateFunction", None) if method == "POST" else None
    if not path.startswith(_PREFIX + "/"):
        return None
    parts = path[len(_PREFIX) + 1 :].split("/")
    name = unquote(parts[0])
    routes = {
        ("GET", ()): _GET_FUNCTION,
        ("GET", ("configuration",)): "GetFunctionConfiguration",
        ("PUT", ("code",)): "UpdateFunctionCode",
        ("POST", ("versions",)): "PublishVersion",
        ("GET", ("versions",)): "ListVersionsByFunction",
    }
    operation = routes.get((method, tuple(parts[1:])))
    if operation is None or not name:
        return None
    return operation, name


def _aws_time(epoch_seconds: float) -> str:
    """Lambda's LastModified form: 2019-08-14T22:26:11.234+0000."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise _invalid(_UNZIP) from error


class _RawBody:
    """The `raw` object botocore reads a response body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def _isolated_client(region_name: str) -> Any:
    """A botocore Lambda client with fake credentials that reads no AWS profile or config file.

    A simulator never talks to AWS, so an ``AWS_PROFILE`` naming a profile this machine lacks,
    or a broken config file, must not stop it.
    """
    session = botocore.session.Session(
        session_vars={
            # logical name: (config file key, environment variable, default, conversion)
            "profile": (None, None, None, None),
            "config_file": (None, None, os.devnull, None),
            "credentials_file": (None, None, os.devnull, None),
        }
    )
    return session.create_client(
        "lambda",
        region_name=region_name,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - fake credentials, never sent
        # The library's retry policy is the only retry layer.
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )


class SimulatedLambda:
    """A simulated Lambda control plane attached to a real botocore Lambda client."""

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
    ) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        #: Like Lambda, an update with ``Publish`` returns the newest version instead of a new
        #: one when nothing changed since it; False makes every such update publish, so a test
        #: sees a double publish that Lambda would have hidden.
        self.reuse_unchanged_versions = reuse_unchanged_versions
        self.writer_updates = 0
        self.region_name = region_name
        self.account_id = account_id
        self.update_duration = update_duration
        self.create_duration = create_duration
        self.throttling = throttling
        self._lock = threading.Lock()
        # Separate generators so that, say, adding a fault does not change RevisionIds.
        self._ids = random.Random(seed)
        self._request_ids = random.Random(seed + 1)
        self._fault_rng = random.Random(seed + 2)
        self._functions: dict[str, _Function] = {}
        self._s3: dict[str, dict[str, list[tuple[str, bytes]]]] = {}
        self._faults: list[Fault] = []
        self._next_failures: list[tuple[str | None, str, str]] = []
        self._last_failed: dict[tuple[str, str | None], bool] = {}
        now = self.clock.now()
        self._control = _Bucket(control_plane_rate, max(control_plane_rate, 1.0), now)
        self._get = _Bucket(get_function_rate, max(get_function_rate, 1.0), now)
        self.calls: collections.Counter[str] = collections.Counter()
        self.throttled: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.faults: collections.Counter[str] = collections.Counter()
        self.versions_published: collections.Counter[str] = collections.Counter()
        self.retries_seen = 0
        self.history: list[CallRecord] = []
        if client is None:
            client = _isolated_client(region_name)
        self.client: LambdaClient = client  # type: ignore[assignment]
        # botocore's stubs type handlers as returning None; a before-send handler returns the
        # response that replaces the HTTP round trip.
        self._hook = cast("Callable[..., None]", self._handle)
        self.client.meta.events.register("before-send.lambda", self._hook)

    def __repr__(self) -> str:
        return (
            f"SimulatedLambda(region_name={self.region_name!r}, "
            f"functions={sorted(self._functions)!r}, clock={self.clock!r})"
        )

    # -- configuration -----------------------------------------------------------------------

    @property
    def control_plane_rate(self) -> float:
        return self._control.rate

    @control_plane_rate.setter
    def control_plane_rate(self, rate: float) -> None:
        with self._lock:
            self._control = _Bucket(rate, max(rate, 1.0), self.clock.now())

    @property
    def get_function_rate(self) -> float:
        return self._get.rate

    @get_function_rate.setter
    def get_function_rate(self, rate: float) -> None:
        with self._lock:
            self._get = _Bucket(rate, max(rate, 1.0), self.clock.now())

    def detach(self) -> None:
        """Stop answering the client's requests."""
        self.client.meta.events.unregister("before-send.lambda", self._hook)

    def put_s3_object(self, bucket: str, key: str, data: bytes, version: str | None = None) -> str:
        """Register an S3 object that UpdateFunctionCode/CreateFunction can take code from."""
        with self._lock:
            versions = self._s3.setdefault(bucket, {}).setdefault(key, [])
            version_id = version if version is not None else f"v{len(versions) + 1}"
            versions.append((version_id, data))
            return version_id

    def fail_next_update(
        self,
        function_name: str | None = None,
        *,
        reason_code: str = "InvalidRuntime",
        reason: str = "The runtime parameter of python2.7 is no longer supported.",
    ) -> None:
        """Make the next code update (of `function_name`, or of any function) end `Failed`."""
        name = self._bare_name(function_name) if function_name else None
        with self._lock:
            self._next_failures.append((name, reason_code, reason))

    def fail_function(
        self,
        function_name: str,
        *,
        reason_code: str = "InternalError",
        reason: str = "An internal error occurred.",
    ) -> None:
        """Put the function's State into `Failed` with the given reason."""
        with self._lock:
            fn = self._find_existing(function_name)
            fn.failure = (reason_code, reason)
            fn.config["RevisionId"] = self._new_id()

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
        then answered as usual. Each attempt is in `history` with the kind as its `fault`.
        """
        if kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        fault = Fault(
            kind,
            operation,
            self._bare_name(function_name) if function_name else None,
            frozenset(calls) if calls is not None else None,
            times,
            rate,
            retry_after,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._next_failures.clear()

    def reset_counters(self) -> None:
        with self._lock:
            for counter in (
                self.calls,
                self.throttled,
                self.errors,
                self.faults,
                self.versions_published,
            ):
                counter.clear()
            self.retries_seen = 0
            self.history.clear()
            self._last_failed.clear()

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
            fn = self._find_existing(function_name)
            self._refresh(fn)
            try:
                return self._view(fn, qualifier)
            except _ApiError:
                raise KeyError(f"{function_name}:{qualifier}") from None

    def code(self, function_name: str, qualifier: str | None = None) -> bytes:
        """The zip bytes deployed to the function (or version); empty for images."""
        with self._lock:
            fn = self._find_existing(function_name)
            if qualifier in (None, "$LATEST"):
                return fn.code.data
            try:
                return self._version(fn, qualifier).code.data
            except _ApiError:
                raise KeyError(f"{function_name}:{qualifier}") from None

    def lambda_code_client(self, **kwargs: Any) -> Any:
        """A `lambda_code.LambdaCodeClient` on this client, sleeping on this simulator's clock."""
        # Imported at call time: the testing layer sits below the client and must not need it.
        client_class = importlib.import_module("lambda_code").LambdaCodeClient
        return client_class(self.client, clock=self.clock.now, sleep=self.clock.sleep, **kwargs)

    # -- request handling --------------------------------------------------------------------

    def _handle(self, request: AWSPreparedRequest, **kwargs: Any) -> AWSResponse:
        """botocore's before-send hook: answer every Lambda request."""
        url = request.url or ""
        split = urlsplit(url)
        route = _route(request.method or "", split.path)
        event_name = str(kwargs.get("event_name", ""))
        operation = route[0] if route else event_name.rpartition(".")[2] or "Unknown"
        raw_name = route[1] if route else None
        if route is not None and route[0] == "CreateFunction":
            raw_name = _peek_function_name(request.body)
        name = self._bare_name(raw_name, strict=False) if raw_name else None
        with self._lock:
            now = self.clock.now()
            self.calls[operation] += 1
            key = (operation, name)
            if self._last_failed.get(key):
                self.retries_seen += 1
            fault = self._match_fault(operation, name)
            kind = fault.kind if fault is not None else None
            if kind in _WRITER_KINDS:
                self._concurrent_update(name, now, failed=kind == "concurrent_failed_update")
                fault = kind = None  # the request itself is then handled as usual
            # Until the answer is known to have arrived, a following request is a retry.
            self._last_failed[key] = True
            if kind in {"connection_error", "read_timeout"}:
                self._record(CallRecord(now, operation, name, None, None, kind))
                if kind == "connection_error":
                    raise botocore.exceptions.EndpointConnectionError(endpoint_url=url)
                raise botocore.exceptions.ReadTimeoutError(endpoint_url=url)
            try:
                self._inject(fault, name)
                parsed = _parse_request(route, request, split.query)
                self._throttle(operation, now)
                status, payload = self._dispatch(parsed)
            except _ApiError as error:
                self.errors[error.code] += 1
                if error.code == "TooManyRequestsException":
                    self.throttled[operation] += 1
                self._record(CallRecord(now, operation, name, error.status, error.code, kind))
                response = self._error_response(url, error)
            else:
                self._record(CallRecord(now, operation, name, status, None, kind))
                self._last_failed[key] = kind == "lost_response"
                response = self._response(url, status, payload)
            if kind == "lost_response":
                # The request took effect; only its answer is lost on the way back.
                raise botocore.exceptions.ReadTimeoutError(endpoint_url=url)
            return response

    def _record(self, record: CallRecord) -> None:
        if record.fault is not None:
            self.faults[record.fault] += 1
        self.history.append(record)

    def _match_fault(self, operation: str, name: str | None) -> Fault | None:
        chosen = None
        for fault in self._faults:
            if fault.operation not in (None, operation):
                continue
            if fault.function_name not in (None, name):
                continue
            fault.seen += 1
            if chosen is not None:
                continue
            if fault.times is not None and fault.fired >= fault.times:
                continue
            if fault.calls is not None and fault.seen not in fault.calls:
                continue
            if fault.rate is not None and self._fault_rng.random() >= fault.rate:
                continue
            fault.fired += 1
            chosen = fault
        return chosen

    def _inject(self, fault: Fault | None, name: str | None) -> None:
        """Answer with the injected error, for faults that replace the answer."""
        if fault is None:
            return
        if fault.kind == "server_error":
            raise _ApiError(500, "ServiceException", "The service encountered an internal error.")
        if fault.kind == "throttle":
            raise _ApiError(
                429,
                "TooManyRequestsException",
                "Rate exceeded",
                extra={"Reason": "CallerRateLimitExceeded"},
                retry_after=fault.retry_after,
            )
        if fault.kind == "conflict":
            raise _ApiError(409, "ResourceConflictException", self._in_progress(name or ""))

    def _throttle(self, operation: str, now: float) -> None:
        if not self.throttling:
            return
        bucket = self._get if operation == _GET_FUNCTION else self._control
        wait = bucket.take(now)
        if wait is not None:
            raise _ApiError(
                429,
                "TooManyRequestsException",
                "Rate exceeded",
                extra={"Reason": "CallerRateLimitExceeded"},
                retry_after=wait,
            )

    def _dispatch(self, request: _Request) -> tuple[int, dict[str, Any]]:
        handlers: dict[str, Callable[[_Request], tuple[int, dict[str, Any]]]] = {
            "CreateFunction": self._create_function,
            _GET_FUNCTION: self._get_function,
            "GetFunctionConfiguration": self._get_function_configuration,
            "UpdateFunctionCode": self._update_function_code,
            "PublishVersion": self._publish_version,
            "ListVersionsByFunction": self._list_versions,
        }
        return handlers[request.operation](request)

    def _response(self, url: str, status: int, payload: dict[str, Any]) -> AWSResponse:
        headers = self._headers()
        headers["Content-Type"] = "application/json"
        body = json.dumps(payload).encode()
        return AWSResponse(url, status, headers, _RawBody(body))

    def _error_response(self, url: str, error: _ApiError) -> AWSResponse:
        headers = self._headers()
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = error.code
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        kind = "Service" if error.status >= 500 else "User"
        body = json.dumps({"Type": kind, "message": error.message, **error.extra}).encode()
        return AWSResponse(url, error.status, headers, _RawBody(body))

    def _headers(self) -> HTTPHeaders:
        headers = HTTPHeaders()
        headers["x-amzn-RequestId"] = str(
            uuid.UUID(int=self._request_ids.getrandbits(128), version=4)
        )
        return headers

    # -- operations --------------------------------------------------------------------------

    def _create_function(self, request: _Request) -> tuple[int, dict[str, Any]]:
        body = request.body
        name, qualifier = self._parse_name(str(body.get("FunctionName", "")))
        if qualifier is not None:
            raise _invalid("A function name cannot contain a qualifier on CreateFunction.")
        if name in self._functions:
            raise _ApiError(409, "ResourceConflictException", f"Function already exist: {name}")
        package_type = str(body.get("PackageType") or "Zip")
        if package_type == "Zip" and not (body.get("Runtime") and body.get("Handler")):
            raise _invalid(
                "Runtime and Handler are mandatory parameters for functions created "
                "with deployment packages."
            )
        code = self._resolve_code(dict(body.get("Code") or {}), package_type, "creating")
        now = self.clock.now()
        config = self._initial_config(name, body, code)
        creation = _Transition(now + self.create_duration, settled=self.create_duration <= 0)
        fn = _Function(name, config, code, creation, tags=dict(body.get("Tags") or {}))
        self._functions[name] = fn
        if body.get("Publish"):
            return 201, self._new_version(fn, None, None)
        return 201, self._view(fn, None)

    def _initial_config(self, name: str, body: dict[str, Any], code: _Code) -> dict[str, Any]:
        """The static part of a new function's configuration: defaults, then what was sent."""
        package_type = str(body.get("PackageType") or "Zip")
        config: dict[str, Any] = {
            "FunctionName": name,
            "FunctionArn": self._arn(name),
            "Role": body.get("Role"),
            "CodeSize": code.size,
            "Description": body.get("Description", ""),
            "Timeout": body.get("Timeout", 3),
            "MemorySize": body.get("MemorySize", 128),
            "LastModified": _aws_time(self.clock.time()),
            "CodeSha256": code.sha256,
            "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": self._new_id(),
            "PackageType": package_type,
            "Architectures": list(body.get("Architectures") or ["x86_64"]),
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
        }
        if package_type == "Zip":
            config["Runtime"] = body["Runtime"]
            config["Handler"] = body["Handler"]
        config.update({member: body[member] for member in _ECHOED if member in body})
        if "Environment" in body:
            config["Environment"] = {"Variables": dict(body["Environment"].get("Variables", {}))}
        if "Layers" in body:
            config["Layers"] = [{"Arn": arn, "CodeSize": 0} for arn in body["Layers"]]
        if "VpcConfig" in body:
            config["VpcConfig"] = {**body["VpcConfig"], "VpcId": "vpc-0123456789abcdef0"}
        if "ImageConfig" in body:
            config["ImageConfigResponse"] = {"ImageConfig": body["ImageConfig"]}
        if "LoggingConfig" in body:
            config["LoggingConfig"] = {**config["LoggingConfig"], **body["LoggingConfig"]}
        if "SnapStart" in body:
            config["SnapStart"] = {**body["SnapStart"], "OptimizationStatus": "Off"}
        return config

    def _get_function(self, request: _Request) -> tuple[int, dict[str, Any]]:
        fn, qualifier = self._lookup(request)
        config = self._view(fn, qualifier)
        code = fn.code if qualifier in (None, "$LATEST") else self._version(fn, qualifier).code
        location: dict[str, Any]
        if code.image_uri is not None:
            repository = code.image_uri.partition(":")[0].partition("@")[0]
            location = {
                "RepositoryType": "ECR",
                "ImageUri": code.image_uri,
                "ResolvedImageUri": f"{repository}@sha256:{code.sha256}",
            }
        else:
            location = {
                "RepositoryType": "S3",
                "Location": (
                    f"https://awslambda-{self.region_name}-tasks.s3.{self.region_name}"
                    f".amazonaws.com/snapshots/{self.account_id}/{fn.name}-{config['RevisionId']}"
                ),
            }
        return 200, {"Configuration": config, "Code": location, "Tags": dict(fn.tags)}

    def _get_function_configuration(self, request: _Request) -> tuple[int, dict[str, Any]]:
        fn, qualifier = self._lookup(request)
        return 200, self._view(fn, qualifier)

    def _update_function_code(self, request: _Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        body = request.body
        code = self._resolve_code(body, str(fn.config["PackageType"]), "updating")
        self._check_ready(fn)
        self._check_revision(fn, body.get("RevisionId"))
        if body.get("DryRun"):
            return 200, self._view(fn, None)
        self._apply_update(fn, code, self._take_failure(fn.name))
        if body.get("Architectures"):
            fn.config["Architectures"] = list(body["Architectures"])
        if body.get("Publish"):
            # "The same effect as calling PublishVersion separately", so no new version when
            # nothing changed since the newest one, unless told otherwise.
            newest = fn.versions[max(fn.versions)] if fn.versions else None
            if (
                self.reuse_unchanged_versions
                and newest is not None
                and _content(newest.config) == _content(fn.config)
            ):
                return 200, self._version_view(newest)
            return 200, self._new_version(fn, None, fn.update)
        return 200, self._view(fn, None)

    def _apply_update(self, fn: _Function, code: _Code, failure: tuple[str, str] | None) -> None:
        now = self.clock.now()
        duration = self._duration(fn.name)
        fn.update = _Transition(now + duration, failure, settled=duration <= 0)
        fn.code = code
        fn.config.update(
            CodeSha256=code.sha256,
            CodeSize=code.size,
            LastModified=_aws_time(self.clock.time()),
            RevisionId=self._new_id(),
        )

    def _concurrent_update(self, name: str | None, now: float, *, failed: bool) -> None:
        """Another client updates the function's code, as Lambda would let it (not while busy)."""
        fn = self._functions.get(name or "")
        if fn is None:
            return
        kind = "concurrent_failed_update" if failed else "concurrent_update"
        self._refresh(fn)
        try:
            self._check_ready(fn)
        except _ApiError as busy:
            self._record(CallRecord(now, "UpdateFunctionCode", fn.name, 409, busy.code, kind))
            return
        self.writer_updates += 1
        if fn.config["PackageType"] == "Image":
            uri = f"{fn.code.image_uri}-writer{self.writer_updates}"
            code = _image_code(uri)
        else:
            data = make_zip({"writer.py": f"# update {self.writer_updates}\n".encode()})
            code = _Code(data, base64.b64encode(hashlib.sha256(data).digest()).decode(), len(data))
        failure = ("InternalError", "another writer's update failed") if failed else None
        self._apply_update(fn, code, failure)
        self._record(CallRecord(now, "UpdateFunctionCode", fn.name, 200, None, kind))

    def _publish_version(self, request: _Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        body = request.body
        self._check_ready(fn)
        self._check_revision(fn, body.get("RevisionId"))
        expected = body.get("CodeSha256")
        if expected is not None and expected != fn.code.sha256:
            # Lambda answers a CodeSha256 mismatch with 400, not 412 (which is for RevisionId).
            raise _invalid(
                f"CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST "
                f"({fn.code.sha256}). Please try again with the CodeSHA256 in $LATEST."
            )
        if fn.versions:
            # Like Lambda: no new version when $LATEST has not changed since the newest one.
            newest = fn.versions[max(fn.versions)]
            if _content(newest.config) == _content(fn.config):
                return 201, self._version_view(newest)
        return 201, self._new_version(fn, body.get("Description"), fn.update)

    def _list_versions(self, request: _Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        items = [self._view(fn, None)] + [
            self._version_view(v) for _, v in sorted(fn.versions.items())
        ]
        start = 0
        marker = request.query.get("Marker")
        if marker is not None:
            if not marker.isdigit() or not 0 < int(marker) < len(items):
                raise _invalid("Invalid marker.")
            start = int(marker)
        max_items = int(request.query.get("MaxItems", "50"))
        page = items[start : start + max_items]
        result: dict[str, Any] = {"Versions": page}
        if start + max_items < len(items):
            result["NextMarker"] = str(start + max_items)
        return 200, result

    # -- state helpers -----------------------------------------------------------------------

    def _bare_name(self, function_name: str, *, strict: bool = True) -> str:
        try:
            return self._parse_name(function_name)[0]
        except _ApiError:
            if strict:
                raise ValueError(f"not a function name: {function_name!r}") from None
            return function_name

    def _parse_name(self, function_name: str) -> tuple[str, str | None]:
        """Split a bare name, partial ARN or full ARN (with optional qualifier)."""
        match = _NAME_RE.fullmatch(function_name)
        if match is None:
            raise _ApiError(
                400,
                "ValidationException",
                f"1 validation error detected: Value '{function_name}' at 'functionName' "
                "failed to satisfy constraint: Member must satisfy regular expression pattern",
            )
        region, account = match["region"], match["account"]
        if region not in (None, self.region_name) or account not in (None, self.account_id):
            raise self._not_found(function_name)
        return match["name"], match["qualifier"]

    def _lookup(
        self, request: _Request, *, latest_only: bool = False
    ) -> tuple[_Function, str | None]:
        name, qualifier = self._parse_name(request.function_name or "")
        query_qualifier = request.query.get("Qualifier")
        if qualifier is not None and query_qualifier not in (None, qualifier):
            raise _invalid(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."
            )
        qualifier = qualifier or query_qualifier
        fn = self._find(name)
        self._refresh(fn)
        if latest_only and qualifier not in (None, "$LATEST"):
            raise _invalid(f"{request.operation} does not accept a qualifier: {qualifier}")
        if qualifier not in (None, "$LATEST"):
            self._version(fn, qualifier)  # 404 for unknown versions and for aliases
        return fn, qualifier

    def _find_existing(self, function_name: str) -> _Function:
        """For the helper methods: a KeyError, not an API error, for a missing function."""
        fn = self._functions.get(self._bare_name(function_name))
        if fn is None:
            raise KeyError(function_name)
        return fn

    def _find(self, name: str) -> _Function:
        fn = self._functions.get(name)
        if fn is None:
            raise self._not_found(self._arn(name))
        return fn

    def _version(self, fn: _Function, qualifier: str | None) -> _Version:
        version = fn.versions.get(int(qualifier)) if qualifier and qualifier.isdigit() else None
        if version is None:
            raise self._not_found(self._arn(fn.name, qualifier))
        return version

    def _not_found(self, what: str) -> _ApiError:
        return _ApiError(404, "ResourceNotFoundException", f"Function not found: {what}")

    def _arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _in_progress(self, name: str) -> str:
        return (
            "The operation cannot be performed at this time. "
            f"An update is in progress for resource: {self._arn(name)}"
        )

    def _duration(self, name: str) -> float:
        duration = self.update_duration
        return float(duration(name) if callable(duration) else duration)

    def _take_failure(self, name: str) -> tuple[str, str] | None:
        for index, (target, code, reason) in enumerate(self._next_failures):
            if target in (None, name):
                del self._next_failures[index]
                return code, reason
        return None

    def _refresh(self, fn: _Function) -> None:
        """Observe finished transitions; like Lambda, the RevisionId changes when they end."""
        now = self.clock.now()
        for transition in (fn.creation, fn.update):
            if transition is not None and not transition.settled and now >= transition.ends_at:
                transition.settled = True
                fn.config["RevisionId"] = self._new_id()

    def _check_ready(self, fn: _Function) -> None:
        now = self.clock.now()
        if now < fn.creation.ends_at:
            raise _ApiError(
                409,
                "ResourceConflictException",
                "The operation cannot be performed at this time. "
                "The function is currently in the following state: Pending",
            )
        if fn.update is not None and now < fn.update.ends_at:
            raise _ApiError(409, "ResourceConflictException", self._in_progress(fn.name))

    def _check_revision(self, fn: _Function, revision_id: object) -> None:
        if revision_id is not None and revision_id != fn.config["RevisionId"]:
            raise _ApiError(412, "PreconditionFailedException", _STALE)

    def _resolve_code(self, source: dict[str, Any], package_type: str, verb: str) -> _Code:
        """Check the code source against the package type and turn it into bytes and a hash."""
        has_zip = source.get("ZipFile") is not None
        has_s3 = source.get("S3Bucket") is not None or source.get("S3Key") is not None
        has_image = source.get("ImageUri") is not None
        if has_zip + has_s3 + has_image == 0:
            raise _invalid("Please provide a source for function code.")
        if has_zip + has_s3 + has_image > 1:
            raise _invalid("Please do not provide more than one source for function code.")
        if package_type == "Image" and not has_image:
            raise _invalid(
                f"Please provide ImageUri when {verb} a function with packageType Image."
            )
        if package_type != "Image" and has_image:
            raise _invalid(
                f"Please don't provide ImageUri when {verb} a function with packageType Zip."
            )
        if has_image:
            uri = str(source["ImageUri"])
            return _image_code(uri)
        if has_zip:
            try:
                data = base64.b64decode(source["ZipFile"], validate=True)
            except (binascii.Error, ValueError, TypeError) as error:
                raise _invalid(_UNZIP) from error
        else:
            data = self._s3_object(source)
        _check_zip(data)
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        return _Code(data, digest, len(data))

    def _s3_object(self, source: dict[str, Any]) -> bytes:
        bucket, key = source.get("S3Bucket"), source.get("S3Key")
        if not bucket or not key:
            raise _invalid("Please provide both S3Bucket and S3Key.")
        wanted = source.get("S3ObjectVersion")
        objects = self._s3.get(str(bucket))
        if objects is None:
            s3_code, s3_message = "NoSuchBucket", "The specified bucket does not exist"
        elif str(key) not in objects:
            s3_code, s3_message = "NoSuchKey", "The specified key does not exist."
        else:
            for version_id, data in reversed(objects[str(key)]):
                if wanted in (None, version_id):
                    return data
            s3_code, s3_message = "NoSuchVersion", "The specified version does not exist."
        raise _invalid(
            f"Error occurred while GetObject. S3 Error Code: {s3_code}. "
            f"S3 Error Message: {s3_message}"
        )

    def _new_version(
        self, fn: _Function, description: object, update: _Transition | None
    ) -> dict[str, Any]:
        number = fn.next_version
        fn.next_version += 1
        config = copy.deepcopy(fn.config)
        config.update(
            FunctionArn=self._arn(fn.name, str(number)),
            Version=str(number),
            LastModified=_aws_time(self.clock.time()),
            RevisionId=self._new_id(),
        )
        if description is not None:
            config["Description"] = description
        version = _Version(config, fn.code, update)
        fn.versions[number] = version
        self.versions_published[fn.name] += 1
        return self._version_view(version)

    def _view(self, fn: _Function, qualifier: str | None) -> dict[str, Any]:
        """The configuration as Lambda reports it now, lifecycle members included."""
        if qualifier not in (None, "$LATEST"):
            return self._version_view(self._version(fn, qualifier))
        now = self.clock.now()
        config = copy.deepcopy(fn.config)
        if fn.failure is not None:
            config.update(State="Failed", StateReasonCode=fn.failure[0], StateReason=fn.failure[1])
        elif now < fn.creation.ends_at:
            config.update(State="Pending", StateReasonCode="Creating", StateReason=_CREATING)
        else:
            config["State"] = "Active"
        if fn.update is not None and now < fn.update.ends_at:
            config.update(LastUpdateStatus="InProgress", LastUpdateStatusReason=_UPDATING)
        elif fn.update is not None and fn.update.failure is not None:
            code, reason = fn.update.failure
            config.update(
                LastUpdateStatus="Failed",
                LastUpdateStatusReasonCode=code,
                LastUpdateStatusReason=reason,
            )
        else:
            config["LastUpdateStatus"] = "Successful"
        return config

    def _version_view(self, version: _Version) -> dict[str, Any]:
        config = copy.deepcopy(version.config)
        update = version.update
        if update is not None and self.clock.now() < update.ends_at:
            config.update(
                State="Pending",
                StateReasonCode="Creating",
                StateReason=_CREATING,
                LastUpdateStatus="InProgress",
                LastUpdateStatusReason=_UPDATING,
            )
        elif update is not None and update.failure is not None:
            code, reason = update.failure
            config.update(
                State="Failed",
                StateReasonCode=code,
                StateReason=reason,
                LastUpdateStatus="Failed",
                LastUpdateStatusReasonCode=code,
                LastUpdateStatusReason=reason,
            )
        else:
            config.update(State="Active", LastUpdateStatus="Successful")
        return config


def _image_code(uri: str) -> _Code:
    """An image's code: Lambda reports its digest, which a digest-pinned URI names."""
    _, pinned, digest = uri.partition("@sha256:")
    # A tag resolves to some digest; a hash of the URI stands in for it, stable per tag.
    return _Code(b"", digest if pinned else hashlib.sha256(uri.encode()).hexdigest(), 0, uri)


def _content(config: dict[str, Any]) -> tuple[Any, ...]:
    """What makes $LATEST differ from a version, for PublishVersion's no-change rule."""
    return (config["CodeSha256"], tuple(config["Architectures"]))


def _parse_request(
    route: tuple[str, str | None] | None, request: AWSPreparedRequest, query: str
) -> _Request:
    """Check what botocore sent can be answered, and decode it."""
    if route is None:
        raise _ApiError(
            404,
            "UnknownOperationException",
            f"The simulator does not implement {request.method} {urlsplit(request.url).path}",
        )
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    if body is not None and not isinstance(body, bytes | bytearray):
        body = body.read()  # a file-like body; botocore sends bytes for Lambda's JSON
        body = body.encode() if isinstance(body, str) else body
    if body is not None and len(body) > _MAX_REQUEST_BYTES:
        raise _ApiError(
            413,
            "RequestEntityTooLargeException",
            f"Request must be smaller than {_MAX_REQUEST_BYTES} bytes for the {route[0]} operation",
        )
    return _Request(
        route[0],
        route[1],
        {name: values[-1] for name, values in parse_qs(query).items()},
        _json_body(bytes(body or b"")),
    )


def _peek_function_name(body: object) -> str | None:
    """CreateFunction names its function in the body; read it for counters and faults."""
    if not isinstance(body, bytes | str):
        return None
    try:
        name = json.loads(body).get("FunctionName")
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError as error:
        raise _ApiError(400, "SerializationException", "Request body is not JSON.") from error
    if not isinstance(parsed, dict):
        raise _ApiError(400, "SerializationException", "Request body is not a JSON object.")
    return parsed
