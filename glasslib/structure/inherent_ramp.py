"""The structural metrics along the slow ramp on inherent structures (chapter 07, SPEC section 12).

Chapter 07's three counts (:mod:`glasslib.structure.bond_metrics`) read thermal snapshots in the
paper. A B particle's two nearest neighbours change with vibration too, so part of how the counts
move with T can be thermal. Here the snapshots of the first :data:`RAMP_QUENCH_RUNS` runs are
quenched at every recorded temperature (:func:`glasslib.data.quench.quench`, the force criterion;
flagged quenches left out and counted) and the counts are taken on their inherent structures, in
the layout of :func:`glasslib.structure.ramp_metrics.metrics_vs_temperature`, so that the same kink
regression reads both. The thermal counts of the same runs are returned beside them (like with like).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.data.quench import quench
from glasslib.simulation import store
from glasslib.structure.bond_metrics import METRICS, structural_metrics

#: Runs whose ramp snapshots are quenched (at most the profile's runs): 20 temperatures × 10 runs at
#: quick is 200 quenches, about a minute on two cores.
RAMP_QUENCH_RUNS = 10


def _frame(temperatures: np.ndarray, counts: dict[str, np.ndarray], keep: np.ndarray) -> pd.DataFrame:
    """Per snapshot (rows of the (S, R) arrays): the mean and standard error over the kept runs of each metric."""
    rows = []
    for index, temperature in enumerate(temperatures):
        ok = keep[index]
        row: dict[str, Any] = {"snapshot": index, "temperature": float(temperature), "n_runs": int(ok.sum())}
        for key in METRICS:
            values = counts[key][index, ok].astype(float)
            row[f"{key}_mean"] = values.mean()
            row[f"{key}_sem"] = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def inherent_metrics_vs_temperature(
    run_dir: Path, profile: Any, schedule: str = "slow", runs: int | None = None, scheduler: Any = None, progress: bool = True
) -> dict[str, Any]:
    """The counts along ``schedule``'s ramp on thermal snapshots and on their inherent structures, same runs.

    Returns
    -------
    ``{"thermal": frame, "inherent": frame, "runs": R, "flagged": quenches left out}``; each frame as
    :func:`glasslib.structure.ramp_metrics.metrics_vs_temperature` returns it (hot to cold).
    """
    n_runs = min(profile.runs_per_schedule, RAMP_QUENCH_RUNS if runs is None else int(runs))
    if n_runs < 2:
        raise ValueError(f"the inherent ramp needs at least 2 runs; got {n_runs}")
    expected = profile.simulation_hash()
    temperatures = store.load_ensemble(run_dir, schedule, n_runs, expected).target_temperature
    snaps = [
        [store.read_snapshot(store.run_path(run_dir, schedule, run), i, expected) for run in range(n_runs)]
        for i in range(len(temperatures))
    ]
    types, length = snaps[0][0]["types"], float(snaps[0][0]["box_length"])
    thermal = np.stack([np.stack([s["positions"] for s in row]) for row in snaps])  # (S, R, N, 2) σ
    quenched = quench(profile, thermal.reshape(-1, *thermal.shape[2:]), types, scheduler, progress)
    inherent = quenched.positions.reshape(thermal.shape)
    keep = quenched.usable.reshape(thermal.shape[:2])
    counts = {}
    for name, positions in (("thermal", thermal), ("inherent", inherent)):
        found = structural_metrics(positions.reshape(-1, *positions.shape[2:]), types, length)
        counts[name] = {key: found[key].reshape(thermal.shape[:2]) for key in METRICS}
    every = np.ones_like(keep)
    return {
        "thermal": _frame(temperatures, counts["thermal"], every),
        "inherent": _frame(temperatures, counts["inherent"], keep),
        "runs": n_runs,
        "flagged": int((~keep).sum()),
    }
