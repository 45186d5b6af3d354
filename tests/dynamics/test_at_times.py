"""glasslib.dynamics.at_times and chapter 09's comparison at τ_α: scores at fixed times, paired intervals, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.chapters import ch09_comparison as comparison
from glasslib.dynamics import at_times
from glasslib.dynamics.propensity import correlation_over_time

TIMES = [0.1, 1.0, 10.0, 100.0]


def test_values_are_exact_at_recorded_times_and_interpolated_in_log_time_between():
    values = np.array([[0.0, 0.2, 0.4, 0.6], [1.0, 1.0, 0.0, 0.0]])
    np.testing.assert_allclose(at_times.values_at(TIMES, values, 10.0), [0.4, 0.0])
    np.testing.assert_allclose(at_times.values_at(TIMES, values, np.sqrt(10.0)), [0.3, 0.5])  # half-way in log t
    np.testing.assert_allclose(at_times.values_at(TIMES, values, 100.0), [0.6, 0.0])


def test_times_outside_the_recorded_ones_are_refused_not_extrapolated():
    values = np.zeros((2, 4))
    with pytest.raises(at_times.UntrainedTimeError, match="raise dynamics_t_max"):
        at_times.values_at(TIMES, values, 150.0)
    with pytest.raises(at_times.UntrainedTimeError, match="dynamics_records"):
        at_times.values_at(TIMES, values, 0.05)
    with pytest.raises(at_times.UntrainedTimeError, match="positive"):
        at_times.values_at(TIMES, values, float("nan"))
    with pytest.raises(at_times.RelaxationError, match="raise dynamics_t_max"):
        at_times.comparison_times(None)


def law_at_one_time_noise_at_another(seed: int = 0, configurations: int = 12, n: int = 300):
    """Propensity at t = 0.1 τ follows feature x; at t = 10 τ (τ_α) it follows feature y; noise elsewhere.

    Model "early" predicts x (perfect at 0.1 τ, nothing at τ_α), model "late" predicts y weakly (ρ ≈ 0.45 at τ_α).
    """
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(2, configurations, n))
    measured = rng.normal(size=(configurations, len(TIMES), n))
    measured[:, 0] = x + 0.05 * rng.normal(size=x.shape)
    measured[:, 2] = y + 2.0 * rng.normal(size=y.shape)
    mask = np.ones((configurations, n), dtype=bool)
    early = np.broadcast_to(x[:, None], measured.shape)
    late = np.broadcast_to(y[:, None], measured.shape)
    scores = {
        name: at_times.stored_curve(correlation_over_time(predicted, measured, mask), seed)
        for name, predicted in (("equivariant", late), ("plain", early))
    }
    ceiling = at_times.stored_curve(np.ones((configurations, len(TIMES))), seed)
    relaxation = {"times": TIMES, "tau_alpha": 10.0}
    return {"relaxation": {"cage-relative": relaxation}, "scores": {"cage-relative": {**scores, "noise_ceiling": ceiling}}}


def test_each_time_recovers_its_law_and_the_early_best_does_not_leak_into_the_tau_alpha_comparison():
    result = law_at_one_time_noise_at_another()
    curves = result["scores"]["cage-relative"]
    assert np.nanargmax(curves["plain"]["mean"]) == 0 and curves["plain"]["mean"][0] > 0.95  # its best time is the early one
    assert max(curves["plain"]["mean"]) > max(curves["equivariant"]["mean"])  # so "best over time" would favour it
    found = comparison.headline(result)
    assert found["time"] == 10.0 and found["best_other"] == "plain"
    assert 0.35 < found["scores"]["equivariant"]["mean"] < 0.55 and abs(found["scores"]["plain"]["mean"]) < 0.1
    assert found["verdict"] == at_times.HOLDS and found["difference"]["ci_low"] > 0
    short = comparison.compared_at(result, "cage-relative", "0.1 τ_α")
    assert short["time"] == pytest.approx(1.0) and abs(short["models"]["plain"]["score"]["mean"]) < 0.1  # 1 τ: noise for both
    assert comparison.time_table({"0.600": result}).iloc[0]["τ_α [τ]"] == "10"


def test_a_comparison_time_beyond_the_recorded_ones_is_refused_and_marked_in_the_tables():
    result = law_at_one_time_noise_at_another()
    result["relaxation"]["cage-relative"]["tau_alpha"] = 60.0  # 2 τ_α = 120 τ > the last recorded 100 τ
    with pytest.raises(at_times.UntrainedTimeError, match="raise dynamics_t_max"):
        comparison.compared_at(result, "cage-relative", "2 τ_α")
    assert comparison.time_table({"0.600": result}).iloc[0]["2 τ_α [τ]"] == "120 (beyond t_max)"
    table = comparison.headline_table({"0.600": result}, times=tuple(at_times.TIME_FACTORS))
    assert set(table[("2 τ_α", "ρ [95 %]")]) == {"beyond t_max"} and ("τ_α", "ρ [95 %]") in table
    assert table.loc[(0.6, "cage-relative", "plain graph network"), ("τ_α", "Δ = equivariant − this")].startswith("+")
    assert list(comparison.headline_table({"0.600": result}).columns.get_level_values(0).unique()) == ["τ_α"]


def test_a_paired_interval_is_narrower_than_the_two_intervals_when_configurations_share_their_difficulty():
    rng = np.random.default_rng(3)
    difficulty = rng.uniform(0.1, 0.8, 20)[:, None]  # configurations differ a lot; the models differ by 0.05 everywhere
    first = {"values": np.repeat(difficulty + 0.05 + 0.01 * rng.normal(size=(20, 1)), 4, axis=1)}
    second = {"values": np.repeat(difficulty, 4, axis=1)}
    a, b = (at_times.score_at(curve, TIMES, 1.0, seed=0) for curve in (first, second))
    assert a["ci_low"] < b["ci_high"]  # unpaired intervals overlap
    difference = at_times.paired_at(first, second, TIMES, 1.0, seed=0)
    assert at_times.verdict(difference) == at_times.HOLDS and difference["ci_low"] > 0.04
    assert at_times.verdict(at_times.paired_at(second, first, TIMES, 1.0, seed=0)) == at_times.FAILS
    assert at_times.verdict({"ci_low": float("nan"), "ci_high": 1.0}) == at_times.UNRESOLVED


def test_the_configurations_needed_to_decide_scale_with_the_squared_ratio_of_half_width_to_gap():
    assert at_times.configurations_to_decide({"mean": 0.05, "ci_low": -0.05, "ci_high": 0.15, "n": 8}) == 32  # h = 2 Δ: 4 × 8
    assert at_times.configurations_to_decide({"mean": 0.2, "ci_low": 0.1, "ci_high": 0.3, "n": 8}) == 2  # already resolved
    assert at_times.configurations_to_decide({"mean": 0.0, "ci_low": -0.1, "ci_high": 0.1, "n": 8}) is None
    assert at_times.configurations_to_decide({"mean": 0.1, "ci_low": float("nan"), "ci_high": 0.1, "n": 1}) is None


def test_the_learning_table_pairs_the_network_and_the_linear_baseline_at_the_sizes_both_have():
    rng = np.random.default_rng(5)
    base = rng.uniform(0.1, 0.3, 8)
    learning = {
        "equivariant": {"sizes": [1, 3], "cage-relative": [(base + 0.1).tolist(), (base + 0.2).tolist()]},
        "linear_thermal": {"sizes": [1, 3, 4], "cage-relative": [base.tolist(), base.tolist(), (base + 0.01).tolist()]},
    }
    table = comparison.learning_table({"0.600": {"learning_curve": learning}})
    assert list(table.index.get_level_values(1)) == [1, 3, 4]
    assert table.loc[(0.6, 3), "Δ equivariant − linear"] == "+0.20 [+0.20, +0.20]"
    assert table.loc[(0.6, 4), "equivariant ρ [95 %]"] == "—" and table.loc[(0.6, 4), "Δ equivariant − linear"] == "—"


def test_the_inputs_table_pairs_each_network_on_thermal_and_inherent_positions_at_tau_alpha():
    result = law_at_one_time_noise_at_another()
    scores = result["scores"]["cage-relative"]
    result["other_input"] = {
        "input": "inherent",
        "scores": {"cage-relative": {"equivariant": scores["plain"], "plain": scores["equivariant"]}},
    }
    found = comparison.inputs_comparison(result, "thermal")
    assert found["equivariant"]["better"] == "thermal" and found["plain"]["better"] == "inherent"  # at τ_α only "late" predicts
    assert found["equivariant"]["difference"]["ci_high"] < 0
    table = comparison.inputs_table({"0.600": result}, "thermal")
    assert list(table["higher"]) == ["thermal", "inherent"] and table.iloc[0]["τ_α [τ]"] == "10"
