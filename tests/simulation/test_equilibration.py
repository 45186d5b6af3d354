"""The equilibration at t_start before the ramp (reduced profiles): it erases the start, and ``paper`` keeps the
published protocol (no equilibration)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.spatial import cKDTree

from glasslib.profiles import get_profile
from glasslib.protocol import CoolingSchedule
from glasslib.simulation import driver

#: Radius of the overlap with the start, σ (the usual a = 0.3 of the overlap function).
OVERLAP_RADIUS = 0.3


def collective_overlap(positions: np.ndarray, start: np.ndarray, box_length: float) -> float:
    """Fraction of the start's sites that some particle of ``positions`` (N, 2) lies within 0.3 σ of (periodic)."""
    tree = cKDTree(np.mod(positions, box_length), boxsize=box_length)
    distance, _ = tree.query(np.mod(start, box_length))
    return float(np.mean(distance < OVERLAP_RADIUS))


def test_paper_keeps_the_published_protocol_and_the_equilibration_holds_the_start_temperature(small_protocol):
    paper = get_profile("paper").protocol
    assert paper.equilibration_steps == 0
    assert not any("equilibrate" in command for command in driver.dynamics_commands(paper, 1))
    held = driver.dynamics_commands(dataclasses.replace(small_protocol, equilibration_steps=500), 1)
    t = small_protocol.t_start
    assert f"fix equilibrate all nvt temp {t!r} {t!r} {small_protocol.thermostat_damping!r}" in held
    assert (
        held.index("run 500 post no") < held.index("reset_timestep 0") < held.index(next(c for c in held if c.startswith("fix thermostat")))
    )
    assert held[-1] == "fix plane all enforce2d"  # enforce2d is still the last fix


@pytest.mark.slow
def test_equilibration_erases_the_memory_of_a_lattice_start(small_protocol):
    """From a minimised square-lattice start, 0.1 τ of ramp leaves the lattice visible; 20 τ held at t_start first
    brings the overlap with the start down to that of random positions."""
    protocol = small_protocol
    start = driver.initial_configuration(protocol, seed=3, melt_steps=0)  # the lattice, FIRE-relaxed in place
    schedule = CoolingSchedule("check", 40, 20)  # two snapshots, 0.1 and 0.2 τ into the ramp
    length = protocol.box_length
    rng = np.random.default_rng(0)
    random_level = np.mean(
        [collective_overlap(rng.random((protocol.n_particles, 2)) * length, start["positions"], length) for _ in range(20)]
    )
    overlaps = {}
    for steps in (0, 4000):
        run = driver.run_cooling(
            dataclasses.replace(protocol, equilibration_steps=steps), schedule, start["positions"], start["types"], seed=11, inherent=False
        )
        overlaps[steps] = collective_overlap(run["positions"][0], start["positions"], length)
        assert run["step"][0] == 20 and abs(run["temperature"][0] - protocol.t_start) < 0.5 * protocol.t_start
    assert overlaps[0] > random_level + 0.3, (overlaps, random_level)
    assert abs(overlaps[4000] - random_level) < 0.1, (overlaps, random_level)
