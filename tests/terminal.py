"""A real terminal for tests: a private tmux server, one pane, its screen and its raw output.

tmux is a VT emulator like the terminals people use: what ``screen()`` returns is what a person
would see, after every carriage return, erase and cursor movement. ``raw()`` is what the program
wrote, as the pane's pseudo-terminal passed it on (``\\n`` arrives as ``\\r\\n``).

Nothing here waits on the clock: the program starts when the test opens a FIFO, its end is a
``tmux wait-for`` signal, and a test that needs to see something on screen first polls for it
with ``until``, bounded only by a generous deadline against hangs.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

#: Only against a hang: how long a program takes on a busy machine is no part of any test.
HANG = 600.0

TMUX = shutil.which("tmux") or "tmux"


class Terminal:
    """One tmux pane of ``width`` x ``height`` running one command, in ``directory``."""

    def __init__(self, directory: Path, *, width: int = 100, height: int = 40) -> None:
        self.directory = directory
        self.width, self.height = width, height
        self.socket = directory / "tmux.sock"
        self.config = directory / "tmux.conf"
        # No status line: every row of the window is the program's.
        self.config.write_text("set -g status off\n")
        self._start = directory / "start.fifo"
        self._status = directory / "status"
        self._raw = directory / "raw"
        self._started = False

    def tmux(self, *args: str) -> str:
        done = subprocess.run(  # noqa: S603  tmux, on a socket of this test's own
            [TMUX, "-u", "-S", str(self.socket), "-f", str(self.config), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=HANG,
            check=True,
        )
        return done.stdout

    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        """Run ``argv`` in the pane with exactly ``env``; its output is recorded from the start.

        After the program the pane stays open (blocked in ``wait-for``), so its screen stays
        as the program left it; tmux itself writes nothing to it.
        """
        os.mkfifo(self._start)
        program = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()), *argv])
        tmux = shlex.join([TMUX, "-S", str(self.socket)])
        script = (
            f"cat {shlex.quote(str(self._start))} >/dev/null; {program}; "
            f"echo $? > {shlex.quote(str(self._status))}; "
            f"{tmux} wait-for -S exited; exec {tmux} wait-for never"
        )
        size = ["-x", str(self.width), "-y", str(self.height)]
        pipe = f"cat > {shlex.quote(str(self._raw))}"
        self.tmux("new-session", "-d", "-s", "t", *size, script, ";", "pipe-pane", "-t", "t", pipe)
        # Opening the FIFO lets the program start: the output pipe is in place by then.
        with self._start.open("w"):
            pass
        self._started = True

    def screen(self) -> list[str]:
        """The pane's rows as a person sees them, without trailing spaces."""
        return [row.rstrip() for row in self.tmux("capture-pane", "-p", "-t", "t").split("\n")][
            : self.height
        ]

    def text(self) -> str:
        """The screen's non-empty rows, one per line."""
        return "\n".join(row for row in self.screen() if row)

    def until(self, seen: Callable[[list[str]], bool]) -> list[str]:
        """The screen, once ``seen(screen)`` is true; fails after ``HANG`` seconds."""
        deadline = time.monotonic() + HANG
        while True:
            screen = self.screen()
            if seen(screen):
                return screen
            assert time.monotonic() < deadline, "\n".join(screen)

    def wait(self) -> int:
        """Wait for the program to exit; its exit status."""
        self.tmux("wait-for", "exited")
        return int(self._status.read_text())

    def raw(self) -> str:
        """What the program wrote, as the terminal received it (call after ``wait``)."""
        # pipe-pane's cat may still be copying the last bytes: closing the pipe flushes it.
        self.tmux("pipe-pane", "-t", "t")
        return self._raw.read_bytes().decode("utf-8")

    def cursor_visible(self) -> bool:
        return self.tmux("display-message", "-p", "-t", "t", "#{cursor_flag}").strip() == "1"

    def keys(self, *keys: str) -> None:
        """Type ``keys`` (tmux's names: ``C-c`` is Ctrl-C)."""
        self.tmux("send-keys", "-t", "t", *keys)

    def close(self) -> None:
        if self.socket.exists():
            subprocess.run(  # noqa: S603  tmux, on a socket of this test's own
                [TMUX, "-S", str(self.socket), "kill-server"],
                capture_output=True,
                timeout=HANG,
                check=False,
            )


def render(directory: Path, output: str, *, width: int = 100, height: int = 40) -> list[str]:
    """The non-empty rows of a screen that ``output`` (text written to a terminal) leaves."""
    place = Path(tempfile.mkdtemp(dir=directory))
    path = place / "output.txt"
    path.write_text(output, encoding="utf-8")
    terminal = Terminal(place, width=width, height=height)
    try:
        terminal.start([shutil.which("cat") or "cat", str(path)], {})
        terminal.wait()
        return [row for row in terminal.screen() if row]
    finally:
        terminal.close()
