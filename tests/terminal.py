"""A real terminal for tests: a pseudo-terminal running one program, and pyte's screen of it.

The program runs on the slave side of a pty, as under any terminal: ``isatty`` is true, the
window has a size, ``\\n`` leaves as ``\\r\\n`` and Ctrl-C is a signal from the line discipline.
pyte, a VT emulator, turns what arrives on the master side into the screen a person would see,
after every carriage return, erase and cursor movement; ``raw()`` is those bytes as they came.

Nothing here waits on the clock: a thread reads the pty as the program writes (so the program
never blocks on a full buffer), and a test that needs to see something on screen waits until
the screen shows it, woken by each new output and bounded only by a generous deadline against
hangs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
from typing import TYPE_CHECKING

import pyte

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

#: Only against a hang: how long a program takes on a busy machine is no part of any test.
HANG = 600.0

#: Run as the program's first step: Popen's new session has no controlling terminal, and
#: without one Ctrl-C typed on the pty would signal no one. Then it becomes the program.
_CONTROLLING = (
    "import fcntl, os, sys, termios; "
    "fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


class Terminal:
    """A ``width`` x ``height`` terminal running one program."""

    def __init__(self, *, width: int = 100, height: int = 40) -> None:
        self.width, self.height = width, height
        self._screen = pyte.Screen(width, height)
        self._stream = pyte.ByteStream(self._screen)
        self._raw = bytearray()
        self._changed = threading.Condition()
        self._ended = False
        self._master: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def start(self, argv: Sequence[str], env: Mapping[str, str]) -> None:
        """Run ``argv`` (its first item a path) with exactly ``env``, recorded from the start."""
        master, slave = os.openpty()
        self._master = master
        try:
            size = struct.pack("HHHH", self.height, self.width, 0, 0)
            fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
            self._process = subprocess.Popen(  # noqa: S603  the test's own program
                [sys.executable, "-c", _CONTROLLING, *argv],
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=dict(env),
                start_new_session=True,
            )
        finally:
            # The program holds the slave now: once it exits, reading the master ends.
            os.close(slave)
        self._reader = threading.Thread(target=self._read, args=(master,), daemon=True)
        self._reader.start()

    def _read(self, master: int) -> None:
        try:
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: Linux's end of a pty whose slave is closed
                    break
                if not data:
                    break
                with self._changed:
                    self._raw += data
                    self._stream.feed(data)
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _rows(self) -> list[str]:
        return [row.rstrip() for row in self._screen.display]

    def screen(self) -> list[str]:
        """The rows as a person sees them, without trailing spaces."""
        with self._changed:
            return self._rows()

    def text(self) -> str:
        """The screen's non-empty rows, one per line."""
        return "\n".join(row for row in self.screen() if row)

    def until(self, seen: Callable[[list[str]], bool]) -> list[str]:
        """The screen, once ``seen(screen)`` is true; fails if the program ends first, or hangs."""
        shown = False

        def settled() -> bool:
            nonlocal shown
            shown = seen(self._rows())
            return shown or self._ended

        with self._changed:
            self._changed.wait_for(settled, timeout=HANG)
            rows = self._rows()
        assert shown, "\n".join(rows)
        return rows

    def wait(self) -> int:
        """Wait for the program to exit and its output to be read; its exit status."""
        assert self._process is not None
        assert self._reader is not None
        status = self._process.wait(timeout=HANG)
        self._reader.join(timeout=HANG)
        assert not self._reader.is_alive(), "the pty is still open after the program exited"
        return status

    def raw(self) -> str:
        """What the program wrote, as the terminal received it (call after ``wait``)."""
        with self._changed:
            return self._raw.decode("utf-8")

    def cursor_visible(self) -> bool:
        with self._changed:
            return not self._screen.cursor.hidden

    def keys(self, typed: bytes) -> None:
        """Type ``typed`` on the keyboard (``b"\\x03"`` is Ctrl-C)."""
        assert self._master is not None
        os.write(self._master, typed)

    def close(self) -> None:
        """End the program if it still runs, reap it, and close the pty."""
        if self._process is not None:
            if self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=HANG)
        if self._reader is not None:
            self._reader.join(timeout=HANG)
        if self._master is not None and (self._reader is None or not self._reader.is_alive()):
            os.close(self._master)
            self._master = None


def render(output: str, *, width: int = 100, height: int = 40) -> list[str]:
    """The non-empty rows of a screen that ``output`` (text written to a terminal) leaves."""
    screen = pyte.Screen(width, height)
    # A pty turns each \n into \r\n on its way to the screen (its ONLCR mode).
    pyte.Stream(screen).feed(output.replace("\n", "\r\n"))
    return [row.rstrip() for row in screen.display if row.strip()]
