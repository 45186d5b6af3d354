"""glasslib — support library of the glasslib book.

2D Kob–Andersen glass formers simulated with LAMMPS, their glass transition, liquid-vs-glass
data sets, the networks that classify them, and what those networks read. The subpackages follow
the book's parts, so a reader who knows the chapter finds the code in one hop:

================================  ==========  ==============================================================
subpackage / module               chapters    what
================================  ==========  ==============================================================
:mod:`glasslib.profiles`          all         the ``smoke`` / ``quick`` / ``paper`` scales, one home per parameter
:mod:`glasslib.system`            all         the Kob–Andersen model: types, pair coefficients, configuration checks
:mod:`glasslib.rundir`            all         the run directory: every product's path, writer, provenance, variants
:mod:`glasslib.run_variants`      all         ``glasslib runs``: a run directory's variants, their sizes, removal
:mod:`glasslib.stats`             all         every interval the book quotes; AUC and correlations
:mod:`glasslib.published`         all         the published values the book compares with
:mod:`glasslib.simulation`        01–02, 09   LAMMPS driver, campaign (Dask), simulation store, Tg, ensembles
:mod:`glasslib.data`              03          data sets, splits, start memory, RDFs, images, graphs, artificial configurations
:mod:`glasslib.models`            04–05       training contract, nested-CV search, selection, ``cnn/`` and ``dmpnn/``
:mod:`glasslib.structure`         04b, 07, 09 descriptors per particle, the structural metrics, the kink at Tg
:mod:`glasslib.interpretation`    04, 04b, 06 artificial-image probe, Grad-CAM, mobility, edge attention
:mod:`glasslib.dynamics`          09          relaxation, propensity, its linear baseline and networks
:mod:`glasslib.bench`             —           ``glasslib bench X``: one module per benchmark
:mod:`glasslib.chapters`          04–10       what a chapter computes, saves, tabulates and glues
:mod:`glasslib.report`            all         ``glasslib results`` and the claims
:mod:`glasslib.book`              all         papermill + jupyter-book runner, tables, figures, widgets
:mod:`glasslib.cli`               —           the ``glasslib`` command
================================  ==========  ==============================================================

The layers (import-linter contract in ``pyproject.toml``, run by ``make lint``), lowest first:
foundations → simulation → data → models → structure → interpretation | dynamics → bench → chapters
→ report → book → cli. A module never imports a layer above its own.

Data flows one way: simulate → store → Tg → data sets → models → interpretation → metrics → dynamics → book.
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
