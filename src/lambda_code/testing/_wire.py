# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""The botocore side of the simulator: the before-send hook, routing, decoding, responses.

botocore still validates, serialises, signs and parses every request and response; only the
HTTP round trip is replaced. An aiobotocore client runs the same hook (its emitter awaits only
what is awaitable) and gets the same answer, as the `AioAWSResponse` it reads asynchronously.
`Wire` answers every request that reaches the hook, even ones it cannot route, so nothing ever
touches the network. It decides the order a request meets the rest: faults, then decoding,
then quotas, then the backend; and it counts what happened.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import random
import sys
import uuid
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
import botocore.config
import botocore.session
from botocore.awsrequest import AWSResponse, HTTPHeaders

from lambda_code.testing._api_errors import ApiError, not_json, too_large, unknown_operation
from lambda_code.testing._backend import Request
from lambda_code.testing._faults import TRANSPORT_KINDS, WRITER_KINDS, raise_answer, transport_error

if TYPE_CHECKING:
    import threading
    from collections.abc import AsyncIterator, Callable, Iterator

    from aiobotocore.awsrequest import AioAWSResponse
    from botocore.awsrequest import AWSPreparedRequest
    from botocore.client import BaseClient
    from types_aiobotocore_lambda import LambdaClient as AioLambdaClient

    from lambda_code.testing._backend import LambdaBackend
    from lambda_code.testing._faults import Faults
    from lambda_code.testing._quotas import Quotas

__all__ = ["CallRecord", "Wire", "isolated_aio_client", "isolated_client"]

_EVENT = "before-send.lambda"
_PREFIX = "/2015-03-31/functions"
# Lambda rejects request bodies above this size (the 50 MiB zip limit after base64).
_MAX_REQUEST_BYTES = 70_167_211
# A session that reads no AWS profile, config or credentials file.
# logical name: (config file key, environment variable, default, conversion)
_NO_AWS_FILES: dict[str, tuple[Any, Any, Any, Any]] = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}


@attrs.frozen
class CallRecord:
    """One request the simulator answered (or failed on purpose)."""

    time: float
    operation: str
    function_name: str | None
    status: int | None  # HTTP status, None when a transport fault replaced the response
    error_code: str | None = None
    fault: str | None = None


class Wire:
    """Answers a botocore client's Lambda requests from a backend, with faults and quotas."""

    def __init__(
        self,
        backend: LambdaBackend,
        faults: Faults,
        quotas: Quotas,
        lock: threading.Lock,
        *,
        seed: int,
    ) -> None:
        self._backend = backend
        self._faults = faults
        self._quotas = quotas
        self._lock = lock
        self._request_ids = random.Random(seed)
        self._last_failed: dict[tuple[str, str | None], bool] = {}
        self.calls: collections.Counter[str] = collections.Counter()
        self.throttled: collections.Counter[str] = collections.Counter()
        self.errors: collections.Counter[str] = collections.Counter()
        self.faults_fired: collections.Counter[str] = collections.Counter()
        self.retries_seen = 0
        self.history: list[CallRecord] = []
        # botocore's stubs type handlers as returning None; a before-send handler returns the
        # response that replaces the HTTP round trip.
        self._hook = cast("Callable[..., None]", self._handle)
        self._aio_hook = cast("Callable[..., None]", self._handle_aio)

    def attach(self, client: BaseClient) -> None:
        client.meta.events.register(_EVENT, self._hook_for(client))

    def detach(self, client: BaseClient) -> None:
        client.meta.events.unregister(_EVENT, self._hook_for(client))

    def _hook_for(self, client: BaseClient) -> Callable[..., None]:
        # An aiobotocore client exists only once aiobotocore is imported, so a sync-only
        # install never imports it here.
        aio = sys.modules.get("aiobotocore.client")
        return self._aio_hook if aio and isinstance(client, aio.AioBaseClient) else self._hook

    def reset(self) -> None:
        """Forget every request so far (the caller holds the lock)."""
        for counter in (self.calls, self.throttled, self.errors, self.faults_fired):
            counter.clear()
        self.retries_seen = 0
        self.history.clear()
        self._last_failed.clear()

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
        backend = self._backend
        name = backend.bare_name(raw_name, strict=False) if raw_name else None
        with self._lock:
            now = backend.clock.now()
            self.calls[operation] += 1
            key = (operation, name)
            if self._last_failed.get(key):
                self.retries_seen += 1
            fault = self._faults.match(operation, name)
            kind = fault.kind if fault is not None else None
            if kind == "concurrent_alias_change":
                self._alias_writer(name, _alias_named(route, request.body), now)
                fault = kind = None
            elif kind in WRITER_KINDS:
                self._another_writer(name, now, kind)
                fault = kind = None  # the request itself is then handled as usual
            # Until the answer is known to have arrived, a following request is a retry.
            self._last_failed[key] = True
            if kind in TRANSPORT_KINDS:
                self._record(CallRecord(now, operation, name, None, None, kind))
                raise transport_error(kind, url)
            try:
                raise_answer(fault, backend.arn(name or ""))
                parsed = _parse_request(route, request, split.query)
                self._quotas.take(operation, now)
                status, payload = backend.dispatch(parsed)
            except ApiError as error:
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
                raise transport_error("read_timeout", url)
            return response

    def _handle_aio(self, request: AWSPreparedRequest, **kwargs: Any) -> AioAWSResponse:
        """The same answer for an aiobotocore client, which awaits the response's content."""
        # Deferred: aiobotocore is optional, and only its clients call this hook.
        from aiobotocore.awsrequest import AioAWSResponse

        response = self._handle(request, **kwargs)
        # The stubs type an AWSResponse's headers loosely; these are the HTTPHeaders we built.
        headers = cast("HTTPHeaders", response.headers)
        return AioAWSResponse(response.url, response.status_code, headers, response.raw)

    def _another_writer(self, name: str | None, now: float, kind: str) -> None:
        """Another client's code update, recorded as that client's request."""
        try:
            updated = self._backend.writer_update(
                name or "", failed=kind == "concurrent_failed_update"
            )
        except ApiError as busy:
            self._record(CallRecord(now, "UpdateFunctionCode", name, busy.status, busy.code, kind))
            return
        if updated:
            self._record(CallRecord(now, "UpdateFunctionCode", name, 200, None, kind))

    def _alias_writer(self, name: str | None, alias: str | None, now: float) -> None:
        """Another client points the request's alias at ``$LATEST`` (creating it if missing)."""
        if name is None or alias is None or name not in self._backend.functions:
            return
        self._backend.move_alias(name, alias, "$LATEST")
        self._record(CallRecord(now, "UpdateAlias", name, 200, None, "concurrent_alias_change"))

    def _record(self, record: CallRecord) -> None:
        if record.fault is not None:
            self.faults_fired[record.fault] += 1
        self.history.append(record)

    def _response(self, url: str, status: int, payload: dict[str, Any]) -> AWSResponse:
        headers = self._headers()
        headers["Content-Type"] = "application/json"
        body = json.dumps(payload).encode()
        return AWSResponse(url, status, headers, _RawBody(body))

    def _error_response(self, url: str, error: ApiError) -> AWSResponse:
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


class _RawBody:
    """The `raw` object botocore (`stream`) or aiobotocore (`read`) reads a response body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data

    async def read(self) -> bytes:
        return self._data


def isolated_client(region_name: str) -> Any:
    """A botocore Lambda client with fake credentials that reads no AWS profile or config file.

    A simulator never talks to AWS, so an ``AWS_PROFILE`` naming a profile this machine lacks,
    or a broken config file, must not stop it.
    """
    session = botocore.session.Session(session_vars=_NO_AWS_FILES)
    return session.create_client(
        "lambda",
        region_name=region_name,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - fake credentials, never sent
        # The library's retry policy is the only retry layer.
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )


@contextlib.asynccontextmanager
async def isolated_aio_client(region_name: str) -> AsyncIterator[AioLambdaClient]:
    """`isolated_client`'s aiobotocore twin, entered: it closes when the block ends."""
    # Deferred: only this needs aiobotocore, an optional dependency.
    from aiobotocore.config import AioConfig
    from aiobotocore.session import AioSession

    session = AioSession(session_vars=_NO_AWS_FILES)
    async with session.create_client(
        "lambda",
        region_name=region_name,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - fake credentials, never sent
        config=AioConfig(retries={"total_max_attempts": 1}),
    ) as client:
        yield client


def _route(method: str, path: str) -> tuple[str, str | None, str | None] | None:
    """Map an HTTP method and path to (operation, function name, alias name)."""
    if path.rstrip("/") == _PREFIX:
        return ("CreateFunction", None, None) if method == "POST" else None
    if not path.startswith(_PREFIX + "/"):
        return None
    parts = path[len(_PREFIX) + 1 :].split("/")
    name = unquote(parts[0])
    routes = {
        ("GET", ()): "GetFunction",
        ("GET", ("configuration",)): "GetFunctionConfiguration",
        ("PUT", ("code",)): "UpdateFunctionCode",
        ("POST", ("versions",)): "PublishVersion",
        ("GET", ("versions",)): "ListVersionsByFunction",
        ("POST", ("aliases",)): "CreateAlias",
    }
    alias = None
    if len(parts) == 3 and parts[1] == "aliases" and parts[2]:
        alias = unquote(parts[2])
        operation = {"GET": "GetAlias", "PUT": "UpdateAlias"}.get(method)
    else:
        operation = routes.get((method, tuple(parts[1:])))
    if operation is None or not name:
        return None
    return operation, name, alias


def _parse_request(
    route: tuple[str, str | None, str | None] | None, request: AWSPreparedRequest, query: str
) -> Request:
    """Check what botocore sent can be answered, and decode it."""
    if route is None:
        raise unknown_operation(request.method or "", urlsplit(request.url).path)
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    if body is not None and not isinstance(body, bytes | bytearray):
        body = body.read()  # a file-like body; botocore sends bytes for Lambda's JSON
        body = body.encode() if isinstance(body, str) else body
    if body is not None and len(body) > _MAX_REQUEST_BYTES:
        raise too_large(_MAX_REQUEST_BYTES, route[0])
    return Request(
        route[0],
        route[1],
        {name: values[-1] for name, values in parse_qs(query).items()},
        _json_body(bytes(body or b"")),
        alias=route[2],
    )


def _peek_function_name(body: object, member: str = "FunctionName") -> str | None:
    """CreateFunction names its function in the body; read it for counters and faults."""
    if not isinstance(body, bytes | str):
        return None
    try:
        name = json.loads(body).get(member)
    except (ValueError, AttributeError):
        return None
    return name if isinstance(name, str) else None


def _alias_named(route: tuple[str, str | None, str | None] | None, body: object) -> str | None:
    """The alias a request is about: in the path, or CreateAlias's body."""
    if route is None:
        return None
    return _peek_function_name(body, "Name") if route[0] == "CreateAlias" else route[2]


def _json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError as error:
        raise not_json("Request body is not JSON.") from error
    if not isinstance(parsed, dict):
        raise not_json("Request body is not a JSON object.")
    return parsed
