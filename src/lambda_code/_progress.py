"""Progress for people: deploy events drawn as a live line, plain lines, or a notebook display.

``Reporter`` turns a deploy's events into what a person reads. On a terminal it keeps one live
line: a spinner, what the deploy is doing, and the time elapsed, redrawn by a small thread so
that it moves while Lambda is busy and nothing is polled; finished steps stay above it. Off a
terminal (a CI log, a pipe) each event is one plain line. In a Jupyter notebook it keeps one
display, updated in place. A fleet (``deploy_many``) shows counts per stage on its live line,
and one line per function as each finishes, never interleaved halves of lines.

Every view is written to under one lock: events may come from ``deploy_many``'s worker threads
while the refresher redraws.
"""

from __future__ import annotations

import errno
import html
import importlib
import os
import shutil
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Protocol, Self, TextIO

import attrs

from ._enums import State
from ._events import (
    AliasEvent,
    DeployEvent,
    DoneEvent,
    PolledEvent,
    PublishedEvent,
    ReadingEvent,
    ResolvedEvent,
    SkippedEvent,
    StagedEvent,
    UpdatingEvent,
    UploadingEvent,
    UploadProgressEvent,
)
from ._validation import check_bool, check_callable, check_duration, fail

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._events import DeployResult
    from ._models import FunctionConfiguration
    from ._types import OnPoll

__all__ = ["Reporter", "SupportsZipProgress", "on_event"]


class SupportsZipProgress(Protocol):
    """How far zipping a directory has got: what ``Reporter.zipping`` reads."""

    @property
    def files(self) -> int: ...
    @property
    def total_files(self) -> int: ...
    @property
    def bytes(self) -> int: ...
    @property
    def total_bytes(self) -> int: ...


# -- text --------------------------------------------------------------------------------------


@attrs.frozen
class _Symbols:
    spinner: str
    ok: str
    fail: str
    arrow: str
    ellipsis: str


_UNICODE = _Symbols(spinner="⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏", ok="✓", fail="✗", arrow="→", ellipsis="…")
_ASCII = _Symbols(spinner="|/-\\", ok="+", fail="x", arrow="->", ellipsis="...")

#: A fleet's stages, in the order its live line counts them.
_STAGES = ("reading", "uploading", "updating", "publishing", "done")


def _symbols(stream: TextIO) -> _Symbols:
    """Unicode, or ASCII where the stream's encoding lacks it (a Windows code page)."""
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # an in-memory text stream holds any character
        return _UNICODE
    try:
        "".join(attrs.astuple(_UNICODE)).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return _ASCII
    return _UNICODE


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024 or unit == "MiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError  # pragma: no cover - the loop always returns


def _status(config: FunctionConfiguration) -> tuple[str, str]:
    """What a poll is watching: (which status, its value)."""
    version = config.version
    if version not in (None, "$LATEST"):
        return f"version {version} State", str(config.state)
    if config.state is not None and config.state not in {State.ACTIVE, State.INACTIVE}:
        return "State", str(config.state)
    return "LastUpdateStatus", str(config.last_update_status or "Successful")


def outcome(result: DeployResult) -> str:
    """What a finished deploy did, in a few words: ``updated``, ``dry run: would update``, ..."""
    if result.dry_run:
        return "dry run: would update" if result.changed else "dry run: already up to date"
    return "updated" if result.changed else "unchanged, update skipped"


def _verdict(result: DeployResult, arrow: str) -> str:
    """What a finished deploy did, in one line (the command's summary says the same)."""
    verdict = outcome(result)
    extras = []
    if result.version is not None:
        extras.append(f"version {result.version}")
    if result.alias is not None:
        extras.append(f"alias {result.alias.name} {arrow} {result.alias.version}")
    return f"{verdict} in {result.elapsed:.1f}s" + (f" ({', '.join(extras)})" if extras else "")


@attrs.frozen
class _Line:
    """One line as people see it: ``symbol text  [elapsed]``; ``mark`` says how to colour it."""

    text: str
    mark: str = ""  # "spin", "ok", "fail" or ""
    symbol: str = ""
    elapsed: float | None = None

    @property
    def head(self) -> str:
        return f"{self.symbol} " if self.symbol else ""

    @property
    def tail(self) -> str:
        return f"  [{self.elapsed:.1f}s]" if self.elapsed is not None else ""

    def plain(self) -> str:
        return self.head + self.text + self.tail


# -- where lines go ----------------------------------------------------------------------------


def _discard(stream: TextIO) -> None:
    """Send what is still to be written to ``stream`` to the null device, now and at exit.

    Once a stream's reader has gone, Python's own flush at exit would fail again, printing
    "Exception ignored" and exiting 120; this is the remedy Python's documentation gives for
    SIGPIPE.
    """
    try:
        fd = stream.fileno()
    except (OSError, ValueError):  # not a file (an in-memory stream): nothing flushes it at exit
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _width(stream: TextIO) -> int:
    """The terminal's width in columns, asked each time: people resize their windows."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = shutil.get_terminal_size().columns
    return columns if columns > 0 else 80


class _Out:
    """Writes to a stream; one that cannot be written to any more is dropped, never raised.

    Progress is only for show: a stream nobody reads any more (``2>&1 | head -1``) must not stop
    a deploy half-way, after its update was sent.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lost = False

    def write(self, text: str) -> None:
        if self.lost or not text:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:
            self.lost = True
            _discard(self.stream)


class _View(Protocol):
    #: Whether the view keeps a live line (and so wants the refresher).
    live: bool

    def commit(self, line: _Line) -> None:
        """Show ``line`` for good, above the live line."""

    def draw(self, line: _Line | None) -> None:
        """Show ``line`` as the live line, replacing the one shown; None clears it."""

    def end(self) -> None:
        """Clear the live line and give the terminal back as it was."""


class _PlainView:
    """One line per call, for logs and pipes: no carriage return, no escape sequence."""

    live = False

    def __init__(self, out: _Out) -> None:
        self.out = out

    def commit(self, line: _Line) -> None:
        self.out.write(line.plain() + "\n")

    def draw(self, line: _Line | None) -> None:
        pass

    def end(self) -> None:
        pass


_HIDE_CURSOR, _SHOW_CURSOR, _ERASE = "\x1b[?25l", "\x1b[?25h", "\x1b[K"
_COLOURS = {"spin": "\x1b[36m", "ok": "\x1b[32m", "fail": "\x1b[31m"}
_DIM, _RESET = "\x1b[2m", "\x1b[0m"


class _LineView:
    """A live line rewritten with ``\\r``: with ``ansi``, coloured, erased and cursor hidden;
    without, padded with spaces and free of escape sequences (``NO_COLOR``)."""

    live = True

    def __init__(self, out: _Out, symbols: _Symbols, *, ansi: bool) -> None:
        self.out = out
        self.symbols = symbols
        self.ansi = ansi
        self._shown = 0  # columns of the live line on screen, 0 when none is
        self._hidden = False  # whether the cursor was hidden

    def _render(self, line: _Line, *, fit: bool) -> tuple[str, int]:
        head, text, tail = line.head, line.text, line.tail
        if fit:  # a line wider than the terminal would wrap, and \r would return to its end
            room = max(1, _width(self.out.stream) - 1 - len(head) - len(tail))
            if len(text) > room:
                text = text[: max(0, room - len(self.symbols.ellipsis))] + self.symbols.ellipsis
        columns = len(head) + len(text) + len(tail)
        if self.ansi:
            if line.symbol:
                head = f"{_COLOURS.get(line.mark, '')}{line.symbol}{_RESET} "
            if tail:
                tail = f"{_DIM}{tail}{_RESET}"
            return f"\r{head}{text}{tail}{_ERASE}", columns
        return f"\r{head}{text}{tail}{' ' * max(0, self._shown - columns)}", columns

    def commit(self, line: _Line) -> None:
        rendered, _ = self._render(line, fit=False)
        self.out.write(rendered + "\n")
        self._shown = 0

    def draw(self, line: _Line | None) -> None:
        if line is None:
            self._clear()
            return
        if self.ansi and not self._hidden:
            self.out.write(_HIDE_CURSOR)
            self._hidden = True
        rendered, self._shown = self._render(line, fit=True)
        self.out.write(rendered)

    def _clear(self) -> None:
        if self._shown:
            self.out.write(f"\r{_ERASE}" if self.ansi else f"\r{' ' * self._shown}\r")
            self._shown = 0

    def end(self) -> None:
        self._clear()
        if self._hidden:
            self.out.write(_SHOW_CURSOR)
            self._hidden = False


class _RichView:
    """The live line drawn by rich (the ``cli`` extra); finished lines are printed above it."""

    live = True

    def __init__(self, stream: TextIO, console_type: Any, rich_live: Any, rich_text: Any) -> None:
        self._text = rich_text.Text
        self._line: _Line | None = None
        self.stream = stream
        self.lost = False
        console = console_type(
            file=stream,
            force_terminal=True,
            force_jupyter=False,
            highlight=False,
            markup=False,
            emoji=False,
        )
        # The refresher redraws under the reporter's lock; rich's own thread would draw outside
        # it. rich must not redirect sys.stdout either: the command prints its summary there.
        self._live = rich_live.Live(
            console=console,
            auto_refresh=False,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
            get_renderable=self._renderable,
        )
        self._started = False

    def _styled(self, line: _Line) -> Any:
        styles = {"spin": "cyan", "ok": "green", "fail": "red"}
        text = self._text(no_wrap=True, overflow="ellipsis", end="")
        if line.symbol:
            text.append(line.symbol, style=styles.get(line.mark, ""))
            text.append(" ")
        text.append(line.text)
        if line.tail:
            text.append(line.tail, style="dim")
        return text

    def _renderable(self) -> Any:
        return self._styled(self._line) if self._line is not None else self._text(end="")

    def _do(self, action: Callable[[], object]) -> None:
        if self.lost:
            return
        try:
            if not self._started:
                self._live.start()
                self._started = True
            action()
        except OSError:
            self.lost = True
            _discard(self.stream)

    def commit(self, line: _Line) -> None:
        text = self._styled(line)
        text.no_wrap = False
        self._do(lambda: self._live.console.print(text))

    def draw(self, line: _Line | None) -> None:
        self._line = line
        self._do(self._live.refresh)

    def end(self) -> None:
        self._line = None
        if self._started and not self.lost:
            try:
                self._live.stop()
            except OSError:
                self.lost = True
                _discard(self.stream)


class _Shown:
    """What a notebook display shows: the lines as text, and as preformatted HTML."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.text)}</pre>"


class _DisplayView:
    """One notebook display (``IPython.display.display(..., display_id=True)``), updated."""

    live = False  # updated on each event: a refresher would flood the kernel with messages

    def __init__(self, display: Callable[..., Any]) -> None:
        self.display = display
        self._lines: list[str] = []
        self._line: str | None = None
        self._handle: Any = None

    def _update(self) -> None:
        shown = _Shown("\n".join([*self._lines, *([self._line] if self._line else [])]))
        if self._handle is None:
            self._handle = self.display(shown, display_id=True)
        else:
            self._handle.update(shown)

    def commit(self, line: _Line) -> None:
        self._lines.append(line.plain())
        self._update()

    def draw(self, line: _Line | None) -> None:
        text = line.plain() if line is not None else None
        if text != self._line:
            self._line = text
            self._update()

    def end(self) -> None:
        self.draw(None)


def _rich_view(stream: TextIO) -> _RichView | None:
    """rich's view, where rich is installed (the ``cli`` extra)."""
    try:
        console = importlib.import_module("rich.console")
        live = importlib.import_module("rich.live")
        text = importlib.import_module("rich.text")
    except ImportError:
        return None

    class Console(console.Console):  # type: ignore[name-defined,misc]  # rich is optional
        def on_broken_pipe(self) -> None:
            # rich's own answer is to exit the program; a deploy must go on without its progress.
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    return _RichView(stream, Console, live, text)


def _notebook() -> tuple[Callable[..., Any], object] | None:
    """IPython's ``display`` and the cell running now, when this runs in a notebook's kernel."""
    ipython = sys.modules.get("IPython")  # a kernel has imported it; nothing else needs it
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    if getattr(shell, "kernel", None) is None:  # a terminal IPython has no kernel
        return None
    display: Callable[..., Any] = importlib.import_module("IPython.display").display
    return display, getattr(shell, "execution_count", None)


def _choose_view(
    stream: TextIO | None,
    live: bool | None,
    color: bool | None,
    display: Callable[..., Any] | None,
) -> tuple[_View, _Symbols]:
    """Where and how a reporter draws, from its options and the environment."""
    if display is None and stream is None:
        found = _notebook()
        display = found[0] if found is not None else None
    if display is not None:
        return _DisplayView(display), _UNICODE
    stream = sys.stderr if stream is None else stream
    symbols = _symbols(stream)
    dumb = os.environ.get("TERM") == "dumb"
    if live is None:
        live = _is_tty(stream) and not dumb
    if not live:
        return _PlainView(_Out(stream)), symbols
    if color is None:
        color = not dumb and not os.environ.get("NO_COLOR")
    rich = _rich_view(stream) if color else None
    if rich is not None:
        return rich, symbols
    return _LineView(_Out(stream), symbols, ansi=color), symbols


# -- the reporter ------------------------------------------------------------------------------


@attrs.define
class _Deploy:
    """What the reporter knows of one function's deploy."""

    name: str
    text: str = ""
    topic: str = ""  # the status ``text`` is about, "" for other messages
    keep: bool = False  # whether ``text`` shows a finished transition, worth keeping
    elapsed: float = 0.0  # the deploy's own, from its last event
    seen: float = 0.0  # the reporter's clock when that event came
    stage: str = "reading"
    chains: dict[str, list[str]] = attrs.Factory(dict)  # the values seen, per status watched
    decile: int = -1  # of an S3 upload, last shown as a plain line
    result: DeployResult | None = None


class Reporter:
    """Shows deploy events to people; pass its ``on_event`` to ``deploy`` or ``deploy_many``.

    On a terminal, one live line with a spinner and a ticking elapsed time; each finished
    step stays above it, and the deploy ends on a line marked ✓ (or ✗ if it did not finish).
    Off a terminal, one plain line per event. In a Jupyter notebook (when no ``stream`` is
    given), one display updated in place. A fleet shows counts per stage on its live line.

    Use it as a context manager, or call ``close()``: that stops the refresher, ends the live
    line and shows the cursor again, also after an error or Ctrl-C. It is safe to call from
    many threads at once.

    Args:
        stream: where to write; default ``sys.stderr``.
        live: keep a live line; default: when ``stream`` is a terminal and ``TERM`` is not
            ``dumb``.
        color: allow escape sequences (colour, erasing, hiding the cursor); default: unless
            ``NO_COLOR`` is set. Without them the live line is rewritten with ``\\r`` alone.
            rich, when installed (the ``cli`` extra), draws a live line that may use them.
        summary: end each deploy with a line saying what it did (``updated in 2.1s``).
        refresh: seconds between redraws of the live line; 0 redraws only on events.
        clock: monotonic seconds, for the elapsed time (default ``time.monotonic``).
        display: IPython's ``display`` function, to draw in a notebook (found by itself there).
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        live: bool | None = None,
        color: bool | None = None,
        summary: bool = True,
        refresh: float = 0.1,
        clock: Callable[[], float] | None = None,
        display: Callable[..., Any] | None = None,
    ) -> None:
        for field, value in (("live", live), ("color", color)):
            if value is not None:
                check_bool(value, field=field)
        check_bool(summary, field="summary")
        refresh = check_duration(refresh, field="refresh", allow_zero=True)
        check_callable(clock, field="clock")
        check_callable(display, field="display")
        if stream is not None and not callable(getattr(stream, "write", None)):
            raise fail("stream", f"must be a text stream, not {type(stream).__name__}")

        self._clock: Callable[[], float] = clock or time.monotonic
        self._started = self._clock()
        self._summary = summary
        self._refresh = refresh
        self._view, self._symbols = _choose_view(stream, live, color, display)
        self._shows_live = self._view.live or isinstance(self._view, _DisplayView)
        self._lock = threading.RLock()
        self._deploys: dict[str, _Deploy] = {}
        self._zip: str | None = None
        self._frame = 0
        self._closed = False
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Reporter(view={type(self._view).__name__}, functions={len(self._deploys)})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- input ---------------------------------------------------------------------------------

    def on_event(self, event: DeployEvent) -> None:
        """Show a deploy's event: the ``on_event`` callback of ``deploy`` and ``deploy_many``."""
        with self._lock:
            if not self._closed:
                self._event(event)

    def on_poll(self, function_name: str) -> OnPoll:
        """An ``on_poll`` callback for ``wait_until_updated``, showing each poll's status."""

        def poll(configuration: FunctionConfiguration) -> None:
            elapsed = self._clock() - self._started
            self.on_event(
                PolledEvent(
                    function_name=function_name, elapsed=elapsed, configuration=configuration
                )
            )

        return poll

    def zipping(self, progress: SupportsZipProgress) -> None:
        """Show how far zipping a directory has got (``files`` of ``total_files``, bytes too).

        Pass it as the ``on_progress`` callback of zipping. Off a terminal only the end of it
        is a line: ``zipped 12 files, 3.4 KiB``.
        """
        files, total_files = progress.files, progress.total_files
        size, total_bytes = progress.bytes, progress.total_bytes
        with self._lock:
            if self._closed:
                return
            if files >= total_files:
                self._zip = None
                done = f"zipped {total_files} files, {_human_size(total_bytes)}"
                mark = "ok" if self._shows_live else ""
                self._view.commit(_Line(done, mark, self._mark(mark)))
            else:
                self._zip = (
                    f"zipping: {files}/{total_files} files, "
                    f"{_human_size(size)} of {_human_size(total_bytes)}"
                )
            self._draw()

    def close(self) -> None:
        """Stop the refresher, end the live line and show the cursor; later events are ignored.

        A fleet's last line counts what its deploys did; a deploy that did not finish (it
        raised, or was interrupted) ends on a line marked ✗ with its last status.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._stop.set()
        try:
            if self._ticker is not None and self._ticker is not threading.current_thread():
                self._ticker.join()
        finally:
            with self._lock:
                self._finish()

    # -- what is shown -------------------------------------------------------------------------

    def _mark(self, mark: str) -> str:
        symbols = self._symbols
        if mark == "spin":
            return symbols.spinner[self._frame % len(symbols.spinner)]
        return {"ok": symbols.ok, "fail": symbols.fail}.get(mark, "")

    def _fleet(self) -> bool:
        return len(self._deploys) > 1

    def _status_line(self, deploy: _Deploy, mark: str, elapsed: float) -> _Line:
        return _Line(f"{deploy.name}: {deploy.text}", mark, self._mark(mark), elapsed)

    def _counts(self) -> str:
        stages = [deploy.stage for deploy in self._deploys.values()]
        counts = [f"{stages.count(stage)} {stage}" for stage in _STAGES if stage in stages]
        return f"{len(stages)} functions: {', '.join(counts)}"

    def _live_line(self) -> _Line | None:
        now = self._clock()
        if self._fleet():
            return _Line(self._counts(), "spin", self._mark("spin"), now - self._started)
        for deploy in self._deploys.values():
            if deploy.result is None:
                # Between events the elapsed time goes on from the last one, on our clock.
                elapsed = deploy.elapsed + max(0.0, now - deploy.seen)
                return self._status_line(deploy, "spin", elapsed)
        if self._zip is not None:
            return _Line(self._zip, "spin", self._mark("spin"))
        return None

    def _draw(self) -> None:
        if not self._shows_live:
            return
        self._frame += 1
        self._view.draw(self._live_line())
        if self._view.live and self._refresh and self._ticker is None:
            self._ticker = threading.Thread(
                target=self._tick, name="lambda-code-progress", daemon=True
            )
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(self._refresh):
            with self._lock:
                if self._closed:
                    return
                self._frame += 1
                self._view.draw(self._live_line())

    def _event(self, event: DeployEvent) -> None:
        name = event.function_name
        deploy = self._deploys.get(name)
        if deploy is None or isinstance(event, ReadingEvent):  # a new deploy of the function
            deploy = self._deploys[name] = _Deploy(name)
        if isinstance(event, DoneEvent):
            self._done(deploy, event.result)
            return
        described = self._describe(deploy, event)
        if described is None:
            return
        text, topic = described
        if not self._shows_live:
            if self._plain_worthy(deploy, event):
                self._view.commit(_Line(f"{name}: {text}", elapsed=event.elapsed))
        elif not self._fleet() and deploy.keep and topic != deploy.topic:
            # A finished transition (InProgress → Successful) stays on screen when the next
            # status is about something else, so the history of transitions stays visible.
            self._view.commit(self._status_line(deploy, "ok", deploy.elapsed))
        deploy.text, deploy.topic = text, topic
        deploy.keep = len(deploy.chains.get(topic, ())) > 1
        deploy.elapsed, deploy.seen = event.elapsed, self._clock()
        self._draw()

    def _plain_worthy(self, deploy: _Deploy, event: DeployEvent) -> bool:
        """Off a terminal, an S3 upload is a line per tenth, not one per chunk."""
        if not isinstance(event, UploadProgressEvent):
            return True
        decile = 10 if event.total <= 0 else min(10, event.sent * 10 // event.total)
        if decile == deploy.decile:
            return False
        deploy.decile = decile
        return True

    def _done(self, deploy: _Deploy, result: DeployResult) -> None:
        deploy.result, deploy.stage = result, "done"
        verdict = f"{deploy.name}: {_verdict(result, self._symbols.arrow)}"
        if not self._shows_live:
            if self._summary:
                self._view.commit(_Line(verdict))
            return
        if self._summary:
            if deploy.keep and not self._fleet():
                self._view.commit(self._status_line(deploy, "ok", deploy.elapsed))
            self._view.commit(_Line(verdict, "ok", self._mark("ok")))
        else:
            self._view.commit(self._status_line(deploy, "ok", deploy.elapsed))
        self._draw()

    def _finish(self) -> None:
        unfinished = [d for d in self._deploys.values() if d.result is None]
        if self._fleet() and (self._summary or self._shows_live):
            mark = ("fail" if unfinished else "ok") if self._shows_live else ""
            self._view.commit(_Line(self._fleet_summary(), mark, self._mark(mark)))
        elif unfinished and self._shows_live:
            deploy = unfinished[0]
            elapsed = deploy.elapsed + max(0.0, self._clock() - deploy.seen)
            self._view.commit(self._status_line(deploy, "fail", elapsed))
        self._view.end()

    def _fleet_summary(self) -> str:
        verdicts: dict[str, int] = {}
        for deploy in self._deploys.values():
            result = deploy.result
            if result is None:
                verdict = "not finished"
            elif result.dry_run:
                verdict = "dry run"
            else:
                verdict = "updated" if result.changed else "unchanged"
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        counts = ", ".join(f"{count} {verdict}" for verdict, count in verdicts.items())
        elapsed = self._clock() - self._started
        return f"{len(self._deploys)} functions in {elapsed:.1f}s: {counts}"

    def _transition(self, deploy: _Deploy, what: str, value: str) -> tuple[str, str]:
        """``what`` (a status) now being ``value``, after the values it had before."""
        chain = deploy.chains.setdefault(what, [])
        if not chain or chain[-1] != value:
            chain.append(value)
        # Only the last few values: a long chain would not fit a terminal line.
        return f"{what} {f' {self._symbols.arrow} '.join(chain[-3:])}", what

    def _describe(self, deploy: _Deploy, event: DeployEvent) -> tuple[str, str] | None:  # noqa: C901, PLR0911, PLR0912  one branch per event type
        """The status text of ``event`` and what it is about; moves the deploy's stage on."""
        arrow = self._symbols.arrow
        if isinstance(event, ReadingEvent):
            return "reading the function's code and revision", ""
        if isinstance(event, SkippedEvent):
            return f"unchanged (CodeSha256 {event.code_sha256}): skipped", ""
        if isinstance(event, UpdatingEvent | PolledEvent):
            if isinstance(event, UpdatingEvent):
                # With publish, the answer describes the new version; its status is $LATEST's.
                what = "LastUpdateStatus"
                value = str(event.configuration.last_update_status or "InProgress")
            else:
                what, value = _status(event.configuration)
            deploy.stage = "publishing" if what.startswith("version ") else "updating"
            return self._transition(deploy, what, value)
        if isinstance(event, PublishedEvent | AliasEvent):
            deploy.stage = "publishing"
            if isinstance(event, PublishedEvent):
                return f"published version {event.version}", ""
            alias = event.alias
            if alias.action == "unchanged":
                return f"alias {alias.name} already at version {alias.version}", ""
            if alias.version is None:  # a dry run: the version it would point at is not made
                now = f" (now version {alias.previous})" if alias.previous is not None else ""
                return f"alias {alias.name} would point at the new version{now}", ""
            if alias.previous is not None:
                moved = f"version {alias.previous} {arrow} {alias.version}"
                return f"alias {alias.name} {alias.action}: {moved}", ""
            return f"alias {alias.name} {alias.action} {arrow} version {alias.version}", ""
        deploy.stage = "uploading"
        if isinstance(event, ResolvedEvent):
            return f"resolved {event.tag_uri} to {event.uri.rpartition('@')[2]}", ""
        if isinstance(event, UploadingEvent):
            what = _human_size(event.size) if event.size is not None else event.source
            return f"uploading {what}", ""
        if isinstance(event, UploadProgressEvent):
            percent = 100 if event.total <= 0 else event.sent * 100 // event.total
            sent, total = _human_size(event.sent), _human_size(event.total)
            return f"uploading to S3: {sent} of {total} ({percent}%)", ""
        if isinstance(event, StagedEvent):
            if event.uploaded:
                return f"staged at {event.location}", ""
            return f"already in S3 at {event.location}", ""
        return None  # an event this version does not know: nothing to show


# -- the ready callback ------------------------------------------------------------------------


class _Shared:
    """The reporter behind ``on_event``: one per notebook cell, or per ``sys.stderr``."""

    lock = threading.Lock()
    place: object = None  # the cell's number, or the stream
    reporter: Reporter | None = None

    @classmethod
    def get(cls) -> Reporter:
        found = _notebook()
        with cls.lock:
            if found is not None:
                if cls.reporter is None or cls.place != ("cell", found[1]):
                    cls.reporter, cls.place = Reporter(display=found[0]), ("cell", found[1])
            elif cls.reporter is None or cls.place is not sys.stderr:
                cls.reporter, cls.place = Reporter(sys.stderr, live=False), sys.stderr
            return cls.reporter


def on_event(event: DeployEvent) -> None:
    """Show a deploy's progress, ready to pass as ``on_event=``: nothing to set up or close.

    Each event is a plain line on ``sys.stderr``; in a Jupyter notebook, each cell's deploys
    share one display, updated in place. For a live line with a ticking clock on a terminal,
    use a ``Reporter``.
    """
    _Shared.get().on_event(event)
