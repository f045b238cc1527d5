"""``lambda-code`` for tests/test_cli_terminal.py: the real command, with two switches.

``LAMBDA_CODE_TEST_GATE=PATH`` holds the demo's first wait until the test opens the FIFO at
PATH, so a test can look at the screen while the deploy waits and nothing is polled.
``LAMBDA_CODE_TEST_NO_RICH=1`` makes ``import rich`` fail, as where the ``cli`` extra is not
installed.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from typing import TYPE_CHECKING

from lambda_code import _cli
from lambda_code.testing import SystemClock

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType


class NoRich(importlib.abc.MetaPathFinder):
    """Finds rich nowhere, as when it is not installed."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] == "rich":
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


class GatedClock(SystemClock):
    """Real time, except that the first wait lasts until someone opens the FIFO ``gate``."""

    def __init__(self, gate: str | None) -> None:
        self.gate = gate

    def sleep(self, seconds: float) -> None:  # type: ignore[override]  # an instance method
        if self.gate is not None:
            gate, self.gate = self.gate, None
            with open(gate, encoding="utf-8") as opened:  # noqa: PTH123  blocks until opened
                opened.read()
        super().sleep(seconds)


if __name__ == "__main__":
    if os.environ.get("LAMBDA_CODE_TEST_NO_RICH"):
        sys.meta_path.insert(0, NoRich())
    gate = os.environ.get("LAMBDA_CODE_TEST_GATE")
    _cli._demo_clock = lambda: GatedClock(gate)
    sys.exit(_cli.main())
