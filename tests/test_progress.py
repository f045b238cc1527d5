"""``lambda_code.progress``: what people see of a deploy, on a terminal, in a log, in a notebook."""

from __future__ import annotations

import io
import re
import sys
import threading
import types
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambda_code.progress
from lambda_code import (
    AliasEvent,
    AliasUpdate,
    DeployEvent,
    DeployResult,
    DeployTarget,
    DoneEvent,
    FunctionConfiguration,
    PolledEvent,
    PublishedEvent,
    ReadingEvent,
    RequestValidationError,
    ResolvedEvent,
    SkippedEvent,
    StagedEvent,
    UpdateFailedError,
    UpdatingEvent,
    UploadingEvent,
    UploadProgressEvent,
)
from lambda_code import _progress as progress
from lambda_code.progress import Reporter
from lambda_code.testing import SimulatedLambda, VirtualClock, make_zip
from terminal import HANG, render
from terminal_demo import NoRich

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

SPINNER = set(progress._UNICODE.spinner)


# -- streams and screens -----------------------------------------------------------------------


class _Terminal(io.StringIO):
    """A stream that says it is a terminal, and lets a test wait for its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.written = threading.Condition()

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self.written:
            self.writes.append(text)
            self.written.notify_all()
        return super().write(text)

    def wait_for(self, enough: Callable[[list[str]], bool]) -> None:
        with self.written:
            assert self.written.wait_for(lambda: enough(self.writes), timeout=HANG)


class _ClosedPipe(_Terminal):
    """A terminal whose reader has gone: every write fails."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def _carriage_screen(output: str) -> list[str]:
    """The rows output made only of text, \\r and \\n leaves on a terminal (no wrapping)."""
    rows = []
    for chunk in output.split("\n"):
        cells: list[str] = []
        column = 0
        for char in chunk:
            if char == "\r":
                column = 0
                continue
            if column < len(cells):
                cells[column] = char
            else:
                cells.append(char)
            column += 1
        rows.append("".join(cells).rstrip())
    return [row for row in rows if row]


@pytest.fixture
def no_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich cannot be imported, as where the ``cli`` extra is not installed."""
    for name in [name for name in sys.modules if name.partition(".")[0] == "rich"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [NoRich(), *sys.meta_path])


@pytest.fixture(autouse=True)
def _colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the environment running the tests, a terminal here takes colour."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture
def sim() -> Iterator[SimulatedLambda]:
    """A simulated Lambda on a virtual clock, with ``fn``; an update takes 2 seconds."""
    simulator = SimulatedLambda(update_duration=2.0)
    simulator.create_function("fn", make_zip({"app.py": b"first"}))
    try:
        yield simulator
    finally:
        simulator.detach()


def _deploy(sim: SimulatedLambda, reporter: Reporter, **options: Any) -> DeployResult:
    client = sim.lambda_code_client()
    code = make_zip({"app.py": b"second"})
    return client.deploy("fn", code, on_event=reporter.on_event, **options)


# -- events, one by one ------------------------------------------------------------------------

_CONFIG = FunctionConfiguration(function_name="fn", last_update_status="InProgress")
_RESULT = DeployResult(configuration=_CONFIG, changed=True, elapsed=2.5)


@pytest.mark.parametrize(
    ("event", "line"),
    [
        (ReadingEvent(function_name="fn", elapsed=0), "reading the function's code and revision"),
        (
            SkippedEvent(function_name="fn", elapsed=0, code_sha256="abc="),
            "unchanged (CodeSha256 abc=): skipped",
        ),
        (
            ResolvedEvent(function_name="fn", elapsed=0, tag_uri="r/app:1", uri="r/app@sha256:9f"),
            "resolved r/app:1 to sha256:9f",
        ),
        (
            UploadingEvent(function_name="fn", elapsed=0, size=1536, code_sha256=None, source="d"),
            "uploading 1.5 KiB",
        ),
        (
            UploadingEvent(
                function_name="fn", elapsed=0, size=None, code_sha256=None, source="s3://b/k"
            ),
            "uploading s3://b/k",
        ),
        (
            UploadProgressEvent(function_name="fn", elapsed=0, sent=1024, total=4096),
            "uploading to S3: 1.0 KiB of 4.0 KiB (25%)",
        ),
        (
            StagedEvent(function_name="fn", elapsed=0, location="s3://b/k", uploaded=True),
            "staged at s3://b/k",
        ),
        (
            StagedEvent(function_name="fn", elapsed=0, location="s3://b/k", uploaded=False),
            "already in S3 at s3://b/k",
        ),
        (
            UpdatingEvent(function_name="fn", elapsed=0, configuration=_CONFIG),
            "LastUpdateStatus InProgress",
        ),
        (PublishedEvent(function_name="fn", elapsed=0, version="3"), "published version 3"),
        (
            AliasEvent(
                function_name="fn",
                elapsed=0,
                alias=AliasUpdate(name="live", version="3", action="created"),
            ),
            "alias live created → version 3",
        ),
        (
            AliasEvent(
                function_name="fn",
                elapsed=0,
                alias=AliasUpdate(name="live", version="3", action="updated", previous="2"),
            ),
            "alias live updated: version 2 → 3",
        ),
        (
            AliasEvent(
                function_name="fn",
                elapsed=0,
                alias=AliasUpdate(name="live", version="3", action="unchanged"),
            ),
            "alias live already at version 3",
        ),
        (DoneEvent(function_name="fn", elapsed=2.5, result=_RESULT), "updated in 2.5s"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, DeployEvent) else "",
)
def test_each_event_is_one_plain_line(event: DeployEvent, line: str) -> None:
    """Off a terminal each event is a line naming its function, with its elapsed time."""
    stream = io.StringIO()
    Reporter(stream).on_event(event)
    expected = f"fn: {line}" if isinstance(event, DoneEvent) else f"fn: {line}  [0.0s]"
    assert stream.getvalue() == expected + "\n"


def test_an_unknown_event_shows_nothing() -> None:
    """An event type this version does not know is not shown, and breaks nothing."""

    @attrs.frozen(kw_only=True)
    class LaterEvent(DeployEvent):
        pass

    stream = io.StringIO()
    with Reporter(stream) as reporter:
        reporter.on_event(LaterEvent(function_name="fn", elapsed=0))
    assert stream.getvalue() == ""


def test_the_summary_says_version_and_alias() -> None:
    """A deploy's last line says what it published and where its alias points."""
    result = attrs.evolve(
        _RESULT, version="4", alias=AliasUpdate(name="live", version="4", action="updated")
    )
    stream = io.StringIO()
    Reporter(stream).on_event(DoneEvent(function_name="fn", elapsed=1, result=result))
    assert stream.getvalue() == "fn: updated in 2.5s (version 4, alias live → 4)\n"


def test_plain_upload_progress_is_a_line_per_tenth() -> None:
    """Off a terminal, an S3 upload of many chunks is at most eleven lines: 0%, 10% ... 100%."""
    stream = io.StringIO()
    reporter = Reporter(stream)
    for sent in range(0, 100_001, 500):
        reporter.on_event(
            UploadProgressEvent(function_name="fn", elapsed=0, sent=sent, total=100_000)
        )
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11
    assert lines[-1] == "fn: uploading to S3: 97.7 KiB of 97.7 KiB (100%)  [0.0s]"


def test_human_sizes() -> None:
    """Sizes read in bytes, KiB or MiB."""
    assert progress._human_size(0) == "0 B"
    assert progress._human_size(1023) == "1023 B"
    assert progress._human_size(1536) == "1.5 KiB"
    assert progress._human_size(50 * 1024 * 1024) == "50.0 MiB"


# -- a whole deploy, off a terminal --------------------------------------------------------------


def test_plain_lines_for_a_deploy(sim: SimulatedLambda) -> None:
    """Off a terminal: a line per event, the transition as it happens, and a summary."""
    stream = io.StringIO()
    with Reporter(stream, clock=sim.clock.now) as reporter:
        _deploy(sim, reporter, publish=True)
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0] == "fn: reading the function's code and revision  [0.0s]"
    assert lines[1].startswith("fn: uploading ")
    assert lines[2] == "fn: LastUpdateStatus InProgress  [0.0s]"
    assert lines[3] == "fn: published version 1  [0.0s]"
    [transition] = [line for line in lines if "→" in line]
    assert re.fullmatch(r"fn: LastUpdateStatus InProgress → Successful  \[2\.\ds\]", transition)
    assert re.fullmatch(r"fn: updated in 2\.\ds \(version 1\)", lines[-1])


def test_without_summary_the_last_line_is_the_last_status(sim: SimulatedLambda) -> None:
    """summary=False leaves the summary to the caller (the command prints its own)."""
    stream = io.StringIO()
    with Reporter(stream, summary=False, clock=sim.clock.now) as reporter:
        _deploy(sim, reporter)
    last = stream.getvalue().splitlines()[-1]
    assert re.fullmatch(r"fn: LastUpdateStatus InProgress → Successful  \[2\.\ds\]", last)


def test_term_dumb_is_plain(sim: SimulatedLambda, monkeypatch: pytest.MonkeyPatch) -> None:
    """TERM=dumb: even on a terminal, plain lines, with neither \\r nor escape sequences."""
    monkeypatch.setenv("TERM", "dumb")
    stream = _Terminal()
    with Reporter(stream, clock=sim.clock.now) as reporter:
        _deploy(sim, reporter)
    assert "\r" not in stream.getvalue()
    assert "\x1b" not in stream.getvalue()
    assert re.search(r"\nfn: updated in 2\.\ds\n$", stream.getvalue())


def test_a_stream_without_unicode_gets_ascii() -> None:
    """A stream whose encoding has no arrow (a Windows code page) gets ->."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp1252")
    reporter = Reporter(stream)
    for status in ("InProgress", "Successful"):
        configuration = attrs.evolve(_CONFIG, last_update_status=status)
        reporter.on_event(PolledEvent(function_name="fn", elapsed=0, configuration=configuration))
    stream.flush()
    assert raw.getvalue().decode("cp1252").splitlines()[-1] == (
        "fn: LastUpdateStatus InProgress -> Successful  [0.0s]"
    )


# -- a whole deploy, on a terminal ---------------------------------------------------------------

#: What a deploy with publish leaves on a terminal. Its times vary a little: polls are jittered.
_FINAL_SCREEN = [
    r"✓ fn: LastUpdateStatus InProgress → Successful  \[2\.\ds\]",
    r"✓ fn: updated in 2\.\ds \(version 1\)",
]


def _assert_screen(rows: list[str], patterns: list[str]) -> None:
    assert len(rows) == len(patterns), rows
    for row, pattern in zip(rows, patterns, strict=True):
        assert re.fullmatch(pattern, row), row


@pytest.fixture(params=["rich", "no-rich"])
def renderer(request: pytest.FixtureRequest) -> str:
    """With rich installed (the ``cli`` extra), and without it."""
    if request.param == "no-rich":
        request.getfixturevalue("no_rich")
    name: str = request.param
    return name


def test_live_line_leaves_the_finished_steps(sim: SimulatedLambda, renderer: str) -> None:
    """On a terminal, finished steps stay marked ✓ and the live line is gone, rich or not."""
    stream = _Terminal()
    with Reporter(stream, clock=sim.clock.now) as reporter:
        _deploy(sim, reporter, publish=True)
        view = type(reporter._view).__name__
    assert view == ("_RichView" if renderer == "rich" else "_LineView")
    _assert_screen(render(stream.getvalue()), _FINAL_SCREEN)
    assert stream.getvalue().rfind(progress._SHOW_CURSOR) > stream.getvalue().rfind(
        progress._HIDE_CURSOR
    )


def test_no_color_rewrites_the_line_with_carriage_returns_alone(
    sim: SimulatedLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: a live line all the same, without a single escape sequence, even with rich."""
    monkeypatch.setenv("NO_COLOR", "1")
    stream = _Terminal()
    with Reporter(stream, clock=sim.clock.now, refresh=0) as reporter:
        _deploy(sim, reporter, publish=True)
    output = stream.getvalue()
    assert "\x1b" not in output
    assert output.count("\r") > 3
    _assert_screen(_carriage_screen(output), _FINAL_SCREEN)


def test_an_unfinished_deploy_ends_marked(sim: SimulatedLambda) -> None:
    """A deploy that raised leaves its last status marked ✗, and the line ended."""
    sim.fail_next_update("fn")
    stream = _Terminal()
    with pytest.raises(UpdateFailedError), Reporter(stream, color=False) as reporter:
        _deploy(sim, reporter)
    screen = _carriage_screen(stream.getvalue())
    assert screen[-1].startswith("✗ fn: LastUpdateStatus InProgress → Failed  [")
    assert stream.getvalue().endswith("\n")


def test_ctrl_c_stops_the_refresher_and_shows_the_cursor(no_rich: None) -> None:
    """KeyboardInterrupt in the with block: the refresher stops, the cursor comes back."""
    stream = _Terminal()
    reporter = Reporter(stream, refresh=0.01)

    def interrupted() -> None:
        with reporter:
            reporter.on_event(ReadingEvent(function_name="fn", elapsed=0))
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert reporter._ticker is not None
    assert not reporter._ticker.is_alive()
    output = stream.getvalue()
    assert output.endswith(progress._SHOW_CURSOR)
    written = len(output)
    reporter.on_event(ReadingEvent(function_name="fn", elapsed=1))  # after close: ignored
    reporter.close()  # twice is harmless
    assert len(stream.getvalue()) == written


def test_elapsed_time_ticks_between_events() -> None:
    """With no event coming, the line is redrawn: the spinner turns and the time goes on."""
    clock = VirtualClock()
    stream = _Terminal()
    with Reporter(stream, color=False, refresh=0.001, clock=clock.now) as reporter:
        reporter.on_event(UpdatingEvent(function_name="fn", elapsed=0.5, configuration=_CONFIG))
        drawn = len(stream.writes)
        clock.advance(2.0)  # the time a poll's backoff takes, say
        stream.wait_for(lambda writes: len(writes) >= drawn + 2)
        redrawn = stream.writes[drawn:]
    frames = {text[1] for text in redrawn if text[:1] == "\r" and text[1:2] in SPINNER}
    assert len(frames) > 1
    assert any("LastUpdateStatus InProgress  [2.5s]" in text for text in redrawn)


def test_a_long_line_is_cut_to_the_terminal() -> None:
    """A live line never wraps: it is cut to the terminal's width with an ellipsis."""
    stream = _Terminal()  # no size: 80 columns, or $COLUMNS
    with Reporter(stream, color=False, refresh=0, clock=VirtualClock().now) as reporter:
        long_name = "f" * 60
        reporter.on_event(
            UploadingEvent(
                function_name=long_name,
                elapsed=0,
                size=None,
                code_sha256=None,
                source="s3://b/" + "k" * 100,
            )
        )
        shown = stream.writes[-1]
    width = progress._width(stream)
    assert len(shown) - 1 <= width - 1  # less its \r
    assert shown.rstrip().endswith("…  [0.0s]")


def test_a_closed_terminal_does_not_stop_the_deploy(sim: SimulatedLambda) -> None:
    """Progress that cannot be written is dropped; the deploy goes on to the end."""
    with Reporter(_ClosedPipe(), clock=sim.clock.now) as reporter:
        result = _deploy(sim, reporter, publish=True)
    assert result.version == "1"


# -- fleets and threads --------------------------------------------------------------------------


def test_a_fleet_counts_stages_and_ends_with_a_line_per_function(sim: SimulatedLambda) -> None:
    """deploy_many: counts per stage on the live line; a line per finished function; a total."""
    names = [f"fn{i}" for i in range(5)]
    for name in names:
        sim.create_function(name, make_zip({"app.py": b"first"}))
    targets = [DeployTarget(function_name=name, code=make_zip({"app.py": b"2"})) for name in names]
    targets.append(DeployTarget(function_name="missing", code=make_zip({"app.py": b"2"})))
    stream = _Terminal()
    with Reporter(stream, color=False, clock=sim.clock.now, refresh=0) as reporter:
        sim.lambda_code_client().deploy_many(targets, on_event=reporter.on_event)
    output = stream.getvalue()
    stages = r"\d+ (reading|uploading|updating|publishing|done)"
    assert re.search(rf"\r. \d functions: {stages}(, {stages})*  \[", output)
    screen = _carriage_screen(output)
    done = [row for row in screen if re.fullmatch(r"✓ fn\d: updated in \d+\.\ds", row)]
    assert sorted(row.partition(":")[0] for row in done) == [f"✓ {name}" for name in names]
    # Besides: a transition kept while one function alone had shown anything yet.
    others = [row for row in screen[:-1] if row not in done]
    assert all(re.fullmatch(r"✓ fn\d: LastUpdateStatus .+  \[.+\]", row) for row in others), screen
    assert re.fullmatch(r"✗ 6 functions in \d+\.\ds: 5 updated, 1 not finished", screen[-1])


def test_a_fleet_line_counts_functions_per_stage() -> None:
    """Once a second function shows up, the live line counts functions per stage."""
    stream = _Terminal()
    with Reporter(stream, color=False, refresh=0, clock=VirtualClock().now) as reporter:
        reporter.on_event(ReadingEvent(function_name="a", elapsed=0))
        assert "a: reading the function's code and revision" in stream.writes[-1]
        reporter.on_event(ReadingEvent(function_name="b", elapsed=0))
        reporter.on_event(UpdatingEvent(function_name="a", elapsed=1, configuration=_CONFIG))
        reporter.on_event(ReadingEvent(function_name="c", elapsed=0))
        assert "3 functions: 2 reading, 1 updating  [" in stream.writes[-1]
        reporter.on_event(DoneEvent(function_name="a", elapsed=2.5, result=_RESULT))
        assert "3 functions: 2 reading, 1 done  [" in stream.writes[-1]
    assert _carriage_screen(stream.getvalue()) == [
        "✓ a: updated in 2.5s",
        "✗ 3 functions in 0.0s: 1 updated, 2 not finished",
    ]


_NAMES = st.sampled_from(["a", "b", "c"])


@st.composite
def _events(draw: st.DrawFn) -> DeployEvent:
    name = draw(_NAMES)
    status = draw(st.sampled_from(["InProgress", "Successful", "Failed"]))
    configuration = attrs.evolve(_CONFIG, function_name=name, last_update_status=status)
    made: list[DeployEvent] = [
        ReadingEvent(function_name=name, elapsed=1.0),
        UploadingEvent(function_name=name, elapsed=1.0, size=10, code_sha256=None, source="x"),
        UploadProgressEvent(function_name=name, elapsed=1.0, sent=5, total=10),
        UpdatingEvent(function_name=name, elapsed=1.0, configuration=configuration),
        PolledEvent(function_name=name, elapsed=1.0, configuration=configuration),
        PublishedEvent(function_name=name, elapsed=1.0, version="1"),
        DoneEvent(function_name=name, elapsed=1.0, result=_RESULT),
    ]
    return draw(st.sampled_from(made))


@settings(max_examples=60, deadline=None)
@given(per_thread=st.lists(st.lists(_events(), max_size=12), min_size=1, max_size=4))
def test_events_from_many_threads_never_leave_garbage(per_thread: list[list[DeployEvent]]) -> None:
    """Whatever events come from whatever threads, the screen ends without a live line or half
    of one, every line whole; and a log has whole lines, at most one per event."""
    terminal, log = _Terminal(), io.StringIO()
    live = Reporter(terminal, color=False, refresh=0.001)
    plain = Reporter(log)
    start = threading.Barrier(len(per_thread))

    def send(events: list[DeployEvent]) -> None:
        start.wait(timeout=HANG)
        for event in events:
            live.on_event(event)
            plain.on_event(event)

    threads = [threading.Thread(target=send, args=(events,)) for events in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=HANG)
    live.close()
    plain.close()

    line = r"[✓✗] (([abc]: .+  \[\d+\.\ds\])|([abc]: updated in 2\.5s)|(\d+ functions in .+))"
    for row in _carriage_screen(terminal.getvalue()):
        assert re.fullmatch(line, row), row
    logged = log.getvalue().splitlines()
    shown = sum(len(events) for events in per_thread)
    assert len(logged) <= shown + 1  # and a fleet's total
    for row in logged:
        assert re.fullmatch(
            r"([abc]: .+  \[1\.0s\])|([abc]: updated in 2\.5s)|(\d+ functions .+)", row
        ), row


# -- zipping, polls ------------------------------------------------------------------------------


@attrs.frozen
class _ZipProgress:
    files: int
    total_files: int
    bytes: int
    total_bytes: int


def test_zipping_off_a_terminal_is_one_line_at_the_end() -> None:
    """Zipping progress is a single line once the archive is complete."""
    stream = io.StringIO()
    reporter = Reporter(stream)
    for files in range(4):
        reporter.zipping(_ZipProgress(files, 3, files * 512, 1536))
    assert stream.getvalue() == "zipped 3 files, 1.5 KiB\n"


def test_zipping_on_a_terminal_counts_files_and_bytes() -> None:
    """On a terminal the live line counts files and bytes, then a ✓ line stays."""
    stream = _Terminal()
    with Reporter(stream, color=False, refresh=0) as reporter:
        reporter.zipping(_ZipProgress(1, 3, 512, 1536))
        assert stream.writes[-1].startswith("\r")
        assert "zipping: 1/3 files, 512 B of 1.5 KiB" in stream.writes[-1]
        reporter.zipping(_ZipProgress(3, 3, 1536, 1536))
    assert _carriage_screen(stream.getvalue()) == ["✓ zipped 3 files, 1.5 KiB"]


def test_on_poll_shows_a_plain_wait(sim: SimulatedLambda) -> None:
    """on_poll(name) is an on_poll callback for wait_until_updated."""
    client = sim.lambda_code_client()
    client.deploy("fn", make_zip({"app.py": b"2"}), wait=False)
    stream = io.StringIO()
    reporter = Reporter(stream, clock=sim.clock.now)
    client.wait_until_updated("fn", on_poll=reporter.on_poll("fn"))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "fn: LastUpdateStatus InProgress  [0.0s]"
    assert lines[-1].startswith("fn: LastUpdateStatus InProgress → Successful  [2.")


# -- notebooks and the ready callback ------------------------------------------------------------


class _Display:
    """IPython's ``display`` as a notebook has it: a handle per display, updated in place."""

    def __init__(self) -> None:
        self.handles: list[_Display.Handle] = []

    class Handle:
        def __init__(self, shown: Any) -> None:
            self.shown = [shown]

        def update(self, shown: Any) -> None:
            self.shown.append(shown)

    def __call__(self, shown: Any, *, display_id: bool) -> _Display.Handle:
        assert display_id is True
        handle = _Display.Handle(shown)
        self.handles.append(handle)
        return handle


def test_a_notebook_gets_one_display_updated_in_place(sim: SimulatedLambda) -> None:
    """In a notebook, one display shows the live status, then what stayed: no spinner left."""
    display = _Display()
    with Reporter(display=display, clock=sim.clock.now) as reporter:
        _deploy(sim, reporter, publish=True)
    [handle] = display.handles
    assert len(handle.shown) > 3
    assert any(repr(shown).startswith(tuple(SPINNER)) for shown in handle.shown)
    _assert_screen(repr(handle.shown[-1]).splitlines(), _FINAL_SCREEN)
    html = handle.shown[-1]._repr_html_()
    assert html.startswith("<pre>✓ fn: LastUpdateStatus InProgress → Successful")


def test_notebook_html_is_escaped() -> None:
    """What a display shows as HTML is escaped text."""
    assert progress._Shown("a <b> & c")._repr_html_() == "<pre>a &lt;b&gt; &amp; c</pre>"


def test_ready_on_event_writes_lines_to_stderr(
    sim: SimulatedLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """lambda_code.progress.on_event needs no setup: plain lines on stderr, and a summary."""
    client = sim.lambda_code_client()
    client.deploy("fn", make_zip({"app.py": b"2"}), on_event=lambda_code.progress.on_event)
    client.deploy("fn", make_zip({"app.py": b"3"}), on_event=lambda_code.progress.on_event)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "fn: reading the function's code and revision  [0.0s]"
    # A second deploy of the same function starts its transitions afresh.
    transitions = [line for line in err if "→" in line]
    assert len(transitions) == 2
    assert all(
        line.startswith("fn: LastUpdateStatus InProgress → Successful  [2.") for line in transitions
    )
    assert len([line for line in err if line.startswith("fn: updated in 2.")]) == 2


@pytest.fixture
def notebook(monkeypatch: pytest.MonkeyPatch) -> types.SimpleNamespace:
    """IPython as a notebook's kernel has it imported: a shell with a kernel, and ``display``.

    There is no kernel here: this stand-in has only what ``on_event`` looks at.
    """
    display = _Display()
    shell = types.SimpleNamespace(kernel=object(), execution_count=1)
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell  # type: ignore[attr-defined]
    ipython_display = types.ModuleType("IPython.display")
    ipython_display.display = display  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", ipython_display)
    return types.SimpleNamespace(display=display, shell=shell)


def test_ready_on_event_in_a_notebook_keeps_a_display_per_cell(
    sim: SimulatedLambda, notebook: types.SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    """In a notebook, each cell's deploys share one display; the next cell gets a new one."""
    client = sim.lambda_code_client()
    client.deploy("fn", make_zip({"app.py": b"2"}), on_event=lambda_code.progress.on_event)
    notebook.shell.execution_count = 2
    client.deploy("fn", make_zip({"app.py": b"3"}), on_event=lambda_code.progress.on_event)
    first, second = notebook.display.handles
    for handle in (first, second):
        assert re.fullmatch(r"✓ fn: updated in 2\.\ds", repr(handle.shown[-1]).splitlines()[-1])
    assert capsys.readouterr().err == ""


def test_a_terminal_ipython_is_not_a_notebook(monkeypatch: pytest.MonkeyPatch) -> None:
    """IPython in a terminal (no kernel) gets the terminal's progress, not a display."""
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = types.SimpleNamespace  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    assert progress._notebook() is None
    assert type(Reporter(io.StringIO())._view).__name__ == "_PlainView"


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"refresh": -1}, "refresh"),
        ({"refresh": float("nan")}, "refresh"),
        ({"live": "yes"}, "live"),
        ({"color": 1}, "color"),
        ({"summary": None}, "summary"),
        ({"clock": 3.0}, "clock"),
        ({"display": "inline"}, "display"),
        ({"stream": 42}, "stream"),
    ],
)
def test_bad_options_name_their_field(options: dict[str, Any], field: str) -> None:
    """A bad option is a RequestValidationError naming it, before anything is drawn."""
    with pytest.raises(RequestValidationError) as raised:
        Reporter(**options)
    assert raised.value.field == field
