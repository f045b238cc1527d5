"""``lambda-code demo`` on a real terminal: the screen people see, not the bytes written.

Each test runs the real command on a pseudo-terminal and looks at its screen. Nothing depends
on how fast the machine is: elapsed times are matched as any number, the deploy that must be
watched while it waits is held by a FIFO until the test has seen what it needs, and every wait
is bounded only by a deadline against hangs.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lambda_code._progress import _UNICODE
from terminal import Terminal

if TYPE_CHECKING:
    from collections.abc import Iterator

SPINNER = set(_UNICODE.spinner)
DRIVER = Path(__file__).with_name("terminal_demo.py")
NAME = "demo-function"
ELAPSED = r"\[\d+\.\ds\]"
#: The lines the demo's three deploys leave on screen, in order.
FINISHED = [
    rf"✓ {NAME}: LastUpdateStatus InProgress → Successful  {ELAPSED}",
    rf"✓ {NAME}: unchanged \(CodeSha256 [\w+/=]+\): skipped  {ELAPSED}",
    rf"✓ {NAME}: LastUpdateStatus InProgress → Successful  {ELAPSED}",
    rf"✓ {NAME}: version 1 State (\w+ → )*Active  {ELAPSED}",
]
WAITING = re.compile(rf"^(.) {NAME}: LastUpdateStatus InProgress  \[(\d+\.\d)s\]$")

with_and_without_rich = pytest.mark.parametrize("rich", [True, False], ids=["rich", "no-rich"])


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    """A 120 x 50 terminal of the test's own."""
    made = Terminal(width=120, height=50)
    try:
        yield made
    finally:
        made.close()


def _demo(terminal: Terminal, *, rich: bool = True, gate: Path | None = None, **env: str) -> None:
    """Start ``lambda-code demo`` in ``terminal``, with only the environment given."""
    environment = {"TERM": "xterm-256color", "PYTHONIOENCODING": "utf-8", **env}
    if "PYTHONPATH" in os.environ:  # a checkout run without installing the package
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    if not rich:
        environment["LAMBDA_CODE_TEST_NO_RICH"] = "1"
    if gate is not None:
        os.mkfifo(gate)
        environment["LAMBDA_CODE_TEST_GATE"] = str(gate)
    if rich and gate is None:  # the command exactly as people run it
        terminal.start([sys.executable, "-m", "lambda_code", "demo"], environment)
    else:
        terminal.start([sys.executable, str(DRIVER), "demo"], environment)


def _open(gate: Path) -> None:
    """Let the held deploy go on."""
    with gate.open("w"):
        pass


def _finished(rows: list[str]) -> list[str]:
    return [row for row in rows if row[:2] in {"✓ ", "✗ "}]


def _assert_clean(rows: list[str]) -> None:
    """No live line is left behind, and no half of one."""
    assert not [row for row in rows if row[:1] in SPINNER], rows
    assert not [row for row in rows if "\x1b" in row or "\r" in row], rows


@with_and_without_rich
def test_demo_leaves_a_clean_screen(terminal: Terminal, rich: bool) -> None:
    """Each deploy ends on a ✓ line; no spinner or partial line stays; the cursor is back."""
    _demo(terminal, rich=rich)
    assert terminal.wait() == 0
    rows = terminal.screen()
    _assert_clean(rows)
    finished = _finished(rows)
    assert len(finished) == len(FINISHED), rows
    for row, expected in zip(finished, FINISHED, strict=True):
        assert re.fullmatch(expected, row), row
    text = "\n".join(rows)
    assert f"{NAME}: updated in " in text
    assert f"{NAME}: unchanged, update skipped in " in text
    assert "Done in " in text
    assert terminal.cursor_visible()


@with_and_without_rich
def test_elapsed_time_ticks_while_the_deploy_waits(
    terminal: Terminal, tmp_path: Path, rich: bool
) -> None:
    """While the deploy is held between polls, the spinner turns and the time goes on."""
    gate = tmp_path / "gate"
    _demo(terminal, rich=rich, gate=gate)
    frames: set[str] = set()

    def ticked(rows: list[str]) -> bool:
        for row in rows:
            if match := WAITING.match(row):
                frames.add(match[1])
                # The deploy is held at its first wait: no event can move the time this far.
                return len(frames) > 1 and float(match[2]) >= 0.5
        return False

    terminal.until(ticked)
    assert frames <= SPINNER
    _open(gate)
    assert terminal.wait() == 0
    rows = terminal.screen()
    _assert_clean(rows)
    assert len(_finished(rows)) == len(FINISHED)


@with_and_without_rich
def test_ctrl_c_ends_the_line_and_shows_the_cursor(
    terminal: Terminal, tmp_path: Path, rich: bool
) -> None:
    """Ctrl-C while waiting: exit 130, the deploy's line marked ✗, the cursor visible again."""
    gate = tmp_path / "gate"
    _demo(terminal, rich=rich, gate=gate)
    terminal.until(lambda rows: any(WAITING.match(row) for row in rows))
    assert not terminal.cursor_visible()  # hidden while the line is live
    terminal.keys(b"\x03")  # Ctrl-C
    assert terminal.wait() == 130
    rows = terminal.screen()
    _assert_clean(rows)
    finished = _finished(rows)
    assert len(finished) == 1, rows
    assert re.fullmatch(rf"✗ {NAME}: LastUpdateStatus InProgress  {ELAPSED}", finished[0])
    assert "lambda-code: interrupted" in rows
    assert f"{NAME}: Lambda had accepted the update" in "".join(rows)  # and goes on
    assert "Traceback" not in "\n".join(rows)
    assert terminal.cursor_visible()


def test_no_color_writes_no_escape_sequence(terminal: Terminal) -> None:
    """NO_COLOR: the line is still live, rewritten with \\r alone, and ends the same."""
    _demo(terminal, NO_COLOR="1")
    assert terminal.wait() == 0
    raw = terminal.raw()
    assert "\x1b" not in raw
    assert "\r" in raw.replace("\r\n", "")  # rewritten in place
    rows = terminal.screen()
    _assert_clean(rows)
    for row, expected in zip(_finished(rows), FINISHED, strict=True):
        assert re.fullmatch(expected, row), row


def test_dumb_terminal_gets_one_line_per_event(terminal: Terminal) -> None:
    """TERM=dumb: plain lines, as in a log, with neither escape sequences nor \\r."""
    _demo(terminal, TERM="dumb")
    assert terminal.wait() == 0
    raw = terminal.raw()
    assert "\x1b" not in raw
    assert "\r" not in raw.replace("\r\n", "")
    lines = raw.replace("\r\n", "\n").splitlines()
    assert not _finished(lines)
    assert f"{NAME}: reading the function's code and revision  [0.0s]" in lines
    transitions = [line for line in lines if "LastUpdateStatus InProgress → Successful" in line]
    assert len(transitions) == 2
    assert f"{NAME}: updated in " in raw
