"""Tests for lambda_code._convert: FunctionConfiguration from and to botocore's wire dicts."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_code import (
    Architecture,
    FunctionConfiguration,
    LastUpdateStatus,
    Runtime,
    State,
)
from lambda_code import _enums as enums
from strategies import (
    CONFIGURATION_SHAPE,
    aware_datetimes,
    format_aws_timestamp,
    function_configuration_dicts,
    modeled_only,
)

if TYPE_CHECKING:
    from enum import StrEnum

    from botocore.model import Shape

#: Examples per property over whole generated responses (~4 ms each).
DICT_EXAMPLES = 300
#: Timestamps are cheap.
TIMESTAMP_EXAMPLES = 300
convert_settings = settings(
    max_examples=DICT_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _wire_fields(cls: type[Any]) -> dict[str, attrs.Attribute[Any]]:
    return {f.metadata["wire"]: f for f in attrs.fields(cls)}


def _model_class(cls: type[Any], field: attrs.Attribute[Any]) -> type[Any]:
    """The attrs class inside ``field``'s annotation (``X | None`` or ``tuple[X, ...] | None``)."""
    hint = typing.get_type_hints(cls)[field.name]
    stack = [hint]
    while stack:
        tp = stack.pop()
        if attrs.has(tp):
            return typing.cast("type[Any]", tp)
        stack.extend(typing.get_args(tp))
    raise AssertionError(f"{cls.__name__}.{field.name} holds no attrs class")


def _check_values(value: Any, obj: Any, shape: Shape, path: str, seen: list[str]) -> None:
    """Walk the wire ``value``, the parsed ``obj`` and ``shape`` together; check enum members.

    A value the enum knows must be that enum's member; any other stays a plain ``str``.
    ``seen`` collects ``known``/``unknown`` marks so tests can see both cases were reached.
    """
    enum_values: list[str] = getattr(shape, "enum", None) or []
    if enum_values:
        enum_cls: type[StrEnum] = getattr(enums, shape.name)
        if value in enum_values:
            assert obj is enum_cls(value), path
            seen.append("known")
        else:
            assert type(obj) is str, path
            assert obj == value, path
            seen.append("unknown")
    elif shape.type_name == "structure":
        members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
        fields = _wire_fields(type(obj))
        for wire, member in members.items():
            if wire in value:
                _check_values(
                    value[wire], getattr(obj, fields[wire].name), member, f"{path}.{wire}", seen
                )
    elif shape.type_name == "list":
        assert isinstance(obj, tuple), path
        assert len(obj) == len(value), path
        for i, (v, o) in enumerate(zip(value, obj, strict=True)):
            _check_values(v, o, shape.member, f"{path}[{i}]", seen)  # type: ignore[attr-defined]


@convert_settings
@given(function_configuration_dicts())
def test_any_generated_dict_parses(data: dict[str, Any]) -> None:
    """Every response the service model allows parses into a FunctionConfiguration."""
    parsed = FunctionConfiguration.from_api(data)
    assert isinstance(parsed, FunctionConfiguration)
    if "FunctionName" in data:
        assert parsed.function_name == data["FunctionName"]


@convert_settings
@given(function_configuration_dicts())
def test_from_api_of_to_api_is_identity(data: dict[str, Any]) -> None:
    """from_api(x.to_api()) == x, and the two hash alike."""
    x = FunctionConfiguration.from_api(data)
    again = FunctionConfiguration.from_api(x.to_api())
    assert again == x
    assert hash(again) == hash(x)


@convert_settings
@given(function_configuration_dicts())
def test_to_api_reproduces_every_modeled_member(data: dict[str, Any]) -> None:
    """to_api(from_api(d)) is d without unknown members and ResponseMetadata, lists as lists."""
    assert FunctionConfiguration.from_api(data).to_api() == modeled_only(data, CONFIGURATION_SHAPE)


@convert_settings
@given(function_configuration_dicts())
def test_enum_values_known_become_members_unknown_stay_str(data: dict[str, Any]) -> None:
    """Known enum values become StrEnum members; unknown ones stay plain str and round-trip."""
    parsed = FunctionConfiguration.from_api(data)
    _check_values(data, parsed, CONFIGURATION_SHAPE, "FunctionConfiguration", [])
    assert FunctionConfiguration.from_api(parsed.to_api()) == parsed


def test_enum_strategy_reaches_known_and_unknown_values() -> None:
    """The generated responses exercise both known and unknown enum values."""
    seen: list[str] = []

    @settings(max_examples=50, database=None, deadline=None)
    @given(function_configuration_dicts())
    def collect(data: dict[str, Any]) -> None:
        _check_values(data, FunctionConfiguration.from_api(data), CONFIGURATION_SHAPE, "FC", seen)

    collect()
    assert {"known", "unknown"} <= set(seen)


@convert_settings
@given(function_configuration_dicts())
def test_missing_members_are_none(data: dict[str, Any]) -> None:
    """A member absent from the response is None on the model."""
    parsed = FunctionConfiguration.from_api(data)
    for wire, field in _wire_fields(FunctionConfiguration).items():
        if wire not in data:
            assert getattr(parsed, field.name) is None, wire


def test_empty_response_is_all_none() -> None:
    """An empty dict parses, every member None, and unparses to an empty dict."""
    parsed = FunctionConfiguration.from_api({"ResponseMetadata": {"RequestId": "r"}})
    assert all(getattr(parsed, f.name) is None for f in attrs.fields(FunctionConfiguration))
    assert parsed.to_api() == {}


def test_nested_missing_members_are_none() -> None:
    """Missing members of nested structures are None too."""
    parsed = FunctionConfiguration.from_api({"VpcConfig": {"VpcId": "vpc-1"}, "Layers": [{}]})
    assert parsed.vpc_config is not None
    assert parsed.vpc_config.vpc_id == "vpc-1"
    assert parsed.vpc_config.subnet_ids is None
    assert parsed.layers is not None
    assert parsed.layers[0].arn is None
    assert parsed.to_api() == {"VpcConfig": {"VpcId": "vpc-1"}, "Layers": [{}]}


def test_known_enum_values_are_members() -> None:
    """Known values parse to the StrEnum members, including inside lists."""
    parsed = FunctionConfiguration.from_api(
        {
            "State": "Active",
            "LastUpdateStatus": "InProgress",
            "Runtime": "python3.12",
            "Architectures": ["arm64"],
        }
    )
    assert parsed.state is State.ACTIVE
    assert parsed.last_update_status is LastUpdateStatus.IN_PROGRESS
    assert parsed.runtime is Runtime.PYTHON3_12
    assert parsed.architectures == (Architecture.ARM64,)
    assert parsed.architectures is not None
    assert parsed.architectures[0] is Architecture.ARM64


def test_unknown_enum_values_stay_plain_str() -> None:
    """Values an enum does not know are kept as plain str and round-trip unchanged."""
    wire = {
        "State": "Hibernating",
        "Runtime": "python4.0",
        "StateReasonCode": "FutureValue1",
        "Architectures": ["riscv64"],
        "SnapStart": {"ApplyOn": "AllVersions"},
    }
    parsed = FunctionConfiguration.from_api(wire)
    for value in (parsed.state, parsed.runtime, parsed.state_reason_code):
        assert type(value) is str
    assert parsed.architectures is not None
    assert type(parsed.architectures[0]) is str
    assert parsed.snap_start is not None
    assert type(parsed.snap_start.apply_on) is str
    assert parsed.to_api() == wire


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2019-08-14T22:26:11.234+0000", datetime(2019, 8, 14, 22, 26, 11, 234000, tzinfo=UTC)),
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00.123Z", datetime(2024, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)),
        (
            "2024-01-01T00:00:00.123456789+0000",
            datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=UTC),
        ),
        (
            "2024-01-01T05:30:00.000+0530",
            datetime(2024, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
    ],
)
def test_last_modified_is_timezone_aware(wire: str, expected: datetime) -> None:
    """LastModified parses to an aware datetime in AWS's form, the Z form and with nanoseconds."""
    parsed = FunctionConfiguration.from_api({"LastModified": wire}).last_modified
    assert parsed is not None
    assert parsed.tzinfo is not None
    assert parsed.utcoffset() == expected.utcoffset()
    assert parsed == expected


def test_last_modified_is_written_in_aws_form() -> None:
    """to_api writes LastModified as 2019-08-14T22:26:11.234+0000, whatever form came in."""
    parsed = FunctionConfiguration.from_api({"LastModified": "2024-01-01T00:00:00.5Z"})
    assert parsed.to_api() == {"LastModified": "2024-01-01T00:00:00.500+0000"}


@settings(max_examples=TIMESTAMP_EXAMPLES, deadline=None)
@given(aware_datetimes())
def test_last_modified_round_trips_any_offset(moment: datetime) -> None:
    """Any aware millisecond timestamp with a fixed offset round-trips, offset included."""
    wire = format_aws_timestamp(moment)
    parsed = FunctionConfiguration.from_api({"LastModified": wire})
    assert parsed.last_modified == moment
    assert parsed.last_modified is not None
    assert parsed.last_modified.utcoffset() == moment.utcoffset()
    assert parsed.to_api() == {"LastModified": wire}


@settings(max_examples=100, deadline=None)
@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(1971, 1, 1)))  # noqa: DTZ001 - bound
def test_last_modified_keeps_microseconds(moment: datetime) -> None:
    """A timestamp finer than milliseconds (moto's) loses nothing in a round trip."""
    parsed = FunctionConfiguration.from_api(
        {"LastModified": moment.isoformat().replace("+00:00", "Z")}
    )
    assert parsed.last_modified == moment
    assert FunctionConfiguration.from_api(parsed.to_api()) == parsed


def test_unknown_members_and_response_metadata_are_dropped() -> None:
    """Unknown members anywhere and ResponseMetadata are ignored, never an error."""
    parsed = FunctionConfiguration.from_api(
        {
            "FunctionName": "f",
            "ShinyNewThing": {"a": 1},
            "TracingConfig": {"Mode": "Active", "Sampling": 0.5},
            "ResponseMetadata": {"RequestId": "abc", "HTTPStatusCode": 200},
        }
    )
    assert parsed.to_api() == {"FunctionName": "f", "TracingConfig": {"Mode": "Active"}}
