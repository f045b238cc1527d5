"""Tests for lambda_code._native: native binaries in a package and the function's architecture."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_code import PackageError, RequestValidationError, ZipPackage
from lambda_code._native import _HEADER, check_architecture, identify, native_binaries
from lambda_code._package import zip_files

MIB = 1024 * 1024


# Minimal headers, field by field as the formats define them.


def elf(machine: int, *, width: int = 2, order: int = 1) -> bytes:
    """An ELF header: e_ident (magic, EI_CLASS, EI_DATA, EI_VERSION, padding), e_type, e_machine."""
    endian = "<" if order == 1 else ">"
    ident = b"\x7fELF" + bytes([width, order, 1]) + bytes(9)
    return ident + struct.pack(f"{endian}HHI", 3, machine, 1) + bytes(40)  # ET_DYN: a .so


def mach_o(magic: bytes) -> bytes:
    """A Mach-O header: magic, cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags."""
    order = "<" if magic[0] in {0xCE, 0xCF} else ">"
    return magic + struct.pack(f"{order}iiIIII", 0x0100000C, 0, 6, 0, 0, 0) + bytes(4)


def universal(count: int, magic: bytes = b"\xca\xfe\xba\xbe") -> bytes:
    """A universal (fat) header: magic, nfat_arch, then one fat_arch per slice."""
    slices = b"".join(struct.pack(">iiIII", 0x01000007, 3, 4096, 1000, 12) for _ in range(count))
    return magic + struct.pack(">I", count) + slices


def java_class(major: int, minor: int = 0) -> bytes:
    """A class file: magic, minor and major version, then the start of its constant pool."""
    return b"\xca\xfe\xba\xbe" + struct.pack(">HHH", minor, major, 20) + bytes(32)


def pe(e_lfanew: int = 0x80, signature: bytes = b"PE\0\0") -> bytes:
    """A DOS header whose e_lfanew points at the PE signature and COFF header."""
    dos = b"MZ" + bytes(0x3A) + struct.pack("<I", e_lfanew)
    return dos + bytes(e_lfanew - len(dos)) + signature + struct.pack("<HH", 0x8664, 3) + bytes(16)


X86_64 = elf(62)
ARM64 = elf(183)


# --- identify ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (X86_64, "x86_64"),
        (ARM64, "arm64"),
        (elf(3, width=1), "elf:3"),  # i386
        (elf(40, width=1), "elf:40"),  # 32-bit ARM
        (elf(62, width=1), "elf:62"),  # x32: x86_64 instructions, 32-bit: not Lambda's
        (elf(183, order=2), "elf:183"),  # big-endian AArch64: not Lambda's
        (elf(243), "elf:243"),  # RISC-V
        (mach_o(b"\xcf\xfa\xed\xfe"), "macos"),
        (mach_o(b"\xce\xfa\xed\xfe"), "macos"),
        (mach_o(b"\xfe\xed\xfa\xcf"), "macos"),
        (mach_o(b"\xfe\xed\xfa\xce"), "macos"),
        (universal(2), "macos"),
        (universal(1, b"\xca\xfe\xba\xbf"), "macos"),
        (universal(44), "macos"),
        (java_class(45), None),  # JDK 1.1
        (java_class(65), None),  # Java 21
        (java_class(52, minor=3), None),
        (pe(), "windows"),
        (pe(0x100), "windows"),
        (pe(signature=b"NE\0\0"), None),  # a 16-bit DOS/Windows program, not PE
        (b"MZ" + bytes(100), None),  # e_lfanew 0: no PE header
        (b"\x7fELF\x02", None),  # too short to say
        (b"\x7fELF" + bytes([3, 1]) + bytes(20), None),  # no such EI_CLASS: not ELF after all
        (b"#!/bin/sh\nexec python3 handler.py\n", None),
        (b"", None),
    ],
)
def test_identify(header: bytes, kind: str | None) -> None:
    """Each header is told by its magic number and the fields that say what it runs on."""
    assert identify(header) == kind


@settings(max_examples=300)
@given(count=st.integers(1, 44), major=st.integers(45, 0xFFFF), minor=st.integers(0, 0xFFFF))
def test_universal_binaries_and_class_files_are_told_apart(
    count: int, major: int, minor: int
) -> None:
    """CAFEBABE followed by a small count is a universal binary; by a class version, not."""
    assert identify(universal(count)) == "macos"
    assert identify(java_class(major, minor)) is None


_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba")


@settings(max_examples=500)
@given(data=st.binary(max_size=300))
def test_random_content_without_a_magic_number_is_never_a_binary(data: bytes) -> None:
    """Bytes that start with no magic number are never taken for a binary."""
    if data.startswith((*_MAGIC, b"MZ")):
        return
    assert identify(data) is None


@settings(max_examples=300)
@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\x00\x7f")))
def test_text_is_never_a_binary(text: str) -> None:
    """Source files, scripts and data in UTF-8 are never taken for a binary."""
    assert identify(text.encode()) is None


@settings(max_examples=500)
@given(prefix=st.sampled_from([*_MAGIC, b"MZ"]), rest=st.binary(max_size=200))
def test_any_bytes_after_a_magic_number_give_a_kind_or_none(prefix: bytes, rest: bytes) -> None:
    """A damaged or truncated header never raises: it is some kind, or no binary."""
    kind = identify(prefix + rest)
    assert kind is None or kind in {"x86_64", "arm64", "macos", "windows"} or kind[:4] == "elf:"


# --- native_binaries --------------------------------------------------------------------------

TREE = {
    "handler.py": b"def handler(event, context):\n    return 1\n",
    "bootstrap": X86_64 + b"\0" * 500,
    "lib/_speedups.cpython-312-x86_64-linux-gnu.so": X86_64,
    "lib/_arm.so": ARM64,
    "lib/_mac.so": mach_o(b"\xcf\xfa\xed\xfe"),
    "lib/universal.dylib": universal(2),
    "lib/tool.exe": pe(),
    "lib/Main.class": java_class(61),
    "tiny": b"\x7fE",
}


def test_native_binaries_names_each_binary_and_what_it_runs_on() -> None:
    """Every binary entry is listed with its kind; sources, class files and tiny files are not."""
    package = ZipPackage.from_bytes(zip_files(TREE))
    assert package.native_binaries() == {
        "bootstrap": "x86_64",
        "lib/_arm.so": "arm64",
        "lib/_mac.so": "macos",
        "lib/_speedups.cpython-312-x86_64-linux-gnu.so": "x86_64",
        "lib/tool.exe": "windows",
        "lib/universal.dylib": "macos",
    }
    assert package.native_binaries() == native_binaries(package.data)


def test_native_binaries_is_a_fresh_dict_each_time() -> None:
    """Changing the returned dict changes nothing the next caller sees."""
    package = ZipPackage.from_bytes(zip_files({"bootstrap": ARM64}))
    package.native_binaries().clear()
    assert package.native_binaries() == {"bootstrap": "arm64"}


class _CountingBuffer(io.BytesIO):
    """An in-memory file that counts the bytes read from it."""

    read_so_far = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        type(self).read_so_far += len(data)
        return data


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_only_headers_are_read(monkeypatch: pytest.MonkeyPatch, compression: int) -> None:
    """A 20 MiB entry costs a few KiB: only its first bytes are read, stored or deflated."""
    big = X86_64 + random.Random(7).randbytes(20 * MIB)
    package = ZipPackage.from_bytes(
        zip_files({"big.so": big, "a.py": b"x = 1\n"}, compression=compression)
    )
    # Every byte native_binaries reads comes from the buffer it opens around the archive.
    monkeypatch.setattr(_CountingBuffer, "read_so_far", 0)
    monkeypatch.setattr(io, "BytesIO", _CountingBuffer)
    assert native_binaries(package.data) == {"big.so": "x86_64"}
    # The entries' first bytes, the central directory and its end record: a few KiB.
    assert 0 < _CountingBuffer.read_so_far < 4 * _HEADER + 64 * 1024


# --- check_architecture -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "architectures"),
    [
        ({"bootstrap": X86_64, "lib/a.so": X86_64}, ("x86_64",)),
        ({"bootstrap": ARM64}, ["arm64"]),
        ({"handler.py": b"print(1)", "Main.class": java_class(61)}, ("arm64",)),
        ({"a.so": ARM64, "b.so": X86_64}, ("x86_64", "arm64")),
    ],
)
def test_matching_or_no_binaries_pass(files: dict[str, bytes], architectures: Any) -> None:
    """Binaries built for the function's architecture, or none at all, pass the check."""
    check_architecture(ZipPackage.from_bytes(zip_files(files)), architectures)


def test_a_mismatch_names_the_files_and_the_architecture(tmp_path: Any) -> None:
    """The error names the first few foreign files, how many more, and how to override."""
    (tmp_path / "code.zip").write_bytes(zip_files(TREE))
    package = ZipPackage.from_file(tmp_path / "code.zip")
    with pytest.raises(PackageError) as caught:
        check_architecture(package, ["arm64"])
    message = str(caught.value)
    assert message == (
        f"{tmp_path / 'code.zip'}: native code that cannot run on the function's architecture "
        "(arm64): 'bootstrap' (x86_64), 'lib/_mac.so' (macos), "
        "'lib/_speedups.cpython-312-x86_64-linux-gnu.so' (x86_64) and 1 more. Build it for "
        "arm64, or deploy anyway with check_architecture=False (--no-arch-check)"
    )
    assert caught.value.path == str(tmp_path / "code.zip")


def test_macos_and_windows_binaries_never_match() -> None:
    """Mach-O and PE files never run on Lambda, whatever the architecture."""
    package = ZipPackage.from_bytes(zip_files({"a.dylib": universal(2), "b.dll": pe()}))
    for architecture in ("x86_64", "arm64"):
        with pytest.raises(PackageError, match=r"'a.dylib' \(macos\), 'b.dll' \(windows\)\. "):
            check_architecture(package, [architecture])


def test_windows_launchers_are_let_through_but_not_windows_libraries() -> None:
    """setuptools and pip ship .exe launchers nothing on Lambda runs; a .pyd is a wrong wheel."""
    launchers = {"setuptools/cli-64.exe": pe(), "pip/_vendor/distlib/t64.EXE": pe()}
    check_architecture(ZipPackage.from_bytes(zip_files(launchers)), ["x86_64"])
    with_library = ZipPackage.from_bytes(zip_files({**launchers, "_speedups.pyd": pe()}))
    with pytest.raises(PackageError, match=r"'_speedups.pyd' \(windows\)") as caught:
        check_architecture(with_library, ["x86_64"])
    assert ".exe" not in str(caught.value).lower()


def test_a_long_name_is_cut_in_the_message() -> None:
    """However long the entry names, the message stays short."""
    files = {f"{'d' * 200}/{i}.so": ARM64 for i in range(50)}
    with pytest.raises(PackageError, match="and 47 more") as caught:
        check_architecture(ZipPackage.from_bytes(zip_files(files)), ("x86_64",))
    assert len(str(caught.value)) < 500


@pytest.mark.parametrize(
    ("architectures", "rule"),
    [
        ("x86_64", r"must be a list of architectures such as \['x86_64'\], not str"),
        (None, "not NoneType"),
        ({"x86_64"}, "not set"),
        ((), "must be a non-empty list"),
        ([62], "must be a non-empty list of strings"),
    ],
)
def test_architectures_must_be_a_list_of_names(architectures: Any, rule: str) -> None:
    """A bare string, a non-sequence or an empty list is refused before anything is read."""
    package = ZipPackage.from_bytes(zip_files({"a.so": ARM64}))
    with pytest.raises(RequestValidationError, match=rule) as caught:
        check_architecture(package, architectures)
    assert caught.value.field == "architectures"


@settings(max_examples=100, deadline=None)
@given(
    files=st.dictionaries(
        st.text("abc/._", min_size=1, max_size=8).filter(
            lambda n: not n.startswith("/") and ".." not in n.split("/") and "//" not in n
        ),
        st.binary(max_size=200).filter(lambda b: not b.startswith((*_MAGIC, b"MZ"))),
        min_size=1,
        max_size=6,
    ),
    architecture=st.sampled_from(["x86_64", "arm64"]),
)
def test_packages_without_binaries_always_pass(files: dict[str, bytes], architecture: str) -> None:
    """Random non-binary content never triggers the check."""
    try:
        package = ZipPackage.from_bytes(zip_files(files))
    except PackageError:  # a name the package refuses on its own
        return
    assert package.native_binaries() == {}
    check_architecture(package, [architecture])
