# Copyright (c) 2026 the lambda-code developers. Licensed under the MIT License.
"""The simulated control plane's state: functions, versions, code, S3 objects, transitions.

`LambdaBackend` answers one decoded `Request` with a status and a payload, or raises an
`ApiError`; it knows nothing of HTTP, botocore, faults or quotas. State changes that take time
on AWS (a creation, a code update) are computed lazily from the clock on each request, so
there are no background threads. Callers hold the simulator's lock.
"""

from __future__ import annotations

import base64
import binascii
import collections
import copy
import hashlib
import io
import random
import re
import uuid
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
import botocore.exceptions

from lambda_code._package import zip_files
from lambda_code.testing._api_errors import (
    ApiError,
    cannot_unzip,
    invalid,
    not_a_function_name,
    not_found,
    pending,
    stale_revision,
    update_in_progress,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from lambda_code.testing._clock import Clock

__all__ = ["LambdaBackend", "Request", "make_zip"]

_LATEST = "$LATEST"
_NAME_RE = re.compile(
    r"(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_.-]{1,64})"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_UPDATING = "The function is being updated."
_CREATING = "The function is being created."
# CreateFunction members echoed back unchanged in the configuration.
_ECHOED = (
    "KMSKeyArn",
    "DeadLetterConfig",
    "TracingConfig",
    "EphemeralStorage",
    "FileSystemConfigs",
)


def make_zip(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """Build a deterministic zip archive (fixed timestamps, sorted names) from name -> bytes.

    The archive is written as `ZipPackage.from_directory` writes one, so the same files give
    the same bytes, and the same `CodeSha256`, either way.
    """
    return zip_files(files, compression=compression)


@attrs.frozen
class Request:
    """A request the wire decoded: what the backend needs to answer it."""

    operation: str
    function_name: str | None  # as sent, percent-decoded
    query: dict[str, str]
    body: dict[str, Any] = attrs.field(repr=False)
    alias: str | None = None  # GetAlias and UpdateAlias name theirs in the path


@attrs.define
class _Transition:
    """Something that takes time: a creation or a code update, possibly failing at the end."""

    ends_at: float
    failure: tuple[str, str] | None = None  # (reason code, reason)
    settled: bool = False  # its end has been observed (the RevisionId moves on then)


@attrs.define
class _Code:
    data: bytes = attrs.field(repr=False)
    sha256: str
    size: int
    image_uri: str | None = None


@attrs.define
class _Version:
    config: dict[str, Any] = attrs.field(repr=False)
    code: _Code
    update: _Transition | None  # the update it was published from, while that matters


@attrs.define
class _Function:
    name: str
    config: dict[str, Any] = attrs.field(repr=False)  # $LATEST without lifecycle members
    code: _Code
    creation: _Transition
    update: _Transition | None = None
    failure: tuple[str, str] | None = None  # set by fail_function: State Failed
    tags: dict[str, str] = attrs.field(factory=dict, repr=False)
    versions: dict[int, _Version] = attrs.field(factory=dict)
    next_version: int = 1
    aliases: dict[str, dict[str, Any]] = attrs.field(factory=dict)


class LambdaBackend:
    """Functions and S3 objects of one account in one region, and the operations on them."""

    def __init__(
        self,
        clock: Clock,
        *,
        region_name: str,
        account_id: str,
        update_duration: float | Callable[[str], float],
        create_duration: float,
        reuse_unchanged_versions: bool,
        seed: int,
        s3: Any = None,
    ) -> None:
        self.clock = clock
        self.region_name = region_name
        self.account_id = account_id
        self.update_duration = update_duration
        self.create_duration = create_duration
        self.reuse_unchanged_versions = reuse_unchanged_versions
        self.functions: dict[str, _Function] = {}
        self.s3: dict[str, dict[str, list[tuple[str, bytes]]]] = {}
        # A real S3 client (moto's, say) to take code from when an object is not in self.s3.
        self.s3_client = s3
        self.next_failures: list[tuple[str | None, str, str]] = []
        self.versions_published: collections.Counter[str] = collections.Counter()
        self.writer_updates = 0
        self._ids = random.Random(seed)

    def __repr__(self) -> str:
        return f"LambdaBackend(functions={sorted(self.functions)!r})"

    def dispatch(self, request: Request) -> tuple[int, dict[str, Any]]:
        """Answer a request: (HTTP status, JSON payload)."""
        handlers: dict[str, Callable[[Request], tuple[int, dict[str, Any]]]] = {
            "CreateFunction": self._create_function,
            "GetFunction": self._get_function,
            "GetFunctionConfiguration": self._get_function_configuration,
            "UpdateFunctionCode": self._update_function_code,
            "PublishVersion": self._publish_version,
            "ListVersionsByFunction": self._list_versions,
            "GetAlias": self._get_alias,
            "CreateAlias": self._create_alias,
            "UpdateAlias": self._update_alias,
        }
        return handlers[request.operation](request)

    # -- helpers for the simulator's own methods ---------------------------------------------

    def bare_name(self, function_name: str, *, strict: bool = True) -> str:
        """The function's name from a name or ARN; a ValueError (or, not strict, as given)."""
        try:
            return self._parse_name(function_name)[0]
        except ApiError:
            if strict:
                raise ValueError(f"not a function name: {function_name!r}") from None
            return function_name

    def arn(self, name: str, qualifier: str | None = None) -> str:
        arn = f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"
        return f"{arn}:{qualifier}" if qualifier else arn

    def configuration(self, function_name: str, qualifier: str | None) -> dict[str, Any]:
        """The configuration as GetFunctionConfiguration reports it; KeyError if there is none."""
        fn = self._find_existing(function_name)
        self._refresh(fn)
        try:
            return self._view(fn, qualifier)
        except ApiError:
            raise KeyError(f"{function_name}:{qualifier}") from None

    def code(self, function_name: str, qualifier: str | None) -> bytes:
        """The function's (or version's) zip bytes; KeyError if there is none."""
        fn = self._find_existing(function_name)
        if qualifier in (None, _LATEST):
            return fn.code.data
        try:
            return self._version(fn, qualifier).code.data
        except ApiError:
            raise KeyError(f"{function_name}:{qualifier}") from None

    def put_s3_object(self, bucket: str, key: str, data: bytes, version: str | None) -> str:
        versions = self.s3.setdefault(bucket, {}).setdefault(key, [])
        version_id = version if version is not None else f"v{len(versions) + 1}"
        versions.append((version_id, data))
        return version_id

    def fail_function(self, function_name: str, reason_code: str, reason: str) -> None:
        fn = self._find_existing(function_name)
        fn.failure = (reason_code, reason)
        fn.config["RevisionId"] = self._new_id()

    def writer_update(self, name: str, *, failed: bool) -> bool:
        """Another client updates the function's code, as Lambda would let it (not while busy).

        False when there is no such function; an `ApiError` when it is busy.
        """
        fn = self.functions.get(name)
        if fn is None:
            return False
        self._refresh(fn)
        self._check_ready(fn)
        self.writer_updates += 1
        if fn.config["PackageType"] == "Image":
            code = _image_code(f"{fn.code.image_uri}-writer{self.writer_updates}")
        else:
            code = _zip_code(make_zip({"writer.py": f"# update {self.writer_updates}\n".encode()}))
        failure = ("InternalError", "another writer's update failed") if failed else None
        self._apply_update(fn, code, failure)
        return True

    # -- operations --------------------------------------------------------------------------

    def _create_function(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = request.body
        name, qualifier = self._parse_name(str(body.get("FunctionName", "")))
        if qualifier is not None:
            raise invalid("A function name cannot contain a qualifier on CreateFunction.")
        if name in self.functions:
            raise ApiError(409, "ResourceConflictException", f"Function already exist: {name}")
        package_type = str(body.get("PackageType") or "Zip")
        if package_type == "Zip" and not (body.get("Runtime") and body.get("Handler")):
            raise invalid(
                "Runtime and Handler are mandatory parameters for functions created "
                "with deployment packages."
            )
        code = self._resolve_code(dict(body.get("Code") or {}), package_type, "creating")
        now = self.clock.now()
        config = self._initial_config(name, body, code)
        creation = _Transition(now + self.create_duration, settled=self.create_duration <= 0)
        fn = _Function(name, config, code, creation, tags=dict(body.get("Tags") or {}))
        self.functions[name] = fn
        if body.get("Publish"):
            return 201, self._new_version(fn, None, None)
        return 201, self._view(fn, None)

    def _initial_config(self, name: str, body: dict[str, Any], code: _Code) -> dict[str, Any]:
        """The static part of a new function's configuration: defaults, then what was sent."""
        package_type = str(body.get("PackageType") or "Zip")
        config: dict[str, Any] = {
            "FunctionName": name,
            "FunctionArn": self.arn(name),
            "Role": body.get("Role"),
            "CodeSize": code.size,
            "Description": body.get("Description", ""),
            "Timeout": body.get("Timeout", 3),
            "MemorySize": body.get("MemorySize", 128),
            "LastModified": _aws_time(self.clock.time()),
            "CodeSha256": code.sha256,
            "Version": _LATEST,
            "TracingConfig": {"Mode": "PassThrough"},
            "RevisionId": self._new_id(),
            "PackageType": package_type,
            "Architectures": list(body.get("Architectures") or ["x86_64"]),
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
        }
        if package_type == "Zip":
            config["Runtime"] = body["Runtime"]
            config["Handler"] = body["Handler"]
        config.update({member: body[member] for member in _ECHOED if member in body})
        if "Environment" in body:
            config["Environment"] = {"Variables": dict(body["Environment"].get("Variables", {}))}
        if "Layers" in body:
            config["Layers"] = [{"Arn": arn, "CodeSize": 0} for arn in body["Layers"]]
        if "VpcConfig" in body:
            config["VpcConfig"] = {**body["VpcConfig"], "VpcId": "vpc-0123456789abcdef0"}
        if "ImageConfig" in body:
            config["ImageConfigResponse"] = {"ImageConfig": body["ImageConfig"]}
        if "LoggingConfig" in body:
            config["LoggingConfig"] = {**config["LoggingConfig"], **body["LoggingConfig"]}
        if "SnapStart" in body:
            config["SnapStart"] = {**body["SnapStart"], "OptimizationStatus": "Off"}
        return config

    def _get_function(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, qualifier = self._lookup(request)
        config = self._view(fn, qualifier)
        code = fn.code if qualifier in (None, _LATEST) else self._version(fn, qualifier).code
        location: dict[str, Any]
        if code.image_uri is not None:
            repository = code.image_uri.partition(":")[0].partition("@")[0]
            location = {
                "RepositoryType": "ECR",
                "ImageUri": code.image_uri,
                "ResolvedImageUri": f"{repository}@sha256:{code.sha256}",
            }
        else:
            location = {
                "RepositoryType": "S3",
                "Location": (
                    f"https://awslambda-{self.region_name}-tasks.s3.{self.region_name}"
                    f".amazonaws.com/snapshots/{self.account_id}/{fn.name}-{config['RevisionId']}"
                ),
            }
        return 200, {"Configuration": config, "Code": location, "Tags": dict(fn.tags)}

    def _get_function_configuration(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, qualifier = self._lookup(request)
        return 200, self._view(fn, qualifier)

    def _update_function_code(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        body = request.body
        code = self._resolve_code(body, str(fn.config["PackageType"]), "updating")
        self._check_ready(fn)
        self._check_revision(fn, body.get("RevisionId"))
        if body.get("DryRun"):
            return 200, self._view(fn, None)
        self._apply_update(fn, code, self._take_failure(fn.name))
        if body.get("Architectures"):
            fn.config["Architectures"] = list(body["Architectures"])
        if body.get("Publish"):
            # "The same effect as calling PublishVersion separately", so no new version when
            # nothing changed since the newest one, unless told otherwise.
            newest = fn.versions[max(fn.versions)] if fn.versions else None
            if (
                self.reuse_unchanged_versions
                and newest is not None
                and _content(newest.config) == _content(fn.config)
            ):
                return 200, self._version_view(newest)
            return 200, self._new_version(fn, None, fn.update)
        return 200, self._view(fn, None)

    def _publish_version(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        body = request.body
        self._check_ready(fn)
        self._check_revision(fn, body.get("RevisionId"))
        expected = body.get("CodeSha256")
        if expected is not None and expected != fn.code.sha256:
            # Lambda answers a CodeSha256 mismatch with 400, not 412 (which is for RevisionId).
            raise invalid(
                f"CodeSHA256 ({expected}) is different from current CodeSHA256 in $LATEST "
                f"({fn.code.sha256}). Please try again with the CodeSHA256 in $LATEST."
            )
        if fn.versions:
            # Like Lambda: no new version when $LATEST has not changed since the newest one.
            newest = fn.versions[max(fn.versions)]
            if _content(newest.config) == _content(fn.config):
                return 201, self._version_view(newest)
        return 201, self._new_version(fn, body.get("Description"), fn.update)

    def _list_versions(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        items = [self._view(fn, None)] + [
            self._version_view(v) for _, v in sorted(fn.versions.items())
        ]
        start = 0
        marker = request.query.get("Marker")
        if marker is not None:
            if not marker.isdigit() or not 0 < int(marker) < len(items):
                raise invalid("Invalid marker.")
            start = int(marker)
        max_items = int(request.query.get("MaxItems", "50"))
        page = items[start : start + max_items]
        result: dict[str, Any] = {"Versions": page}
        if start + max_items < len(items):
            result["NextMarker"] = str(start + max_items)
        return 200, result

    def _get_alias(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        return 200, dict(self._alias(fn, request.alias or ""))

    def _create_alias(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        body = request.body
        name = str(body.get("Name", ""))
        if name in fn.aliases:
            raise ApiError(
                409,
                "ResourceConflictException",
                f"Alias already exists: {self.arn(fn.name, name)}",
            )
        version = self._alias_target(fn, body.get("FunctionVersion"))
        fn.aliases[name] = {
            "AliasArn": self.arn(fn.name, name),
            "Name": name,
            "FunctionVersion": version,
            "Description": str(body.get("Description", "")),
            "RevisionId": self._new_id(),
        }
        return 201, dict(fn.aliases[name])

    def _update_alias(self, request: Request) -> tuple[int, dict[str, Any]]:
        fn, _ = self._lookup(request, latest_only=True)
        alias = self._alias(fn, request.alias or "")
        body = request.body
        revision_id = body.get("RevisionId")
        if revision_id is not None and revision_id != alias["RevisionId"]:
            raise stale_revision()
        if "FunctionVersion" in body:
            alias["FunctionVersion"] = self._alias_target(fn, body["FunctionVersion"])
        if "Description" in body:
            alias["Description"] = str(body["Description"])
        alias["RevisionId"] = self._new_id()
        return 200, dict(alias)

    def _alias(self, fn: _Function, name: str) -> dict[str, Any]:
        alias = fn.aliases.get(name)
        if alias is None:
            raise not_found(self.arn(fn.name, name))
        return alias

    def _alias_target(self, fn: _Function, version: object) -> str:
        if version != _LATEST:
            self._version(fn, str(version))  # 404 for a version that does not exist
        return str(version)

    def move_alias(self, function_name: str, name: str, version: str) -> None:
        """Another client points an alias at ``version`` (creating it if missing)."""
        fn = self._find_existing(function_name)
        alias = fn.aliases.setdefault(
            name, {"AliasArn": self.arn(fn.name, name), "Name": name, "Description": ""}
        )
        alias.update(FunctionVersion=version, RevisionId=self._new_id())

    # -- state helpers -----------------------------------------------------------------------

    def _apply_update(self, fn: _Function, code: _Code, failure: tuple[str, str] | None) -> None:
        now = self.clock.now()
        duration = self._duration(fn.name)
        fn.update = _Transition(now + duration, failure, settled=duration <= 0)
        fn.code = code
        fn.config.update(
            CodeSha256=code.sha256,
            CodeSize=code.size,
            LastModified=_aws_time(self.clock.time()),
            RevisionId=self._new_id(),
        )

    def _parse_name(self, function_name: str) -> tuple[str, str | None]:
        """Split a bare name, partial ARN or full ARN (with optional qualifier)."""
        match = _NAME_RE.fullmatch(function_name)
        if match is None:
            raise not_a_function_name(function_name)
        region, account = match["region"], match["account"]
        if region not in (None, self.region_name) or account not in (None, self.account_id):
            raise not_found(function_name)
        return match["name"], match["qualifier"]

    def _lookup(
        self, request: Request, *, latest_only: bool = False
    ) -> tuple[_Function, str | None]:
        name, qualifier = self._parse_name(request.function_name or "")
        query_qualifier = request.query.get("Qualifier")
        if qualifier is not None and query_qualifier not in (None, qualifier):
            raise invalid(
                "The derived qualifier from the function name does not match the specified "
                "qualifier."
            )
        qualifier = qualifier or query_qualifier
        fn = self._find(name)
        self._refresh(fn)
        if latest_only and qualifier not in (None, _LATEST):
            raise invalid(f"{request.operation} does not accept a qualifier: {qualifier}")
        if qualifier not in (None, _LATEST):
            self._version(fn, qualifier)  # 404 for unknown versions and for aliases
        return fn, qualifier

    def _find_existing(self, function_name: str) -> _Function:
        """For the helper methods: a KeyError, not an API error, for a missing function."""
        fn = self.functions.get(self.bare_name(function_name))
        if fn is None:
            raise KeyError(function_name)
        return fn

    def _find(self, name: str) -> _Function:
        fn = self.functions.get(name)
        if fn is None:
            raise not_found(self.arn(name))
        return fn

    def _version(self, fn: _Function, qualifier: str | None) -> _Version:
        version = fn.versions.get(int(qualifier)) if qualifier and qualifier.isdigit() else None
        if version is None:
            raise not_found(self.arn(fn.name, qualifier))
        return version

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _duration(self, name: str) -> float:
        duration = self.update_duration
        return float(duration(name) if callable(duration) else duration)

    def _take_failure(self, name: str) -> tuple[str, str] | None:
        for index, (target, code, reason) in enumerate(self.next_failures):
            if target in (None, name):
                del self.next_failures[index]
                return code, reason
        return None

    def _refresh(self, fn: _Function) -> None:
        """Observe finished transitions; like Lambda, the RevisionId changes when they end."""
        now = self.clock.now()
        for transition in (fn.creation, fn.update):
            if transition is not None and not transition.settled and now >= transition.ends_at:
                transition.settled = True
                fn.config["RevisionId"] = self._new_id()

    def _check_ready(self, fn: _Function) -> None:
        now = self.clock.now()
        if now < fn.creation.ends_at:
            raise pending()
        if fn.update is not None and now < fn.update.ends_at:
            raise update_in_progress(self.arn(fn.name))

    def _check_revision(self, fn: _Function, revision_id: object) -> None:
        if revision_id is not None and revision_id != fn.config["RevisionId"]:
            raise stale_revision()

    def _resolve_code(self, source: dict[str, Any], package_type: str, verb: str) -> _Code:
        """Check the code source against the package type and turn it into bytes and a hash."""
        has_zip = source.get("ZipFile") is not None
        has_s3 = source.get("S3Bucket") is not None or source.get("S3Key") is not None
        has_image = source.get("ImageUri") is not None
        if has_zip + has_s3 + has_image == 0:
            raise invalid("Please provide a source for function code.")
        if has_zip + has_s3 + has_image > 1:
            raise invalid("Please do not provide more than one source for function code.")
        if package_type == "Image" and not has_image:
            raise invalid(f"Please provide ImageUri when {verb} a function with packageType Image.")
        if package_type != "Image" and has_image:
            raise invalid(
                f"Please don't provide ImageUri when {verb} a function with packageType Zip."
            )
        if has_image:
            return _image_code(str(source["ImageUri"]))
        if has_zip:
            try:
                data = base64.b64decode(source["ZipFile"], validate=True)
            except (binascii.Error, ValueError, TypeError) as error:
                raise cannot_unzip() from error
        else:
            data = self._s3_object(source)
        _check_zip(data)
        return _zip_code(data)

    def _s3_object(self, source: dict[str, Any]) -> bytes:
        bucket, key = source.get("S3Bucket"), source.get("S3Key")
        if not bucket or not key:
            raise invalid("Please provide both S3Bucket and S3Key.")
        wanted = source.get("S3ObjectVersion")
        objects = self.s3.get(str(bucket))
        if objects is None and self.s3_client is not None:
            return self._s3_client_object(str(bucket), str(key), wanted)
        if objects is None:
            s3_code, s3_message = "NoSuchBucket", "The specified bucket does not exist"
        elif str(key) not in objects:
            s3_code, s3_message = "NoSuchKey", "The specified key does not exist."
        else:
            for version_id, data in reversed(objects[str(key)]):
                if wanted in (None, version_id):
                    return data
            s3_code, s3_message = "NoSuchVersion", "The specified version does not exist."
        raise invalid(
            f"Error occurred while GetObject. S3 Error Code: {s3_code}. "
            f"S3 Error Message: {s3_message}"
        )

    def _s3_client_object(self, bucket: str, key: str, version: object) -> bytes:
        extra = {"VersionId": version} if version is not None else {}
        try:
            response = self.s3_client.get_object(Bucket=bucket, Key=key, **extra)
        except botocore.exceptions.ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            raise invalid(
                f"Error occurred while GetObject. S3 Error Code: {code}. "
                f"S3 Error Message: {message}"
            ) from error
        data: bytes = response["Body"].read()
        return data

    def _new_version(
        self, fn: _Function, description: object, update: _Transition | None
    ) -> dict[str, Any]:
        number = fn.next_version
        fn.next_version += 1
        config = copy.deepcopy(fn.config)
        config.update(
            FunctionArn=self.arn(fn.name, str(number)),
            Version=str(number),
            LastModified=_aws_time(self.clock.time()),
            RevisionId=self._new_id(),
        )
        if description is not None:
            config["Description"] = description
        version = _Version(config, fn.code, update)
        fn.versions[number] = version
        self.versions_published[fn.name] += 1
        return self._version_view(version)

    def _view(self, fn: _Function, qualifier: str | None) -> dict[str, Any]:
        """The configuration as Lambda reports it now, lifecycle members included."""
        if qualifier not in (None, _LATEST):
            return self._version_view(self._version(fn, qualifier))
        now = self.clock.now()
        config = copy.deepcopy(fn.config)
        if fn.failure is not None:
            config.update(State="Failed", StateReasonCode=fn.failure[0], StateReason=fn.failure[1])
        elif now < fn.creation.ends_at:
            config.update(State="Pending", StateReasonCode="Creating", StateReason=_CREATING)
        else:
            config["State"] = "Active"
        if fn.update is not None and now < fn.update.ends_at:
            config.update(LastUpdateStatus="InProgress", LastUpdateStatusReason=_UPDATING)
        elif fn.update is not None and fn.update.failure is not None:
            code, reason = fn.update.failure
            config.update(
                LastUpdateStatus="Failed",
                LastUpdateStatusReasonCode=code,
                LastUpdateStatusReason=reason,
            )
        else:
            config["LastUpdateStatus"] = "Successful"
        return config

    def _version_view(self, version: _Version) -> dict[str, Any]:
        config = copy.deepcopy(version.config)
        update = version.update
        if update is not None and self.clock.now() < update.ends_at:
            config.update(
                State="Pending",
                StateReasonCode="Creating",
                StateReason=_CREATING,
                LastUpdateStatus="InProgress",
                LastUpdateStatusReason=_UPDATING,
            )
        elif update is not None and update.failure is not None:
            code, reason = update.failure
            config.update(
                State="Failed",
                StateReasonCode=code,
                StateReason=reason,
                LastUpdateStatus="Failed",
                LastUpdateStatusReasonCode=code,
                LastUpdateStatusReason=reason,
            )
        else:
            config.update(State="Active", LastUpdateStatus="Successful")
        return config


def _zip_code(data: bytes) -> _Code:
    """A zip's code: Lambda reports the base64 SHA-256 of the bytes."""
    return _Code(data, base64.b64encode(hashlib.sha256(data).digest()).decode(), len(data))


def _image_code(uri: str) -> _Code:
    """An image's code: Lambda reports its digest, which a digest-pinned URI names."""
    _, pinned, digest = uri.partition("@sha256:")
    # A tag resolves to some digest; a hash of the URI stands in for it, stable per tag.
    return _Code(b"", digest if pinned else hashlib.sha256(uri.encode()).hexdigest(), 0, uri)


def _content(config: dict[str, Any]) -> tuple[Any, ...]:
    """What makes $LATEST differ from a version, for PublishVersion's no-change rule."""
    return (config["CodeSha256"], tuple(config["Architectures"]))


def _aws_time(epoch_seconds: float) -> str:
    """Lambda's LastModified form: 2019-08-14T22:26:11.234+0000."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise cannot_unzip() from error
