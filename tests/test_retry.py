"""The retry policy applied by LambdaCodeClient, in virtual time."""

import io
import json
import logging
import zipfile
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from lambda_code import (
    InvalidParameterValueException,
    LambdaCodeClient,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
    RetryPolicy,
    ServiceException,
    TooManyRequestsException,
    TransportError,
    UpdateFunctionCodeRequest,
)
from lambda_code.testing import VirtualClock

_ZIP = io.BytesIO()
with zipfile.ZipFile(_ZIP, "w") as _archive:
    _archive.writestr("handler.py", "def handler(event, context):\n    return 1\n")
ZIP = _ZIP.getvalue()
REQUEST = UpdateFunctionCodeRequest(function_name="fn", zip_file=ZIP)
OK = {"FunctionName": "fn", "CodeSha256": "abc", "LastUpdateStatus": "InProgress"}
NO_JITTER = RetryPolicy(jitter=False, base_delay=0.25, max_delay=20.0)


@pytest.fixture
def botocore_client() -> Any:
    """A real botocore Lambda client with botocore's retries off."""
    session = botocore.session.get_session()
    return session.create_client(
        "lambda", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1})
    )


@pytest.fixture
def stubber(botocore_client: Any) -> Iterator[Stubber]:
    """A Stubber on that client; every queued answer must be consumed."""
    with Stubber(botocore_client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def _client(
    botocore_client: Any, clock: VirtualClock, policy: RetryPolicy = NO_JITTER
) -> LambdaCodeClient:
    return LambdaCodeClient(botocore_client, retry=policy, clock=clock)


def _error(stub: Stubber, code: str, status: int, **kwargs: Any) -> None:
    stub.add_client_error("update_function_code", code, f"{code}!", status, **kwargs)


def test_conflict_is_retried_until_it_clears(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """A 409 is retried with exponential backoff until the update goes through."""
    _error(stubber, "ResourceConflictException", 409)
    _error(stubber, "ResourceConflictException", 409)
    stubber.add_response("update_function_code", OK)
    config = _client(botocore_client, clock).update_function_code(REQUEST)
    assert config.code_sha256 == "abc"
    assert clock.sleeps == [0.25, 0.5]


@pytest.mark.parametrize(
    ("code", "status"),
    [("ServiceException", 500), ("TooManyRequestsException", 429)],
)
def test_transient_service_errors_are_retried(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock, code: str, status: int
) -> None:
    """500 and 429 are retried like 409."""
    _error(stubber, code, status)
    stubber.add_response("update_function_code", OK)
    assert _client(botocore_client, clock).update_function_code(REQUEST).function_name == "fn"
    assert clock.sleeps == [0.25]


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("PreconditionFailedException", 412, PreconditionFailedException),
        ("ResourceNotFoundException", 404, ResourceNotFoundException),
        ("InvalidParameterValueException", 400, InvalidParameterValueException),
    ],
)
def test_permanent_errors_raise_at_once(
    botocore_client: Any,
    stubber: Stubber,
    clock: VirtualClock,
    code: str,
    status: int,
    cls: type[Exception],
) -> None:
    """412, 404 and 400 are raised on the first attempt, typed, with the ClientError chained."""
    _error(stubber, code, status)
    with pytest.raises(cls) as info:
        _client(botocore_client, clock).update_function_code(REQUEST)
    assert clock.sleeps == []
    assert info.value.__cause__ is not None
    assert type(info.value.__cause__).__name__ == code


def test_retry_after_wins_over_backoff_and_max_delay(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """A Retry-After longer than max_delay is still honoured in full."""
    _error(stubber, "TooManyRequestsException", 429, modeled_fields={"retryAfterSeconds": "7"})
    stubber.add_response("update_function_code", OK)
    policy = RetryPolicy(jitter=False, base_delay=0.1, max_delay=1.0)
    _client(botocore_client, clock, policy).update_function_code(REQUEST)
    assert clock.sleeps == [7.0]


def test_retry_after_past_deadline_gives_up_at_once(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """When Retry-After would start the next attempt past the deadline, the 429 is raised now."""
    _error(stubber, "TooManyRequestsException", 429, modeled_fields={"retryAfterSeconds": "30"})
    policy = RetryPolicy(jitter=False, timeout=10.0)
    with pytest.raises(TooManyRequestsException) as info:
        _client(botocore_client, clock, policy).update_function_code(REQUEST)
    assert info.value.retry_after_seconds == 30.0
    assert clock.sleeps == []


def test_max_attempts_counts_every_attempt(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """max_attempts=3 makes three calls, then raises the last error."""
    for _ in range(3):
        _error(stubber, "ResourceConflictException", 409)
    with pytest.raises(ResourceConflictException):
        _client(
            botocore_client, clock, RetryPolicy(max_attempts=3, jitter=False)
        ).update_function_code(REQUEST)
    assert clock.sleeps == [0.25, 0.5]


def test_one_attempt_means_no_retry(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """max_attempts=1 disables retrying."""
    _error(stubber, "ServiceException", 500)
    with pytest.raises(ServiceException):
        _client(botocore_client, clock, RetryPolicy(max_attempts=1)).update_function_code(REQUEST)
    assert clock.sleeps == []


def test_deadline_bounds_the_retries(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """Retries stop when the next attempt would start after the deadline."""
    # Delays 1, 2, 4: attempts at t=0, 1, 3; the next (t=7) is past a 5 s deadline.
    for _ in range(3):
        _error(stubber, "ServiceException", 500)
    policy = RetryPolicy(jitter=False, base_delay=1.0, timeout=5.0)
    with pytest.raises(ServiceException):
        _client(botocore_client, clock, policy).update_function_code(REQUEST)
    assert clock.sleeps == [1.0, 2.0]


def test_backoff_is_capped_by_max_delay(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """Exponential delays stop growing at max_delay."""
    for _ in range(4):
        _error(stubber, "ServiceException", 500)
    stubber.add_response("update_function_code", OK)
    policy = RetryPolicy(jitter=False, base_delay=1.0, max_delay=3.0)
    _client(botocore_client, clock, policy).update_function_code(REQUEST)
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]


def test_full_jitter_stays_under_the_exponential_ceiling(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """With jitter each delay is drawn between 0 and the exponential ceiling."""
    for _ in range(5):
        _error(stubber, "ResourceConflictException", 409)
    stubber.add_response("update_function_code", OK)
    policy = RetryPolicy(base_delay=1.0, max_delay=100.0)
    _client(botocore_client, clock, policy).update_function_code(REQUEST)
    assert len(clock.sleeps) == 5
    for n, slept in enumerate(clock.sleeps):
        assert 0 <= slept <= 2**n


def test_botocore_attempts_count_against_max_attempts(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """An error after botocore retried 4 times has used 5 of 5 attempts: no retry."""
    _error(stubber, "ServiceException", 500, response_meta={"RetryAttempts": 4})
    with pytest.raises(ServiceException):
        _client(botocore_client, clock, RetryPolicy(max_attempts=5)).update_function_code(REQUEST)
    assert clock.sleeps == []


def test_botocore_attempts_on_retries_count_too(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """Attempts botocore made inside a retry add to the budget as well."""
    _error(stubber, "ServiceException", 500)
    _error(stubber, "ServiceException", 500, response_meta={"RetryAttempts": 2})
    with pytest.raises(ServiceException):
        _client(
            botocore_client, clock, RetryPolicy(max_attempts=4, jitter=False)
        ).update_function_code(REQUEST)
    assert len(clock.sleeps) == 1


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class _Transport:
    """A before-send hook: the first ``failures`` requests get a transport error, then 200 OK."""

    def __init__(self, client: Any, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0
        client.meta.events.register("before-send.lambda", self)

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        body = json.dumps({**OK, "Version": "2"}).encode()
        headers = HTTPHeaders()
        headers["content-type"] = "application/json"
        return AWSResponse(request.url, 200, headers, _Raw(body))


_READ_TIMEOUT = ReadTimeoutError(endpoint_url="https://lambda.us-east-1.amazonaws.com")
_NO_CONNECTION = EndpointConnectionError(endpoint_url="https://lambda.us-east-1.amazonaws.com")


@pytest.mark.parametrize("error", [_READ_TIMEOUT, _NO_CONNECTION], ids=["timeout", "connection"])
def test_transport_faults_are_retried(
    botocore_client: Any, clock: VirtualClock, error: Exception
) -> None:
    """Connection errors and read timeouts are retried for an update that cannot publish twice."""
    hook = _Transport(botocore_client, 2, error)
    _client(botocore_client, clock).update_function_code(REQUEST)
    assert hook.calls == 3
    assert clock.sleeps == [0.25, 0.5]


def test_unguarded_publish_is_not_retried_after_transport_fault(
    botocore_client: Any, clock: VirtualClock
) -> None:
    """publish=True without revision_id: a lost answer may have published, so no retry."""
    hook = _Transport(botocore_client, 1, _READ_TIMEOUT)
    request = UpdateFunctionCodeRequest(function_name="fn", zip_file=ZIP, publish=True)
    with pytest.raises(TransportError) as info:
        _client(botocore_client, clock).update_function_code(request)
    assert hook.calls == 1
    assert isinstance(info.value.__cause__, ReadTimeoutError)


def test_guarded_publish_is_retried_after_transport_fault(
    botocore_client: Any, clock: VirtualClock
) -> None:
    """publish=True with revision_id is retried: a repeat would be refused with 412."""
    hook = _Transport(botocore_client, 1, _READ_TIMEOUT)
    request = UpdateFunctionCodeRequest(
        function_name="fn", zip_file=ZIP, publish=True, revision_id="rev-1"
    )
    assert _client(botocore_client, clock).update_function_code(request).version == "2"
    assert hook.calls == 2


def test_guarded_publish_still_retries_throttling(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """An unguarded publish is still retried on answers that prove nothing was applied."""
    _error(stubber, "TooManyRequestsException", 429)
    stubber.add_response("update_function_code", OK)
    request = UpdateFunctionCodeRequest(function_name="fn", zip_file=ZIP, publish=True)
    _client(botocore_client, clock).update_function_code(request)
    assert clock.sleeps == [0.25]


def test_each_retry_is_logged(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """One log line per retry names the operation, code, attempt and delay."""
    _error(stubber, "ResourceConflictException", 409)
    stubber.add_response("update_function_code", OK)
    with caplog.at_level(logging.INFO, logger="lambda_code"):
        _client(botocore_client, clock).update_function_code(REQUEST)
    [record] = caplog.records
    assert record.name == "lambda_code"
    message = record.getMessage()
    assert "UpdateFunctionCode" in message
    assert "ResourceConflictException" in message
    assert "attempt 1" in message
    assert "0.250s" in message


def test_calls_do_not_share_a_budget(
    botocore_client: Any, stubber: Stubber, clock: VirtualClock
) -> None:
    """Each call gets the whole policy: a second call after an exhausted one retries again."""
    policy = RetryPolicy(max_attempts=2, jitter=False)
    client = _client(botocore_client, clock, policy)
    for _ in range(2):
        _error(stubber, "ServiceException", 500)
    _error(stubber, "ServiceException", 500)
    stubber.add_response("update_function_code", OK)
    with pytest.raises(ServiceException):
        client.update_function_code(REQUEST)
    assert client.update_function_code(REQUEST).function_name == "fn"
    assert clock.sleeps == [0.25, 0.25]


def test_created_client_has_botocore_retries_off() -> None:
    """A client lambda-code creates leaves retrying to the RetryPolicy alone."""
    client = LambdaCodeClient(region_name="eu-west-1")
    assert client.client.meta.config.retries["total_max_attempts"] == 1
    assert client.client.meta.region_name == "eu-west-1"


def test_policy_rejects_nonsense() -> None:
    """A policy with no attempts or a negative delay is refused on construction."""
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=-1)
