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

import os

__version__ = "0.1.0"

#: Busy-wait of OpenMP threads (PyTorch, scikit-learn) between parallel regions, in spins. GNU
#: OpenMP's default (300,000) makes each of the hundreds of small parallel operations of a D-MPNN
#: training step wait for a descheduled thread when other processes share the cores: on a 2-core
#: machine under load, model I ran 3–6× slower with 2 threads than with 1. A short spin, then
#: sleep, avoids that and costs little on an idle machine. Set here, when the package is first
#: imported, so that it precedes any OpenMP library the modules load; ``setdefault`` keeps a
#: value the user has set (``GOMP_SPINCOUNT`` or ``OMP_WAIT_POLICY``).
GOMP_SPINCOUNT = "10000"
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", GOMP_SPINCOUNT)
