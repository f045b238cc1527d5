"""Staging a zip in S3, for packages past Lambda's direct-upload limit.

A staged zip is content-addressed: its key is ``<prefix><hex SHA-256>.zip``, so the same
package always lands on the same key, and a deploy that finds it there with the same content
does not upload it again. "The same content" is verified, never assumed from the key: from the
SHA-256 checksum S3 stores for the object (for a single-part upload it equals the package's
``CodeSha256``), or, for a multipart upload (whose checksum is a checksum of the parts'
checksums), from the ``code-sha256`` metadata written with the upload, whose parts S3 verified
against their own SHA-256 checksums. The object's size must match too. Anything else is
uploaded again.

The upload goes through s3transfer, from memory: one ``PutObject`` up to the multipart
threshold, parallel ``UploadPart`` calls above it. Everything here runs on a blocking botocore
S3 client and keeps no state between calls, so concurrent deploys (threads, or the async
client's ``asyncio.to_thread``) can share one client.
"""

import base64
import binascii
import hashlib
import inspect
import io
import ipaddress
import logging
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs
from botocore.exceptions import BotoCoreError, ClientError
from s3transfer.manager import TransferConfig, TransferManager
from s3transfer.subscribers import BaseSubscriber

from ._errors import StagingError
from ._package import S3Location, ZipPackage
from ._validation import MAX_ZIP_SIZE, check_callable, check_instance, fail

__all__ = [
    "CODE_SHA256_METADATA",
    "DEFAULT_TRANSFER_CONFIG",
    "OnProgress",
    "S3Staging",
    "StagedObject",
    "bucket_region",
    "stage",
    "staging_key",
]

_log = logging.getLogger("lambda_code")

#: The user metadata (``x-amz-meta-code-sha256``) holding the package's ``CodeSha256``.
CODE_SHA256_METADATA: Final = "code-sha256"
#: s3transfer's defaults, spelled out: multipart above 8 MiB, 8 MiB parts, 10 in parallel.
DEFAULT_TRANSFER_CONFIG: Final = TransferConfig(
    multipart_threshold=8 * 1024 * 1024,
    multipart_chunksize=8 * 1024 * 1024,
    max_request_concurrency=10,
)

#: Called with (bytes sent so far, total bytes) while a zip is uploaded.
OnProgress = Callable[[int, int], object]

# S3's naming rules for general purpose buckets (lowercase; Lambda's own pattern is looser
# only because it predates them).
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]", re.ASCII)
_RESERVED_PREFIXES: Final = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES: Final = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# S3's key limit (1,024 bytes), less what a key adds to the prefix: 64 hex digits and ".zip".
_MAX_PREFIX_BYTES: Final = 1024 - 68
# GetBucketLocation's names that are not region names.
_LEGACY_LOCATIONS: Final = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}
_NOT_FOUND: Final = frozenset({"404", "NoSuchBucket", "NoSuchKey", "NotFound"})
_DENIED: Final = frozenset({"403", "AccessDenied", "Forbidden"})


def _bucket_rule(name: str) -> str | None:
    """Why ``name`` is not a valid bucket name, or None when it is."""
    if not 3 <= len(name) <= 63:
        return f"must be 3-63 characters long (got {len(name)})"
    if not _BUCKET.fullmatch(name):
        return (
            "must hold only lowercase letters, digits, '.' and '-', "
            "and begin and end with a letter or digit"
        )
    if ".." in name:
        return "must not contain two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        return "must not be formatted as an IP address"
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return "uses a prefix or suffix S3 reserves"
    return None


def _check_bucket(_: object, __: object, value: str) -> None:
    if not isinstance(value, str):
        raise fail("bucket", f"must be a string, not {type(value).__name__}")
    rule = _bucket_rule(value)
    if rule is not None:
        shown = value if len(value) <= 70 else value[:70] + "..."
        raise fail("bucket", f"{shown!r} {rule}")


def _check_prefix(_: object, __: object, value: str) -> None:
    if not isinstance(value, str):
        raise fail("prefix", f"must be a string, not {type(value).__name__}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise fail("prefix", "must be valid UTF-8 (S3 keys are)") from None
    if size > _MAX_PREFIX_BYTES:
        raise fail(
            "prefix", f"must be at most {_MAX_PREFIX_BYTES} bytes, so keys fit S3's 1,024 bytes"
        )
    if value.startswith("/"):
        raise fail("prefix", "must not start with '/' (S3 keys have no leading slash)")


def _check_client(_: object, __: object, value: object) -> None:
    if value is None:
        return
    model = getattr(getattr(value, "meta", None), "service_model", None)
    if getattr(model, "service_name", None) != "s3":
        raise fail("client", f"must be None or a botocore S3 client, not {type(value).__name__}")
    # Staging blocks; the async client runs it in a thread, with a blocking client.
    if inspect.iscoroutinefunction(getattr(value, "head_object", None)):
        raise fail("client", "must be a blocking botocore S3 client, not an aiobotocore one")


def _check_bool(_: object, attribute: "attrs.Attribute[bool]", value: bool) -> None:
    if not isinstance(value, bool):
        raise fail(attribute.name, f"must be a bool (True or False), not {type(value).__name__}")


@attrs.frozen(repr=False)
class S3Staging:
    """Where ``deploy`` stages a zip in S3 before pointing Lambda at it.

    ``bucket`` must follow S3's naming rules and be in the function's region (checked when
    staging). Keys are ``prefix`` followed by the hex SHA-256 of the zip and ``.zip``; end the
    prefix with ``/`` to stage into a folder. ``client`` is the S3 client to use (a blocking
    botocore or boto3 client); None makes one like the Lambda client. Zips over the 50 MiB
    direct-upload limit are always staged; ``always=True`` stages every zip.
    """

    bucket: str = attrs.field(validator=_check_bucket)
    prefix: str = attrs.field(default="", validator=_check_prefix)
    client: Any = attrs.field(default=None, validator=_check_client, eq=False)
    always: bool = attrs.field(default=False, validator=_check_bool)

    def __repr__(self) -> str:
        # A client's repr says little and may drag its configuration along: only whether one
        # was given.
        client = ", client=<S3 client>" if self.client is not None else ""
        return (
            f"S3Staging(bucket={self.bucket!r}, prefix={self.prefix!r}{client}, "
            f"always={self.always!r})"
        )

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @classmethod
    def parse(cls, text: str) -> "S3Staging":
        """``s3://bucket`` or ``s3://bucket/folder``, as the CLI's ``--s3-staging`` takes it.

        The path after the bucket is a folder: ``s3://artifacts/lambda`` stages to keys
        ``lambda/<sha256>.zip``.
        """
        if not isinstance(text, str):
            raise fail(
                "staging",
                f"must be a string such as 's3://bucket/folder', not {type(text).__name__}",
            )
        if not text.startswith("s3://"):
            shown = text if len(text) <= 70 else text[:70] + "..."
            raise fail("staging", f"{shown!r} must start with 's3://'")
        bucket, _, prefix = text.removeprefix("s3://").partition("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return cls(bucket, prefix)

    def stages(self, package: ZipPackage) -> bool:
        """Whether ``deploy`` stages ``package``: always, or when it is over the direct limit."""
        return self.always or package.size > MAX_ZIP_SIZE


@attrs.frozen(kw_only=True)
class StagedObject:
    """A staged zip: where it is (with the version in a versioned bucket), and whether it
    was uploaded (False: it was already there with the same content)."""

    location: S3Location
    uploaded: bool


def staging_key(prefix: str, code_sha256: str) -> str:
    """The key a package with this ``CodeSha256`` (base64) is staged at under ``prefix``."""
    try:
        digest = base64.b64decode(code_sha256, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.sha256().digest_size:
        raise fail("code_sha256", "must be the base64 of a SHA-256 digest")
    return f"{prefix}{digest.hex()}.zip"


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code") or "Unknown")


def _failure(
    err: ClientError | BotoCoreError, bucket: str, key: str | None, operation: str
) -> StagingError:
    if isinstance(err, BotoCoreError):
        return StagingError(
            message=f"no answer from S3 during {operation}: {err}", bucket=bucket, key=key
        )
    code = _code(err)
    if code in _NOT_FOUND and key is None:
        message = "the bucket does not exist"
        code = "NoSuchBucket"
    elif code in _DENIED:
        message = "access denied"
        code = "AccessDenied"
    else:
        message = str(err.response.get("Error", {}).get("Message") or "S3 refused the request")
    return StagingError(message=message, bucket=bucket, key=key, code=code, operation=operation)


def _region_from_headers(response: Mapping[str, Any]) -> str | None:
    headers = response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    region = response.get("BucketRegion") or headers.get("x-amz-bucket-region")
    return str(region) if region else None


def bucket_region(s3_client: Any, bucket: str) -> str:
    """The region ``bucket`` is in, from ``HeadBucket`` (or ``GetBucketLocation``).

    ``HeadBucket`` names the region in a header, also when access is denied; an endpoint that
    leaves it out is asked ``GetBucketLocation``, whose empty answer means us-east-1.
    """
    try:
        region = _region_from_headers(s3_client.head_bucket(Bucket=bucket))
    except ClientError as err:
        # S3 names the region also in a refusal: a 403 (s3:ListBucket, HeadBucket's permission,
        # is often missing where s3:PutObject is granted) or a redirect to another region.
        region = None if _code(err) in _NOT_FOUND else _region_from_headers(err.response)
        if region is None:
            raise _failure(err, bucket, None, "HeadBucket") from err
    except BotoCoreError as err:
        raise _failure(err, bucket, None, "HeadBucket") from err
    if region is not None:
        return region
    try:
        constraint = s3_client.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    except (ClientError, BotoCoreError) as err:
        raise _failure(err, bucket, None, "GetBucketLocation") from err
    return str(_LEGACY_LOCATIONS.get(constraint, constraint))


def _multipart(head: Mapping[str, Any]) -> bool:
    """Whether the object was uploaded in parts: its SHA-256 is then of the parts' checksums."""
    # S3 says so three ways: the checksum's "-<parts>" suffix, ChecksumType, and the ETag's
    # "-<parts>" suffix; some S3 implementations (moto's HeadObject) give only the last.
    checksum = str(head.get("ChecksumSHA256") or "")
    etag = str(head.get("ETag") or "").strip('"')
    return "-" in checksum or head.get("ChecksumType") == "COMPOSITE" or "-" in etag


def _verified(head: Mapping[str, Any], package: ZipPackage) -> bool:
    """Whether a ``HeadObject`` answer (with ``ChecksumMode``) shows exactly ``package``."""
    if head.get("ContentLength") != package.size:
        return False
    checksum = head.get("ChecksumSHA256")
    if checksum and not _multipart(head):
        return bool(checksum == package.code_sha256)
    metadata = head.get("Metadata") or {}
    return bool(metadata.get(CODE_SHA256_METADATA) == package.code_sha256)


def _version(head: Mapping[str, Any]) -> str | None:
    version = head.get("VersionId")
    # "null" is the version of an object written while versioning was off or suspended.
    return str(version) if version and version != "null" else None


def _head(
    s3_client: Any, bucket: str, key: str, *, uploaded: bool = False
) -> Mapping[str, Any] | None:
    """The object's ``HeadObject`` answer, or None when it is not there (or cannot be seen)."""
    try:
        head: Mapping[str, Any] = s3_client.head_object(
            Bucket=bucket, Key=key, ChecksumMode="ENABLED"
        )
    except ClientError as err:
        code = _code(err)
        if code in _NOT_FOUND and not uploaded:
            return None
        if code in _DENIED and not uploaded:
            # Without s3:ListBucket S3 answers 403 for a missing key; uploading again is
            # always safe, and a real denial shows up on the upload.
            _log.debug("cannot look at s3://%s/%s (%s); uploading", bucket, key, code)
            return None
        failure = _failure(err, bucket, key, "HeadObject")
        if code in _DENIED:
            failure.message = (
                "access denied reading the uploaded zip back; Lambda needs s3:GetObject on it too"
            )
        raise failure from err
    except BotoCoreError as err:
        raise _failure(err, bucket, key, "HeadObject") from err
    return head


class _Progress(BaseSubscriber):
    """Sums s3transfer's per-chunk progress, reported from its worker threads, into totals."""

    def __init__(self, total: int, on_progress: OnProgress) -> None:
        self._total = total
        self._on_progress = on_progress
        self._sent = 0
        self._lock = threading.Lock()

    # s3transfer passes every argument by name, so these names are its own.
    def on_progress(self, future: object, bytes_transferred: int, **kwargs: object) -> None:  # noqa: ARG002
        # Negative when a part is sent again after a failure: the count goes back.
        with self._lock:
            self._sent += bytes_transferred
            self._on_progress(self._sent, self._total)


def _upload(
    s3_client: Any,
    *,
    bucket: str,
    key: str,
    package: ZipPackage,
    config: TransferConfig,
    on_progress: OnProgress | None,
) -> None:
    extra_args = {
        "Metadata": {CODE_SHA256_METADATA: package.code_sha256},
        "ChecksumAlgorithm": "SHA256",
    }
    subscribers = [_Progress(package.size, on_progress)] if on_progress is not None else []
    # A manager per upload: its threads end with it, and nothing is shared between uploads.
    with TransferManager(s3_client, config) as manager:
        future = manager.upload(
            io.BytesIO(package.data), bucket, key, extra_args=extra_args, subscribers=subscribers
        )
        try:
            future.result()
        except ClientError as err:
            raise _failure(err, bucket, key, getattr(err, "operation_name", "upload")) from err
        except BotoCoreError as err:
            raise _failure(err, bucket, key, "upload") from err


def stage(
    staging: S3Staging,
    package: ZipPackage,
    s3_client: Any,
    *,
    region: str,
    on_progress: OnProgress | None = None,
    config: TransferConfig | None = None,
) -> StagedObject:
    """Put ``package`` in S3 as ``staging`` says, unless it is there already; say where.

    ``region`` is the function's: the bucket must be in it (Lambda reads code only from its
    own region). The object is looked at first (``HeadObject`` with its checksum) and
    uploaded only when it is missing or its content is not verifiably the package's; after an
    upload it is looked at again, which verifies what S3 stored and gives its version.
    ``on_progress(sent, total)`` is called from s3transfer's threads, one call at a time;
    ``config`` tunes the transfer (``DEFAULT_TRANSFER_CONFIG``).

    Raises ``RequestValidationError`` for bad arguments (before any call) and
    ``StagingError`` when the bucket is missing, in another region, or refuses access, or
    the upload fails.
    """
    check_instance(staging, S3Staging, field="staging")
    check_instance(package, ZipPackage, field="package")
    if not isinstance(region, str) or not region:
        raise fail("region", "must be a region name such as 'eu-west-1'")
    check_callable(on_progress, field="on_progress")
    if config is not None:
        check_instance(config, TransferConfig, field="config")
    bucket = staging.bucket
    key = staging_key(staging.prefix, package.code_sha256)

    where = bucket_region(s3_client, bucket)
    if where != region:
        raise StagingError(
            message=f"the bucket is in {where}, the function in {region}: Lambda reads code "
            "only from a bucket in the function's region",
            bucket=bucket,
        )

    head = _head(s3_client, bucket, key)
    if head is not None and _verified(head, package):
        _log.debug("s3://%s/%s already holds this package", bucket, key)
        return StagedObject(location=S3Location(bucket, key, _version(head)), uploaded=False)

    _upload(
        s3_client,
        bucket=bucket,
        key=key,
        package=package,
        config=config or DEFAULT_TRANSFER_CONFIG,
        on_progress=on_progress,
    )
    head = _head(s3_client, bucket, key, uploaded=True)
    if head is None or not _verified(head, package):
        raise StagingError(
            message="after the upload, S3 does not show this package's content under the key",
            bucket=bucket,
            key=key,
        )
    return StagedObject(location=S3Location(bucket, key, _version(head)), uploaded=True)
