"""Resolving a container image's tag to the digest it names now.

A tag can be moved to another image at any time; a digest cannot. Deploying
``<registry>/<repository>@sha256:<digest>`` pins the function to exactly the image the tag named
when the deploy read it, and lets a later deploy of the same digest be skipped as unchanged.

The tag is looked up with ECR's ``DescribeImages`` (permission ``ecr:DescribeImages``). Where
that is denied, ``BatchGetImage`` (``ecr:BatchGetImage``, which pulling the image needs, so
deploy roles often have it) is asked instead. A URI that already has a digest, or a
``ContainerImage`` with ``resolve=False``, is used as it is, without any call.
"""

import re
from typing import Any, Final

import attrs
from botocore.exceptions import BotoCoreError, ClientError

from ._errors import ImageResolutionError
from ._package import ContainerImage
from ._validation import check_instance, fail

__all__ = ["ResolvedImage", "image_region", "needs_resolving", "resolve_image"]

_DIGEST = re.compile(r"sha256:[0-9a-f]{64}", re.ASCII)
_DENIED: Final = frozenset({"AccessDeniedException", "AccessDenied"})
# Every manifest type ECR stores, so that BatchGetImage never converts the manifest (which
# would give the converted manifest's digest, not the pushed image's).
_MEDIA_TYPES: Final = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v1+json",
)
_NO_PERMISSION: Final = (
    "not allowed to look the tag up (neither ecr:DescribeImages nor ecr:BatchGetImage is "
    "granted); deploy the tag as it is with ContainerImage(uri, resolve=False) (the CLI's "
    "--no-resolve), or give a digest URI (...@sha256:<digest>)"
)


@attrs.frozen(kw_only=True)
class _Reference:
    """The parts of an image URI that ``ContainerImage`` has already checked."""

    registry: str
    account: str
    region: str
    repository: str
    tag: str | None
    digest: str | None


def _parse(uri: str) -> _Reference:
    # <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>(:<tag>|@<digest>)
    registry, _, rest = uri.partition("/")
    account, _, _, region, *_ = registry.split(".")
    if "@" in rest:
        repository, _, digest = rest.partition("@")
        return _Reference(
            registry=registry,
            account=account,
            region=region,
            repository=repository,
            tag=None,
            digest=digest,
        )
    repository, _, tag = rest.rpartition(":")
    return _Reference(
        registry=registry,
        account=account,
        region=region,
        repository=repository,
        tag=tag,
        digest=None,
    )


@attrs.frozen(kw_only=True)
class ResolvedImage:
    """The image URI to deploy: ``uri`` is digest-pinned when a tag was resolved, and
    ``tag_uri`` is then the URI it was resolved from (None when nothing was resolved)."""

    uri: str
    tag_uri: str | None = None

    @property
    def resolved(self) -> bool:
        """Whether a tag was resolved to a digest."""
        return self.tag_uri is not None


def needs_resolving(image: ContainerImage) -> bool:
    """Whether ``resolve_image`` would call ECR for ``image``: a tag, with ``resolve=True``."""
    check_instance(image, ContainerImage, field="image")
    return image.resolve and _parse(image.uri).digest is None


def image_region(image: ContainerImage) -> str:
    """The region of the image's registry: where the ECR client to resolve it must be."""
    check_instance(image, ContainerImage, field="image")
    return _parse(image.uri).region


def _failure(
    err: ClientError | BotoCoreError, ref: _Reference, uri: str, operation: str
) -> ImageResolutionError:
    if isinstance(err, BotoCoreError):
        return ImageResolutionError(
            message=f"no answer from ECR during {operation}: {err}", uri=uri
        )
    error = err.response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    if code == "RepositoryNotFoundException":
        message = (
            f"repository {ref.repository!r} not found in registry {ref.account} ({ref.region})"
        )
    elif code == "ImageNotFoundException":
        message = f"no image tagged {ref.tag!r} in repository {ref.repository!r}"
    elif code in _DENIED:
        message = _NO_PERMISSION
    else:
        message = str(error.get("Message") or "ECR refused the request")
    return ImageResolutionError(message=message, uri=uri, code=code, operation=operation)


def _checked(digest: object, uri: str, operation: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise ImageResolutionError(
            message="ECR's answer has no sha256 digest for the tag", uri=uri, operation=operation
        )
    return digest


def _describe(ecr_client: Any, ref: _Reference, uri: str) -> str:
    response = ecr_client.describe_images(
        registryId=ref.account, repositoryName=ref.repository, imageIds=[{"imageTag": ref.tag}]
    )
    details = response.get("imageDetails") or [{}]
    return _checked(details[0].get("imageDigest"), uri, "DescribeImages")


def _batch_get(ecr_client: Any, ref: _Reference, uri: str) -> str:
    try:
        response = ecr_client.batch_get_image(
            registryId=ref.account,
            repositoryName=ref.repository,
            imageIds=[{"imageTag": ref.tag}],
            acceptedMediaTypes=list(_MEDIA_TYPES),
        )
    except (ClientError, BotoCoreError) as err:
        raise _failure(err, ref, uri, "BatchGetImage") from err
    images = response.get("images") or []
    if not images:
        # BatchGetImage reports a missing tag as a failure in its answer, not an error.
        failure = (response.get("failures") or [{}])[0]
        code = failure.get("failureCode")
        if code == "ImageNotFound":
            raise ImageResolutionError(
                message=f"no image tagged {ref.tag!r} in repository {ref.repository!r}",
                uri=uri,
                code="ImageNotFoundException",
                operation="BatchGetImage",
            )
        raise ImageResolutionError(
            message=str(failure.get("failureReason") or "ECR returned no image for the tag"),
            uri=uri,
            code=str(code) if code else None,
            operation="BatchGetImage",
        )
    return _checked(images[0].get("imageId", {}).get("imageDigest"), uri, "BatchGetImage")


def resolve_image(image: ContainerImage, ecr_client: Any = None) -> ResolvedImage:
    """The URI to deploy for ``image``: its tag resolved through ECR to today's digest.

    A digest URI, or ``resolve=False``, is returned as it is, and ``ecr_client`` is not
    used (it may be None). Otherwise ``ecr_client`` is a blocking botocore ECR client in the
    image's region (``image_region``). Raises ``RequestValidationError`` for bad arguments
    (before any call) and ``ImageResolutionError`` when the repository or tag does not exist,
    the lookup is not permitted (the message suggests ``resolve=False`` or a digest URI), or
    ECR cannot be reached.
    """
    check_instance(image, ContainerImage, field="image")
    ref = _parse(image.uri)
    if ref.digest is not None or not image.resolve:
        return ResolvedImage(uri=image.uri)
    region = getattr(getattr(ecr_client, "meta", None), "region_name", None)
    model = getattr(getattr(ecr_client, "meta", None), "service_model", None)
    if getattr(model, "service_name", None) != "ecr":
        raise fail("ecr_client", f"must be a botocore ECR client, not {type(ecr_client).__name__}")
    if region is not None and region != ref.region:
        raise fail("ecr_client", f"is for region {region}; the image's registry is in {ref.region}")
    try:
        digest = _describe(ecr_client, ref, image.uri)
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code") or "")
        if code not in _DENIED:
            raise _failure(err, ref, image.uri, "DescribeImages") from err
        digest = _batch_get(ecr_client, ref, image.uri)
    except BotoCoreError as err:
        raise _failure(err, ref, image.uri, "DescribeImages") from err
    return ResolvedImage(uri=f"{ref.registry}/{ref.repository}@{digest}", tag_uri=image.uri)
