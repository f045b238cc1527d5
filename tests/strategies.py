"""Hypothesis strategies generated from botocore's Lambda service model.

``function_configuration_dicts()`` walks the ``FunctionConfiguration`` shape (the output of
``UpdateFunctionCode``) so a member AWS adds to botocore is generated without touching this file.
``request_kwargs()`` draws arbitrary and valid-looking keyword arguments of
``UpdateFunctionCodeRequest``; ``valid_request_kwargs()`` only valid ones.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import botocore.session
from hypothesis import strategies as st

from lambda_code.testing import make_zip

if TYPE_CHECKING:
    from botocore.model import OperationModel, Shape

__all__ = [
    "CONFIGURATION_SHAPE",
    "OPERATION",
    "REQUEST_SHAPE",
    "SERVICE_MODEL",
    "aware_datetimes",
    "aws_timestamps",
    "format_aws_timestamp",
    "function_configuration_dicts",
    "function_names",
    "make_zip",
    "modeled_only",
    "request_kwargs",
    "shape_strategy",
    "valid_request_kwargs",
    "zip_archives",
]

SERVICE_MODEL = botocore.session.get_session().get_service_model("lambda")
OPERATION: OperationModel = SERVICE_MODEL.operation_model("UpdateFunctionCode")
CONFIGURATION_SHAPE: Shape = OPERATION.output_shape  # type: ignore[assignment]
REQUEST_SHAPE: Shape = OPERATION.input_shape  # type: ignore[assignment]

#: Members that are strings in the model but carry a timestamp in AWS's own form.
_TIMESTAMP_MEMBERS = frozenset({"LastModified"})

#: Long strings cost time and find nothing the converter treats differently.
_MAX_TEXT = 24
_MAX_ITEMS = 3

# Values AWS might add to an enum later; none is in any enum of the model.
_UNKNOWN_ENUM_VALUES = st.one_of(
    st.sampled_from(["FutureValue1", "python4.0", "SomethingNew", "", "active"]),
    st.text(min_size=1, max_size=12).map(lambda s: f"Future{s}"),
)

# Anything JSON-ish that an unknown member might carry.
_JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=5), inner, max_size=2)
    ),
    max_leaves=4,
)


# ---------------------------------------------------------------------------------------------
# Timestamps


def format_aws_timestamp(value: datetime) -> str:
    """``2019-08-14T22:26:11.234+0000``: AWS's form, milliseconds and a ``+HHMM`` offset."""
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{value.microsecond // 1000:03d}"
        + value.strftime("%z")
    )


_FIXED_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes with millisecond precision and a fixed (minute) offset."""
    return st.datetimes(
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001 - bounds of naive values, zone added below
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001 - same
        timezones=st.just(UTC) | _FIXED_OFFSETS,
    ).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


def aws_timestamps() -> st.SearchStrategy[str]:
    """``LastModified`` values as AWS sends them."""
    return aware_datetimes().map(format_aws_timestamp)


# ---------------------------------------------------------------------------------------------
# Shapes


def _bounds(shape: Shape) -> tuple[Any, Any]:
    return shape.metadata.get("min"), shape.metadata.get("max")


def _string(shape: Shape) -> st.SearchStrategy[Any]:
    enum: list[str] = getattr(shape, "enum", None) or []
    if enum:
        return st.one_of(st.sampled_from(enum), _UNKNOWN_ENUM_VALUES)
    low, high = _bounds(shape)
    low = low or 0
    high = _MAX_TEXT if high is None else min(high, max(low, _MAX_TEXT))
    return st.text(min_size=low, max_size=high)


def _number(shape: Shape) -> st.SearchStrategy[Any]:
    low, high = _bounds(shape)
    if shape.type_name == "double":
        return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)
    bits = 63 if shape.type_name == "long" else 31
    low = -(2**bits) if low is None else low
    high = 2**bits - 1 if high is None else high
    return st.integers(min_value=low, max_value=high)


def shape_strategy(shape: Shape, *, unknown_members: bool = False) -> st.SearchStrategy[Any]:
    """Values of ``shape`` as botocore parses them (every structure member optional).

    With ``unknown_members``, structures sometimes carry members the model lacks.
    """
    kind = shape.type_name
    if kind == "string":
        return _string(shape)
    if kind in {"integer", "long", "double"}:
        return _number(shape)
    if kind == "boolean":
        return st.booleans()
    if kind == "list":
        low, high = _bounds(shape)
        item = shape_strategy(shape.member, unknown_members=unknown_members)  # type: ignore[attr-defined]
        high = _MAX_ITEMS if high is None else min(high, _MAX_ITEMS)
        return st.lists(item, min_size=low or 0, max_size=max(high, low or 0))
    if kind == "map":
        key = shape_strategy(shape.key)  # type: ignore[attr-defined]
        value = shape_strategy(shape.value)  # type: ignore[attr-defined]
        return st.dictionaries(key, value, max_size=_MAX_ITEMS)
    if kind == "structure":
        return _structure(shape, unknown_members=unknown_members)
    raise NotImplementedError(f"no strategy for {kind} shape {shape.name}")


def _structure(shape: Shape, *, unknown_members: bool) -> st.SearchStrategy[dict[str, Any]]:
    members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
    optional = {
        name: (
            aws_timestamps()
            if name in _TIMESTAMP_MEMBERS
            else shape_strategy(member, unknown_members=unknown_members)
        )
        for name, member in members.items()
    }
    known = st.fixed_dictionaries({}, optional=optional)
    if not unknown_members:
        return known
    extra = st.dictionaries(
        st.text(min_size=1, max_size=10).map(lambda s: f"Unmodeled{s}"),
        _JSON_VALUES,
        max_size=2,
    )
    return st.builds(lambda k, e: {**e, **k}, known, extra)


_RESPONSE_METADATA = st.fixed_dictionaries(
    {
        "RequestId": st.uuids().map(str),
        "HTTPStatusCode": st.just(200),
        "HTTPHeaders": st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
        "RetryAttempts": st.integers(0, 3),
    }
)


@functools.cache
def function_configuration_dicts() -> st.SearchStrategy[dict[str, Any]]:
    """A ``FunctionConfiguration`` response dict, sometimes with unknown members and metadata.

    Built once: walking the shapes for every example would cost more than drawing it.
    """
    body = shape_strategy(CONFIGURATION_SHAPE) | shape_strategy(
        CONFIGURATION_SHAPE, unknown_members=True
    )
    metadata = st.none() | _RESPONSE_METADATA
    return st.builds(
        lambda data, meta: data if meta is None else {**data, "ResponseMetadata": meta},
        body,
        metadata,
    )


def modeled_only(value: Any, shape: Shape) -> Any:
    """``value`` without the members ``shape`` does not model (recursively), nor metadata."""
    if shape.type_name == "structure" and isinstance(value, dict):
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        return {k: modeled_only(v, members[k]) for k, v in value.items() if k in members}
    if shape.type_name == "list" and isinstance(value, list):
        return [modeled_only(v, shape.member) for v in value]  # type: ignore[attr-defined]
    return value


# ---------------------------------------------------------------------------------------------
# Requests

_NAME_PART = st.from_regex(re.compile(r"[a-zA-Z0-9_-]{1,64}", re.ASCII), fullmatch=True)
_REGIONS = st.sampled_from(["us-east-1", "eu-west-3", "us-gov-west-1", "cn-north-1"])
_ACCOUNTS = st.from_regex(re.compile(r"\d{12}", re.ASCII), fullmatch=True)
# Code updates go to $LATEST, the only qualifier a valid request may carry.
_QUALIFIERS = st.sampled_from(["", ":$LATEST"])


@st.composite
def function_names(draw: st.DrawFn) -> str:
    """Valid function names: bare, partial ARN (account), full ARN; sometimes `:$LATEST`."""
    name = draw(_NAME_PART)
    form = draw(st.sampled_from(["bare", "partial", "arn"]))
    if form == "partial":
        name = f"{draw(_ACCOUNTS)}:function:{name}"
    elif form == "arn":
        name = f"arn:aws:lambda:{draw(_REGIONS)}:{draw(_ACCOUNTS)}:function:{name}"
    qualified = name + draw(_QUALIFIERS)
    return qualified if len(qualified) <= 140 else name


def zip_archives() -> st.SearchStrategy[bytes]:
    """Small real zip archives."""
    return st.dictionaries(
        st.from_regex(re.compile(r"[a-z]{1,8}(/[a-z]{1,8})?\.py", re.ASCII), fullmatch=True),
        st.binary(max_size=64),
        min_size=1,
        max_size=3,
    ).map(make_zip)


_BUCKETS = st.from_regex(re.compile(r"[a-z0-9][a-z0-9.-]{1,40}[a-z0-9]", re.ASCII), fullmatch=True)
_KEYS = st.text(min_size=1, max_size=40)
_VERSIONS = st.text(min_size=1, max_size=20)
_IMAGES = st.from_regex(
    re.compile(r"\d{12}\.dkr\.ecr\.us-east-1\.amazonaws\.com/[a-z]{1,10}:[a-z0-9]{1,6}", re.ASCII),
    fullmatch=True,
)
_KMS_ARNS = st.builds(
    lambda region, account, key: f"arn:aws:kms:{region}:{account}:key/{key}",
    _REGIONS,
    _ACCOUNTS,
    st.uuids().map(str),
) | st.just("")
_REVISIONS = st.uuids().map(str)

_ARBITRARY: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.text(max_size=_MAX_TEXT),
    st.binary(max_size=_MAX_TEXT),
    st.integers(),
    st.booleans(),
    st.lists(st.text(max_size=8), max_size=3),
)


def _either(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Valid-looking two times in three, so draws get past the first checks to the deeper ones.
    return st.one_of(valid, valid, _ARBITRARY)


@st.composite
def valid_request_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword arguments of a valid ``UpdateFunctionCodeRequest``."""
    kwargs: dict[str, Any] = {"function_name": draw(function_names())}
    source = draw(st.sampled_from(["zip", "s3", "image"]))
    if source == "zip":
        kwargs["zip_file"] = draw(zip_archives())
    elif source == "s3":
        kwargs["s3_bucket"] = draw(_BUCKETS)
        kwargs["s3_key"] = draw(_KEYS)
        if draw(st.booleans()):
            kwargs["s3_object_version"] = draw(_VERSIONS)
        if draw(st.booleans()):
            kwargs["s3_object_storage_mode"] = draw(st.sampled_from(["COPY", "REFERENCE"]))
    else:
        kwargs["image_uri"] = draw(_IMAGES)
    optional: dict[str, st.SearchStrategy[Any]] = {
        "publish": st.booleans(),
        "dry_run": st.booleans(),
        "revision_id": _REVISIONS,
        "architectures": st.sampled_from([["x86_64"], ["arm64"], ("arm64",)]),
        "source_kms_key_arn": _KMS_ARNS,
        "publish_to": st.just("LATEST_PUBLISHED"),
    }
    kwargs.update(draw(st.fixed_dictionaries({}, optional=optional)))
    return kwargs


_NOT_A_ZIP = st.binary(max_size=64) | zip_archives().map(lambda z: z[:-1])

#: For each field: valid-looking values, near misses, and values of the wrong type.
_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "function_name": _either(
        st.one_of(
            function_names(),
            function_names(),
            function_names().map(lambda n: n + "!"),
            st.text(max_size=150),
            st.just("a" * 65),
        )
    ),
    "zip_file": _either(zip_archives() | _NOT_A_ZIP | zip_archives().map(bytearray)),
    "s3_bucket": _either(_BUCKETS | _BUCKETS.map(lambda b: b + ".") | st.text(max_size=70)),
    "s3_key": _either(_KEYS | st.just("")),
    "s3_object_version": _either(_VERSIONS | st.just("")),
    "s3_object_storage_mode": _either(st.sampled_from(["COPY", "REFERENCE", "copy"])),
    "image_uri": _either(_IMAGES),
    "publish": _either(st.booleans()),
    "dry_run": _either(st.booleans()),
    "revision_id": _either(_REVISIONS),
    "architectures": _either(
        st.lists(st.sampled_from(["x86_64", "arm64", "riscv64"]), max_size=2)
        | st.sampled_from([("arm64",), "arm64", [None]])
    ),
    "source_kms_key_arn": _either(_KMS_ARNS | st.text(max_size=20)),
    "publish_to": _either(st.just("LATEST_PUBLISHED") | st.text(max_size=20)),
}


@st.composite
def _corrupted_request_kwargs(draw: st.DrawFn) -> dict[str, Any]:
    """Valid arguments with one to three fields replaced (or removed)."""
    kwargs = draw(valid_request_kwargs())
    for field in draw(st.lists(st.sampled_from(sorted(_FIELD_VALUES)), min_size=1, max_size=3)):
        if field != "function_name" and draw(st.integers(0, 4)) == 0:
            kwargs.pop(field, None)
        else:
            kwargs[field] = draw(_FIELD_VALUES[field])
    return kwargs


def request_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of ``UpdateFunctionCodeRequest``: arbitrary values, often valid-looking.

    ``function_name`` is always present (it is the one required argument); every other field is
    absent, valid-looking, a near miss, or anything at all (strings, bytes, None, ints, lists).
    A third of the draws are valid, a third valid but for one to three fields, so most rules
    are reached rather than only the first check.
    """
    arbitrary = st.fixed_dictionaries(
        {"function_name": _FIELD_VALUES["function_name"]},
        optional={k: v for k, v in _FIELD_VALUES.items() if k != "function_name"},
    )
    return st.one_of(arbitrary, valid_request_kwargs(), _corrupted_request_kwargs())
