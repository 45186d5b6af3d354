"""glasslib.models.scores: AUC against the Mann–Whitney statistic, accuracy, the ROC curve, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from glasslib.models.scores import accuracy, roc_auc, roc_curve


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
