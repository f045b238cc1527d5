"""Per-call overhead of ``LambdaCodeClient.update_function_code`` over raw botocore.

Both sides call ``update_function_code`` on the SAME botocore client (retries off, fake
credentials). A ``before-send`` handler answers every request with a canned, complete
``FunctionConfiguration`` (every member of botocore's output shape filled, generated from the
shape model so it stays complete as botocore grows), so botocore still serialises, signs and
parses, and nothing touches the network. Rounds are interleaved (raw block, ours block, order
alternating per round); medians per call are reported with their ratio (target <= 1.05).

Also: microseconds per ``FunctionConfiguration.from_api`` (full response), and per
``from_api`` followed by a read of every member (nested shapes are built on first read, so
this is what a caller that reads everything pays), per ``request.to_api()``, per request
construction (validation), overhead vs response size, and a cProfile of ours minus raw: the
functions whose self time grows, lambda_code's first.

Run: ``python benchmarks/bench_overhead.py [--quick]``; or import and call ``run()``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from typing import TYPE_CHECKING, Any

import attrs
import botocore.session
from _common import NO_RETRIES, botocore_client, median, text_table
from botocore.awsrequest import AWSResponse, HTTPHeaders

from lambda_code import FunctionConfiguration, LambdaCodeClient, UpdateFunctionCodeRequest
from lambda_code.testing import make_zip

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.model import Shape

FUNCTION_NAME = "bench-function"
ZIP = make_zip({"index.py": b"def handler(event, context):\n    return 42\n"})
TARGET_RATIO = 1.05

# Enum members where the shape's first value would be odd in a successful update's answer.
_PREFERRED = {
    "Runtime": "python3.12",
    "State": "Active",
    "LastUpdateStatus": "Successful",
    "PackageType": "Zip",
    "StateReasonCode": "Idle",
    "TracingMode": "PassThrough",
}


_SCALARS: dict[str, Any] = {
    "integer": 128,
    "long": 128,
    "double": 2.0,
    "float": 2.0,
    "boolean": True,
    "timestamp": "2026-01-01T00:00:00.000+0000",
}


def _string(shape: Shape, name: str) -> str:
    enum = shape.metadata.get("enum")
    if enum:
        return str(_PREFERRED.get(shape.name, enum[0]))
    if name == "LastModified":
        return "2026-01-01T00:00:00.000+0000"
    if name.endswith(("Arn", "ARN")):
        return f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION_NAME}"
    return "$LATEST" if name == "Version" else f"{name}-value"


def _value(shape: Shape, name: str) -> Any:
    """A plausible value for ``shape`` with every structure member filled."""
    kind = shape.type_name
    if kind == "structure":
        return {m: _value(s, m) for m, s in shape.members.items()}  # type: ignore[attr-defined]
    if kind == "list":
        return [_value(shape.member, name)]  # type: ignore[attr-defined]
    if kind == "map":
        return {"KEY_0": "value-0"}
    if kind in _SCALARS:
        return _SCALARS[kind]
    return _string(shape, name)


def full_configuration(layers: int | None = None, env_vars: int | None = None) -> dict[str, Any]:
    """A FunctionConfiguration with every member botocore models; optionally resized lists."""
    model = botocore.session.get_session().get_service_model("lambda")
    shape = model.operation_model("UpdateFunctionCode").output_shape
    assert shape is not None
    config: dict[str, Any] = _value(shape, "FunctionConfiguration")
    config["FunctionName"] = FUNCTION_NAME
    config["Architectures"] = ["x86_64"]
    if layers is not None:
        config["Layers"] = [
            {**config["Layers"][0], "Arn": f"arn:aws:lambda:us-east-1:123456789012:layer:l{i}:1"}
            for i in range(layers)
        ]
    if env_vars is not None:
        config["Environment"]["Variables"] = {f"VAR_{i}": f"value-{i}" for i in range(env_vars)}
    return config


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def canned_client(config: dict[str, Any]) -> Any:
    """A botocore client (retries off) whose every request gets ``config`` back as JSON."""
    client = botocore_client(NO_RETRIES)
    body = json.dumps(config).encode()

    def answer(request: Any, **_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/json"
        headers["x-amzn-RequestId"] = "c0ffee00-0000-4000-8000-000000000000"
        return AWSResponse(request.url, 200, headers, _Body(body))

    client.meta.events.register("before-send.lambda", answer)
    return client


def _block(fn: Callable[[], object], calls: int) -> float:
    """Seconds per call over ``calls`` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def _per_call_us(fn: Callable[[], object], calls: int, rounds: int) -> float:
    return median([_block(fn, calls) for _ in range(rounds)]) * 1e6


def _interleave(fns: dict[str, Callable[[], object]], rounds: int, calls: int) -> dict[str, float]:
    """Median seconds per call of each function; blocks interleaved, order rotating per round."""
    for _ in range(max(1, calls // 4)):  # warm every path (botocore caches, first-call costs)
        for fn in fns.values():
            fn()
    names = list(fns)
    times: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        order = names[i % len(names) :] + names[: i % len(names)]
        for name in order:
            times[name].append(_block(fns[name], calls))
    return {name: median(values) for name, values in times.items()}


def measure_pair(
    config: dict[str, Any], rounds: int, calls: int, *, decompose: bool = False
) -> dict[str, float]:
    """Interleaved raw vs ours on one canned client; median µs per call and their ratio.

    With ``decompose``, also raw + ``from_api`` on its answer, and the retry layer alone
    (``Retrier.call`` without parsing), to show where the difference goes.
    """
    bc = canned_client(config)
    ours_client = LambdaCodeClient(bc)
    request = UpdateFunctionCodeRequest(function_name=FUNCTION_NAME, zip_file=ZIP)
    kwargs = request.to_api()
    retrier = ours_client._retrier  # noqa: SLF001 - the retry layer alone, for the breakdown
    update = bc.update_function_code

    fns: dict[str, Callable[[], object]] = {
        "raw": lambda: bc.update_function_code(**kwargs),
        "ours": lambda: ours_client.update_function_code(request),
    }
    if decompose:
        fns["raw+from_api"] = lambda: FunctionConfiguration.from_api(
            bc.update_function_code(**kwargs)
        )
        fns["retry_layer"] = lambda: retrier.call(
            retrier.budget(update, request.to_api(), operation="UpdateFunctionCode")
        )
    assert isinstance(fns["ours"](), FunctionConfiguration)
    med = _interleave(fns, rounds, calls)
    raw_us, ours_us = med["raw"] * 1e6, med["ours"] * 1e6
    result = {
        "raw_us": round(raw_us, 1),
        "ours_us": round(ours_us, 1),
        "overhead_us": round(ours_us - raw_us, 1),
        "ratio": round(ours_us / raw_us, 4),
    }
    if decompose:
        result["raw_plus_from_api_us"] = round(med["raw+from_api"] * 1e6, 1)
        result["retry_layer_us"] = round(med["retry_layer"] * 1e6, 1)
        result["retry_layer_ratio"] = round(med["retry_layer"] / med["raw"], 4)
    return result


def typical_configuration() -> dict[str, Any]:
    """SimulatedLambda's UpdateFunctionCode answer: the members a plain zip function has."""
    from lambda_code.testing import SimulatedLambda

    sim = SimulatedLambda()
    sim.create_function(FUNCTION_NAME, environment={"STAGE": "prod", "LOG_LEVEL": "info"})
    config: dict[str, Any] = dict(
        sim.client.update_function_code(FunctionName=FUNCTION_NAME, ZipFile=ZIP)
    )
    sim.detach()
    config.pop("ResponseMetadata", None)
    return config


def fresh_from_api_us(config: dict[str, Any], count: int) -> float:
    """from_api on dicts freshly parsed by botocore, as in a real call (not one warm dict)."""
    bc = canned_client(config)
    kwargs = UpdateFunctionCodeRequest(function_name=FUNCTION_NAME, zip_file=ZIP).to_api()
    best = float("inf")
    for _ in range(3):
        responses = [bc.update_function_code(**kwargs) for _ in range(count)]
        start = time.perf_counter()
        for response in responses:
            FunctionConfiguration.from_api(response)
        best = min(best, (time.perf_counter() - start) / count)
    return best * 1e6


def _is_ours(filename: str, funcname: str) -> bool:
    return "lambda_code" in filename or "lambda_code" in funcname


def profile_difference(config: dict[str, Any], calls: int, top: int = 12) -> dict[str, Any]:
    """cProfile ``calls`` raw and ``calls`` ours; the self time per call ours adds, by function."""
    bc = canned_client(config)
    ours_client = LambdaCodeClient(bc)
    request = UpdateFunctionCodeRequest(function_name=FUNCTION_NAME, zip_file=ZIP)
    kwargs = request.to_api()
    for _ in range(50):
        bc.update_function_code(**kwargs)
        ours_client.update_function_code(request)

    def stats_of(fn: Callable[[], object]) -> dict[tuple[str, int, str], tuple[int, float]]:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(calls):
            fn()
        profiler.disable()
        raw_stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        return {key: (value[1], value[2]) for key, value in raw_stats.items()}

    raw = stats_of(lambda: bc.update_function_code(**kwargs))
    ours = stats_of(lambda: ours_client.update_function_code(request))
    rows: list[dict[str, Any]] = []
    for key, (ncalls, tottime) in ours.items():
        base_calls, base_time = raw.get(key, (0, 0.0))
        delta_us = (tottime - base_time) / calls * 1e6
        filename, line, func = key
        short = filename.split("site-packages/")[-1].split("src/")[-1]
        rows.append(
            {
                "function": f"{short}:{line}({func})",
                "self_us_per_call": round(delta_us, 2),
                "calls_per_call": round((ncalls - base_calls) / calls, 2),
                "lambda_code": _is_ours(filename, func),
            }
        )
    rows.sort(key=lambda r: -float(r["self_us_per_call"]))
    total_raw = sum(t for _, t in raw.values()) / calls * 1e6
    total_ours = sum(t for _, t in ours.values()) / calls * 1e6
    return {
        "profiled_raw_us": round(total_raw, 1),
        "profiled_ours_us": round(total_ours, 1),
        "top_lambda_code": [r for r in rows if r["lambda_code"]][:top],
        "top_all": rows[:top],
    }


def _read_every_member(config: dict[str, Any]) -> list[Any]:
    parsed = FunctionConfiguration.from_api(config)
    return [getattr(parsed, name) for name in _MEMBER_NAMES]


_MEMBER_NAMES = [field.name for field in attrs.fields(FunctionConfiguration)]


def micro(config: dict[str, Any], loops: int) -> dict[str, float]:
    """µs per from_api on the full response (alone, and with every member read), per
    request.to_api(), per request construction."""
    request = UpdateFunctionCodeRequest(function_name=FUNCTION_NAME, zip_file=ZIP)
    parsed = FunctionConfiguration.from_api(config)
    rounds = 7
    return {
        "from_api_us": round(
            _per_call_us(lambda: FunctionConfiguration.from_api(config), loops, rounds), 2
        ),
        "from_api_read_all_us": round(
            _per_call_us(lambda: _read_every_member(config), loops, rounds), 2
        ),
        "config_to_api_us": round(_per_call_us(parsed.to_api, loops, rounds), 2),
        "request_to_api_us": round(_per_call_us(request.to_api, loops, rounds), 2),
        "request_construct_us": round(
            _per_call_us(
                lambda: UpdateFunctionCodeRequest(function_name=FUNCTION_NAME, zip_file=ZIP),
                loops,
                rounds,
            ),
            2,
        ),
        "json_loads_us": round(
            _per_call_us(lambda: json.loads(json.dumps(config)), loops, rounds), 2
        ),
    }


def check_round_trip(config: dict[str, Any]) -> list[str]:
    """Members of the full response that do not survive from_api → to_api (should be none)."""
    back = FunctionConfiguration.from_api(config).to_api()
    lost = [k for k in config if k not in back]
    changed = [k for k in config if k in back and back[k] != config[k]]
    return [f"lost {k}" for k in lost] + [f"changed {k}" for k in changed]


def run(quick: bool = False) -> dict[str, Any]:
    """All overhead measurements; ``quick`` shrinks rounds for a smoke run."""
    rounds, calls = (8, 100) if quick else (30, 200)
    config = full_configuration()
    result: dict[str, Any] = {"rounds": rounds, "calls_per_round": calls}
    result["members"] = len(config)
    result["round_trip_problems"] = check_round_trip(config)
    result.update(measure_pair(config, rounds, calls, decompose=True))
    result.update(micro(config, 200 if quick else 2000))
    result["from_api_fresh_us"] = round(fresh_from_api_us(config, 300 if quick else 2000), 2)
    typical = typical_configuration()
    pair = measure_pair(typical, max(4, rounds // 2), calls)
    result["typical"] = {
        "members": len(typical),
        **pair,
        "from_api_fresh_us": round(fresh_from_api_us(typical, 300 if quick else 2000), 2),
    }
    result["profile"] = profile_difference(config, 300 if quick else 2000)
    scaling = []
    sizes = [0, 10, 100]
    for layers in sizes:
        for env in sizes:
            cfg = full_configuration(layers=layers, env_vars=env)
            pair = measure_pair(cfg, 4 if quick else 10, 50 if quick else 100)
            scaling.append(
                {
                    "layers": layers,
                    "env_vars": env,
                    "response_bytes": len(json.dumps(cfg)),
                    **pair,
                    "from_api_us": round(fresh_from_api_us(cfg, 100 if quick else 500), 2),
                }
            )
    result["scaling"] = scaling
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    result = run(quick=parser.parse_args().quick)
    for key, value in result.items():
        if key not in {"profile", "scaling", "typical"}:
            print(f"{key:>24}: {value}")
    print(f"{'typical response':>24}: {result['typical']}")
    print(f"{'target ratio<=1.05':>24}: {'met' if result['ratio'] <= TARGET_RATIO else 'MISSED'}")
    prof = result["profile"]
    print("\nprofile (ours - raw, self µs per call), lambda_code entries:")
    print(
        text_table(
            ["self µs/call", "calls/call", "function"],
            [
                [r["self_us_per_call"], r["calls_per_call"], r["function"]]
                for r in prof["top_lambda_code"]
            ],
        )
    )
    print("\nscaling:")
    keys = ["layers", "env_vars", "response_bytes", "raw_us", "ours_us", "ratio", "from_api_us"]
    print(text_table(keys, [[row[k] for k in keys] for row in result["scaling"]]))


if __name__ == "__main__":
    main()
