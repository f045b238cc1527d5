"""attrs models of the UpdateFunctionCode request and the FunctionConfiguration response.

Attribute names are snake_case; each field's wire name lives in its metadata (``wire``), which
the converter in ``_convert`` reads, so wire names are written down exactly once.
"""

import hashlib
import io
import re
import zipfile
from base64 import b64encode
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self

import attrs

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
from ._errors import RequestValidationError

__all__ = [
    "MAX_ZIP_SIZE",
    "AcceleratorConfig",
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

#: Lambda's limit for a zip uploaded directly in the request (larger packages go through S3).
MAX_ZIP_SIZE = 50 * 1024 * 1024


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


@attrs.frozen(kw_only=True)
class FunctionConfiguration:
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
        """Parse a botocore response dict; unknown members and ``ResponseMetadata`` are dropped."""
        return _convert.structure_configuration(data)  # type: ignore[return-value]

    def to_api(self) -> dict[str, Any]:
        """The wire form, members that are None omitted; ``from_api(x.to_api()) == x``."""
        return _convert.unstructure(self)


# ---------------------------------------------------------------------------------------------
# The request.

_FUNCTION_NAME = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?(?P<name>[a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?",
    re.ASCII,
)
_S3_BUCKET = re.compile(r"[0-9A-Za-z\.\-_]*(?<!\.)", re.ASCII)
_KMS_KEY_ARN = re.compile(r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()", re.ASCII)
_ARCHITECTURES = frozenset(a.value for a in Architecture)


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
        _validate(self)

    def to_api(self) -> dict[str, Any]:
        """botocore's keyword arguments, members left at their defaults omitted."""
        return _convert.unstructure(self)


def too_big(size: int) -> str:
    """The rule a zip of ``size`` bytes breaks: Lambda's direct-upload limit."""
    return (
        f"is {size:,} bytes, over the 50 MiB ({MAX_ZIP_SIZE:,} bytes) limit for a direct "
        "upload; upload it to S3 and deploy it from there (S3Location, or s3_bucket/s3_key)"
    )


def check_s3_location(bucket: object, key: object, version: object) -> None:
    """Lambda's constraints on ``S3Bucket``, ``S3Key`` and ``S3ObjectVersion`` (None: absent)."""
    _check_str("s3_bucket", bucket, min_len=3, max_len=63, pattern=_S3_BUCKET)
    _check_str("s3_key", key, min_len=1, max_len=1024)
    _check_str("s3_object_version", version, min_len=1, max_len=1024)


def _fail(field: str, rule: str) -> RequestValidationError:
    return RequestValidationError(field=field, rule=rule)


def _check_str(
    field: str,
    value: object,
    *,
    min_len: int | None = None,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    pattern_text: str = "",
) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise _fail(field, f"must be a string, not {type(value).__name__}")
    if min_len is not None and len(value) < min_len:
        raise _fail(field, f"must be at least {min_len} characters (got {len(value)})")
    if max_len is not None and len(value) > max_len:
        raise _fail(field, f"must be at most {max_len} characters (got {len(value)})")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise _fail(field, f"must match the pattern {pattern_text or pattern.pattern}")


def _check_enum(field: str, value: object, allowed: frozenset[str]) -> None:
    if value is not None and (not isinstance(value, str) or value not in allowed):
        raise _fail(field, f"must be one of {', '.join(sorted(allowed))} (got {value!r})")


def _validate(r: UpdateFunctionCodeRequest) -> None:  # noqa: C901, PLR0912 - one rule per branch
    _check_str("function_name", r.function_name, min_len=1, max_len=140)
    if r.function_name is None:
        raise _fail("function_name", "is required")
    match = _FUNCTION_NAME.fullmatch(r.function_name)
    if match is None:
        raise _fail(
            "function_name",
            "must be a function name, ARN or partial ARN, optionally with a qualifier "
            f"(pattern {_FUNCTION_NAME.pattern})",
        )
    if len(match["name"]) > 64:
        raise _fail(
            "function_name",
            f"the function name part must be at most 64 characters (got {len(match['name'])})",
        )

    if r.zip_file is not None:
        if not isinstance(r.zip_file, bytes):
            raise _fail("zip_file", f"must be bytes, not {type(r.zip_file).__name__}")
        if len(r.zip_file) > MAX_ZIP_SIZE:
            raise _fail("zip_file", too_big(len(r.zip_file)))
        if not zipfile.is_zipfile(io.BytesIO(r.zip_file)):
            raise _fail("zip_file", "must be a zip archive")

    check_s3_location(r.s3_bucket, r.s3_key, r.s3_object_version)
    _check_str("image_uri", r.image_uri)
    _check_str("revision_id", r.revision_id)
    _check_str("source_kms_key_arn", r.source_kms_key_arn, pattern=_KMS_KEY_ARN)

    if (r.s3_bucket is None) != (r.s3_key is None):
        missing = "s3_key" if r.s3_key is None else "s3_bucket"
        raise _fail(missing, "s3_bucket and s3_key must be given together")
    sources = [
        name
        for name, given in (
            ("zip_file", r.zip_file is not None),
            ("s3_bucket/s3_key", r.s3_bucket is not None),
            ("image_uri", r.image_uri is not None),
        )
        if given
    ]
    if len(sources) != 1:
        raise _fail(
            "code",
            "exactly one code source is required: zip_file, s3_bucket+s3_key or image_uri "
            f"(got {', '.join(sources) or 'none'})",
        )
    if r.s3_bucket is None:
        if r.s3_object_version is not None:
            raise _fail("s3_object_version", "is only allowed with s3_bucket and s3_key")
        if r.s3_object_storage_mode is not None:
            raise _fail("s3_object_storage_mode", "is only allowed with s3_bucket and s3_key")
    _check_enum(
        "s3_object_storage_mode",
        r.s3_object_storage_mode,
        frozenset(m.value for m in S3ObjectStorageMode),
    )

    for field in ("publish", "dry_run"):
        if not isinstance(getattr(r, field), bool):
            raise _fail(field, "must be a bool")

    if r.architectures is not None:
        if not isinstance(r.architectures, tuple) or len(r.architectures) != 1:
            raise _fail("architectures", "must be a list of exactly one item: x86_64 or arm64")
        if r.architectures[0] is None:  # _check_enum passes None (an absent member) through
            raise _fail("architectures", "must be one of arm64, x86_64 (got None)")
        _check_enum("architectures", r.architectures[0], _ARCHITECTURES)
    _check_enum(
        "publish_to", r.publish_to, frozenset(m.value for m in FunctionVersionLatestPublished)
    )


# The converter needs every class above; importing it last keeps the cycle harmless.
from . import _convert  # noqa: E402
