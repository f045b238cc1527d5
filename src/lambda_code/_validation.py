"""Every rule checked at the public boundary, before any network call.

Each check raises ``RequestValidationError`` naming the field and the rule it broke. The
request's rules are the API reference's and botocore's model's; the rest (durations, flags,
counts, callbacks) keep a mistyped argument from failing late, after an update was applied.
"""

import io
import math
import re
import zipfile
from typing import TYPE_CHECKING, Any

from ._enums import Architecture, FunctionVersionLatestPublished, S3ObjectStorageMode
from ._errors import RequestValidationError

if TYPE_CHECKING:
    from ._models import UpdateFunctionCodeRequest

__all__ = [
    "LATEST",
    "MAX_UNZIPPED_SIZE",
    "MAX_ZIP_SIZE",
    "check_bool",
    "check_callable",
    "check_count",
    "check_duration",
    "check_function_name",
    "check_instance",
    "check_qualifier",
    "check_s3_location",
    "fail",
    "too_big",
    "unqualified_name",
    "validate_request",
]

#: Lambda's limit for a zip uploaded directly in the request (larger packages go through S3).
MAX_ZIP_SIZE = 50 * 1024 * 1024
#: Lambda's limit for a function's code once unzipped: 250 MiB, 262,144,000 bytes.
MAX_UNZIPPED_SIZE = 250 * 1024 * 1024
#: The qualifier of the unpublished version, the only one whose code can be updated.
LATEST = "$LATEST"

# botocore's FunctionName (update, publish) and NamespacedFunctionName (reads) patterns, with
# the name part and the qualifier captured.
_ARN_PREFIX = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?"
)
_FUNCTION_NAME = re.compile(
    _ARN_PREFIX + r"(?P<name>[a-zA-Z0-9-_]+)(:(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?",
    re.ASCII,
)
_READ_NAME = re.compile(
    _ARN_PREFIX
    + r"(?P<name>[a-zA-Z0-9-_\.]+)(:(?P<qualifier>\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?",
    re.ASCII,
)
_QUALIFIER = re.compile(r"\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+", re.ASCII)
# Lambda's alias Name pattern is this, less all-digit names (those read as version numbers).
_ALIAS = re.compile(r"[a-zA-Z0-9-_]+", re.ASCII)
_VERSION = re.compile(r"\$LATEST|[0-9]+", re.ASCII)
_S3_BUCKET = re.compile(r"[0-9A-Za-z\.\-_]*(?<!\.)", re.ASCII)
_KMS_KEY_ARN = re.compile(r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()", re.ASCII)
_ARCHITECTURES = frozenset(a.value for a in Architecture)


def fail(field: str, rule: str) -> RequestValidationError:
    """The error for ``field`` breaking ``rule`` (returned, to be raised by the caller)."""
    return RequestValidationError(field=field, rule=rule)


def _check_str(
    field: str,
    value: object,
    *,
    min_len: int | None = None,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise fail(field, f"must be a string, not {type(value).__name__}")
    if min_len is not None and len(value) < min_len:
        raise fail(field, f"must be at least {min_len} characters (got {len(value)})")
    if max_len is not None and len(value) > max_len:
        raise fail(field, f"must be at most {max_len} characters (got {len(value)})")
    if pattern is not None and pattern.fullmatch(value) is None:
        raise fail(field, f"must match the pattern {pattern.pattern}")


def _check_enum(field: str, value: object, allowed: frozenset[str]) -> None:
    if value is not None and (not isinstance(value, str) or value not in allowed):
        raise fail(field, f"must be one of {', '.join(sorted(allowed))} (got {value!r})")


def check_function_name(
    value: object, *, field: str = "function_name", code_update: bool = False
) -> str | None:
    """Check a function name, partial ARN or ARN; return its qualifier (None when it has none).

    ``code_update`` applies the rules of ``UpdateFunctionCode`` and ``PublishVersion``: at most
    140 characters, and no qualifier other than ``$LATEST`` (code updates go to ``$LATEST``).
    """
    if value is None:
        raise fail(field, "is required")
    _check_str(field, value, min_len=1, max_len=140 if code_update else 256)
    assert isinstance(value, str)  # noqa: S101 - _check_str refused anything else
    match = (_FUNCTION_NAME if code_update else _READ_NAME).fullmatch(value)
    if match is None:
        raise fail(
            field,
            "must be a function name, ARN or partial ARN, optionally with a qualifier "
            f"(e.g. my-function or my-function:$LATEST; pattern {_FUNCTION_NAME.pattern})",
        )
    if len(match["name"]) > 64:
        raise fail(
            field,
            f"the function name part must be at most 64 characters (got {len(match['name'])})",
        )
    qualifier = match["qualifier"]
    if code_update and qualifier not in (None, LATEST):
        raise fail(
            field,
            f"code updates go to {LATEST}: a qualifier other than {LATEST} "
            f"({qualifier!r}) is not allowed; name the function without it",
        )
    return qualifier


def unqualified_name(function_name: str) -> str:
    """``function_name`` without its qualifier (``f:$LATEST`` → ``f``); it must be valid."""
    match = _READ_NAME.fullmatch(function_name)
    if match is None or match["qualifier"] is None:
        return function_name
    return function_name[: match.start("qualifier") - 1]


def check_qualifier(value: object, *, field: str = "qualifier") -> None:
    """A version number, alias or ``$LATEST`` (None: absent)."""
    _check_str(field, value, min_len=1, max_len=128, pattern=_QUALIFIER)


def check_alias_name(value: object, *, field: str = "alias") -> None:
    """An alias name: 1-128 letters, digits, '-' or '_', not all digits (None: absent)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        raise fail(field, "must not be all digits: that names a version, not an alias")
    _check_str(field, value, min_len=1, max_len=128, pattern=_ALIAS)


def check_version(value: object, *, field: str = "version") -> None:
    """A version number or ``$LATEST``."""
    if value is None:
        raise fail(field, "must be a version number such as '3'")
    _check_str(field, value, min_len=1, max_len=1024, pattern=_VERSION)


def check_duration(value: object, *, field: str, allow_zero: bool, unit: str = "seconds") -> float:
    """A finite number of ``unit``, > 0 (or ≥ 0 with ``allow_zero``); returned as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(field, f"must be a number of {unit}, not {type(value).__name__}")
    bound = ">= 0" if allow_zero else "> 0"
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite:
        raise fail(field, f"must be a finite number of {unit} {bound} (got {value}): give one")
    if value < 0 or (value == 0 and not allow_zero):
        raise fail(field, f"must be {bound} {unit} (got {value})")
    return float(value)


def check_bool(value: object, *, field: str) -> None:
    """True or False, nothing merely truthy."""
    if not isinstance(value, bool):
        raise fail(field, f"must be a bool (True or False), not {type(value).__name__}")


def check_count(value: object, *, field: str, minimum: int) -> None:
    """A whole number ≥ ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(field, f"must be a whole number, not {type(value).__name__}")
    if value < minimum:
        raise fail(field, f"must be >= {minimum} (got {value})")


def check_callable(value: object, *, field: str) -> None:
    """None or something callable."""
    if value is not None and not callable(value):
        raise fail(field, f"must be callable or None, not {type(value).__name__}")


def check_instance(value: object, expected: type[Any], *, field: str) -> None:
    """An instance of ``expected``."""
    if not isinstance(value, expected):
        raise fail(field, f"must be a {expected.__name__}, not {type(value).__name__}")


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


def validate_request(r: "UpdateFunctionCodeRequest") -> None:  # noqa: C901, PLR0912 - one rule per branch
    """Every documented constraint of ``UpdateFunctionCode``'s input."""
    check_function_name(r.function_name, code_update=True)

    if r.zip_file is not None:
        if not isinstance(r.zip_file, bytes):
            raise fail("zip_file", f"must be bytes, not {type(r.zip_file).__name__}")
        if len(r.zip_file) > MAX_ZIP_SIZE:
            raise fail("zip_file", too_big(len(r.zip_file)))
        if not zipfile.is_zipfile(io.BytesIO(r.zip_file)):
            raise fail("zip_file", "must be a zip archive")

    check_s3_location(r.s3_bucket, r.s3_key, r.s3_object_version)
    _check_str("image_uri", r.image_uri)
    _check_str("revision_id", r.revision_id)
    _check_str("source_kms_key_arn", r.source_kms_key_arn, pattern=_KMS_KEY_ARN)

    if (r.s3_bucket is None) != (r.s3_key is None):
        missing = "s3_key" if r.s3_key is None else "s3_bucket"
        raise fail(missing, "s3_bucket and s3_key must be given together")
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
        raise fail(
            "code",
            "exactly one code source is required: zip_file, s3_bucket+s3_key or image_uri "
            f"(got {', '.join(sources) or 'none'})",
        )
    if r.s3_bucket is None:
        if r.s3_object_version is not None:
            raise fail("s3_object_version", "is only allowed with s3_bucket and s3_key")
        if r.s3_object_storage_mode is not None:
            raise fail("s3_object_storage_mode", "is only allowed with s3_bucket and s3_key")
    _check_enum(
        "s3_object_storage_mode",
        r.s3_object_storage_mode,
        frozenset(m.value for m in S3ObjectStorageMode),
    )

    for field in ("publish", "dry_run"):
        check_bool(getattr(r, field), field=field)

    if r.architectures is not None:
        if not isinstance(r.architectures, tuple) or len(r.architectures) != 1:
            raise fail("architectures", "must be a list of exactly one item: x86_64 or arm64")
        if r.architectures[0] is None:  # _check_enum passes None (an absent member) through
            raise fail("architectures", "must be one of arm64, x86_64 (got None)")
        _check_enum("architectures", r.architectures[0], _ARCHITECTURES)
    _check_enum(
        "publish_to", r.publish_to, frozenset(m.value for m in FunctionVersionLatestPublished)
    )
