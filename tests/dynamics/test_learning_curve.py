"""glasslib.dynamics.learning_curve: sizes, and held-out scores that grow with the training configurations."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.dynamics import learning_curve as lc


def test_the_sizes_double_below_the_main_runs_training_size():
    assert lc.learning_sizes(8, 2) == ([1, 2], 3)  # 4 training configurations per fold, one kept to stop on
    assert lc.learning_sizes(400, 5) == ([1, 2, 4, 8, 16, 32, 64, 128, 256], 319)
    assert lc.learning_sizes(3, 3) == ([], 1)  # smoke: one configuration to train on, nothing smaller


def test_the_linear_curve_scores_every_configuration_once_per_size_on_held_out_folds():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(6, 150, 3))
    law = features @ np.array([1.0, -0.5, 0.2])
    targets = np.stack([law + 0.5 * rng.normal(size=law.shape), rng.normal(size=law.shape)], axis=1)  # time 0: the law; 1: noise
    mask = np.ones((6, 150), dtype=bool)
    curve = lc.linear_curve(features, targets, mask, folds=2, sizes=[1, 3, 4], columns=[0, 1])
    assert list(curve) == [1, 3]  # 4 exceeds a fold's 3 training configurations
    for values in curve.values():
        assert values.shape == (6, 2) and np.isfinite(values).all()
        assert values[:, 0].mean() > 0.8 and abs(values[:, 1].mean()) < 0.15


@pytest.mark.usefixtures("torch_one_thread")
def test_a_network_learns_more_from_more_configurations():
    from tests.dynamics.networks.test_networks import SMALL, crowded_world

    graphs, targets, mask = crowded_world(7)
    curve = lc.network_curve("equivariant", graphs, targets, mask, folds=2, sizes=[1, 2, 3], columns=[0], epochs=25, seed=0, **SMALL)
    assert list(curve) == [1, 2]  # a fold of 3 training configurations keeps one to stop on
    assert curve[1].shape == (7, 1) and np.isfinite(curve[1]).all()
    assert curve[2].mean() > 0.5  # the structural law is learnt from two configurations
