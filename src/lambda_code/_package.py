"""Code sources for ``deploy``: a zip package, an S3 object, or a container image.

``ZipPackage.from_directory`` builds the archive deterministically: the same files give the
same bytes, and so the same ``CodeSha256``, whatever the clock, umask, file creation order,
directory enumeration order, file system or machine (given the same zlib and Python's
``zipfile``). That lets ``deploy`` skip an update whose code Lambda already has. It holds because:

- entries are sorted by archive name; names are relative, NFC-normalised (macOS writes NFD),
  ``/``-separated, never absolute and never containing ``..``;
- every entry has the timestamp 1980-01-01 00:00:00 (the earliest a zip can hold);
- ``create_system`` is 3 (Unix), so ``external_attr`` carries a Unix mode, normalised to
  ``0o100755`` when the file has any executable bit (a custom runtime's ``bootstrap`` needs it)
  and ``0o100644`` otherwise; owner, group, umask and timestamps never reach the archive;
- only regular files are stored: directories are implied by the file names (Lambda needs only
  files), so an empty directory is not packaged;
- every file is ZIP_DEFLATED at zlib's default level 6 (what ``shutil.make_archive`` uses);
- symbolic links are followed (stored as the content they point to) only when their resolved
  target stays inside the tree; a link to a directory inside the tree is walked, and a link back
  to a directory it sits in (a cycle) is skipped. Anything else is a ``PackageError``;
- exclude globs match with ``fnmatch.fnmatchcase``: case-sensitive on every platform.
"""

from __future__ import annotations

import base64
import fnmatch
import functools
import hashlib
import io
import logging
import os
import re
import stat
import unicodedata
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

import attrs

from ._errors import PackageError, RequestValidationError
from ._validation import MAX_ZIP_SIZE, check_s3_location, too_big

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "DEFAULT_EXCLUDES",
    "MAX_ZIP_SIZE",
    "ContainerImage",
    "S3Location",
    "ZipPackage",
    "code_source",
]

_log = logging.getLogger("lambda_code")


#: Globs always excluded by ``from_directory`` (files and directories alike).
DEFAULT_EXCLUDES: Final = ("__pycache__", "*.pyc", ".git", ".DS_Store")

_TIMESTAMP: Final = (1980, 1, 1, 0, 0, 0)
_UNIX: Final = 3
_FILE_MODE: Final = stat.S_IFREG | 0o644
_EXEC_MODE: Final = stat.S_IFREG | 0o755
# zlib dominates the time (~80%); 8 KiB-4 MiB chunks time the same, and 64 KiB keeps the
# least memory beyond the archive (measured with benchmarks/bench_package.py).
_CHUNK: Final = 64 * 1024


def _too_big(size: int, path: str | None = None) -> PackageError:
    return PackageError(message=f"the zip archive {too_big(size)}", path=path)


def _check_zip(data: bytes, path: str | None = None) -> None:
    """Raise ``PackageError`` unless ``data`` is a readable zip archive within the limit."""
    if len(data) > MAX_ZIP_SIZE:
        raise _too_big(len(data), path)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PackageError(message="not a zip archive", path=path)
    try:
        # Opening parses the whole central directory, which is_zipfile does not.
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as err:
        raise PackageError(message=f"corrupt zip archive: {err}", path=path) from err
    if not entries:
        raise PackageError(message="the zip archive is empty", path=path)


@attrs.frozen(kw_only=True, repr=False)
class ZipPackage:
    """A zip archive to upload as the function's code (at most ``MAX_ZIP_SIZE`` bytes).

    Construct with ``from_directory``, ``from_file`` or ``from_bytes``; the constructor
    validates ``data`` the same way. ``source`` is where it came from, for messages only.
    """

    data: bytes = attrs.field(eq=False)
    source: str | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.data, bytes):
            raise PackageError(message="zip data must be bytes", path=self.source)
        _check_zip(self.data, self.source)

    @property
    def size(self) -> int:
        """The archive's size in bytes (Lambda's ``CodeSize``)."""
        return len(self.data)

    @functools.cached_property
    def code_sha256(self) -> str:
        """Base64 of the archive's SHA-256 digest: exactly Lambda's ``CodeSha256``."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")

    # Equality and hashing by digest: equal bytes, equal packages, wherever they came from.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ZipPackage):
            return NotImplemented
        return self.size == other.size and self.code_sha256 == other.code_sha256

    def __hash__(self) -> int:
        return hash(self.code_sha256)

    def __repr__(self) -> str:
        # Never the bytes: they are large, and may hold secrets baked into the code.
        source = f", source={self.source!r}" if self.source is not None else ""
        return f"ZipPackage(size={self.size}, code_sha256={self.code_sha256!r}{source})"

    __str__ = __repr__

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> ZipPackage:
        """Wrap an in-memory zip archive, checking it is one and within the size limit."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise PackageError(message=f"expected bytes, got {type(data).__name__}")
        return cls(data=bytes(data))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ZipPackage:
        """Read a zip archive from ``path``, checking its size before reading it."""
        name = os.fspath(path)
        try:
            st = Path(name).stat()
            if stat.S_ISDIR(st.st_mode):
                raise PackageError(message="is a directory, not a zip file", path=name)
            if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
                raise PackageError(message="not a regular file", path=name)
            if st.st_size > MAX_ZIP_SIZE:
                raise _too_big(st.st_size, name)
            with Path(name).open("rb") as f:
                # One byte past the limit tells a file that grew since stat() from one that fits.
                data = f.read(MAX_ZIP_SIZE + 1)
        except OSError as err:
            raise PackageError(message=f"cannot read: {err.strerror or err}", path=name) from err
        return cls(data=data, source=name)

    @classmethod
    def from_directory(
        cls, path: str | os.PathLike[str], *, exclude: Iterable[str] = ()
    ) -> ZipPackage:
        """Zip the files under ``path`` deterministically (see the module docstring).

        ``exclude`` globs are added to ``DEFAULT_EXCLUDES``; each is matched against an
        entry's relative ``/``-separated path and against its name, and an excluded directory
        is not entered. Raises ``PackageError`` for an unreadable tree, a symbolic link leaving
        it, a special file, an empty result, or an archive over ``MAX_ZIP_SIZE``.
        """
        patterns = (exclude,) if isinstance(exclude, str) else tuple(exclude)
        root = os.fspath(path)
        files = _collect(root, DEFAULT_EXCLUDES + patterns)
        if not files:
            raise PackageError(message="no files to package (after excludes)", path=root)
        return cls(data=_write_zip(files, root), source=root)


@attrs.frozen(slots=True)
class _File:
    arcname: str
    path: str  # the real path to read
    mode: int


def _excluded(arcname: str, patterns: tuple[str, ...]) -> bool:
    basename = arcname.rpartition("/")[2]
    return any(
        fnmatch.fnmatchcase(arcname, p) or fnmatch.fnmatchcase(basename, p) for p in patterns
    )


def _inside(target: str, real_root: str) -> bool:
    return target == real_root or target.startswith(real_root.rstrip(os.sep) + os.sep)


def _arcname(prefix: str, name: str, entry_path: str) -> str:
    arcname = unicodedata.normalize("NFC", prefix + name)
    try:
        arcname.encode("utf-8")
    except UnicodeEncodeError as err:  # undecodable bytes in a POSIX file name
        raise PackageError(message="file name is not valid UTF-8", path=entry_path) from err
    # scandir never yields these, but the archive must never hold them, so say it once here.
    if arcname.startswith("/") or ".." in arcname.split("/"):
        raise PackageError(message="unsafe archive name", path=entry_path)
    return arcname


def _collect(root: str, patterns: tuple[str, ...]) -> list[_File]:
    """List the files to package, sorted by archive name."""
    try:
        if not stat.S_ISDIR(Path(root).stat().st_mode):
            raise PackageError(message="not a directory", path=root)
        real_root = os.path.realpath(root)
        root_st = Path(real_root).stat()
    except OSError as err:
        raise PackageError(message=f"cannot read: {err.strerror or err}", path=root) from err

    files: dict[str, _File] = {}
    # An explicit stack, not recursion: deep trees must not hit the recursion limit.
    # Each item: the real directory to list, its archive prefix, and the (device, inode) of
    # it and its ancestors, to recognise a symbolic link that loops back.
    stack = [(real_root, "", frozenset({(root_st.st_dev, root_st.st_ino)}))]
    while stack:
        directory, prefix, ancestors = stack.pop()
        for entry in _list(directory):
            arcname = _arcname(prefix, entry.name, entry.path)
            if _excluded(arcname, patterns):
                continue
            target, st = _resolve(entry, real_root)
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    _log.debug("skipping symbolic link cycle at %s", entry.path)
                    continue
                stack.append((target, arcname + "/", ancestors | {key}))
            elif stat.S_ISREG(st.st_mode):
                if arcname in files:  # two names that differ only in Unicode normalisation
                    raise PackageError(
                        message=f"two files share the archive name {arcname!r}", path=entry.path
                    )
                mode = _EXEC_MODE if st.st_mode & 0o111 else _FILE_MODE
                files[arcname] = _File(arcname=arcname, path=target, mode=mode)
            else:
                raise PackageError(message="not a regular file or directory", path=entry.path)
    return [files[name] for name in sorted(files)]


def _list(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return list(it)
    except OSError as err:
        raise PackageError(message=f"cannot list: {err.strerror or err}", path=directory) from err


def _resolve(entry: os.DirEntry[str], real_root: str) -> tuple[str, os.stat_result]:
    """The real path to read for ``entry`` and its status; links must stay inside the tree."""
    target = entry.path
    try:
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            if not _inside(target, real_root):
                raise PackageError(
                    message=f"symbolic link leads outside the tree, to {target}",
                    path=entry.path,
                )
        return target, Path(target).stat()
    except OSError as err:  # typically a dangling symbolic link
        raise PackageError(message=f"cannot read: {err.strerror or err}", path=entry.path) from err


def _write_zip(files: list[_File], root: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for file in files:
            info = zipfile.ZipInfo(file.arcname, date_time=_TIMESTAMP)
            info.create_system = _UNIX
            info.external_attr = file.mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED  # level: zlib's default, 6
            try:
                with Path(file.path).open("rb") as src, archive.open(info, "w") as dst:
                    while chunk := src.read(_CHUNK):
                        dst.write(chunk)
                        # Fail as soon as the limit is passed, not after zipping a huge tree.
                        if buffer.tell() > MAX_ZIP_SIZE:
                            raise _too_big(buffer.tell(), root)
            except OSError as err:
                raise PackageError(
                    message=f"cannot read: {err.strerror or err}", path=file.path
                ) from err
    # getvalue() hands over the buffer's bytes without a copy when nothing else holds them.
    data = buffer.getvalue()
    if len(data) > MAX_ZIP_SIZE:
        raise _too_big(len(data), root)
    return data


_S3_FIELDS: Final = {"s3_bucket": "bucket", "s3_key": "key", "s3_object_version": "version"}


@attrs.frozen
class S3Location:
    """A zip archive already in S3 (``S3Bucket``, ``S3Key``, ``S3ObjectVersion``)."""

    bucket: str
    key: str
    version: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.bucket, str) or not isinstance(self.key, str):
            raise PackageError(message="bucket and key: must be strings")
        try:
            check_s3_location(self.bucket, self.key, self.version)
        except RequestValidationError as err:
            name = _S3_FIELDS[err.field]
            raise PackageError(message=f"{name} {getattr(self, name)!r}: {err.rule}") from None

    def __str__(self) -> str:
        version = f"#{self.version}" if self.version is not None else ""
        return f"s3://{self.bucket}/{self.key}{version}"

    @classmethod
    def parse(cls, text: str) -> S3Location:
        """Parse ``s3://bucket/key`` or ``s3://bucket/key#version``.

        The last ``#`` starts the version, so a key containing ``#`` needs ``#version`` too.
        """
        if not text.startswith("s3://"):
            raise PackageError(message=f"{text!r}: an S3 location must start with 's3://'")
        bucket, slash, rest = text.removeprefix("s3://").partition("/")
        if not slash or not rest:
            raise PackageError(message=f"{text!r}: expected s3://bucket/key[#version]")
        key, hash_, version = rest.rpartition("#") if "#" in rest else (rest, "", "")
        if hash_ and not version:
            raise PackageError(message=f"{text!r}: empty version after '#'")
        return cls(bucket, key, version or None)


# ECR's RepositoryName pattern (botocore's ecr model): lowercase alphanumeric runs joined by
# '.', '_', '__' or dashes, in '/'-separated namespaces; 2-256 characters (checked separately).
_REPO_PART = r"[a-z0-9]+(?:(?:\.|__?|-+)[a-z0-9]+)*"
_REPOSITORY = rf"{_REPO_PART}(?:/{_REPO_PART})*"
_IMAGE_URI = re.compile(
    r"(?P<account>[0-9]{12})\.dkr\.ecr\."
    r"(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2})\.amazonaws\.com(?P<cn>\.cn)?/"
    rf"(?P<repository>{_REPOSITORY})"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))"
)


def _check_image_uri(_: object, __: object, value: str) -> None:
    match = _IMAGE_URI.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PackageError(
            message=f"image URI {value!r}: expected "
            "<account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@sha256:<digest>)"
        )
    if not 2 <= len(match["repository"]) <= 256:
        raise PackageError(message=f"image URI {value!r}: repository name must be 2-256 characters")
    # Only the China regions live under amazonaws.com.cn, and they only there.
    if bool(match["cn"]) != match["region"].startswith("cn-"):
        raise PackageError(
            message=f"image URI {value!r}: region {match['region']} does not match the domain"
        )


@attrs.frozen
class ContainerImage:
    """A container image in Amazon ECR (``ImageUri``), by tag or by digest."""

    uri: str = attrs.field(validator=_check_image_uri)

    def __str__(self) -> str:
        return self.uri


def code_source(value: object) -> ZipPackage | S3Location | ContainerImage:
    """Turn what ``deploy`` was given into a code source.

    A ``ZipPackage``, ``S3Location`` or ``ContainerImage`` is returned as it is; a path to a
    directory is zipped with ``ZipPackage.from_directory``; a path to a file is read with
    ``ZipPackage.from_file``. Anything else raises ``PackageError``.
    """
    if isinstance(value, ZipPackage | S3Location | ContainerImage):
        return value
    if not isinstance(value, str | os.PathLike) or value == "":
        raise PackageError(
            message=f"cannot deploy {type(value).__name__} {value!r}: expected a ZipPackage, "
            "S3Location, ContainerImage, or the path of a directory or .zip file"
        )
    name = os.fsdecode(value)
    path = Path(name)
    if path.is_dir():
        return ZipPackage.from_directory(name)
    if path.exists():
        return ZipPackage.from_file(name)
    hint = " (use S3Location.parse for an S3 URL)" if name.startswith("s3://") else ""
    raise PackageError(message=f"no such file or directory{hint}", path=name)
