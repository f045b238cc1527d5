"""The error hierarchy and the one place botocore errors are mapped."""

import botocore.session
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

import lambda_code
from lambda_code import (
    LambdaCodeError,
    LambdaError,
    PackageError,
    RequestValidationError,
    TooManyRequestsException,
    TransportError,
)
from lambda_code._errors import map_client_error, map_transport_error

_OPERATION = (
    botocore.session.get_session().get_service_model("lambda").operation_model("UpdateFunctionCode")
)
_RETRYABLE = {"ResourceConflictException", "TooManyRequestsException", "ServiceException"}


def _client_error(code: str, status: int, **extra: object) -> ClientError:
    response: dict[str, object] = {
        "Error": {"Code": code, "Message": f"{code} happened"},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": "req-1", "HTTPHeaders": {}},
        **extra,
    }
    return ClientError(response, "UpdateFunctionCode")  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", _OPERATION.error_shapes, ids=lambda s: s.name)
def test_every_modeled_code_maps_to_its_class(shape: botocore.model.Shape) -> None:
    """Each error code UpdateFunctionCode can return maps to the class of the same name."""
    status = shape.metadata["error"]["httpStatusCode"]
    mapped = map_client_error(_client_error(shape.name, status))
    cls = getattr(lambda_code, shape.name)
    assert type(mapped) is cls
    assert issubclass(cls, LambdaError)
    assert (mapped.code, mapped.status_code, mapped.request_id) == (shape.name, status, "req-1")
    assert mapped.operation == "UpdateFunctionCode"
    assert mapped.message == f"{shape.name} happened"
    assert mapped.is_retryable is (shape.name in _RETRYABLE)


def test_unknown_code_keeps_its_code() -> None:
    """A code the model does not know maps to LambdaError itself, code kept."""
    mapped = map_client_error(_client_error("AccessDeniedException", 403))
    assert type(mapped) is LambdaError
    assert mapped.code == "AccessDeniedException"
    assert mapped.status_code == 403
    assert not mapped.is_retryable


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (502, True), (400, False)])
def test_unknown_code_retryable_by_status(status: int, retryable: bool) -> None:
    """An unmodeled code is retryable only for transient gateway statuses."""
    assert map_client_error(_client_error("Mystery", status)).is_retryable is retryable


def test_retry_after_from_modeled_member() -> None:
    """retryAfterSeconds (botocore's parse of the Retry-After header) becomes a float."""
    err = _client_error(
        "TooManyRequestsException", 429, retryAfterSeconds="7", Reason="CallerRateLimitExceeded"
    )
    mapped = map_client_error(err)
    assert isinstance(mapped, TooManyRequestsException)
    assert mapped.retry_after_seconds == 7.0
    assert mapped.reason == "CallerRateLimitExceeded"


def test_retry_after_from_raw_header() -> None:
    """Without the modeled member, the raw Retry-After header is read."""
    err = _client_error("TooManyRequestsException", 429)
    err.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] = "2.5"
    mapped = map_client_error(err)
    assert isinstance(mapped, TooManyRequestsException)
    assert mapped.retry_after_seconds == 2.5


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2015 07:28:00 GMT", "-3"])
def test_unusable_retry_after_is_ignored(value: str) -> None:
    """An HTTP-date or negative Retry-After is dropped, never an error."""
    mapped = map_client_error(
        _client_error("TooManyRequestsException", 429, retryAfterSeconds=value)
    )
    assert isinstance(mapped, TooManyRequestsException)
    assert mapped.retry_after_seconds is None


def test_botocore_retry_attempts_are_kept() -> None:
    """ResponseMetadata.RetryAttempts is kept so the retry budget can count it."""
    err = _client_error("ServiceException", 500)
    err.response["ResponseMetadata"]["RetryAttempts"] = 3
    assert map_client_error(err).retry_attempts == 3


def test_transport_error_is_retryable_and_named() -> None:
    """A connection error maps to TransportError naming the operation."""
    mapped = map_transport_error(EndpointConnectionError(endpoint_url="http://x"), "GetFunction")
    assert isinstance(mapped, TransportError)
    assert mapped.is_retryable
    assert "GetFunction" in str(mapped)
    assert "http://x" in str(mapped)


def test_str_names_code_status_and_operation() -> None:
    """str() of a service error says code, HTTP status, operation and message."""
    text = str(map_client_error(_client_error("ResourceNotFoundException", 404)))
    assert text == (
        "ResourceNotFoundException (HTTP 404) during UpdateFunctionCode: "
        "ResourceNotFoundException happened"
    )


def test_client_side_errors_are_value_errors() -> None:
    """Validation and package errors are ValueErrors and LambdaCodeErrors, never retryable."""
    for err in (RequestValidationError(field="f", rule="r"), PackageError(message="m")):
        assert isinstance(err, ValueError)
        assert isinstance(err, LambdaCodeError)
        assert not err.is_retryable
    assert str(RequestValidationError(field="s3_key", rule="must be set")) == "s3_key: must be set"
