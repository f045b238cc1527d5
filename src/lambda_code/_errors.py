"""Every error lambda-code raises, and the one place botocore errors are mapped.

```
LambdaCodeError                          base of everything below
├── LambdaError                          an error answer from the Lambda service
│   ├── CodeSigningConfigNotFoundException   404
│   ├── CodeStorageExceededException         400
│   ├── CodeVerificationFailedException      400
│   ├── InvalidCodeSignatureException        400
│   ├── InvalidParameterValueException       400
│   ├── PreconditionFailedException          412  (stale RevisionId)
│   ├── ResourceConflictException            409  retryable
│   ├── ResourceNotFoundException            404
│   ├── ServiceException                     500  retryable
│   └── TooManyRequestsException             429  retryable, retry_after_seconds, reason
├── TransportError                       no answer: connection error or read timeout (retryable)
├── DeadlineExceededError                a call that could not start before its deadline
├── RequestValidationError (ValueError)  a request broke a documented constraint
├── PackageError (ValueError)            a code package is not usable
├── StagingError                         a zip could not be staged in S3 (nothing sent to Lambda)
├── ImageResolutionError                 an image tag could not be resolved to its digest
├── CodeMismatchError                    Lambda took other code than the staged package's
└── WaiterError                          a wait ended without the awaited status
    ├── UpdateFailedError                LastUpdateStatus Failed
    ├── FunctionFailedError              State Failed
    ├── UpdateSupersededError            another update replaced ours before it was confirmed
    └── WaitTimeoutError                 the timeout passed
```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import attrs
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    import tenacity
    from botocore.exceptions import BotoCoreError

    from ._models import FunctionConfiguration

__all__ = [
    "CodeMismatchError",
    "CodeSigningConfigNotFoundException",
    "CodeStorageExceededException",
    "CodeVerificationFailedException",
    "DeadlineExceededError",
    "FunctionFailedError",
    "ImageResolutionError",
    "InvalidCodeSignatureException",
    "InvalidParameterValueException",
    "LambdaCodeError",
    "LambdaError",
    "PackageError",
    "PreconditionFailedException",
    "RequestValidationError",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "ServiceException",
    "StagingError",
    "TooManyRequestsException",
    "TransportError",
    "UpdateFailedError",
    "UpdateSupersededError",
    "WaitTimeoutError",
    "WaiterError",
    "map_botocore_error",
    "map_client_error",
    "map_transport_error",
    "retry_after",
]


class LambdaCodeError(Exception):
    """Base class of every error lambda-code raises."""

    #: Whether repeating the same call may succeed.
    is_retryable: ClassVar[bool] = False
    #: Set on errors a deploy raises: True when Lambda had already accepted the deploy's update
    #: (the function has the new code, or is applying it), None when that is unknown because an
    #: answer was lost, False when nothing was changed.
    update_accepted: bool | None = False
    #: An earlier attempt of the same call whose outcome is unknown (no answer, or a 5xx),
    #: when this error ended the call: that attempt may have taken effect.
    earlier_unknown: LambdaCodeError | None = None

    def __str__(self) -> str:
        text = self.describe()
        if self.update_accepted:
            return f"{text} (Lambda had already accepted the update)"
        if self.update_accepted is None:
            return f"{text} (whether Lambda accepted the update is unknown: its answer was lost)"
        return text

    def describe(self) -> str:
        """The error's own message, without what a deploy adds to it."""
        return super().__str__()

    @property
    def may_have_taken_effect(self) -> bool:
        """Whether the call may have taken effect: this attempt's outcome is unknown, or an
        earlier attempt's was (see ``earlier_unknown``)."""
        return self.outcome_unknown or self.earlier_unknown is not None

    @property
    def outcome_unknown(self) -> bool:
        """Whether the call may have taken effect although it failed (no answer, or a 5xx)."""
        return False


# Gateway-level answers that are transient whatever their code says.
_TRANSIENT_STATUS = frozenset({429, 502, 503, 504})


@attrs.define(auto_exc=True, kw_only=True)
class LambdaError(LambdaCodeError):
    """An error answer from the Lambda service; the botocore ``ClientError`` is ``__cause__``."""

    code: str
    message: str = ""
    status_code: int | None = None
    request_id: str | None = None
    operation: str | None = None
    #: Retries botocore itself made before this answer (``ResponseMetadata.RetryAttempts``).
    retry_attempts: int = 0

    def describe(self) -> str:
        status = f" (HTTP {self.status_code})" if self.status_code is not None else ""
        where = f" during {self.operation}" if self.operation else ""
        return f"{self.code}{status}{where}: {self.message}"

    @property
    def is_retryable(self) -> bool:  # type: ignore[override]
        """Unmodeled codes are retried only when the HTTP status says transient."""
        return self.status_code in _TRANSIENT_STATUS

    @property
    def outcome_unknown(self) -> bool:
        """A server error (5xx) does not say whether the request was carried out."""
        return self.status_code is not None and self.status_code >= 500


@attrs.define(auto_exc=True, kw_only=True)
class CodeSigningConfigNotFoundException(LambdaError):
    """The function's code signing configuration does not exist (404)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class CodeStorageExceededException(LambdaError):
    """The account's total code storage quota is used up (400)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class CodeVerificationFailedException(LambdaError):
    """The code signature failed validation and the signing policy enforces it (400)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class InvalidCodeSignatureException(LambdaError):
    """The code signature failed its integrity check (400)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class InvalidParameterValueException(LambdaError):
    """Lambda rejected a parameter of the request (400)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class PreconditionFailedException(LambdaError):
    """The ``RevisionId`` sent is no longer current: someone else changed the function (412)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class ResourceConflictException(LambdaError):
    """Another operation on the function is in progress, or the resource already exists (409)."""

    @property
    def is_retryable(self) -> bool:  # type: ignore[override]
        """A busy function is retried; "already exists" (an alias, a function) never frees up."""
        return "already exist" not in self.message


@attrs.define(auto_exc=True, kw_only=True)
class ResourceNotFoundException(LambdaError):
    """The function (or qualifier) does not exist (404)."""

    is_retryable = False


@attrs.define(auto_exc=True, kw_only=True)
class ServiceException(LambdaError):
    """Lambda had an internal error (500)."""

    is_retryable = True


@attrs.define(auto_exc=True, kw_only=True)
class TooManyRequestsException(LambdaError):
    """The request rate quota was exceeded (429); wait ``retry_after_seconds`` if given."""

    retry_after_seconds: float | None = None
    reason: str | None = None

    is_retryable = True


@attrs.define(auto_exc=True, kw_only=True)
class TransportError(LambdaCodeError):
    """No answer arrived (connection error or read timeout): the call may or may not have applied.

    The botocore exception is ``__cause__``.
    """

    message: str
    operation: str | None = None

    is_retryable = True

    def describe(self) -> str:
        where = f" during {self.operation}" if self.operation else ""
        return f"no answer from Lambda{where}: {self.message}"

    @property
    def outcome_unknown(self) -> bool:
        """Always: the request may have been carried out, only its answer lost."""
        return True


@attrs.define(auto_exc=True, kw_only=True)
class DeadlineExceededError(LambdaCodeError):
    """A call was not started because it could not start before its deadline.

    Raised instead of queueing behind a rate limiter past a deploy's ``timeout`` (or a call's
    ``deadline``): nothing was sent. The error that made a retry necessary, if any, is
    ``__cause__``.
    """

    operation: str
    function_name: str | None = None

    def describe(self) -> str:
        what = f" for {self.function_name}" if self.function_name else ""
        return f"{self.operation}{what} not started: its deadline would pass first (nothing sent)"


@attrs.define(auto_exc=True, kw_only=True)
class RequestValidationError(LambdaCodeError, ValueError):
    """A request member broke a documented constraint; raised before any network call."""

    field: str
    rule: str

    def describe(self) -> str:
        return f"{self.field}: {self.rule}"


@attrs.define(auto_exc=True, kw_only=True)
class PackageError(LambdaCodeError, ValueError):
    """A code package cannot be used (not a zip, too large, a path leaving its tree)."""

    message: str
    path: str | None = None

    def describe(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def _answer(code: str | None, operation: str | None) -> str:
    if code is None:
        return ""
    return f" ({code} during {operation})" if operation else f" ({code})"


@attrs.define(auto_exc=True, kw_only=True)
class StagingError(LambdaCodeError):
    """A zip could not be staged in S3: nothing was sent to Lambda.

    ``code`` is S3's error code when S3 answered (``NoSuchBucket``, ``AccessDenied``, ...),
    ``operation`` the S3 call; the botocore exception, if any, is ``__cause__``.
    """

    message: str
    bucket: str
    key: str | None = None
    code: str | None = None
    operation: str | None = None

    def describe(self) -> str:
        where = f"s3://{self.bucket}/{self.key}" if self.key else f"s3://{self.bucket}"
        return f"{where}: {self.message}{_answer(self.code, self.operation)}"


@attrs.define(auto_exc=True, kw_only=True)
class CodeMismatchError(LambdaCodeError):
    """After a staged update, the function's ``CodeSha256`` is not the package's.

    The S3 object changed between the upload and the update (someone wrote the key, or a
    lifecycle rule replaced it), so Lambda took other code: the update was accepted
    (``update_accepted`` is True) and the function now runs ``actual``, not ``expected``.
    """

    function_name: str
    location: str
    expected: str
    actual: str | None

    def describe(self) -> str:
        return (
            f"{self.function_name} took code with CodeSha256 {self.actual} from {self.location}, "
            f"not the package's {self.expected}: the S3 object changed between upload and update"
        )


@attrs.define(auto_exc=True, kw_only=True)
class ImageResolutionError(LambdaCodeError):
    """An image tag could not be resolved to the digest it names: nothing was sent to Lambda.

    ``code`` is ECR's error code when ECR answered (``RepositoryNotFoundException``,
    ``ImageNotFoundException``, ``AccessDeniedException``, ...); the botocore exception, if
    any, is ``__cause__``.
    """

    message: str
    uri: str
    code: str | None = None
    operation: str | None = None

    def describe(self) -> str:
        return f"{self.uri}: {self.message}{_answer(self.code, self.operation)}"


@attrs.define(auto_exc=True, kw_only=True)
class WaiterError(LambdaCodeError):
    """A wait ended without reaching the awaited status; ``configuration`` is the last one seen."""

    function_name: str
    configuration: FunctionConfiguration | None = None

    def describe(self) -> str:
        return f"{self.function_name}: wait ended"


@attrs.define(auto_exc=True, kw_only=True)
class UpdateFailedError(WaiterError):
    """``LastUpdateStatus`` became ``Failed``."""

    reason: str | None = None
    reason_code: str | None = None

    def describe(self) -> str:
        return (
            f"{self.function_name}: update failed "
            f"({self.reason_code or 'no reason code'}): {self.reason or 'no reason given'}"
        )


@attrs.define(auto_exc=True, kw_only=True)
class FunctionFailedError(WaiterError):
    """``State`` became ``Failed``."""

    reason: str | None = None
    reason_code: str | None = None

    def describe(self) -> str:
        return (
            f"{self.function_name}: function state Failed "
            f"({self.reason_code or 'no reason code'}): {self.reason or 'no reason given'}"
        )


@attrs.define(auto_exc=True, kw_only=True)
class UpdateSupersededError(WaiterError):
    """Another update replaced this deploy's before it could be confirmed.

    ``ours`` is the configuration our update returned, ``configuration`` the other one seen
    (which may still be in progress, or have failed). Our update was applied and then replaced,
    so nothing was lost by the deploy; whether to deploy again is the caller's decision.
    """

    ours: FunctionConfiguration

    def describe(self) -> str:
        theirs = self.configuration
        seen = (
            f"CodeSha256 {theirs.code_sha256}, LastUpdateStatus {theirs.last_update_status}"
            if theirs is not None
            else "another update"
        )
        return (
            f"{self.function_name}: our update (CodeSha256 {self.ours.code_sha256}) was replaced "
            f"by another before it was confirmed; the function now has {seen}"
        )


@attrs.define(auto_exc=True, kw_only=True)
class WaitTimeoutError(WaiterError):
    """The wait's timeout passed before the awaited status."""

    elapsed: float
    polls: int
    waiting_for: str = "update"

    def describe(self) -> str:
        seen = ""
        if self.configuration is not None:
            c = self.configuration
            seen = f"; last seen State={c.state} LastUpdateStatus={c.last_update_status}"
        return (
            f"{self.function_name}: {self.waiting_for} not finished after "
            f"{self.elapsed:.1f}s and {self.polls} polls{seen}"
        )


_BY_CODE: dict[str, type[LambdaError]] = {
    cls.__name__: cls
    for cls in (
        CodeSigningConfigNotFoundException,
        CodeStorageExceededException,
        CodeVerificationFailedException,
        InvalidCodeSignatureException,
        InvalidParameterValueException,
        PreconditionFailedException,
        ResourceConflictException,
        ResourceNotFoundException,
        ServiceException,
        TooManyRequestsException,
    )
}


def _retry_after(response: dict[str, Any]) -> float | None:
    raw = response.get("retryAfterSeconds")
    if raw is None:
        headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        raw = headers.get("retry-after")
    try:
        value = float(raw) if raw is not None else None
    except ValueError:  # an HTTP-date form, which Lambda does not send
        return None
    return value if value is not None and value >= 0 else None


def retry_after(state: tenacity.RetryCallState) -> float:
    """The pause the service asked for after the attempt in ``state`` (0 when it asked none)."""
    err = state.outcome.exception() if state.outcome else None
    if isinstance(err, TooManyRequestsException) and err.retry_after_seconds is not None:
        return err.retry_after_seconds
    return 0.0


def map_client_error(err: ClientError, operation: str | None = None) -> LambdaError:
    """Turn a botocore ``ClientError`` into its typed lambda-code error (not raised)."""
    response: dict[str, Any] = err.response  # type: ignore[assignment]
    error = response.get("Error", {})
    meta = response.get("ResponseMetadata", {})
    code = str(error.get("Code") or "Unknown")
    common: dict[str, Any] = {
        "code": code,
        "message": str(error.get("Message") or response.get("message") or ""),
        "status_code": meta.get("HTTPStatusCode"),
        "request_id": meta.get("RequestId"),
        "operation": operation or getattr(err, "operation_name", None),
        "retry_attempts": int(meta.get("RetryAttempts") or 0),
    }
    cls = _BY_CODE.get(code, LambdaError)
    if cls is TooManyRequestsException:
        reason = response.get("Reason")
        return TooManyRequestsException(
            **common,
            retry_after_seconds=_retry_after(response),
            reason=str(reason) if reason is not None else None,
        )
    return cls(**common)


def map_transport_error(err: BotoCoreError, operation: str | None = None) -> TransportError:
    """Turn a botocore connection error or read timeout into ``TransportError`` (not raised)."""
    return TransportError(message=str(err), operation=operation)


def map_botocore_error(err: ClientError | BotoCoreError, operation: str) -> LambdaCodeError:
    """The lambda-code error for an error answer or a transport fault (not raised)."""
    if isinstance(err, ClientError):
        return map_client_error(err, operation)
    return map_transport_error(err, operation)
