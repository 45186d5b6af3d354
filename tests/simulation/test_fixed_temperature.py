"""Tests of glasslib.simulation.fixed_temperature: fixed-T runs that record unwrapped displacements (LAMMPS)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from glasslib.profiles import get_profile
from glasslib.simulation import driver
from glasslib.simulation.fixed_temperature import TrajectoryError, check_record_steps, run_at_temperature


@pytest.fixture(scope="module")
def small_system():
    """80 particles, melted and FIRE-minimised."""
    protocol = dataclasses.replace(get_profile("smoke").protocol, n_particles=80, init_fire_maxiter=10000)
    start = driver.initial_configuration(protocol, seed=4, melt_steps=300)
    return protocol, start["positions"], start["types"]


def test_records_unwrapped_displacements_at_the_asked_steps_and_repeats(small_system):
    protocol, positions, types = small_system
    run = run_at_temperature(positions, types, protocol, 1.0, [10, 50, 400], seed=3)
    assert run.displacements.shape == (3, 80, 2) and run.steps.tolist() == [10, 50, 400]
    length = protocol.box_length
    # the last displacement takes the start to the final configuration, modulo the box (unwrapped, so no jump)
    moved = np.mod(positions + run.displacements[-1], length)
    gap = moved - run.final_positions
    np.testing.assert_allclose(gap - length * np.round(gap / length), 0.0, atol=1e-8)
    crossed = np.abs(run.final_positions - np.mod(positions, length)) > length / 2  # wrapped across the boundary
    assert crossed.any() and np.abs(run.displacements[-1]).max() < length / 4  # yet no jump of a box length
    mean_squared = (run.displacements**2).sum(axis=-1).mean(axis=-1)
    assert np.all(np.diff(mean_squared) > 0)  # a hot liquid spreads
    # the same seed gives the same run; recording at more times does not change the trajectory
    again = run_at_temperature(positions, types, protocol, 1.0, [400], seed=3)
    np.testing.assert_allclose(again.displacements[-1], run.displacements[-1], atol=1e-10)
    other = run_at_temperature(positions, types, protocol, 1.0, [400], seed=4)
    assert not np.allclose(other.displacements[-1], run.displacements[-1])


def test_bad_inputs_are_clear_errors(small_system):
    protocol, positions, types = small_system
    with pytest.raises(TrajectoryError, match="increasing order"):
        check_record_steps([10, 5])
    with pytest.raises(TrajectoryError, match="non-empty"):
        check_record_steps([])
    with pytest.raises(TrajectoryError, match="positive"):
        run_at_temperature(positions, types, protocol, 0.0, [10], seed=1)
    with pytest.raises(TrajectoryError, match="n_particles"):
        run_at_temperature(positions[:-1], types[:-1], protocol, 0.5, [10], seed=1)
    with pytest.raises(TrajectoryError, match="seed"):
        run_at_temperature(positions, types, protocol, 0.5, [10], seed=0)
