"""Progress bars for long steps: on the console, never as text in a book page.

Inside ``glasslib book`` (papermill), a notebook's captured output becomes the page, so a tqdm bar
written there would be printed into the book. :data:`CONSOLE_ENV` tells :func:`progress_bar` what the
runner wants, and its kernels inherit it: ``off`` (the default ``glasslib book``: the console shows
one bar per chapter, the runner's, and no step's), or any other value (``glasslib book --verbose``):
the bar goes to the process's own standard error (``sys.__stderr__``). Unset (JupyterLab, a script),
``tqdm.auto`` chooses: a widget in JupyterLab, text in a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

#: Set (to anything) by the book runner: bars go to the console, not into the executed notebook.
CONSOLE_ENV = "GLASSLIB_CONSOLE_PROGRESS"
#: Its value for "no step's bar at all" (the book runner's default verbosity).
QUIET = "off"


def progress_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
    """A tqdm bar over ``iterable`` (or a manual one with ``total=``), where the reader can see it.

    ``kwargs`` go to tqdm (``desc``, ``total``, ``unit``, ``disable``, ``mininterval`` …).
    """
    if os.environ.get(CONSOLE_ENV) == QUIET:
        from tqdm import tqdm

        return tqdm(iterable, **{**kwargs, "disable": True})
    if os.environ.get(CONSOLE_ENV):
        from tqdm import tqdm

        return tqdm(iterable, file=sys.__stderr__, dynamic_ncols=True, **kwargs)
    from tqdm.auto import tqdm as auto_tqdm

    return auto_tqdm(iterable, **kwargs)
