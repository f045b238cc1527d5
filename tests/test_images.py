"""Resolving an image tag to its digest through ECR, on moto, and the errors on the way."""

import json
import types
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import botocore.endpoint
import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from lambda_code import ContainerImage, ImageResolutionError, PackageError, RequestValidationError
from lambda_code._images import (
    ResolvedImage,
    _parse,
    image_region,
    needs_resolving,
    resolve_image,
)
from lambda_code._services import aux_client

REGION = "eu-west-1"
ACCOUNT = "123456789012"
REPOSITORY = "team/orders"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
TAG_URI = f"{REGISTRY}/{REPOSITORY}:live"
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture(autouse=True)
def retry_pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's pauses between retries, recorded instead of slept: no test waits on a clock."""
    pauses: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", types.SimpleNamespace(sleep=pauses.append))
    return pauses


def _manifest(layer: str) -> str:
    """A Docker image manifest with one layer (moto derives the digest from the layers)."""
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7023,
                "digest": "sha256:" + "c" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 32654,
                    "digest": "sha256:" + layer * 64,
                }
            ],
        }
    )


def _push(ecr: Any, layer: str, tag: str = "live", repository: str = REPOSITORY) -> str:
    """Put an image under ``tag``; return the digest ECR gives it."""
    image = ecr.put_image(repositoryName=repository, imageManifest=_manifest(layer), imageTag=tag)
    digest: str = image["image"]["imageId"]["imageDigest"]
    return digest


@pytest.fixture
def ecr() -> Iterator[Any]:
    """An ECR client on moto in this process, with REPOSITORY created in REGION."""
    with mock_aws():
        client = aux_client("ecr", region_name=REGION)
        client.create_repository(repositoryName=REPOSITORY)
        yield client


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._body


def _ecr_error(code: str, status: int = 400) -> AWSResponse:
    """ECR's JSON error answer."""
    body = json.dumps({"__type": code, "message": f"{code} (injected)"}).encode()
    headers = HTTPHeaders.from_dict({"x-amzn-ErrorType": code})
    return AWSResponse("https://api.ecr.example", status, headers, _Raw(body))


def _ecr_answer(payload: dict[str, Any]) -> AWSResponse:
    return AWSResponse(
        "https://api.ecr.example", 200, HTTPHeaders(), _Raw(json.dumps(payload).encode())
    )


def _inject(client: Any, operation: str, fault: Callable[[Any], AWSResponse | None]) -> list[str]:
    """Run ``fault`` before each ``operation`` request (ahead of moto); it may answer instead."""
    seen: list[str] = []

    def handler(request: Any, **_: object) -> AWSResponse | None:
        seen.append(str(request.url))
        return fault(request)

    client.meta.events.register_first(f"before-send.ecr.{operation}", handler)
    return seen


# -- ContainerImage.resolve ------------------------------------------------------------------


def test_resolve_defaults_to_true() -> None:
    """A ContainerImage resolves its tag unless told not to."""
    assert ContainerImage(TAG_URI).resolve is True
    assert ContainerImage(TAG_URI, resolve=False).resolve is False
    assert ContainerImage(TAG_URI) != ContainerImage(TAG_URI, resolve=False)


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_resolve_must_be_a_bool(value: object) -> None:
    """``resolve`` that is not a bool is a PackageError naming it."""
    with pytest.raises(PackageError, match="resolve: must be a bool"):
        ContainerImage(TAG_URI, resolve=value)  # type: ignore[arg-type]


# -- parsing ---------------------------------------------------------------------------------

_PART = r"[a-z0-9]+(?:(?:\.|__?|-+)[a-z0-9]+)*"
_REPOSITORIES = st.from_regex(rf"{_PART}(?:/{_PART}){{0,2}}", fullmatch=True).filter(
    lambda name: 2 <= len(name) <= 256
)
_TAGS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", fullmatch=True)
_REGIONS = st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"])
_DIGESTS = st.binary(min_size=32, max_size=32).map(lambda b: "sha256:" + b.hex())


@given(
    account=st.from_regex(r"[0-9]{12}", fullmatch=True),
    region=_REGIONS,
    repository=_REPOSITORIES,
    tag=_TAGS,
    digest=_DIGESTS,
)
def test_parse_agrees_with_container_image(
    account: str, region: str, repository: str, tag: str, digest: str
) -> None:
    """Every URI ContainerImage accepts splits into its parts, and a digest-pinned URI made
    from them is a valid ContainerImage too."""
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    registry = f"{account}.dkr.ecr.{region}.{domain}"
    image = ContainerImage(f"{registry}/{repository}:{tag}")
    ref = _parse(image.uri)
    assert (ref.registry, ref.account, ref.region) == (registry, account, region)
    assert (ref.repository, ref.tag, ref.digest) == (repository, tag, None)
    assert image_region(image) == region
    assert needs_resolving(image)

    pinned = ContainerImage(f"{ref.registry}/{ref.repository}@{digest}")
    assert (_parse(pinned.uri).digest, _parse(pinned.uri).tag) == (digest, None)
    assert not needs_resolving(pinned)
    assert not needs_resolving(ContainerImage(image.uri, resolve=False))


# -- nothing to resolve ----------------------------------------------------------------------


def test_digest_uri_is_used_as_is_without_a_call(no_network: list[str]) -> None:
    """A digest URI needs no client and makes no call."""
    uri = f"{REGISTRY}/{REPOSITORY}@{DIGEST}"
    resolved = resolve_image(ContainerImage(uri))
    assert resolved == ResolvedImage(uri=uri)
    assert not resolved.resolved


def test_resolve_false_keeps_the_tag_without_a_call(no_network: list[str]) -> None:
    """``resolve=False`` deploys the tag as it is, with no call."""
    resolved = resolve_image(ContainerImage(TAG_URI, resolve=False), None)
    assert resolved == ResolvedImage(uri=TAG_URI)


# -- resolving on moto -----------------------------------------------------------------------


def test_tag_resolves_to_its_current_digest(ecr: Any) -> None:
    """A tag resolves to the digest it names; moved to another image, to the new digest."""
    first = _push(ecr, "1")
    resolved = resolve_image(ContainerImage(TAG_URI), ecr)
    assert resolved.uri == f"{REGISTRY}/{REPOSITORY}@{first}"
    assert resolved.tag_uri == TAG_URI
    assert resolved.resolved
    assert ContainerImage(resolved.uri).uri == resolved.uri

    second = _push(ecr, "2")
    assert second != first
    assert resolve_image(ContainerImage(TAG_URI), ecr).uri == f"{REGISTRY}/{REPOSITORY}@{second}"


def test_two_tags_of_one_image_resolve_alike(ecr: Any) -> None:
    """Tags naming the same image resolve to the same digest."""
    _push(ecr, "3", tag="live")
    _push(ecr, "3", tag="v3")
    live = resolve_image(ContainerImage(TAG_URI), ecr)
    v3 = resolve_image(ContainerImage(f"{REGISTRY}/{REPOSITORY}:v3"), ecr)
    assert live.uri == v3.uri


def test_missing_repository_is_named(ecr: Any) -> None:
    """A repository that does not exist is an ImageResolutionError naming it."""
    uri = f"{REGISTRY}/team/nowhere:live"
    with pytest.raises(ImageResolutionError) as caught:
        resolve_image(ContainerImage(uri), ecr)
    err = caught.value
    assert (err.code, err.operation, err.uri) == (
        "RepositoryNotFoundException",
        "DescribeImages",
        uri,
    )
    assert "'team/nowhere'" in str(err)


def test_missing_tag_is_named(ecr: Any) -> None:
    """A tag that names no image is an ImageResolutionError naming tag and repository."""
    _push(ecr, "4")
    with pytest.raises(ImageResolutionError) as caught:
        resolve_image(ContainerImage(f"{REGISTRY}/{REPOSITORY}:nope"), ecr)
    assert caught.value.code == "ImageNotFoundException"
    assert "'nope'" in str(caught.value)
    assert f"'{REPOSITORY}'" in str(caught.value)


def test_describe_denied_falls_back_to_batch_get_image(ecr: Any) -> None:
    """Without ecr:DescribeImages, BatchGetImage resolves the tag to the same digest."""
    digest = _push(ecr, "5")
    _inject(ecr, "DescribeImages", lambda _: _ecr_error("AccessDeniedException"))
    batch = _inject(ecr, "BatchGetImage", lambda _: None)
    resolved = resolve_image(ContainerImage(TAG_URI), ecr)
    assert resolved.uri == f"{REGISTRY}/{REPOSITORY}@{digest}"
    assert len(batch) == 1


def test_missing_tag_through_batch_get_image(ecr: Any) -> None:
    """BatchGetImage's "ImageNotFound" failure is the same typed error."""
    _push(ecr, "6")
    _inject(ecr, "DescribeImages", lambda _: _ecr_error("AccessDeniedException"))
    with pytest.raises(ImageResolutionError) as caught:
        resolve_image(ContainerImage(f"{REGISTRY}/{REPOSITORY}:gone"), ecr)
    assert (caught.value.code, caught.value.operation) == (
        "ImageNotFoundException",
        "BatchGetImage",
    )


def test_no_permission_suggests_the_ways_around(ecr: Any) -> None:
    """Denied both lookups, the error suggests resolve=False, --no-resolve or a digest URI."""
    _push(ecr, "7")
    _inject(ecr, "DescribeImages", lambda _: _ecr_error("AccessDeniedException"))
    _inject(ecr, "BatchGetImage", lambda _: _ecr_error("AccessDeniedException"))
    with pytest.raises(ImageResolutionError) as caught:
        resolve_image(ContainerImage(TAG_URI), ecr)
    message = str(caught.value)
    assert caught.value.code == "AccessDeniedException"
    for hint in ("resolve=False", "--no-resolve", "@sha256:"):
        assert hint in message


def test_other_errors_keep_ecr_code(ecr: Any) -> None:
    """Any other ECR error is an ImageResolutionError with ECR's code and message."""
    _inject(ecr, "DescribeImages", lambda _: _ecr_error("ServerException", 500))
    with pytest.raises(ImageResolutionError) as caught:
        resolve_image(ContainerImage(TAG_URI), ecr)
    assert caught.value.code == "ServerException"
    assert "ServerException (injected)" in str(caught.value)


def test_unreachable_ecr(ecr: Any) -> None:
    """A dropped connection, after botocore's retries, is an ImageResolutionError."""
    session = botocore.session.Session()
    once = session.create_client(
        "ecr", region_name=REGION, config=Config(retries={"total_max_attempts": 1})
    )

    def drop(request: Any) -> None:
        raise ConnectionClosedError(endpoint_url=str(request.url))

    _inject(once, "DescribeImages", drop)
    with pytest.raises(ImageResolutionError, match="no answer from ECR"):
        resolve_image(ContainerImage(TAG_URI), once)


@pytest.mark.parametrize(
    "payload",
    [
        {"imageDetails": [{"imageDigest": "md5:abc"}]},
        {"imageDetails": []},
        {},
    ],
)
def test_an_answer_without_a_digest_is_an_error(ecr: Any, payload: dict[str, Any]) -> None:
    """An answer without a sha256 digest is never deployed: ImageResolutionError."""
    _inject(ecr, "DescribeImages", lambda _: _ecr_answer(payload))
    with pytest.raises(ImageResolutionError, match="no sha256 digest"):
        resolve_image(ContainerImage(TAG_URI), ecr)


def test_client_must_be_ecr_in_the_image_region(ecr: Any, no_network: list[str]) -> None:
    """A client for another service or region is refused before any call."""
    with pytest.raises(RequestValidationError) as caught:
        resolve_image(ContainerImage(TAG_URI), None)
    assert caught.value.field == "ecr_client"

    s3 = botocore.session.Session().create_client("s3", region_name=REGION)
    with pytest.raises(RequestValidationError, match="ECR client"):
        resolve_image(ContainerImage(TAG_URI), s3)

    elsewhere = botocore.session.Session().create_client("ecr", region_name="us-east-1")
    with pytest.raises(RequestValidationError, match="eu-west-1"):
        resolve_image(ContainerImage(TAG_URI), elsewhere)


@pytest.mark.parametrize("value", [TAG_URI, None, 3])
def test_image_must_be_a_container_image(value: object) -> None:
    """Only a ContainerImage is resolved; anything else is refused, naming ``image``."""
    for call in (resolve_image, needs_resolving, image_region):
        with pytest.raises(RequestValidationError) as caught:
            call(value)  # type: ignore[arg-type]
        assert caught.value.field == "image"


# -- over HTTP -------------------------------------------------------------------------------


def test_resolve_over_http(moto_server: str) -> None:
    """On moto's server over real HTTP, a moved tag resolves to the new digest."""
    ecr = aux_client("ecr", region_name=REGION, endpoint_url=moto_server)
    repository = f"team/http-{uuid.uuid4().hex[:8]}"
    ecr.create_repository(repositoryName=repository)
    uri = f"{REGISTRY}/{repository}:live"
    first = _push(ecr, "8", repository=repository)
    assert resolve_image(ContainerImage(uri), ecr).uri == f"{REGISTRY}/{repository}@{first}"
    second = _push(ecr, "9", repository=repository)
    assert resolve_image(ContainerImage(uri), ecr).uri == f"{REGISTRY}/{repository}@{second}"
