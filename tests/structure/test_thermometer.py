"""The thermometer reads vibrations: harmonic displacements about one lattice, in temperature order."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.stats import AnalysisError
from glasslib.structure.thermometer import bond_length_spread, thermometer
from glasslib.system import TYPE_A, TYPE_B


def square_lattice(rows: int = 20) -> tuple[np.ndarray, np.ndarray, float]:
    """A square lattice at number density 1.2 (spacing 0.913 σ), types in a checkerboard (every nearest neighbour
    an A–B pair, the diagonals at 1.29 σ outside the first shell), and the box side (σ)."""
    spacing = 1 / np.sqrt(1.2)
    i, j = np.meshgrid(np.arange(rows), np.arange(rows), indexing="ij")
    positions = spacing * np.stack([i, j], axis=-1).reshape(-1, 2).astype(float)
    types = np.where((i + j) % 2 == 0, TYPE_A, TYPE_B).ravel()
    return positions, types, rows * spacing


def test_the_spread_recovers_the_temperature_order_of_harmonic_vibrations_and_grows_like_root_t():
    lattice, types, length = square_lattice()
    rng = np.random.default_rng(0)
    temperatures = np.array([0.05, 0.2, 0.5, 1.0])
    stiffness = 400.0  # ε/σ²: rms displacement √(T/k) of 0.011-0.05 σ, well inside the first shell
    shaken = lattice[None] + rng.normal(size=(4, *lattice.shape)) * np.sqrt(temperatures / stiffness)[:, None, None]
    spread = thermometer(shaken, types, length)
    assert np.all(np.diff(spread) > 0)
    assert spread / spread[0] == pytest.approx(np.sqrt(temperatures / temperatures[0]), rel=0.15)
    assert bond_length_spread(lattice, types, length) < 1e-6  # no vibration, one distance


def test_bad_input_is_a_clear_error():
    lattice, types, length = square_lattice()
    with pytest.raises(AnalysisError, match=r"\(M, N, 2\)"):
        thermometer(lattice, types, length)
    with pytest.raises(AnalysisError, match="L/2"):
        bond_length_spread(lattice, types, length, cutoff=length)
    with pytest.raises(AnalysisError, match="fewer than two A–B pairs"):
        bond_length_spread(lattice, np.full(len(types), TYPE_A), length)
