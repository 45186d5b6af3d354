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


def _summary(n: int, capped: int) -> dict:
    return {"n": n, "capped": capped, "iteration_cap": 10_000}


def test_capped_minimisations_are_counted_left_out_and_only_a_schedule_mostly_capped_stops_the_chapter():
    from glasslib.profiles import get_profile
    from glasslib.simulation.store import Ensemble

    profile = get_profile("smoke", is_fire_maxiter=1000)
    iterations = np.array([[10, 1000], [999, 20]])
    energy = np.array([[-3.0, -3.1], [-3.2, -3.3]])
    arrays = {name: np.zeros((2, 2)) for name in ("temperature", "potential_energy", "inherent_fnorm")}
    ensemble = Ensemble(
        "slow", np.arange(2), np.arange(2), np.arange(2), np.array([1.0, 0.5]), inherent_energy=energy,
        inherent_iterations=iterations, md_seconds=np.zeros(2), min_seconds=np.zeros(2), **arrays,
    )  # fmt: skip
    kept = minimisation_check.converged_energy(ensemble, profile)
    assert np.isnan(kept[0, 1]) and np.array_equal(kept[~np.isnan(kept)], [-3.0, -3.2, -3.3])
    assert minimisation_check.converged(iterations, 1000).tolist() == [[True, False], [True, True]]
    summary = {"slow": _summary(400, 3), "fast": _summary(400, 0)}
    assert "3 of 400 slow stopped on the iteration cap (10,000)" in minimisation_check.capped_sentence(summary)
    assert "left out" in minimisation_check.capped_sentence(summary) and "flagged" in minimisation_check.capped_sentence(summary)
    assert minimisation_check.capped_sentence({"slow": _summary(400, 0)}) == "None stopped on the iteration cap."
    minimisation_check.check_minimisations(summary)  # a few: counted, not an error
    with pytest.raises(minimisation_check.MinimisationError, match="301 of 400 fast.*is_fire_maxiter"):
        minimisation_check.check_minimisations({**summary, "fast": _summary(400, 301)})
