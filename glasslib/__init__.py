"""glasslib — support library of the glasslib book.

2D Kob–Andersen glass formers simulated with LAMMPS, their glass transition, liquid-vs-glass
data sets, and the networks that classify them. Each module serves one idea (see DESIGN.md):

- :mod:`glasslib.profiles` — the ``smoke`` / ``quick`` / ``paper`` scales and their overrides.
- :mod:`glasslib.lammps_env` — loading LAMMPS' Python module with its MPI library.
- :mod:`glasslib.sim` — the Kob–Andersen model and the cooling protocol in LAMMPS.
- :mod:`glasslib.store` — the run directory: atomic HDF5 run files, LAMMPS dump I/O.
- :mod:`glasslib.campaign` — an ensemble of runs as Dask tasks, resumable.
- :mod:`glasslib.tg` — the glass transition temperature from inherent-structure energies.
- :mod:`glasslib.datasets`, :mod:`glasslib.structure`, :mod:`glasslib.render`, :mod:`glasslib.graphs`,
  :mod:`glasslib.configuration` — the six data sets, their RDFs, and the networks' inputs (03).
- :mod:`glasslib.models` (``cnn``, ``dmpnn``), :mod:`glasslib.train`, :mod:`glasslib.training`,
  :mod:`glasslib.lr_schedule`, :mod:`glasslib.evaluation`, :mod:`glasslib.hpo`, :mod:`glasslib.selection`,
  :mod:`glasslib.artificial`, :mod:`glasslib.gradcam` — classifiers and nested cross-validation (04–05).
- :mod:`glasslib.attention`, :mod:`glasslib.widgets`, :mod:`glasslib.metrics` — interpretation (06–07).
- :mod:`glasslib.plots`, :mod:`glasslib.plots_classifiers` — the book's figures.
- :mod:`glasslib.book` — papermill + jupyter-book runner.
- :mod:`glasslib.cli` — the ``glasslib`` command.
"""

__version__ = "0.1.0"
