"""Run-level nested cross-validation splits (glasslib.data.splits): disjoint, covering, reproducible, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data import splits as data_splits


@pytest.mark.parametrize("n_runs", [8, 16, 40, 10_000])
def test_splits_are_disjoint_cover_the_runs_and_keep_their_fractions(n_runs):
    splits = data_splits.make_splits(n_runs, seed=7)
    outer = splits.outer_test
    assert outer.shape[0] == 3 and len(np.unique(outer)) == outer.size  # three disjoint test sets
    assert outer.shape[1] == round(0.2 * n_runs)
    for fold in range(3):
        roles = splits.inner[fold]
        assert set(np.flatnonzero(roles == data_splits.OUTER_TEST)) == set(outer[fold])
        parts = [splits.runs(fold, r) for r in (data_splits.TRAIN, data_splits.VALIDATION, data_splits.TEST)]
        assert sum(len(p) for p in parts) + outer.shape[1] == n_runs  # every run has exactly one role
        assert all(len(p) >= 1 for p in parts)
        assert np.array_equal(np.sort(np.concatenate(parts)), splits.outer_train(fold))
        if n_runs >= 100:
            assert len(parts[0]) / len(splits.outer_train(fold)) == pytest.approx(0.8, abs=0.01)
    again = data_splits.make_splits(n_runs, seed=7)
    assert np.array_equal(again.inner, splits.inner)
    assert not np.array_equal(data_splits.make_splits(n_runs, seed=8).inner, splits.inner)


def test_too_few_runs_for_the_splits_is_a_clear_error():
    with pytest.raises(data_splits.DatasetError, match="too few"):
        data_splits.make_splits(4, seed=0)


def test_a_reduced_profile_keeps_twenty_validation_configurations():
    from glasslib.profiles import ProfileError, get_profile

    quick = get_profile("quick")
    splits = data_splits.make_splits(quick.runs_per_schedule, quick.seed, quick.inner_split_fractions())
    for fold in range(3):
        assert 2 * splits.runs(fold, data_splits.VALIDATION).size >= 20  # configurations: a glass and a liquid per run
    paper = data_splits.make_splits(100, 1)
    assert paper.runs(0, data_splits.VALIDATION).size == 8  # 80/10/10 of the 80 runs outside the outer test set
    with pytest.raises(ProfileError, match="inner_split"):
        get_profile("quick", inner_split="0.5,0.5,0.5")
