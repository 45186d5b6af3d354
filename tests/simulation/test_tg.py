"""Tg from two-regime fits: exact recovery on synthetic data, bootstrap coverage, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib import rundir
from glasslib.profiles import get_profile
from glasslib.simulation import tg


def two_slopes(t: np.ndarray, tg_true: float, e0: float = -3.9, glass: float = 0.02, liquid: float = 0.09) -> np.ndarray:
    return e0 + glass * t + (liquid - glass) * np.maximum(t - tg_true, 0.0)


@pytest.mark.parametrize("tg_true", [0.37, 0.4321, 0.9])
def test_hinge_fit_recovers_a_known_intersection_exactly(tg_true):
    t = np.linspace(0.05, 1.99, 25)
    fit = tg.fit_hinge(t[::-1], two_slopes(t, tg_true)[::-1])  # order must not matter
    assert fit.tg == pytest.approx(tg_true, abs=1e-6)
    assert fit.slope_glass == pytest.approx(0.02, abs=1e-6) and fit.slope_liquid == pytest.approx(0.09, abs=1e-6)
    # the two fitted lines cross at Tg
    assert fit.glass_line(fit.tg) == pytest.approx(fit.liquid_line(fit.tg))


def test_separately_fitted_lines_would_cross_at_the_same_point():
    t = np.linspace(0.05, 1.99, 40)
    energy = two_slopes(t, 0.55)
    fit = tg.fit_hinge(t, energy)
    low, high = t < fit.tg, t > fit.tg
    glass = np.polyfit(t[low], energy[low], 1)
    liquid = np.polyfit(t[high], energy[high], 1)
    crossing = (liquid[1] - glass[1]) / (glass[0] - liquid[0])
    assert crossing == pytest.approx(fit.tg, abs=1e-6)


def test_bootstrap_interval_covers_the_truth_on_noisy_runs():
    rng = np.random.default_rng(1)
    t = np.linspace(0.05, 1.99, 20)
    runs = two_slopes(t, 0.5)[None, :] + rng.normal(0, 0.004, size=(200, len(t)))
    result = tg.glass_transition(t, runs, n_bootstrap=200, seed=2)
    low, high = result.tg_interval()
    assert low < 0.5 < high
    assert abs(result.tg - 0.5) < 4 * result.tg_std
    assert result.tg_std < 0.1
    assert result.sem_energy == pytest.approx(runs.std(axis=0, ddof=1) / np.sqrt(200))


def test_same_seed_same_bootstrap():
    rng = np.random.default_rng(0)
    t = np.linspace(0.05, 2, 12)
    runs = two_slopes(t, 0.7)[None, :] + rng.normal(0, 0.01, size=(10, 12))
    a, b = (tg.glass_transition(t, runs, n_bootstrap=30, seed=5) for _ in range(2))
    assert np.array_equal(a.tg_bootstrap, b.tg_bootstrap)


def test_too_few_temperatures_and_bad_shapes_are_clear_errors():
    with pytest.raises(ValueError, match="at least 6 temperatures"):
        tg.fit_hinge(np.arange(5.0), np.arange(5.0))
    with pytest.raises(ValueError, match="at least 9 temperatures"):
        tg.fit_tg(np.arange(8.0), np.arange(8.0))
    with pytest.raises(ValueError, match="finite"):
        tg.fit_hinge(np.arange(8.0), np.r_[np.arange(7.0), np.nan])
    with pytest.raises(ValueError, match="at least 2 runs"):
        tg.glass_transition(np.arange(9.0), np.zeros((1, 9)))


def test_saved_tg_round_trips_and_a_missing_file_names_chapter_02(tmp_path):
    t = np.linspace(0.05, 2, 12)
    runs = two_slopes(t, 0.7)[None, :] + np.random.default_rng(0).normal(0, 0.001, size=(5, 12))
    result = tg.glass_transition(t, runs, n_bootstrap=20)
    profile = get_profile("smoke")
    with pytest.raises(rundir.MissingProductError, match="02_tg"):
        tg.load_tg(tmp_path, profile)
    tg.save_tg(tmp_path, {"slow": result}, profile)
    loaded = tg.load_tg(tmp_path, profile)
    assert loaded["slow"]["tg"] == pytest.approx(result.tg)
    with pytest.raises(rundir.StaleProductError, match="stale"):
        tg.load_tg(tmp_path, get_profile("smoke", tg_bootstrap=20))


def test_three_segment_rule_ignores_the_high_temperature_flattening():
    """A liquid branch that flattens at high T (as inherent-structure energies do) tilts a single
    liquid line; the book's rule puts Tg at the glass/liquid kink all the same."""
    t = np.linspace(0.05, 1.99, 80)
    energy = two_slopes(t, 0.4, glass=0.02, liquid=0.12) - 0.12 * np.maximum(t - 1.1, 0.0)
    two_lines = tg.fit_hinge(t, energy)
    rule = tg.fit_tg(t, energy)
    assert rule.tg == pytest.approx(0.4, abs=1e-4)
    assert rule.breaks[1] == pytest.approx(1.1, abs=1e-3)
    assert rule.slope_glass == pytest.approx(0.02, abs=1e-4) and rule.slope_liquid == pytest.approx(0.12, abs=1e-4)
    assert abs(two_lines.tg - 0.4) > 0.02  # the plain two-line fit is pulled away


def test_rule_on_pure_two_slope_data_still_finds_the_kink():
    t = np.linspace(0.05, 1.99, 30)
    assert tg.fit_tg(t, two_slopes(t, 0.63)).tg == pytest.approx(0.63, abs=1e-3)


def test_a_weak_kink_is_recovered_and_almost_no_resample_fails():
    """The slopes of quick's fast ramp before the longer ramps (0.019 and 0.035 ε per unit T): still a transition.
    Read at the fit's own breakpoint, a resample or two shows less than the least kink there: counted, not used."""
    rng = np.random.default_rng(4)
    t = np.linspace(0.05, 1.95, 20)
    runs = two_slopes(t, 0.45, glass=0.019, liquid=0.035)[None, :] + rng.normal(0, 0.003, size=(80, len(t)))
    result = tg.glass_transition(t, runs, n_bootstrap=200, seed=1)
    assert result.fit.found and result.failed.mean() <= 0.02 and result.tg_found.size == 200 - result.failed.sum()
    low, high = result.tg_interval()
    assert low < 0.45 < high and high - low < 0.3


def test_one_slope_data_is_reported_as_failed_not_given_a_tg():
    rng = np.random.default_rng(5)
    t = np.linspace(0.05, 1.95, 20)
    runs = (-3.9 + 0.05 * t)[None, :] + rng.normal(0, 0.003, size=(40, len(t)))
    with pytest.raises(ValueError, match="no bootstrap resample .* shows a glass transition"):
        tg.glass_transition(t, runs, n_bootstrap=100, seed=1)
    assert not tg.fit_tg(t, runs.mean(axis=0)).found
    # a kink in some resamples only: the others are counted, and left out of the interval
    mixed = tg.glass_transition(t, runs + np.where(np.arange(40)[:, None] < 4, 0.2 * np.maximum(t - 1.0, 0), 0), n_bootstrap=100, seed=1)
    assert 0 < mixed.failed.sum() < 100 and mixed.tg_found.size == 100 - mixed.failed.sum()


def test_the_interval_of_the_difference_narrows_with_runs_and_reads_the_runs_that_decide_it():
    """Two schedules with a Tg 0.05 apart and noisy runs: the interval narrows like 1/√runs, and the runs read off
    make a difference of that size resolvable."""
    t = np.linspace(2.0, 0.05, 20)
    rng = np.random.default_rng(3)

    def runs(tg_true: float, n: int) -> np.ndarray:
        curve = -3.9 + 0.02 * t + 0.06 * np.maximum(t - tg_true, 0) - 0.05 * np.maximum(t - 1.3, 0)
        return curve[None] + rng.normal(0, 0.004, (n, t.size))

    curve = tg.difference_by_runs((t, runs(0.40, 24)), (t, runs(0.45, 24)), [6, 12, 24], n_bootstrap=40, seed=0)
    widths = np.subtract(curve["high"], curve["low"])
    assert curve["runs"] == [6, 12, 24] and widths[0] > widths[-1] and sum(curve["failed"]) == 0
    assert 0 < curve["median"][-1] < 0.12 and curve["runs_to_decide"] is not None and curve["runs_to_decide"] >= 1
    for name in ("slow", "fast"):  # each schedule's own interval narrows too, and the runs for ±0.05 follow from it
        half = curve["tg_half_width"][name]
        assert len(half) == 3 and half[0] > half[-1] > 0
        assert curve["runs_for_tg_half_width"][name] >= 1
        if half[-1] > tg.TG_HALF_WIDTH:
            assert curve["runs_for_tg_half_width"][name] > 24


def test_capped_minimisations_are_left_out_of_the_means_and_a_resample_without_energy_fails():
    """NaN marks a minimisation that stopped on the cap: the fit reads the other runs, exactly as if it were absent."""
    rng = np.random.default_rng(6)
    t = np.linspace(0.05, 1.95, 20)
    runs = two_slopes(t, 0.5)[None, :] + rng.normal(0, 0.002, size=(30, len(t)))
    capped = runs.copy()
    capped[3, 7] = capped[11, 2] = np.nan
    kept = tg.glass_transition(t, capped, n_bootstrap=50, seed=2)
    assert kept.mean_energy[7] == pytest.approx(runs[np.r_[0:3, 4:30], 7].mean())
    assert kept.tg == pytest.approx(tg.fit_tg(t, np.nanmean(capped, axis=0)).tg) and np.all(np.isfinite(kept.sem_energy))
    lonely = runs[:4].copy()
    lonely[1:, 5] = np.nan  # only run 0 has an energy at this temperature: resamples without it fail
    result = tg.glass_transition(t, lonely, n_bootstrap=60, seed=0)
    assert result.failed.sum() >= 60 * (3 / 4) ** 4 / 2 and np.isnan(result.tg_bootstrap[result.failed]).any()
    lonely[0, 5] = np.nan
    with pytest.raises(ValueError, match="no run has a converged inherent-structure energy at T = "):
        tg.glass_transition(t, lonely, n_bootstrap=10)
