"""Structural relaxation of a 2D liquid: cage-relative displacements, F_s(k, t) and τ_α (chapter 09).

In two dimensions, long-wavelength (Mermin–Wagner) fluctuations carry whole neighbourhoods along
together; they inflate absolute displacements without any local rearrangement. The
**cage-relative** displacement of particle i removes them: its displacement minus the mean
displacement of its neighbours in the initial configuration (those closer than ``cutoff``),

    Δr_i^cage(t) = Δr_i(t) − (1 / |N_i|) Σ_{j ∈ N_i(0)} Δr_j(t).

The **self-intermediate scattering function** of the A particles at wave number k, averaged over
the directions of k in the plane (for which ⟨exp(i k·Δr)⟩ is the Bessel function J₀(k |Δr|)),

    F_s(k, t) = (1 / N_A) Σ_{i ∈ A} J₀(k |Δr_i(t)|),

falls from 1 to 0 as the liquid relaxes; τ_α is where it crosses 1/e (k = 2π, the first peak of
the structure factor for σ = 1). Everything is vectorised over particles, runs and times.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree
from scipy.special import j0

from glasslib.structure.local_order import BOND_CUTOFF

#: Wave number of F_s, 1/σ: k = 2π, near the first peak of the structure factor.
WAVE_NUMBER = 2.0 * np.pi
#: F_s crosses this level at τ_α.
RELAXED_LEVEL = float(np.exp(-1.0))


class RelaxationError(ValueError):
    """Displacements or times that cannot give a relaxation function or time."""


def neighbour_average_matrix(positions_sigma: np.ndarray, box_length: float, cutoff: float = BOND_CUTOFF) -> sparse.csr_matrix:
    """Row-normalised (N, N) sparse matrix A with (A v)_i the mean of v over i's neighbours closer than ``cutoff``.

    A particle without a neighbour within ``cutoff`` gets a zero row (its cage-relative displacement
    is then its absolute one). Periodic box of side ``box_length`` σ; ``cutoff`` < L/2.
    """
    positions = np.mod(np.asarray(positions_sigma, dtype=np.float64), box_length)
    positions[positions >= box_length] = 0.0
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise RelaxationError(f"positions must have shape (N, 2) in σ, got {positions.shape}")
    if not 0 < cutoff < box_length / 2:
        raise RelaxationError(f"the neighbour cut-off {cutoff} σ must lie in (0, L/2 = {box_length / 2:.3g} σ)")
    n = len(positions)
    pairs = cKDTree(positions, boxsize=box_length).query_pairs(cutoff, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    counts = np.bincount(rows, minlength=n).astype(np.float64)
    weights = 1.0 / counts[rows]
    return sparse.csr_matrix((weights, (rows, cols)), shape=(n, n))


def cage_relative(displacements: np.ndarray, positions_sigma: np.ndarray, box_length: float, cutoff: float = BOND_CUTOFF) -> np.ndarray:
    """Cage-relative displacements (module docstring), same shape as ``displacements``.

    Parameters
    ----------
    displacements : (..., N, 2) float — Δr_i(t), σ, any leading axes (runs, times).
    positions_sigma : (N, 2) — the initial configuration that defines the neighbours, σ.
    box_length : float — box side, σ.
    cutoff : float — neighbour distance, σ (default: the first minimum of g_AA, 1.4 σ).
    """
    displacements = np.asarray(displacements, dtype=np.float64)
    n = len(positions_sigma)
    if displacements.ndim < 2 or displacements.shape[-2:] != (n, 2):
        raise RelaxationError(f"displacements must have shape (..., N = {n}, 2), got {displacements.shape}")
    average = neighbour_average_matrix(positions_sigma, box_length, cutoff)
    flat = np.moveaxis(displacements, -2, 0).reshape(n, -1)  # (N, everything else)
    neighbours = np.moveaxis((average @ flat).reshape((n, *displacements.shape[:-2], 2)), 0, -2)
    return displacements - neighbours


def self_intermediate_scattering(displacements: np.ndarray, mask: np.ndarray | None = None, wave_number: float = WAVE_NUMBER) -> np.ndarray:
    """F_s(k, t) over the particles of ``mask`` (module docstring).

    Parameters
    ----------
    displacements : (..., N, 2) float — Δr_i(t), σ; leading axes (runs, times) are kept.
    mask : (N,) bool, optional — particles to average over (e.g. type A); default all.
    wave_number : float — k, 1/σ.

    Returns
    -------
    (...) float — F_s for every leading index, 1 at zero displacement.
    """
    displacements = np.asarray(displacements, dtype=np.float64)
    if displacements.ndim < 2 or displacements.shape[-1] != 2:
        raise RelaxationError(f"displacements must have shape (..., N, 2), got {displacements.shape}")
    values = j0(wave_number * np.hypot(displacements[..., 0], displacements[..., 1]))
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != values.shape[-1:] or not mask.any():
            raise RelaxationError(f"mask must be (N = {values.shape[-1]},) booleans with at least one True, got shape {mask.shape}")
        values = values[..., mask]
    return values.mean(axis=-1)


def relaxation_time(times: np.ndarray, correlation: np.ndarray, level: float = RELAXED_LEVEL) -> float:
    """The first time at which ``correlation`` falls to ``level`` (τ_α for F_s and 1/e), τ.

    Interpolated linearly in log(time) between the two records that bracket the crossing.

    Parameters
    ----------
    times : (T,) increasing positive times, τ.
    correlation : (T,) — e.g. F_s(k, t), starting above ``level``.

    Raises
    ------
    RelaxationError
        The function never falls to ``level`` within the recorded times (record longer runs), or
        starts below it (record earlier times).
    """
    times, correlation = np.asarray(times, dtype=np.float64), np.asarray(correlation, dtype=np.float64)
    if times.ndim != 1 or times.shape != correlation.shape or times.size < 2 or np.any(times <= 0) or np.any(np.diff(times) <= 0):
        raise RelaxationError(
            f"times must be ≥ 2 increasing positive values matching the correlation, got {times.shape}, {correlation.shape}"
        )
    below = np.flatnonzero(correlation <= level)
    if below.size == 0:
        raise RelaxationError(
            f"the correlation stays above {level:.3f} up to t = {times[-1]:.4g} τ (last value {correlation[-1]:.3f}); "
            "record longer runs to measure the relaxation time"
        )
    first = int(below[0])
    if first == 0:
        raise RelaxationError(
            f"the correlation is already {correlation[0]:.3f} ≤ {level:.3f} at the first time {times[0]:.4g} τ; record earlier times"
        )
    x0, x1 = np.log(times[first - 1]), np.log(times[first])
    y0, y1 = correlation[first - 1], correlation[first]
    return float(np.exp(x0 + (y0 - level) / (y0 - y1) * (x1 - x0)))
