"""glasslib — support library of the glasslib book.

2D Kob–Andersen glass formers simulated with LAMMPS, their glass transition, liquid-vs-glass
data sets, the networks that classify them, and what those networks read. The subpackages follow
the book's parts, so a reader who knows the chapter finds the code in one hop:

==========================  =========  ===================================================================
subpackage / module         chapters   what
==========================  =========  ===================================================================
:mod:`glasslib.profiles`    all        the ``smoke`` / ``quick`` / ``paper`` scales, one home per parameter
:mod:`glasslib.system`      all        the Kob–Andersen model: types, pair coefficients, configuration checks
:mod:`glasslib.rundir`      all        the run directory: every product's path, writer, save/load, provenance
:mod:`glasslib.results`     all        ``glasslib results``: the run's headline numbers as one JSON document
:mod:`glasslib.published`   all        the published values the book compares with
:mod:`glasslib.simulation`  01–02      LAMMPS driver, campaign of runs (Dask), simulation store, Tg
:mod:`glasslib.data`        03         data sets, splits, RDFs, images, graphs, artificial configurations
:mod:`glasslib.models`      04–05      training contract, scores, nested-CV search, ``cnn/`` and ``dmpnn/``
:mod:`glasslib.analysis`    04b, 06–07 Grad-CAM, local order, attention, structural metrics, statistics
:mod:`glasslib.book`        all        papermill + jupyter-book runner, tables, figures, attention explorer
:mod:`glasslib.bench`       —          ``glasslib bench X``: one module per benchmark
:mod:`glasslib.cli`         —          the ``glasslib`` command
==========================  =========  ===================================================================

Data flows one way: simulate → store → Tg → data sets → models → interpretation → metrics → book.
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
#: TensorFlow's C++ log level: 2 keeps errors, drops its info and warning chatter. Set before any
#: module imports TensorFlow; a value the user has set is kept.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
