"""Classical descriptors: one named vector per configuration, periodic, and enough to tell two structures apart."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data.splits import make_splits
from glasslib.models.baselines import linear_baseline
from glasslib.stats import AnalysisError
from glasslib.structure import classical_descriptors as cd
from glasslib.system import TYPE_A, TYPE_B


def lattice(rows: int, shifted: bool) -> tuple[np.ndarray, float]:
    """A square lattice of rows² particles at density 1.2, or the same with every other row shifted by half a spacing,
    in a square box of side L (σ)."""
    spacing = 1 / np.sqrt(1.2)
    i, j = np.meshgrid(np.arange(rows), np.arange(rows), indexing="ij")
    x = i + (0.5 * (j % 2) if shifted else 0.0)
    return spacing * np.stack([x, j], axis=-1).reshape(-1, 2).astype(float), rows * spacing


def test_names_match_the_vector_and_a_periodic_shift_changes_nothing():
    positions, length = lattice(12, shifted=False)
    types = np.where(np.arange(len(positions)) % 5 == 0, TYPE_B, TYPE_A)
    rng = np.random.default_rng(0)
    shaken = positions + rng.normal(0, 0.05, positions.shape)
    vector = cd.configuration_descriptors(shaken, types, length)
    assert vector.shape == (len(cd.descriptor_names()),) and np.all(np.isfinite(vector))
    moved = cd.configuration_descriptors(shaken + [0.37 * length, -2.1 * length], types, length)
    assert np.allclose(vector, moved)
    pairs_per_particle = vector[: 3 * 30].sum()  # every pair within 3 σ, once, per particle: ≈ ρ π 3² / 2
    assert pairs_per_particle == pytest.approx(1.2 * np.pi * 9 / 2, rel=0.05)


def test_the_structural_baseline_separates_two_synthetic_structures(make_dataset):
    """Square against row-shifted lattices, at the same vibration: a linear model on the descriptors tells them apart."""
    rng = np.random.default_rng(1)
    runs = 30
    configurations, types = [], None
    for shifted in (True, False):  # glasses (label 1) first, then liquids
        positions, length = lattice(12, shifted)
        types = np.where(np.arange(len(positions)) % 5 == 0, TYPE_B, TYPE_A)
        configurations += [positions + rng.normal(0, 0.08, positions.shape) for _ in range(runs)]
    features = cd.descriptor_matrix(np.array(configurations), types, length)
    data = make_dataset(np.array(configurations) / length, types, box_length=length, splits=make_splits(runs, 0, (0.6, 0.2, 0.2)))
    result = linear_baseline(data, features, "descriptors")
    assert result.interval(seed=0)[0] > 0.9


def test_bad_descriptor_input_is_a_clear_error():
    positions, length = lattice(4, shifted=False)
    with pytest.raises(AnalysisError, match="twice the histogram range"):
        cd.configuration_descriptors(positions, np.full(len(positions), TYPE_A), length)
    with pytest.raises(AnalysisError, match=r"\(M, N, 2\)"):
        cd.descriptor_matrix(positions, np.full(len(positions), TYPE_A), length)
