"""Artificial configurations that probe what a classifier has learned (book chapter 04).

The paper (SI section IV) showed its CNN images saturated with five-fold motifs — B particles each
ringed by a pentagon of A particles, a local structure rich in glasses — and random
configurations. Both generators return scaled positions (N, 2) in [0, 1) and LAMMPS types.
"""

from __future__ import annotations

import numpy as np

from glasslib.system import TYPE_A, TYPE_B

#: Distance of the five A particles from their B centre, σ: the first peak of g_AB (≈ σ_AB = 0.8,
#: found at 0.86 σ in chapter 03's radial distribution functions).
RING_RADIUS = 0.86


#: Spacing of motif centres on a triangular lattice, σ: rings of neighbouring motifs do not overlap.
MOTIF_SPACING = 2.3


def pentagon_motifs(
    box_length: float, rng: np.random.Generator, radius: float = RING_RADIUS, spacing: float = MOTIF_SPACING, jitter: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """A box filled with five-fold motifs: every B particle ringed by a pentagon of A particles.

    Motif centres sit on a triangular lattice of the given spacing (σ); each pentagon has a random
    orientation; all particles get a Gaussian jitter of ``jitter`` σ.

    Returns
    -------
    positions : (N, 2) scaled to [0, 1); types : (N,) int8, one B per five A.
    """
    rows = int(box_length // (spacing * np.sqrt(3) / 2))
    cols = int(box_length // spacing)
    j, i = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    centres = np.stack([(i + 0.5 * (j % 2)) * spacing, j * spacing * np.sqrt(3) / 2], axis=-1).reshape(-1, 2)
    angles = rng.uniform(0, 2 * np.pi, size=(len(centres), 1)) + 2 * np.pi * np.arange(5) / 5
    ring = centres[:, None, :] + radius * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    positions = np.concatenate([centres, ring.reshape(-1, 2)])
    positions += rng.normal(0.0, jitter, size=positions.shape)
    types = np.concatenate([np.full(len(centres), TYPE_B), np.full(5 * len(centres), TYPE_A)]).astype(np.int8)
    return np.mod(positions / box_length, 1.0), types


def random_configuration(n_particles: int, rng: np.random.Generator, fraction_a: float = 0.65) -> tuple[np.ndarray, np.ndarray]:
    """Uniformly random positions in the unit square (an ideal gas), types in the KA proportions.

    Returns positions (N, 2) in [0, 1) and LAMMPS types (N,) int8.
    """
    n_a = int(round(fraction_a * n_particles))
    types = np.where(np.arange(n_particles) < n_a, TYPE_A, TYPE_B).astype(np.int8)
    return rng.uniform(0.0, 1.0, size=(n_particles, 2)), rng.permutation(types)
