"""Classical local order indicators of 2D configurations (chapter 04b): density, ψ_m, five-fold motifs.

Positions are in σ (unscaled); neighbours come from a periodic KD-tree (cut-off pairs) or a
Voronoi tessellation of the periodic images; every computation is vectorised over particles.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from scipy.spatial import Delaunay, cKDTree

from glasslib.stats import AnalysisError
from glasslib.system import TYPE_A, TYPE_B

#: Neighbour cut-off of ψ_m, σ: the first minimum of g_AA in 2D Kob–Andersen lies near 1.4 σ.
BOND_CUTOFF = 1.4


#: Radius of the local-density disc, σ: the first coordination shell and a bit of the second.
DENSITY_RADIUS = 1.5


#: A–B distance that closes the first g_AB shell, σ (peak ≈ 0.86 σ, first minimum ≈ 1.2 σ).
MOTIF_CUTOFF = 1.2


#: A five-fold motif: a B particle with exactly this many A neighbours within ``MOTIF_CUTOFF``.
MOTIF_SIZE = 5


def _periodic_positions(positions_sigma: np.ndarray, box_length: float, cutoff: float) -> np.ndarray:
    """(N, 2) float64 positions wrapped into [0, L), checked; ``cutoff`` must be below L/2."""
    positions = np.asarray(positions_sigma, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise AnalysisError(f"positions must have shape (N, 2) in σ, got {positions.shape}")
    if not np.all(np.isfinite(positions)):
        raise AnalysisError("positions must be finite")
    if not box_length > 0:
        raise AnalysisError(f"box_length must be positive, got {box_length}")
    if not 0 < cutoff < box_length / 2:
        raise AnalysisError(f"the cut-off {cutoff} σ must lie in (0, L/2 = {box_length / 2:.3g} σ)")
    wrapped = np.mod(positions, box_length)
    wrapped[wrapped >= box_length] = 0.0  # mod can round up to exactly box_length
    return wrapped


def _bond_vectors(positions: np.ndarray, box_length: float, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Minimum-image vectors from particle i to particle j, (M, 2), σ."""
    delta = positions[j] - positions[i]
    return delta - box_length * np.round(delta / box_length)


def _cutoff_pairs(positions: np.ndarray, box_length: float, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Unordered pairs (i < j) closer than ``cutoff`` (periodic KD-tree)."""
    pairs = cKDTree(positions, boxsize=box_length).query_pairs(cutoff, output_type="ndarray")
    return pairs[:, 0], pairs[:, 1]


def _voronoi_pairs(positions: np.ndarray, box_length: float) -> tuple[np.ndarray, np.ndarray]:
    """Unordered Voronoi-neighbour pairs: Delaunay edges of the configuration and its 8 periodic images."""
    n = len(positions)
    shifts = box_length * np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)], dtype=np.float64)
    images = (positions[None] + shifts[:, None]).reshape(-1, 2)
    simplices = Delaunay(images).simplices
    edges = np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]]])
    central = (edges // n == 4).any(axis=1)  # edges touching the original copy (image index 4)
    edges = np.sort(edges[central] % n, axis=1)
    edges = np.unique(edges[edges[:, 0] != edges[:, 1]], axis=0)
    return edges[:, 0], edges[:, 1]


def local_density(positions_sigma: np.ndarray, box_length: float, radius: float = DENSITY_RADIUS) -> np.ndarray:
    """Number of other particles within ``radius`` of each particle, per unit area (chapter 04b).

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ (wrapped into the periodic box here).
    box_length : side of the square periodic box, σ.
    radius : disc radius, σ (default 1.5 σ; < L/2). Distances ≤ radius count; the particle itself does not.

    Returns
    -------
    (N,) float64, particles per σ²: count / (π radius²).
    """
    positions = _periodic_positions(positions_sigma, box_length, radius)
    tree = cKDTree(positions, boxsize=box_length)
    counts = tree.query_ball_point(positions, radius, return_length=True) - 1
    return counts / (np.pi * radius**2)


def bond_orientational_order(
    positions_sigma: np.ndarray, box_length: float, m: int, neighbours: float | Literal["voronoi"] = BOND_CUTOFF
) -> np.ndarray:
    """|ψ_m| of every particle: ψ_m(k) = (1/n_k) Σ_j exp(i m θ_jk) over its n_k neighbours (chapter 04b).

    θ_jk is the angle of the bond from k to j with the x axis. m = 6 measures hexagonal
    (crystal-like) order, m = 5 five-fold (icosahedral-like, glass-forming) order.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ.
    box_length : side of the square periodic box, σ.
    m : int ≥ 1, the symmetry order.
    neighbours : float or ``"voronoi"``
        A distance cut-off in σ (default 1.4 σ, the first minimum of g_AA, all pairs regardless of
        type), or ``"voronoi"``: the particles sharing a Voronoi edge (Delaunay neighbours of the
        periodic configuration; no parameter, but unweighted, so short Voronoi edges count fully).

    Returns
    -------
    (N,) float64 in [0, 1]; NaN for a particle with no neighbour.
    """
    if int(m) != m or m < 1:
        raise AnalysisError(f"m must be a positive integer, got {m}")
    if isinstance(neighbours, str):
        if neighbours != "voronoi":
            raise AnalysisError(f"neighbours must be a cut-off in σ or 'voronoi', got {neighbours!r}")
        positions = _periodic_positions(positions_sigma, box_length, box_length / 4)
        i, j = _voronoi_pairs(positions, box_length)
    else:
        positions = _periodic_positions(positions_sigma, box_length, float(neighbours))
        i, j = _cutoff_pairs(positions, box_length, float(neighbours))
    bond = _bond_vectors(positions, box_length, i, j)
    phase = np.exp(1j * m * np.arctan2(bond[:, 1], bond[:, 0]))  # bond i → j; j → i adds m π
    n = len(positions)
    total = np.bincount(i, phase.real, n) + 1j * np.bincount(i, phase.imag, n)
    total += (-1) ** int(m) * (np.bincount(j, phase.real, n) + 1j * np.bincount(j, phase.imag, n))
    count = np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.abs(total) / count, np.nan)


class FiveFoldMotifs(NamedTuple):
    """Five-fold motifs of one configuration.

    Attributes
    ----------
    centres : (N,) bool — B particles ringed by exactly five A particles (False for every A).
    membership : (N,) int64 — motifs each particle belongs to: 1 for a centre, the number of
        centres within the cut-off for an A particle, 0 otherwise.
    """

    centres: np.ndarray
    membership: np.ndarray


def five_fold_motifs(positions_sigma: np.ndarray, types: np.ndarray, box_length: float, cutoff: float = MOTIF_CUTOFF) -> FiveFoldMotifs:
    """Find B particles ringed by five A particles — the paper's five-fold motif (chapter 04b).

    A B particle is a motif centre when exactly five A particles lie within ``cutoff`` of it
    (default 1.2 σ, the first minimum of g_AB, which closes the first A shell around a B at
    ≈ 0.86 σ). B neighbours of the centre are not counted, and the five A are not required to be
    evenly spaced in angle.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ.
    types : (N,) LAMMPS types, 1 = A and 2 = B.
    box_length : side of the square periodic box, σ.
    cutoff : A–B distance, σ.

    Returns
    -------
    FiveFoldMotifs
    """
    positions = _periodic_positions(positions_sigma, box_length, cutoff)
    types = np.asarray(types)
    if types.shape != (len(positions),) or not np.isin(types, (TYPE_A, TYPE_B)).all():
        raise AnalysisError(f"types must be ({len(positions)},) LAMMPS types {TYPE_A} (A) or {TYPE_B} (B)")
    i, j = _cutoff_pairs(positions, box_length, cutoff)
    mixed = types[i] != types[j]
    b = np.where(types[i] == TYPE_B, i, j)[mixed]  # the B end of each A–B pair
    a = np.where(types[i] == TYPE_B, j, i)[mixed]
    n = len(positions)
    centres = (types == TYPE_B) & (np.bincount(b, minlength=n) == MOTIF_SIZE)
    membership = centres.astype(np.int64) + np.bincount(a[centres[b]], minlength=n)
    return FiveFoldMotifs(centres, membership)
