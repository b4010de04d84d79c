"""Progress of the long loops inside a theory computation (a Monte Carlo estimate of many samples).

A bar appears on standard error only when the loop has run for :data:`DELAY_SECONDS` (tqdm's ``delay``), so fast
calls print nothing; in Jupyter it is tqdm's notebook widget. :func:`progress_shown` switches the bars off (or on)
for the calls inside it: ``replica solve --json`` runs without them.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

from tqdm.auto import tqdm

__all__ = ["DELAY_SECONDS", "progress_bar", "progress_shown"]

#: Seconds a loop runs before its bar is shown.
DELAY_SECONDS = 2.0

_shown: ContextVar[bool] = ContextVar("replica_progress_shown", default=True)


@contextlib.contextmanager
def progress_shown(shown: bool = True):
    """Show (``True``) or hide (``False``) the progress bars of the calls made inside the ``with`` block."""
    token = _shown.set(bool(shown))
    try:
        yield
    finally:
        _shown.reset(token)


def progress_bar(total: int, description: str, unit: str = "it") -> tqdm:
    """A bar over ``total`` units, shown after :data:`DELAY_SECONDS` unless switched off (:func:`progress_shown`);
    use it as a context manager and call ``update(n)``."""
    return tqdm(total=total, desc=description, unit=unit, unit_scale=True, delay=DELAY_SECONDS, leave=False,
                disable=not _shown.get())
