"""Shared fixtures and factories.

The folders under ``tests/`` mirror ``glasslib/``; pytest imports the test modules in importlib mode, so they
cannot import from each other: what several modules share lives here.

* ``tiny_profile``, ``small_protocol``: small physical systems for the LAMMPS-backed tests.
* ``make_dataset``: a :class:`glasslib.data.datasets.Dataset` from synthetic configurations.
* ``torch_one_thread``, ``tensorflow_threads``: few threads on a shared machine
  (``pytestmark = pytest.mark.usefixtures(...)`` in the modules that need them).
* ``chromium``: headless Chromium, to check what a published page shows (skips where it is not installed).
* ``smoke_book``: the whole book at the smoke profile, built once per session (its run directory is
  ``GLASSLIB_TEST_RUN_DIR`` under ``make test``, so nbval and the live-explorer test reuse its products).
"""

from __future__ import annotations

import fcntl
import html as html_lib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from glasslib.data.datasets import GLASS, LIQUID, Dataset, DatasetSpec
from glasslib.data.splits import Splits
from glasslib.profiles import get_profile
from glasslib.protocol import Protocol


# --------------------------------------------------------------------------- physical systems
@pytest.fixture(scope="session")
def tiny_profile():
    """A profile small enough for a whole campaign in seconds (60 particles, short ramps)."""
    return get_profile(
        "smoke",
        n_particles=60,
        t_cool_slow=2000,
        t_cool_fast=1000,
        snapshot_every_slow=500,
        snapshot_every_fast=250,
        runs_per_schedule=2,
        dynamics_configurations=2,
        propensity_folds=2,
        is_fire_maxiter=5000,
        workers=2,
    )


@pytest.fixture(scope="session")
def dynamics_store(tiny_profile, tmp_path_factory):
    """The tiny cooling store (slow runs) and chapter 09's ensembles on it: 2 temperatures × 2 configurations × 3 runs."""
    from glasslib.simulation import campaign
    from glasslib.simulation import isoconfigurational as iso

    run_dir = tmp_path_factory.mktemp("dynamics")
    campaign.run_campaign(tiny_profile, run_dir, schedules=("slow",), progress=False)
    profile = get_profile(
        tiny_profile,
        dynamics_runs=3,
        dynamics_equilibration=8000,  # 40 τ: ≥ 5 τ_α at T = 0.9 for 60 particles (τ_α ≈ 7 τ)
        dynamics_t_max=3000,
        dynamics_records=6,
        dynamics_configurations=2,
        propensity_epochs=2,
        propensity_folds=2,
    )
    iso.run_ensembles(profile, run_dir, progress=False)
    return profile, run_dir


@pytest.fixture(scope="session")
def small_protocol() -> Protocol:
    """200 particles at the paper's density and protocol constants."""
    return get_profile("smoke").protocol


# --------------------------------------------------------------------------- data sets
def _make_dataset(
    positions: np.ndarray,
    types: np.ndarray,
    *,
    box_length: float = 1.0,
    dataset: int = 1,
    splits: Splits | None = None,
    inherent_energy: np.ndarray | None = None,
) -> Dataset:
    """A data set of 2R synthetic configurations, R glasses then R liquids, run r holding configurations r and R + r.

    Parameters
    ----------
    positions : (2R, N, 2) scaled positions, glasses first; wrapped into [0, 1) and stored as float32.
    types : (N,) LAMMPS types shared by every configuration.
    box_length : σ.
    dataset : the data set number of the spec (seeds of the nested CV derive from it).
    splits : default: no outer test runs, every run in the inner training set of all three folds.
    inherent_energy : (2R,) per configuration; default zeros.
    """
    positions = np.mod(np.asarray(positions), 1.0).astype(np.float32)
    per_class = positions.shape[0] // 2
    runs = np.arange(per_class)
    if splits is None:
        splits = Splits(np.zeros((3, 0), dtype=np.int64), np.zeros((3, per_class), dtype=np.int8))
    return Dataset(
        spec=DatasetSpec(dataset, "slow", 0, 0.05, "slow", 1, 2.0, "synthetic test data"),
        positions=positions,
        types=np.asarray(types).astype(np.int8),
        labels=np.repeat([GLASS, LIQUID], per_class).astype(np.int8),
        run_index=np.concatenate([runs, runs]),
        inherent_energy=np.zeros(2 * per_class) if inherent_energy is None else np.asarray(inherent_energy),
        box_length=float(box_length),
        splits=splits,
    )


@pytest.fixture(scope="session")
def make_dataset() -> Callable[..., Dataset]:
    """Factory of synthetic data sets: ``make_dataset(positions, types, box_length=…, dataset=…, splits=…,
    inherent_energy=…)``; see :func:`_make_dataset`. Modify one with ``dataclasses.replace``."""
    return _make_dataset


# --------------------------------------------------------------------------- threads
@pytest.fixture(scope="module")
def torch_one_thread():
    """PyTorch on one thread for the module (the machine is shared), restored afterwards."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def tensorflow_threads(request) -> int:
    """Limit TensorFlow's CPU threads to the module's ``TF_THREADS`` (default 1), the machine being shared.

    TensorFlow fixes its thread pools when it first runs an op, so use this fixture before any other
    (``pytestmark = pytest.mark.usefixtures("tensorflow_threads")``); when an earlier module has already
    started TensorFlow, its setting stays (``configure_threads`` logs a warning).
    """
    from glasslib.models.cnn.train import configure_threads

    threads = getattr(request.module, "TF_THREADS", 1)
    configure_threads(threads)
    return threads


# --------------------------------------------------------------------------- the smoke book
@pytest.fixture(scope="session")
def smoke_book(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(folder, built HTML folder, run directory) of the smoke book, executed and built once per session.

    Under ``make test`` (``GLASSLIB_TEST_RUN_DIR``) the book goes to a folder beside its run directory that
    every pytest-xdist worker of the session shares: the first worker to need it builds it under a file
    lock, the others wait and then read it (a stamp names the session, so a later session never reads an
    older book). Without that variable, each session builds its own in a temporary folder.
    """
    from glasslib.book import runner

    shared = os.environ.get("GLASSLIB_TEST_RUN_DIR")
    run_dir = Path(shared) if shared else tmp_path_factory.mktemp("book") / "runs"
    root = run_dir.parent / f"{run_dir.name}-book" if shared else run_dir.parent
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    session = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    stamp = root / "built-by-session"
    with open(run_dir.parent / f".{run_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        html = root / "build" / "html"
        if not (stamp.is_file() and stamp.read_text() == session and (html / "index.html").is_file()):
            stamp.unlink(missing_ok=True)
            html = runner.build_book(get_profile("smoke"), run_dir=run_dir, build_dir=root / "build")
            stamp.write_text(session)
    return root, html, run_dir


# --------------------------------------------------------------------------- headless Chromium
CHROMIUM = "/usr/bin/chromium"


#: A page that measures the tables of another (loaded in its frame) and writes the result into its own DOM.
TABLE_PROBE = """<!doctype html><html><body style="margin:0">
<iframe id="page" style="width:WIDTHpx;height:900px;border:0" src="PAGE"></iframe><pre id="report">pending</pre>
<script>
document.getElementById("page").addEventListener("load", () => {
  const doc = document.getElementById("page").contentDocument, out = [];
  for (const table of doc.querySelectorAll("table")) {
    const column = table.closest("article") || doc.body, style = doc.defaultView.getComputedStyle(column);
    out.push({
      width: table.getBoundingClientRect().width,
      column: column.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight),
      labels: [...table.querySelectorAll("thead th")].map(th => th.textContent.trim()),
      cut: [...table.querySelectorAll("td, th")].map(c => c.textContent.trim()).filter(t => /(…|\\.\\.\\.)$/.test(t)),
    });
  }
  document.getElementById("report").textContent = JSON.stringify(out);
});
</script></body></html>"""


class HeadlessChromium:
    """Loads a page in headless Chromium and reads what the attention explorer shows."""

    path = CHROMIUM
    #: Flags for a closed network (no background connections; no sandbox, as CI runs as root).
    flags = (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    )

    def dump_dom(self, path: Path, fragment: str = "", wait_ms: int = 0, extra: tuple[str, ...] = ()) -> str:
        """The page's DOM after its scripts ran, opened with URL ``fragment`` (e.g. ``"#cutoff=2"``).

        ``wait_ms`` lets timers and loaded scripts (MathJax) run for that much virtual time first;
        ``extra`` are more Chromium flags.
        """
        with tempfile.TemporaryDirectory() as profile:
            result = subprocess.run(
                [
                    self.path,
                    "--headless",
                    *self.flags,
                    f"--user-data-dir={profile}",
                    *([f"--virtual-time-budget={wait_ms}"] if wait_ms else []),
                    *extra,
                    "--dump-dom",
                    path.as_uri() + fragment,
                ],
                capture_output=True,
                text=True,
                timeout=180,
                env={**os.environ, "HOME": profile},
            )
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout

    def tables(self, page: Path, width: int = 1280) -> list[dict]:
        """Every table of ``page`` as laid out in a ``width``-pixel window: its width, its text column's width,
        its header labels and the cells whose text ends in an ellipsis.

        The page loads in a same-origin frame of a small measuring page (file URLs, so Chromium runs
        with ``--allow-file-access-from-files``), whose script writes what it measured into its DOM.
        """
        with tempfile.TemporaryDirectory() as folder:
            wrapper = Path(folder) / "measure.html"
            wrapper.write_text(TABLE_PROBE.replace("PAGE", page.as_uri()).replace("WIDTH", str(width)))
            dom = self.dump_dom(wrapper, wait_ms=8000, extra=("--allow-file-access-from-files", f"--window-size={width + 100},1000"))
        found = re.search(r'<pre id="report">(.*?)</pre>', dom, flags=re.S).group(1)
        assert found != "pending", f"{page.name}: the measuring script did not run"
        return json.loads(html_lib.unescape(found))

    @staticmethod
    def shown(dom: str) -> tuple[str, str, list[int], str]:
        """(data-state, image base64, counts, cutoff label) as the explorer in ``dom`` shows them."""
        root = re.search(r'<div id="gae-[0-9a-f]+"[^>]*>', dom).group(0)
        img = re.search(r'<img[^>]*class="gae-image"[^>]*>', dom).group(0)
        counts = [int(v) for v in re.findall(r'<td class="gae-count"[^>]*>(\d+)</td>', dom)]
        label = re.search(r'<span class="gae-value">([^<]*)</span>', dom).group(1)
        return (
            re.search(r'data-state="([^"]+)"', root).group(1),
            html_lib.unescape(re.search(r'src="data:image/png;base64,([^"]+)"', img).group(1)),
            counts,
            label,
        )


@pytest.fixture(scope="session")
def chromium() -> HeadlessChromium:
    """Headless Chromium; the test is skipped where it is not installed."""
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (Debian's chromium; .ci/run installs it)")
    return HeadlessChromium()


@pytest.fixture
def make_fold_result() -> Callable[..., object]:
    """A factory of :class:`glasslib.models.fold_results.FoldResult` for four outer-test configurations (no training)."""
    from glasslib.models.fold_results import FoldResult

    def make(model: str, dataset: int, fold: int, auc: float, probability_shift: float = 0.0, params: dict | None = None) -> FoldResult:
        return FoldResult(
            dataset=dataset, fold=fold, model=model, params=dict(params or {}), auc=auc, accuracy=0.5, inner_auc=auc,
            test_indices=np.arange(4), test_probability=np.array([0.9, 0.6, 0.4, 0.1]) + probability_shift,
            test_labels=np.array([1, 0, 1, 0], dtype=np.int8), curves={}, best_epoch=0, seconds=1.0,
            samples_per_second=1.0, outer_seed=fold, n_train=8, n_validation=2, trials=[], weights_path="",
            config_hash=f"{dataset}-{fold}",
        )  # fmt: skip

    return make


# --------------------------------------------------------------------------- parallel runs (pytest-xdist)
#: The xdist group that builds the smoke book and re-executes the notebooks against its run directory:
#: the book's own tests (the first one builds it) and nbval's cells, which must follow it on one worker.
SMOKE_GROUP = "smoke-book"
#: The other tests that read the smoke book (exercises, browser tests, the PDF, results): they go last, to
#: whichever worker is free first, and wait for the book under :func:`smoke_book`'s lock if it is not built yet.
READERS_GROUP = "smoke-book-readers"
#: The module whose tests build the smoke book first.
BOOK_TESTS = "test_book.py"
#: Session fixtures too costly to build on two workers: the tests that use one share a worker.
SHARED_FIXTURES = ("dynamics_store",)


def xdist_group(item: pytest.Item) -> str:
    """The worker group of a test: the smoke book's, its readers', a costly session fixture's, or else its module's.

    Grouping by module keeps module-scoped fixtures (a trained network, a LAMMPS campaign) on one worker.
    """
    names = getattr(item, "fixturenames", ())
    if "nbval" in item.path.parts or ("smoke_book" in names and item.path.name == BOOK_TESTS):
        return SMOKE_GROUP
    if "smoke_book" in names:
        return READERS_GROUP
    for name in SHARED_FIXTURES:
        if name in names:
            return name
    return str(item.path)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests for ``pytest -n auto --dist loadgroup``: the smoke book's group first, its readers last.

    Building the smoke book is the longest chain (about two thirds of the suite), so it starts at once on one
    worker while the other workers take the modules; the readers come last, so that a worker done with the
    modules takes them while the first still runs nbval. Without xdist the marks do nothing and only the
    order changes.
    """
    groups = {id(item): xdist_group(item) for item in items}
    rank = {SMOKE_GROUP: 0, READERS_GROUP: 2}
    items.sort(key=lambda item: rank.get(groups[id(item)], 1))  # stable: collection order within each part
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[id(item)]))
