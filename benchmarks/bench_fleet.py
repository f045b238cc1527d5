"""Fleet deploy in real time: ``deploy_many`` vs a naive thread pool, against Lambda's quotas.

N functions on ``SimulatedLambda(clock=SystemClock(), update_duration=1.0)`` with the default
quotas (control plane 15 requests/s, GetFunction 100 requests/s); the functions are created
with throttling off, then throttling is switched on with fresh buckets and counters. Every
function gets distinct zip contents, so nothing is skipped as unchanged.

Ideal = N / 15 + 1 s: the update calls alone at the control-plane quota, plus the last update's
one second. ``deploy_many`` (default max_concurrency 16) is compared with what people write by
hand: ``ThreadPoolExecutor(16)`` running ``update_function_code`` then the
``function_updated_v2`` waiter, on its own simulator and a botocore client with botocore's
default retry configuration (standard mode in botocore >= 1.36). Targets: deploy_many within
1.15x ideal, zero failures, 429s < 2 % of calls.

Run: ``python benchmarks/bench_fleet.py [--quick]``; or import and call ``run()``.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from _common import botocore_client, text_table
from botocore.config import Config

from lambda_code import DeployResult, DeployTarget, LambdaCodeClient, ZipPackage
from lambda_code.testing import SimulatedLambda, SystemClock, make_zip

CONTROL_RATE = 15.0
GET_RATE = 100.0
UPDATE_DURATION = 1.0
CONCURRENCY = 16


def ideal(n: int) -> float:
    return n / CONTROL_RATE + UPDATE_DURATION


def _names(n: int) -> list[str]:
    return [f"fleet-{i:04d}" for i in range(n)]


def _code(name: str, tag: str) -> bytes:
    return make_zip({"index.py": f"# {name} {tag}\ndef handler(e, c):\n    return 1\n".encode()})


def _simulator(n: int, client: Any = None) -> SimulatedLambda:
    """N functions, created without throttling; then real quotas with fresh buckets."""
    sim = SimulatedLambda(
        client,
        clock=SystemClock(),
        update_duration=UPDATE_DURATION,
        control_plane_rate=CONTROL_RATE,
        get_function_rate=GET_RATE,
        throttling=False,
    )
    for name in _names(n):
        sim.create_function(name)
    sim.throttling = True
    sim.control_plane_rate = CONTROL_RATE  # the setters start full, fresh token buckets
    sim.get_function_rate = GET_RATE
    sim.reset_counters()
    return sim


def _counts(sim: SimulatedLambda) -> dict[str, Any]:
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


def run_deploy_many(n: int) -> dict[str, Any]:
    sim = _simulator(n)
    client = LambdaCodeClient(sim.client)  # real time: time.monotonic and time.sleep
    targets = [
        DeployTarget(function_name=name, code=ZipPackage.from_bytes(_code(name, "many")))
        for name in _names(n)
    ]
    start = time.perf_counter()
    results = client.deploy_many(targets, max_concurrency=CONCURRENCY)
    elapsed = time.perf_counter() - start
    failures = [r for r in results if not isinstance(r, DeployResult)]
    unchanged = sum(1 for r in results if isinstance(r, DeployResult) and not r.changed)
    deployed = sum(
        1 for name in _names(n) if sim.configuration(name)["CodeSha256"] == targets_sha(name)
    )
    sim.detach()
    return {
        "n": n,
        "seconds": round(elapsed, 2),
        "ideal": round(ideal(n), 2),
        "ratio": round(elapsed / ideal(n), 3),
        "failures": len(failures),
        "failure_kinds": sorted({type(f).__name__ for f in failures}),
        "skipped_unchanged": unchanged,
        "deployed": deployed,
        **_counts(sim),
    }


def targets_sha(name: str, tag: str = "many") -> str:
    return ZipPackage.from_bytes(_code(name, tag)).code_sha256


def run_naive(n: int) -> dict[str, Any]:
    # botocore's own defaults (retry mode standard unless AWS_RETRY_MODE says otherwise).
    bc = botocore_client(Config())
    sim = _simulator(n, bc)
    failures: list[str] = []

    def one(name: str) -> None:
        try:
            bc.update_function_code(FunctionName=name, ZipFile=_code(name, "naive"))
            bc.get_waiter("function_updated_v2").wait(FunctionName=name)
        except Exception as err:  # what a script would log and count
            failures.append(type(err).__name__)

    start = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(one, _names(n)))
    elapsed = time.perf_counter() - start
    deployed = sum(
        1
        for name in _names(n)
        if sim.configuration(name)["CodeSha256"] == targets_sha(name, "naive")
    )
    sim.detach()
    return {
        "n": n,
        "seconds": round(elapsed, 2),
        "ideal": round(ideal(n), 2),
        "ratio": round(elapsed / ideal(n), 3),
        "failures": len(failures),
        "failure_kinds": sorted(set(failures)),
        "deployed": deployed,
        "retry_mode": bc.meta.config.retries.get("mode", "?") if bc.meta.config.retries else "?",
        **_counts(sim),
    }


def run(quick: bool = False) -> dict[str, Any]:
    n = 30 if quick else 200
    sizes = (20, 40) if quick else (50, 100, 200, 400)
    many = run_deploy_many(n)
    naive = run_naive(n)
    scaling = []
    for size in sizes:
        point_many = many if size == n else run_deploy_many(size)
        point_naive = naive if size == n else run_naive(size)
        scaling.append({"n": size, "ideal": ideal(size), "many": point_many, "naive": point_naive})
    return {"n": n, "deploy_many": many, "naive": naive, "scaling": scaling}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    result = run(quick=parser.parse_args().quick)
    keys = ["seconds", "ideal", "ratio", "failures", "calls", "throttled", "throttled_pct"]
    print(f"fleet of {result['n']}")
    print(
        text_table(
            ["method", *keys],
            [[m, *[result[m][k] for k in keys]] for m in ("deploy_many", "naive")],
        )
    )
    print(
        text_table(
            ["n", "ideal s", "deploy_many s", "naive s", "naive failures"],
            [
                [
                    p["n"],
                    f"{p['ideal']:.2f}",
                    p["many"]["seconds"],
                    p["naive"]["seconds"],
                    p["naive"]["failures"],
                ]
                for p in result["scaling"]
            ],
        )
    )


if __name__ == "__main__":
    main()
