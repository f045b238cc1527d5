"""Benchmark ZipPackage.from_directory against shutil.make_archive on a realistic tree.

The tree: about 2,000 files totalling about 50 MB, a mix of compressible source-like text and
incompressible random bytes (vendored binaries), so the zip stays under Lambda's 50 MiB limit.
Reports the best of 3 interleaved runs for each, their ratio (target <= 1.2), the peak memory
``from_directory`` allocates as seen by ``tracemalloc`` (target <= archive size + 32 MiB),
and the archive size.

Run: ``python benchmarks/bench_package.py [TMPDIR]``; or import and call ``run(tmpdir)``.
"""

from __future__ import annotations

import functools
import platform
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from lambda_code._package import MAX_ZIP_SIZE, ZipPackage

if TYPE_CHECKING:
    from collections.abc import Callable

MIB = 1024 * 1024
TEXT_FILES = 1_800
RANDOM_FILES = 200
RANDOM_BYTES = 40 * 1000 * 1000  # 40 MB incompressible
TEXT_BYTES = 10 * 1000 * 1000  # 10 MB of source-like text
ROUNDS = 3

# Real Python source as the compressible part: it compresses like a Lambda's own code.
_CORPUS = Path(zipfile.__file__).read_bytes()


def make_tree(root: Path, seed: int = 2026) -> int:
    """Write the benchmark tree under ``root``; return its total size in bytes."""
    rng = random.Random(seed)
    total = 0
    for i in range(TEXT_FILES):
        size = TEXT_BYTES // TEXT_FILES
        start = rng.randrange(len(_CORPUS) - size)
        data = _CORPUS[start : start + size]
        path = root / f"pkg{i % 40:02d}" / f"sub{i % 7}" / f"module_{i:04d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
    for i in range(RANDOM_FILES):
        data = rng.randbytes(RANDOM_BYTES // RANDOM_FILES)
        path = root / "vendor" / f"lib{i % 10}" / f"blob_{i:03d}.so"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        total += len(data)
    return total


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(tmpdir: str | Path) -> dict[str, float | int | str]:
    """Build the tree in ``tmpdir`` and return the measurements."""
    tmp = Path(tmpdir)
    tree = tmp / "tree"
    tree_bytes = make_tree(tree)
    files = sum(1 for p in tree.rglob("*") if p.is_file())

    ours: list[float] = []
    theirs: list[float] = []
    for i in range(ROUNDS):  # interleaved, so drift in machine load hits both alike
        ours.append(_time(lambda: ZipPackage.from_directory(tree)))
        theirs.append(
            _time(functools.partial(shutil.make_archive, str(tmp / f"ref{i}"), "zip", tree))
        )

    tracemalloc.start()
    package = ZipPackage.from_directory(tree)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert package.size <= MAX_ZIP_SIZE, "benchmark tree must zip under the 50 MiB limit"

    best_ours, best_theirs = min(ours), min(theirs)
    return {
        "files": files,
        "tree_bytes": tree_bytes,
        "archive_bytes": package.size,
        "shutil_archive_bytes": (tmp / "ref0.zip").stat().st_size,
        "from_directory_s": round(best_ours, 3),
        "make_archive_s": round(best_theirs, 3),
        "ratio": round(best_ours / best_theirs, 3),
        "peak_bytes": peak,
        "peak_over_archive_mib": round((peak - package.size) / MIB, 2),
        "machine": f"{platform.processor() or platform.machine()}, Python {sys.version.split()[0]}",
    }


def main() -> None:
    with tempfile.TemporaryDirectory(dir=sys.argv[1] if len(sys.argv) > 1 else None) as tmp:
        results = run(tmp)
    for key, value in results.items():
        print(f"{key:>24}: {value}")
    ok_ratio = float(results["ratio"]) <= 1.2
    ok_memory = float(results["peak_over_archive_mib"]) <= 32
    print(
        f"{'targets':>24}: ratio<=1.2 {'met' if ok_ratio else 'MISSED'}, "
        f"peak<=archive+32MiB {'met' if ok_memory else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
