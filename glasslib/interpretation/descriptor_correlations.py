"""Per-particle indicators beside the CNN's Grad-CAM score, and their correlations (chapter 04b).

For each outer-test configuration: local density, |ψ5|, |ψ6|, five-fold-motif membership
(:mod:`glasslib.structure.local_order`) and the displacement in a short continuation run
(:mod:`glasslib.interpretation.mobility`); then each indicator's rank correlation with the per-particle
Grad-CAM score *within* each configuration, averaged per class with a bootstrap interval over
configurations (:mod:`glasslib.stats`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from glasslib import stats
from glasslib.interpretation import mobility
from glasslib.protocol import Protocol
from glasslib.structure import local_order

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
        out["displacement"].append(mobility.continuation_displacements(xy, data.types, protocol, temperature, steps, seed=seed + k))
    return {name: np.asarray(values) for name, values in out.items()}


def correlation_table(
    scores: np.ndarray, indicators: Mapping[str, np.ndarray], labels: np.ndarray, n_bootstrap: int, seed: int
) -> pd.DataFrame:
    """Within-configuration Spearman ρ of each indicator with the per-particle score, per class.

    For every configuration c, ρ_c is the rank correlation of its particles' scores with their
    indicator values (ranks within the configuration, so classes whose indicators differ wholesale
    — glasses are denser — cannot manufacture a correlation). Reported per class: the mean of ρ_c
    over configurations with a 95 % bootstrap interval over configurations, and how many
    configurations had a defined ρ (a constant map or indicator gives none).

    ``scores``, every indicator: (configurations, N); ``labels``: (configurations,) 0 liquid, 1 glass.
    """
    rows = {}
    for name, values in indicators.items():
        rho = stats.spearman_per_row(scores, np.asarray(values))
        row: dict[str, Any] = {}
        for label, cls in ((1, "glass"), (0, "liquid")):
            summary = stats.mean_with_ci(rho[np.asarray(labels) == label], n_bootstrap, seed)
            row[f"{cls} mean ρ"] = round(summary["mean"], 3)
            row[f"{cls} 95 % interval"] = f"[{summary['ci_low']:.3f}, {summary['ci_high']:.3f}]"
            row[f"{cls} configurations"] = summary["n"]
        row["strength"] = stats.correlation_strength(np.nanmean(rho) if np.isfinite(rho).any() else np.nan)
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("indicator")


def correlation_verdict(table: pd.DataFrame, flat_maps: int, n_maps: int) -> str:
    """One sentence on the strongest within-configuration association, or why none can be computed."""
    strength = table[["glass mean ρ", "liquid mean ρ"]].abs().max(axis=1).dropna()
    if len(strength):
        strongest = strength.idxmax()
        row = table.loc[strongest]
        return (
            f"The strongest association within configurations is with {strongest} (mean ρ "
            f"{row['glass mean ρ']:.3f} in glasses, 95 % {row['glass 95 % interval']}; "
            f"{row['liquid mean ρ']:.3f} in liquids, 95 % {row['liquid 95 % interval']})."
        )
    return (
        f"No correlation can be computed: {flat_maps} of the {n_maps} maps are constant (the network "
        "passes no positive glass evidence back to its last convolution), so every particle gets the same "
        "score and rank correlations are undefined."
    )
