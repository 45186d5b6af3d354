"""Per-particle indicators beside the CNN's Grad-CAM score, and their correlations (chapter 04b).

For each outer-test configuration: local density, |ψ5|, |ψ6|, five-fold-motif membership
(:mod:`glasslib.analysis.local_order`) and the displacement in a short continuation run
(:mod:`glasslib.analysis.mobility`); then each indicator's rank correlation with the per-particle
Grad-CAM score, with a bootstrap over whole configurations (:mod:`glasslib.analysis.statistics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from glasslib.analysis import local_order, mobility, statistics
from glasslib.simulation.protocol import Protocol

INDICATORS = ("local density", "|ψ5|", "|ψ6|", "five-fold motifs", "displacement")


def particle_indicators(
    data: Any, indices: Sequence[int], protocol: Protocol, temperature: float, steps: int, seed: int
) -> dict[str, np.ndarray]:
    """Every indicator of every particle of configurations ``indices`` of a data set, each (len(indices), N).

    The continuation run of configuration k (in ``indices`` order) runs ``steps`` MD steps at
    ``temperature`` with velocity seed ``seed + k``. One call per configuration, each vectorised
    over particles.
    """
    length, out = data.box_length, {name: [] for name in INDICATORS}
    for k, index in enumerate(indices):
        xy = data.positions[index].astype(float) * length
        out["local density"].append(local_order.local_density(xy, length))
        out["|ψ5|"].append(local_order.bond_orientational_order(xy, length, 5))
        out["|ψ6|"].append(local_order.bond_orientational_order(xy, length, 6))
        out["five-fold motifs"].append(local_order.five_fold_motifs(xy, data.types, length).membership)
        out["displacement"].append(
            mobility.continuation_displacements(xy, data.types, protocol, temperature, steps, seed=seed + k)
        )
    return {name: np.asarray(values) for name, values in out.items()}


def correlation_table(
    scores: np.ndarray, indicators: Mapping[str, np.ndarray], n_bootstrap: int, seed: int
) -> pd.DataFrame:
    """Spearman ρ (95 % configuration-bootstrap interval) and Pearson r of each indicator with ``scores``.

    ``scores`` and every indicator are (configurations, N); particles of one configuration form one
    bootstrap group.
    """
    groups = np.repeat(np.arange(scores.shape[0]), scores.shape[1])
    rows = {}
    for name, values in indicators.items():
        stats = statistics.correlation_with_ci(
            scores.ravel(), np.asarray(values).ravel(), n_bootstrap=n_bootstrap, seed=seed, groups=groups
        )
        rows[name] = {
            "Spearman ρ": round(stats["spearman"], 3),
            "95 % interval": f"[{stats['ci_low']:.3f}, {stats['ci_high']:.3f}]",
            "Pearson r": round(stats["pearson"], 3),
            "strength": stats["strength"],
            "pairs": stats["n"],
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("indicator")


def correlation_verdict(table: pd.DataFrame, flat_maps: int, n_maps: int) -> str:
    """One sentence on the strongest association, or why none can be computed (constant maps)."""
    valid = table["Spearman ρ"].abs().dropna()
    if len(valid):
        strongest = valid.idxmax()
        return f"The strongest association is with {strongest} (Spearman ρ = {table.loc[strongest, 'Spearman ρ']:.3f})."
    return (
        f"No correlation can be computed: {flat_maps} of the {n_maps} maps are constant (the network "
        "passes no positive glass evidence back to its last convolution), so every particle gets the same "
        "score and rank correlations are undefined."
    )
