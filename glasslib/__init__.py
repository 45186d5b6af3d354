"""glasslib — support library of the glasslib book.

2D Kob–Andersen glass formers simulated with LAMMPS, their glass transition, liquid-vs-glass
data sets, and the networks that classify them. Each module serves one idea (see DESIGN.md):

- :mod:`glasslib.profiles` — the ``smoke`` / ``quick`` / ``paper`` scales and their overrides.
- :mod:`glasslib.lammps_env` — loading LAMMPS' Python module with its MPI library.
- :mod:`glasslib.sim` — the Kob–Andersen model and the cooling protocol in LAMMPS.
- :mod:`glasslib.store` — the run directory: atomic HDF5 run files, LAMMPS dump I/O.
- :mod:`glasslib.campaign` — an ensemble of runs as Dask tasks, resumable.
- :mod:`glasslib.tg` — the glass transition temperature from inherent-structure energies.
- :mod:`glasslib.plots` — the book's figures.
- :mod:`glasslib.book` — papermill + jupyter-book runner.
- :mod:`glasslib.cli` — the ``glasslib`` command.
"""

__version__ = "0.1.0"
