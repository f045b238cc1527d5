"""Fleet deploy in real time: ``deploy_many`` at Lambda's quotas, alone and sharing the account.

N functions on ``SimulatedLambda(clock=SystemClock(), update_duration=1.0)`` with the default
quotas (control plane 15 requests/s, GetFunction 100 requests/s, each a token bucket that starts
full with one second's worth); the functions are created with throttling off, then throttling is
switched on with fresh buckets and counters. Every function gets distinct zip contents, so
nothing is skipped as unchanged.

Floor = (N - 15) / 15 + 1 s: the bucket's first 15 requests cost no time, the rest go at the
quota, and the last update takes a second. (The old "ideal", N / 15 + 1 s, is reported beside
it.) With a competing client spending half the control-plane quota, the fair-share floor is
(N - 15) / 7.5 + 1 s.

- ``deploy_many`` with its defaults, for N = 50, 200 and 1,000, each against what people write
  by hand: ``ThreadPoolExecutor(16)`` running ``update_function_code`` then the
  ``function_updated_v2`` waiter, on its own simulator and a botocore client with botocore's
  default retry configuration (standard mode in botocore >= 1.36).
- Sharing the account (N = 200): the same two while another client sends
  ``GetFunctionConfiguration`` at 7.5 requests/s, evenly, from start to end, never retrying
  (its 429s are counted).
- The calls per second of one fleet (N = 200, alone and shared), per API family, for a plot.

Polls are the GetFunction requests after each function's first (``deploy_many`` reads every
function once before updating it; the naive pool does not read, so all its GetFunctions are
polls). Targets: ``deploy_many`` <= 1.03x the floor and no slower than the naive pool in the
same run, 429s <= 1 % of calls; shared: no failure and <= 1.15x the fair-share floor; polls <= 3
per function and, in every second, <= half of GetFunction's quota (50).

Run: ``python benchmarks/bench_fleet.py [--quick]``; or import and call ``run()``.
"""

from __future__ import annotations

import argparse
import bisect
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Self

from _common import NO_RETRIES, botocore_client, text_table
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_code import DeployResult, DeployTarget, LambdaCodeClient, ZipPackage
from lambda_code.testing import SimulatedLambda, SystemClock, make_zip

CONTROL_RATE = 15.0
GET_RATE = 100.0
#: The simulator's buckets start full: one second's worth of requests.
BURST = 15
UPDATE_DURATION = 1.0
NAIVE_CONCURRENCY = 16
SIZES = (50, 200, 1000)
QUICK_SIZES = (20, 50)
SHARED_N = 200
QUICK_SHARED_N = 50
#: The competing client's share of the control-plane quota.
COMPETITOR_SHARE = 0.5
TARGET = 1.03
SHARED_TARGET = 1.15
THROTTLED_PCT_TARGET = 1.0
POLLS_PER_FUNCTION_TARGET = 3.0
POLL_BUDGET = GET_RATE / 2
#: Width of the timeline's bins, seconds.
BIN = 0.5


def ideal(n: int) -> float:
    """The old yardstick: every update at the quota, as if the bucket started empty."""
    return n / CONTROL_RATE + UPDATE_DURATION


def floor(n: int, rate: float = CONTROL_RATE) -> float:
    """The least time N updates can take at ``rate``: the burst free, the last one's second."""
    return max(n - BURST, 0) / rate + UPDATE_DURATION


def shared_floor(n: int) -> float:
    return floor(n, CONTROL_RATE * (1 - COMPETITOR_SHARE))


def _names(n: int) -> list[str]:
    return [f"fleet-{i:04d}" for i in range(n)]


def _code(name: str, tag: str) -> bytes:
    return make_zip({"index.py": f"# {name} {tag}\ndef handler(e, c):\n    return 1\n".encode()})


def targets_sha(name: str, tag: str) -> str:
    return ZipPackage.from_bytes(_code(name, tag)).code_sha256


def _simulator(n: int, client: Any = None) -> SimulatedLambda:
    """N functions (and a bystander), created without throttling; then fresh, full buckets."""
    sim = SimulatedLambda(
        client,
        clock=SystemClock(),
        update_duration=UPDATE_DURATION,
        control_plane_rate=CONTROL_RATE,
        get_function_rate=GET_RATE,
        throttling=False,
    )
    for name in [*_names(n), "bystander"]:
        sim.create_function(name)
    sim.throttling = True
    sim.control_plane_rate = CONTROL_RATE  # the setters start full, fresh token buckets
    sim.get_function_rate = GET_RATE
    sim.reset_counters()
    return sim


def _load() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return -1.0


def _busiest_second(times: list[float]) -> int:
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered)), default=0)


class Competitor:
    """Another client on the account: ``GetFunctionConfiguration`` at a steady rate, no retries."""

    def __init__(self, client: Any, rate: float) -> None:
        self.client = client
        self.rate = rate
        self.ok = 0
        self.throttled = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="competitor", daemon=True)

    def _run(self) -> None:
        start = time.monotonic()
        k = 0
        while not self._stop.wait(max(0.0, start + k / self.rate - time.monotonic())):
            try:
                self.client.get_function_configuration(FunctionName="bystander")
                self.ok += 1
            except ClientError:
                self.throttled += 1
            k += 1

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, Any]:
        sent = self.ok + self.throttled
        return {
            "competitor_sent": sent,
            "competitor_throttled": self.throttled,
            "competitor_throttled_pct": round(100 * self.throttled / sent, 2) if sent else 0.0,
        }


def _timeline(sim: SimulatedLambda, start: float, end: float) -> dict[str, list[float]]:
    """Requests per second in ``BIN``-second bins, per kind, from the simulator's history."""
    bins = int((end - start) / BIN) + 1
    kinds = ("UpdateFunctionCode", "GetFunction read", "GetFunction poll", "competitor", "429")
    counts = {kind: [0.0] * bins for kind in kinds}
    seen: set[str | None] = set()
    for record in sim.history:
        index = min(bins - 1, max(0, int((record.time - start) / BIN)))
        if record.status == 429:
            counts["429"][index] += 1 / BIN
        if record.operation == "GetFunctionConfiguration":
            counts["competitor"][index] += 1 / BIN
        elif record.operation == "GetFunction":
            kind = "GetFunction poll" if record.function_name in seen else "GetFunction read"
            counts[kind][index] += 1 / BIN
            seen.add(record.function_name)
        elif record.operation == "UpdateFunctionCode":
            counts["UpdateFunctionCode"][index] += 1 / BIN
    return {"t": [i * BIN for i in range(bins)], **counts}


def _counts(sim: SimulatedLambda) -> dict[str, Any]:
    """Calls, 429s and updates applied, as the async benchmark reports them."""
    calls = sum(sim.calls.values())
    throttled = sum(sim.throttled.values())
    return {
        "calls": calls,
        "calls_by_operation": dict(sim.calls),
        "throttled": throttled,
        "throttled_pct": round(100 * throttled / calls, 2) if calls else 0.0,
        "updates_applied": sim.calls["UpdateFunctionCode"]
        - sim.throttled["UpdateFunctionCode"]
        - sim.errors["ResourceConflictException"],
    }


def _measure(sim: SimulatedLambda, n: int, *, reads: bool) -> dict[str, Any]:
    calls = sum(sim.calls.values())
    throttled = sum(sim.throttled.values())
    seen: set[str | None] = set()
    polls: list[float] = []
    for record in sim.history:
        if record.operation != "GetFunction":
            continue
        if record.function_name in seen or not reads:
            polls.append(record.time)
        seen.add(record.function_name)
    ours = {op: count for op, count in sim.calls.items() if op != "GetFunctionConfiguration"}
    return {
        "calls": sum(ours.values()),
        "calls_by_operation": ours,
        "throttled": throttled - sim.throttled["GetFunctionConfiguration"],
        "throttled_pct": round(
            100
            * (throttled - sim.throttled["GetFunctionConfiguration"])
            / max(1, sum(ours.values())),
            2,
        ),
        "all_calls": calls,
        "polls": len(polls),
        "polls_per_function": round(len(polls) / n, 2),
        "busiest_polls_second": _busiest_second(polls),
        "busiest_get_function_second": _busiest_second(
            [r.time for r in sim.history if r.operation == "GetFunction"]
        ),
        "updates_applied": sim.calls["UpdateFunctionCode"]
        - sim.throttled["UpdateFunctionCode"]
        - sim.errors["ResourceConflictException"],
    }


def _result(  # noqa: PLR0917 - one run's figures
    label: str, n: int, seconds: float, failures: list[str], deployed: int, yardstick: float
) -> dict[str, Any]:
    return {
        "method": label,
        "n": n,
        "seconds": round(seconds, 2),
        "floor": round(yardstick, 2),
        "ratio": round(seconds / yardstick, 3),
        "ideal": round(ideal(n), 2),
        "ideal_ratio": round(seconds / ideal(n), 3),
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
        "deployed": deployed,
    }


def run_deploy_many(n: int, *, competitor: bool = False) -> dict[str, Any]:
    sim = _simulator(n)
    client = LambdaCodeClient(sim.client)  # real time: time.monotonic and time.sleep
    tag = "many-shared" if competitor else "many"
    targets = [
        DeployTarget(function_name=name, code=ZipPackage.from_bytes(_code(name, tag)))
        for name in _names(n)
    ]
    load = _load()
    rival = Competitor(sim.client, CONTROL_RATE * COMPETITOR_SHARE) if competitor else None
    if rival is not None:
        rival.__enter__()  # sim.client has botocore's retries off
    start = time.monotonic()
    try:
        results = client.deploy_many(targets)
    finally:
        end = time.monotonic()
        if rival is not None:
            rival.__exit__()
    failures = [type(r).__name__ for r in results if not isinstance(r, DeployResult)]
    deployed = sum(
        1 for name in _names(n) if sim.configuration(name)["CodeSha256"] == targets_sha(name, tag)
    )
    yardstick = shared_floor(n) if competitor else floor(n)
    out = {
        **_result("deploy_many", n, end - start, failures, deployed, yardstick),
        **_measure(sim, n, reads=True),
        **(rival.summary() if rival is not None else {}),
        "load": [load, _load()],
        "timeline": _timeline(sim, start, end),
    }
    sim.detach()
    return out


def run_naive(n: int, *, competitor: bool = False) -> dict[str, Any]:
    # botocore's own defaults (retry mode standard unless AWS_RETRY_MODE says otherwise).
    bc = botocore_client(Config())
    sim = _simulator(n, bc)
    tag = "naive-shared" if competitor else "naive"
    failures: list[str] = []

    def one(name: str) -> None:
        try:
            bc.update_function_code(FunctionName=name, ZipFile=_code(name, tag))
            bc.get_waiter("function_updated_v2").wait(FunctionName=name)
        except Exception as err:  # what a script would log and count
            failures.append(type(err).__name__)

    load = _load()
    rival = None
    if competitor:
        # Its own client, without botocore's retries: a steady rate, whatever the answers.
        other = botocore_client(NO_RETRIES)
        sim._wire.attach(other)  # noqa: SLF001 - the simulator serves one client per botocore
        rival = Competitor(other, CONTROL_RATE * COMPETITOR_SHARE).__enter__()
    start = time.monotonic()
    try:
        with ThreadPoolExecutor(NAIVE_CONCURRENCY) as pool:
            list(pool.map(one, _names(n)))
    finally:
        end = time.monotonic()
        if rival is not None:
            rival.__exit__()
    deployed = sum(
        1 for name in _names(n) if sim.configuration(name)["CodeSha256"] == targets_sha(name, tag)
    )
    yardstick = shared_floor(n) if competitor else floor(n)
    retries = bc.meta.config.retries or {}
    out = {
        **_result(
            f"naive ThreadPool({NAIVE_CONCURRENCY})", n, end - start, failures, deployed, yardstick
        ),
        **_measure(sim, n, reads=False),
        **(rival.summary() if rival is not None else {}),
        "retry_mode": retries.get("mode", "?"),
        "load": [load, _load()],
    }
    sim.detach()
    return out


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK_SIZES if quick else SIZES
    shared_n = QUICK_SHARED_N if quick else SHARED_N
    alone = [{"n": n, "many": run_deploy_many(n), "naive": run_naive(n)} for n in sizes]
    shared = {
        "n": shared_n,
        "many": run_deploy_many(shared_n, competitor=True),
        "naive": run_naive(shared_n, competitor=True),
    }
    return {"sizes": list(sizes), "alone": alone, "shared": shared}


def goals(result: dict[str, Any]) -> dict[str, bool]:
    """Each goal of the benchmark, met or not, from one ``run()``."""
    alone, shared = result["alone"], result["shared"]["many"]
    runs = [point["many"] for point in alone] + [shared]
    return {
        "at the floor": all(p["many"]["ratio"] <= TARGET for p in alone),
        "no slower than the naive pool": all(
            p["many"]["seconds"] <= p["naive"]["seconds"] for p in alone
        ),
        "429s <= 1 %": all(p["many"]["throttled_pct"] <= THROTTLED_PCT_TARGET for p in alone),
        "shared: no failure": shared["failures"] == 0 and shared["deployed"] == shared["n"],
        "shared: <= 1.15x fair share": shared["ratio"] <= SHARED_TARGET,
        "polls <= 3 per function": all(
            r["polls_per_function"] <= POLLS_PER_FUNCTION_TARGET for r in runs
        ),
        "polls <= half GetFunction's quota": all(
            r["busiest_polls_second"] <= POLL_BUDGET for r in runs
        ),
    }


COLUMNS = [
    "seconds",
    "floor",
    "ratio",
    "ideal_ratio",
    "failures",
    "calls",
    "throttled",
    "throttled_pct",
    "polls_per_function",
    "busiest_polls_second",
]


def table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = []
    for point in result["alone"]:
        for key in ("many", "naive"):
            r = point[key]
            rows.append([r["n"], r["method"], *[r[c] for c in COLUMNS], r["load"][0]])
    for key in ("many", "naive"):
        r = result["shared"][key]
        label = f"{r['method']}, shared ({r['competitor_throttled_pct']} % of the other's 429)"
        rows.append([r["n"], label, *[r[c] for c in COLUMNS], r["load"][0]])
    return ["N", "method", *COLUMNS, "load"], rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    result = run(quick=parser.parse_args().quick)
    print(text_table(*table(result)))
    for goal, met in goals(result).items():
        print(f"{goal}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
