"""LAMMPS physics through glasslib.simulation.driver: energies, FIRE, the plane, the ramp, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from glasslib import system
from glasslib.protocol import CoolingSchedule, Protocol
from glasslib.simulation import driver

pytestmark = pytest.mark.slow


def lj(r: float, eps: float, sig: float) -> float:
    """4ε[(σ/r)^12 − (σ/r)^6], written out independently of glasslib."""
    return 4 * eps * ((sig / r) ** 12 - (sig / r) ** 6)


def lammps_total_energy(protocol: Protocol, positions: np.ndarray, types: np.ndarray) -> float:
    lmp = driver.new_lammps()
    try:
        lmp.commands_list(driver.system_commands(protocol))
        driver.create_atoms(lmp, positions, types)
        lmp.command("run 0")
        return driver.thermo(lmp)["pe"] * len(types)
    finally:
        lmp.close()


def test_pair_energies_of_hand_placed_particles_match_the_formula(small_protocol):
    # a 20 σ box; density is the only knob that sets it
    protocol = Protocol(**{**small_protocol.__dict__, "n_particles": 8, "density": 8 / 400})
    positions = np.array(
        [
            [5.0, 5.0],
            [5.0, 6.1],  # A–B at 1.1
            [7.3, 5.0],  # A–A at 2.3 (inside 2.5, unshifted); A–B 2.55 from atom 2: beyond 2.0
            [5.0, 8.15],  # B–B at 2.05 from atom 2 (inside 2.2)
            [19.0, 14.0],
            [0.6, 14.0],  # A–B at 1.6 across the periodic boundary
            [2.65, 14.0],  # A–B at 2.05 from atom 6: between the AB cut (2.0) and the AA cut (2.5)
            [12.0, 12.0],  # alone
        ]
    )
    types = np.array([1, 2, 1, 2, 1, 2, 1, 1])
    expected = lj(1.1, 1.5, 0.8) + lj(2.3, 1.0, 1.0) + lj(2.05, 0.5, 0.88) + lj(1.6, 1.5, 0.8)
    assert lammps_total_energy(protocol, positions, types) == pytest.approx(expected, rel=1e-10)

    # the vectorised formula agrees on every minimum-image pair
    i, j = np.triu_indices(len(types), 1)
    delta = positions[i] - positions[j]
    delta -= protocol.box_length * np.round(delta / protocol.box_length)
    assert system.lj_pair_energy(np.hypot(*delta.T), types[i], types[j]).sum() == pytest.approx(expected, rel=1e-12)


def test_energy_just_inside_the_cutoff_is_not_shifted_to_zero():
    inside = system.lj_pair_energy(np.array([2.499, 1.999, 2.199]), np.array([1, 1, 2]), np.array([1, 2, 2]))
    assert np.all(inside < -1e-3)
    outside = system.lj_pair_energy(np.array([2.501, 2.001, 2.201]), np.array([1, 1, 2]), np.array([1, 2, 2]))
    assert np.all(outside == 0.0)


@pytest.fixture(scope="module")
def start(small_protocol):
    return driver.initial_configuration(small_protocol, seed=3)


def test_initial_configuration_is_a_minimised_liquid(small_protocol, start):
    assert start["positions"].shape == (small_protocol.n_particles, 2)
    assert np.all((start["positions"] >= 0) & (start["positions"] < small_protocol.box_length))
    assert (start["types"] == 1).sum() == small_protocol.n_type_a
    assert start["potential_energy"] < -3.0  # a mechanically stable packing, far below the melt


def test_fire_lowers_the_energy_and_ends_below_its_force_tolerance(small_protocol, start):
    lmp = driver.start_run(small_protocol, start["positions"], start["types"], seed=5)
    try:
        lmp.command("run 200")  # a thermal configuration, away from the minimum
        before = driver.thermo(lmp)["pe"]
        after = driver.fire_minimise(lmp, etol=0.0, ftol=1e-5, maxiter=200_000)
        assert after["pe"] < before
        assert after["fnorm"] < 1e-5
    finally:
        lmp.close()


def test_inherent_structure_splits_the_minimum_energy_per_particle(small_protocol, start):
    rng = np.random.default_rng(0)
    shaken = start["positions"] + rng.normal(0.0, 0.05, start["positions"].shape)
    result = driver.inherent_structure(small_protocol, shaken, start["types"])
    assert result["fnorm"] < 0.05 and result["iterations"] > 0  # FIRE stops on the energy tolerance first
    # a minimum at least as deep as the start's (which stopped after init_fire_maxiter iterations), split per particle
    assert start["potential_energy"] - 0.05 < result["particle_energy"].mean() < start["potential_energy"] + 1e-3
    length, types = small_protocol.box_length, np.asarray(start["types"])
    i, j = cKDTree(result["positions"], boxsize=length).query_pairs(2.5, output_type="ndarray").T
    delta = result["positions"][j] - result["positions"][i]
    r = np.hypot(*(delta - length * np.round(delta / length)).T)
    pair = system.lj_pair_energy(r, types[i], types[j])
    expected = np.bincount(i, pair / 2, len(types)) + np.bincount(j, pair / 2, len(types))
    np.testing.assert_allclose(result["particle_energy"], expected, atol=1e-9)


def test_positions_and_velocities_stay_in_the_plane(small_protocol, start):
    lmp = driver.start_run(small_protocol, start["positions"], start["types"], seed=5)
    try:
        lmp.command("run 1000")
        n = lmp.extract_global("nlocal")
        assert np.all(lmp.numpy.extract_atom("x")[:n, 2] == 0.0)
        assert np.all(lmp.numpy.extract_atom("v")[:n, 2] == 0.0)
        velocities = lmp.numpy.extract_atom("v")[:n, :2]
        assert np.allclose(velocities.sum(axis=0), 0.0, atol=1e-9)  # momentum zeroed every step
    finally:
        lmp.close()


def test_thermostat_follows_the_linear_ramp(small_protocol, start):
    schedule = CoolingSchedule("test", 20_000, 1_000)
    out = driver.run_cooling(small_protocol, schedule, start["positions"], start["types"], seed=9, inherent=False)
    target = schedule.target_temperatures(2.0, 0.05)
    assert np.allclose(out["target_temperature"], target)
    assert target[-1] == pytest.approx(0.05) and np.all(np.diff(target) < 0)
    late = slice(len(target) // 4, None)  # after the first quarter the start-up transient is gone
    assert np.mean(np.abs(out["temperature"][late] - target[late]) / target[late]) < 0.15
    assert abs(out["temperature"][-1] - 0.05) < 0.03


def test_the_same_seed_gives_the_same_run_and_another_seed_another(small_protocol, start):
    schedule = CoolingSchedule("test", 1_000, 500)
    runs = [driver.run_cooling(small_protocol, schedule, start["positions"], start["types"], seed=s) for s in (11, 11, 12)]
    for key in ("positions", "temperature", "potential_energy", "inherent_energy"):
        assert np.array_equal(runs[0][key], runs[1][key])
    assert not np.allclose(runs[0]["positions"], runs[2]["positions"])
    assert np.all(runs[0]["inherent_energy"] < runs[0]["potential_energy"])  # minima lie below the snapshots


def test_snapshot_schedule():
    schedule = CoolingSchedule("slow", 20_000_000, 100_000)
    assert schedule.n_snapshots == 200
    assert schedule.snapshot_steps()[0] == 100_000 and schedule.snapshot_steps()[-1] == 20_000_000
    assert schedule.target_temperatures(2.0, 0.05)[0] == pytest.approx(1.99025)
