"""Tests for lambda_code._package: deterministic zips, S3 locations, container images."""

from __future__ import annotations

import base64
import errno
import functools
import hashlib
import io
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import time
import unicodedata
import warnings
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import botocore.session
import pathspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambda_code
from lambda_code import MAX_UNZIPPED_SIZE, MAX_ZIP_SIZE, ZipProgress, _package
from lambda_code._errors import PackageError
from lambda_code._package import (
    ContainerImage,
    S3Location,
    ZipPackage,
    code_source,
)
from strategies import make_zip

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

MIB = 1024 * 1024


def write_tree(root: Path, files: Mapping[str, bytes], *, order: list[str] | None = None) -> None:
    """Create ``files`` (relative posix path -> content) under ``root`` in ``order``."""
    for name in order if order is not None else list(files):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])


def entries(package: ZipPackage) -> dict[str, bytes]:
    """The archive's members and their contents."""
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def infos(package: ZipPackage) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        return archive.infolist()


TREE = {
    "handler.py": b"def handler(event, context):\n    return 1\n",
    "bootstrap": b"#!/bin/sh\nexec python3 handler.py\n",
    "lib/util.py": b"X = 1\n" * 500,
    "lib/data/table.csv": b"a,b\n1,2\n",
    "lib/z/deep/er/file.txt": b"deep",
    "zz.bin": bytes(range(256)) * 40,
}


# --- determinism ---------------------------------------------------------------------------


def test_same_bytes_across_creation_order_mtimes_and_umask(tmp_path: Path) -> None:
    """Trees with the same files give identical bytes whatever the order, mtimes and umask."""
    first, second = tmp_path / "first", tmp_path / "second"
    old = os.umask(0o022)
    try:
        write_tree(first, TREE)
        os.umask(0o077)
        write_tree(second, TREE, order=sorted(TREE, reverse=True))
    finally:
        os.umask(old)
    for i, path in enumerate(sorted(first.rglob("*"))):
        os.utime(path, (1_000_000_000 + i, 1_000_000_000 + i))
    for path in second.rglob("*"):
        os.utime(path, (2_000_000_000, 2_000_000_000))
    assert (first / "handler.py").stat().st_mode & 0o777 != (
        second / "handler.py"
    ).stat().st_mode & 0o777
    a, b = ZipPackage.from_directory(first), ZipPackage.from_directory(second)
    assert a.data == b.data
    assert a.code_sha256 == b.code_sha256
    assert a == b


class _ReversedScandir:
    """os.scandir stand-in that yields entries in reverse order."""

    def __init__(self, real: Any, path: Any) -> None:
        with real(path) as it:
            self._entries = list(it)[::-1]

    def __enter__(self) -> Iterator[os.DirEntry[str]]:
        return iter(self._entries)

    def __exit__(self, *exc: object) -> None:
        return None


def test_same_bytes_whatever_the_directory_enumeration_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file system's listing order does not reach the archive."""
    write_tree(tmp_path, TREE)
    expected = ZipPackage.from_directory(tmp_path).data
    real = os.scandir
    calls: list[object] = []

    def reversed_scandir(path: Any) -> _ReversedScandir:
        calls.append(path)
        return _ReversedScandir(real, path)

    monkeypatch.setattr(os, "scandir", reversed_scandir)
    assert ZipPackage.from_directory(tmp_path).data == expected
    assert calls  # the stand-in was really used


def test_same_bytes_when_zipfile_thinks_it_runs_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """create_system is pinned to Unix, not left to zipfile's platform default (0 on Windows)."""
    write_tree(tmp_path, TREE)
    expected = ZipPackage.from_directory(tmp_path).data
    monkeypatch.setattr(sys, "platform", "win32")
    assert zipfile.ZipInfo("x").create_system == 0
    assert ZipPackage.from_directory(tmp_path).data == expected


def test_stored_names_timestamps_modes_and_compression(tmp_path: Path) -> None:
    """Entries are sorted files only, dated 1980-01-01, Unix modes 0644/0755, deflated."""
    write_tree(tmp_path, TREE)
    (tmp_path / "empty_dir").mkdir()
    (tmp_path / "bootstrap").chmod(0o744)
    (tmp_path / "handler.py").chmod(0o600)
    members = infos(ZipPackage.from_directory(tmp_path))
    names = [i.filename for i in members]
    assert names == sorted(TREE)
    assert names == [
        "bootstrap",
        "handler.py",
        "lib/data/table.csv",
        "lib/util.py",
        "lib/z/deep/er/file.txt",
        "zz.bin",
    ]
    for info in members:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert not info.is_dir()
        expected = 0o100755 if info.filename == "bootstrap" else 0o100644
        assert info.external_attr >> 16 == expected, info.filename
        assert info.external_attr & 0xFFFF == 0


@pytest.mark.parametrize(
    ("mode", "stored"),
    [
        (0o755, 0o100755),
        (0o700, 0o100755),
        (0o610, 0o100755),
        (0o601, 0o100755),
        (0o644, 0o100644),
        (0o600, 0o100644),
        (0o666, 0o100644),
        (0o4755, 0o100755),
    ],
)
def test_executable_bit_is_kept_and_modes_normalised(
    tmp_path: Path, mode: int, stored: int
) -> None:
    """Any executable bit gives 0755; otherwise 0644; setuid and write bits are dropped."""
    (tmp_path / "f").write_bytes(b"x")
    (tmp_path / "f").chmod(mode)
    (info,) = infos(ZipPackage.from_directory(tmp_path))
    assert info.external_attr >> 16 == stored


def test_contents_round_trip(tmp_path: Path) -> None:
    """Every file's content is stored unchanged."""
    write_tree(tmp_path, TREE)
    assert entries(ZipPackage.from_directory(tmp_path)) == TREE


def test_large_file_is_streamed_in_chunks(tmp_path: Path) -> None:
    """A file bigger than one read chunk is stored whole."""
    data = random.Random(1).randbytes(3 * MIB + 17)
    (tmp_path / "big.bin").write_bytes(data)
    assert entries(ZipPackage.from_directory(tmp_path)) == {"big.bin": data}


def test_code_sha256_is_base64_of_sha256(tmp_path: Path) -> None:
    """code_sha256 is base64(sha256(data)), Lambda's CodeSha256, and size is len(data)."""
    write_tree(tmp_path, TREE)
    package = ZipPackage.from_directory(tmp_path)
    digest = hashlib.sha256(package.data).digest()
    assert package.code_sha256 == base64.b64encode(digest).decode()
    assert len(package.code_sha256) == 44
    assert package.size == len(package.data)


# --- excludes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "kept"),
    [
        # As git: "dir/**" leaves out what is inside dir, so "!dir/keep" brings a file back...
        (["dir/**", "!dir/keep"], ["app.py", "dir/keep"]),
        # ...while "dir/" leaves out dir itself, and nothing inside it can come back.
        (["dir/", "!dir/keep"], ["app.py"]),
        (["dir", "!dir/keep"], ["app.py"]),
    ],
)
def test_negations_bring_back_what_git_brings_back(
    tmp_path: Path, patterns: list[str], kept: list[str]
) -> None:
    """Each checked against ``git add -n`` on the same tree and .gitignore."""
    write_tree(
        tmp_path,
        {"app.py": b"1", "dir/keep": b"2", "dir/drop": b"3", "dir/sub/keep": b"4"},
    )
    package = ZipPackage.from_directory(tmp_path, exclude=patterns)
    assert sorted(entries(package)) == kept


def test_default_excludes(tmp_path: Path) -> None:
    """VCS folders, caches, virtual environments, .env and the ignore file stay out, anywhere."""
    write_tree(
        tmp_path,
        {
            "app.py": b"1",
            "app.pyc": b"2",
            "__pycache__/app.cpython-311.pyc": b"3",
            "pkg/__pycache__/x.py": b"4",
            "pkg/mod.pyc": b"5",
            "pkg/mod.py": b"6",
            ".git/config": b"7",
            ".DS_Store": b"8",
            "pkg/.DS_Store/inner": b"9",
            "pkg/.gitignore": b"10",
            "pkg/pyc": b"11",
            "sub/.git": b"12",  # a submodule's pointer to its repository
            ".hg/store": b"13",
            "lib/.svn/entries": b"14",
            ".venv/lib/site.py": b"15",
            ".env": b"SECRET=16",
            "pkg/.env": b"SECRET=17",
            ".env.example": b"SECRET=",
            "pkg/.env.production": b"SECRET=21",
            ".lambdaignore": b"",
            "pkg/.lambdaignore": b"18",
            "venv/kept.py": b"19",
            "__pycache__.py": b"20",
        },
    )
    names = sorted(entries(ZipPackage.from_directory(tmp_path)))
    assert names == [
        "__pycache__.py",
        "app.py",
        "pkg/.gitignore",
        "pkg/.lambdaignore",
        "pkg/mod.py",
        "pkg/pyc",
        "venv/kept.py",
    ]
    everything = sorted(entries(ZipPackage.from_directory(tmp_path, default_excludes=False)))
    assert len(everything) == 23


def test_default_excludes_are_gitignore_patterns() -> None:
    """DEFAULT_EXCLUDES is the documented tuple, and each entry is a valid gitignore pattern."""
    assert _package.DEFAULT_EXCLUDES == lambda_code.DEFAULT_EXCLUDES
    assert set(_package.DEFAULT_EXCLUDES) >= {".hg/", ".svn/", "__pycache__/", "*.pyc"}
    assert {".git", ".DS_Store", ".venv/", ".env"} <= set(_package.DEFAULT_EXCLUDES)
    for pattern in _package.DEFAULT_EXCLUDES:
        assert pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(pattern.rstrip("/") + "/")


def test_user_excludes_are_gitignore_patterns_and_prune(tmp_path: Path) -> None:
    """Patterns follow gitignore: unanchored names match at any depth, a slash anchors to the
    root, a trailing slash matches directories only, and an excluded directory is not entered."""
    write_tree(
        tmp_path,
        {
            "app.py": b"1",
            "README.md": b"2",
            "docs/guide.md": b"3",
            "tests/test_app.py": b"4",
            "src/tests/keep.py": b"5",
            "src/data/a.txt": b"6",
            "data/a.txt": b"7",
            "build": b"8",  # a file: "build/" is for directories
            "src/build/out.o": b"9",
        },
    )
    # An escaping link inside the excluded directory proves it is never walked.
    (tmp_path / "tests" / "escape").symlink_to(tmp_path.parent)
    package = ZipPackage.from_directory(tmp_path, exclude=["*.md", "tests", "src/data/*", "build/"])
    # "tests" matches src/tests by name too; "src/data/*" is anchored, so data/a.txt stays.
    assert sorted(entries(package)) == ["app.py", "build", "data/a.txt"]


def test_later_patterns_win_and_an_excluded_directory_stays_out(tmp_path: Path) -> None:
    """!pattern re-includes what an earlier pattern left out, but not inside an excluded folder."""
    write_tree(
        tmp_path,
        {"a.md": b"1", "keep.md": b"2", "logs/x.log": b"3", "logs/keep.log": b"4"},
    )
    package = ZipPackage.from_directory(
        tmp_path, exclude=["*.md", "!keep.md", "logs/", "!logs/keep.log"]
    )
    assert sorted(entries(package)) == ["keep.md"]


def test_an_excluded_directory_is_not_even_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pruning happens before listing: a huge node_modules/ costs nothing when excluded."""
    write_tree(tmp_path, {"app.py": b"1", "node_modules/a/b.js": b"2", "lib/node_modules/c": b"3"})
    listed: list[str] = []
    real = os.scandir

    def scandir(path: Any) -> Any:
        listed.append(os.path.relpath(path, os.path.realpath(tmp_path)))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    package = ZipPackage.from_directory(tmp_path, exclude="node_modules/")
    assert sorted(entries(package)) == ["app.py"]
    assert sorted(listed) == [".", "lib"]


def test_excludes_are_case_sensitive_and_accept_one_string(tmp_path: Path) -> None:
    """A single string is one pattern (not its characters), matched case-sensitively."""
    write_tree(tmp_path, {"a.TXT": b"1", "b.txt": b"2", "t": b"3"})
    package = ZipPackage.from_directory(tmp_path, exclude="*.txt")
    assert sorted(entries(package)) == ["a.TXT", "t"]


# --- the ignore file -------------------------------------------------------------------------


def test_ignore_file_patterns_combine_with_exclude(tmp_path: Path) -> None:
    """.lambdaignore's patterns apply with exclude's, which come after them and so win."""
    write_tree(
        tmp_path,
        {
            ".lambdaignore": b"# build output\n\n*.log\ntests/\n!.env\n",
            "app.py": b"1",
            "debug.log": b"2",
            "tests/t.py": b"3",
            ".env": b"X=1",
            "keep.log": b"4",
        },
    )
    package = ZipPackage.from_directory(tmp_path, exclude=["app.py", "!keep.log"])
    # The ignore file may re-include a default exclude, and is itself left out.
    assert sorted(entries(package)) == [".env", "keep.log"]


def test_ignore_file_can_be_named_or_not_read(tmp_path: Path) -> None:
    """ignore_file names another file at the root (itself left out); None reads none."""
    write_tree(
        tmp_path,
        {".lambdaignore": b"a.py\n", "deploy [x]*.ignore ": b"b.py\n", "a.py": b"1", "b.py": b"2"},
    )
    custom = ZipPackage.from_directory(tmp_path, ignore_file="deploy [x]*.ignore ")
    assert sorted(entries(custom)) == [".lambdaignore", "a.py"]
    none = ZipPackage.from_directory(tmp_path, ignore_file=None)
    assert sorted(entries(none)) == [".lambdaignore", "a.py", "b.py", "deploy [x]*.ignore "]
    shipped = ZipPackage.from_directory(tmp_path, default_excludes=False)
    assert sorted(entries(shipped)) == [".lambdaignore", "b.py", "deploy [x]*.ignore "]


def test_missing_ignore_file_is_fine(tmp_path: Path) -> None:
    """No ignore file at the root: only exclude and the defaults apply."""
    write_tree(tmp_path, {"a.py": b"1", "sub/.lambdaignore": b"a.py\n"})
    assert sorted(entries(ZipPackage.from_directory(tmp_path))) == ["a.py", "sub/.lambdaignore"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ok\n\\\n", "line 2: '\\\\': not a valid gitignore pattern"),
        (b"\xff\xfe*.py\n", "not UTF-8 text"),
    ],
    ids=["bad-pattern", "not-utf8"],
)
def test_bad_ignore_file_is_a_package_error(tmp_path: Path, content: bytes, message: str) -> None:
    """A line that is no pattern, or a file that is not UTF-8, is an error naming the file."""
    write_tree(tmp_path, {"a.py": b"1", ".lambdaignore": content})
    with pytest.raises(PackageError, match=re.escape(message)) as caught:
        ZipPackage.from_directory(tmp_path)
    assert caught.value.path == str(tmp_path / ".lambdaignore")


def test_ignore_file_with_a_bom_is_read(tmp_path: Path) -> None:
    """A byte order mark (Windows editors write one) is not part of the first pattern."""
    write_tree(tmp_path, {"a.py": b"1", "b.py": b"2", ".lambdaignore": b"\xef\xbb\xbfa.py\n"})
    assert sorted(entries(ZipPackage.from_directory(tmp_path))) == ["b.py"]


def test_ignore_file_that_is_not_a_file_is_a_package_error(tmp_path: Path) -> None:
    """A directory or a FIFO where the ignore file should be is refused, without blocking."""
    write_tree(tmp_path, {"a.py": b"1", "ignore-dir/x": b"2"})
    os.mkfifo(tmp_path / "fifo")
    for name in ("ignore-dir", "fifo"):
        with pytest.raises(PackageError, match="not a regular file") as caught:
            ZipPackage.from_directory(tmp_path, ignore_file=name)
        assert caught.value.path == str(tmp_path / name)


def test_unreadable_ignore_file_is_a_package_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ignore file that cannot be read is a PackageError chained to the OSError."""
    write_tree(tmp_path, {"a.py": b"1", ".lambdaignore": b"*.md\n"})
    real = Path.read_bytes

    def deny(self: Path) -> bytes:
        if self.name == ".lambdaignore":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    # Root can read anything, so the refusal is simulated where the ignore file is read.
    monkeypatch.setattr(Path, "read_bytes", deny)
    with pytest.raises(PackageError, match="ignore file: cannot read: Permission denied") as caught:
        ZipPackage.from_directory(tmp_path)
    assert caught.value.path == str(tmp_path / ".lambdaignore")
    assert isinstance(caught.value.__cause__, PermissionError)


# --- executable patterns ---------------------------------------------------------------------


def test_executable_patterns_set_mode_0755(tmp_path: Path) -> None:
    """Files matching an executable pattern are 0755 whatever their bits; others keep theirs."""
    write_tree(
        tmp_path,
        {"bootstrap": b"1", "bin/run": b"2", "bin/README": b"3", "lib/tool": b"4", "a.py": b"5"},
    )
    for path in tmp_path.rglob("*"):
        if path.is_file():
            path.chmod(0o644)  # as a zip extracted on Windows leaves them
    (tmp_path / "lib" / "tool").chmod(0o755)
    package = ZipPackage.from_directory(tmp_path, executable=["/bootstrap", "bin/", "!README"])
    modes = {i.filename: i.external_attr >> 16 for i in infos(package)}
    assert modes == {
        "a.py": 0o100644,
        "bin/README": 0o100644,
        "bin/run": 0o100755,
        "bootstrap": 0o100755,
        "lib/tool": 0o100755,
    }
    assert ZipPackage.from_directory(tmp_path, executable="bootstrap") != ZipPackage.from_directory(
        tmp_path
    )


# --- progress --------------------------------------------------------------------------------


def test_progress_after_each_file_and_within_large_ones(tmp_path: Path) -> None:
    """on_progress sees each file done, and every few MiB of a large one; totals from the start."""
    big = 9 * MIB + 5
    sizes = {"a.bin": 10, "big.bin": big, "c.bin": 0, "d/e.bin": 300}
    write_tree(tmp_path, {name: b"\0" * size for name, size in sizes.items()})
    seen: list[ZipProgress] = []
    ZipPackage.from_directory(tmp_path, on_progress=seen.append)
    total = sum(sizes.values())
    assert {(p.total_files, p.total_bytes) for p in seen} == {(4, total)}
    every = _package._PROGRESS_EVERY
    assert [(p.files, p.bytes) for p in seen] == [
        (1, 10),
        (1, 10 + every),  # within big.bin
        (1, 10 + 2 * every),
        (2, 10 + big),
        (3, 10 + big),
        (4, total),
    ]


def test_progress_is_attrs_frozen() -> None:
    """ZipProgress is an immutable value, compared by its fields."""
    progress = ZipProgress(files=1, total_files=2, bytes=3, total_bytes=4)
    assert progress == ZipProgress(files=1, total_files=2, bytes=3, total_bytes=4)
    with pytest.raises(AttributeError):
        progress.files = 2  # type: ignore[misc]


def test_an_error_in_on_progress_is_not_taken_for_a_read_error(tmp_path: Path) -> None:
    """What the callback raises reaches the caller unchanged, never as 'cannot read'."""
    write_tree(tmp_path, {"a.py": b"1"})

    def fail(progress: ZipProgress) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        ZipPackage.from_directory(tmp_path, on_progress=fail)


def test_everything_excluded_is_an_error(tmp_path: Path) -> None:
    """A tree with no files left after excludes is a PackageError."""
    write_tree(tmp_path, {"__pycache__/a.pyc": b"1", "x.md": b"2"})
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackageError, match="no files"):
        ZipPackage.from_directory(tmp_path, exclude=["*.md"])


# --- symbolic links --------------------------------------------------------------------------


def test_symlink_to_file_inside_tree_is_followed(tmp_path: Path) -> None:
    """A link to a file in the tree is stored as that file's content and mode."""
    write_tree(tmp_path, {"real/run.sh": b"#!/bin/sh\n"})
    (tmp_path / "real" / "run.sh").chmod(0o755)
    (tmp_path / "bootstrap").symlink_to("real/run.sh")
    package = ZipPackage.from_directory(tmp_path)
    assert entries(package) == {"bootstrap": b"#!/bin/sh\n", "real/run.sh": b"#!/bin/sh\n"}
    assert {i.filename: i.external_attr >> 16 for i in infos(package)}["bootstrap"] == 0o100755


def test_symlink_to_directory_inside_tree_is_walked(tmp_path: Path) -> None:
    """A link to a directory in the tree is walked under the link's name."""
    write_tree(tmp_path, {"vendor/lib/m.py": b"m", "vendor/lib/sub/n.py": b"n"})
    (tmp_path / "lib").symlink_to(tmp_path / "vendor" / "lib")  # absolute, still inside
    assert sorted(entries(ZipPackage.from_directory(tmp_path))) == [
        "lib/m.py",
        "lib/sub/n.py",
        "vendor/lib/m.py",
        "vendor/lib/sub/n.py",
    ]


@pytest.mark.parametrize("target", ["../../outside.txt", "ABSOLUTE", "../../outside_dir", "/etc"])
def test_symlink_leaving_the_tree_is_an_error(tmp_path: Path, target: str) -> None:
    """A link whose target resolves outside the tree is a PackageError naming the link."""
    root = tmp_path / "root"
    write_tree(root, {"a.py": b"1"})
    (tmp_path / "outside.txt").write_bytes(b"secret")
    (tmp_path / "outside_dir").mkdir()
    (root / "sub").mkdir()
    link = root / "sub" / "link"
    link.symlink_to(tmp_path / "outside.txt" if target == "ABSOLUTE" else target)
    with pytest.raises(PackageError, match="outside the tree") as caught:
        ZipPackage.from_directory(root)
    assert caught.value.path == str(link)


def test_symlink_through_an_inside_link_that_escapes_is_an_error(tmp_path: Path) -> None:
    """A link chain is resolved fully: inside -> outside is still outside."""
    root = tmp_path / "root"
    write_tree(root, {"a.py": b"1"})
    (tmp_path / "secret").write_bytes(b"s")
    (root / "hop").symlink_to(tmp_path / "secret")
    (root / "start").symlink_to("hop")
    with pytest.raises(PackageError, match="outside the tree"):
        ZipPackage.from_directory(root)


def test_dangling_symlink_is_an_error(tmp_path: Path) -> None:
    """A link to nothing is a PackageError naming the link."""
    write_tree(tmp_path, {"a.py": b"1"})
    (tmp_path / "gone").symlink_to("missing.py")
    with pytest.raises(PackageError) as caught:
        ZipPackage.from_directory(tmp_path)
    assert caught.value.path == str(tmp_path / "gone")


def test_symlink_cycle_is_skipped(tmp_path: Path) -> None:
    """Links back to an enclosing directory do not loop: each file is stored once."""
    write_tree(tmp_path, {"a/b/c.py": b"c", "top.py": b"t"})
    (tmp_path / "a" / "b" / "up").symlink_to("../..")
    (tmp_path / "a" / "self").symlink_to(".")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert sorted(entries(ZipPackage.from_directory(tmp_path))) == ["a/b/c.py", "top.py"]


def test_tree_root_may_be_a_symlink(tmp_path: Path) -> None:
    """The root itself may be reached through a link; links inside it are judged by its target."""
    write_tree(tmp_path / "real", {"a.py": b"1"})
    (tmp_path / "real" / "b.py").symlink_to("a.py")
    (tmp_path / "alias").symlink_to("real")
    assert entries(ZipPackage.from_directory(tmp_path / "alias")) == {"a.py": b"1", "b.py": b"1"}


# --- names -----------------------------------------------------------------------------------


def test_names_are_nfc_normalised(tmp_path: Path) -> None:
    """A file created with an NFD name (as macOS writes) is stored under its NFC name."""
    nfd = unicodedata.normalize("NFD", "café/résumé.txt")
    assert nfd != "café/résumé.txt"
    write_tree(tmp_path, {nfd: b"1"})
    (info,) = infos(ZipPackage.from_directory(tmp_path))
    assert info.filename == "café/résumé.txt"
    assert info.flag_bits & 0x800  # marked UTF-8


def test_names_equal_after_normalisation_are_an_error(tmp_path: Path) -> None:
    """Two files whose names differ only in normalisation cannot share one archive name."""
    write_tree(tmp_path, {"é.txt": b"1", unicodedata.normalize("NFD", "é.txt"): b"2"})
    with pytest.raises(PackageError, match="share the archive name"):
        ZipPackage.from_directory(tmp_path)


def test_names_are_relative_without_dot_dot(tmp_path: Path) -> None:
    """Archive names are relative, /-separated and have no '.' or '..' parts."""
    write_tree(tmp_path, {"..a": b"1", "a..b/c": b"2", "x/.hidden": b"3", "x/y/z": b"4"})
    (tmp_path / "x" / "up").symlink_to("../a..b")
    names = [i.filename for i in infos(ZipPackage.from_directory(tmp_path / "x" / ".."))]
    assert names == ["..a", "a..b/c", "x/.hidden", "x/up/c", "x/y/z"]
    for name in names:
        assert not name.startswith("/")
        assert "\\" not in name
        assert not {".", ".."} & set(name.split("/"))


# --- errors reading a tree -------------------------------------------------------------------


def test_missing_directory_is_an_error(tmp_path: Path) -> None:
    """A path that does not exist is a PackageError naming it."""
    with pytest.raises(PackageError) as caught:
        ZipPackage.from_directory(tmp_path / "nope")
    assert caught.value.path == str(tmp_path / "nope")
    assert isinstance(caught.value.__cause__, OSError)


def test_file_instead_of_directory_is_an_error(tmp_path: Path) -> None:
    """from_directory on a file is a PackageError naming it."""
    (tmp_path / "f").write_bytes(b"1")
    with pytest.raises(PackageError, match="not a directory"):
        ZipPackage.from_directory(tmp_path / "f")


def test_special_file_is_an_error(tmp_path: Path) -> None:
    """A FIFO (which would block a read) is a PackageError, not a hang."""
    write_tree(tmp_path, {"a.py": b"1"})
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(PackageError, match="not a regular file") as caught:
        ZipPackage.from_directory(tmp_path)
    assert caught.value.path == str(tmp_path / "pipe")


def test_unreadable_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read error on a file is a PackageError naming the file, chained to the OSError."""
    write_tree(tmp_path, {"a.py": b"1", "b.py": b"2"})
    real_open = Path.open

    def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "b.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(PackageError, match="Permission denied") as caught:
        ZipPackage.from_directory(tmp_path)
    assert caught.value.path == str(tmp_path / "b.py")
    assert isinstance(caught.value.__cause__, PermissionError)


def test_unlistable_directory_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory that cannot be listed is a PackageError naming it."""
    write_tree(tmp_path, {"a.py": b"1", "locked/b.py": b"2"})
    real_scandir = os.scandir
    locked = str(tmp_path / "locked")

    def deny(path: Any) -> Any:
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    # Root can list anything, so the refusal is simulated where the package lists directories.
    monkeypatch.setattr(os, "scandir", deny)
    with pytest.raises(PackageError, match="cannot list") as caught:
        ZipPackage.from_directory(tmp_path)
    assert isinstance(caught.value.__cause__, PermissionError)


# --- size limit ------------------------------------------------------------------------------


def _stored_zip_of_size(size: int) -> bytes:
    """A valid zip archive of exactly ``size`` bytes: one stored entry of zeros."""
    overhead = len(make_zip({"a": b""}, compression=zipfile.ZIP_STORED))
    data = make_zip({"a": b"\0" * (size - overhead)}, compression=zipfile.ZIP_STORED)
    assert len(data) == size
    return data


def test_over_50_mib_is_a_valid_package_that_goes_through_s3(tmp_path: Path) -> None:
    """An archive past the direct-upload limit is built and read, and says it must be staged."""
    rng = random.Random(50)
    for name in ("a.bin", "b.bin"):  # incompressible: 52 MiB raw
        (tmp_path / "tree" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "tree" / name).write_bytes(rng.randbytes(26 * MIB))
    built = ZipPackage.from_directory(tmp_path / "tree")
    assert built.size > MAX_ZIP_SIZE
    assert not built.fits_direct_upload
    (tmp_path / "code.zip").write_bytes(built.data)
    assert ZipPackage.from_file(tmp_path / "code.zip") == built
    assert ZipPackage.from_bytes(built.data) == built


def test_fits_direct_upload_up_to_exactly_50_mib() -> None:
    """fits_direct_upload is true up to MAX_ZIP_SIZE bytes, false one byte past it."""
    assert ZipPackage.from_bytes(_stored_zip_of_size(MAX_ZIP_SIZE)).fits_direct_upload
    assert not ZipPackage.from_bytes(_stored_zip_of_size(MAX_ZIP_SIZE + 1)).fits_direct_upload
    assert ZipPackage.from_bytes(VALID).fits_direct_upload


def test_the_archive_limit_is_the_unzipped_limit() -> None:
    """A bigger archive could not unpack within Lambda's 250 MiB: that is the limit."""
    assert _package._MAX_ARCHIVE == MAX_UNZIPPED_SIZE == 250 * MIB


def test_archive_over_the_limit_is_refused_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zipping stops as soon as the archive passes the limit, not after the whole tree."""
    # Files that fit the unzipped limit but do not compress past a smaller archive limit show
    # where zipping stops without writing 250 MiB.
    monkeypatch.setattr(_package, "_MAX_ARCHIVE", 2 * MIB)
    rng = random.Random(2)
    for name in ("a.bin", "b.bin", "c.bin"):
        (tmp_path / name).write_bytes(rng.randbytes(MIB + MIB // 2))
    with pytest.raises(PackageError, match=r"could not unpack within Lambda's limit") as caught:
        ZipPackage.from_directory(tmp_path)
    size = int(re.search(r"is ([\d,]+) bytes", str(caught.value))[1].replace(",", ""))  # type: ignore[index]
    assert 2 * MIB < size < 2 * MIB + 128 * 1024  # stopped inside b.bin, not after c.bin
    assert caught.value.path == str(tmp_path)


def test_from_file_too_big_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over 250 MiB is refused from its size alone, without being read."""
    big = tmp_path / "big.zip"
    with big.open("wb") as f:
        f.truncate(MAX_UNZIPPED_SIZE + 1)  # sparse: costs nothing
    monkeypatch.setattr(Path, "open", lambda *_a, **_k: pytest.fail("read the file"))
    with pytest.raises(PackageError, match="262,144,001 bytes, over 262,144,000") as caught:
        ZipPackage.from_file(big)
    assert caught.value.path == str(big)


def test_from_bytes_too_big_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes over the limit are refused from their length, before being opened as a zip."""
    monkeypatch.setattr(_package, "_MAX_ARCHIVE", 1000)
    monkeypatch.setattr(zipfile, "is_zipfile", lambda _: pytest.fail("opened"))
    with pytest.raises(PackageError, match="is 1,001 bytes, over 1,000"):
        ZipPackage.from_bytes(_stored_zip_of_size(1001))


# --- from_file / from_bytes ------------------------------------------------------------------


VALID = make_zip({"index.py": b"def handler(e, c): pass\n"})


def _corrupt_central_directory(data: bytes) -> bytes:
    at = data.rindex(b"PK\x01\x02")
    return data[:at] + b"PK\x09\x09" + data[at + 4 :]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not a zip"),
        (b"hello, world\n", "not a zip"),
        (VALID[: len(VALID) // 2], "not a zip"),  # truncated: end record gone
        (VALID[:-1], "not a zip"),
        (_corrupt_central_directory(VALID), "corrupt"),
        (make_zip({}), "empty"),
    ],
    ids=["empty-bytes", "text", "truncated-half", "truncated-end", "bad-central-dir", "no-entries"],
)
def test_from_bytes_and_from_file_reject_bad_archives(
    tmp_path: Path, data: bytes, message: str
) -> None:
    """Not-a-zip, truncated and corrupt archives are PackageErrors from bytes and from files."""
    with pytest.raises(PackageError, match=message):
        ZipPackage.from_bytes(data)
    path = tmp_path / "bad.zip"
    path.write_bytes(data)
    with pytest.raises(PackageError, match=message) as caught:
        ZipPackage.from_file(path)
    assert caught.value.path == str(path)


def test_corrupt_central_directory_passes_is_zipfile() -> None:
    """The corrupt fixture really needs the open check: is_zipfile alone accepts it."""
    assert zipfile.is_zipfile(io.BytesIO(_corrupt_central_directory(VALID)))


def test_from_bytes_and_from_file_accept_a_zip(tmp_path: Path) -> None:
    """A valid zip is kept byte for byte, from bytes, bytearray, memoryview or a file."""
    path = tmp_path / "code.zip"
    path.write_bytes(VALID)
    packages = [
        ZipPackage.from_bytes(VALID),
        ZipPackage.from_bytes(bytearray(VALID)),
        ZipPackage.from_bytes(memoryview(VALID)),
        ZipPackage.from_file(path),
        ZipPackage.from_file(str(path)),
    ]
    for package in packages:
        assert package.data == VALID
        assert type(package.data) is bytes
        assert package == packages[0]
        assert hash(package) == hash(packages[0])
    assert packages[3].source == str(path)


def test_from_file_errors_name_the_path(tmp_path: Path) -> None:
    """A missing path, a directory or a FIFO given to from_file is a PackageError naming it."""
    os.mkfifo(tmp_path / "pipe.zip")
    for path in (tmp_path / "missing.zip", tmp_path, tmp_path / "pipe.zip"):
        with pytest.raises(PackageError) as caught:
            ZipPackage.from_file(path)
        assert caught.value.path == str(path)


def test_from_bytes_rejects_non_bytes() -> None:
    """A str is not zip data."""
    with pytest.raises(PackageError, match="bytes"):
        ZipPackage.from_bytes("PK..." + "x")  # type: ignore[arg-type]


def test_constructor_validates_too() -> None:
    """ZipPackage(data=...) checks the data like from_bytes."""
    with pytest.raises(PackageError, match="not a zip"):
        ZipPackage(data=b"nope")


def test_package_is_immutable() -> None:
    """A package cannot be changed after construction."""
    package = ZipPackage.from_bytes(VALID)
    with pytest.raises(AttributeError):
        package.data = b""  # type: ignore[misc]


def test_repr_and_str_never_show_the_bytes(tmp_path: Path) -> None:
    """repr/str show size, CodeSha256 and source, never the archive bytes."""
    data = make_zip({"secret.txt": b"API_KEY=hunter2"}, compression=zipfile.ZIP_STORED)
    assert b"hunter2" in data
    path = tmp_path / "s.zip"
    path.write_bytes(data)
    for package in (ZipPackage.from_bytes(data), ZipPackage.from_file(path)):
        for text in (repr(package), str(package), f"{package!r}", repr([package])):
            assert "hunter2" not in text
            assert "PK" not in text
            assert "\\x" not in text
            assert str(len(data)) in text
            assert package.code_sha256 in text
    assert str(path) in repr(ZipPackage.from_file(path))


# --- supplied archives: names, duplicates, sizes and data ----------------------------------

_FIXED = (1980, 1, 1, 0, 0, 0)


def _zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive of ``members`` in order; unlike make_zip it may repeat a name."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of a duplicate name
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=_FIXED)
                archive.writestr(info, data, compress_type=compression)
    return buffer.getvalue()


# Offsets of fields in a central directory record (APPNOTE 4.3.12).
_FLAGS, _METHOD, _CRC, _UNZIPPED_SIZE = (8, "<H"), (10, "<H"), (16, "<I"), (24, "<I")


def _patch(data: bytes, field: tuple[int, str], value: int, entry: int = 0) -> bytes:
    """``data`` with one field of its ``entry``-th central directory record set to ``value``."""
    at = -1
    for _ in range(entry + 1):
        at = data.index(b"PK\x01\x02", at + 1)
    start = at + field[0]
    packed = struct.pack(field[1], value)
    return data[:start] + packed + data[start + len(packed) :]


def _refused(data: bytes, match: str) -> PackageError:
    """The PackageError ``data`` gets from from_bytes, checked against ``match``."""
    with pytest.raises(PackageError, match=match) as caught:
        ZipPackage.from_bytes(data)
    return caught.value


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../../x.py", r"'\.\.' part"),
        ("lib/../../x.py", r"'\.\.' part"),
        ("..", r"'\.\.' part"),
        ("..\\..\\x.py", r"'\.\.' part"),
        ("lib\\..\\..\\x.py", r"'\.\.' part"),
        ("/etc/x.py", "absolute"),
        ("\\etc\\x.py", "absolute"),
        ("C:\\x.py", "drive letter"),
        ("c:/x.py", "drive letter"),
        ("C:x.py", "drive letter"),
        ("", "empty"),
    ],
)
def test_supplied_zip_with_an_unsafe_name_is_refused(tmp_path: Path, name: str, rule: str) -> None:
    """A name that could unpack outside the code directory is refused, naming the entry."""
    data = _zip([("ok.py", b"1"), (name, b"2")])
    assert name in zipfile.ZipFile(io.BytesIO(data)).namelist()  # zipfile kept it as written
    error = _refused(data, rule)
    assert str(error).startswith(f"entry {name!r}: ")
    path = tmp_path / "code.zip"
    path.write_bytes(data)
    with pytest.raises(PackageError, match=rule) as caught:
        ZipPackage.from_file(path)
    assert caught.value.path == str(path)


def test_supplied_zip_with_a_nul_in_a_name_is_refused() -> None:
    """A name with a NUL byte (where tools disagree on its end) is refused."""
    data = _zip([("a_b.py", b"1")]).replace(b"a_b.py", b"a\0b.py")
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["a"]  # what zipfile would unpack
    _refused(data, r"entry 'a\\x00b\.py': the name contains a NUL")


def test_supplied_zip_with_relative_names_is_accepted() -> None:
    """Dots inside names, a directory entry, './' and hidden files are all fine."""
    names = ["..a.py", "a..b/c.py", "lib/", "lib/x.py", "./y.py", "x/.hidden", "x/a\\b.py"]
    package = ZipPackage.from_bytes(_zip([(n, b"" if n.endswith("/") else b"1") for n in names]))
    assert [i.orig_filename for i in infos(package)] == names


def test_shutil_make_archive_output_is_accepted(tmp_path: Path) -> None:
    """A zip from the standard tools (directory entries included) passes every check."""
    write_tree(tmp_path / "src", TREE)
    archive = shutil.make_archive(str(tmp_path / "code"), "zip", tmp_path / "src")
    package = ZipPackage.from_file(archive)
    assert {k: v for k, v in entries(package).items() if not k.endswith("/")} == TREE


@pytest.mark.parametrize("names", [("a.py", "a.py"), ("lib/a.py", "lib\\a.py")])
def test_supplied_zip_with_a_name_twice_is_refused(names: tuple[str, str]) -> None:
    """Two entries with one name (a backslash counting as a slash) are refused."""
    error = _refused(_zip([(names[0], b"1"), ("b.py", b"2"), (names[1], b"3")]), "twice")
    assert str(error).startswith(f"entry {names[1]!r}: ")


def test_encrypted_entry_is_refused() -> None:
    """An entry marked encrypted cannot be unpacked by Lambda."""
    _refused(_patch(_zip([("a.py", b"1")]), _FLAGS, 0x1), "'a.py': is encrypted")


@pytest.mark.parametrize(
    ("data", "method"),
    [
        (_zip([("a.py", b"x" * 100)], zipfile.ZIP_BZIP2), 12),
        (_zip([("a.py", b"x" * 100)], zipfile.ZIP_LZMA), 14),
        (_patch(_zip([("a.py", b"x" * 100)]), _METHOD, 9), 9),  # deflate64
    ],
    ids=["bzip2", "lzma", "deflate64"],
)
def test_compression_other_than_stored_or_deflated_is_refused(data: bytes, method: int) -> None:
    """Only stored and deflated entries are accepted."""
    _refused(data, f"'a.py': compression method {method} is not stored")


def _stored_hello() -> bytes:
    return _zip([("a.py", b"hello world" * 10)], zipfile.ZIP_STORED)


def _deflated_garbage() -> bytes:
    data = _zip([("a.py", b"hello world" * 100)])
    (info,) = zipfile.ZipFile(io.BytesIO(data)).infolist()
    start = 30 + len("a.py")  # after the local header, which has no extra field here
    # 0xff starts a block of the reserved type 3: invalid deflate data.
    return data[:start] + b"\xff" * info.compress_size + data[start + info.compress_size :]


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (_stored_hello().replace(b"hello world", b"hello wurld", 1), "CRC-32 does not match"),
        (_patch(_stored_hello(), _CRC, 12345), "CRC-32 does not match"),
        (_deflated_garbage(), "corrupt data: Error -3 while decompressing data"),
        (_stored_hello().replace(b"PK\x03\x04", b"PK\x03\x05", 1), "local header is damaged"),
        (_stored_hello().replace(b"a.py", b"b.py", 1), "does not match the central directory"),
        (_patch(_stored_hello(), _UNZIPPED_SIZE, 120), "unpacks to 110 bytes, not the 120"),
        (_patch(_stored_hello(), _UNZIPPED_SIZE, 100), "more than the 100 bytes it declares"),
    ],
    ids=["content", "crc", "deflate", "local-magic", "local-name", "shorter", "longer"],
)
def test_corrupt_entry_data_is_refused(tmp_path: Path, data: bytes, rule: str) -> None:
    """Data that does not match its entry (CRC, size, local header, stream) is refused."""
    zipfile.ZipFile(io.BytesIO(data)).close()  # the central directory itself is fine
    error = _refused(data, rule)
    assert str(error).startswith("entry 'a.py': ")
    assert "hello" not in str(error)


def test_declared_unzipped_size_over_the_limit_is_refused_from_the_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Declared sizes adding up past 262,144,000 bytes are refused before any decompression."""
    data = _patch(_zip([("a.py", b"1"), ("b.bin", b"2")]), _UNZIPPED_SIZE, MAX_UNZIPPED_SIZE, 1)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *_a, **_k: pytest.fail("decompressed"))
    error = _refused(data, "262,144,001 bytes here; Lambda's limit for unzipped code")
    assert str(error).startswith("entry 'b.bin': ")


def test_declared_unzipped_size_at_the_limit_passes_the_directory_check() -> None:
    """Exactly 262,144,000 declared bytes is within the limit; only the lie about size is found."""
    data = _patch(_zip([("a.py", b"1")]), _UNZIPPED_SIZE, MAX_UNZIPPED_SIZE)
    _refused(data, "unpacks to 1 bytes, not the 262,144,000 it declares")


@functools.cache
def _zip_bomb() -> bytes:
    """One entry of 300 MiB of zeros, honestly declared: about 300 KiB zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("zeros.bin", date_time=_FIXED)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as entry:
            zeros = bytes(MIB)
            for _ in range(300):  # in chunks: the test never holds 300 MiB
                entry.write(zeros)
    return buffer.getvalue()


def test_zip_bomb_is_refused_from_its_declared_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 MiB of zeros in a 300 KiB zip is refused without decompressing it."""
    bomb = _zip_bomb()
    assert len(bomb) < MIB
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *_a, **_k: pytest.fail("decompressed"))
    _refused(bomb, "'zeros.bin': the declared sizes reach 314,572,800 bytes")


def test_zip_bomb_declaring_a_small_size_is_stopped_one_byte_past_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An entry declaring 1,000 bytes but holding 300 MiB is refused after 1,001 bytes."""
    bomb = _patch(_zip_bomb(), _UNZIPPED_SIZE, 1000)
    produced: list[int] = []
    real_read = zipfile.ZipExtFile.read

    def counting_read(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        data = real_read(self, n)
        produced.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    _refused(bomb, "'zeros.bin': unpacks to more than the 1,000 bytes it declares")
    assert sum(produced) == 1001


def test_directory_over_the_unzipped_limit_is_refused_before_compressing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files adding up past 262,144,000 bytes are refused while collecting, before zipping."""
    for name in ("a.bin", "b.bin"):
        with (tmp_path / name).open("wb") as f:
            f.truncate(MAX_UNZIPPED_SIZE // 2 + 1)  # sparse: costs nothing
    monkeypatch.setattr(_package, "_write_zip", lambda *_a: pytest.fail("compressed"))
    with pytest.raises(PackageError, match="more than 262,144,000 bytes") as caught:
        ZipPackage.from_directory(tmp_path)
    assert caught.value.path == str(tmp_path)
    assert "Lambda's limit for unzipped code" in str(caught.value)


def test_directory_at_the_unzipped_limit_goes_on_to_be_zipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files adding up to exactly 262,144,000 bytes are within the limit."""
    for name, size in (("a.bin", MAX_UNZIPPED_SIZE - 10), ("b.bin", 10)):
        with (tmp_path / name).open("wb") as f:
            f.truncate(size)
    zipped: list[int] = []

    def write_zip(files: list[Any], *args: object) -> bytes:
        zipped.append(len(files))
        return VALID

    monkeypatch.setattr(_package, "_write_zip", write_zip)
    ZipPackage.from_directory(tmp_path)
    assert zipped == [2]


# --- arguments of the wrong kind -------------------------------------------------------------


def _any(value: object) -> Any:
    """``value``, hidden from the type checker: these tests pass what the signatures forbid."""
    return value


_zip_dir = ZipPackage.from_directory


class _BadPathLike:
    def __fspath__(self) -> Any:
        return 5


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda _: S3Location.parse(_any(None)), "^S3 location: must be a string .* NoneType$"),
        (lambda _: S3Location.parse(_any(b"s3://b/k")), "^S3 location: .* not bytes$"),
        (lambda _: S3Location(_any(None), "key"), "^bucket: must be a string, not NoneType$"),
        (lambda _: S3Location("bucket", _any(5)), "^key: must be a string, not int$"),
        (lambda _: S3Location("bucket", "k", _any(5)), "^version: must be a string, not int$"),
        (lambda _: ContainerImage(_any(None)), "^image URI: must be a string, not NoneType$"),
        (lambda _: ContainerImage(_any(5)), "^image URI: must be a string, not int$"),
        (lambda _: ZipPackage.from_file(_any(None)), "^path: must be a str or os.PathLike"),
        (lambda _: ZipPackage.from_file(_any(b"a.zip")), "^path: .* not bytes$"),
        (lambda _: ZipPackage.from_file(""), "^path: must not be empty$"),
        (lambda _: ZipPackage.from_file("a\0b"), "^path 'a\\\\x00b': must not contain a NUL"),
        (lambda _: ZipPackage.from_file(_BadPathLike()), "^path: .*__fspath__"),
        (lambda _: ZipPackage.from_directory(_any(None)), "^path: must be a str or os.PathLike"),
        (lambda _: ZipPackage.from_directory(""), "^path: must not be empty$"),
        (lambda _: ZipPackage.from_directory("a\0b"), "^path 'a\\\\x00b': must not contain a NUL"),
        # The directory does not exist: the exclude argument is refused before it is looked at.
        (lambda p: ZipPackage.from_directory(p, exclude=_any(None)), "^exclude: .* NoneType$"),
        (lambda p: ZipPackage.from_directory(p, exclude=_any(5)), "^exclude: .* not int$"),
        (
            lambda p: ZipPackage.from_directory(p, exclude=_any([5])),
            "^exclude: every pattern .* int$",
        ),
        (lambda p: _zip_dir(p, exclude=["ok", "\\"]), "^exclude '\\\\\\\\': not a valid gitignore"),
        (lambda p: _zip_dir(p, executable=_any(None)), "^executable: .* NoneType$"),
        (lambda p: _zip_dir(p, executable=_any([b"x"])), "^executable: every pattern .* bytes$"),
        (lambda p: _zip_dir(p, executable="!"), "^executable '!': not a valid gitignore pattern$"),
        (lambda p: _zip_dir(p, ignore_file=_any(5)), "^ignore_file: must be a file name or None"),
        (
            lambda p: _zip_dir(p, ignore_file="a/b"),
            "^ignore_file 'a/b': must be the name of a file",
        ),
        (lambda p: _zip_dir(p, ignore_file=""), "^ignore_file '': must be the name of a file"),
        (lambda p: _zip_dir(p, ignore_file=".."), "^ignore_file '..': must be the name of a file"),
        (
            lambda p: _zip_dir(p, default_excludes=_any(1)),
            "^default_excludes: must be True or False",
        ),
        (
            lambda p: _zip_dir(p, on_progress=_any(5)),
            "^on_progress: must be callable or None, not int$",
        ),
        (lambda _: code_source("a\0b"), "^path 'a\\\\x00b': must not contain a NUL"),
        (lambda _: ZipPackage(data=_any("PK")), "^data: must be bytes, not str$"),
        (lambda _: ZipPackage(data=VALID, source=_any(5)), "^source: .* not int$"),
    ],
    ids=[
        "parse-None",
        "parse-bytes",
        "bucket-None",
        "key-int",
        "version-int",
        "image-None",
        "image-int",
        "from_file-None",
        "from_file-bytes",
        "from_file-empty",
        "from_file-NUL",
        "from_file-bad-fspath",
        "from_directory-None",
        "from_directory-empty",
        "from_directory-NUL",
        "exclude-None",
        "exclude-int",
        "exclude-list-of-int",
        "exclude-bad-pattern",
        "executable-None",
        "executable-list-of-bytes",
        "executable-bad-pattern",
        "ignore_file-int",
        "ignore_file-path",
        "ignore_file-empty",
        "ignore_file-dotdot",
        "default_excludes-int",
        "on_progress-int",
        "code_source-NUL",
        "data-str",
        "source-int",
    ],
)
def test_arguments_of_the_wrong_kind_are_package_errors(
    tmp_path: Path, call: Callable[[Path], object], message: str
) -> None:
    """A wrong type, an empty path or a NUL byte is a PackageError naming the parameter."""
    with pytest.raises(PackageError, match=message) as caught:
        call(tmp_path / "missing")
    assert caught.value.path is None


# --- file system errors ----------------------------------------------------------------------

_READERS: list[Callable[[Path], object]] = [
    ZipPackage.from_file,
    ZipPackage.from_directory,
    code_source,
]
_READER_IDS = ["from_file", "from_directory", "code_source"]


@pytest.mark.parametrize("read", _READERS, ids=_READER_IDS)
def test_name_too_long_is_a_package_error(tmp_path: Path, read: Callable[[Path], object]) -> None:
    """A path part over 255 characters (ENAMETOOLONG) is a PackageError naming the path."""
    path = tmp_path / ("x" * 300) / "code"
    with pytest.raises(PackageError, match="cannot read: File name too long") as caught:
        read(path)
    assert caught.value.path == str(path)
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.__cause__.errno == errno.ENAMETOOLONG


@pytest.mark.parametrize("read", _READERS, ids=_READER_IDS)
def test_symbolic_link_loop_is_a_package_error(
    tmp_path: Path, read: Callable[[Path], object]
) -> None:
    """A path through a loop of links (ELOOP) says so, not 'no such file'."""
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(PackageError, match="cannot read: Too many levels of symbolic links"):
        read(tmp_path / "a")


@pytest.mark.parametrize("read", _READERS, ids=_READER_IDS)
def test_unreadable_parent_directory_is_a_package_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read: Callable[[Path], object]
) -> None:
    """EACCES looking a path up is a PackageError naming it, chained to the OSError."""
    target = tmp_path / "locked" / "code"
    real_stat = Path.stat

    def deny(self: Path, **kwargs: Any) -> os.stat_result:
        if self == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    # Root may look anywhere, so the refusal is simulated where the package looks paths up.
    monkeypatch.setattr(Path, "stat", deny)
    with pytest.raises(PackageError, match="cannot read: Permission denied") as caught:
        read(target)
    assert caught.value.path == str(target)
    assert isinstance(caught.value.__cause__, PermissionError)


# --- S3Location ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bucket", "key", "version"),
    [
        ("abc", "k", None),
        ("my-bucket.example_1", "path/to/code.zip", "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"),
        ("A" * 63, "k" * 1024, "v" * 1024),
        ("b-_", "k", None),
    ],
)
def test_s3_location_valid(bucket: str, key: str, version: str | None) -> None:
    """Buckets of 3-63 allowed characters, keys and versions of 1-1024 characters are accepted."""
    location = S3Location(bucket, key, version)
    assert (location.bucket, location.key, location.version) == (bucket, key, version)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("ab", "k"), "bucket"),
        (("a" * 64, "k"), "bucket"),
        (("bucket.", "k"), "bucket"),
        (("bu cket", "k"), "bucket"),
        (("bucket/x", "k"), "bucket"),
        (("bucket\n", "k"), "bucket"),
        (("bucket", ""), "key"),
        (("bucket", "k" * 1025), "key"),
        (("bucket", "k", ""), "version"),
        (("bucket", "k", "v" * 1025), "version"),
    ],
)
def test_s3_location_invalid(args: tuple[str, ...], field: str) -> None:
    """A constraint violation is a PackageError naming the field."""
    with pytest.raises(PackageError, match=f"^{field} "):
        S3Location(*args)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("s3://bucket/key.zip", S3Location("bucket", "key.zip")),
        ("s3://bucket/a/b/c.zip#v1", S3Location("bucket", "a/b/c.zip", "v1")),
        ("s3://bucket/a#b.zip#v2", S3Location("bucket", "a#b.zip", "v2")),
        ("s3://bucket/dir/", S3Location("bucket", "dir/")),
    ],
)
def test_s3_location_parse(text: str, expected: S3Location) -> None:
    """parse reads s3://bucket/key with an optional #version, and str() gives it back."""
    assert S3Location.parse(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bucket/key", "s3://"),
        ("https://bucket/key", "s3://"),
        ("s3://bucket", "expected s3://bucket/key"),
        ("s3://bucket/", "expected s3://bucket/key"),
        ("s3://bucket/key#", "empty version"),
        ("s3:///key", "bucket"),
        ("s3://b./key", "bucket"),
    ],
)
def test_s3_location_parse_errors(text: str, message: str) -> None:
    """Malformed S3 URLs are PackageErrors saying what is wrong."""
    with pytest.raises(PackageError, match=message):
        S3Location.parse(text)


# --- ContainerImage --------------------------------------------------------------------------

DIGEST = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    "uri",
    [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/my-function:latest",
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com/team/app/fn:v1.2.3-rc_1",
        "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/repo:_tag",
        "123456789012.dkr.ecr.ap-southeast-5.amazonaws.com/a.b_c-d/e__f/g--h:1",
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/repo:latest",
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@{DIGEST}",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:" + "t" * 128,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + "r" * 256 + ":t",
    ],
)
def test_container_image_valid(uri: str) -> None:
    """ECR image URIs by tag or by digest are accepted."""
    assert ContainerImage(uri).uri == uri
    assert str(ContainerImage(uri)) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "my-function:latest",
        "12345678901.dkr.ecr.us-east-1.amazonaws.com/repo:latest",  # 11-digit account
        "1234567890123.dkr.ecr.us-east-1.amazonaws.com/repo:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo",  # neither tag nor digest
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/Repo:latest",  # uppercase
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo--x/:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/-repo:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/a//b:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/a___b:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/a..b:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/a-_b:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/ab-:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/r:latest",  # 1-char repository
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/" + "r" * 257 + ":t",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:" + "t" * 129,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:.tag",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:-tag",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:ta/g",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@sha256:" + "0" * 63,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@sha256:" + "A" * 64,
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@md5:" + "0" * 64,
        "123456789012.dkr.ecr.US-EAST-1.amazonaws.com/repo:latest",
        "123456789012.dkr.ecr.useast1.amazonaws.com/repo:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com.cn/repo:latest",  # wrong partition
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com/repo:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.org/repo:latest",
        "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:latest",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:latest\n",
        "docker.io/library/python:3.11",
    ],
)
def test_container_image_invalid(uri: str) -> None:
    """Anything but an ECR image URI with a tag or sha256 digest is a PackageError."""
    with pytest.raises(PackageError, match="image URI"):
        ContainerImage(uri)


# --- code_source -----------------------------------------------------------------------------


def test_code_source_passes_sources_through() -> None:
    """ZipPackage, S3Location and ContainerImage come back as they are."""
    sources = [
        ZipPackage.from_bytes(VALID),
        S3Location("bucket", "key"),
        ContainerImage("123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:latest"),
    ]
    for source in sources:
        assert code_source(source) is source


def test_code_source_zips_a_directory_and_reads_a_file(tmp_path: Path) -> None:
    """A directory path (str or Path) is zipped; a file path is read as a zip."""
    write_tree(tmp_path / "src", TREE)
    expected = ZipPackage.from_directory(tmp_path / "src")
    for value in (tmp_path / "src", str(tmp_path / "src")):
        result = code_source(value)
        assert isinstance(result, ZipPackage)
        assert result.data == expected.data
    (tmp_path / "code.zip").write_bytes(VALID)
    result = code_source(tmp_path / "code.zip")
    assert isinstance(result, ZipPackage)
    assert result.data == VALID


@pytest.mark.parametrize("value", [None, 42, b"PK", "", ["a"], "s3://bucket/key", "/no/such/path"])
def test_code_source_rejects_anything_else(value: object) -> None:
    """Other values, and paths that do not exist, are PackageErrors."""
    with pytest.raises(PackageError):
        code_source(value)


def test_code_source_hints_at_s3_location_parse() -> None:
    """An S3 URL given as a path points at S3Location.parse."""
    with pytest.raises(PackageError, match=r"S3Location\.parse"):
        code_source("s3://bucket/key")


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_code_source_takes_zip_bytes(kind: Callable[[bytes], object]) -> None:
    """bytes, bytearray or memoryview holding a zip is deployed as ZipPackage.from_bytes."""
    result = code_source(kind(VALID))
    assert isinstance(result, ZipPackage)
    assert result.data == VALID


def test_code_source_names_only_the_type_of_what_it_cannot_deploy() -> None:
    """A value that is no code source is described by its type, never by its repr."""
    with pytest.raises(PackageError, match=r"^cannot deploy a list: expected ") as caught:
        code_source([b"PK" * 1000])
    assert "PK" not in str(caught.value)


# --- property --------------------------------------------------------------------------------

_SEGMENT = st.text(alphabet=st.sampled_from("abcXYZ019_-.é€ "), min_size=1, max_size=8).filter(
    lambda s: s not in {".", ".."}
)
_EXCLUDED_SEGMENT = st.sampled_from(["__pycache__", ".git", ".DS_Store", "m.pyc", "skip.tmp"])
_PATH = st.lists(_SEGMENT | _EXCLUDED_SEGMENT, min_size=1, max_size=4).map("/".join)


def _consistent(files: dict[str, bytes]) -> bool:
    """No path is both a file and a directory."""
    return not any(other.startswith(name + "/") for name in files for other in files)


def _is_excluded(name: str) -> bool:
    """DEFAULT_EXCLUDES and "*.tmp", written out by hand."""
    *folders, leaf = name.split("/")
    anywhere = {".git", ".DS_Store"}
    return (
        any(p in anywhere | {"__pycache__"} or p.endswith((".pyc", ".tmp")) for p in folders)
        or leaf in anywhere
        or leaf.endswith((".pyc", ".tmp"))
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    files=st.dictionaries(_PATH, st.binary(max_size=300), min_size=1, max_size=12).filter(
        _consistent
    ),
    executable=st.sets(st.integers(0, 11)),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_tree_packages_identically_and_completely(
    files: dict[str, bytes], executable: set[int], seed: int
) -> None:
    """Any tree zips to the same bytes twice and from a shuffled copy, listing exactly its files."""
    expected = {n: c for n, c in files.items() if not _is_excluded(n)}
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp, "first"), Path(tmp, "second")
        write_tree(first, files)
        order = list(files)
        random.Random(seed).shuffle(order)
        write_tree(second, files, order=order)
        for i, name in enumerate(sorted(files)):
            if i in executable:
                (first / name).chmod(0o755)
                (second / name).chmod(0o711)
            os.utime(second / name, (seed, seed))
        if not expected:
            with pytest.raises(PackageError, match="no files"):
                ZipPackage.from_directory(first, exclude=["*.tmp"])
            return
        a = ZipPackage.from_directory(first, exclude=["*.tmp"])
        b = ZipPackage.from_directory(first, exclude=["*.tmp"])
        c = ZipPackage.from_directory(second, exclude=["*.tmp"])
        shutil.rmtree(second)
    assert a.data == b.data == c.data
    assert a.code_sha256 == c.code_sha256
    assert entries(a) == expected
    names = [i.filename for i in infos(a)]
    assert names == sorted(expected)
    modes = {i.filename: i.external_attr >> 16 for i in infos(a)}
    for i, name in enumerate(sorted(files)):
        if name in expected:
            assert modes[name] == (0o100755 if i in executable else 0o100644)


_NAME = st.sampled_from(["a", "b", "ab", "a b"])
_TREE = st.dictionaries(
    st.lists(_NAME, min_size=1, max_size=3).map("/".join), st.just(b"x"), min_size=1, max_size=10
).filter(_consistent)
# Patterns that hit the generated names often, and random ones ("[" only in the first kind:
# re warns of nested sets in some of pathspec's translations of a random "[[").
_PATTERN = st.sampled_from(
    ["a", "b", "a/", "/a", "b/", "*/b", "!a", "!b", "!a/b", "a b", "**/ab", "a*", "?b", "[ab]"]
) | st.text(alphabet="ab*?!/ ", min_size=1, max_size=7).filter(_package._valid)


def _folders(name: str) -> list[str]:
    parts = name.split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    files=_TREE,
    ignored=st.lists(_PATTERN, max_size=4),
    excluded=st.lists(_PATTERN, max_size=4),
    executable=st.lists(_PATTERN, max_size=3),
)
def test_what_is_left_out_is_exactly_what_pathspec_excludes(
    files: dict[str, bytes], ignored: list[str], excluded: list[str], executable: list[str]
) -> None:
    """The archive holds exactly the files GitIgnoreSpec does not match, below no matched
    folder (those are not even listed); executable patterns set modes as GitIgnoreSpec matches."""
    spec = pathspec.GitIgnoreSpec.from_lines([*ignored, *excluded])
    # As in git, "dir/**" leaves out what is inside dir, not dir itself: such patterns prune
    # no folder.
    folders = pathspec.GitIgnoreSpec.from_lines(
        [p for p in [*ignored, *excluded] if not p.rstrip().endswith("/**")]
    )
    files = {**files, "ignore": "\n".join(ignored).encode()}
    expected = sorted(
        name
        for name in files
        if not spec.match_file(name) and not any(map(folders.match_file, _folders(name)))
    )
    pruned = {folder for name in files for folder in _folders(name) if folders.match_file(folder)}
    listed: list[str] = []
    real = os.scandir
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        write_tree(Path(tmp), files)

        def scandir(path: Any) -> Any:
            listed.append(os.path.relpath(path, os.path.realpath(tmp)) + "/")
            return real(path)

        patch.setattr(os, "scandir", scandir)
        build = functools.partial(
            ZipPackage.from_directory,
            tmp,
            exclude=excluded,
            ignore_file="ignore",
            default_excludes=False,
            executable=executable,
        )
        if not expected:
            with pytest.raises(PackageError, match="no files"):
                build()
            return
        package = build()
        assert build().data == package.data
    assert [i.filename for i in infos(package)] == expected
    assert not pruned & set(listed)
    make_executable = pathspec.GitIgnoreSpec.from_lines(executable)
    for info in infos(package):
        executable_mode = 0o100755 if make_executable.match_file(info.filename) else 0o100644
        assert info.external_attr >> 16 == executable_mode


@settings(max_examples=200)
@given(name=st.text(st.characters(exclude_characters="/\\\0\n\r"), min_size=1, max_size=12))
def test_the_ignore_file_pattern_matches_exactly_its_name(name: str) -> None:
    """Whatever its name, the pattern that leaves the ignore file out matches it and only it."""
    spec = pathspec.GitIgnoreSpec.from_lines([_package._literal(name)])
    assert spec.match_file(name)
    assert not spec.match_file(f"sub/{name}")
    assert not spec.match_file(name + "x")
    assert not spec.match_file("x" + name)


# Code content as a hostile caller might pass it: it must never reach a message.
_SECRET = b"TOP-SECRET-CODE"


class _Loud:
    """An object whose repr and str are its (large) content."""

    def __repr__(self) -> str:
        return _SECRET.decode() * 1000

    __str__ = __repr__


def _view(data: bytes) -> memoryview:
    return memoryview(data)


def _mutate(data: bytes, changes: list[tuple[int, int]], cut: int) -> bytes:
    buffer = bytearray(data[: max(1, len(data) - cut)])
    for at, byte in changes:
        buffer[at % len(buffer)] = byte
    return bytes(buffer)


_SECRET_ZIPS = st.sampled_from(
    [
        make_zip({"handler.py": _SECRET * 50, "lib/x.py": _SECRET}, compression=method)
        for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    ]
)
_DAMAGED_ZIPS = st.builds(
    _mutate,
    _SECRET_ZIPS,
    st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), max_size=4),
    st.integers(0, 40) | st.just(0),
)
_HOSTILE_DATA: st.SearchStrategy[Any] = st.one_of(
    _DAMAGED_ZIPS,
    _DAMAGED_ZIPS.map(bytearray),
    _DAMAGED_ZIPS.map(_view),
    st.binary(max_size=32).map(lambda b: b + _SECRET + b),
    st.just(_SECRET * 300_000),  # 4.5 MB, not a zip
    st.just(make_zip({"a.py": _SECRET * 300_000})[:-1]),  # a large damaged zip
)
_HOSTILE_VALUES: st.SearchStrategy[Any] = st.one_of(
    _HOSTILE_DATA,
    st.builds(_Loud),
    st.lists(st.just(_SECRET), max_size=2),
    st.dictionaries(st.just("code"), st.just(_SECRET), max_size=1),
    st.none(),
    st.integers(),
)


def _entry_points(tmp: Path) -> list[Callable[[Any], object]]:
    missing = tmp / "missing"
    return [
        code_source,
        ZipPackage.from_bytes,
        lambda v: ZipPackage(data=v),
        lambda v: ZipPackage(data=VALID, source=v),
        ZipPackage.from_file,
        ZipPackage.from_directory,
        lambda v: ZipPackage.from_directory(missing, exclude=v),
        lambda v: ZipPackage.from_directory(missing, executable=v),
        lambda v: ZipPackage.from_directory(missing, ignore_file=v),
        lambda v: ZipPackage.from_directory(missing, on_progress=v),
        lambda v: S3Location(v, "key"),
        lambda v: S3Location("bucket", v),
        lambda v: S3Location("bucket", "key", v),
        S3Location.parse,
        ContainerImage,
    ]


@settings(max_examples=300, deadline=None)
@given(value=_HOSTILE_VALUES, which=st.integers(0, 14))
def test_no_message_holds_the_code_and_every_message_is_short(value: Any, which: int) -> None:
    """Whatever reaches a constructor or parser, only a short PackageError without the data."""
    with tempfile.TemporaryDirectory() as tmp:
        call = _entry_points(Path(tmp))[which]
        try:
            call(value)
        except PackageError as err:
            for text in (str(err), repr(err)):
                assert "TOP-SECRET" not in text
                assert len(text) < 500, text
        # Anything else raised fails the test: every refusal is a PackageError.


def test_long_strings_are_shortened_in_messages() -> None:
    """A huge key, URL or image URI is quoted only in part."""
    calls: list[Callable[[], object]] = [
        lambda: S3Location("bucket", "k" * 100_000),
        lambda: S3Location("b", "k" * 100_000),
        lambda: S3Location.parse("x" * 100_000),
        lambda: S3Location.parse("s3://" + "b" * 100_000),
        lambda: ContainerImage("x" * 100_000),
    ]
    for call in calls:
        with pytest.raises(PackageError) as caught:
            call()
        assert len(str(caught.value)) < 500


def test_make_zip_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests' zips are the same bytes at any time (no current time stamped in them)."""
    files = {"index.py": b"x", "lib/a.py": b"y"}
    first = make_zip(files)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # 2033
    assert make_zip(files) == first
    assert make_zip(files, compression=zipfile.ZIP_STORED) != first
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos(ZipPackage.from_bytes(first)))


@functools.cache
def _ecr_repository_pattern() -> str:
    model = botocore.session.get_session().get_service_model("ecr")
    return str(model.shape_for("RepositoryName").metadata["pattern"])


@settings(max_examples=300)
@given(name=st.text(alphabet="ab09._-/A", min_size=1, max_size=12))
def test_repository_names_follow_botocores_ecr_pattern(name: str) -> None:
    """A repository name is accepted exactly when ECR's own RepositoryName pattern accepts it."""
    ecr = re.fullmatch(_ecr_repository_pattern(), name) is not None and len(name) >= 2
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}:latest"
    try:
        ContainerImage(uri)
    except PackageError:
        accepted = False
    else:
        accepted = True
    assert accepted == ecr
