"""Inherent-structure inputs: the force criterion met, a quench of a quench moves nothing, a cap is flagged."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data import quench
from glasslib.profiles import get_profile
from glasslib.protocol import CoolingSchedule
from glasslib.simulation import driver


@pytest.fixture(scope="module")
def thermal():
    """Three thermal snapshots of a 200-particle smoke ramp (targets T = 1.35, 0.70 and 0.05), and their profile."""
    profile = get_profile("smoke", workers=2)
    start = driver.initial_configuration(profile.protocol, seed=2)
    run = driver.run_cooling(profile.protocol, CoolingSchedule("q", 600, 200), start["positions"], start["types"], seed=5, inherent=False)
    return profile, run["positions"], start["types"]


@pytest.mark.slow
def test_quenching_twice_gives_the_same_positions_and_meets_the_force_criterion(thermal):
    profile, positions, types = thermal
    first = quench.quench(profile, positions, types, progress=False)
    assert first.converged.all() and np.all(first.fnorm <= profile.fire_ftol)
    assert first.positions.shape == positions.shape and np.all(first.displacement_max > 0.01)  # a quench moves particles
    again = quench.quench(profile, first.positions, types, progress=False)
    assert np.all(again.displacement_max < 1e-3)  # a minimum is its own inherent structure
    assert again.energy == pytest.approx(first.energy, abs=1e-9)
    delta = again.positions - first.positions
    delta -= profile.protocol.box_length * np.round(delta / profile.protocol.box_length)
    assert np.abs(delta).max() < 1e-3


@pytest.mark.slow
def test_a_quench_stopped_by_its_cap_is_flagged_not_hidden(thermal):
    profile, positions, types = thermal
    capped = quench.quench(get_profile(profile, is_fire_maxiter=20), positions[:1], types, progress=False)
    assert not capped.converged.any() and capped.iterations[0] <= 20
    with pytest.raises(ValueError, match=r"\(M, 200, 2\)"):
        quench.quench(profile, positions[0], types, progress=False)
