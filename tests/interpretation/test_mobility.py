"""Tests of glasslib.interpretation.mobility: continuation runs from a minimised configuration (LAMMPS)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from glasslib.interpretation import mobility
from glasslib.profiles import get_profile
from glasslib.simulation import driver
from glasslib.stats import AnalysisError


@pytest.fixture(scope="module")
def small_system():
    """80 particles, melted and FIRE-minimised to convergence (an unconverged start relaxes in the cold run)."""
    protocol = dataclasses.replace(get_profile("smoke").protocol, n_particles=80, init_fire_maxiter=10000)
    start = driver.initial_configuration(protocol, seed=4, melt_steps=300)
    return protocol, start["positions"], start["types"]


@pytest.mark.slow
def test_continuation_displacements_grow_with_temperature_and_repeat(small_system):
    protocol, positions, types = small_system
    cold = mobility.continuation_displacements(positions, types, protocol, 0.05, 500, seed=11)
    hot = mobility.continuation_displacements(positions, types, protocol, 2.0, 500, seed=11)
    assert cold.shape == hot.shape == (80,)
    assert cold.max() < 0.3
    assert hot.max() > 0.3 and hot.mean() > 3 * cold.mean()
    again = mobility.continuation_displacements(positions, types, protocol, 0.05, 500, seed=11)
    np.testing.assert_array_equal(again, cold)
    other = mobility.continuation_displacements(positions, types, protocol, 0.05, 500, seed=12)
    assert not np.array_equal(other, cold)
    with pytest.raises(AnalysisError):
        mobility.continuation_displacements(positions[:-1], types[:-1], protocol, 0.05, 10, seed=1)
