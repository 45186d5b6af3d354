"""Tests of glasslib.structure.local_order: local density, bond-orientational order ψ5/ψ6, Voronoi neighbours,
five-fold motifs."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data.artificial import pentagon_motifs
from glasslib.structure import local_order
from glasslib.system import TYPE_A, TYPE_B


def test_local_density_of_a_square_lattice():
    spacing, side = 1.0, 10
    ij = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2)
    positions = spacing * (ij + 0.5)
    np.testing.assert_allclose(local_order.local_density(positions, side * spacing, radius=1.5), 8 / (np.pi * 1.5**2))
    np.testing.assert_allclose(local_order.local_density(positions, side * spacing, radius=1.1), 4 / (np.pi * 1.1**2))


def triangular_patch(angle: float, radius: float = 4.0, centre: float = 10.0) -> np.ndarray:
    """A rotated triangular lattice (spacing 1 σ) cut to a disc, in the middle of an empty 20 σ box."""
    i, j = np.meshgrid(np.arange(-8, 9), np.arange(-8, 9))
    points = np.stack([i + 0.5 * j, j * np.sqrt(3) / 2], axis=-1).reshape(-1, 2)
    points = points[np.hypot(*points.T) <= radius]
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return points @ rotation.T + centre


@pytest.mark.parametrize("neighbours", [1.4, "voronoi"])
def test_psi6_of_a_triangular_lattice_is_one(neighbours):
    positions = triangular_patch(angle=0.3)
    interior = np.hypot(*(positions - 10.0).T) < 2.0
    psi6 = local_order.bond_orientational_order(positions, 20.0, 6, neighbours)
    np.testing.assert_allclose(psi6[interior], 1.0, atol=1e-12)
    ideal_gas = np.random.default_rng(0).uniform(0, 20.0, size=(400, 2))  # density 1 σ⁻²
    assert np.nanmean(local_order.bond_orientational_order(ideal_gas, 20.0, 6, neighbours)) < 0.5


def test_voronoi_neighbours_of_a_periodic_configuration_average_six():
    positions = np.random.default_rng(2).uniform(0, 8.0, size=(77, 2))
    i, j = local_order._voronoi_pairs(positions, 8.0)
    assert 2 * len(i) / 77 == 6.0  # Euler's formula on the torus: every pair found once, across the boundary too
    assert np.all(i < j)


def test_psi5_of_a_pentagon_ring_centre_is_one():
    angles = 0.7 + 2 * np.pi * np.arange(5) / 5
    positions = np.vstack([[5.0, 5.0], 5.0 + 0.86 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)])
    assert local_order.bond_orientational_order(positions, 10.0, 5)[0] == pytest.approx(1.0)
    assert local_order.bond_orientational_order(positions[::-1], 10.0, 5)[-1] == pytest.approx(1.0)  # bonds j → i
    assert local_order.bond_orientational_order(positions, 10.0, 6)[0] == pytest.approx(0.0, abs=1e-12)
    lonely = local_order.bond_orientational_order(np.array([[1.0, 1.0], [6.0, 6.0]]), 10.0, 6)
    assert np.all(np.isnan(lonely))


def test_five_fold_motifs_of_pentagon_configurations():
    box = 12.5
    scaled, types = pentagon_motifs(box, np.random.default_rng(3))
    motifs = local_order.five_fold_motifs(scaled * box, types, box)
    np.testing.assert_array_equal(motifs.centres, types == TYPE_B)
    np.testing.assert_array_equal(motifs.membership, 1)
    broken = np.delete(np.arange(len(types)), np.flatnonzero(types == TYPE_A)[0])  # one A of some ring gone
    partial = local_order.five_fold_motifs(scaled[broken] * box, types[broken], box)
    assert partial.centres.sum() == (types == TYPE_B).sum() - 1
    assert (partial.membership == 0).sum() == 5  # the B that lost it and its four remaining A
