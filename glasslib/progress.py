"""Progress bars for long steps: on the console, never as text in a book page.

Inside ``glasslib book`` (papermill), a notebook's captured output becomes the page, so a tqdm bar
written there would be printed into the book. :func:`progress_bar` therefore writes to the
process's own standard error (``sys.__stderr__``) when :data:`CONSOLE_ENV` is set — the runner
sets it, and its kernels inherit the console — and otherwise lets ``tqdm.auto`` choose (a widget
in JupyterLab, text in a terminal).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

#: Set (to anything) by the book runner: bars go to the console, not into the executed notebook.
CONSOLE_ENV = "GLASSLIB_CONSOLE_PROGRESS"


def progress_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
    """A tqdm bar over ``iterable`` (or a manual one with ``total=``), where the reader can see it.

    ``kwargs`` go to tqdm (``desc``, ``total``, ``unit``, ``disable``, ``mininterval`` …).
    """
    if os.environ.get(CONSOLE_ENV):
        from tqdm import tqdm

        return tqdm(iterable, file=sys.__stderr__, dynamic_ncols=True, **kwargs)
    from tqdm.auto import tqdm as auto_tqdm

    return auto_tqdm(iterable, **kwargs)
