"""Classical descriptors of a whole configuration: what the structural baseline reads (SPEC section 12).

One fixed-length vector per configuration, built from the field's standard measures of 2D local
structure (:mod:`glasslib.structure.local_order`) and pair correlations:

- the **partial pair-distance histograms** g_AA, g_AB, g_BB to :data:`HISTOGRAM_RANGE` in bins of
  :data:`HISTOGRAM_BIN` (pairs per particle per bin);
- the mean and standard deviation of the **local density** (particles within 1.5 σ, per σ²);
- the mean **|ψ6|** and **|ψ5|** of A and of B particles (neighbours within 1.4 σ);
- the share of B particles that centre a **five-fold motif**, and of all particles in one.

A regularised linear classifier on these (:func:`glasslib.models.baselines.linear_baseline`) is the
baseline a network must beat on inherent structures to have learned more than classical structure.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from glasslib.stats import AnalysisError
from glasslib.structure.local_order import bond_orientational_order, five_fold_motifs, local_density
from glasslib.system import TYPE_A, TYPE_B

#: Largest pair distance the histograms reach, σ (the second shell ends near 2.5 σ).
HISTOGRAM_RANGE = 3.0
#: Histogram bin, σ.
HISTOGRAM_BIN = 0.1
#: The partials, as type pairs.
PARTIALS = ((TYPE_A, TYPE_A), (TYPE_A, TYPE_B), (TYPE_B, TYPE_B))


def descriptor_names() -> list[str]:
    """The name of each entry of :func:`configuration_descriptors`, in order."""
    edges = np.arange(0, HISTOGRAM_RANGE + 1e-9, HISTOGRAM_BIN)
    label = {TYPE_A: "A", TYPE_B: "B"}
    names = [f"g_{label[a]}{label[b]}[{lo:.1f},{hi:.1f})" for a, b in PARTIALS for lo, hi in zip(edges[:-1], edges[1:])]
    names += ["density mean", "density std", "|psi6| A", "|psi6| B", "|psi5| A", "|psi5| B"]
    return names + ["five-fold centres / B", "particles in a five-fold motif"]


def configuration_descriptors(positions_sigma: np.ndarray, types: np.ndarray, box_length: float) -> np.ndarray:
    """The descriptors of one configuration (module docstring): (N, 2) positions σ, (N,) types → (F,).

    Raises :class:`glasslib.stats.AnalysisError` on bad shapes or a box smaller than twice the histogram range.
    """
    positions = np.asarray(positions_sigma, dtype=np.float64)
    types = np.asarray(types)
    if positions.ndim != 2 or positions.shape[1] != 2 or types.shape != (len(positions),):
        raise AnalysisError(f"positions must be (N, 2) σ with one type each, got {positions.shape} and {types.shape}")
    if not box_length > 2 * HISTOGRAM_RANGE:
        raise AnalysisError(f"the box ({box_length:.3g} σ) must exceed twice the histogram range ({2 * HISTOGRAM_RANGE} σ)")
    wrapped = np.mod(positions, box_length)
    wrapped[wrapped >= box_length] = 0.0
    density = local_density(wrapped, box_length)
    psi = {m: bond_orientational_order(wrapped, box_length, m) for m in (6, 5)}
    motifs = five_fold_motifs(wrapped, types, box_length)
    is_a, is_b = types == TYPE_A, types == TYPE_B
    order = [np.nanmean(psi[m][mask]) for m in (6, 5) for mask in (is_a, is_b)]
    motif = [motifs.centres.sum() / max(is_b.sum(), 1), np.mean(motifs.membership > 0)]
    return np.concatenate([_partial_histograms(wrapped, types, box_length), [density.mean(), density.std()], order, motif])


def _partial_histograms(positions: np.ndarray, types: np.ndarray, box_length: float) -> np.ndarray:
    """(3 · bins,) pair counts per particle in each distance bin, for AA, AB and BB pairs (periodic KD-tree)."""
    pairs = cKDTree(positions, boxsize=box_length).query_pairs(HISTOGRAM_RANGE, output_type="ndarray")
    delta = positions[pairs[:, 1]] - positions[pairs[:, 0]]
    delta -= box_length * np.round(delta / box_length)
    distance = np.hypot(delta[:, 0], delta[:, 1])
    kinds = np.sort(types[pairs], axis=1)
    bins = int(round(HISTOGRAM_RANGE / HISTOGRAM_BIN))
    index = np.minimum((distance / HISTOGRAM_BIN).astype(np.int64), bins - 1)
    out = [np.bincount(index[(kinds[:, 0] == a) & (kinds[:, 1] == b)], minlength=bins) for a, b in PARTIALS]
    return np.concatenate(out) / len(positions)


def descriptor_matrix(positions_sigma: np.ndarray, types: np.ndarray, box_length: float) -> np.ndarray:
    """:func:`configuration_descriptors` of every configuration: (M, N, 2) σ → (M, F) (a loop over configurations only)."""
    positions = np.asarray(positions_sigma, dtype=np.float64)
    if positions.ndim != 3:
        raise AnalysisError(f"configurations must be (M, N, 2) σ, got {positions.shape}")
    return np.stack([configuration_descriptors(p, types, box_length) for p in positions])
