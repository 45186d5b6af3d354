"""AUC against the Mann–Whitney statistic; the learning-rate schedule at its corners."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from glasslib.models.lr_schedule import learning_rate
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


def test_learning_rate_schedule_corners():
    spe, epochs = 10, 6
    steps = np.arange(spe * epochs)
    lr = learning_rate(steps, spe, epochs)
    assert lr[0] == pytest.approx(1e-4)
    assert lr[2 * spe] == pytest.approx(1e-3)  # end of the two-epoch warm-up
    assert lr[-1] == pytest.approx(1e-4)  # exponential decay reaches 1e-4 at the last batch
    assert np.all(np.diff(lr[: 2 * spe + 1]) > 0) and np.all(np.diff(lr[2 * spe:]) < 0)
    ratios = lr[2 * spe + 1:] / lr[2 * spe:-1]
    assert np.allclose(ratios, ratios[0])  # exponential: constant ratio per batch
    with pytest.raises(ValueError):
        learning_rate(spe * epochs, spe, epochs)
