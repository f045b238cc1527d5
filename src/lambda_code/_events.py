"""What a deploy reports: the events it goes through and its result."""

import attrs

from . import _views
from ._enums import LastUpdateStatus, State
from ._models import FunctionConfiguration
from ._package import S3Location

__all__ = [
    "AliasEvent",
    "AliasUpdate",
    "DeployEvent",
    "DeployResult",
    "DoneEvent",
    "PolledEvent",
    "PublishedEvent",
    "ReadingEvent",
    "ResolvedEvent",
    "SkippedEvent",
    "StagedEvent",
    "UpdatingEvent",
    "UploadProgressEvent",
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
class ResolvedEvent(DeployEvent):
    """An image tag was resolved to the digest it names now: ``uri`` is digest-pinned."""

    tag_uri: str
    uri: str


@attrs.frozen(kw_only=True)
class UploadProgressEvent(DeployEvent):
    """Staging a zip in S3: ``sent`` of ``total`` bytes uploaded so far."""

    sent: int
    total: int


@attrs.frozen(kw_only=True)
class StagedEvent(DeployEvent):
    """The zip is in S3 at ``location``; ``uploaded`` is False when it already was."""

    location: str
    uploaded: bool


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
class AliasEvent(DeployEvent):
    """An alias was pointed at the published version (see ``AliasUpdate``)."""

    alias: "AliasUpdate"


@attrs.frozen(kw_only=True)
class DoneEvent(DeployEvent):
    """The deploy finished."""

    result: "DeployResult"


# -- results -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AliasUpdate:
    """What a deploy did to an alias: pointed ``name`` at ``version``.

    ``action`` is ``"created"``, ``"updated"`` (it pointed at ``previous``), or
    ``"unchanged"`` (it already pointed there).
    """

    name: str
    #: None in a dry run that would publish: the version does not exist yet.
    version: str | None
    action: str
    previous: str | None = None


@attrs.frozen(kw_only=True)
class DeployResult:
    """What a deploy did.

    ``configuration`` is ``$LATEST`` as the deploy left it. ``changed`` is False when the code
    was already there (skipped); ``version`` is the number of the version published, if any,
    and ``published`` that version's configuration; with ``dry_run`` nothing changed and
    ``changed`` says whether it would.
    """

    configuration: FunctionConfiguration
    changed: bool
    version: str | None = None
    elapsed: float = 0.0
    dry_run: bool = False
    #: The published version's own configuration (its ``version`` and qualified ARN), if any.
    published: FunctionConfiguration | None = None
    #: What was done to the alias, with ``deploy(..., alias=...)``.
    alias: AliasUpdate | None = None
    #: ``$LATEST`` as the deploy read it before changing anything (left out of the repr: it
    #: would double it).
    previous: FunctionConfiguration | None = attrs.field(default=None, repr=False)
    #: For an image by tag: the digest-pinned URI deployed, and the tag URI it was resolved from.
    image_uri: str | None = None
    tag_uri: str | None = None
    #: Where the zip was staged in S3, when it went through ``staging``.
    staged: S3Location | None = None


# People see only the members that are set, in a repr, Jupyter and rich.
for _name in __all__:
    _views.views(globals()[_name])
