"""lambda-code: typed, validated, retrying deployments of AWS Lambda function code.

The names a call needs are here; the nested shapes of ``FunctionConfiguration`` and the enums of
their members are in ``lambda_code.models``, the simulator in ``lambda_code.testing``.
"""

from importlib.metadata import version as _version

from ._client import LambdaCodeClient
from ._deploy import DeployTarget
from ._enums import (
    Architecture,
    LastUpdateStatus,
    LastUpdateStatusReasonCode,
    PackageType,
    Runtime,
    State,
    StateReasonCode,
)
from ._errors import (
    CodeMismatchError,
    CodeSigningConfigNotFoundException,
    CodeStorageExceededException,
    CodeVerificationFailedException,
    DeadlineExceededError,
    FunctionFailedError,
    ImageResolutionError,
    InvalidCodeSignatureException,
    InvalidParameterValueException,
    LambdaCodeError,
    LambdaError,
    PackageError,
    PreconditionFailedException,
    RequestValidationError,
    ResourceConflictException,
    ResourceNotFoundException,
    ServiceException,
    StagingError,
    TooManyRequestsException,
    TransportError,
    UpdateFailedError,
    UpdateSupersededError,
    WaiterError,
    WaitTimeoutError,
)
from ._events import (
    AliasEvent,
    AliasUpdate,
    DeployEvent,
    DeployResult,
    DoneEvent,
    PolledEvent,
    PublishedEvent,
    ReadingEvent,
    ResolvedEvent,
    SkippedEvent,
    StagedEvent,
    UpdatingEvent,
    UploadingEvent,
    UploadProgressEvent,
)
from ._models import AliasConfiguration, FunctionConfiguration, UpdateFunctionCodeRequest
from ._package import DEFAULT_EXCLUDES, ContainerImage, S3Location, ZipPackage, ZipProgress
from ._ratelimit import RateLimits
from ._retry import RetryPolicy
from ._staging import S3Staging
from ._validation import MAX_UNZIPPED_SIZE, MAX_ZIP_SIZE
from ._waiters import WaitPolicy

__version__ = _version("lambda-code")

__all__ = [
    "DEFAULT_EXCLUDES",
    "MAX_UNZIPPED_SIZE",
    "MAX_ZIP_SIZE",
    "AliasConfiguration",
    "AliasEvent",
    "AliasUpdate",
    "Architecture",
    "CodeMismatchError",
    "CodeSigningConfigNotFoundException",
    "CodeStorageExceededException",
    "CodeVerificationFailedException",
    "ContainerImage",
    "DeadlineExceededError",
    "DeployEvent",
    "DeployResult",
    "DeployTarget",
    "DoneEvent",
    "FunctionConfiguration",
    "FunctionFailedError",
    "ImageResolutionError",
    "InvalidCodeSignatureException",
    "InvalidParameterValueException",
    "LambdaCodeClient",
    "LambdaCodeError",
    "LambdaError",
    "LastUpdateStatus",
    "LastUpdateStatusReasonCode",
    "PackageError",
    "PackageType",
    "PolledEvent",
    "PreconditionFailedException",
    "PublishedEvent",
    "RateLimits",
    "ReadingEvent",
    "RequestValidationError",
    "ResolvedEvent",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "RetryPolicy",
    "Runtime",
    "S3Location",
    "S3Staging",
    "ServiceException",
    "SkippedEvent",
    "StagedEvent",
    "StagingError",
    "State",
    "StateReasonCode",
    "TooManyRequestsException",
    "TransportError",
    "UpdateFailedError",
    "UpdateFunctionCodeRequest",
    "UpdateSupersededError",
    "UpdatingEvent",
    "UploadProgressEvent",
    "UploadingEvent",
    "WaitPolicy",
    "WaitTimeoutError",
    "WaiterError",
    "ZipPackage",
    "ZipProgress",
    "__version__",
]
