"""Classical per-particle structural descriptors, the inputs of chapter 09's linear propensity baseline.

For one configuration (thermal positions, or its inherent structure), every particle gets

======================  ==================================================================
``type B``              1 for a B particle, 0 for A
``local density``       neighbours within 1.5 σ per σ² (:func:`local_order.local_density`)
``|ψ5|``, ``|ψ6|``      bond-orientational order within 1.4 σ (0 for a particle without neighbours)
``five-fold motifs``    motifs the particle belongs to (:func:`local_order.five_fold_motifs`)
``IS energy``           its share of the inherent-structure energy, ε (LAMMPS ``pe/atom``)
======================  ==================================================================

The inherent-structure energy is a property of the configuration's inherent structure and is the
same column for both kinds of positions. Everything is vectorised over particles.
"""

from __future__ import annotations

import numpy as np

from glasslib.structure import local_order
from glasslib.system import TYPE_B

#: Column names of :func:`particle_descriptors`, in order.
DESCRIPTORS = ("type B", "local density", "|ψ5|", "|ψ6|", "five-fold motifs", "IS energy")


def particle_descriptors(positions_sigma: np.ndarray, types: np.ndarray, box_length: float, inherent_energy: np.ndarray) -> np.ndarray:
    """The descriptors of :data:`DESCRIPTORS` for every particle of one configuration.

    Parameters
    ----------
    positions_sigma : (N, 2) — thermal or inherent-structure positions, σ.
    types : (N,) — LAMMPS types (1 = A, 2 = B).
    box_length : float — σ.
    inherent_energy : (N,) — per-particle inherent-structure energy, ε.

    Returns
    -------
    (N, 6) float64, columns as :data:`DESCRIPTORS`.
    """
    types = np.asarray(types)
    inherent_energy = np.asarray(inherent_energy, dtype=np.float64)
    if inherent_energy.shape != types.shape:
        raise ValueError(f"inherent_energy must have one value per particle ({types.shape}), got {inherent_energy.shape}")
    columns = [
        (types == TYPE_B).astype(np.float64),
        local_order.local_density(positions_sigma, box_length),
        np.nan_to_num(local_order.bond_orientational_order(positions_sigma, box_length, 5)),
        np.nan_to_num(local_order.bond_orientational_order(positions_sigma, box_length, 6)),
        local_order.five_fold_motifs(positions_sigma, types, box_length).membership.astype(np.float64),
        inherent_energy,
    ]
    return np.stack(columns, axis=1)
