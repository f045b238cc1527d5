"""Code sources for ``deploy``: a zip package, an S3 object, or a container image.

``ZipPackage.from_directory`` builds the archive deterministically: the same files give the
same bytes, and so the same ``CodeSha256``, whatever the clock, umask, file creation order,
directory enumeration order, file system or machine (given the same zlib and Python's
``zipfile``). That lets ``deploy`` skip an update whose code Lambda already has. It holds because:

- entries are sorted by archive name; names are relative, NFC-normalised (macOS writes NFD),
  ``/``-separated, never absolute and never containing ``..``;
- every entry has the timestamp 1980-01-01 00:00:00 (the earliest a zip can hold);
- ``create_system`` is 3 (Unix), so ``external_attr`` carries a Unix mode, normalised to
  ``0o100755`` when the file has any executable bit or matches an ``executable`` pattern (a
  custom runtime's ``bootstrap`` needs it; zips built on Windows lose the bit) and ``0o100644``
  otherwise; owner, group, umask and timestamps never reach the archive;
- only regular files are stored: directories are implied by the file names (Lambda needs only
  files), so an empty directory is not packaged;
- every file is ZIP_DEFLATED at zlib's default level 6 (what ``shutil.make_archive`` uses);
- symbolic links are followed (stored as the content they point to) only when their resolved
  target stays inside the tree; a link to a directory inside the tree is walked, and a link back
  to a directory it sits in (a cycle) is skipped. Anything else is a ``PackageError``;
- what is left out is decided by gitignore patterns alone (``pathspec.GitIgnoreSpec``, matched
  against the NFC archive name, case-sensitive on every platform), never by the file system.

Every archive, built here or supplied, is examined before it can be uploaded: its size (at most
``MAX_UNZIPPED_SIZE``: a bigger archive could not unpack within Lambda's limit; past
``MAX_ZIP_SIZE`` it must go through S3, see ``ZipPackage.fits_direct_upload``), its central
directory (entry names that stay inside the directory Lambda unpacks into, no name twice, no
encryption, stored or deflated entries, declared sizes adding up to at most
``MAX_UNZIPPED_SIZE``), then its data, decompressed in chunks and stopped as soon as an entry
yields more than it declares, checking each entry's size and CRC-32. Messages name paths and
entries, never the data.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import io
import logging
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Final

import attrs
import pathspec

from ._errors import PackageError, RequestValidationError
from ._native import native_binaries
from ._validation import MAX_UNZIPPED_SIZE, MAX_ZIP_SIZE, check_s3_location

__all__ = [
    "DEFAULT_EXCLUDES",
    "ContainerImage",
    "S3Location",
    "ZipPackage",
    "ZipProgress",
    "code_source",
]

_log = logging.getLogger("lambda_code")


#: gitignore patterns ``from_directory`` leaves out unless ``default_excludes=False``: version
#: control, caches, virtual environments and ``.env`` files, whose secrets must not ship by
#: accident. The ignore file itself (``.lambdaignore``) is left out too.
DEFAULT_EXCLUDES: Final = (
    ".git",  # the folder, or the file a submodule or worktree has in its place
    ".hg/",
    ".svn/",
    "__pycache__/",
    "*.pyc",
    ".DS_Store",
    ".venv/",
    ".env",
    ".env.*",  # .env.production, .env.local: secrets, like .env
)

_IGNORE_FILE: Final = ".lambdaignore"
_TIMESTAMP: Final = (1980, 1, 1, 0, 0, 0)
_UNIX: Final = 3
_FILE_MODE: Final = stat.S_IFREG | 0o644
_EXEC_MODE: Final = stat.S_IFREG | 0o755
# zlib dominates the time (~80%); 8 KiB-4 MiB chunks time the same, and 64 KiB keeps the
# least memory beyond the archive (measured with benchmarks/bench_package.py).
_CHUNK: Final = 64 * 1024
# Within a large file, progress is reported this often, besides after every file.
_PROGRESS_EVERY: Final = 4 * 1024 * 1024
# An archive larger than this cannot unpack within Lambda's limit for unzipped code.
_MAX_ARCHIVE = MAX_UNZIPPED_SIZE


_UNZIPPED_RULE: Final = f"Lambda's limit for unzipped code is {MAX_UNZIPPED_SIZE:,} bytes (250 MiB)"
_ENCRYPTED: Final = 0x1  # general purpose flag bit 0
_DRIVE = re.compile(r"[A-Za-z]:")
# What zipfile raises on a central directory it cannot read. NotImplementedError: an entry
# needing a later version of the format ("zip file version 6.4").
_UNREADABLE: Final = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    ValueError,
    EOFError,
)
# What it raises reading a damaged entry, besides BadZipFile and EOFError (the data is in
# memory: no OSError). NotImplementedError: flag bits 5 and 6, which it does not read.
_DAMAGED: Final = (NotImplementedError, ValueError, zlib.error)


def _cut(text: str) -> str:
    """``text`` cut short: a message stays one readable line, however large the input."""
    return text if len(text) <= 100 else text[:100] + "..."


def _shown(text: str) -> str:
    return repr(_cut(text))


def _reason(err: BaseException) -> str:
    return _cut(str(err) or type(err).__name__)


def _too_big(size: int, path: str | None = None) -> PackageError:
    return PackageError(
        message=f"the zip archive is {size:,} bytes, over {_MAX_ARCHIVE:,}: it could not "
        f"unpack within Lambda's limit for unzipped code ({MAX_UNZIPPED_SIZE:,} bytes, 250 MiB)",
        path=path,
    )


def _check_zip(data: bytes, path: str | None = None) -> None:
    """Raise ``PackageError`` unless ``data`` is a zip archive Lambda can unpack safely."""
    if len(data) > _MAX_ARCHIVE:
        raise _too_big(len(data), path)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PackageError(message="not a zip archive", path=path)
    try:
        # Opening parses the whole central directory, which is_zipfile does not.
        archive = zipfile.ZipFile(io.BytesIO(data))
    except _UNREADABLE as err:
        raise PackageError(message=f"corrupt zip archive: {_reason(err)}", path=path) from err
    with archive:
        entries = archive.infolist()
        if not entries:
            raise PackageError(message="the zip archive is empty", path=path)
        # The whole directory first: a bad name or a declared size over the limit is found
        # without decompressing anything.
        _check_directory(entries, path)
        for info in entries:
            _check_data(archive, info, path)


def _entry_error(info: zipfile.ZipInfo, rule: str, path: str | None) -> PackageError:
    return PackageError(message=f"entry {_shown(info.orig_filename)}: {rule}", path=path)


def _unsafe(name: str) -> str | None:
    """Why an entry may not have this name, or None if it may."""
    if not name:
        return "the name is empty"
    if "\0" in name:  # tools disagree on where such a name ends
        return "the name contains a NUL character"
    # Some unzip tools take a backslash for a separator, so it counts as one here.
    parts = name.replace("\\", "/").split("/")
    if not parts[0]:
        return "the name is absolute; names must be relative"
    if _DRIVE.match(name):
        return "the name starts with a drive letter; names must be relative"
    if ".." in parts:
        return "the name has a '..' part, which could unpack outside the code directory"
    return None


def _check_directory(entries: list[zipfile.ZipInfo], path: str | None) -> None:
    """Check every entry's name, flags, method and declared size: nothing is decompressed."""
    seen: set[str] = set()
    total = 0
    for info in entries:
        rule = _unsafe(info.orig_filename)
        if rule is not None:
            raise _entry_error(info, rule, path)
        key = info.orig_filename.replace("\\", "/")
        if key in seen:  # which copy an unzip tool keeps is up to the tool
            raise _entry_error(info, "the name appears twice in the archive", path)
        seen.add(key)
        if info.flag_bits & _ENCRYPTED:
            raise _entry_error(info, "is encrypted; Lambda cannot unpack it", path)
        if info.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
            raise _entry_error(
                info,
                f"compression method {info.compress_type} is not stored (0) or deflated (8), "
                "the methods every unzip tool reads",
                path,
            )
        total += info.file_size
        if total > MAX_UNZIPPED_SIZE:
            raise _entry_error(
                info,
                f"the declared sizes reach {total:,} bytes here; {_UNZIPPED_RULE}",
                path,
            )


def _check_data(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: str | None) -> None:
    """Decompress one entry in chunks, checking its size and CRC-32 against its declaration."""
    probe = copy.copy(info)
    # zipfile stops at the declared size, so a stream holding more would go unnoticed: read
    # up to one byte further (and no more, whatever the stream holds).
    probe.file_size = info.file_size + 1
    # zipfile checks a CRC only when the ZipInfo has one; it would fail on that extra byte
    # before the size could be told apart, so it is computed here instead.
    del probe.CRC
    size = crc = 0
    try:
        with archive.open(probe) as stream:
            while size <= info.file_size and (chunk := stream.read(_CHUNK)):
                size += len(chunk)
                crc = zlib.crc32(chunk, crc)
    except zipfile.BadZipFile as err:
        # Not zipfile's text: it may quote a name read from the damaged part, which can be data.
        raise _entry_error(
            info, "its local header is damaged or does not match the central directory", path
        ) from err
    except EOFError as err:
        raise _entry_error(info, "corrupt data: the compressed data ends early", path) from err
    except _DAMAGED as err:
        raise _entry_error(info, f"corrupt data: {_reason(err)}", path) from err
    if size > info.file_size:
        raise _entry_error(
            info, f"unpacks to more than the {info.file_size:,} bytes it declares", path
        )
    if size < info.file_size:
        raise _entry_error(
            info, f"unpacks to {size:,} bytes, not the {info.file_size:,} it declares", path
        )
    if crc != info.CRC:
        raise _entry_error(info, "corrupt data: the CRC-32 does not match", path)


@attrs.frozen(kw_only=True)
class ZipProgress:
    """How far ``ZipPackage.from_directory`` has got; what its ``on_progress`` is called with.

    ``files`` and ``bytes`` have been read and compressed, of ``total_files`` and
    ``total_bytes``: the files' count and sizes when the tree was listed, before compressing.
    """

    files: int
    total_files: int
    bytes: int
    total_bytes: int


@attrs.frozen(kw_only=True, repr=False)
class ZipPackage:
    """A zip archive to upload as the function's code (at most ``MAX_UNZIPPED_SIZE`` bytes).

    Construct with ``from_directory``, ``from_file`` or ``from_bytes``; the constructor
    validates ``data`` the same way. ``source`` is where it came from, for messages only. An
    archive over ``MAX_ZIP_SIZE`` is valid, but cannot be sent in the request: it goes through
    S3 (``fits_direct_upload`` says which).
    """

    data: bytes = attrs.field(eq=False)
    source: str | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.source is not None and not isinstance(self.source, str):
            raise PackageError(
                message=f"source: must be a string or None, not {type(self.source).__name__}"
            )
        if not isinstance(self.data, bytes):
            raise PackageError(
                message=f"data: must be bytes, not {type(self.data).__name__}", path=self.source
            )
        _check_zip(self.data, self.source)

    @property
    def size(self) -> int:
        """The archive's size in bytes (Lambda's ``CodeSize``)."""
        return len(self.data)

    @property
    def fits_direct_upload(self) -> bool:
        """Whether the archive can be sent in the request (at most ``MAX_ZIP_SIZE`` bytes)."""
        return self.size <= MAX_ZIP_SIZE

    @functools.cached_property
    def code_sha256(self) -> str:
        """Base64 of the archive's SHA-256 digest: exactly Lambda's ``CodeSha256``."""
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode("ascii")

    @functools.cached_property
    def _binaries(self) -> Mapping[str, str]:
        return native_binaries(self.data)

    def native_binaries(self) -> dict[str, str]:
        """The entries that are native executables or libraries, by what they run on.

        Entry name -> ``"x86_64"`` or ``"arm64"`` (a 64-bit little-endian Linux ELF file for
        that architecture), ``"elf:<e_machine>"`` (any other ELF file), ``"macos"`` (Mach-O) or
        ``"windows"`` (PE). Only the first few KiB of each entry are read.
        """
        return dict(self._binaries)

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
        name = _path(path)
        try:
            st = Path(name).stat()
            if stat.S_ISDIR(st.st_mode):
                raise PackageError(message="is a directory, not a zip file", path=name)
            if not stat.S_ISREG(st.st_mode):  # a FIFO or device would block or never end
                raise PackageError(message="not a regular file", path=name)
            if st.st_size > _MAX_ARCHIVE:
                raise _too_big(st.st_size, name)
            with Path(name).open("rb") as f:
                # One byte past the limit tells a file that grew since stat() from one that fits.
                data = f.read(_MAX_ARCHIVE + 1)
        except OSError as err:
            raise PackageError(message=f"cannot read: {err.strerror or err}", path=name) from err
        return cls(data=data, source=name)

    @classmethod
    def from_directory(
        cls,
        path: str | os.PathLike[str],
        *,
        exclude: str | Iterable[str] = (),
        ignore_file: str | None = _IGNORE_FILE,
        default_excludes: bool = True,
        executable: str | Iterable[str] = (),
        on_progress: Callable[[ZipProgress], object] | None = None,
    ) -> ZipPackage:
        """Zip the files under ``path`` deterministically (see the module docstring).

        What is left out is said in gitignore syntax, relative to ``path``: ``DEFAULT_EXCLUDES``
        (unless ``default_excludes`` is False), then the lines of ``ignore_file`` (a file at
        the tree's root; None reads none, and a missing one is fine), then ``exclude`` (a
        pattern or an iterable of patterns). As in git, a later pattern wins (``!name``
        re-includes), and an excluded directory is not entered, so nothing inside it can be
        re-included. Files matching an ``executable`` pattern get mode 0755 whatever their
        bits on disk. ``on_progress`` is called with a ``ZipProgress`` after each file, and
        every few MiB within a large one.

        Raises ``PackageError`` for a bad argument (before anything is read), an unreadable
        tree or ignore file, a symbolic link leaving the tree, a special file, an empty result,
        files adding up to more than ``MAX_UNZIPPED_SIZE`` (found before anything is
        compressed), or an archive over ``MAX_UNZIPPED_SIZE``.
        """
        root = _path(path)
        excludes = _patterns(exclude, "exclude")
        executables = _patterns(executable, "executable")
        ignore = _ignore_name(ignore_file)
        if not isinstance(default_excludes, bool):
            raise PackageError(
                message=f"default_excludes: must be True or False, not "
                f"{type(default_excludes).__name__}"
            )
        if on_progress is not None and not callable(on_progress):
            raise PackageError(
                message=f"on_progress: must be callable or None, not {type(on_progress).__name__}"
            )
        real_root, root_st = _root(root)
        lines = list(DEFAULT_EXCLUDES) if default_excludes else []
        if ignore is not None:
            if default_excludes:
                lines.append(_literal(ignore))
            lines += _read_ignore_file(str(Path(root) / ignore))
        patterns = [*lines, *excludes]
        left_out = pathspec.GitIgnoreSpec.from_lines(patterns)
        # As in git, "dir/**" leaves out what is inside dir, not dir itself: a later "!dir/keep"
        # can bring a file back. So such patterns do not prune directories; they match files.
        pruned = pathspec.GitIgnoreSpec.from_lines(
            [p for p in patterns if not p.rstrip().endswith("/**")]
        )
        make_executable = pathspec.GitIgnoreSpec.from_lines(executables)
        files = _collect(root, real_root, root_st, (left_out, pruned), make_executable)
        if not files:
            raise PackageError(message="no files to package (after excludes)", path=root)
        return cls(data=_write_zip(files, root, on_progress), source=root)


def _path(value: object) -> str:
    """``value`` as a path to open, or a PackageError saying why it cannot be one."""
    if not isinstance(value, str | os.PathLike):
        raise PackageError(
            message=f"path: must be a str or os.PathLike, not {type(value).__name__}"
        )
    try:
        name = os.fsdecode(value)
    except TypeError as err:  # __fspath__ returned something else
        raise PackageError(message=f"path: {_reason(err)}") from None
    if not name:
        raise PackageError(message="path: must not be empty")
    if "\0" in name:  # the OS cannot take it (Python raises ValueError)
        raise PackageError(message=f"path {_shown(name)}: must not contain a NUL character")
    return name


def _patterns(value: object, argument: str) -> tuple[str, ...]:
    if not isinstance(value, Iterable):
        raise PackageError(
            message=f"{argument}: must be a gitignore pattern or an iterable of them, "
            f"not {type(value).__name__}"
        )
    patterns = (value,) if isinstance(value, str) else tuple(value)
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise PackageError(
                message=f"{argument}: every pattern must be a string, not {type(pattern).__name__}"
            )
    bad = next((pattern for pattern in patterns if not _valid(pattern)), None)
    if bad is not None:
        raise PackageError(message=f"{argument} {_shown(bad)}: not a valid gitignore pattern")
    return patterns


def _valid(pattern: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except ValueError:  # pathspec's message does not say which pattern
        return False
    return True


def _ignore_name(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PackageError(
            message=f"ignore_file: must be a file name or None, not {type(value).__name__}"
        )
    if value in {"", ".", ".."} or "/" in value or "\\" in value or "\0" in value:
        raise PackageError(
            message=f"ignore_file {_shown(value)}: must be the name of a file at the tree's "
            "root, not a path"
        )
    return value


def _literal(name: str) -> str:
    """A gitignore pattern that matches exactly ``name``, at the root only."""
    # Whitespace goes in brackets: pathspec strips it from the ends of a pattern.
    return "/" + "".join(f"\\{c}" if c in "\\*?[" else f"[{c}]" if c.isspace() else c for c in name)


def _read_ignore_file(path: str) -> list[str]:
    """The lines of the ignore file at ``path``, checked as patterns; none when it is missing."""
    try:
        st = Path(path).stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would block
            raise PackageError(message="ignore file: not a regular file", path=path)
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    except OSError as err:
        raise PackageError(
            message=f"ignore file: cannot read: {err.strerror or err}", path=path
        ) from err
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as err:
        raise PackageError(message="ignore file: not UTF-8 text", path=path) from err
    for number, line in enumerate(lines, start=1):
        if not _valid(line):
            raise PackageError(
                message=f"ignore file, line {number}: {_shown(line)}: not a valid gitignore "
                "pattern",
                path=path,
            )
    return lines


@attrs.frozen(slots=True)
class _File:
    arcname: str
    path: str  # the real path to read
    mode: int
    size: int  # when listed


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


def _root(root: str) -> tuple[str, os.stat_result]:
    """The tree's real path and status; it must be a directory."""
    try:
        if not stat.S_ISDIR(Path(root).stat().st_mode):
            raise PackageError(message="not a directory", path=root)
        real_root = os.path.realpath(root)
        return real_root, Path(real_root).stat()
    except OSError as err:
        raise PackageError(message=f"cannot read: {err.strerror or err}", path=root) from err


def _collect(
    root: str,
    real_root: str,
    root_st: os.stat_result,
    left_out: tuple[pathspec.GitIgnoreSpec, pathspec.GitIgnoreSpec],
    make_executable: pathspec.GitIgnoreSpec,
) -> list[_File]:
    """List the files to package, sorted by archive name.

    ``left_out`` is the spec files are matched with, and the one that prunes directories.
    """
    files_out, directories_out = left_out
    files: dict[str, _File] = {}
    total = 0
    # An explicit stack, not recursion: deep trees must not hit the recursion limit.
    # Each item: the real directory to list, its archive prefix, and the (device, inode) of
    # it and its ancestors, to recognise a symbolic link that loops back.
    stack = [(real_root, "", frozenset({(root_st.st_dev, root_st.st_ino)}))]
    while stack:
        directory, prefix, ancestors = stack.pop()
        for entry in _list(directory):
            arcname = _arcname(prefix, entry.name, entry.path)
            # A directory's trailing "/" is what lets a pattern such as "build/" match it.
            if (
                directories_out.match_file(arcname + "/")
                if _is_dir(entry)
                else files_out.match_file(arcname)
            ):
                continue
            target, st = _resolve(entry, real_root)
            if stat.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    _log.debug("skipping symbolic link cycle at %s", entry.path)
                    continue
                stack.append((target, arcname + "/", ancestors | {key}))
            elif stat.S_ISREG(st.st_mode):
                executable = bool(st.st_mode & 0o111) or make_executable.match_file(arcname)
                _add(
                    files,
                    _File(arcname, target, _EXEC_MODE if executable else _FILE_MODE, st.st_size),
                    entry.path,
                )
                total += st.st_size
                if total > MAX_UNZIPPED_SIZE:  # known before a byte is compressed
                    raise PackageError(
                        message=f"the files add up to more than {MAX_UNZIPPED_SIZE:,} bytes "
                        f"(passed at {_shown(arcname)}); {_UNZIPPED_RULE}",
                        path=root,
                    )
            else:
                raise PackageError(message="not a regular file or directory", path=entry.path)
    return [files[name] for name in sorted(files)]


def _add(files: dict[str, _File], file: _File, entry_path: str) -> None:
    if file.arcname in files:  # two names that differ only in Unicode normalisation
        raise PackageError(
            message=f"two files share the archive name {file.arcname!r}", path=entry_path
        )
    files[file.arcname] = file


def _list(directory: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            return list(it)
    except OSError as err:
        raise PackageError(message=f"cannot list: {err.strerror or err}", path=directory) from err


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is a directory, or a link to one (which is walked as one)."""
    try:
        return entry.is_dir()
    except OSError as err:
        raise PackageError(message=f"cannot read: {err.strerror or err}", path=entry.path) from err


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


def _entry(arcname: str, mode: int, compression: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """An archive entry that depends only on its name, mode and compression, never the clock."""
    info = zipfile.ZipInfo(arcname, date_time=_TIMESTAMP)
    info.create_system = _UNIX
    info.external_attr = mode << 16
    info.compress_type = compression  # deflated at zlib's default level, 6
    return info


def zip_files(files: Mapping[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of in-memory files (name -> bytes), written as ``from_directory`` writes.

    The same files give the same bytes, in any order: for test packages and the simulator.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            archive.writestr(_entry(name, _FILE_MODE, compression), files[name])
    return buffer.getvalue()


def _chunks(path: str) -> Iterator[bytes]:
    """The file's content in chunks; only its own read errors become a PackageError."""
    try:
        with Path(path).open("rb") as src:
            while chunk := src.read(_CHUNK):
                yield chunk
    except OSError as err:
        raise PackageError(message=f"cannot read: {err.strerror or err}", path=path) from err


def _write_zip(
    files: list[_File], root: str, on_progress: Callable[[ZipProgress], object] | None = None
) -> bytes:
    total_bytes = sum(file.size for file in files)
    done = unreported = 0

    def report(count: int) -> None:
        if on_progress is not None:
            on_progress(
                ZipProgress(
                    files=count, total_files=len(files), bytes=done, total_bytes=total_bytes
                )
            )

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for count, file in enumerate(files):
            with archive.open(_entry(file.arcname, file.mode), "w") as dst:
                for chunk in _chunks(file.path):
                    dst.write(chunk)
                    # Fail as soon as the limit is passed, not after zipping a huge tree.
                    if buffer.tell() > _MAX_ARCHIVE:
                        raise _too_big(buffer.tell(), root)
                    done += len(chunk)
                    unreported += len(chunk)
                    if unreported >= _PROGRESS_EVERY:
                        report(count)
                        unreported = 0
            unreported = 0
            report(count + 1)
    # getvalue() hands over the buffer's bytes without a copy when nothing else holds them.
    data = buffer.getvalue()
    if len(data) > _MAX_ARCHIVE:
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
        for name in ("bucket", "key"):  # check_s3_location takes None for absent
            value = getattr(self, name)
            if not isinstance(value, str):
                raise PackageError(message=f"{name}: must be a string, not {type(value).__name__}")
        try:
            check_s3_location(self.bucket, self.key, self.version)
        except RequestValidationError as err:
            name = _S3_FIELDS[err.field]
            value = getattr(self, name)
            shown = f" {_shown(value)}" if isinstance(value, str) else ""
            raise PackageError(message=f"{name}{shown}: {err.rule}") from None

    def __str__(self) -> str:
        version = f"#{self.version}" if self.version is not None else ""
        return f"s3://{self.bucket}/{self.key}{version}"

    @classmethod
    def parse(cls, text: str) -> S3Location:
        """Parse ``s3://bucket/key`` or ``s3://bucket/key#version``.

        The last ``#`` starts the version, so a key containing ``#`` needs ``#version`` too.
        """
        if not isinstance(text, str):
            raise PackageError(
                message=f"S3 location: must be a string such as 's3://bucket/key', "
                f"not {type(text).__name__}"
            )
        if not text.startswith("s3://"):
            raise PackageError(message=f"{_shown(text)}: an S3 location must start with 's3://'")
        bucket, slash, rest = text.removeprefix("s3://").partition("/")
        if not slash or not rest:
            raise PackageError(message=f"{_shown(text)}: expected s3://bucket/key[#version]")
        key, hash_, version = rest.rpartition("#") if "#" in rest else (rest, "", "")
        if hash_ and not version:
            raise PackageError(message=f"{_shown(text)}: empty version after '#'")
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
    if not isinstance(value, str):  # attrs does not enforce the annotation
        raise PackageError(message=f"image URI: must be a string, not {type(value).__name__}")
    match = _IMAGE_URI.fullmatch(value)
    if match is None:
        raise PackageError(
            message=f"image URI {_shown(value)}: expected "
            "<account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@sha256:<digest>)"
        )
    if not 2 <= len(match["repository"]) <= 256:
        raise PackageError(
            message=f"image URI {_shown(value)}: repository name must be 2-256 characters"
        )
    # Only the China regions live under amazonaws.com.cn, and they only there.
    if bool(match["cn"]) != match["region"].startswith("cn-"):
        raise PackageError(
            message=f"image URI {_shown(value)}: region {match['region']} does not match the domain"
        )


def _check_resolve(_: object, __: object, value: object) -> None:
    if not isinstance(value, bool):
        raise PackageError(
            message=f"resolve: must be a bool (True or False), not {type(value).__name__}"
        )


@attrs.frozen
class ContainerImage:
    """A container image in Amazon ECR (``ImageUri``), by tag or by digest.

    With ``resolve`` (the default) a tag is resolved through ECR to the digest it names when
    deploying, so the function runs exactly that image; ``resolve=False`` sends the tag as is.
    """

    uri: str = attrs.field(validator=_check_image_uri)
    resolve: bool = attrs.field(default=True, validator=_check_resolve)

    def __str__(self) -> str:
        return self.uri


def code_source(value: object) -> ZipPackage | S3Location | ContainerImage:
    """Turn what ``deploy`` was given into a code source.

    A ``ZipPackage``, ``S3Location`` or ``ContainerImage`` is returned as it is; ``bytes``,
    ``bytearray`` or ``memoryview`` is a zip archive in memory (``ZipPackage.from_bytes``); a
    path to a directory is zipped with ``ZipPackage.from_directory``; a path to a file is read
    with ``ZipPackage.from_file``. Anything else raises ``PackageError``.
    """
    if isinstance(value, ZipPackage | S3Location | ContainerImage):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return ZipPackage.from_bytes(value)
    if not isinstance(value, str | os.PathLike):
        # The type alone: the value may be anything, and large.
        raise PackageError(
            message=f"cannot deploy a {type(value).__name__}: expected a ZipPackage, "
            "S3Location, ContainerImage, zip bytes, or the path of a directory or .zip file"
        )
    name = _path(value)
    try:
        # One stat, not is_dir()/exists(), which raise on some errors and hide others.
        mode = Path(name).stat().st_mode
    except FileNotFoundError as err:
        hint = " (use S3Location.parse for an S3 URL)" if name.startswith("s3://") else ""
        raise PackageError(message=f"no such file or directory{hint}", path=name) from err
    except OSError as err:
        raise PackageError(message=f"cannot read: {err.strerror or err}", path=name) from err
    if stat.S_ISDIR(mode):
        return ZipPackage.from_directory(name)
    return ZipPackage.from_file(name)
