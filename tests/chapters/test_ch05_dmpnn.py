"""Chapter 05's numbers from hand-built fold results: the D-MPNN beside the CNN, windows, attention."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glasslib.chapters import ch05_dmpnn as ch05
from glasslib.models.fold_results import NestedCVResult
from glasslib.profiles import get_profile

LABELS = {"cnn_pooled": "pooled CNN", "dmpnn": "paper D-MPNN", "dmpnn_invariant": "invariant D-MPNN"}


@pytest.fixture
def nested(make_fold_result):
    """Nested-CV results of ``model`` with the given mean AUC per data set (three folds, ±0.05)."""

    def build(model: str, mean_auc: dict[int, float]) -> NestedCVResult:
        folds = {
            (d, f): make_fold_result(model, d, f, auc + (f - 1) * 0.05, params={"l_win": 0.3})
            for d, auc in mean_auc.items()
            for f in range(3)
        }
        return NestedCVResult(model, folds)

    return build


def test_score_numbers_count_the_data_sets_where_the_dmpnn_is_at_least_the_cnn(nested):
    reference = nested("dmpnn_invariant", {1: 0.8, 2: 0.6, 3: 0.9})
    cnn = nested("cnn_pooled", {1: 0.7, 2: 0.65, 4: 0.99})  # compared on 1 and 2 only
    assert ch05.score_numbers(reference, cnn, LABELS) == {
        "dmpnn_at_least_cnn": 1,
        "n_sets": 2,
        "dmpnn_auc_min": pytest.approx(0.6),
        "dmpnn_auc_max": pytest.approx(0.9),
        "reference_dmpnn": "invariant D-MPNN",
        "reference_cnn": "pooled CNN",
    }


def test_results_are_keyed_by_label_or_model_in_the_given_order(nested):
    results = [nested("dmpnn", {1: 0.6}), nested("dmpnn_invariant", {1: 0.7}), nested("cnn_pooled", {1: 0.8})]
    assert list(ch05.by_label(LABELS, results)) == ["paper D-MPNN", "invariant D-MPNN", "pooled CNN"]
    scores = ch05.scores_by_model(results[::-1])
    assert list(scores) == ["cnn_pooled", "dmpnn_invariant", "dmpnn"]
    assert scores["cnn_pooled"].loc[1, "auc_mean"] == pytest.approx(0.8)


def test_the_reference_dmpnn_follows_the_profile(nested):
    paper, invariant = nested("dmpnn", {1: 0.6}), nested("dmpnn_invariant", {1: 0.7})
    assert ch05.reference_result(get_profile("quick", {"reference_dmpnn": "dmpnn_invariant"}), paper, invariant) is invariant
    assert ch05.reference_result(get_profile("quick", {"reference_dmpnn": "dmpnn"}), paper, invariant) is paper


def test_cross_numbers_glue_both_models_off_their_diagonals():
    cross = {"CNN": np.array([[1.0, 0.5], [0.7, 1.0]]), "D-MPNN": np.array([[1.0, 0.8], [0.9, 1.0]])}
    assert ch05.cross_numbers(cross) == {"cross_cnn": pytest.approx(0.6), "cross_dmpnn": pytest.approx(0.85)}
    assert math.isnan(ch05.cross_numbers({"D-MPNN": np.ones((1, 1))})["cross_dmpnn"])


def test_window_sizes_span_the_search_range_within_bounds():
    quick = get_profile("quick", {"dmpnn_l_win_min": 0.2, "dmpnn_l_win_max": 0.3})
    np.testing.assert_allclose(ch05.window_sizes(quick), [0.1, 0.2, 0.3, 0.4, 0.5])
    wide = get_profile("quick", {"dmpnn_l_win_min": 0.15, "dmpnn_l_win_max": 0.8})  # clipped to [0.1, 0.9]
    np.testing.assert_allclose(ch05.window_sizes(wide), [0.1, 0.3, 0.5, 0.7, 0.9])


def test_feature_comparison_keeps_the_data_sets_both_options_trained_on(nested):
    quick = get_profile("quick")  # paper features on 1 and 6, invariant on all six
    table = ch05.feature_comparison(quick, nested("dmpnn", {1: 0.6, 6: 0.7}), nested("dmpnn_invariant", dict.fromkeys(range(1, 7), 0.8)))
    assert list(table.index) == [1, 6] and list(table.columns) == ["paper features (x, y, type)", "invariant features (type)"]
    assert table.loc[6, "invariant features (type)"].startswith("0.800 ±")


def test_attention_and_bond_numbers(nested):
    smoke = get_profile("smoke")
    numbers = ch05.attention_numbers(smoke, nested("dmpnn_attention", {1: 0.7}))
    assert numbers == {"attention_auc": pytest.approx(0.7), "bond_box_lengths": 1.1 / smoke.protocol.box_length}
    study = ch05.SizeGeneralisation(3, np.array([0.1, 0.2]), np.array([0.5, 0.6]), 0.2)
    assert ch05.size_numbers(study) == {"size_dataset": 3}
