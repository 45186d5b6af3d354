"""glasslib.stats: AUC against the Mann–Whitney statistic, accuracy, the ROC curve, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from glasslib.stats import accuracy, auc_interval, pairwise_auc, roc_auc, roc_curve


@pytest.mark.parametrize("seed", range(5))
def test_auc_equals_the_mann_whitney_statistic(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.normal(labels * 0.5, 1.0), 1)  # rounded: ties included
    u = mannwhitneyu(scores[labels == 1], scores[labels == 0]).statistic
    assert roc_auc(labels, scores) == pytest.approx(u / ((labels == 1).sum() * (labels == 0).sum()))


def test_accuracy_and_roc_curve():
    labels = np.array([0, 0, 1, 1])
    assert accuracy(labels, np.array([0.1, 0.6, 0.5, 0.9])) == 0.75
    fpr, tpr = roc_curve(labels, np.array([0.1, 0.6, 0.5, 0.9]))
    assert fpr[0] == 0 and tpr[-1] == 1


def test_one_class_is_a_clear_error():
    with pytest.raises(ValueError, match="needs both classes"):
        roc_auc(np.ones(5), np.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="NaN"):
        roc_auc(np.array([0, 1]), np.array([0.2, np.nan]))


def test_auc_interval_is_a_point_for_perfect_folds_and_covers_the_folds_mean():
    labels = np.r_[np.zeros(8), np.ones(8)]
    assert auc_interval([(labels, labels)] * 3) == [1.0, 1.0]
    rng = np.random.default_rng(0)
    folds = [(labels, labels + rng.normal(0.0, 0.8, 16)) for _ in range(3)]
    low, high = auc_interval(folds, seed=1)
    mean = np.mean([roc_auc(y, s) for y, s in folds])
    assert low < mean < high and 0.0 <= low and high <= 1.0
    assert auc_interval(folds, seed=1) == [low, high]  # seeded


def test_auc_interval_narrows_with_more_test_configurations():
    rng = np.random.default_rng(2)

    def folds(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
        labels = np.r_[np.zeros(n), np.ones(n)]
        return [(labels, labels + rng.normal(0.0, 1.0, 2 * n)) for _ in range(3)]

    small, large = auc_interval(folds(8)), auc_interval(folds(200))
    assert large[1] - large[0] < 0.5 * (small[1] - small[0])


def test_auc_interval_needs_both_classes_in_every_fold():
    with pytest.raises(ValueError, match="both classes"):
        auc_interval([(np.ones(4), np.arange(4.0))])


def test_pairwise_auc_equals_roc_auc_row_by_row():
    rng = np.random.default_rng(9)
    positive, negative = rng.normal(0.5, 1.0, (4, 7)), rng.normal(0.0, 1.0, (4, 9))
    positive[0, 0] = negative[0, 0]  # a tie counts one half
    expected = [roc_auc(np.r_[np.ones(7), np.zeros(9)], np.r_[p, q]) for p, q in zip(positive, negative)]
    np.testing.assert_allclose(pairwise_auc(positive, negative), expected)
