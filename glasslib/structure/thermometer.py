"""The thermometer: one vibration scalar per configuration, no structure, no training (SPEC section 12).

A thermal snapshot carries its temperature in its vibrations: each particle rattles about its local
minimum with a mean-square amplitude proportional to T, so the spread of first-shell pair distances
grows like √T. The scalar here is the **relative standard deviation of A–B first-shell pair
distances** — the standard deviation of every A–B distance below :data:`FIRST_SHELL_AB` divided by
their mean. A–B pairs are the stiffest in Kob–Andersen (ε_AB = 1.5) and the most numerous first-shell
pairs of a B particle, so the scalar is the least noisy of the three partials.

On an inherent structure (a quenched configuration) there is no vibration left: the same scalar then
measures the bond-length disorder of the minimum, which is structure. Chapter 03 reports it per
data set beside the energies; the classifier chapters use it as the baseline a network must beat.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from glasslib.stats import AnalysisError
from glasslib.system import TYPE_A, TYPE_B

#: Upper end of the A–B first shell the thermometer reads, σ: below the shell's first minimum (≈ 1.2 σ),
#: above its peak (≈ 0.86 σ), so every first-shell A–B bond of a warm liquid is inside.
FIRST_SHELL_AB = 1.05


def bond_length_spread(positions_sigma: np.ndarray, types: np.ndarray, box_length: float, cutoff: float = FIRST_SHELL_AB) -> float:
    """Relative standard deviation of the A–B distances below ``cutoff`` in one configuration.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ (any periodic image).
    types : (N,) LAMMPS types (1 = A, 2 = B).
    box_length : side of the square periodic box, σ.
    cutoff : upper end of the first shell, σ.

    Returns
    -------
    std / mean of those distances (dimensionless).

    Raises
    ------
    AnalysisError
        Bad shapes, a cut-off not below L/2, or no A–B pair inside the cut-off.
    """
    positions = np.asarray(positions_sigma, dtype=np.float64)
    types = np.asarray(types)
    if positions.ndim != 2 or positions.shape[1] != 2 or types.shape != (len(positions),):
        raise AnalysisError(f"positions must be (N, 2) σ with one type each, got {positions.shape} and {types.shape}")
    if not 0 < cutoff < box_length / 2:
        raise AnalysisError(f"the cut-off {cutoff} σ must lie in (0, L/2 = {box_length / 2:.3g} σ)")
    wrapped = np.mod(positions, box_length)
    wrapped[wrapped >= box_length] = 0.0
    pairs = cKDTree(wrapped, boxsize=box_length).query_pairs(cutoff, output_type="ndarray")
    kinds = np.sort(types[pairs], axis=1)
    ab = pairs[(kinds[:, 0] == TYPE_A) & (kinds[:, 1] == TYPE_B)]
    if len(ab) < 2:
        raise AnalysisError(f"fewer than two A–B pairs closer than {cutoff} σ: not a Kob–Andersen configuration at density 1.2")
    delta = wrapped[ab[:, 1]] - wrapped[ab[:, 0]]
    delta -= box_length * np.round(delta / box_length)
    distance = np.hypot(delta[:, 0], delta[:, 1])
    return float(distance.std() / distance.mean())


def thermometer(positions_sigma: np.ndarray, types: np.ndarray, box_length: float, cutoff: float = FIRST_SHELL_AB) -> np.ndarray:
    """:func:`bond_length_spread` of every configuration: (M, N, 2) positions, σ → (M,) scalars.

    One KD-tree per configuration (a loop over configurations, never over particles or pairs).
    """
    positions = np.asarray(positions_sigma, dtype=np.float64)
    if positions.ndim != 3:
        raise AnalysisError(f"configurations must be (M, N, 2) σ, got {positions.shape}")
    return np.array([bond_length_spread(p, types, box_length, cutoff) for p in positions])
