"""What a deploy reports: the events it goes through and its result."""

import attrs

from ._enums import LastUpdateStatus, State
from ._models import FunctionConfiguration

__all__ = [
    "DeployEvent",
    "DeployResult",
    "DoneEvent",
    "PolledEvent",
    "PublishedEvent",
    "ReadingEvent",
    "SkippedEvent",
    "UpdatingEvent",
    "UploadingEvent",
]


# -- events ------------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DeployEvent:
    """Something a deploy did; ``elapsed`` is seconds since it started."""

    function_name: str
    elapsed: float


@attrs.frozen(kw_only=True)
class ReadingEvent(DeployEvent):
    """Reading the function's current code and revision."""


@attrs.frozen(kw_only=True)
class SkippedEvent(DeployEvent):
    """The function already runs this code; no update is sent."""

    code_sha256: str


@attrs.frozen(kw_only=True)
class UploadingEvent(DeployEvent):
    """Sending the code: ``size`` bytes for a zip, None for S3 and images."""

    size: int | None
    code_sha256: str | None
    source: str


@attrs.frozen(kw_only=True)
class UpdatingEvent(DeployEvent):
    """The update was accepted; Lambda is applying it."""

    configuration: FunctionConfiguration


@attrs.frozen(kw_only=True)
class PolledEvent(DeployEvent):
    """A poll while waiting saw this configuration."""

    configuration: FunctionConfiguration

    @property
    def state(self) -> State | str | None:
        """The function's ``State``."""
        return self.configuration.state

    @property
    def last_update_status(self) -> LastUpdateStatus | str | None:
        """The function's ``LastUpdateStatus``."""
        return self.configuration.last_update_status


@attrs.frozen(kw_only=True)
class PublishedEvent(DeployEvent):
    """A version was published (or an identical newest one reused)."""

    version: str


@attrs.frozen(kw_only=True)
class DoneEvent(DeployEvent):
    """The deploy finished."""

    result: "DeployResult"


# -- results -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class DeployResult:
    """What a deploy did.

    ``changed`` is False when the code was already there (skipped); ``version`` is the version
    published, if any; with ``dry_run`` nothing changed and ``changed`` says whether it would.
    """

    configuration: FunctionConfiguration
    changed: bool
    version: str | None = None
    elapsed: float = 0.0
    dry_run: bool = False
