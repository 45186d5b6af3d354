"""What every chapter does first and last: resolve its profile and run directory, glue its numbers.

A chapter's hidden set-up cell is ``prof, run_dir = open_chapter(profile, overrides, run_dir)``
with the papermill parameters; its numbers reach the prose through :func:`glue_numbers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from glasslib import rundir
from glasslib.profiles import Profile, get_profile


def open_chapter(
    profile: str | Profile, overrides: Mapping[str, Any] | None = None, run_dir: str | Path | None = None
) -> tuple[Profile, Path]:
    """The chapter's profile (validated overrides) and run directory (``runs/<label>`` unless given), prepared.

    In a ``glasslib lab`` session, a chapter whose parameter cell is untouched runs at the session's
    profile and run directory (:func:`glasslib.book.interactive.session_defaults`). Preparing removes
    what killed writers left in the run directory (:func:`glasslib.rundir.prepare`).
    """
    from glasslib.book.interactive import session_defaults

    profile, run_dir = session_defaults(profile, overrides, run_dir)
    prof = get_profile(profile, overrides)
    _show_tables_in_full()
    return prof, rundir.resolve(prof, run_dir)


def _show_tables_in_full() -> None:
    """Tables print every cell, row and column in full (pandas cuts text at 50 characters and rows after 60 with "…"); the book's CSS wraps them."""
    import pandas as pd

    pd.set_option("display.max_colwidth", None)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.max_rows", None)


def glue_numbers(values: Mapping[str, Any]) -> None:
    """Glue every ``name: value`` for the prose (myst-nb ``glue``, not displayed); numpy scalars become Python."""
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value.item() if hasattr(value, "item") else value, display=False)
