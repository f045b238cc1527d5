"""The types lambda-code's parts share, for annotations; public as ``lambda_code.typing``."""

import os
from collections.abc import Callable
from typing import TypeAlias

from ._events import DeployEvent
from ._models import FunctionConfiguration
from ._package import ContainerImage, S3Location, ZipPackage

__all__ = ["Clock", "CodeInput", "OnEvent", "OnPoll", "Sleep"]

#: Monotonic seconds: what every backoff, wait and deadline is measured on.
Clock: TypeAlias = Callable[[], float]
#: Waits the given seconds (really, or on a virtual clock in tests).
Sleep: TypeAlias = Callable[[float], None]
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
