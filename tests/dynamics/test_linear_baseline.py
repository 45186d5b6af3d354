"""The linear propensity baseline: exact recovery of a linear law, masking, leave-one-out."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.dynamics.linear_baseline import fit_linear, fold_predictions, predict_linear


def linear_world(configurations: int = 5, n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Descriptors (C, N, 3) and a propensity (C, 2, N) that is exactly linear in them at two times."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(configurations, n, 3)) * [1.0, 5.0, 0.1] + [0.0, 10.0, 2.0]
    weights = np.array([[1.0, -0.5], [0.2, 0.0], [3.0, 1.0]])
    targets = np.moveaxis(features @ weights + [0.5, 2.0], 2, 1)
    return features, targets, np.ones((configurations, n), bool)


def test_a_linear_law_is_recovered_at_every_time():
    features, targets, mask = linear_world()
    model = fit_linear(features, targets, mask, alpha=0.0)
    np.testing.assert_allclose(predict_linear(model, features), targets, atol=1e-9)
    held_out = fold_predictions(features, targets, mask, folds=2, alpha=0.0)
    np.testing.assert_allclose(held_out, targets, atol=1e-9)  # the law is the same in every configuration


def test_only_masked_particles_are_fitted():
    features, targets, mask = linear_world()
    mask[:, 100:] = False
    spoiled = targets.copy()
    spoiled[:, :, 100:] = 1e3  # B particles follow another law; the mask keeps them out
    model = fit_linear(features, spoiled, mask, alpha=0.0)
    np.testing.assert_allclose(predict_linear(model, features)[:, :, :100], targets[:, :, :100], atol=1e-9)


def test_a_constant_feature_gets_no_weight_and_errors_are_clear():
    features, targets, mask = linear_world()
    features[:, :, 1] = 7.0
    model = fit_linear(features, targets, mask)
    assert np.all(np.isfinite(model.weights))
    with pytest.raises(ValueError, match="cannot determine"):
        fit_linear(features[:1, :3], targets[:1, :, :3], mask[:1, :3])  # 3 particles, 3 weights
    with pytest.raises(ValueError, match="set propensity_folds"):
        fold_predictions(features[:1], targets[:1], mask[:1], folds=2)


def test_each_fold_is_predicted_by_a_model_that_never_saw_it():
    features, targets, mask = linear_world(configurations=4)
    spoiled = targets.copy()
    spoiled[0] += 100.0  # configuration 0 follows another law: only the fold that trains on it can be spoiled by it
    predicted = fold_predictions(features, spoiled, mask, folds=2, alpha=0.0)
    np.testing.assert_allclose(predicted[[0, 2]], targets[[0, 2]], atol=1e-9)  # fitted on 1 and 3
    assert np.abs(predicted[[1, 3]] - targets[[1, 3]]).max() > 1.0
