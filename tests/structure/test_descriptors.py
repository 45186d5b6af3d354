"""Classical per-particle descriptors of chapter 09's baseline."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.structure.descriptors import DESCRIPTORS, particle_descriptors


def test_a_square_lattice_has_the_expected_descriptors():
    side = 10
    positions = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) + 0.5
    types = np.where(np.arange(side * side) % 2 == 0, 1, 2)
    energy = np.linspace(-4, -3, side * side)
    table = particle_descriptors(positions, types, float(side), energy)
    assert table.shape == (100, len(DESCRIPTORS))
    np.testing.assert_array_equal(table[:, 0], types == 2)
    np.testing.assert_allclose(table[:, 1], 8 / (np.pi * 1.5**2))  # 4 neighbours at 1 σ and 4 at √2 σ within 1.5 σ
    np.testing.assert_allclose(table[:, 2], 0.0, atol=1e-12)  # four-fold bonds: |ψ5| = 0
    np.testing.assert_allclose(table[:, 3], 0.0, atol=1e-12)  # and |ψ6| = 0
    np.testing.assert_array_equal(table[:, 4], 0.0)  # no B ringed by five A
    np.testing.assert_array_equal(table[:, 5], energy)
    with pytest.raises(ValueError, match="one value per particle"):
        particle_descriptors(positions, types, float(side), energy[:-1])
