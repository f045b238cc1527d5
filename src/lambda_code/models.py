"""The nested shapes of ``FunctionConfiguration`` and the enums of their members.

Responses build these for you; import them to annotate or to compare, as in
``config.tracing_config == TracingConfig(mode=TracingMode.ACTIVE)``. What you type to make a
call (the client, the request, ``FunctionConfiguration`` and its main enums) is in
``lambda_code`` itself.
"""

from ._enums import (
    ApplicationLogLevel,
    DirectS3Read,
    FunctionVersionLatestPublished,
    LogFormat,
    S3ObjectStorageMode,
    SnapStartApplyOn,
    SnapStartOptimizationStatus,
    SystemLogLevel,
    TenantIsolationMode,
    TracingMode,
)
from ._models import (
    AcceleratorConfig,
    CapacityProviderConfig,
    DeadLetterConfig,
    DurableConfig,
    EnvironmentResponse,
    EnvironmentResponseError,
    EphemeralStorage,
    FileSystemConfig,
    ImageConfig,
    ImageConfigError,
    ImageConfigResponse,
    LambdaManagedInstancesCapacityProviderConfig,
    Layer,
    LoggingConfig,
    RuntimeConfig,
    RuntimeVersionConfig,
    RuntimeVersionError,
    S3FilesConfig,
    SnapStart,
    TenancyConfig,
    TracingConfig,
    VpcConfig,
)

__all__ = [
    "AcceleratorConfig",
    "ApplicationLogLevel",
    "CapacityProviderConfig",
    "DeadLetterConfig",
    "DirectS3Read",
    "DurableConfig",
    "EnvironmentResponse",
    "EnvironmentResponseError",
    "EphemeralStorage",
    "FileSystemConfig",
    "FunctionVersionLatestPublished",
    "ImageConfig",
    "ImageConfigError",
    "ImageConfigResponse",
    "LambdaManagedInstancesCapacityProviderConfig",
    "Layer",
    "LogFormat",
    "LoggingConfig",
    "RuntimeConfig",
    "RuntimeVersionConfig",
    "RuntimeVersionError",
    "S3FilesConfig",
    "S3ObjectStorageMode",
    "SnapStart",
    "SnapStartApplyOn",
    "SnapStartOptimizationStatus",
    "SystemLogLevel",
    "TenancyConfig",
    "TenantIsolationMode",
    "TracingConfig",
    "TracingMode",
    "VpcConfig",
]
