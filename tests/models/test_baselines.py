"""Baselines through the networks' splits: a scalar's sign read on training runs, a linear model's strength on validation."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data.splits import make_splits
from glasslib.models import baselines
from glasslib.stats import AnalysisError


@pytest.fixture
def dataset(make_dataset):
    runs = 60
    splits = make_splits(runs, seed=3, inner_fractions=(0.6, 0.2, 0.2))
    return make_dataset(np.zeros((2 * runs, 4, 2)), np.array([1, 1, 1, 2]), splits=splits)


def test_a_scalar_that_orders_the_classes_the_other_way_still_separates_them(dataset):
    rng = np.random.default_rng(0)
    glass = dataset.labels == 1
    lower_for_glass = np.where(glass, 0.0, 1.0) + rng.normal(0, 0.3, glass.size)  # e.g. an energy: glasses lower
    result = baselines.scalar_baseline(dataset, lower_for_glass, "energy")
    assert result.settings == [-1.0, -1.0, -1.0] and result.auc > 0.9
    low, high = result.interval(seed=1)
    assert low <= result.auc <= high and high - low < 0.2
    noise = baselines.scalar_baseline(dataset, rng.normal(size=glass.size), "noise")
    assert noise.interval(seed=1)[0] < 0.5 < noise.interval(seed=1)[1]  # no information: 0.5 inside its interval
    tested = np.concatenate([np.flatnonzero(np.isin(dataset.run_index, dataset.splits.runs(f, -1))) for f in range(3)])
    assert sum(len(labels) for labels, _ in result.folds) == len(tested)  # each fold scores its own outer test runs


def test_the_linear_baseline_separates_two_synthetic_structures_and_ignores_a_useless_feature(dataset):
    """Two "structures" that differ in one descriptor's mean, among nine of pure noise."""
    rng = np.random.default_rng(2)
    features = rng.normal(size=(dataset.labels.size, 10))
    features[:, 4] += 2.5 * (dataset.labels == 1)  # alone: AUC Φ(2.5/√2) = 0.96
    result = baselines.linear_baseline(dataset, features, "descriptors")
    assert result.auc > 0.8 and len(result.settings) == 3 and all(c in baselines.C_GRID for c in result.settings)
    shuffled = baselines.linear_baseline(dataset, rng.normal(size=features.shape), "noise")
    low, high = shuffled.interval(seed=0)
    assert low < 0.5 < high


def test_bad_baseline_input_is_a_clear_error(dataset):
    with pytest.raises(AnalysisError, match="one finite value per configuration"):
        baselines.scalar_baseline(dataset, np.zeros(3), "thermometer")
    with pytest.raises(AnalysisError, match="finite"):
        baselines.linear_baseline(dataset, np.full((dataset.labels.size, 2), np.nan), "descriptors")
