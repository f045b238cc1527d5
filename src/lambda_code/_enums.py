"""String enums of the Lambda service model.

Values AWS adds later are kept as plain ``str`` by the converter, never rejected.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "ApplicationLogLevel",
    "Architecture",
    "DirectS3Read",
    "FunctionVersionLatestPublished",
    "LastUpdateStatus",
    "LastUpdateStatusReasonCode",
    "LogFormat",
    "PackageType",
    "Runtime",
    "S3ObjectStorageMode",
    "SnapStartApplyOn",
    "SnapStartOptimizationStatus",
    "State",
    "StateReasonCode",
    "SystemLogLevel",
    "TenantIsolationMode",
    "TracingMode",
]


class ApplicationLogLevel(StrEnum):
    """``ApplicationLogLevel`` values of the Lambda service model."""

    TRACE = "TRACE"
    DEBUG = "DEBUG"
    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"
    FATAL = "FATAL"


class Architecture(StrEnum):
    """Instruction set architecture of a function."""

    X86_64 = "x86_64"
    ARM64 = "arm64"


class DirectS3Read(StrEnum):
    """``DirectS3Read`` values of the Lambda service model."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    AUTO = "AUTO"


class FunctionVersionLatestPublished(StrEnum):
    """Where ``PublishTo`` publishes the version."""

    LATEST_PUBLISHED = "LATEST_PUBLISHED"


class LastUpdateStatus(StrEnum):
    """``LastUpdateStatus`` values of the Lambda service model."""

    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"


class LastUpdateStatusReasonCode(StrEnum):
    """``LastUpdateStatusReasonCode`` values of the Lambda service model."""

    ENI_LIMIT_EXCEEDED = "EniLimitExceeded"
    INSUFFICIENT_ROLE_PERMISSIONS = "InsufficientRolePermissions"
    INVALID_CONFIGURATION = "InvalidConfiguration"
    INTERNAL_ERROR = "InternalError"
    SUBNET_OUT_OF_IP_ADDRESSES = "SubnetOutOfIPAddresses"
    INVALID_SUBNET = "InvalidSubnet"
    INVALID_SECURITY_GROUP = "InvalidSecurityGroup"
    IMAGE_DELETED = "ImageDeleted"
    IMAGE_ACCESS_DENIED = "ImageAccessDenied"
    INVALID_IMAGE = "InvalidImage"
    KMS_KEY_ACCESS_DENIED = "KMSKeyAccessDenied"
    KMS_KEY_NOT_FOUND = "KMSKeyNotFound"
    INVALID_STATE_KMS_KEY = "InvalidStateKMSKey"
    DISABLED_KMS_KEY = "DisabledKMSKey"
    EFSIO_ERROR = "EFSIOError"
    EFS_MOUNT_CONNECTIVITY_ERROR = "EFSMountConnectivityError"
    EFS_MOUNT_FAILURE = "EFSMountFailure"
    EFS_MOUNT_TIMEOUT = "EFSMountTimeout"
    INVALID_RUNTIME = "InvalidRuntime"
    INVALID_ZIP_FILE_EXCEPTION = "InvalidZipFileException"
    FUNCTION_ERROR = "FunctionError"
    SERVICE_QUOTA_EXCEEDED_EXCEPTION = "ServiceQuotaExceededException"
    VCPU_LIMIT_EXCEEDED = "VcpuLimitExceeded"
    CAPACITY_PROVIDER_SCALING_LIMIT_EXCEEDED = "CapacityProviderScalingLimitExceeded"
    INSUFFICIENT_CAPACITY = "InsufficientCapacity"
    EC2_REQUEST_LIMIT_EXCEEDED = "EC2RequestLimitExceeded"
    FUNCTION_ERROR_INIT_TIMEOUT = "FunctionError.InitTimeout"
    FUNCTION_ERROR_RUNTIME_INIT_ERROR = "FunctionError.RuntimeInitError"
    FUNCTION_ERROR_EXTENSION_INIT_ERROR = "FunctionError.ExtensionInitError"
    FUNCTION_ERROR_INVALID_ENTRY_POINT = "FunctionError.InvalidEntryPoint"
    FUNCTION_ERROR_INVALID_WORKING_DIRECTORY = "FunctionError.InvalidWorkingDirectory"
    FUNCTION_ERROR_PERMISSION_DENIED = "FunctionError.PermissionDenied"
    FUNCTION_ERROR_TOO_MANY_EXTENSIONS = "FunctionError.TooManyExtensions"
    FUNCTION_ERROR_INIT_RESOURCE_EXHAUSTED = "FunctionError.InitResourceExhausted"
    DISALLOWED_BY_VPC_ENCRYPTION_CONTROL = "DisallowedByVpcEncryptionControl"
    INCOMPATIBLE_ACCELERATOR_INSTANCE_TYPES = "IncompatibleAcceleratorInstanceTypes"
    DEPENDENCY_ERROR = "DependencyError"


class LogFormat(StrEnum):
    """``LogFormat`` values of the Lambda service model."""

    JSON = "JSON"
    TEXT = "Text"


class PackageType(StrEnum):
    """``PackageType`` values of the Lambda service model."""

    ZIP = "Zip"
    IMAGE = "Image"


class Runtime(StrEnum):
    """``Runtime`` values of the Lambda service model."""

    NODEJS = "nodejs"
    NODEJS4_3 = "nodejs4.3"
    NODEJS6_10 = "nodejs6.10"
    NODEJS8_10 = "nodejs8.10"
    NODEJS10_X = "nodejs10.x"
    NODEJS12_X = "nodejs12.x"
    NODEJS14_X = "nodejs14.x"
    NODEJS16_X = "nodejs16.x"
    NODEJS18_X = "nodejs18.x"
    NODEJS20_X = "nodejs20.x"
    NODEJS22_X = "nodejs22.x"
    NODEJS24_X = "nodejs24.x"
    JAVA8 = "java8"
    JAVA8_AL2 = "java8.al2"
    JAVA11 = "java11"
    JAVA17 = "java17"
    JAVA21 = "java21"
    JAVA25 = "java25"
    PYTHON2_7 = "python2.7"
    PYTHON3_6 = "python3.6"
    PYTHON3_7 = "python3.7"
    PYTHON3_8 = "python3.8"
    PYTHON3_9 = "python3.9"
    PYTHON3_10 = "python3.10"
    PYTHON3_11 = "python3.11"
    PYTHON3_12 = "python3.12"
    PYTHON3_13 = "python3.13"
    PYTHON3_14 = "python3.14"
    DOTNETCORE1_0 = "dotnetcore1.0"
    DOTNETCORE2_0 = "dotnetcore2.0"
    DOTNETCORE2_1 = "dotnetcore2.1"
    DOTNETCORE3_1 = "dotnetcore3.1"
    DOTNET6 = "dotnet6"
    DOTNET8 = "dotnet8"
    DOTNET10 = "dotnet10"
    NODEJS4_3_EDGE = "nodejs4.3-edge"
    GO1_X = "go1.x"
    RUBY2_5 = "ruby2.5"
    RUBY2_7 = "ruby2.7"
    RUBY3_2 = "ruby3.2"
    RUBY3_3 = "ruby3.3"
    RUBY3_4 = "ruby3.4"
    RUBY4_0 = "ruby4.0"
    PROVIDED = "provided"
    PROVIDED_AL2 = "provided.al2"
    PROVIDED_AL2023 = "provided.al2023"
    NODEJS26_X = "nodejs26.x"
    PYTHON3_15 = "python3.15"
    JAVA8_AL2023 = "java8.al2023"
    JAVA11_AL2023 = "java11.al2023"
    JAVA17_AL2023 = "java17.al2023"
    CUSTOM = "custom"


class S3ObjectStorageMode(StrEnum):
    """How Lambda stores a package taken from S3."""

    COPY = "COPY"
    REFERENCE = "REFERENCE"


class SnapStartApplyOn(StrEnum):
    """``SnapStartApplyOn`` values of the Lambda service model."""

    PUBLISHED_VERSIONS = "PublishedVersions"
    NONE = "None"


class SnapStartOptimizationStatus(StrEnum):
    """``SnapStartOptimizationStatus`` values of the Lambda service model."""

    ON = "On"
    OFF = "Off"


class State(StrEnum):
    """``State`` values of the Lambda service model."""

    PENDING = "Pending"
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    FAILED = "Failed"
    DEACTIVATING = "Deactivating"
    DEACTIVATED = "Deactivated"
    ACTIVE_NON_INVOCABLE = "ActiveNonInvocable"
    DELETING = "Deleting"


class StateReasonCode(StrEnum):
    """``StateReasonCode`` values of the Lambda service model."""

    IDLE = "Idle"
    CREATING = "Creating"
    RESTORING = "Restoring"
    ENI_LIMIT_EXCEEDED = "EniLimitExceeded"
    INSUFFICIENT_ROLE_PERMISSIONS = "InsufficientRolePermissions"
    INVALID_CONFIGURATION = "InvalidConfiguration"
    INTERNAL_ERROR = "InternalError"
    SUBNET_OUT_OF_IP_ADDRESSES = "SubnetOutOfIPAddresses"
    INVALID_SUBNET = "InvalidSubnet"
    INVALID_SECURITY_GROUP = "InvalidSecurityGroup"
    IMAGE_DELETED = "ImageDeleted"
    IMAGE_ACCESS_DENIED = "ImageAccessDenied"
    INVALID_IMAGE = "InvalidImage"
    KMS_KEY_ACCESS_DENIED = "KMSKeyAccessDenied"
    KMS_KEY_NOT_FOUND = "KMSKeyNotFound"
    INVALID_STATE_KMS_KEY = "InvalidStateKMSKey"
    DISABLED_KMS_KEY = "DisabledKMSKey"
    EFSIO_ERROR = "EFSIOError"
    EFS_MOUNT_CONNECTIVITY_ERROR = "EFSMountConnectivityError"
    EFS_MOUNT_FAILURE = "EFSMountFailure"
    EFS_MOUNT_TIMEOUT = "EFSMountTimeout"
    INVALID_RUNTIME = "InvalidRuntime"
    INVALID_ZIP_FILE_EXCEPTION = "InvalidZipFileException"
    FUNCTION_ERROR = "FunctionError"
    SERVICE_QUOTA_EXCEEDED_EXCEPTION = "ServiceQuotaExceededException"
    VCPU_LIMIT_EXCEEDED = "VcpuLimitExceeded"
    CAPACITY_PROVIDER_SCALING_LIMIT_EXCEEDED = "CapacityProviderScalingLimitExceeded"
    INSUFFICIENT_CAPACITY = "InsufficientCapacity"
    EC2_REQUEST_LIMIT_EXCEEDED = "EC2RequestLimitExceeded"
    FUNCTION_ERROR_INIT_TIMEOUT = "FunctionError.InitTimeout"
    FUNCTION_ERROR_RUNTIME_INIT_ERROR = "FunctionError.RuntimeInitError"
    FUNCTION_ERROR_EXTENSION_INIT_ERROR = "FunctionError.ExtensionInitError"
    FUNCTION_ERROR_INVALID_ENTRY_POINT = "FunctionError.InvalidEntryPoint"
    FUNCTION_ERROR_INVALID_WORKING_DIRECTORY = "FunctionError.InvalidWorkingDirectory"
    FUNCTION_ERROR_PERMISSION_DENIED = "FunctionError.PermissionDenied"
    FUNCTION_ERROR_TOO_MANY_EXTENSIONS = "FunctionError.TooManyExtensions"
    FUNCTION_ERROR_INIT_RESOURCE_EXHAUSTED = "FunctionError.InitResourceExhausted"
    DISALLOWED_BY_VPC_ENCRYPTION_CONTROL = "DisallowedByVpcEncryptionControl"
    DRAINING_DURABLE_EXECUTIONS = "DrainingDurableExecutions"
    INCOMPATIBLE_ACCELERATOR_INSTANCE_TYPES = "IncompatibleAcceleratorInstanceTypes"
    DEPENDENCY_ERROR = "DependencyError"


class SystemLogLevel(StrEnum):
    """``SystemLogLevel`` values of the Lambda service model."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARN = "WARN"


class TenantIsolationMode(StrEnum):
    """``TenantIsolationMode`` values of the Lambda service model."""

    PER_TENANT = "PER_TENANT"


class TracingMode(StrEnum):
    """``TracingMode`` values of the Lambda service model."""

    ACTIVE = "Active"
    PASS_THROUGH = "PassThrough"
