"""Tests for lambda_code._models: drift from botocore, request validation, secrets, attrs shape."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import typing
import zipfile
from typing import TYPE_CHECKING, Any

import attrs
import botocore
import pytest
from botocore.model import NoShapeFoundError
from botocore.validate import validate_parameters
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambda_code
import lambda_code.models
from lambda_code import (
    MAX_ZIP_SIZE,
    Architecture,
    FunctionConfiguration,
    LambdaCodeError,
    RequestValidationError,
    UpdateFunctionCodeRequest,
)
from lambda_code import _enums as enums
from lambda_code import _models as models
from strategies import (
    CONFIGURATION_SHAPE,
    REQUEST_SHAPE,
    SERVICE_MODEL,
    make_zip,
    request_kwargs,
    valid_request_kwargs,
)

if TYPE_CHECKING:
    from enum import StrEnum

    from botocore.model import Shape

PROPERTY_EXAMPLES = 300

ZIP = make_zip({"handler.py": b"def handler(event, context):\n    return 1\n"})


# ---------------------------------------------------------------------------------------------
# Drift: botocore's service model against the attrs classes


def _wire_fields(cls: type[Any]) -> dict[str, attrs.Attribute[Any]]:
    return {f.metadata["wire"]: f for f in attrs.fields(cls)}


def _hint_classes(hint: Any) -> list[Any]:
    """Every class inside an annotation such as ``tuple[X | str, ...] | None``."""
    found: list[Any] = []
    stack = [hint]
    while stack:
        tp = stack.pop()
        args = typing.get_args(tp)
        if args:
            stack.extend(args)
        elif isinstance(tp, type):
            found.append(tp)
    return found


def _enum_shape(shape: Shape) -> Shape | None:
    """The enum shape of a string-enum member or a list of them."""
    if shape.type_name == "list":
        shape = shape.member  # type: ignore[attr-defined]
    return shape if getattr(shape, "enum", None) else None


def _struct_shape(shape: Shape) -> Shape | None:
    """The structure shape of a structure member or a list of them."""
    if shape.type_name == "list":
        shape = shape.member  # type: ignore[attr-defined]
    return shape if shape.type_name == "structure" else None


def _drift(shape: Shape, cls: type[Any], path: str, problems: list[str]) -> None:
    """Record every member of ``shape`` that ``cls`` (recursively) does not model."""
    fields = _wire_fields(cls)
    hints = typing.get_type_hints(cls)
    members: dict[str, Shape] = shape.members  # type: ignore[attr-defined]
    for wire, member in members.items():
        where = f"{path}.{wire}"
        field = fields.get(wire)
        if field is None:
            problems.append(f"{where}: member of botocore shape {shape.name} missing from {cls}")
            continue
        classes = _hint_classes(hints[field.name])
        if (nested := _struct_shape(member)) is not None:
            nested_classes = [c for c in classes if attrs.has(c)]
            if len(nested_classes) != 1:
                problems.append(f"{where}: {cls.__name__}.{field.name} holds no attrs class")
            else:
                _drift(nested, nested_classes[0], where, problems)
        if (enum_shape := _enum_shape(member)) is not None:
            _enum_drift(enum_shape, classes, f"{cls.__name__}.{field.name}", where, problems)


def _enum_drift(
    enum_shape: Shape, classes: list[Any], field: str, where: str, problems: list[str]
) -> None:
    expected = getattr(enums, enum_shape.name, None)
    if expected is None:
        problems.append(f"{where}: no StrEnum named {enum_shape.name} in lambda_code._enums")
        return
    if expected not in classes:
        problems.append(f"{where}: {field} is not typed with {enum_shape.name}")
    if str not in classes:
        problems.append(f"{where}: {field} is not open (`{enum_shape.name} | str`)")
    known = {m.value for m in expected}
    problems.extend(
        f"{where}: {enum_shape.name} lacks the value {value!r}"
        for value in enum_shape.enum  # type: ignore[attr-defined]
        if value not in known
    )


def test_function_configuration_models_every_botocore_member() -> None:
    """FunctionConfiguration and nested classes model every botocore member and enum value."""
    problems: list[str] = []
    _drift(CONFIGURATION_SHAPE, FunctionConfiguration, "FunctionConfiguration", problems)
    assert problems == []


def test_request_models_every_botocore_member() -> None:
    """UpdateFunctionCodeRequest has a field for every UpdateFunctionCode input member."""
    problems: list[str] = []
    _drift(REQUEST_SHAPE, UpdateFunctionCodeRequest, "UpdateFunctionCodeRequest", problems)
    assert problems == []


def _modeled_classes(shape: Shape, cls: type[Any], out: list[tuple[Shape, type[Any]]]) -> None:
    out.append((shape, cls))
    fields = _wire_fields(cls)
    hints = typing.get_type_hints(cls)
    for wire, member in shape.members.items():  # type: ignore[attr-defined]
        nested = _struct_shape(member)
        if nested is not None and wire in fields:
            for c in _hint_classes(hints[fields[wire].name]):
                if attrs.has(c):
                    _modeled_classes(nested, c, out)


#: What the models know that botocore learnt late, as "shape.member" or "enum shape.value", with
#: the first botocore release that has it. aiobotocore pins an older botocore than a sync
#: install gets, so the test environment may lack these; any other absence is a typo.
NEWER_THAN_SOME_BOTOCORE: dict[str, tuple[int, ...]] = {
    "FunctionConfiguration.RuntimeConfig": (1, 44, 3),
    "Runtime.custom": (1, 44, 3),
    "FunctionConfiguration.AcceleratorConfig": (1, 44, 4),
    "LastUpdateStatusReasonCode.IncompatibleAcceleratorInstanceTypes": (1, 44, 4),
    "StateReasonCode.IncompatibleAcceleratorInstanceTypes": (1, 44, 4),
}
BOTOCORE_VERSION = tuple(int(part) for part in botocore.__version__.split("."))


def _newer_than_installed_botocore(key: str, installed: tuple[int, ...] = BOTOCORE_VERSION) -> bool:
    """Whether ``key`` is listed above with a botocore release newer than the installed one."""
    return installed < NEWER_THAN_SOME_BOTOCORE.get(key, installed)


def _modeled_wire_names() -> list[tuple[Shape, type[Any], attrs.Attribute[Any]]]:
    pairs: list[tuple[Shape, type[Any]]] = []
    _modeled_classes(CONFIGURATION_SHAPE, FunctionConfiguration, pairs)
    _modeled_classes(REQUEST_SHAPE, UpdateFunctionCodeRequest, pairs)
    return [(shape, cls, f) for shape, cls in pairs for f in attrs.fields(cls)]


def test_every_modeled_wire_name_exists_in_botocore() -> None:
    """No field carries a wire name botocore lacks (a typo would silently drop the member)."""
    extra = [
        f"{cls.__name__}.{f.name} (wire {f.metadata['wire']!r}, shape {shape.name})"
        for shape, cls, f in _modeled_wire_names()
        if f.metadata["wire"] not in shape.members  # type: ignore[attr-defined]
        and not _newer_than_installed_botocore(f"{shape.name}.{f.metadata['wire']}")
    ]
    assert extra == []


def test_members_newer_than_botocore_are_modeled() -> None:
    """Each entry of the late-members list names a modeled member or enum value."""
    modeled = {f"{shape.name}.{f.metadata['wire']}" for shape, _, f in _modeled_wire_names()}
    values = {f"{name}.{member.value}" for name in enums.__all__ for member in getattr(enums, name)}
    assert set(NEWER_THAN_SOME_BOTOCORE) - modeled - values == set()


def test_newer_than_installed_botocore_reads_versions() -> None:
    """A listed entry is excused only by an older botocore; an unlisted one never."""
    key = "FunctionConfiguration.RuntimeConfig"  # first in botocore 1.44.3
    assert _newer_than_installed_botocore(key, (1, 43, 117))
    assert _newer_than_installed_botocore(key, (1, 44, 2))
    assert not _newer_than_installed_botocore(key, (1, 44, 3))
    assert not _newer_than_installed_botocore(key, (1, 45, 0))
    assert not _newer_than_installed_botocore("FunctionConfiguration.CodeSha256", (1, 35, 0))


def test_every_enum_class_is_a_botocore_enum_shape() -> None:
    """Each StrEnum in lambda_code._enums is named after a botocore enum shape and has no extras."""
    problems = []
    for name in enums.__all__:
        cls: type[StrEnum] = getattr(enums, name)
        try:
            shape = SERVICE_MODEL.shape_for(name)
        except NoShapeFoundError:
            problems.append(f"{name}: botocore has no shape of that name")
            continue
        values = set(getattr(shape, "enum", None) or [])
        if not values:
            problems.append(f"{name}: botocore's shape has no enum values")
        problems.extend(
            f"{name}.{m.name}"
            for m in cls
            if m.value not in values and not _newer_than_installed_botocore(f"{name}.{m.value}")
        )
    assert problems == []


# ---------------------------------------------------------------------------------------------
# Validation, one test per documented rule


def _request(**overrides: Any) -> UpdateFunctionCodeRequest:
    kwargs: dict[str, Any] = {"function_name": "my-function", "zip_file": ZIP}
    kwargs.update(overrides)
    return UpdateFunctionCodeRequest(**kwargs)


def _rejects(field: str, rule: str, **overrides: Any) -> RequestValidationError:
    with pytest.raises(RequestValidationError) as info:
        _request(**overrides)
    err = info.value
    assert err.field == field
    assert re.search(rule, err.rule, re.IGNORECASE), err.rule
    assert field in str(err)
    return err


def _accepted_by_botocore(request: UpdateFunctionCodeRequest) -> dict[str, Any]:
    params = request.to_api()
    validate_parameters(params, REQUEST_SHAPE)
    return params


ARN_PREFIX = "arn:aws:lambda:us-west-2:123456789012:function:"


@pytest.mark.parametrize(
    "name",
    [
        "my-function",
        "My_Function-2",
        "a" * 64,
        "my-function:$LATEST",
        "123456789012:function:my-function",
        "123456789012:function:my-function:$LATEST",
        f"{ARN_PREFIX}my-function",
        f"{ARN_PREFIX}{'a' * 64}:$LATEST",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
        "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
        "arn:aws-eusc:lambda:eusc-de-east-1:123456789012:function:f",
    ],
)
def test_valid_function_names(name: str) -> None:
    """Names, partial ARNs and ARNs, bare or with `:$LATEST`, are accepted."""
    request = _request(function_name=name)
    assert _accepted_by_botocore(request)["FunctionName"] == name


@pytest.mark.parametrize(
    "name",
    [
        "my-function:3",
        "my-function:live",
        "123456789012:function:my-function:3",
        f"{ARN_PREFIX}my-function:3",
        "a" * 64 + ":" + "q" * 75,
    ],
)
def test_qualifiers_other_than_latest_are_refused(name: str) -> None:
    """Code updates go to $LATEST: a version or alias qualifier names the field and the rule."""
    with pytest.raises(RequestValidationError) as caught:
        _request(function_name=name)
    assert caught.value.field == "function_name"
    assert "$LATEST" in caught.value.rule


@pytest.mark.parametrize(
    "name",
    [
        "my function",
        "my.function",
        "my-function:",
        "my-function:$latest",
        "my-function:1:2",
        "arn:aws:lambda:us-west-2:123456789012:function:",
        "arn:aws:s3:::bucket",
        "fünction",
        "my-function\n",
    ],
)
def test_function_name_must_fully_match_the_pattern(name: str) -> None:
    """A function name that does not fully match the documented pattern is rejected."""
    _rejects("function_name", "pattern", function_name=name)


def test_function_name_is_required_non_empty() -> None:
    """An empty function name is rejected."""
    _rejects("function_name", "at least 1", function_name="")


@pytest.mark.parametrize(
    "name", ["a" * 65, f"123456789012:function:{'a' * 65}", f"{ARN_PREFIX}{'a' * 65}:3"]
)
def test_function_name_part_at_most_64(name: str) -> None:
    """The name part (after any ARN prefix, before a qualifier) is at most 64 characters."""
    _rejects("function_name", "64", function_name=name)


def test_function_name_at_most_140() -> None:
    """The whole function name, prefix and qualifier included, is at most 140 characters."""
    name = f"{ARN_PREFIX}{'a' * 64}:{'q' * 40}"
    assert len(name) > 140
    _rejects("function_name", "140", function_name=name)


@pytest.mark.parametrize(
    "sources",
    [
        {"zip_file": None},
        {"image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1"},
        {"s3_bucket": "bucket", "s3_key": "key.zip"},
        {
            "zip_file": None,
            "s3_bucket": "bucket",
            "s3_key": "key.zip",
            "image_uri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1",
        },
    ],
)
def test_exactly_one_code_source(sources: dict[str, Any]) -> None:
    """No code source, or more than one, is rejected."""
    _rejects("code", "exactly one", **sources)


@pytest.mark.parametrize(
    ("given_", "missing"), [({"s3_bucket": "bucket"}, "s3_key"), ({"s3_key": "k"}, "s3_bucket")]
)
def test_s3_bucket_and_key_together(given_: dict[str, str], missing: str) -> None:
    """A bucket without a key (or a key without a bucket) is rejected, naming the missing one."""
    _rejects(missing, "together", zip_file=None, **given_)


@pytest.mark.parametrize("field", ["s3_object_version", "s3_object_storage_mode"])
def test_s3_only_options_need_s3(field: str) -> None:
    """s3_object_version and s3_object_storage_mode are only allowed with an S3 source."""
    value = "COPY" if field == "s3_object_storage_mode" else "v1"
    _rejects(field, "only allowed with s3", **{field: value})


@pytest.mark.parametrize(
    ("bucket", "rule"),
    [
        ("ab", "at least 3"),
        ("a" * 64, "at most 63"),
        ("my-bucket.", "pattern"),
        ("my bucket", "pattern"),
        ("bücket", "pattern"),
        ("my/bucket", "pattern"),
    ],
)
def test_s3_bucket_length_and_pattern(bucket: str, rule: str) -> None:
    """A bucket is 3-63 characters of [0-9A-Za-z.-_], not ending in a dot."""
    _rejects("s3_bucket", rule, zip_file=None, s3_bucket=bucket, s3_key="k")


@pytest.mark.parametrize("bucket", ["abc", "a" * 63, "my.bucket-1_x", ".starts-with-dot", "A-B"])
def test_valid_s3_buckets(bucket: str) -> None:
    """Buckets within the documented length and pattern are accepted."""
    request = _request(zip_file=None, s3_bucket=bucket, s3_key="k")
    assert _accepted_by_botocore(request)["S3Bucket"] == bucket


@pytest.mark.parametrize("field", ["s3_key", "s3_object_version"])
@pytest.mark.parametrize(("length", "rule"), [(0, "at least 1"), (1025, "at most 1024")])
def test_s3_key_and_version_length(field: str, length: int, rule: str) -> None:
    """S3 keys and object versions are 1-1024 characters."""
    kwargs = {"zip_file": None, "s3_bucket": "bucket", "s3_key": "k", field: "x" * length}
    _rejects(field, rule, **kwargs)


def test_s3_key_and_version_limits_are_inclusive() -> None:
    """Keys and versions of exactly 1 and 1024 characters are accepted."""
    for length in (1, 1024):
        request = _request(
            zip_file=None, s3_bucket="bucket", s3_key="k" * length, s3_object_version="v" * length
        )
        assert _accepted_by_botocore(request)["S3Key"] == "k" * length


@pytest.mark.parametrize(
    ("architectures", "rule"),
    [
        ([], "exactly one"),
        (["x86_64", "arm64"], "exactly one"),
        ("arm64", "exactly one"),
        (["riscv64"], "one of"),
        (["ARM64"], "one of"),
        ([None], "one of"),
    ],
)
def test_architectures_exactly_one_known(architectures: Any, rule: str) -> None:
    """Architectures is a list of exactly one of x86_64 and arm64."""
    _rejects("architectures", rule, architectures=architectures)


def test_zip_file_must_be_a_zip() -> None:
    """Bytes that are not a zip archive are rejected."""
    _rejects("zip_file", "zip archive", zip_file=b"PK\x03\x04 but not really a zip")


def test_zip_file_must_be_bytes() -> None:
    """A zip_file that is not bytes (say a path string) is rejected."""
    _rejects("zip_file", "bytes", zip_file="function.zip")


def test_zip_file_at_most_50_mib_says_use_s3() -> None:
    """A zip over 50 MiB is rejected with a message that says to upload it to S3."""
    err = _rejects("zip_file", "50 MiB", zip_file=b"\0" * (MAX_ZIP_SIZE + 1))
    assert "S3" in err.rule
    assert "s3_bucket" in err.rule


def test_zip_file_of_exactly_50_mib_is_accepted() -> None:
    """A zip of exactly 50 MiB is within the limit."""
    stored = make_zip({"big.bin": b""}, compression=zipfile.ZIP_STORED)
    # Pad the archive with a comment-free prefix; zip readers find the directory from the end.
    data = b"\0" * (MAX_ZIP_SIZE - len(stored)) + stored
    assert len(data) == MAX_ZIP_SIZE
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert _request(zip_file=data).zip_file == data


@pytest.mark.parametrize("value", ["LATEST", "latest_published", ""])
def test_publish_to_enum(value: str) -> None:
    """publish_to must be LATEST_PUBLISHED."""
    _rejects("publish_to", "LATEST_PUBLISHED", publish_to=value)


@pytest.mark.parametrize("value", ["copy", "MOVE", ""])
def test_s3_object_storage_mode_enum(value: str) -> None:
    """s3_object_storage_mode must be COPY or REFERENCE."""
    _rejects(
        "s3_object_storage_mode",
        "COPY, REFERENCE",
        zip_file=None,
        s3_bucket="bucket",
        s3_key="k",
        s3_object_storage_mode=value,
    )


@pytest.mark.parametrize("value", ["not-an-arn", "arn:aws:KMS:us-east-1:1:key/x", "arn:aws"])
def test_source_kms_key_arn_pattern(value: str) -> None:
    """source_kms_key_arn must be an ARN (or empty)."""
    _rejects("source_kms_key_arn", "pattern", source_kms_key_arn=value)


@pytest.mark.parametrize(
    "value", ["", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
)
def test_valid_source_kms_key_arns(value: str) -> None:
    """An empty string or a KMS key ARN is accepted."""
    assert _accepted_by_botocore(_request(source_kms_key_arn=value))["SourceKMSKeyArn"] == value


@pytest.mark.parametrize("field", ["publish", "dry_run"])
def test_flags_must_be_bools(field: str) -> None:
    """publish and dry_run must be real bools, not truthy strings."""
    _rejects(field, "bool", **{field: "yes"})


@pytest.mark.parametrize(
    "field", ["s3_key", "image_uri", "revision_id", "source_kms_key_arn", "function_name"]
)
def test_string_fields_must_be_strings(field: str) -> None:
    """A string member given another type is a RequestValidationError, not a crash later."""
    kwargs: dict[str, Any] = {field: 42}
    if field == "s3_key":
        kwargs.update(zip_file=None, s3_bucket="bucket")
    _rejects(field, "string", **kwargs)


def test_request_validation_error_is_a_value_error() -> None:
    """RequestValidationError is both a ValueError and a LambdaCodeError."""
    err = _rejects("s3_bucket", "pattern", zip_file=None, s3_bucket="bad!", s3_key="k")
    assert isinstance(err, ValueError)
    assert isinstance(err, LambdaCodeError)


# ---------------------------------------------------------------------------------------------
# to_api: botocore's keyword arguments


def test_to_api_zip_defaults_omitted() -> None:
    """A minimal zip request gives exactly FunctionName and ZipFile; defaults are omitted."""
    request = UpdateFunctionCodeRequest(function_name="f", zip_file=ZIP)
    assert _accepted_by_botocore(request) == {"FunctionName": "f", "ZipFile": ZIP}


def test_to_api_s3_with_every_option() -> None:
    """Every member set gives its wire name; Architectures is a list of plain strings."""
    request = UpdateFunctionCodeRequest(
        function_name=f"{ARN_PREFIX}f:$LATEST",
        s3_bucket="my-bucket",
        s3_key="builds/f.zip",
        s3_object_version="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
        s3_object_storage_mode="REFERENCE",
        publish=True,
        dry_run=True,
        revision_id="5a2b3c4d",
        architectures=[Architecture.ARM64],
        source_kms_key_arn="",
        publish_to="LATEST_PUBLISHED",
    )
    params = _accepted_by_botocore(request)
    assert params == {
        "FunctionName": f"{ARN_PREFIX}f:$LATEST",
        "S3Bucket": "my-bucket",
        "S3Key": "builds/f.zip",
        "S3ObjectVersion": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
        "S3ObjectStorageMode": "REFERENCE",
        "Publish": True,
        "DryRun": True,
        "RevisionId": "5a2b3c4d",
        "Architectures": ["arm64"],
        "SourceKMSKeyArn": "",
        "PublishTo": "LATEST_PUBLISHED",
    }
    assert type(params["Architectures"]) is list


def test_to_api_image() -> None:
    """An image request gives ImageUri and its architecture."""
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/f:1"
    request = UpdateFunctionCodeRequest(function_name="f", image_uri=uri, architectures=["x86_64"])
    assert _accepted_by_botocore(request) == {
        "FunctionName": "f",
        "ImageUri": uri,
        "Architectures": ["x86_64"],
    }


_FIELD_WIRE = {f.name: f.metadata["wire"] for f in attrs.fields(UpdateFunctionCodeRequest)}


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(valid_request_kwargs())
def test_valid_requests_construct_and_botocore_accepts_them(kwargs: dict[str, Any]) -> None:
    """Valid arguments construct; to_api() has each under its wire name; botocore accepts it."""
    params = _accepted_by_botocore(UpdateFunctionCodeRequest(**kwargs))
    expected = {
        _FIELD_WIRE[name]: list(value) if name == "architectures" else value
        for name, value in kwargs.items()
        if value is not None and not (name in {"publish", "dry_run"} and value is False)
    }
    assert params == expected


_BOTOCORE_NAME_PATTERN: str = REQUEST_SHAPE.members["FunctionName"].metadata["pattern"]  # type: ignore[attr-defined]
# The same pattern with its name part (before any qualifier) as a named group.
_BOTOCORE_NAME = re.compile(
    _BOTOCORE_NAME_PATTERN.replace("([a-zA-Z0-9-_]+)(:(", "(?P<name>[a-zA-Z0-9-_]+)(:(", 1),
    re.ASCII,
)


def test_botocore_name_pattern_has_a_name_group() -> None:
    """The name part of botocore's FunctionName pattern could be located (else update the test)."""
    assert "name" in _BOTOCORE_NAME.groupindex


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(st.from_regex(_BOTOCORE_NAME, fullmatch=True))
def test_names_matching_botocores_pattern_are_accepted(name: str) -> None:
    """A name botocore's pattern allows is accepted within the length limits and on $LATEST."""
    match = _BOTOCORE_NAME.fullmatch(name)
    assert match is not None
    qualifier = name[match.end("name") :]
    if len(name) > 140 or len(match["name"]) > 64:
        _rejects("function_name", "64|140", function_name=name)
    elif qualifier not in ("", ":$LATEST"):
        _rejects("function_name", r"\$LATEST", function_name=name)
    else:
        assert _request(function_name=name).function_name == name


_REQUEST_FIELDS = {f.name for f in attrs.fields(UpdateFunctionCodeRequest)} | {"code"}


@settings(
    max_examples=PROPERTY_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(request_kwargs())
def test_any_arguments_construct_or_raise_request_validation_error(kwargs: dict[str, Any]) -> None:
    """Any arguments construct a request botocore accepts, or raise RequestValidationError."""
    try:
        request = UpdateFunctionCodeRequest(**kwargs)
    except RequestValidationError as err:
        error: RequestValidationError | None = err
    else:
        error = None
        _accepted_by_botocore(request)
    if error is not None:
        assert error.field in _REQUEST_FIELDS
        assert error.rule


def test_request_strategy_reaches_valid_and_invalid() -> None:
    """The arbitrary strategy produces both valid requests and every kind of violation."""
    outcomes: set[str] = set()

    # Derandomized: the same draws every run, so this check cannot flake.
    @settings(max_examples=600, database=None, deadline=None, derandomize=True)
    @given(request_kwargs())
    def collect(kwargs: dict[str, Any]) -> None:
        try:
            UpdateFunctionCodeRequest(**kwargs)
            outcomes.add("valid")
        except RequestValidationError as err:
            outcomes.add(err.field)

    collect()
    assert {"valid", "function_name", "zip_file", "code", "s3_bucket", "architectures"} <= outcomes
    assert len(outcomes) >= 10, outcomes


# ---------------------------------------------------------------------------------------------
# Secrets

PAYLOAD = b"TOP-SECRET-SOURCE-CODE-" * 400


def _secret_zip() -> bytes:
    data = make_zip({"secret.py": PAYLOAD}, compression=zipfile.ZIP_STORED)
    assert PAYLOAD in data  # stored, so the raw payload is in the archive bytes
    return data


@pytest.mark.parametrize("show", [repr, str])
def test_request_repr_hides_zip_bytes(show: typing.Callable[[object], str]) -> None:
    """repr/str of a request show the zip's size and CodeSha256, never its bytes or base64."""
    data = _secret_zip()
    text = show(UpdateFunctionCodeRequest(function_name="f", zip_file=data))
    assert "TOP-SECRET" not in text
    assert repr(data)[:40] not in text
    encoded = base64.b64encode(data).decode()
    assert encoded[:24] not in text
    assert base64.b64encode(PAYLOAD).decode()[:24] not in text
    assert str(len(data)) in text
    assert base64.b64encode(hashlib.sha256(data).digest()).decode() in text


def test_request_repr_hides_bytearray_zip() -> None:
    """A bytearray zip is stored as bytes and hidden the same way."""
    data = _secret_zip()
    request = UpdateFunctionCodeRequest(function_name="f", zip_file=bytearray(data))
    assert request.zip_file == data
    assert type(request.zip_file) is bytes
    assert "TOP-SECRET" not in repr(request)


_ENV_NAMES = st.from_regex(re.compile(r"[a-zA-Z][a-zA-Z0-9_]{1,15}", re.ASCII), fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(_ENV_NAMES, st.text(max_size=10), min_size=1, max_size=5))
def test_configuration_repr_shows_variable_names_not_values(env: dict[str, str]) -> None:
    """repr/str of a configuration show environment variable names but never their values."""
    variables = {name: f"s3cr3t-{value}" for name, value in env.items()}
    config = FunctionConfiguration.from_api(
        {"FunctionName": "f", "Environment": {"Variables": variables}}
    )
    for text in (repr(config), str(config)):
        assert "s3cr3t-" not in text
        for name in env:
            assert name in text


def test_error_messages_are_hidden() -> None:
    """Error messages of environment, image config and runtime version (may quote values) hide."""
    secret = "password=hunter2"  # noqa: S105 - a fake secret, to check it is not shown
    config = FunctionConfiguration.from_api(
        {
            "Environment": {
                "Variables": {"DB_PASSWORD": "hunter2"},
                "Error": {"ErrorCode": "InvalidParameterValue", "Message": secret},
            },
            "ImageConfigResponse": {"Error": {"ErrorCode": "Bad", "Message": secret}},
            "RuntimeVersionConfig": {"Error": {"ErrorCode": "Bad", "Message": secret}},
        }
    )
    text = repr(config)
    assert "hunter2" not in text
    assert "DB_PASSWORD" in text
    assert "InvalidParameterValue" in text
    # The message is still there for code that asks for it.
    assert config.environment is not None
    assert config.environment.error is not None
    assert config.environment.error.message == secret


# ---------------------------------------------------------------------------------------------
# attrs shape: frozen, slotted, keyword-only, hashable

MODEL_CLASSES = [
    getattr(models, name)
    for name in models.__all__
    if isinstance(getattr(models, name), type) and attrs.has(getattr(models, name))
]


def _instance(cls: type[Any]) -> Any:
    if cls is UpdateFunctionCodeRequest:
        return _request(architectures=["arm64"])
    return cls()


def test_model_classes_are_public() -> None:
    """Every model class is exported from lambda_code or, if nested, lambda_code.models."""
    assert len(MODEL_CLASSES) > 10
    assert all(
        getattr(lambda_code, cls.__name__, None) is cls
        or getattr(lambda_code.models, cls.__name__, None) is cls
        for cls in MODEL_CLASSES
    )


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_models_are_frozen_slotted_keyword_only_hashable(cls: type[Any]) -> None:
    """Models refuse assignment, have slots, take keyword arguments only, and hash."""
    instance = _instance(cls)
    first = attrs.fields(cls)[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(instance, first.name, getattr(instance, first.name))
    assert "__slots__" in cls.__dict__
    assert not hasattr(instance, "__dict__")
    assert all(f.kw_only for f in attrs.fields(cls))
    with pytest.raises(TypeError):
        cls("positional")
    assert hash(instance) == hash(_instance(cls))
    assert instance == _instance(cls)


def test_parsed_configuration_is_hashable() -> None:
    """A configuration with lists and environment variables hashes (lists become tuples)."""
    data = {
        "FunctionName": "f",
        "Architectures": ["arm64"],
        "Layers": [{"Arn": "arn:aws:lambda:us-east-1:123456789012:layer:l:1"}],
        "VpcConfig": {"SubnetIds": ["subnet-1"]},
        "Environment": {"Variables": {"A": "1"}},
    }
    config = FunctionConfiguration.from_api(data)
    assert hash(config) == hash(FunctionConfiguration.from_api(data))
    assert {config, FunctionConfiguration.from_api(data)} == {config}


def test_request_architectures_stored_as_tuple() -> None:
    """A list of architectures is stored as a tuple so the request stays hashable."""
    request = _request(architectures=["arm64"])
    assert request.architectures == ("arm64",)
    assert hash(request) == hash(_request(architectures=("arm64",)))
