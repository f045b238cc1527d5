"""attrs models of the UpdateFunctionCode request and the FunctionConfiguration response.

Attribute names are snake_case; each field's wire name lives in its metadata (``wire``), which
the converter in ``_convert`` reads, so wire names are written down exactly once. This module
imports the converter, never the reverse: ``_convert`` knows no model class, only what ``wire``
metadata means, so a new shape needs no registration.
"""

import hashlib
from base64 import b64encode
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

import attrs

from . import _convert, _views
from ._enums import (
    ApplicationLogLevel,
    Architecture,
    DirectS3Read,
    FunctionVersionLatestPublished,
    LastUpdateStatus,
    LastUpdateStatusReasonCode,
    LogFormat,
    PackageType,
    Runtime,
    S3ObjectStorageMode,
    SnapStartApplyOn,
    SnapStartOptimizationStatus,
    State,
    StateReasonCode,
    SystemLogLevel,
    TenantIsolationMode,
    TracingMode,
)
from ._validation import validate_request

__all__ = [
    "AcceleratorConfig",
    "AliasConfiguration",
    "CapacityProviderConfig",
    "DeadLetterConfig",
    "DurableConfig",
    "EnvironmentResponse",
    "EnvironmentResponseError",
    "EphemeralStorage",
    "FileSystemConfig",
    "FunctionConfiguration",
    "ImageConfig",
    "ImageConfigError",
    "ImageConfigResponse",
    "LambdaManagedInstancesCapacityProviderConfig",
    "Layer",
    "LoggingConfig",
    "RuntimeConfig",
    "RuntimeVersionConfig",
    "RuntimeVersionError",
    "S3FilesConfig",
    "SnapStart",
    "TenancyConfig",
    "TracingConfig",
    "UpdateFunctionCodeRequest",
    "VpcConfig",
]


def _w(wire: str, **kwargs: Any) -> Any:
    """An optional member whose wire name is ``wire``."""
    return attrs.field(default=None, metadata={"wire": wire}, **kwargs)


def _hidden(value: object) -> str:
    return "None" if value is None else "'<hidden>'"


def _names_only(value: Mapping[str, str] | None) -> str:
    return "None" if value is None else f"<{len(value)} variables: {', '.join(sorted(value))}>"


# ---------------------------------------------------------------------------------------------
# FunctionConfiguration and its nested shapes. Every member is optional: Lambda omits what is
# unset, and a response missing a member must still parse.


@attrs.frozen(kw_only=True)
class VpcConfig:
    """The function's networking configuration (``VpcConfigResponse``)."""

    subnet_ids: tuple[str, ...] | None = _w("SubnetIds")
    security_group_ids: tuple[str, ...] | None = _w("SecurityGroupIds")
    vpc_id: str | None = _w("VpcId")
    ipv6_allowed_for_dual_stack: bool | None = _w("Ipv6AllowedForDualStack")


@attrs.frozen(kw_only=True)
class DeadLetterConfig:
    """Where failed asynchronous invocations go."""

    target_arn: str | None = _w("TargetArn")


@attrs.frozen(kw_only=True)
class EnvironmentResponseError:
    """Why Lambda could not apply the environment variables; the message may quote values."""

    error_code: str | None = _w("ErrorCode")
    message: str | None = _w("Message", repr=_hidden)


@attrs.frozen(kw_only=True)
class EnvironmentResponse:
    """The function's environment variables; ``repr`` shows their names, never their values."""

    variables: dict[str, str] | None = _w("Variables", repr=_names_only, hash=False)
    error: EnvironmentResponseError | None = _w("Error")


@attrs.frozen(kw_only=True)
class TracingConfig:
    """X-Ray tracing mode (``TracingConfigResponse``)."""

    mode: TracingMode | str | None = _w("Mode")


@attrs.frozen(kw_only=True)
class Layer:
    """A layer the function uses."""

    arn: str | None = _w("Arn")
    code_size: int | None = _w("CodeSize")
    signing_profile_version_arn: str | None = _w("SigningProfileVersionArn")
    signing_job_arn: str | None = _w("SigningJobArn")


@attrs.frozen(kw_only=True)
class S3FilesConfig:
    """S3 Files settings of a file system mount."""

    direct_s3_read: DirectS3Read | str | None = _w("DirectS3Read")


@attrs.frozen(kw_only=True)
class FileSystemConfig:
    """A file system mounted into the function."""

    arn: str | None = _w("Arn")
    local_mount_path: str | None = _w("LocalMountPath")
    s3_files_config: S3FilesConfig | None = _w("S3FilesConfig")


@attrs.frozen(kw_only=True)
class ImageConfig:
    """Container image overrides."""

    entry_point: tuple[str, ...] | None = _w("EntryPoint")
    command: tuple[str, ...] | None = _w("Command")
    working_directory: str | None = _w("WorkingDirectory")


@attrs.frozen(kw_only=True)
class ImageConfigError:
    """Why Lambda could not apply the image configuration."""

    error_code: str | None = _w("ErrorCode")
    message: str | None = _w("Message", repr=_hidden)


@attrs.frozen(kw_only=True)
class ImageConfigResponse:
    """Container image configuration values."""

    image_config: ImageConfig | None = _w("ImageConfig")
    error: ImageConfigError | None = _w("Error")


@attrs.frozen(kw_only=True)
class EphemeralStorage:
    """Size of ``/tmp`` in MB."""

    size: int | None = _w("Size")


@attrs.frozen(kw_only=True)
class SnapStart:
    """SnapStart settings (``SnapStartResponse``)."""

    apply_on: SnapStartApplyOn | str | None = _w("ApplyOn")
    optimization_status: SnapStartOptimizationStatus | str | None = _w("OptimizationStatus")


@attrs.frozen(kw_only=True)
class RuntimeVersionError:
    """Why Lambda could not apply the runtime version."""

    error_code: str | None = _w("ErrorCode")
    message: str | None = _w("Message", repr=_hidden)


@attrs.frozen(kw_only=True)
class RuntimeVersionConfig:
    """The runtime version the function runs on."""

    runtime_version_arn: str | None = _w("RuntimeVersionArn")
    error: RuntimeVersionError | None = _w("Error")


@attrs.frozen(kw_only=True)
class LoggingConfig:
    """Where and how the function logs."""

    log_format: LogFormat | str | None = _w("LogFormat")
    application_log_level: ApplicationLogLevel | str | None = _w("ApplicationLogLevel")
    system_log_level: SystemLogLevel | str | None = _w("SystemLogLevel")
    log_group: str | None = _w("LogGroup")


@attrs.frozen(kw_only=True)
class TenancyConfig:
    """Tenant isolation settings."""

    tenant_isolation_mode: TenantIsolationMode | str | None = _w("TenantIsolationMode")


@attrs.frozen(kw_only=True)
class LambdaManagedInstancesCapacityProviderConfig:
    """Capacity provider settings for Lambda Managed Instances."""

    capacity_provider_arn: str | None = _w("CapacityProviderArn")
    per_execution_environment_max_concurrency: int | None = _w(
        "PerExecutionEnvironmentMaxConcurrency"
    )
    execution_environment_memory_gib_per_vcpu: float | None = _w(
        "ExecutionEnvironmentMemoryGiBPerVCpu"
    )


@attrs.frozen(kw_only=True)
class CapacityProviderConfig:
    """Where the function's execution environments run."""

    lambda_managed_instances_capacity_provider_config: (
        LambdaManagedInstancesCapacityProviderConfig | None
    ) = _w("LambdaManagedInstancesCapacityProviderConfig")


@attrs.frozen(kw_only=True)
class DurableConfig:
    """Durable execution settings."""

    kms_key_arn: str | None = _w("KMSKeyArn")
    retention_period_in_days: int | None = _w("RetentionPeriodInDays")
    execution_timeout: int | None = _w("ExecutionTimeout")


@attrs.frozen(kw_only=True)
class RuntimeConfig:
    """The managed runtime the function resolves to (``FunctionRuntimeConfig``)."""

    runtime_arn: str | None = _w("RuntimeArn")
    runtime_alias: str | None = _w("RuntimeAlias")


@attrs.frozen(kw_only=True)
class AcceleratorConfig:
    """Accelerator memory of the function."""

    accelerator_memory_size: int | None = _w("AcceleratorMemorySize")


@_convert.on_first_read
@attrs.frozen(kw_only=True)
class FunctionConfiguration(_convert.OnFirstRead):
    """A function's configuration, as ``UpdateFunctionCode`` and ``GetFunction`` return it."""

    function_name: str | None = _w("FunctionName")
    function_arn: str | None = _w("FunctionArn")
    runtime: Runtime | str | None = _w("Runtime")
    role: str | None = _w("Role")
    handler: str | None = _w("Handler")
    code_size: int | None = _w("CodeSize")
    description: str | None = _w("Description")
    timeout: int | None = _w("Timeout")
    memory_size: int | None = _w("MemorySize")
    last_modified: datetime | None = _w("LastModified")
    code_sha256: str | None = _w("CodeSha256")
    version: str | None = _w("Version")
    vpc_config: VpcConfig | None = _w("VpcConfig")
    dead_letter_config: DeadLetterConfig | None = _w("DeadLetterConfig")
    environment: EnvironmentResponse | None = _w("Environment")
    kms_key_arn: str | None = _w("KMSKeyArn")
    tracing_config: TracingConfig | None = _w("TracingConfig")
    master_arn: str | None = _w("MasterArn")
    revision_id: str | None = _w("RevisionId")
    layers: tuple[Layer, ...] | None = _w("Layers")
    state: State | str | None = _w("State")
    state_reason: str | None = _w("StateReason")
    state_reason_code: StateReasonCode | str | None = _w("StateReasonCode")
    last_update_status: LastUpdateStatus | str | None = _w("LastUpdateStatus")
    last_update_status_reason: str | None = _w("LastUpdateStatusReason")
    last_update_status_reason_code: LastUpdateStatusReasonCode | str | None = _w(
        "LastUpdateStatusReasonCode"
    )
    file_system_configs: tuple[FileSystemConfig, ...] | None = _w("FileSystemConfigs")
    signing_profile_version_arn: str | None = _w("SigningProfileVersionArn")
    signing_job_arn: str | None = _w("SigningJobArn")
    package_type: PackageType | str | None = _w("PackageType")
    image_config_response: ImageConfigResponse | None = _w("ImageConfigResponse")
    architectures: tuple[Architecture | str, ...] | None = _w("Architectures")
    ephemeral_storage: EphemeralStorage | None = _w("EphemeralStorage")
    snap_start: SnapStart | None = _w("SnapStart")
    runtime_version_config: RuntimeVersionConfig | None = _w("RuntimeVersionConfig")
    logging_config: LoggingConfig | None = _w("LoggingConfig")
    tenancy_config: TenancyConfig | None = _w("TenancyConfig")
    capacity_provider_config: CapacityProviderConfig | None = _w("CapacityProviderConfig")
    config_sha256: str | None = _w("ConfigSha256")
    durable_config: DurableConfig | None = _w("DurableConfig")
    runtime_config: RuntimeConfig | None = _w("RuntimeConfig")
    accelerator_config: AcceleratorConfig | None = _w("AcceleratorConfig")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Parse a botocore response dict; unknown members and ``ResponseMetadata`` are dropped.

        Each member is converted when first read, from a copy of ``data``; a value that cannot
        be converted raises here, as if everything were converted at once.
        """
        return _structure_configuration(data, FunctionConfiguration)  # type: ignore[return-value]

    def to_api(self) -> dict[str, Any]:
        """The wire form, members that are None omitted; ``from_api(x.to_api()) == x``."""
        return _convert.unstructure(self)


# Generated here, at import, so a shape the converter cannot handle fails before any call.
_structure_configuration = _convert.structure_hook(FunctionConfiguration)

#: ``FunctionConfiguration.from_api`` for a botocore answer to a client's own call: nothing
#: else holds that dict, so the configuration keeps it rather than a copy.
configuration_from_response = _convert.structure_owned(FunctionConfiguration)


@attrs.frozen(kw_only=True)
class AliasConfiguration:
    """An alias, as ``GetAlias``, ``CreateAlias`` and ``UpdateAlias`` return it.

    ``routing_config`` is the wire ``RoutingConfig`` as a dict (weighted traffic, if any).
    """

    alias_arn: str | None = _w("AliasArn")
    name: str | None = _w("Name")
    function_version: str | None = _w("FunctionVersion")
    description: str | None = _w("Description")
    # A dict cannot be hashed: equal aliases hash alike without it.
    routing_config: dict[str, Any] | None = _w("RoutingConfig", hash=False)
    revision_id: str | None = _w("RevisionId")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Self:
        """Parse a botocore response dict; unknown members and ``ResponseMetadata`` are dropped."""
        return _structure_alias(data, AliasConfiguration)  # type: ignore[return-value]


_structure_alias = _convert.structure_hook(AliasConfiguration)


# ---------------------------------------------------------------------------------------------
# The request.


def _zip_repr(value: bytes | None) -> str:
    if not isinstance(value, bytes | bytearray):
        return "None" if value is None else f"<{type(value).__name__}>"
    digest = b64encode(hashlib.sha256(value).digest()).decode()
    return f"<zip: {len(value)} bytes, CodeSha256={digest}>"


#: What ``architectures`` accepts; only a list or tuple of one known value is valid.
_ArchitecturesInput = (
    list[Architecture] | list[str] | list[Architecture | str] | tuple[Architecture | str, ...]
)


def _as_tuple(value: _ArchitecturesInput | None) -> Any:
    # Lists are accepted for convenience; frozen models store tuples so they stay hashable.
    return tuple(value) if isinstance(value, list) else value


def _as_bytes(value: bytes | bytearray | memoryview | None) -> Any:
    return bytes(value) if isinstance(value, bytearray | memoryview) else value


@attrs.frozen(kw_only=True)
class UpdateFunctionCodeRequest:
    """Arguments of ``UpdateFunctionCode``, validated on construction.

    Every documented constraint is checked before any network call; a violation raises
    ``RequestValidationError`` naming the field and the rule. ``repr`` shows the zip's size and
    CodeSha256, never its bytes.
    """

    function_name: str = attrs.field(metadata={"wire": "FunctionName"})
    # attrs.field, not _w: the mypy plugin types __init__ from a converter it can see.
    zip_file: bytes | None = attrs.field(
        default=None, metadata={"wire": "ZipFile"}, repr=_zip_repr, converter=_as_bytes
    )
    s3_bucket: str | None = _w("S3Bucket")
    s3_key: str | None = _w("S3Key")
    s3_object_version: str | None = _w("S3ObjectVersion")
    s3_object_storage_mode: S3ObjectStorageMode | str | None = _w("S3ObjectStorageMode")
    image_uri: str | None = _w("ImageUri")
    publish: bool = attrs.field(default=False, metadata={"wire": "Publish"})
    dry_run: bool = attrs.field(default=False, metadata={"wire": "DryRun"})
    revision_id: str | None = _w("RevisionId")
    architectures: tuple[Architecture | str, ...] | None = attrs.field(
        default=None, metadata={"wire": "Architectures"}, converter=_as_tuple
    )
    source_kms_key_arn: str | None = _w("SourceKMSKeyArn")
    publish_to: FunctionVersionLatestPublished | str | None = _w("PublishTo")

    def __attrs_post_init__(self) -> None:
        validate_request(self)

    def to_api(self) -> dict[str, Any]:
        """botocore's keyword arguments, members left at their defaults omitted."""
        return _unstructure_request(self)


# Bound once: every call sends a request's to_api().
_unstructure_request = _convert.unstructure_hook(UpdateFunctionCodeRequest)


# People see only the members that are set, secrets hidden, in a repr, Jupyter and rich.
for _name in __all__:
    _views.views(globals()[_name])
