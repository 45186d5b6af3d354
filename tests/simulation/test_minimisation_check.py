"""How the inherent-structure minimisations stopped, and what the energy criterion leaves against a force-converged one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from glasslib.protocol import CoolingSchedule
from glasslib.simulation import driver, minimisation_check


def test_each_minimisation_is_given_the_criterion_that_stopped_it():
    fnorm = np.array([[0.02, 5e-6], [1e-5, 3.0]])
    iterations = np.array([[120, 4000], [900, 10_000]])
    stops = minimisation_check.stop_criteria(fnorm, iterations, ftol=1e-5, maxiter=10_000)
    assert stops.tolist() == [["energy", "force"], ["force", "cap"]]


@pytest.mark.slow
def test_a_force_only_minimisation_meets_its_tolerance_and_lies_below_the_energy_stopped_one(small_protocol):
    start = driver.initial_configuration(small_protocol, seed=2)
    schedule = CoolingSchedule("check", 400, 200)
    run = driver.run_cooling(small_protocol, schedule, start["positions"], start["types"], seed=5, inherent=False)
    loose = dataclasses.replace(small_protocol, fire_etol=1e-6, fire_ftol=1e-5)  # an energy criterion that stops early
    table = minimisation_check.criterion_check(loose, run["positions"], start["types"], ftol=1e-6, maxiter=200_000)
    assert len(table) == 2
    assert (table["fnorm_force_only"] <= 1e-6).all() and (table["fnorm"] > table["fnorm_force_only"]).all()
    assert (table["energy_excess"] >= -1e-12).all() and (table["displacement_rms"] <= table["displacement_max"]).all()
