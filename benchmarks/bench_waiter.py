"""Waiter efficiency in virtual time: detection lag and polls, lambda-code vs botocore's waiters.

For each update duration, a function on ``SimulatedLambda(clock=VirtualClock())`` is updated
and then waited on. Detection lag is the virtual time from the moment the update became
``Successful`` to the waiter's return; polls are the requests the waiter sent. lambda-code's
``wait_until_updated`` (default ``WaitPolicy``, with jitter) is averaged over many seeded runs;
botocore's ``function_updated_v2`` (GetFunction every 1 s) and ``function_updated``
(GetFunctionConfiguration every 5 s, at most 60 attempts) run with ``time.sleep`` inside
``botocore.waiter`` patched to the virtual clock.

Target: lag <= max(0.25 s, 10 % of the duration) at every duration, for a lone wait (a single
deploy). Polls are reported against botocore's waiters for information: a delay proportional to
the time waited keeps the lag near 10 % but costs about 10 * ln(d / d0) polls, so no schedule
meets that lag with a third of ``function_updated_v2``'s polls at 60 s (the retired target);
``tradeoff()`` runs alternative ``WaitPolicy`` settings to show what each default costs. A
fleet's waits poll far less, by learning from one another (``bench_fleet.py``).

Run: ``python benchmarks/bench_waiter.py [--quick]``; or import and call ``run()``.
"""

from __future__ import annotations

import argparse
import random
import statistics
from typing import Any
from unittest import mock

import botocore.exceptions
from _common import text_table

from lambda_code import LambdaCodeClient
from lambda_code._waiters import WaitPolicy
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip

DURATIONS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)
QUICK_DURATIONS = (0.5, 5.0, 60.0, 300.0)
NAME = "waited"
POLL_OPERATIONS = ("GetFunction", "GetFunctionConfiguration")

#: Alternatives for the trade-off table: (label, policy).
ALTERNATIVES: tuple[tuple[str, WaitPolicy], ...] = (
    ("default", WaitPolicy()),
    ("f0.1 max10", WaitPolicy(fraction=0.1, max_delay=10.0)),
    ("f0.2 max5", WaitPolicy(fraction=0.2, max_delay=5.0)),
    ("f0.2 max10", WaitPolicy(fraction=0.2, max_delay=10.0)),
    ("f0.3 max5", WaitPolicy(fraction=0.3, max_delay=5.0)),
    ("f0.3 max10", WaitPolicy(fraction=0.3, max_delay=10.0)),
    ("f0.15 init0.25 max10", WaitPolicy(initial_delay=0.25, fraction=0.15, max_delay=10.0)),
    ("f0.5 max10", WaitPolicy(fraction=0.5, max_delay=10.0)),
)


def lag_target(duration: float) -> float:
    return max(0.25, 0.1 * duration)


def spread(duration: float, runs: int) -> list[float]:
    """``runs`` actual durations evenly spread over ``duration`` +- 10 %.

    Real updates do not finish on a whole second, so a fixed-delay waiter's poll grid has a
    random phase against the finish; exact whole-second durations would give botocore's 1 s
    waiter a lag of zero by coincidence.
    """
    return [duration * (0.9 + 0.2 * (k + 0.5) / runs) for k in range(runs)]


def _updated_simulator(duration: float) -> tuple[SimulatedLambda, VirtualClock, float]:
    """A simulator whose one function has just started an update of ``duration`` seconds."""
    clock = VirtualClock()
    sim = SimulatedLambda(clock=clock, update_duration=duration)
    sim.create_function(NAME)
    clock.advance(1.0)
    sim.client.update_function_code(FunctionName=NAME, ZipFile=make_zip({"index.py": b"# 2"}))
    done_at = clock.now() + duration
    sim.reset_counters()
    return sim, clock, done_at


def _polls(sim: SimulatedLambda) -> int:
    return sum(sim.calls[op] for op in POLL_OPERATIONS)


def lambda_code_wait(
    duration: float, seed: int, policy: WaitPolicy | None = None
) -> dict[str, Any]:
    sim, clock, done_at = _updated_simulator(duration)
    client = LambdaCodeClient(sim.client, clock=clock, wait=policy)
    client._waiter._rng = random.Random(seed)  # noqa: SLF001 - reproducible jitter per run
    config = client.wait_until_updated(NAME, timeout=900.0)
    assert config.last_update_status == "Successful"
    return {"lag": clock.now() - done_at, "polls": _polls(sim)}


def botocore_wait(duration: float, waiter_name: str) -> dict[str, Any]:
    sim, clock, done_at = _updated_simulator(duration)
    waiter = sim.client.get_waiter(waiter_name)  # type: ignore[call-overload]
    ok = True
    with mock.patch("botocore.waiter.time.sleep", clock.sleep):
        try:
            waiter.wait(FunctionName=NAME)
        except botocore.exceptions.WaiterError:
            ok = False  # max attempts reached before the update finished
    return {"lag": clock.now() - done_at if ok else None, "polls": _polls(sim), "ok": ok}


def measure_policy(
    policy: WaitPolicy | None, durations: tuple[float, ...], seeds: int
) -> list[dict[str, Any]]:
    """lambda-code's waiter, ``seeds`` runs per nominal duration (spread, seeded jitter)."""
    rows = []
    for duration in durations:
        actual = spread(duration, seeds)
        runs = [lambda_code_wait(d, seed, policy) for seed, d in enumerate(actual)]
        rows.append(_summary(duration, actual, runs))
    return rows


def measure_botocore(
    waiter_name: str, durations: tuple[float, ...], runs: int
) -> list[dict[str, Any]]:
    rows = []
    for duration in durations:
        actual = spread(duration, runs)
        results = [botocore_wait(d, waiter_name) for d in actual]
        rows.append(_summary(duration, actual, results))
    return rows


def _summary(duration: float, actual: list[float], runs: list[dict[str, Any]]) -> dict[str, Any]:
    done = [(r, d) for r, d in zip(runs, actual, strict=True) if r.get("ok", True)]
    lags = [r["lag"] for r, _ in done]
    polls = [r["polls"] for r in runs]
    return {
        "duration": duration,
        "runs": len(runs),
        "timeouts": len(runs) - len(done),
        "lag_mean": statistics.fmean(lags) if lags else None,
        "lag_max": max(lags) if lags else None,
        # Each run against the target of its own actual duration.
        "worst_lag_over_target": max((r["lag"] / lag_target(d) for r, d in done), default=None),
        "mean_lag_over_target": statistics.fmean(r["lag"] / lag_target(d) for r, d in done)
        if done
        else None,
        "polls_mean": statistics.fmean(polls),
        "polls_max": max(polls),
    }


def tradeoff(
    durations: tuple[float, ...],
    seeds: int,
    v2: dict[float, dict[str, Any]],
    default_rows: list[dict[str, Any]],
    alternatives: tuple[tuple[str, WaitPolicy], ...] = ALTERNATIVES,
) -> list[dict[str, Any]]:
    """Each alternative policy: lag target met (worst and mean), polls at 60 s and 300 s."""
    table = []
    for label, policy in alternatives:
        rows = default_rows if label == "default" else measure_policy(policy, durations, seeds)
        by = {r["duration"]: r for r in rows}
        long_runs = [d for d in (60.0, 300.0) if d in by]
        table.append(
            {
                "policy": label,
                "settings": f"init={policy.initial_delay} frac={policy.fraction} "
                f"max={policy.max_delay} jitter={policy.jitter}",
                "lag_ok_worst": sum(r["worst_lag_over_target"] <= 1 for r in rows),
                "lag_ok_mean": sum(r["mean_lag_over_target"] <= 1 for r in rows),
                "n_durations": len(rows),
                "worst_lag_over_target": max(r["worst_lag_over_target"] for r in rows),
                "lag_short": by[min(by)]["lag_mean"],
                "short": min(by),
                **{f"lag_{d:g}s": by[d]["lag_mean"] for d in long_runs},
                **{f"polls_{d:g}s": by[d]["polls_mean"] for d in long_runs},
                **{
                    f"polls_ratio_{d:g}s": by[d]["polls_mean"] / v2[d]["polls_mean"]
                    for d in long_runs
                },
            }
        )
    return table


def run(quick: bool = False) -> dict[str, Any]:
    durations = QUICK_DURATIONS if quick else DURATIONS
    seeds = 4 if quick else 20
    ours_rows = measure_policy(None, durations, seeds)
    ours = {r["duration"]: r for r in ours_rows}
    v2 = {r["duration"]: r for r in measure_botocore("function_updated_v2", durations, seeds)}
    v1 = {r["duration"]: r for r in measure_botocore("function_updated", durations, seeds)}
    rows = []
    for duration in durations:
        mine = ours[duration]
        rows.append(
            {
                "duration": duration,
                "lag_target": lag_target(duration),
                "ours": mine,
                "v2": v2[duration],
                "v1": v1[duration],
                "lag_ok": mine["worst_lag_over_target"] <= 1,
                "lag_ok_mean": mine["mean_lag_over_target"] <= 1,
                "polls_ratio_v2": mine["polls_mean"] / v2[duration]["polls_mean"],
            }
        )
    alternatives = ALTERNATIVES[:3] if quick else ALTERNATIVES
    return {
        "seeds": seeds,
        "rows": rows,
        "tradeoff": tradeoff(durations, seeds, v2, ours_rows, alternatives),
    }


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _bc(row: dict[str, Any]) -> str:
    text = f"{_f(row['lag_mean'])} / {row['polls_mean']:.1f}"
    return text + (f" ({row['timeouts']}/{row['runs']} timed out)" if row["timeouts"] else "")


def format_rows(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    headers = [
        "duration s",
        "lag target s",
        "ours lag mean/max s",
        "ours polls",
        "v2 lag / polls",
        "v1 lag / polls",
        "ours/v2 polls",
        "lag target",
    ]
    body = [
        [
            f"{r['duration']:g}",
            f"{r['lag_target']:.2f}",
            f"{_f(r['ours']['lag_mean'])} / {_f(r['ours']['lag_max'])}",
            f"{r['ours']['polls_mean']:.1f}",
            _bc(r["v2"]),
            _bc(r["v1"]),
            f"{r['polls_ratio_v2']:.2f}",
            "met" if r["lag_ok"] else ("mean only" if r["lag_ok_mean"] else "MISSED"),
        ]
        for r in rows
    ]
    return headers, body


def format_tradeoff(table: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    long_runs = [d for d in ("60", "300") if f"polls_{d}s" in table[0]]
    headers = [
        "policy",
        "settings",
        "lag met (every run)",
        "lag met (mean)",
        "worst lag/target",
        f"lag@{table[0]['short']:g}s",
        *[f"lag@{d}s" for d in long_runs],
        *[f"polls@{d}s" for d in long_runs],
        *[f"polls/v2 @{d}s" for d in long_runs],
    ]
    body = [
        [
            t["policy"],
            t["settings"],
            f"{t['lag_ok_worst']}/{t['n_durations']}",
            f"{t['lag_ok_mean']}/{t['n_durations']}",
            f"{t['worst_lag_over_target']:.2f}",
            f"{t['lag_short']:.2f}",
            *[f"{t[f'lag_{d}s']:.2f}" for d in long_runs],
            *[f"{t[f'polls_{d}s']:.1f}" for d in long_runs],
            *[f"{t[f'polls_ratio_{d}s']:.2f}" for d in long_runs],
        ]
        for t in table
    ]
    return headers, body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    result = run(quick=parser.parse_args().quick)
    print(f"lambda-code default WaitPolicy over {result['seeds']} seeds; v2/v1 = botocore waiters")
    print(text_table(*format_rows(result["rows"])))
    print("\nWaitPolicy trade-off (polls vs function_updated_v2, for information):")
    print(text_table(*format_tradeoff(result["tradeoff"])))


if __name__ == "__main__":
    main()
