"""Tests of glasslib.stats: weighted midranks against Spearman, correlation intervals."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from glasslib import stats


def test_weighted_midranks_equal_spearman_of_the_resampled_data():
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 4, 30).astype(float), rng.normal(size=30)  # x full of ties
    weights = rng.multinomial(30, np.full(30, 1 / 30), size=5).astype(float)
    rho = stats._weighted_pearson(
        stats._weighted_midranks(weights, stats._tie_structure(x)), stats._weighted_midranks(weights, stats._tie_structure(y)), weights
    )
    counts = weights.astype(int)
    expected = [scipy_stats.spearmanr(np.repeat(x, c), np.repeat(y, c)).statistic for c in counts]
    np.testing.assert_allclose(rho, expected, rtol=1e-10)


def test_correlation_interval_contains_the_true_value():
    rng = np.random.default_rng(1)
    rho = 0.6
    sample = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=400)
    true_spearman = 6 / np.pi * np.arcsin(rho / 2)  # bivariate normal
    x, y = sample.T.copy()
    x[:3] = np.nan  # dropped
    for method in ("bootstrap", "fisher"):
        result = stats.correlation_with_ci(x, y, n_bootstrap=500, seed=0, method=method)
        assert result["n"] == 397
        assert result["ci_low"] < true_spearman < result["ci_high"]
        assert result["ci_low"] < result["spearman"] < result["ci_high"]
        assert result["p_value"] < 1e-6 and result["significant"] and result["strength"] == "strong"
        assert result["pearson"] == pytest.approx(scipy_stats.pearsonr(x[3:], y[3:]).statistic)
    grouped = stats.correlation_with_ci(x, y, n_bootstrap=200, groups=np.arange(400) // 40)
    assert grouped["n_groups"] == 10 and grouped["ci_low"] < grouped["spearman"] < grouped["ci_high"]
    weak = stats.correlation_with_ci(rng.normal(size=300), rng.normal(size=300), n_bootstrap=200)
    assert weak["strength"] in ("negligible", "weak") and weak["ci_low"] < 0 < weak["ci_high"]
    constant = stats.correlation_with_ci(np.ones(10), np.arange(10.0), n_bootstrap=10)
    assert np.isnan(constant["spearman"]) and constant["strength"] == "undefined"


def test_spearman_per_row_matches_scipy_row_by_row():
    from scipy.stats import spearmanr

    from glasslib.stats import spearman_per_row

    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 50))
    y = x + rng.normal(size=(4, 50))
    y[2] = np.round(y[2])  # ties get mid-ranks, as in scipy
    expected = [spearmanr(a, b).statistic for a, b in zip(x, y)]
    assert spearman_per_row(x, y) == pytest.approx(expected)
    assert np.isnan(spearman_per_row(np.ones((1, 5)), np.arange(5.0)[None])[0])  # a constant map: undefined


def test_within_configuration_correlation_ignores_a_wholesale_class_offset():
    """Pooled over both classes the indicator tracks the score; inside each configuration it does not."""
    from glasslib.interpretation.descriptor_correlations import correlation_table

    rng = np.random.default_rng(9)
    labels = np.repeat([1, 0], 10)
    scores = rng.random((20, 200)) + labels[:, None]  # glasses score higher everywhere …
    indicator = rng.random((20, 200)) + labels[:, None]  # … and have a higher indicator everywhere
    pooled = np.corrcoef(scores.ravel(), indicator.ravel())[0, 1]
    table = correlation_table(scores, {"density": indicator}, labels, n_bootstrap=200, seed=1)
    assert pooled > 0.6
    assert abs(table.loc["density", "glass mean ρ"]) < 0.1 and abs(table.loc["density", "liquid mean ρ"]) < 0.1
    assert table.loc["density", "glass configurations"] == 10


def test_the_paired_auc_difference_cancels_what_both_scorers_share():
    rng = np.random.default_rng(0)
    folds = []
    for _ in range(3):
        labels = np.repeat([1, 0], 10)
        shared = labels + rng.normal(0, 0.8, 20)
        folds.append((labels, shared, shared.copy()))
    same = stats.paired_auc_difference(folds, seed=1)
    assert same["difference"] == 0.0 and same["ci95"] == [0.0, 0.0]  # one scorer against itself: exactly zero
    better = [(labels, labels + rng.normal(0, 0.1, 20), rng.normal(size=20)) for labels, _, _ in folds]
    found = stats.paired_auc_difference(better, seed=1)
    assert found["difference"] > 0.3 and found["ci95"][0] > 0
    assert np.isnan(stats.paired_auc_difference([], seed=1)["difference"])
