"""Staging a zip in S3: validation, content-addressed keys, verified skips, uploads, faults."""

import base64
import functools
import hashlib
import ipaddress
import itertools
import random
import threading
import types
import uuid
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import botocore.endpoint
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from s3transfer.manager import TransferConfig

import lambda_code
from lambda_code import (
    MAX_ZIP_SIZE,
    RequestValidationError,
    S3Location,
    S3Staging,
    StagingError,
    ZipPackage,
)
from lambda_code._package import zip_files
from lambda_code._services import aux_client
from lambda_code._staging import (
    CODE_SHA256_METADATA,
    _verified,
    bucket_region,
    stage,
    staging_key,
)

REGION = "us-east-1"
BUCKET = "lambda-code-staging"
MIB = 1024 * 1024
# The smallest parts S3 takes, so the multipart path runs on a package of a few MiB.
SMALL_PARTS = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
# Fake credentials that no message may ever show.
SECRET_KEY_ID = "AKIASTAGINGSECRET123"  # noqa: S105
SECRET_KEY = "stagingSecretAccessKeyThatMustNeverShow"  # noqa: S105


@pytest.fixture(autouse=True)
def retry_pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's pauses between retries, recorded instead of slept: no test waits on a clock."""
    pauses: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=pauses.append))
    return pauses


def _package_of(size: int, seed: int = 0) -> ZipPackage:
    """A zip of ``size`` random (incompressible) bytes, stored, so its size is predictable."""
    data = random.Random(seed).randbytes(size)
    return ZipPackage.from_bytes(zip_files({"blob.bin": data}, compression=zipfile.ZIP_STORED))


SMALL = _package_of(1000)


def _client(endpoint_url: str | None = None, *, retries: int = 5) -> Any:
    """A blocking S3 client with recognisable fake credentials."""
    session = botocore.session.Session()
    session.set_credentials(SECRET_KEY_ID, SECRET_KEY)
    return session.create_client(
        "s3",
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=Config(retries={"mode": "standard", "total_max_attempts": retries}),
    )


@functools.cache
def _shared_client() -> Any:
    """One client for many examples: making a client costs more than a stage on moto."""
    return _client()


@pytest.fixture
def s3() -> Iterator[Any]:
    """An S3 client on moto in this process, with an empty bucket in REGION."""
    with mock_aws():
        client = _client()
        client.create_bucket(Bucket=BUCKET)
        yield client


def _body(s3: Any, location: S3Location) -> bytes:
    args = {"VersionId": location.version} if location.version else {}
    data: bytes = s3.get_object(Bucket=location.bucket, Key=location.key, **args)["Body"].read()
    return data


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._body


def _answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> AWSResponse:
    """An HTTP answer a before-send hook gives instead of sending the request."""
    return AWSResponse(
        "https://s3.example", status, HTTPHeaders.from_dict(headers or {}), _Raw(body)
    )


def _s3_error(code: str, status: int) -> AWSResponse:
    body = f"<Error><Code>{code}</Code><Message>{code} (injected)</Message></Error>".encode()
    return _answer(status, body)


def _inject(client: Any, operation: str, fault: Callable[[Any], AWSResponse | None]) -> list[str]:
    """Run ``fault`` before each ``operation`` request is sent; it may answer instead.

    Registered first, so that it acts before moto's in-process handler. Returns the list of
    request URLs it saw.
    """
    seen: list[str] = []
    lock = threading.Lock()

    def handler(request: Any, **_: object) -> AWSResponse | None:
        with lock:
            seen.append(str(request.url))
        return fault(request)

    client.meta.events.register_first(f"before-send.s3.{operation}", handler)
    return seen


def _fail_first(calls: Iterator[int]) -> Callable[[Any], None]:
    """A fault that drops the connection on the first request only."""

    def fault(request: Any) -> None:
        if next(calls) == 0:
            raise ConnectionClosedError(endpoint_url=str(request.url))

    return fault


# -- S3Staging -------------------------------------------------------------------------------


def test_defaults_and_str() -> None:
    """A bucket alone stages at the bucket's root, only zips past the direct limit."""
    staging = S3Staging("my-artifacts")
    assert (staging.prefix, staging.client, staging.always) == ("", None, False)
    assert str(staging) == "s3://my-artifacts/"
    assert not staging.stages(SMALL)
    assert S3Staging("my-artifacts", always=True).stages(SMALL)


@pytest.mark.parametrize(
    ("bucket", "rule"),
    [
        ("ab", "3-63 characters"),
        ("a" * 64, "3-63 characters"),
        ("My-Bucket", "lowercase"),
        ("my_bucket", "lowercase"),
        ("-bucket", "begin and end"),
        ("bucket.", "begin and end"),
        ("my..bucket", "two adjacent periods"),
        ("192.168.5.4", "IP address"),
        ("xn--bucket", "reserves"),
        ("bucket-s3alias", "reserves"),
    ],
)
def test_bad_bucket_names_name_the_field_and_rule(bucket: str, rule: str) -> None:
    """A bucket name S3 would refuse is a RequestValidationError on ``bucket``."""
    with pytest.raises(RequestValidationError) as caught:
        S3Staging(bucket)
    assert caught.value.field == "bucket"
    assert rule in caught.value.rule


_BUCKET_NAMES = st.from_regex(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", fullmatch=True)


@given(_BUCKET_NAMES)
def test_names_of_s3s_alphabet_are_refused_only_for_a_rule(name: str) -> None:
    """A name of S3's alphabet is refused only for adjacent periods, an IP address's form or
    a reserved prefix or suffix; an accepted one is a valid S3Location bucket too."""
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        ip = False
    else:
        ip = True
    reserved = name.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or name.endswith(
        ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
    )
    if ".." in name or ip or reserved:
        with pytest.raises(RequestValidationError) as caught:
            S3Staging(name)
        assert caught.value.field == "bucket"
    else:
        assert S3Staging(name).bucket == name
        assert S3Location(name, "key").bucket == name  # Lambda's looser pattern takes it


@given(st.one_of(st.integers(), st.binary(), st.none(), st.lists(st.text())))
def test_non_string_bucket_is_refused(value: object) -> None:
    """A bucket that is not a string is refused by type, never crashes."""
    with pytest.raises(RequestValidationError) as caught:
        S3Staging(value)  # type: ignore[arg-type]
    assert caught.value.field == "bucket"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"prefix": 3}, "prefix"),
        ({"prefix": "/builds/"}, "prefix"),
        ({"prefix": "x" * 957}, "prefix"),
        ({"prefix": "\udcff"}, "prefix"),
        ({"always": 1}, "always"),
        ({"always": "yes"}, "always"),
        ({"client": object()}, "client"),
    ],
)
def test_bad_settings_name_the_field(kwargs: dict[str, Any], field: str) -> None:
    """Prefix, always and client are checked on construction, each naming its field."""
    with pytest.raises(RequestValidationError) as caught:
        S3Staging("my-artifacts", **kwargs)
    assert caught.value.field == field


def test_a_lambda_client_is_not_an_s3_client() -> None:
    """The client must be an S3 client: a Lambda client is refused."""
    lam = botocore.session.Session().create_client("lambda", region_name=REGION)
    with pytest.raises(RequestValidationError, match="S3 client"):
        S3Staging("my-artifacts", client=lam)


def test_an_async_client_is_refused() -> None:
    """Staging blocks, so a client whose calls are coroutines (aiobotocore's) is refused."""
    blocking = _client()

    class AsyncS3:
        # What the check sees of an aiobotocore S3 client: an S3 model, coroutine calls.
        meta = blocking.meta

        async def head_object(self, **kwargs: object) -> None: ...

    with pytest.raises(RequestValidationError, match="blocking"):
        S3Staging("my-artifacts", client=AsyncS3())


def test_repr_does_not_show_the_client() -> None:
    """The repr says a client was given, never what it holds."""
    client = _client()
    staging = S3Staging("my-artifacts", "builds/", client=client)
    assert repr(staging) == (
        "S3Staging(bucket='my-artifacts', prefix='builds/', client=<S3 client>, always=False)"
    )
    assert "botocore" not in repr(staging)
    assert S3Staging("my-artifacts", client=client) == S3Staging("my-artifacts")


@pytest.mark.parametrize(
    ("text", "bucket", "prefix"),
    [
        ("s3://my-artifacts", "my-artifacts", ""),
        ("s3://my-artifacts/", "my-artifacts", ""),
        ("s3://my-artifacts/lambda", "my-artifacts", "lambda/"),
        ("s3://my-artifacts/lambda/orders/", "my-artifacts", "lambda/orders/"),
    ],
)
def test_parse_takes_the_path_as_a_folder(text: str, bucket: str, prefix: str) -> None:
    """``S3Staging.parse`` reads the CLI's ``--s3-staging`` form."""
    staging = S3Staging.parse(text)
    assert (staging.bucket, staging.prefix) == (bucket, prefix)


@pytest.mark.parametrize(
    ("text", "field"),
    [("my-artifacts/lambda", "staging"), (b"s3://x", "staging"), ("s3://AB/x", "bucket")],
)
def test_parse_refuses_what_is_not_an_s3_url(text: Any, field: str) -> None:
    """A string without ``s3://`` or with a bad bucket is refused, naming the field."""
    with pytest.raises(RequestValidationError) as caught:
        S3Staging.parse(text)
    assert caught.value.field == field


# -- keys ------------------------------------------------------------------------------------

_PREFIXES = st.text(st.characters(codec="utf-8", exclude_characters="/"), max_size=20).map(
    lambda s: s + "/" if s else s
)


@given(_PREFIXES, st.binary(max_size=64))
def test_key_is_prefix_hex_sha256_zip(prefix: str, data: bytes) -> None:
    """The key is the prefix, the hex SHA-256 and .zip: S3-safe, and a valid S3Location."""
    digest = hashlib.sha256(data)
    code_sha256 = base64.b64encode(digest.digest()).decode()
    key = staging_key(prefix, code_sha256)
    assert key == f"{prefix}{digest.hexdigest()}.zip"
    assert S3Location("my-artifacts", key).key == key
    assert len(key.encode()) <= 1024


@given(st.binary(max_size=64), st.binary(max_size=64))
def test_keys_differ_exactly_when_content_differs(a: bytes, b: bytes) -> None:
    """Two packages share a key only when their bytes are equal."""

    def key(data: bytes) -> str:
        return staging_key("", base64.b64encode(hashlib.sha256(data).digest()).decode())

    assert (key(a) == key(b)) == (a == b)


@pytest.mark.parametrize("value", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_key_needs_a_sha256(value: str) -> None:
    """Only the base64 of a 32-byte digest makes a key."""
    with pytest.raises(RequestValidationError):
        staging_key("", value)


def test_longest_prefix_still_makes_a_valid_key() -> None:
    """The longest prefix allowed leaves room for the digest within S3's 1,024 bytes."""
    staging = S3Staging("my-artifacts", "é" * 478)
    key = staging_key(staging.prefix, SMALL.code_sha256)
    assert len(key.encode()) == 1024
    S3Location("my-artifacts", key)


# -- verification ----------------------------------------------------------------------------

_RIGHT, _WRONG = SMALL.code_sha256, _package_of(1000, seed=1).code_sha256


@given(
    size=st.sampled_from([SMALL.size, SMALL.size + 1]),
    checksum=st.sampled_from([None, _RIGHT, _WRONG, f"{_RIGHT}-3", f"{_WRONG}-2"]),
    checksum_type=st.sampled_from([None, "FULL_OBJECT", "COMPOSITE"]),
    etag=st.sampled_from(['"0430733749b02ede856c88a3430be734"', '"0430733749b02ede-3"', None]),
    metadata=st.sampled_from(
        [None, {}, {CODE_SHA256_METADATA: _RIGHT}, {CODE_SHA256_METADATA: _WRONG}]
    ),
)
def test_verified_only_on_evidence_of_this_content(
    size: int,
    checksum: str | None,
    checksum_type: str | None,
    etag: str | None,
    metadata: dict[str, str] | None,
) -> None:
    """A HeadObject answer verifies the package only with its size and its SHA-256.

    The SHA-256 is S3's checksum when it is of the whole object (a single-part upload), and
    the metadata otherwise; a whole-object checksum that differs is never overruled.
    """
    head = {
        "ContentLength": size,
        "ChecksumSHA256": checksum,
        "ChecksumType": checksum_type,
        "ETag": etag,
        "Metadata": metadata,
    }
    whole = (
        checksum is not None
        and "-" not in checksum
        and checksum_type != "COMPOSITE"
        and "-" not in (etag or "")
    )
    evidence = checksum == _RIGHT if whole else (metadata or {}).get(CODE_SHA256_METADATA) == _RIGHT
    assert _verified(head, SMALL) is (size == SMALL.size and evidence)


# -- staging on moto -------------------------------------------------------------------------


def test_uploads_then_skips(s3: Any) -> None:
    """The first stage uploads; the second finds the same content and uploads nothing."""
    staging = S3Staging(BUCKET, "builds/")
    first = stage(staging, SMALL, s3, region=REGION)
    assert first.uploaded
    assert first.location == S3Location(BUCKET, staging_key("builds/", SMALL.code_sha256))
    assert _body(s3, first.location) == SMALL.data

    puts = _inject(s3, "PutObject", lambda _: None)
    again = stage(staging, SMALL, s3, region=REGION)
    assert not again.uploaded
    assert again.location == first.location
    assert puts == []


def test_single_part_upload_stores_the_code_sha256_as_checksum(s3: Any) -> None:
    """A single-part upload's stored SHA-256 checksum is the package's CodeSha256."""
    location = stage(S3Staging(BUCKET), SMALL, s3, region=REGION).location
    head = s3.head_object(Bucket=BUCKET, Key=location.key, ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == SMALL.code_sha256
    assert head["Metadata"] == {CODE_SHA256_METADATA: SMALL.code_sha256}


def test_progress_adds_up_to_the_size(s3: Any) -> None:
    """on_progress gets running totals that end at the package's size."""
    package = _package_of(11 * MIB)
    seen: list[tuple[int, int]] = []
    stage(
        S3Staging(BUCKET),
        package,
        s3,
        region=REGION,
        on_progress=lambda sent, total: seen.append((sent, total)),
        config=SMALL_PARTS,
    )
    assert seen[-1] == (package.size, package.size)
    assert {total for _, total in seen} == {package.size}
    assert [sent for sent, _ in seen] == sorted(sent for sent, _ in seen)


def test_multipart_upload_is_verified_by_its_metadata(s3: Any) -> None:
    """Above the threshold the zip goes in parts; its metadata then verifies a skip."""
    package = _package_of(11 * MIB)
    staging = S3Staging(BUCKET)
    first = stage(staging, package, s3, region=REGION, config=SMALL_PARTS)
    head = s3.head_object(Bucket=BUCKET, Key=first.location.key, ChecksumMode="ENABLED")
    assert head["ETag"].endswith('-3"')  # three parts
    assert head["Metadata"][CODE_SHA256_METADATA] == package.code_sha256
    assert _body(s3, first.location) == package.data

    again = stage(staging, package, s3, region=REGION, config=SMALL_PARTS)
    assert (again.uploaded, again.location) == (False, first.location)


def test_package_over_the_direct_limit_is_staged_in_parts(s3: Any) -> None:
    """A zip past 50 MiB is staged by default, in 8 MiB parts, and arrives intact."""
    package = _package_of(MAX_ZIP_SIZE + MIB, seed=50)
    staging = S3Staging(BUCKET)
    assert staging.stages(package)
    parts = _inject(s3, "UploadPart", lambda _: None)
    staged = stage(staging, package, s3, region=REGION)
    assert staged.uploaded
    assert len(parts) == 7  # 51 MiB in 8 MiB parts
    body = _body(s3, staged.location)
    assert base64.b64encode(hashlib.sha256(body).digest()).decode() == package.code_sha256


def test_versioned_bucket_pins_the_version(s3: Any) -> None:
    """In a versioned bucket the location carries the version that holds the package."""
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    staging = S3Staging(BUCKET)
    first = stage(staging, SMALL, s3, region=REGION)
    assert first.location.version is not None
    head = s3.head_object(Bucket=BUCKET, Key=first.location.key)
    assert head["VersionId"] == first.location.version

    again = stage(staging, SMALL, s3, region=REGION)
    assert (again.uploaded, again.location) == (False, first.location)


def test_unversioned_bucket_has_no_version(s3: Any) -> None:
    """Without versioning there is no version to pin."""
    assert stage(S3Staging(BUCKET), SMALL, s3, region=REGION).location.version is None


def test_other_content_under_the_key_is_replaced(s3: Any) -> None:
    """An object under our key with other content (even the same size) is uploaded over."""
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    key = staging_key("", SMALL.code_sha256)
    impostor = _package_of(1000, seed=7)
    assert impostor.size == SMALL.size
    s3.put_object(Bucket=BUCKET, Key=key, Body=impostor.data, ChecksumAlgorithm="SHA256")

    staged = stage(S3Staging(BUCKET), SMALL, s3, region=REGION)
    assert staged.uploaded
    assert _body(s3, staged.location) == SMALL.data


def test_same_bytes_without_evidence_are_uploaded_again(s3: Any) -> None:
    """The right bytes under the key, with no checksum or metadata, are not assumed."""
    key = staging_key("", SMALL.code_sha256)
    s3.put_object(Bucket=BUCKET, Key=key, Body=SMALL.data)
    assert stage(S3Staging(BUCKET), SMALL, s3, region=REGION).uploaded


# Only a writer holding the package writes its digest as metadata, so "right" metadata comes
# only with the package's own bytes: other bytes under a truthful digest cannot be told apart.
_STORED = st.fixed_dictionaries(
    {
        "content": st.sampled_from(["same", "other-same-size", "other"]),
        "checksum": st.booleans(),
        "metadata": st.sampled_from(["none", "right", "wrong"]),
    }
).filter(lambda item: item["metadata"] != "right" or item["content"] == "same")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stored=st.lists(_STORED, min_size=1, max_size=3))
def test_skips_only_what_it_can_verify(stored: list[dict[str, Any]]) -> None:
    """Whatever was written under the key, stage skips only a copy it can verify, and always
    leaves exactly the package's bytes there."""
    bodies = {
        "same": SMALL.data,
        "other-same-size": _package_of(1000, seed=3).data,
        "other": b"not a zip",
    }
    s3 = _shared_client()
    with mock_aws():
        s3.create_bucket(Bucket=BUCKET)
        key = staging_key("", SMALL.code_sha256)
        for item in stored:  # the last one written is what stage finds
            extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if item["checksum"] else {}
            if item["metadata"] != "none":
                value = SMALL.code_sha256 if item["metadata"] == "right" else _WRONG
                extra["Metadata"] = {CODE_SHA256_METADATA: value}
            s3.put_object(Bucket=BUCKET, Key=key, Body=bodies[item["content"]], **extra)
        last = stored[-1]
        verifiable = last["content"] == "same" and (last["checksum"] or last["metadata"] == "right")
        staged = stage(S3Staging(BUCKET), SMALL, s3, region=REGION)
        assert staged.uploaded is not verifiable
        assert _body(s3, staged.location) == SMALL.data


def test_concurrent_stages_share_one_client(s3: Any) -> None:
    """Stages of the same package from many threads on one client all end at its key."""
    package = _package_of(6 * MIB, seed=9)
    staging = S3Staging(BUCKET)
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda _: stage(staging, package, s3, region=REGION, config=SMALL_PARTS), range(4)
            )
        )
    assert {r.location for r in results} == {
        S3Location(BUCKET, staging_key("", package.code_sha256))
    }
    assert _body(s3, results[0].location) == package.data


# -- the bucket's region ---------------------------------------------------------------------


def test_bucket_in_another_region_is_refused(s3: Any) -> None:
    """A bucket outside the function's region is a StagingError naming both regions."""
    s3.create_bucket(
        Bucket="eu-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    puts = _inject(s3, "PutObject", lambda _: None)
    with pytest.raises(StagingError) as caught:
        stage(S3Staging("eu-artifacts"), SMALL, s3, region=REGION)
    message = str(caught.value)
    assert "eu-artifacts" in message
    assert "eu-west-1" in message
    assert REGION in message
    assert puts == []


def test_redirect_to_another_region_is_refused(s3: Any) -> None:
    """HeadBucket redirected to the bucket's region (301) names it: a StagingError."""
    redirect = _answer(301, headers={"x-amz-bucket-region": "eu-west-1"})
    _inject(s3, "HeadBucket", lambda _: redirect)
    with pytest.raises(StagingError, match="in eu-west-1, the function in us-east-1"):
        stage(S3Staging(BUCKET), SMALL, s3, region=REGION)


def test_bucket_in_the_function_region_outside_us_east_1(s3: Any) -> None:
    """A bucket in eu-west-1 serves a function in eu-west-1."""
    s3.create_bucket(
        Bucket="eu-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    assert bucket_region(s3, "eu-artifacts") == "eu-west-1"
    assert stage(S3Staging("eu-artifacts"), SMALL, s3, region="eu-west-1").uploaded


@pytest.mark.parametrize(("bucket", "region"), [(BUCKET, REGION), ("eu-artifacts", "eu-west-1")])
def test_region_from_bucket_location_when_head_has_none(s3: Any, bucket: str, region: str) -> None:
    """Without HeadBucket's region header, GetBucketLocation is asked; empty is us-east-1."""
    s3.create_bucket(
        Bucket="eu-artifacts", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    _inject(s3, "HeadBucket", lambda _: _answer(200))
    locations = _inject(s3, "GetBucketLocation", lambda _: None)
    assert bucket_region(s3, bucket) == region
    assert len(locations) == 1


def test_missing_bucket(s3: Any) -> None:
    """A bucket that does not exist is a StagingError saying so."""
    with pytest.raises(StagingError) as caught:
        stage(S3Staging("no-such-bucket-here"), SMALL, s3, region=REGION)
    assert caught.value.code == "NoSuchBucket"
    assert caught.value.bucket == "no-such-bucket-here"
    assert "does not exist" in str(caught.value)


def test_bucket_access_denied_without_region(s3: Any) -> None:
    """A 403 on HeadBucket that does not name the region is an AccessDenied StagingError."""
    _inject(s3, "HeadBucket", lambda _: _answer(403))
    with pytest.raises(StagingError) as caught:
        stage(S3Staging(BUCKET), SMALL, s3, region=REGION)
    assert (caught.value.code, caught.value.operation) == ("AccessDenied", "HeadBucket")
    assert SECRET_KEY_ID not in str(caught.value)
    assert SECRET_KEY not in str(caught.value)


def test_bucket_access_denied_with_region_still_stages(s3: Any) -> None:
    """Without s3:ListBucket, the 403's region header is enough, and the upload goes on."""
    _inject(s3, "HeadBucket", lambda _: _answer(403, headers={"x-amz-bucket-region": REGION}))
    _inject(s3, "HeadObject", _deny_until_uploaded(s3))
    staged = stage(S3Staging(BUCKET), SMALL, s3, region=REGION)
    assert staged.uploaded
    assert _body(s3, staged.location) == SMALL.data


def _deny_until_uploaded(s3: Any) -> Callable[[Any], AWSResponse | None]:
    """HeadObject answers 403 (S3's answer for a missing key without s3:ListBucket) until a
    PutObject went through."""
    uploaded = threading.Event()
    s3.meta.events.register("after-call.s3.PutObject", lambda **_: uploaded.set())
    return lambda _: None if uploaded.is_set() else _answer(403)


def test_upload_access_denied(s3: Any) -> None:
    """A refused upload is an AccessDenied StagingError naming the key and the call."""
    _inject(s3, "PutObject", lambda _: _s3_error("AccessDenied", 403))
    with pytest.raises(StagingError) as caught:
        stage(S3Staging(BUCKET, "b/"), SMALL, s3, region=REGION)
    err = caught.value
    assert (err.code, err.operation) == ("AccessDenied", "PutObject")
    assert err.key == staging_key("b/", SMALL.code_sha256)
    assert str(err).startswith(f"s3://{BUCKET}/b/")


def test_reading_back_denied_says_lambda_needs_it(s3: Any) -> None:
    """When the uploaded zip cannot be read back, the error says Lambda needs s3:GetObject."""
    _inject(s3, "HeadObject", lambda _: _answer(403))
    with pytest.raises(StagingError, match="s3:GetObject"):
        stage(S3Staging(BUCKET), SMALL, s3, region=REGION)


# -- faults during the upload ----------------------------------------------------------------


def test_single_upload_interrupted_once_is_sent_again(s3: Any, retry_pauses: list[float]) -> None:
    """A PutObject whose connection drops is retried, and the object is the package."""
    puts = _inject(s3, "PutObject", _fail_first(itertools.count()))
    staged = stage(S3Staging(BUCKET), SMALL, s3, region=REGION)
    assert len(puts) == 2
    assert len(retry_pauses) == 1
    assert _body(s3, staged.location) == SMALL.data


def test_part_interrupted_once_is_sent_again(s3: Any, retry_pauses: list[float]) -> None:
    """An UploadPart whose connection drops is retried; the parts assemble into the zip."""
    package = _package_of(11 * MIB, seed=11)
    seen: list[int] = []
    parts = _inject(s3, "UploadPart", _fail_first(itertools.count()))
    staged = stage(
        S3Staging(BUCKET),
        package,
        s3,
        region=REGION,
        config=SMALL_PARTS,
        on_progress=lambda sent, _: seen.append(sent),
    )
    assert len(parts) == 4  # three parts, one of them twice
    assert len(retry_pauses) == 1
    assert _body(s3, staged.location) == package.data
    assert seen[-1] == package.size


def test_failed_upload_leaves_nothing_and_the_next_stage_uploads() -> None:
    """An upload that fails for good is a StagingError; no multipart upload is left open,
    and staging again uploads the package."""
    package = _package_of(11 * MIB, seed=12)
    with mock_aws():
        s3 = _client(retries=1)
        s3.create_bucket(Bucket=BUCKET)
        down = threading.Event()
        down.set()

        def drop(request: Any) -> None:
            if down.is_set():
                raise ConnectionClosedError(endpoint_url=str(request.url))

        _inject(s3, "UploadPart", drop)
        with pytest.raises(StagingError) as caught:
            stage(S3Staging(BUCKET), package, s3, region=REGION, config=SMALL_PARTS)
        assert "no answer from S3" in str(caught.value)
        assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []

        down.clear()
        staged = stage(S3Staging(BUCKET), package, s3, region=REGION, config=SMALL_PARTS)
        assert staged.uploaded
        assert _body(s3, staged.location) == package.data


def test_arguments_are_checked_before_any_call(s3: Any) -> None:
    """Bad arguments are RequestValidationErrors, raised before S3 is asked anything."""
    calls = _inject(s3, "HeadBucket", lambda _: None)
    staging = S3Staging(BUCKET)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"staging": "s3://x"}, "staging"),
        ({"package": SMALL.data}, "package"),
        ({"region": ""}, "region"),
        ({"on_progress": 3}, "on_progress"),
        ({"config": {"multipart_threshold": 1}}, "config"),
    ]
    for kwargs, field in cases:
        args: dict[str, Any] = {
            "staging": staging,
            "package": SMALL,
            "s3_client": s3,
            "region": REGION,
            **kwargs,
        }
        with pytest.raises(RequestValidationError) as caught:
            stage(**args)
        assert caught.value.field == field
    assert calls == []


def test_errors_never_show_the_package_or_credentials(s3: Any) -> None:
    """Error messages name the bucket and key, never the zip's bytes or the credentials."""
    secret = b"API_TOKEN=hunter2-do-not-print"
    package = ZipPackage.from_bytes(zip_files({"config.env": secret}))
    _inject(s3, "PutObject", lambda _: _s3_error("InternalError", 500))
    with pytest.raises(StagingError) as caught:
        stage(S3Staging(BUCKET), package, s3, region=REGION)
    text = f"{caught.value} {caught.value!r}"
    for hidden in ("hunter2", SECRET_KEY_ID, SECRET_KEY):
        assert hidden not in text


# -- over HTTP -------------------------------------------------------------------------------


def test_stage_over_http(moto_server: str) -> None:
    """On moto's server over real HTTP: multipart upload, verified skip, intact object."""
    s3 = aux_client("s3", region_name=REGION, endpoint_url=moto_server)
    bucket = f"stage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    package = _package_of(11 * MIB, seed=13)
    staging = S3Staging(bucket, "http/", client=s3)
    first = stage(staging, package, staging.client, region=REGION, config=SMALL_PARTS)
    assert first.uploaded
    assert _body(s3, first.location) == package.data
    again = stage(staging, package, staging.client, region=REGION, config=SMALL_PARTS)
    assert (again.uploaded, again.location) == (False, first.location)


def test_interrupted_part_over_http(moto_server: str) -> None:
    """Over HTTP too, a dropped UploadPart is sent again and the object is intact."""
    s3 = aux_client("s3", region_name=REGION, endpoint_url=moto_server)
    bucket = f"stage-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    package = _package_of(11 * MIB, seed=14)
    parts = _inject(s3, "UploadPart", _fail_first(itertools.count()))
    staged = stage(S3Staging(bucket), package, s3, region=REGION, config=SMALL_PARTS)
    assert len(parts) == 4
    assert _body(s3, staged.location) == package.data


def test_public_name() -> None:
    """S3Staging and StagingError are importable from lambda_code."""
    assert lambda_code.S3Staging is S3Staging
    assert issubclass(StagingError, lambda_code.LambdaCodeError)
