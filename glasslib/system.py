"""The 2D Kob–Andersen model the whole book simulates and reads (SPEC section 1).

Particle types are LAMMPS' ``1`` (A, 65 %) and ``2`` (B, 35 %); all masses 1; units are
Lennard-Jones units (σ_AA, ε_AA, m, τ). Here live the pair coefficients, the pair energy, and the
checks shared by everything that reads one configuration: ``positions`` (N, 2) scaled to the unit
square and ``types`` (N,). Scaled coordinates can fall slightly outside [0, 1] between
neighbour-list rebuilds; :func:`wrap_scaled` wraps them back, and refuses coordinates further
outside than :data:`WRAP_TOLERANCE` (unscaled or corrupted input) or not finite.
"""

from __future__ import annotations

import numpy as np

#: How far outside [0, 1] a scaled coordinate may lie and still be wrapped (box lengths).
WRAP_TOLERANCE = 0.05


class ConfigurationError(ValueError):
    """A configuration that cannot be used as it is; the message says what is wrong."""


def wrap_scaled(positions: np.ndarray, tolerance: float = WRAP_TOLERANCE) -> np.ndarray:
    """Check scaled positions and wrap them into [0, 1).

    Parameters
    ----------
    positions : (N, 2) or (..., N, 2)
        Scaled coordinates.
    tolerance : float
        Largest distance outside [0, 1] that is accepted, in box lengths.

    Raises
    ------
    ConfigurationError
        Non-finite coordinates, a wrong last dimension, or coordinates beyond the tolerance.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim < 2 or positions.shape[-1] != 2:
        raise ConfigurationError(f"positions must have shape (N, 2), got {positions.shape}")
    bad = ~np.isfinite(positions).all(axis=-1)
    if bad.any():
        raise ConfigurationError(f"{int(bad.sum())} particles have NaN or infinite coordinates")
    outside = np.maximum(-positions, positions - 1.0).max()
    if outside > tolerance:
        raise ConfigurationError(
            f"scaled coordinates reach {outside:.3g} outside [0, 1], beyond the wrap tolerance {tolerance}; "
            "are these unscaled positions (divide by the box length) or corrupted data?"
        )
    return np.mod(positions, 1.0)


def type_indicator(types: np.ndarray) -> np.ndarray:
    """0 for A and 1 for B, float32, shape (N,); any other type is an error."""
    types = np.asarray(types)
    unknown = np.setdiff1d(np.unique(types), [TYPE_A, TYPE_B])
    if unknown.size:
        raise ConfigurationError(f"unknown particle types {unknown.tolist()}; expected {TYPE_A} (A) and {TYPE_B} (B)")
    return (types == TYPE_B).astype(np.float32)


# (type_i, type_j): (epsilon, sigma, r_cut) — SPEC section 1, unshifted.
PAIR_COEFFS: dict[tuple[int, int], tuple[float, float, float]] = {
    (1, 1): (1.00, 1.00, 2.50),
    (1, 2): (1.50, 0.80, 2.00),
    (2, 2): (0.50, 0.88, 2.20),
}


TYPE_A, TYPE_B = 1, 2


def lj_pair_energy(r: np.ndarray, type_i: np.ndarray, type_j: np.ndarray) -> np.ndarray:
    """Unshifted, per-pair-cut Kob–Andersen pair energy, vectorised.

    Parameters
    ----------
    r : ndarray, shape (M,)
        Pair distances, σ.
    type_i, type_j : ndarray of int, shape (M,)
        LAMMPS types (1 = A, 2 = B) of the two particles.

    Returns
    -------
    ndarray, shape (M,)
        4ε[(σ/r)^12 − (σ/r)^6] inside the cut-off, 0 beyond, ε.
    """
    lo, hi = np.minimum(type_i, type_j), np.maximum(type_i, type_j)
    table = np.zeros((3, 3, 3))
    for (a, b), coeff in PAIR_COEFFS.items():
        table[a, b] = coeff
    eps, sig, cut = table[lo, hi].T
    sr6 = (sig / r) ** 6
    return np.where(r <= cut, 4.0 * eps * (sr6 * sr6 - sr6), 0.0)
