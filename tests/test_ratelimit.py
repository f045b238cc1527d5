"""The client-side rate limiter and deploy_many's quota, in virtual time, whatever threads do.

No assertion here reads the wall clock, so none depends on how the machine schedules threads.
Threads that share one `VirtualClock` would each move everyone's time when they sleep, so the
time a request carries would depend on which thread ran first. `ThreadTimeClock` gives each
thread its own virtual time instead: a request is stamped with exactly the time its thread's
sleeps reached, which for a rate-limited call is the slot the limiter handed out.
"""

import bisect
import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_code import (
    DeployEvent,
    DeployResult,
    DeployTarget,
    LambdaCodeClient,
    RateLimits,
    UploadingEvent,
)
from lambda_code._ratelimit import RateLimiter
from lambda_code.testing import SimulatedLambda, VirtualClock

CONTROL_PLANE = {
    "UpdateFunctionCode",
    "PublishVersion",
    "GetFunctionConfiguration",
    "ListVersionsByFunction",
}
_EPOCH = 1_767_225_600.0  # 2026-01-01, as VirtualClock's
#: Slots are sums of floats; a rounding error this small is not a request too early.
_ROUNDING = 1e-9


class ThreadTimeClock:
    """Virtual time kept per thread: a sleep moves only the sleeping thread's time.

    Every thread starts at 0. Requests from different threads reach a simulator in whatever
    order the threads run, not in time order, so use it with the simulator's throttling off and
    check the quota on the recorded times (`_throttled`).
    """

    def __init__(self) -> None:
        self._mine = threading.local()

    def now(self) -> float:
        seconds: float = getattr(self._mine, "now", 0.0)
        return seconds

    def time(self) -> float:
        return _EPOCH + self.now()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._mine.now = self.now() + seconds


class _FrozenClock:
    """A clock that never moves; sleeps are recorded as wake-up times."""

    def __init__(self) -> None:
        self.wakeups: list[float] = []
        self.lock = threading.Lock()

    def now(self) -> float:
        return 0.0

    def time(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.wakeups.append(seconds)


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """A small source tree to deploy."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.py").write_text("def handler(event, context):\n    return 'v2'\n")
    return tmp_path / "app"


def _busiest_second(times: Iterable[float]) -> int:
    """The most of `times` within any one second (a half-open window)."""
    ordered = sorted(times)
    return max((bisect.bisect_left(ordered, t + 1.0) - i for i, t in enumerate(ordered)), default=0)


def _control_plane_times(sim: SimulatedLambda) -> list[float]:
    """The virtual times of the control-plane requests the simulator answered."""
    return sorted(r.time for r in sim.history if r.operation in CONTROL_PLANE)


def _throttled(times: Iterable[float], rate: float) -> list[float]:
    """The requests Lambda's token bucket would answer with 429, taken in time order.

    The simulator's model: `rate` tokens a second, at most one second's worth (at least one)
    held, full at time 0; a refused request takes no token.
    """
    capacity = max(rate, 1.0)
    tokens, last = capacity, 0.0
    refused = []
    for t in sorted(times):
        tokens = min(capacity, tokens + (t - last) * rate)
        last = t
        if tokens >= 1.0 - _ROUNDING:
            tokens -= 1.0
        else:
            refused.append(t)
    return refused


def _fleet(count: int) -> SimulatedLambda:
    """`count` functions, fn-0 ..., on a simulator in per-thread virtual time."""
    sim = SimulatedLambda(clock=ThreadTimeClock(), update_duration=0.2, throttling=False)
    for i in range(count):
        sim.create_function(f"fn-{i}")
    sim.reset_counters()
    return sim


def _start_together(count: int) -> Callable[[DeployEvent], None]:
    """An on_event holding the first `count` deploys just before their update until all are there.

    Left alone, one worker may read, update and poll before another has even read; in per-thread
    time that spreads a fleet thin, and a limiter that lets calls through too fast would go
    unseen. Held together, the first `count` updates ask for their slots at once. The timeout is
    only a hang guard: the workers get there within milliseconds.
    """
    barrier = threading.Barrier(count)
    held: set[str] = set()
    lock = threading.Lock()

    def on_event(event: DeployEvent) -> None:
        if not isinstance(event, UploadingEvent):
            return
        with lock:
            hold = event.function_name not in held and len(held) < count
            held.add(event.function_name)
        if hold:
            barrier.wait(timeout=60)

    return on_event


def _acquire_in_threads(
    limiter: RateLimiter, clock: ThreadTimeClock, pauses: Sequence[Sequence[float]]
) -> list[list[float]]:
    """One thread per entry of `pauses`: each pause, then a slot. The slots' times, per thread."""
    slots: list[list[float]] = [[] for _ in pauses]
    start = threading.Barrier(len(pauses))

    def run(index: int) -> None:
        start.wait()
        for pause in pauses[index]:
            clock.sleep(pause)
            limiter.acquire()
            slots[index].append(clock.now())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(pauses))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [len(s) for s in slots] == [len(p) for p in pauses]  # no thread died
    return slots


# -- RateLimiter -------------------------------------------------------------------------------


def test_rate_limiter_hands_out_evenly_spaced_slots_across_threads() -> None:
    """20 threads at 10/s get slots 0, 0.1, ..., 1.9 s: never two in one interval."""
    clock = _FrozenClock()
    limiter = RateLimiter(10.0, clock=clock)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(clock.wakeups) == pytest.approx([i / 10 for i in range(1, 20)])


def test_rate_limiter_burst_then_spacing() -> None:
    """With burst=3 at 10/s, three calls go at once and the rest follow 0.1 s apart."""
    clock = _FrozenClock()
    limiter = RateLimiter(10.0, clock=clock, burst=3)
    for _ in range(6):
        limiter.acquire()
    assert clock.wakeups == pytest.approx([0.1, 0.2, 0.3])


def test_rate_limiter_does_not_bank_idle_time() -> None:
    """After an idle spell the next call goes at once, and the one after waits an interval."""
    clock = VirtualClock()
    limiter = RateLimiter(4.0, clock=clock)
    limiter.acquire()
    clock.advance(10.0)
    limiter.acquire()
    limiter.acquire()
    assert clock.sleeps == [0.25]


def test_threads_calling_again_and_again_share_one_even_schedule() -> None:
    """8 threads x 25 calls at 15/s get slots 0, 1/15, 2/15, ...: one each, in order per thread."""
    clock = ThreadTimeClock()
    limiter = RateLimiter(15.0, clock=clock)
    slots = _acquire_in_threads(limiter, clock, [[0.0] * 25] * 8)
    assert sorted(itertools.chain.from_iterable(slots)) == pytest.approx(
        [k / 15 for k in range(200)]
    )
    assert all(mine == sorted(mine) for mine in slots)


# No deadline or speed check: both time the example on the wall clock.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.sampled_from([1.0, 2.5, 4.0, 10.0, 15.0, 33.0]) | st.floats(0.5, 60.0),
    burst=st.integers(1, 6),
    pauses=st.lists(
        st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.3, 2.0]), min_size=1, max_size=30),
        min_size=2,
        max_size=6,
    ),
)
def test_no_second_of_virtual_time_holds_more_than_rate_plus_burst(
    rate: float, burst: int, pauses: list[list[float]]
) -> None:
    """Any threads, any pauses: no second holds over rate + burst slots, no span over its share."""
    clock = ThreadTimeClock()
    limiter = RateLimiter(rate, clock=clock, burst=burst)
    slots = sorted(itertools.chain.from_iterable(_acquire_in_threads(limiter, clock, pauses)))
    assert _busiest_second(slots) <= rate + burst
    # From any slot to any later one: at most burst back to back plus rate per second between.
    for i, first in enumerate(slots):
        for j in range(i, len(slots)):
            assert j - i + 1 <= burst + (slots[j] - first) * rate + 1e-6, (i, j)


def test_a_slot_past_the_deadline_is_refused_and_not_reserved() -> None:
    """acquire(deadline) refuses at once when its slot would come later, and reserves nothing."""
    clock = VirtualClock()
    limiter = RateLimiter(2.0, clock=clock)
    assert limiter.acquire(deadline=0.0)  # slot 0.0
    assert not limiter.acquire(deadline=0.4)  # its slot, 0.5, is past the deadline
    assert clock.sleeps == []  # refused without waiting
    assert limiter.acquire(deadline=0.5)  # the refused caller did not take slot 0.5
    assert clock.now() == 0.5
    assert limiter.acquire()  # no deadline: always served, at 1.0
    assert clock.now() == 1.0


def test_rate_limits_default_to_lambdas_quotas() -> None:
    """RateLimits() is 15/s for the control plane, 100/s for GetFunction, calls spaced evenly."""
    limits = RateLimits()
    assert (limits.control_plane, limits.get_function, limits.burst) == (15.0, 100.0, 1)


# -- deploy_many under the quota ---------------------------------------------------------------


def test_deploy_many_stays_under_the_quota(app: Path) -> None:
    """A 30-function fleet runs at 15/s: no second of virtual time over the quota, no 429."""
    sim = _fleet(30)
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(30)]
    results = client.deploy_many(targets, max_concurrency=16, on_event=_start_together(16))
    assert all(isinstance(r, DeployResult) and r.changed for r in results)
    times = _control_plane_times(sim)
    assert _throttled(times, 15.0) == []
    assert sim.calls["UpdateFunctionCode"] == 30
    # Slots are 1/15 s apart; as sums of floats the 16th may land a rounding error short of 1 s.
    assert _busiest_second(times) <= 15 + 1
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 15 - _ROUNDING


def test_deploy_many_rate_limits_are_settable(app: Path) -> None:
    """A lower account quota is respected when given as rate_limits."""
    sim = _fleet(6)
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(6)]
    results = client.deploy_many(
        targets, rate_limits=RateLimits(control_plane=5.0), on_event=_start_together(6)
    )
    assert all(isinstance(r, DeployResult) for r in results)
    times = _control_plane_times(sim)
    assert _throttled(times, 5.0) == []
    assert _busiest_second(times) <= 5 + 1
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 5 - _ROUNDING


def test_deploy_many_spaces_every_control_plane_call_including_retries(app: Path) -> None:
    """Updates, retries after a 500 and polls all take slots: any two are 1/15 s apart or more."""
    sim = _fleet(20)
    for i in range(0, 20, 2):
        sim.add_fault(
            "server_error", operation="UpdateFunctionCode", function_name=f"fn-{i}", times=1
        )
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(20)]
    results = client.deploy_many(targets, max_concurrency=8, on_event=_start_together(8))
    assert all(isinstance(r, DeployResult) and r.changed for r in results)
    assert sim.errors["ServiceException"] == 10
    assert sim.calls["UpdateFunctionCode"] == 30
    times = _control_plane_times(sim)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 15 - _ROUNDING
    assert _throttled(times, 15.0) == []


def test_deploy_many_with_the_quota_burst_sees_no_429(app: Path) -> None:
    """RateLimits(burst=15) sends up to 15 calls at once yet never outruns Lambda's bucket."""
    sim = _fleet(30)
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(30)]
    results = client.deploy_many(
        targets,
        rate_limits=RateLimits(burst=15),
        max_concurrency=30,
        on_event=_start_together(30),
    )
    assert all(isinstance(r, DeployResult) and r.changed for r in results)
    times = _control_plane_times(sim)
    assert _throttled(times, 15.0) == []
    assert _busiest_second(times) <= 15 + 15
