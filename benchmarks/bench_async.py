"""The async client: a fleet deploy against the threaded one, and per-call overhead.

Fleet (real time): N functions on ``SimulatedLambda(clock=SystemClock(), update_duration=1.0)``
at the default quotas (control plane 15 requests/s, GetFunction 100 requests/s), set up as in
``bench_fleet.py`` (created with throttling off, then fresh full buckets and zeroed counters),
each run on its own simulator with distinct zip contents. ``AsyncLambdaCodeClient.deploy_many``
(``max_concurrency`` = N, so the limiters alone pace the fleet) against the threaded
``LambdaCodeClient.deploy_many`` at its default ``max_concurrency`` (16) and at N. For each:
seconds against the ideal N / 15 + 1 s (the target of the threaded fleet, <= 1.15x) and against
the floor (N - 15) / 15 + 1 s (the simulator's bucket starts full, so its first 15 calls cost
nothing), API calls, 429s, peak traced memory (``tracemalloc``, started after the setup, so the
deploy's own allocations; thread stacks are not Python allocations and are not in it) and the
peak of ``threading.active_count()`` sampled every 5 ms (the sampler itself left out). Both
clients run under ``tracemalloc``, which slows every allocation alike.

Per call: ``await AsyncLambdaCodeClient(raw).update_function_code(request)`` against
``await raw.update_function_code(**request.to_api())`` on the SAME aiobotocore client (retries
off, fake credentials), answered by a ``before-send`` handler with ``bench_overhead``'s full
(every member of botocore's output shape) and typical (the simulator's) configurations.
Interleaved blocks of calls on one event loop, order alternating per round; the best block of
each side and their ratio (target <= 1.05, as for the blocking client), medians alongside.

Run: ``python benchmarks/bench_async.py [--quick]``; or import and call ``run()``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
import tracemalloc
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Self, cast

import bench_fleet
import bench_overhead
from _common import FAKE_CREDENTIALS, REGION, median, text_table
from aiobotocore.awsrequest import AioAWSResponse
from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from bench_overhead import FUNCTION_NAME, ZIP, full_configuration, typical_configuration
from botocore.awsrequest import HTTPHeaders

from lambda_code import (
    DeployResult,
    DeployTarget,
    FunctionConfiguration,
    LambdaCodeClient,
    UpdateFunctionCodeRequest,
    ZipPackage,
)
from lambda_code.aio import AsyncLambdaCodeClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

    from lambda_code.testing import SimulatedLambda

CONTROL_RATE = bench_fleet.CONTROL_RATE
#: The blocking client's per-call target, for the async client too.
TARGET_RATIO = bench_overhead.TARGET_RATIO
#: The simulator's control-plane bucket starts full: one second of requests costs no time.
BURST = 15
#: ``LambdaCodeClient.deploy_many``'s default.
DEFAULT_CONCURRENCY = 16
FLEET_TARGET = 1.15
SAMPLE_INTERVAL = 0.005


def ideal(n: int) -> float:
    return bench_fleet.ideal(n)


def floor(n: int) -> float:
    """The least a fleet can take: the burst free, the rest at the quota, the last update's 1 s."""
    return max(n - BURST, 0) / CONTROL_RATE + bench_fleet.UPDATE_DURATION


# -- fleet -------------------------------------------------------------------------------------


class ThreadPeak:
    """The most threads alive at once while the block runs, sampled on a thread of its own."""

    def __init__(self, interval: float = SAMPLE_INTERVAL) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._run, name="thread-peak", daemon=True)

    def _sample(self) -> None:
        # The sampler is alive while it samples; it is not the code being measured.
        self.peak = max(self.peak, threading.active_count() - 1)

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> Self:
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._sampler.join()


class Measure:
    """Wall time, peak traced memory and peak thread count of one deploy."""

    seconds = 0.0
    peak_bytes = 0
    peak_threads = 0

    def __enter__(self) -> Self:
        tracemalloc.start()
        self._base = tracemalloc.get_traced_memory()[0]
        self._threads = ThreadPeak().__enter__()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self._start
        self._threads.__exit__()
        self.peak_bytes = tracemalloc.get_traced_memory()[1] - self._base
        tracemalloc.stop()
        self.peak_threads = self._threads.peak


def _targets(n: int, tag: str) -> list[DeployTarget]:
    return [
        DeployTarget(
            function_name=name,
            code=ZipPackage.from_bytes(bench_fleet._code(name, tag)),  # noqa: SLF001
        )
        for name in bench_fleet._names(n)  # noqa: SLF001
    ]


def _fleet_result(
    label: str,
    sim: SimulatedLambda,
    *,
    n: int,
    tag: str,
    results: list[DeployResult | Exception],
    measured: Measure,
) -> dict[str, Any]:
    failures = [r for r in results if not isinstance(r, DeployResult)]
    deployed = sum(
        1
        for name in bench_fleet._names(n)  # noqa: SLF001
        if sim.configuration(name)["CodeSha256"] == bench_fleet.targets_sha(name, tag)
    )
    seconds = measured.seconds
    return {
        "method": label,
        "n": n,
        "seconds": round(seconds, 2),
        "ideal": round(ideal(n), 2),
        "ratio": round(seconds / ideal(n), 3),
        "floor": round(floor(n), 2),
        "floor_ratio": round(seconds / floor(n), 3),
        "failures": len(failures),
        "failure_kinds": sorted({type(f).__name__ for f in failures}),
        "deployed": deployed,
        "peak_mib": round(measured.peak_bytes / 2**20, 1),
        "peak_threads": measured.peak_threads,
        **bench_fleet._counts(sim),  # noqa: SLF001
    }


def run_async_fleet(n: int, max_concurrency: int) -> dict[str, Any]:
    sim = bench_fleet._simulator(n)  # noqa: SLF001
    tag = "async"
    targets = _targets(n, tag)

    async def deploy() -> tuple[list[DeployResult | Exception], Measure]:
        async with sim.aio_client() as raw:
            client = AsyncLambdaCodeClient(raw, clock=sim.clock)
            with Measure() as measured:
                results = await client.deploy_many(targets, max_concurrency=max_concurrency)
        return results, measured

    results, measured = asyncio.run(deploy())
    sim.detach()
    label = f"async deploy_many (max_concurrency {max_concurrency})"
    return _fleet_result(label, sim, n=n, tag=tag, results=results, measured=measured)


def run_threaded_fleet(n: int, max_concurrency: int) -> dict[str, Any]:
    sim = bench_fleet._simulator(n)  # noqa: SLF001
    tag = f"threads-{max_concurrency}"
    targets = _targets(n, tag)
    client = LambdaCodeClient(sim.client, clock=sim.clock)
    with Measure() as measured:
        results = client.deploy_many(targets, max_concurrency=max_concurrency)
    sim.detach()
    label = f"threaded deploy_many (max_concurrency {max_concurrency})"
    return _fleet_result(label, sim, n=n, tag=tag, results=results, measured=measured)


def run_fleet(n: int) -> dict[str, Any]:
    return {
        "n": n,
        "async": run_async_fleet(n, n),
        "threaded_default": run_threaded_fleet(n, DEFAULT_CONCURRENCY),
        "threaded_high": run_threaded_fleet(n, n),
    }


# -- per-call overhead -------------------------------------------------------------------------


class _Body:
    """What aiobotocore reads an answer's body from."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def read(self) -> bytes:
        return self._data


@asynccontextmanager
async def canned_aio_client(config: dict[str, Any]) -> AsyncIterator[Any]:
    """An entered aiobotocore client (retries off) whose every request gets ``config`` back."""
    body = json.dumps(config).encode()

    def answer(request: Any, **_: Any) -> AioAWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["x-amzn-RequestId"] = "c0ffee00-0000-4000-8000-000000000000"
        return AioAWSResponse(request.url, 200, headers, _Body(body))

    session = AioSession()
    async with session.create_client(
        "lambda",
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=FAKE_CREDENTIALS["aws_secret_access_key"],
        config=AioConfig(retries={"total_max_attempts": 1}),
    ) as client:
        # The stubs expect handlers to return None; a before-send handler returns the answer.
        client.meta.events.register("before-send.lambda", cast("Callable[..., None]", answer))
        yield client


async def _block(fn: Callable[[], Awaitable[object]], calls: int) -> float:
    """Seconds per call over ``calls`` awaited calls."""
    start = time.perf_counter()
    for _ in range(calls):
        await fn()
    return (time.perf_counter() - start) / calls


async def _interleave(
    fns: dict[str, Callable[[], Awaitable[object]]], rounds: int, calls: int
) -> dict[str, list[float]]:
    """Seconds per call of each block; blocks interleaved, order rotating per round."""
    for _ in range(max(1, calls // 4)):  # warm every path (botocore caches, first-call costs)
        for fn in fns.values():
            await fn()
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            times[name].append(await _block(fns[name], calls))
    return times


async def _measure_pair(config: dict[str, Any], rounds: int, calls: int) -> dict[str, Any]:
    request = UpdateFunctionCodeRequest(function_name=FUNCTION_NAME, zip_file=ZIP)
    async with canned_aio_client(config) as raw:
        ours = AsyncLambdaCodeClient(raw)
        kwargs = request.to_api()
        assert isinstance(await ours.update_function_code(request), FunctionConfiguration)
        times = await _interleave(
            {
                "raw": lambda: raw.update_function_code(**kwargs),
                "ours": lambda: ours.update_function_code(request),
            },
            rounds,
            calls,
        )
    raw_best, ours_best = min(times["raw"]) * 1e6, min(times["ours"]) * 1e6
    raw_med, ours_med = median(times["raw"]) * 1e6, median(times["ours"]) * 1e6
    return {
        "members": len(config),
        "rounds": rounds,
        "calls_per_round": calls,
        "raw_us": round(raw_best, 1),
        "ours_us": round(ours_best, 1),
        "overhead_us": round(ours_best - raw_best, 1),
        "ratio": round(ours_best / raw_best, 4),
        "raw_median_us": round(raw_med, 1),
        "ours_median_us": round(ours_med, 1),
        "median_ratio": round(ours_med / raw_med, 4),
    }


def run_overhead(quick: bool = False) -> dict[str, Any]:
    rounds, calls = (8, 100) if quick else (30, 200)
    full = asyncio.run(_measure_pair(full_configuration(), rounds, calls))
    typical = asyncio.run(_measure_pair(typical_configuration(), rounds, calls))
    return {"full": full, "typical": typical}


# -- all ---------------------------------------------------------------------------------------


def run(quick: bool = False) -> dict[str, Any]:
    """The overhead first (quiet machine), then the fleets; ``quick``: N = 100, fewer rounds."""
    overhead = run_overhead(quick)
    fleet = run_fleet(100 if quick else 1000)
    return {"fleet": fleet, "overhead": overhead}


FLEET_KEYS = [
    "seconds",
    "ratio",
    "floor_ratio",
    "failures",
    "deployed",
    "calls",
    "throttled",
    "peak_mib",
    "peak_threads",
]
FLEET_METHODS = ("async", "threaded_default", "threaded_high")


def fleet_table(fleet: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = ["method", *FLEET_KEYS]
    return headers, [
        [fleet[m]["method"], *[fleet[m][k] for k in FLEET_KEYS]] for m in FLEET_METHODS
    ]


def overhead_table(overhead: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        "response",
        "raw µs (best / median)",
        "ours µs (best / median)",
        "ratio (best)",
        "ratio (median)",
    ]
    rows = [
        [
            f"{kind} ({r['members']} members)",
            f"{r['raw_us']:.1f} / {r['raw_median_us']:.1f}",
            f"{r['ours_us']:.1f} / {r['ours_median_us']:.1f}",
            f"{r['ratio']:.3f}",
            f"{r['median_ratio']:.3f}",
        ]
        for kind, r in (("full", overhead["full"]), ("typical", overhead["typical"]))
    ]
    return headers, rows


def _print(result: dict[str, Any]) -> Iterator[str]:
    fleet = result["fleet"]
    n = fleet["n"]
    yield (
        f"fleet of {n}: ideal {ideal(n):.2f} s (N/15 + 1), floor {floor(n):.2f} s "
        f"((N - {BURST})/15 + 1)"
    )
    yield text_table(*fleet_table(fleet))
    yield ""
    yield text_table(*overhead_table(result["overhead"]))
    ratio = result["overhead"]["full"]["ratio"]
    status = "met" if ratio <= TARGET_RATIO else "MISSED"
    yield f"target ratio <= {TARGET_RATIO} (full response, best rounds): {status}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 and fewer rounds")
    for line in _print(run(quick=parser.parse_args().quick)):
        print(line)


if __name__ == "__main__":
    main()
