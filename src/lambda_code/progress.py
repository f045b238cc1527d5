"""Progress for people: a ready ``on_event``, and the ``Reporter`` behind it.

``client.deploy(..., on_event=lambda_code.progress.on_event)`` shows each step as a line on
stderr, or in a Jupyter notebook one display updated in place. On a terminal, a ``Reporter``
used as a context manager keeps one live line with a spinner and a ticking elapsed time::

    with Reporter() as progress:
        client.deploy("orders", "build/", on_event=progress.on_event)
"""

from ._progress import Reporter, SupportsZipProgress, on_event

__all__ = ["Reporter", "SupportsZipProgress", "on_event"]
