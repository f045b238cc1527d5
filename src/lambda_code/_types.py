"""The types lambda-code's parts share, for annotations; public as ``lambda_code.typing``."""

import asyncio
import os
import time
from collections.abc import Callable
from typing import Protocol, TypeAlias, runtime_checkable

from ._events import DeployEvent
from ._models import FunctionConfiguration
from ._package import ContainerImage, S3Location, ZipPackage

__all__ = ["Clock", "CodeInput", "OnEvent", "OnPoll", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """The time every backoff, wait, deadline and rate limit is measured and spent on.

    ``SystemClock`` is the real one; ``lambda_code.testing.VirtualClock`` makes waits instant.
    """

    def now(self) -> float:
        """Monotonic seconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...

    def time(self) -> float:
        """Wall-clock seconds since the Unix epoch (for timestamps, never for waiting)."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``, ``time.sleep`` and ``time.time``."""

    now = staticmethod(time.monotonic)
    sleep = staticmethod(time.sleep)
    time = staticmethod(time.time)
    #: For the async client: sleeping without blocking the event loop.
    async_sleep = staticmethod(asyncio.sleep)

    def __repr__(self) -> str:
        return "SystemClock()"


#: Called with each configuration a wait polls.
OnPoll: TypeAlias = Callable[[FunctionConfiguration], None]
#: Called with each event of a deploy.
OnEvent: TypeAlias = Callable[[DeployEvent], None]
#: What ``deploy`` accepts as code: a code source, zip bytes, or a directory or ``.zip`` path.
CodeInput: TypeAlias = (
    ZipPackage
    | S3Location
    | ContainerImage
    | bytes
    | bytearray
    | memoryview
    | str
    | os.PathLike[str]
)
