"""Native binaries in a zip package, and whether they run on the function's architecture.

Lambda runs Linux on x86_64 or arm64, and a package "must be compatible with the target
instruction set architecture of the function". An extension module or a ``bootstrap`` built on
a laptop for another machine only fails when Lambda loads it; its first bytes already say what
it runs on:

- ELF (``\\x7fELF``): ``EI_CLASS`` and ``EI_DATA`` give the width and byte order, then
  ``e_machine`` the instruction set: 62 is x86_64, 183 AArch64 (Lambda's ``arm64``). Lambda
  runs only the 64-bit little-endian ones;
- Mach-O (``FEEDFACE``/``FEEDFACF`` in either byte order, or the universal header
  ``CAFEBABE``/``CAFEBABF``) is macOS's, and PE (``MZ`` with ``PE\\0\\0`` at ``e_lfanew``)
  Windows': neither ever runs on Lambda. A Java class file also starts with ``CAFEBABE``; what
  follows tells them apart: a universal header's count of architectures is small, a class
  file's major version is at least 45.

Only the first ``_HEADER`` bytes of each entry are read, never the whole archive.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ._errors import PackageError
from ._validation import fail

if TYPE_CHECKING:
    from ._package import ZipPackage

__all__ = ["check_architecture", "identify", "native_binaries"]

# Enough for every header above: PE's signature sits at e_lfanew, a few hundred bytes in.
_HEADER: Final = 4096
_EM_X86_64: Final = 62
_EM_AARCH64: Final = 183
_MACH_O: Final = frozenset(
    {b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"}
)
_UNIVERSAL: Final = frozenset({b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"})
# The first Java class file version (JDK 1.1); a universal binary never has this many slices.
_CLASS_MAJOR: Final = 45
# How many mismatched files a message names.
_SHOWN: Final = 3


def _elf(header: bytes) -> str | None:
    if len(header) < 20:
        return None
    width, order = header[4], header[5]
    if width not in {1, 2} or order not in {1, 2}:  # not ELF after all
        return None
    machine = int.from_bytes(header[18:20], "little" if order == 1 else "big")
    if width == 2 and order == 1:
        if machine == _EM_X86_64:
            return "x86_64"
        if machine == _EM_AARCH64:
            return "arm64"
    return f"elf:{machine}"


def identify(header: bytes) -> str | None:
    """What the file starting with ``header`` runs on, or None when it is no native binary.

    ``"x86_64"`` or ``"arm64"`` (a 64-bit little-endian Linux ELF file for that architecture),
    ``"elf:<e_machine>"`` (any other ELF file), ``"macos"`` (Mach-O) or ``"windows"`` (PE).
    """
    if header.startswith(b"\x7fELF"):
        return _elf(header)
    magic = header[:4]
    if magic in _MACH_O:
        return "macos"
    if magic in _UNIVERSAL and len(header) >= 8:
        count = int.from_bytes(header[4:8], "big")
        return "macos" if 0 < count < _CLASS_MAJOR else None
    if magic[:2] == b"MZ" and len(header) >= 64:
        at = int.from_bytes(header[0x3C:0x40], "little")
        if at >= 64 and header[at : at + 4] == b"PE\0\0":
            return "windows"
    return None


def native_binaries(data: bytes) -> dict[str, str]:
    """Each entry of the zip archive ``data`` that is a native binary -> what it runs on."""
    found: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.file_size < 4:  # shorter than any magic number
                continue
            with archive.open(info) as entry:
                kind = identify(entry.read(_HEADER))
            if kind is not None:
                found[info.filename] = kind
    return found


def _cut(name: str) -> str:
    return repr(name if len(name) <= 60 else name[:60] + "...")


def check_architecture(package: ZipPackage, architectures: Sequence[str]) -> None:
    """Raise ``PackageError`` if a native binary in ``package`` cannot run on ``architectures``.

    ``architectures`` is the function's ``Architectures`` (``("x86_64",)`` when it sets none).
    The message names the first few such files and what each is built for. Windows ``.exe``
    files are let through: packages such as setuptools and pip ship launchers that nothing on
    Lambda runs, while a ``.pyd`` or ``.dll`` means a wheel built for Windows.
    """
    if isinstance(architectures, str) or not isinstance(architectures, Sequence):
        raise fail(
            "architectures",
            "must be a list of architectures such as ['x86_64'], "
            f"not {type(architectures).__name__}",
        )
    if not architectures or not all(isinstance(a, str) for a in architectures):
        raise fail("architectures", "must be a non-empty list of strings: x86_64 or arm64")
    foreign = [
        (name, kind)
        for name, kind in package.native_binaries().items()
        if kind not in architectures and not (kind == "windows" and name.lower().endswith(".exe"))
    ]
    if not foreign:
        return
    wanted = " or ".join(architectures)
    shown = ", ".join(f"{_cut(name)} ({kind})" for name, kind in foreign[:_SHOWN])
    more = f" and {len(foreign) - _SHOWN} more" if len(foreign) > _SHOWN else ""
    raise PackageError(
        message=f"native code that cannot run on the function's architecture ({wanted}): "
        f"{shown}{more}. Build it for {wanted}, or deploy anyway with "
        "check_architecture=False (--no-arch-check)",
        path=package.source,
    )
