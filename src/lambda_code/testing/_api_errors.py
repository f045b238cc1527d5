# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""The simulator's error answers: `ApiError` and one factory per error Lambda sends, with its text.

Every part of the simulator raises these; only the wire turns one into a rest-json response.
The messages are Lambda's own, so tests and users match on what AWS really says.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "cannot_unzip",
    "invalid",
    "not_a_function_name",
    "not_found",
    "not_json",
    "pending",
    "server_error",
    "stale_revision",
    "throttled",
    "too_large",
    "unknown_operation",
    "update_in_progress",
]

_STALE = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)


class ApiError(Exception):
    """An error answer, turned into Lambda's rest-json error response by the wire."""

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


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidParameterValueException", message)


def cannot_unzip() -> ApiError:
    return invalid(
        "Could not unzip uploaded file. Please check your file, then try to upload again."
    )


def not_a_function_name(function_name: str) -> ApiError:
    return ApiError(
        400,
        "ValidationException",
        f"1 validation error detected: Value '{function_name}' at 'functionName' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern",
    )


def not_json(message: str) -> ApiError:
    return ApiError(400, "SerializationException", message)


def not_found(what: str) -> ApiError:
    return ApiError(404, "ResourceNotFoundException", f"Function not found: {what}")


def unknown_operation(method: str, path: str) -> ApiError:
    return ApiError(
        404, "UnknownOperationException", f"The simulator does not implement {method} {path}"
    )


def pending() -> ApiError:
    return ApiError(
        409,
        "ResourceConflictException",
        "The operation cannot be performed at this time. "
        "The function is currently in the following state: Pending",
    )


def update_in_progress(arn: str) -> ApiError:
    return ApiError(
        409,
        "ResourceConflictException",
        "The operation cannot be performed at this time. "
        f"An update is in progress for resource: {arn}",
    )


def stale_revision() -> ApiError:
    return ApiError(412, "PreconditionFailedException", _STALE)


def too_large(limit: int, operation: str) -> ApiError:
    return ApiError(
        413,
        "RequestEntityTooLargeException",
        f"Request must be smaller than {limit} bytes for the {operation} operation",
    )


def throttled(retry_after: int) -> ApiError:
    return ApiError(
        429,
        "TooManyRequestsException",
        "Rate exceeded",
        extra={"Reason": "CallerRateLimitExceeded"},
        retry_after=retry_after,
    )


def server_error() -> ApiError:
    return ApiError(500, "ServiceException", "The service encountered an internal error.")
