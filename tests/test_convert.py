"""Tests for lambda_code._convert: FunctionConfiguration from and to botocore's wire dicts."""

from __future__ import annotations

import copy
import math
import pickle
import threading
import typing
from datetime import UTC, datetime, timedelta, timezone
from types import MappingProxyType
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
    _convert,
)
from lambda_code import _enums as enums
from lambda_code._models import configuration_from_response
from lambda_code.models import TracingConfig, TracingMode, VpcConfig
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


# ---------------------------------------------------------------------------------------------
# Members are converted on first read; nothing else can tell

#: The converter's own function for FunctionConfiguration, which converts everything at once.
_EAGER = _convert._model_structure_hook(FunctionConfiguration)


def _eager(data: Any) -> FunctionConfiguration:
    result: FunctionConfiguration = _EAGER(data, FunctionConfiguration)
    return result


#: The two ways a response is parsed: a copy kept (from_api), or the client's own answer kept.
PARSERS: dict[str, typing.Callable[[Any], FunctionConfiguration]] = {
    "from_api": FunctionConfiguration.from_api,
    "client's answer": configuration_from_response,
}
NAMES = [f.name for f in attrs.fields(FunctionConfiguration)]
lazy_settings = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("parse", list(PARSERS))
@convert_settings
@given(data=function_configuration_dicts())
def test_members_are_converted_on_first_read(parse: str, data: dict[str, Any]) -> None:
    """Parsing converts only what could fail (a timestamp); a read converts its member, once."""
    config = PARSERS[parse](data)
    assert _convert.unconverted_members(config) == [n for n in NAMES if n != "last_modified"]
    reference = _eager(data)
    for name in NAMES:
        value = getattr(config, name)
        assert value == getattr(reference, name)
        assert name not in _convert.unconverted_members(config)
        assert getattr(config, name) is value
    assert _convert.unconverted_members(config) == []


#: What a caller may do with a configuration; each must see the same on a fresh one.
OPERATIONS: dict[str, typing.Callable[[FunctionConfiguration], Any]] = {
    "==": lambda config: config,
    "hash": hash,
    "repr": repr,
    "str": str,
    "to_api": FunctionConfiguration.to_api,
    "asdict": attrs.asdict,
    "astuple": attrs.astuple,
    "pickle": lambda config: pickle.loads(pickle.dumps(config)),  # noqa: S301 - our own bytes
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    "evolve": attrs.evolve,
    "evolve a member": lambda config: attrs.evolve(config, function_name="other"),
    "html": lambda config: config._repr_html_(),  # type: ignore[attr-defined]
    "rich": lambda config: list(config.__rich_repr__()),  # type: ignore[attr-defined]
}


@pytest.mark.parametrize("parse", list(PARSERS))
@pytest.mark.parametrize("operation", list(OPERATIONS))
@lazy_settings
@given(data=function_configuration_dicts())
def test_a_fresh_configuration_behaves_as_one_converted_at_once(
    operation: str, parse: str, data: dict[str, Any]
) -> None:
    """Equality, hashing, repr, to_api, attrs helpers, pickling and copies see every member."""
    apply = OPERATIONS[operation]
    assert apply(PARSERS[parse](data)) == apply(_eager(data))


def test_a_copy_or_an_unpickled_configuration_has_everything_converted() -> None:
    """A pickled or copied configuration carries converted members, not the response."""
    data = {"TracingConfig": {"Mode": "Active"}}
    for operation in ("pickle", "copy", "deepcopy"):
        again = OPERATIONS[operation](FunctionConfiguration.from_api(data))
        assert _convert.unconverted_members(again) == []
        assert again.tracing_config == TracingConfig(mode=TracingMode.ACTIVE)


def test_an_instance_never_filled_has_no_members() -> None:
    """An instance made by __new__ alone reads as attrs' own would: AttributeError."""
    empty = object.__new__(FunctionConfiguration)
    for name in ("vpc_config", "no_such_member"):
        with pytest.raises(AttributeError, match=f"'FunctionConfiguration' .* {name!r}"):
            getattr(empty, name)
    config = FunctionConfiguration.from_api({})
    with pytest.raises(AttributeError, match="no attribute 'no_such_member'"):
        _ = config.no_such_member  # type: ignore[attr-defined]


def _scramble(value: Any) -> None:
    """Change every container inside ``value``, in place."""
    if isinstance(value, dict):
        for key, item in value.items():
            _scramble(item)
            value[key] = "changed"
    elif isinstance(value, list):
        for item in value:
            _scramble(item)
        value[:] = ["changed"]


@lazy_settings
@given(function_configuration_dicts())
def test_changing_the_input_afterwards_changes_nothing(data: dict[str, Any]) -> None:
    """from_api keeps a copy: the caller's dict is theirs to change."""
    expected = _eager(copy.deepcopy(data))
    config = FunctionConfiguration.from_api(data)
    _scramble(data)
    assert config == expected


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a wire value, the root included."""
    places = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            places += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            places += _paths(item, (*path, index))
    return places


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copied = copy.copy(value)
    copied[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copied


class _Text(str):
    __slots__ = ()


#: What a broken or hand-made response might hold where botocore would put something else.
_ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=4),
    st.binary(max_size=2),
    st.lists(st.integers() | st.text(max_size=2), max_size=2),
    st.tuples(st.integers()),
    st.dictionaries(st.text(max_size=3), st.integers() | st.text(max_size=2), max_size=2),
    st.frozensets(st.integers(), max_size=2),
    st.builds(object),
    st.builds(_Text, st.text(max_size=3)),
    st.sampled_from([TracingMode.ACTIVE, State.ACTIVE, Runtime.PYTHON3_12]),
)


def _outcome(parse: typing.Callable[[Any], Any], data: Any) -> Any:
    try:
        return parse(data)
    except Exception as err:
        return type(err)


@pytest.mark.parametrize("parse", list(PARSERS))
@convert_settings
@given(data=function_configuration_dicts(), choice=st.data(), odd=_ODD_VALUES)
def test_a_broken_response_fails_or_parses_as_before(
    parse: str, data: dict[str, Any], choice: st.DataObject, odd: Any
) -> None:
    """Any value anywhere: parsing raises what the eager converter raises, or equals it.

    Nothing that would fail later is left for a read, so no half-built configuration escapes.
    """
    path = choice.draw(st.sampled_from(_paths(data)))
    broken = _replaced(data, path, odd)
    expected = _outcome(_eager, broken)
    parsed = _outcome(PARSERS[parse], broken)
    if isinstance(expected, type):
        assert parsed is expected
        return
    assert isinstance(parsed, FunctionConfiguration)
    for name in _convert.unconverted_members(parsed):  # a read never raises
        assert getattr(parsed, name) == getattr(expected, name)
    assert parsed == expected
    assert repr(parsed) == repr(expected)
    assert _outcome(hash, parsed) == _outcome(hash, expected)


@pytest.mark.parametrize("parse", list(PARSERS))
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"VpcConfig": 5}, TypeError),
        ({"VpcConfig": {"SubnetIds": 5}}, TypeError),
        ({"Layers": [5]}, TypeError),
        ({"Runtime": ["python3.12"]}, TypeError),
        ({"TracingConfig": {"Mode": ["Active"]}}, TypeError),
        ({"Environment": {"Variables": 5}}, AttributeError),
        ({"Environment": {"Error": 5}}, TypeError),
        ({"LastModified": "yesterday"}, ValueError),
        (None, TypeError),
    ],
)
def test_a_value_that_cannot_convert_raises_at_once(
    parse: str, data: Any, error: type[Exception]
) -> None:
    """A value that cannot be converted raises when parsed, as it always has."""
    with pytest.raises(error):
        PARSERS[parse](data)


def test_odd_values_that_convert_are_converted_at_once() -> None:
    """A value unlike botocore's that converts anyway is converted when parsed, as before."""
    config = configuration_from_response(
        {"VpcConfig": "not a structure", "TracingConfig": {"Mode": TracingMode.ACTIVE}}
    )
    assert _convert.unconverted_members(config) == []
    assert config.vpc_config == VpcConfig()
    assert config.tracing_config == TracingConfig(mode=TracingMode.ACTIVE)


def test_a_response_marshal_cannot_copy_is_converted_at_once() -> None:
    """from_api converts everything at once when a value is no plain builtin (not copyable)."""
    config = FunctionConfiguration.from_api(
        {"FunctionName": _Text("f"), "DeadLetterConfig": {"TargetArn": "arn"}}
    )
    assert _convert.unconverted_members(config) == []
    assert type(config.function_name) is _Text


def test_input_other_than_a_dict_is_converted_at_once() -> None:
    """A read-only mapping parses like a dict, everything converted at once."""
    data = {"FunctionName": "f", "TracingConfig": {"Mode": "Active"}}
    config = FunctionConfiguration.from_api(MappingProxyType(data))
    assert _convert.unconverted_members(config) == []
    assert config == FunctionConfiguration.from_api(data)


def test_a_nan_is_kept_as_it_came() -> None:
    """A NaN is not copied: two configurations parsed from one response hash alike, as before.

    (A NaN's hash is its identity's; equal they never were, a NaN being unequal to itself.)
    """
    data = {
        "CapacityProviderConfig": {
            "LambdaManagedInstancesCapacityProviderConfig": {
                "ExecutionEnvironmentMemoryGiBPerVCpu": math.nan
            }
        }
    }
    assert hash(FunctionConfiguration.from_api(data)) == hash(_eager(data))


class _ArrivalLock:
    """Stands in for the first-read lock: each thread that reaches it waits at ``arrived``."""

    def __init__(self, lock: typing.Any, arrived: threading.Barrier) -> None:
        self.lock = lock
        self.arrived = arrived

    def __enter__(self) -> None:
        self.arrived.wait()
        self.lock.acquire()

    def __exit__(self, *_: object) -> None:
        self.lock.release()


def _read_in_threads(config: FunctionConfiguration, names: list[str], count: int) -> list[Any]:
    """What each of ``count`` threads, started together, reads of ``names``."""
    start = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count

    def read(index: int) -> None:
        start.wait()
        results[index] = [getattr(config, name) for name in names]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_members_converted_without_the_lock_are_the_same_object_each_time() -> None:
    """A primitive or an open enum's value converts to the very object each time, so threads
    that convert it at once, without the lock, still get one object."""
    data = {"FunctionName": "f", "CodeSize": 10**30, "State": "Active", "Runtime": "python9"}
    first, second = configuration_from_response(data), configuration_from_response(data)
    for name in ("function_name", "code_size", "state", "runtime"):
        assert getattr(first, name) is getattr(second, name)


@pytest.mark.parametrize("member", ["vpc_config", "architectures", "environment"])
def test_threads_reading_a_member_first_get_one_value(
    member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads both find a member unconverted; one converts it, the other gets that object."""
    data = {
        "VpcConfig": {"SubnetIds": ["subnet-1"]},
        "Architectures": ["arm64"],
        "Environment": {"Variables": {"A": "1"}},
    }
    config = configuration_from_response(data)  # kept as it is: the lock is taken only once
    lock = threading.Lock()
    arrived = threading.Barrier(3, timeout=30)
    monkeypatch.setattr(_convert, "_FIRST_READ", _ArrivalLock(lock, arrived))
    results: list[Any] = []
    with lock:  # both threads get past the check and wait for the lock, then it is released
        threads = [
            threading.Thread(target=lambda: results.append(getattr(config, member)))
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        arrived.wait()
    for thread in threads:
        thread.join(timeout=30)
    assert len(results) == 2
    assert results[0] is results[1]
    assert results[0] == getattr(_eager(data), member)


@pytest.mark.parametrize("parse", list(PARSERS))
@lazy_settings
@given(data=function_configuration_dicts())
def test_threads_reading_at_once_get_the_same_values(parse: str, data: dict[str, Any]) -> None:
    """Threads that read every member of one fresh configuration at once see the same objects."""
    config = PARSERS[parse](data)
    first, second = _read_in_threads(config, NAMES, 2)
    assert first == [getattr(_eager(data), name) for name in NAMES]
    assert all(a is b for a, b in zip(first, second, strict=True))


def test_on_first_read_refuses_a_class_it_cannot_fill() -> None:
    """Only a slotted OnFirstRead wire model whose members default to None can be filled."""
    with pytest.raises(TypeError, match="OnFirstRead"):

        @_convert.on_first_read
        @attrs.frozen(kw_only=True)
        class NotOnFirstRead:
            a: int | None = attrs.field(default=None, metadata={"wire": "A"})

    with pytest.raises(TypeError, match="None default"):

        @_convert.on_first_read
        @attrs.frozen(kw_only=True)
        class WithDefault(_convert.OnFirstRead):
            a: int = attrs.field(default=1, metadata={"wire": "A"})
