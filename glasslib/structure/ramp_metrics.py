"""The structural metrics along the slow ramp, and as classifiers of the data sets (chapter 07)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.progress import progress_bar
from glasslib.simulation import store
from glasslib.stats import roc_auc
from glasslib.structure.bond_metrics import GLASS_DIRECTION, METRIC_LABELS, METRICS, structural_metrics


def _snapshot_batch(run_dir: Path, schedule: str, index: int, runs: range, expected_hash: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Positions (R, N, 2) σ, types (R, N) and box length of snapshot ``index`` of ``runs``."""
    snaps = [store.read_snapshot(store.run_path(run_dir, schedule, run), index, expected_hash) for run in runs]
    lengths = {s["box_length"] for s in snaps}
    if len(lengths) != 1:
        raise store.StoreError(f"runs of schedule {schedule!r} disagree on the box length: {sorted(lengths)}")
    return (np.stack([s["positions"] for s in snaps]), np.stack([s["types"] for s in snaps]), lengths.pop())


def metrics_vs_temperature(
    run_dir: Path, profile: Any, schedule: str = "slow", runs: int | None = None, batch_runs: int = 256, progress: bool = False
) -> pd.DataFrame:
    """The three counts averaged over runs at every recorded temperature of a schedule (chapter 07).

    Parameters
    ----------
    run_dir : the profile's run directory (simulations from chapter 01).
    profile : :class:`glasslib.profiles.Profile` — its simulation hash checks the stored runs.
    schedule : ``"slow"`` (the SPEC's choice) or ``"fast"``.
    runs : number of runs 0 … runs−1 to average; default ``profile.runs_per_schedule``.
    batch_runs : configurations handed to :func:`structural_metrics` at once (memory bound).
    progress : show a tqdm bar over snapshots.

    Returns
    -------
    pandas.DataFrame
        One row per recorded snapshot in ramp order (hot to cold): ``snapshot``, ``temperature``
        (target, ε/k_B), ``n_runs``, and for each metric ``<metric>_mean`` and ``<metric>_sem``
        (standard error of the mean over runs, std with ddof = 1 over √R).

    Raises
    ------
    glasslib.simulation.store.StoreError
        A run is missing, stale or corrupt (the message says to run notebook 01 first).
    """
    n_runs = profile.runs_per_schedule if runs is None else int(runs)
    if n_runs < 1:
        raise ValueError(f"runs must be at least 1; got {n_runs}")
    expected = profile.simulation_hash()
    temperatures = store.load_ensemble(run_dir, schedule, n_runs, expected).target_temperature
    snapshots = range(len(temperatures))
    if progress:
        snapshots = progress_bar(snapshots, desc=f"metrics ({schedule})")
    rows = []
    for index in snapshots:
        values = {key: [] for key in METRICS}
        for start in range(0, n_runs, batch_runs):
            batch = _snapshot_batch(run_dir, schedule, index, range(start, min(start + batch_runs, n_runs)), expected)
            for key, counts in structural_metrics(*batch).items():
                values[key].append(counts)
        row = {"snapshot": index, "temperature": float(temperatures[index]), "n_runs": n_runs}
        for key in METRICS:
            counts = np.concatenate(values[key]).astype(float)
            row[f"{key}_mean"] = counts.mean()
            row[f"{key}_sem"] = counts.std(ddof=1) / np.sqrt(n_runs) if n_runs > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def metric_auc(dataset: Any, indices: np.ndarray | None = None) -> dict[str, float]:
    """ROC AUC of each metric as a stand-alone liquid (0) / glass (1) classifier.

    The direction is fixed in advance, not fitted: glasses have fewer components, B–B edges and
    isolated A particles (the paper), so the glass score is ``−metric``
    (:data:`GLASS_DIRECTION`). An AUC below 0.5 therefore means the data contradict that direction.

    Parameters
    ----------
    dataset : :class:`glasslib.data.datasets.Dataset` — scaled positions (2R, N, 2), types, labels.
    indices : optional configuration indices (e.g. ``dataset.indices(fold, OUTER_TEST)``); default all.

    Returns
    -------
    dict
        metric name -> AUC in [0, 1].
    """
    chosen = np.arange(len(dataset.labels)) if indices is None else np.asarray(indices)
    counts = structural_metrics(dataset.positions[chosen], dataset.types, 1.0)  # scaled: unit box
    labels = np.asarray(dataset.labels)[chosen]
    return {key: roc_auc(labels, GLASS_DIRECTION[key] * counts[key].astype(float)) for key in METRICS}


def metric_auc_table(run_dir: Path, profile: Any, network_auc: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Each metric's AUC as a classifier on every data set, beside the networks' mean outer-test AUCs (chapter 07).

    ``network_auc`` maps a column name (e.g. ``"CNN"``) to a Series of mean AUC by data set.
    """
    from glasslib.data.datasets import load_datasets

    rows = {i: {METRIC_LABELS[k]: round(v, 3) for k, v in metric_auc(data).items()} for i, data in load_datasets(run_dir, profile).items()}
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("data set")
    for name, auc in network_auc.items():
        table[name] = auc.round(3)
    return table
