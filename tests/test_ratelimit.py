"""The adaptive rate limiter and deploy_many at the quota, in virtual time, whatever threads do.

No assertion here reads the wall clock, so none depends on how the machine schedules threads.
Threads that share one `VirtualClock` would each move everyone's time when they sleep, so the
time a request carries would depend on which thread ran first. `ThreadTimeClock` gives each
thread its own virtual time instead: a request is stamped with exactly the time its thread's
sleeps reached, which for a rate-limited call is the slot the limiter handed out.

Fleets whose parts must meet in time (a competing client, waits that learn from one another)
run on the async client in `VirtualTimeLoop`, an event loop whose clock jumps to the next
timer whenever every task waits: one thread, deterministic, and as fast as the code runs.
"""

import asyncio
import bisect
import importlib.util
import itertools
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_code import (
    DeployEvent,
    DeployResult,
    DeployTarget,
    LambdaCodeClient,
    RateLimits,
    RequestValidationError,
    UpdateFunctionCodeRequest,
    UploadingEvent,
    WaitTimeoutError,
    ZipPackage,
)
from lambda_code._ratelimit import DECREASE, INCREASE, JITTER, Admission, RateLimiter
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip

if TYPE_CHECKING:
    import selectors

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


def _conforms(slots: Sequence[float], rate: float, capacity: float) -> None:
    """From any slot to any later one: at most `capacity` back to back, then `rate` a second."""
    for i, first in enumerate(slots):
        for j in range(i, len(slots)):
            assert j - i + 1 <= capacity + (slots[j] - first) * rate + 1e-6, (i, j)


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
            assert limiter.acquire()
            slots[index].append(clock.now())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(pauses))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [len(s) for s in slots] == [len(p) for p in pauses]  # no thread died
    return slots


def _slots(limiter: RateLimiter, clock: VirtualClock, count: int) -> list[float]:
    """`count` slots taken one after another on one thread: the times they came."""
    taken = []
    for _ in range(count):
        assert limiter.acquire()
        taken.append(clock.now())
    return taken


# -- RateLimits --------------------------------------------------------------------------------


def test_rate_limits_default_to_lambdas_quotas() -> None:
    """15/s control plane, 100/s GetFunction, one second's burst each, polls half of GetFunction."""
    limits = RateLimits()
    assert (limits.control_plane, limits.get_function) == (15.0, 100.0)
    assert (limits.burst, limits.polls, limits.adaptive) == (None, None, True)
    control, reads, polls = limits.limiters(VirtualClock())
    assert control.quota == 15.0
    assert control.capacity == pytest.approx(15 * (1 - JITTER))
    assert reads.capacity == pytest.approx(100 * (1 - JITTER))
    assert (polls.quota, polls.capacity, polls.adaptive) == (50.0, 13.0, False)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"control_plane": 0}, "RateLimits.control_plane"),
        ({"get_function": float("nan")}, "RateLimits.get_function"),
        ({"burst": 0}, "RateLimits.burst"),
        ({"burst": 2.5}, "RateLimits.burst"),
        ({"polls": -1.0}, "RateLimits.polls"),
        ({"polls": 150.0}, "RateLimits.polls"),
        ({"adaptive": "yes"}, "RateLimits.adaptive"),
    ],
)
def test_bad_rate_limits_name_the_field(options: dict[str, Any], field: str) -> None:
    """Every bad setting is a RequestValidationError naming its field, before any limiter."""
    with pytest.raises(RequestValidationError) as info:
        RateLimits(**options)
    assert info.value.field == field


# -- RateLimiter: the bucket -------------------------------------------------------------------


def test_a_full_bucket_then_the_rate() -> None:
    """burst=3 at 10/s: three slots at once, then one every 0.1 s."""
    clock = VirtualClock()
    limiter = RateLimiter(10.0, clock=clock, burst=3)
    assert _slots(limiter, clock, 6) == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3])


def test_the_default_burst_is_a_second_less_the_jitter_allowance() -> None:
    """At 15/s, 14 slots at once; the 15th when the bucket has refilled a whole token."""
    clock = VirtualClock()
    limiter = RateLimiter(15.0, clock=clock)
    slots = _slots(limiter, clock, 17)
    spare = 15 * (1 - JITTER) - 14  # the part of a token left after the burst
    assert slots[:14] == [0.0] * 14
    assert slots[14:] == pytest.approx([(1 - spare + k) / 15 for k in range(3)])


def test_idle_time_refills_only_up_to_the_burst() -> None:
    """After ten idle seconds, one burst goes at once and the next call waits an interval."""
    clock = VirtualClock()
    limiter = RateLimiter(4.0, clock=clock, burst=2)
    _slots(limiter, clock, 5)
    clock.advance(10.0)
    start = clock.now()
    assert [t - start for t in _slots(limiter, clock, 3)] == pytest.approx([0, 0, 0.25])


def test_threads_calling_again_and_again_share_one_even_schedule() -> None:
    """8 threads x 25 calls at 15/s, burst 1: slots 0, 1/15, 2/15, ... one each, in order."""
    clock = ThreadTimeClock()
    limiter = RateLimiter(15.0, clock=clock, burst=1)
    slots = _acquire_in_threads(limiter, clock, [[0.0] * 25] * 8)
    assert sorted(itertools.chain.from_iterable(slots)) == pytest.approx(
        [k / 15 for k in range(200)]
    )
    assert all(mine == sorted(mine) for mine in slots)


# No deadline or speed check: both time the example on the wall clock.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rate=st.sampled_from([1.0, 2.5, 4.0, 10.0, 15.0, 33.0]) | st.floats(0.5, 60.0),
    burst=st.none() | st.integers(1, 20),
    pauses=st.lists(
        st.lists(st.sampled_from([0.0, 0.0, 0.0, 0.01, 0.3, 2.0]), min_size=1, max_size=30),
        min_size=2,
        max_size=6,
    ),
)
def test_no_second_of_virtual_time_holds_more_than_rate_plus_burst(
    rate: float, burst: int | None, pauses: list[list[float]]
) -> None:
    """Any threads, any pauses: no second holds over rate + burst slots, no span over its share."""
    clock = ThreadTimeClock()
    limiter = RateLimiter(rate, clock=clock, burst=burst)
    slots = sorted(itertools.chain.from_iterable(_acquire_in_threads(limiter, clock, pauses)))
    assert limiter.capacity <= (burst or max(rate, 1.0))
    assert _busiest_second(slots) <= rate + limiter.capacity
    _conforms(slots, rate, limiter.capacity)


def test_a_slot_past_the_deadline_is_refused_and_not_reserved() -> None:
    """acquire(deadline) refuses at once when its slot would come later, and reserves nothing."""
    clock = VirtualClock()
    limiter = RateLimiter(2.0, clock=clock, burst=1)
    assert limiter.acquire(deadline=0.0)  # slot 0.0
    assert not limiter.acquire(deadline=0.4)  # its slot, 0.5, is past the deadline
    assert clock.sleeps == []  # refused without waiting
    assert limiter.acquire(deadline=0.5)  # the refused caller did not take slot 0.5
    assert clock.now() == 0.5
    assert limiter.acquire()  # no deadline: always served, at 1.0
    assert clock.now() == 1.0


# -- RateLimiter: adapting to 429s -------------------------------------------------------------


def test_a_429_cuts_the_rate_which_then_climbs_back() -> None:
    """After a 429 the rate is 0.7 of what it was and climbs by a tenth of the quota a second."""
    clock = VirtualClock()
    limiter = RateLimiter(20.0, clock=clock)
    limiter.throttled()
    assert limiter.rate() == pytest.approx(20 * DECREASE)
    clock.advance(1.0)
    assert limiter.rate() == pytest.approx(20 * DECREASE + 20 * INCREASE)
    clock.advance(10.0)
    assert limiter.rate() == 20.0


def test_after_a_429_the_calls_are_spaced_at_the_cut_rate() -> None:
    """The bucket is emptied by a 429 and refills at the cut rate, climbing back to the quota."""
    clock = VirtualClock()
    limiter = RateLimiter(10.0, clock=clock, burst=1)
    limiter.throttled()  # rate 7, climbing by 1 a second
    slots = _slots(limiter, clock, 40)
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert gaps[0] == pytest.approx(1 / 7, rel=0.05)
    assert all(a >= b - _ROUNDING for a, b in itertools.pairwise(gaps))  # ever closer
    assert gaps[-1] == pytest.approx(0.1)  # back at the quota after 3 s
    assert slots[-1] > 39 / 10  # slower than the quota would have been


def test_repeated_429s_back_off_further_down_to_a_floor() -> None:
    """Each 429 of a call sent after the last cut cuts again; the rate never drops below 5 %."""
    clock = VirtualClock()
    limiter = RateLimiter(10.0, clock=clock)
    expected = 10.0
    for _ in range(20):
        limiter.throttled()
        expected = max(0.5, expected * DECREASE)
        assert limiter.rate() == pytest.approx(expected)
    assert limiter.rate() == pytest.approx(0.5)


def test_429s_of_calls_already_under_way_cut_only_once() -> None:
    """Calls admitted before a cut that come back 429 too tell nothing new: one cut, not three."""
    clock = VirtualClock()
    limiter = RateLimiter(10.0, clock=clock)
    admissions = [Admission(limiter) for _ in range(3)]
    for admission in admissions:
        assert admission.delay() == 0.0
    for admission in admissions:
        admission.throttled(None)
    assert limiter.rate() == pytest.approx(10 * DECREASE)
    again = Admission(limiter)
    assert again.delay() is not None
    clock.sleep(again.delay() or 0.0)
    assert again.delay() == 0.0
    again.throttled(None)  # sent after the cut: a new signal
    assert limiter.rate() < 10 * DECREASE * 0.75


def test_retry_after_holds_every_caller_including_those_already_queued() -> None:
    """A 429 with Retry-After 2 voids queued slots: nobody starts before 2 s have passed."""
    clock = VirtualClock()
    limiter = RateLimiter(10.0, clock=clock, burst=1)
    assert limiter.acquire()
    queued = [Admission(limiter) for _ in range(5)]
    first_slots = [a.delay() for a in queued]
    assert first_slots == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    limiter.throttled(retry_after=2.0)
    clock.sleep(0.1)  # the first queued caller wakes at its slot, which is void
    assert queued[0].delay() == pytest.approx(1.9)
    clock.sleep(1.9)
    starts = []
    for admission in queued:
        while (delay := admission.delay()) != 0.0:
            assert delay is not None
            clock.sleep(delay)
        starts.append(clock.now())
    assert min(starts) >= 2.0
    assert starts == sorted(starts)


def test_a_fixed_limiter_ignores_429s() -> None:
    """adaptive=False keeps the rate and the queued slots whatever Lambda says."""
    clock = VirtualClock()
    limiter = RateLimiter(10.0, clock=clock, burst=1, adaptive=False)
    admission = Admission(limiter)
    assert admission.delay() == 0.0
    admission.throttled(5.0)
    assert limiter.rate() == 10.0
    assert _slots(limiter, clock, 2) == pytest.approx([0.1, 0.2])


@attrs.frozen
class _Acquire:
    pause: float


@attrs.frozen
class _Throttle:
    retry_after: float | None


# No deadline or speed check: both time the example on the wall clock.
@settings(max_examples=150, deadline=None)
@given(
    rate=st.sampled_from([2.0, 10.0, 15.0, 100.0]),
    burst=st.none() | st.integers(1, 20),
    steps=st.lists(
        st.builds(_Acquire, st.sampled_from([0.0, 0.0, 0.0, 0.05, 0.5, 3.0]))
        | st.builds(_Throttle, st.none() | st.sampled_from([0.5, 1.0, 2.0])),
        max_size=80,
    ),
)
def test_429s_never_make_a_limiter_exceed_its_quota_or_start_in_a_pause(
    rate: float, burst: int | None, steps: list[_Acquire | _Throttle]
) -> None:
    """Whatever 429s come: no second over rate + burst, no call inside a Retry-After pause."""
    clock = VirtualClock()
    limiter = RateLimiter(rate, clock=clock, burst=burst)
    slots: list[float] = []
    pauses: list[tuple[float, float]] = []
    for step in steps:
        if isinstance(step, _Throttle):
            pauses.append((clock.now(), clock.now() + (step.retry_after or 0.0)))
            limiter.throttled(step.retry_after)
        else:
            clock.sleep(step.pause)
            assert limiter.acquire()
            slots.append(clock.now())
    assert _busiest_second(slots) <= rate + limiter.capacity
    _conforms(slots, rate, limiter.capacity)
    for start, end in pauses:
        assert not [t for t in slots if start < t < end - _ROUNDING]
    clock.advance(1 / INCREASE)  # long enough to climb back from any cut
    assert limiter.rate() == rate


# -- deploy_many under the quota (threads, per-thread time) ----------------------------------


def test_deploy_many_stays_under_the_quota(app: Path) -> None:
    """A 30-function fleet: the burst, then 15/s; Lambda's bucket never runs dry."""
    sim = _fleet(30)
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(30)]
    results = client.deploy_many(targets, max_concurrency=30, on_event=_start_together(30))
    assert all(isinstance(r, DeployResult) and r.changed for r in results)
    times = _control_plane_times(sim)
    assert sim.calls["UpdateFunctionCode"] == 30
    assert _throttled(times, 15.0) == []
    assert _busiest_second(times) <= 15 + 15
    assert times.count(0.0) == 14  # the burst, less the allowance for lateness


def test_deploy_many_rate_limits_are_settable(app: Path) -> None:
    """A lower account quota is respected when given as rate_limits."""
    sim = _fleet(12)
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(12)]
    results = client.deploy_many(
        targets, rate_limits=RateLimits(control_plane=5.0), on_event=_start_together(12)
    )
    assert all(isinstance(r, DeployResult) for r in results)
    times = _control_plane_times(sim)
    assert _throttled(times, 5.0) == []
    assert _busiest_second(times) <= 5 + 5


def test_deploy_many_spaces_every_control_plane_call_including_retries(app: Path) -> None:
    """Updates and retries after a 500 all take slots: evenly spaced with burst=1."""
    sim = _fleet(20)
    for i in range(0, 20, 2):
        sim.add_fault(
            "server_error", operation="UpdateFunctionCode", function_name=f"fn-{i}", times=1
        )
    client: LambdaCodeClient = sim.lambda_code_client()
    targets = [DeployTarget(function_name=f"fn-{i}", code=app) for i in range(20)]
    results = client.deploy_many(
        targets,
        max_concurrency=8,
        rate_limits=RateLimits(burst=1),
        on_event=_start_together(8),
    )
    assert all(isinstance(r, DeployResult) and r.changed for r in results)
    assert sim.errors["ServiceException"] == 10
    assert sim.calls["UpdateFunctionCode"] == 30
    times = _control_plane_times(sim)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 15 - _ROUNDING
    assert _throttled(times, 15.0) == []


def test_a_429_answered_to_a_call_slows_its_limiter(clock: VirtualClock) -> None:
    """The retry layer passes a 429 to the limiter: the calls after it go at the cut rate."""
    sim = SimulatedLambda(clock=clock)
    sim.create_function("fn")
    sim.reset_counters()
    client: LambdaCodeClient = sim.lambda_code_client(rate_limits=RateLimits(burst=1))
    sim.add_fault("throttle", operation="GetFunctionConfiguration", times=1, retry_after=1)
    for _ in range(6):
        client.get_function_configuration("fn")
    times = [r.time for r in sim.history if r.status == 200]
    assert times[0] >= 1.0  # the throttled call waited out its Retry-After
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) > 1 / 15 * 1.1  # 15/s cut to 10.5/s, climbing by 1.5 a second


def test_a_429_answered_to_a_poll_slows_the_get_function_limiter(clock: VirtualClock) -> None:
    """A throttled poll is reported too: the GetFunction calls after it are spaced wider."""
    sim = SimulatedLambda(clock=clock, update_duration=5.0)
    sim.create_function("fn")
    limits = RateLimits(get_function=4.0, burst=1)
    client: LambdaCodeClient = sim.lambda_code_client(rate_limits=limits)
    client.update_function_code(
        UpdateFunctionCodeRequest(function_name="fn", zip_file=make_zip({"a.py": b"2"}))
    )
    sim.reset_counters()
    sim.add_fault("throttle", operation="GetFunction", times=1, retry_after=1)
    with pytest.raises(WaitTimeoutError):
        client.wait_until_updated("fn", timeout=0.5)  # its next poll would be in the pause
    for _ in range(4):
        client.get_function("fn")
    reads = [r.time for r in sim.history][-4:]
    assert reads[0] >= 1.0
    assert min(b - a for a, b in itertools.pairwise(reads)) > 0.25 * 1.1  # 4/s cut to 2.8/s


# -- fleets on the async client, in one virtual-time event loop ------------------------------


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time: when every task waits, the clock jumps to the next timer.

    Nothing in these tests does real I/O (the simulator answers in-process), so a select that
    finds nothing ready can only be waiting for a timer: instead of blocking, time moves on.
    """

    def __init__(self) -> None:
        super().__init__()
        self.virtual_now = 0.0
        selector: selectors.BaseSelector = self._selector  # type: ignore[attr-defined]
        select = selector.select

        def jump(timeout: float | None = None) -> list[Any]:
            ready = select(0)
            if ready or timeout == 0:
                return ready
            if timeout is None:
                raise AssertionError("every task waits and no timer is set: a deadlock")
            self.virtual_now += timeout
            return ready

        selector.select = jump  # type: ignore[method-assign]

    def time(self) -> float:
        return self.virtual_now


class LoopClock:
    """The `VirtualTimeLoop`'s time as a lambda-code `Clock`, for the client and the simulator."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._loop = loop

    def now(self) -> float:
        return self._loop.time()

    def time(self) -> float:
        return _EPOCH + self.now()

    def sleep(self, seconds: float) -> None:
        raise AssertionError(f"a blocking sleep ({seconds} s) on the event loop")

    async def async_sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@attrs.frozen
class FleetRun:
    """What one virtual-time fleet did."""

    seconds: float
    results: list[DeployResult | Exception]
    sim: SimulatedLambda
    competitor_ok: int = 0
    competitor_throttled: int = 0

    @property
    def failures(self) -> list[Exception]:
        return [r for r in self.results if not isinstance(r, DeployResult)]

    def polls(self) -> list[float]:
        """Times of the GetFunction requests after each function's first (its read)."""
        seen: set[str | None] = set()
        polls = []
        for record in self.sim.history:
            if record.operation != "GetFunction":
                continue
            if record.function_name in seen:
                polls.append(record.time)
            seen.add(record.function_name)
        return polls


def _floor(count: int, rate: float = 15.0, burst: int = 15) -> float:
    """The least time a fleet of 1 s updates can take: the burst free, the rest at `rate`."""
    return max(count - burst, 0) / rate + 1.0


def _async_fleet(
    count: int,
    *,
    competitor_rate: float | None = None,
    update_duration: float = 1.0,
    **deploy_options: Any,
) -> FleetRun:
    """`count` functions deployed by AsyncLambdaCodeClient.deploy_many in virtual time.

    With `competitor_rate`, another client sends GetFunctionConfiguration requests at that
    steady rate meanwhile (on the same account's quota), whatever answers it gets.
    """
    from botocore.exceptions import ClientError

    from lambda_code.aio import AsyncLambdaCodeClient

    loop = VirtualTimeLoop()
    clock = LoopClock(loop)
    sim = SimulatedLambda(clock=clock, update_duration=update_duration, throttling=False)
    for i in range(count):
        sim.create_function(f"fn-{i}")
    sim.create_function("bystander")
    sim.throttling = True
    sim.control_plane_rate = 15.0  # fresh, full buckets
    sim.get_function_rate = 100.0
    sim.reset_counters()
    targets = [
        DeployTarget(
            function_name=f"fn-{i}", code=ZipPackage.from_bytes(make_zip({"a.py": b"%d" % i}))
        )
        for i in range(count)
    ]
    tally = {"ok": 0, "throttled": 0}

    async def compete(raw: Any, rate: float, stop: asyncio.Event) -> None:
        for k in itertools.count():
            delay = k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if stop.is_set():
                return
            try:
                await raw.get_function_configuration(FunctionName="bystander")
                tally["ok"] += 1
            except ClientError:
                tally["throttled"] += 1

    async def run() -> tuple[float, list[DeployResult | Exception]]:
        async with sim.aio_client() as raw:
            client = AsyncLambdaCodeClient(raw, clock=clock)
            stop = asyncio.Event()
            competing = (
                asyncio.ensure_future(compete(raw, competitor_rate, stop))
                if competitor_rate
                else None
            )
            results = await client.deploy_many(targets, **deploy_options)
            seconds = loop.time()
            stop.set()
            if competing is not None:
                await competing
        return seconds, results

    try:
        seconds, results = loop.run_until_complete(run())
    finally:
        loop.close()
    return FleetRun(seconds, results, sim, tally["ok"], tally["throttled"])


if importlib.util.find_spec("aiobotocore") is not None:  # the async extra; not in a sync-only run

    def test_a_fleet_runs_at_the_true_floor() -> None:
        """50 functions: within 1.03x of (N - burst)/15 + 1 s, no 429, <= 3 polls a function."""
        run = _async_fleet(50)
        assert run.failures == []
        assert run.seconds <= 1.03 * _floor(50)
        assert sum(run.sim.throttled.values()) == 0
        assert _throttled(_control_plane_times(run.sim), 15.0) == []
        assert len(run.polls()) <= 3 * 50

    def test_a_fleet_shares_the_quota_with_a_competing_client() -> None:
        """Another client spending half the quota: no failure, within 1.15x of the fair share."""
        run = _async_fleet(100, competitor_rate=7.5)
        assert run.failures == []
        assert run.sim.throttled["UpdateFunctionCode"] > 0  # it had to adapt
        assert run.seconds <= 1.15 * _floor(100, rate=7.5)
        # ... and left the other client most of its half.
        assert run.competitor_throttled <= 0.1 * (run.competitor_ok + run.competitor_throttled)

    def test_a_fleets_polls_keep_within_their_budget() -> None:
        """Polls never spend over their share of GetFunction in any second, nor 3 a function."""
        run = _async_fleet(120, rate_limits=RateLimits(polls=8.0))
        assert run.failures == []
        polls = run.polls()
        assert _busiest_second(polls) <= 8 + 2  # the budget and its quarter-second burst
        assert len(polls) <= 3 * 120
        default = _async_fleet(120)
        assert _busiest_second(default.polls()) <= 50 + 13

    def test_the_fleets_waits_learn_when_updates_finish() -> None:
        """Updates of 3 s: after the first, the others are polled about when they finish."""
        run = _async_fleet(60, update_duration=3.0)
        assert run.failures == []
        assert len(run.polls()) <= 2 * 60
        assert run.seconds <= _floor(60) + 2.0 + 0.1

    def test_a_retry_after_holds_the_other_callers_too() -> None:
        """One call's 429 with Retry-After 3 s: a call started meanwhile waits for the pause."""
        from lambda_code.aio import AsyncLambdaCodeClient

        loop = VirtualTimeLoop()
        clock = LoopClock(loop)
        sim = SimulatedLambda(clock=clock)
        for name in ("a", "b"):
            sim.create_function(name)
        sim.add_fault("throttle", operation="GetFunctionConfiguration", times=1, retry_after=3)

        async def run() -> float:
            async with sim.aio_client() as raw:
                client = AsyncLambdaCodeClient(raw, clock=clock, rate_limits=RateLimits())
                throttled = asyncio.ensure_future(client.get_function_configuration("a"))
                await asyncio.sleep(0.5)
                await client.get_function_configuration("b")
                started_b = [r.time for r in sim.history if r.function_name == "b"][-1]
                await throttled
                return started_b

        try:
            assert loop.run_until_complete(run()) >= 3.0
        finally:
            loop.close()
