"""Chapter 02's Tg fits and glued numbers on synthetic two-slope energies and hand-built Tg results."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.book import tables
from glasslib.chapters import ch02_tg as ch02
from glasslib.profiles import get_profile
from glasslib.simulation.tg import PiecewiseFit, TgResult


def tg_result(tg: float, bootstrap: list[float], glass: float, glass_sem: float) -> TgResult:
    """A Tg result whose fit breaks at ``tg`` and whose lowest-temperature energy is ``glass`` ± ``glass_sem`` ε."""
    fit = PiecewiseFit(np.array([tg, 1.5]), -4.0, np.array([0.1, 1.0, 0.5]), 0.0, 0)
    temperature = np.array([0.05, 1.0, 2.0])
    return TgResult(
        fit,
        temperature,
        np.array([glass, -3.0, -2.5]),
        np.array([glass_sem, 0.01, 0.01]),
        np.array(bootstrap),
        np.zeros(len(bootstrap), bool),
    )


@pytest.fixture
def results() -> dict[str, TgResult]:
    return {
        "slow": tg_result(0.40, [0.39, 0.40, 0.42, 0.41], glass=-3.90, glass_sem=0.003),
        "fast": tg_result(0.45, [0.44, 0.46, 0.41, 0.45], glass=-3.86, glass_sem=0.004),
    }


def test_tg_results_recover_the_break_of_synthetic_two_slope_energies():
    profile = get_profile("smoke", tg_bootstrap=10, tg_min_points=3)
    target = np.linspace(2.0, 0.05, 24)
    rng = np.random.default_rng(1)

    def energies(tg: float) -> np.ndarray:
        curve = -4.0 + 0.05 * target + 0.6 * np.maximum(target - tg, 0.0)
        return curve + rng.normal(0.0, 1e-3, (6, target.size))

    class Ensemble:  # what tg_results reads of a stored ensemble
        def __init__(self, tg: float):
            self.target_temperature, self.inherent_energy = target, energies(tg)
            self.inherent_iterations = np.zeros(self.inherent_energy.shape, int)  # all converged

    fitted = ch02.tg_results(profile, {"slow": Ensemble(0.5), "fast": Ensemble(0.8)})
    assert list(fitted) == ["slow", "fast"]
    assert fitted["slow"].tg == pytest.approx(0.5, abs=0.05) and fitted["fast"].tg == pytest.approx(0.8, abs=0.05)
    assert fitted["slow"].tg_bootstrap.shape == (10,)


def test_method_and_tg_numbers(results):
    profile = get_profile("smoke", tg_bootstrap=50, tg_min_points=4)
    assert ch02.method_numbers(profile) == {"min_points": 4, "n_boot": 50}
    numbers = ch02.tg_numbers(results)
    assert list(numbers) == ["tg_slow", "tg_std_slow", "glass_slow", "tg_fast", "tg_std_fast", "glass_fast"]
    assert numbers["tg_slow"] == 0.40 and numbers["glass_fast"] == -3.86
    assert numbers["tg_std_slow"] == pytest.approx(np.std([0.39, 0.40, 0.42, 0.41], ddof=1))


def test_minimisation_numbers_format_counts_with_separators():
    summary = {
        "slow": {"n": 12000, "capped": 0, "force_tolerance_met": 1500, "fnorm_median": 0.02},
        "fast": {"n": 345, "capped": 45, "force_tolerance_met": 5, "fnorm_median": 0.03, "iteration_cap": 100_000},
    }
    assert ch02.minimisation_numbers(summary) == {
        "min_total": "12,345",
        "min_converged": "12,300",
        "min_converged_pct": pytest.approx(100 * 12300 / 12345),
        "min_force_met": "1,505",
        "min_fnorm_median": 0.03,
        "min_capped": ch02.minimisation_numbers(summary)["min_capped"],
    }
    assert ch02.minimisation_numbers(summary)["min_capped"].startswith("45 of 345 fast stopped on the iteration cap (100,000)")


def test_difference_numbers_read_the_interval_the_runs_that_decide_it_and_each_schedules_half_width():
    curve = {
        "runs": [10, 20, 40], "low": [-0.3, -0.2, -0.1], "high": [0.5, 0.4, 0.3], "runs_to_decide": 12_000,
        "tg_half_width": {"slow": [0.2, 0.14, 0.1], "fast": [0.5, 0.35, 0.24]},
        "runs_for_tg_half_width": {"slow": 160, "fast": 1_000},
    }  # fmt: skip
    assert ch02.difference_numbers(curve) == {
        "diff_runs": 40, "diff_low": -0.1, "diff_high": 0.3, "diff_decided": "contains", "runs_to_decide": "more than 10,000",
        "hw_slow": 0.1, "hw_fast": 0.24, "runs_hw_slow": "160", "runs_hw_fast": "1,000",
    }  # fmt: skip


def test_check_numbers_tell_a_neighbouring_minimum_from_a_less_converged_one():
    rows = [{"displacement_max": d} for d in (0.003, 0.004, 0.34)]
    summary = {
        "n": 3,
        "force_only_met": 3,
        "energy_excess_median": 1e-7,
        "energy_excess_max": 3e-3,
        "displacement_rms_median": 9e-4,
        "iterations_ratio_median": 2.5,
    }
    numbers = ch02.check_numbers({"rows": rows, "summary": summary})
    assert numbers["check_largest"].startswith("No particle moved more than 0.004 σ in 2 of them; in the other 1")
    assert ch02.check_numbers({"rows": rows[:2], "summary": summary})["check_largest"] == "No particle moved more than 0.004 σ."


def test_cooling_numbers_by_hand_and_as_the_book_table_gives_them(results):
    numbers = ch02.cooling_numbers(results)
    assert numbers["tg_lower_pct"] == 75.0  # slow < fast in pairs 1, 2 and 4
    assert numbers["energy_gap"] == pytest.approx(0.04)
    assert numbers["energy_gap_z"] == pytest.approx(0.04 / 0.005)
    assert numbers == tables.cooling_checks(results)[1]
