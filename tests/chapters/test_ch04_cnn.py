"""Chapter 04's numbers from hand-built fold results: every glued name, with the values the prose quotes."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from glasslib.chapters import ch04_cnn as ch04
from glasslib.models.fold_results import FoldResult, NestedCVResult
from glasslib.profiles import get_profile

QUICK = get_profile("quick")  # the paper's CNN trains on data sets 1 and 6 there, the pooled one on all six


def fold_result(
    dataset: int, fold: int, auc: float, *, model: str = "cnn", n_train: int = 40, batch_size: int = 10, accuracy: float = 0.5
) -> FoldResult:
    """A fold result with two liquids and two glasses in its outer test set, ranked to give roughly ``auc``."""
    return FoldResult(
        dataset=dataset,
        fold=fold,
        model=model,
        params={"dropout": 0.25, "batch_size": batch_size},
        auc=auc,
        accuracy=accuracy,
        inner_auc=auc,
        test_indices=np.array([0, 1, 2, 3]),
        test_probability=np.array([0.9, 0.6, 0.4, 0.1]),
        test_labels=np.array([1, 0, 1, 0], dtype=np.int8),
        curves={"train_accuracy": [0.4, accuracy]},
        best_epoch=1,
        seconds=1.0,
        samples_per_second=10.0,
        outer_seed=fold,
        n_train=n_train,
        n_validation=4,
        trials=[],
        weights_path="",
        config_hash=f"{dataset}-{fold}",
    )


def nested(model: str, aucs: dict[int, list[float]], **fields) -> NestedCVResult:
    return NestedCVResult(
        model, {(d, f): fold_result(d, f, a, model=model, **fields) for d, values in aucs.items() for f, a in enumerate(values)}
    )


def test_paper_cnn_numbers_are_means_ranges_medians_and_adam_steps():
    folds = {(d, f): fold_result(d, f, auc, n_train=n, batch_size=b, accuracy=acc) for d, f, auc, n, b, acc in [
        (1, 0, 0.5, 40, 10, 0.5), (1, 1, 0.6, 41, 10, 0.6), (1, 2, 0.7, 39, 20, 0.7),
        (6, 0, 0.4, 44, 10, 0.8), (6, 1, 0.5, 45, 10, 0.9), (6, 2, 0.6, 43, 10, 1.0),
    ]}  # fmt: skip
    numbers = ch04.paper_cnn_numbers(QUICK, NestedCVResult("cnn", folds))
    epochs = QUICK.cnn_outer_epochs
    assert numbers == pytest.approx(
        {
            "cnn_auc_1": 0.6,
            "cnn_auc_6": 0.5,
            "cnn_auc_min": 0.5,
            "cnn_auc_max": 0.6,
            "cnn_n_train": 42,  # median of 39 … 45
            "cnn_train_accuracy": 0.75,
            "cnn_train_accuracy_max": 1.0,
            "cnn_outer_epochs": epochs,
            "cnn_steps_min": 2 * epochs,  # ⌈39 / 20⌉
            "cnn_steps_max": 5 * epochs,  # ⌈41 / 10⌉, ⌈43 / 10⌉, …
            "cnn_paper_sets": "1, 6",
        }
    )
    assert isinstance(numbers["cnn_n_train"], int) and isinstance(numbers["cnn_steps_max"], int)


def test_training_numbers_add_the_pooled_cnn_and_the_reference_label(monkeypatch):
    monkeypatch.setattr(ch04, "parameter_count", lambda params: 5776 if params["head"] == "pool" else 0)
    result = nested("cnn", {1: [0.5, 0.5, 0.5], 6: [0.5, 0.5, 0.5]})
    pooled = nested("cnn_pooled", {i: [0.5 + i / 100] * 3 for i in QUICK.dataset_ids()})
    spec = SimpleNamespace(fixed={"head": "pool", "image_size": 102})
    numbers = ch04.training_numbers(QUICK, result, pooled, spec, "the reference CNN")
    assert set(numbers) == set(ch04.paper_cnn_numbers(QUICK, result)) | {
        "pooled_size", "pooled_parameters", "pooled_auc_min", "pooled_auc_max", "pooled_outer_epochs", "reference_cnn"
    }  # fmt: skip
    assert numbers["pooled_size"] == 102 and numbers["pooled_parameters"] == "5,776"
    assert numbers["pooled_auc_min"] == pytest.approx(0.51) and numbers["pooled_auc_max"] == pytest.approx(0.56)
    assert numbers["pooled_outer_epochs"] == QUICK.cnn_pooled_outer_epochs and numbers["reference_cnn"] == "the reference CNN"


def test_the_reference_cnn_follows_the_profile():
    result, pooled = nested("cnn", {1: [0.5] * 3}), nested("cnn_pooled", {1: [0.6] * 3})
    assert ch04.reference_result(get_profile("quick", {"reference_cnn": "cnn_pooled"}), result, pooled) is pooled
    assert ch04.reference_result(get_profile("quick", {"reference_cnn": "cnn"}), result, pooled) is result


def test_roc_curves_one_per_fold_of_every_trained_data_set():
    curves = ch04.roc_curves(QUICK, nested("cnn", {1: [0.5] * 3, 6: [0.5] * 3}))
    assert list(curves) == [1, 6] and all(len(folds) == 3 for folds in curves.values())
    fpr, tpr = curves[1][0]
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)


def test_cross_numbers_average_off_the_diagonal():
    cross = np.array([[0.9, 0.6, 0.5], [0.7, 0.8, 0.4], [0.3, 0.2, 1.0]])
    assert ch04.cross_numbers(cross) == {"cnn_cross_offdiag": pytest.approx(2.7 / 6)}
    assert math.isnan(ch04.cross_numbers(np.array([[0.9]]))["cnn_cross_offdiag"])


def test_the_first_liquid_and_glass_and_the_inside_data_set():
    assert ch04.class_examples(np.array([1, 1, 0, 0], dtype=np.int8)) == (2, 0)
    assert ch04.inside_numbers(6) == {"inside_dataset": 6}


def test_probe_numbers_and_panels():
    probe = {"five-fold motifs": np.array([0.2, 0.4]), "random": np.array([0.9, 0.7])}
    assert ch04.probe_numbers(probe) == {"motif_glass": pytest.approx(0.3), "random_glass": pytest.approx(0.8)}
    positions, types = np.array([[0.5, 0.25]]), np.array([2], dtype=np.int8)
    configurations = {"random": [(positions + 0.1, types)], "five-fold motifs": [(positions, types), (positions, types)]}
    panels = ch04.probe_panels(configurations, box_length=4.0)
    assert [p[3] for p in panels] == ["five-fold motifs", "random"] and all(p[2] == 4.0 for p in panels)
    np.testing.assert_allclose(panels[0][0], [[2.0, 1.0]])
    np.testing.assert_allclose(panels[1][0], [[2.4, 1.4]])


def test_the_paper_trains_each_outer_model_on_inner_train_and_test_runs():
    paper = get_profile("paper")  # 10,000 runs per schedule: 20 % outer test, then 10 % of the rest validation
    assert ch04.outer_training_size(paper) == 14_400
    assert ch04.paper_budget_numbers() == {"cnn_paper_train": "14,400"}


@pytest.mark.slow  # imports TensorFlow
def test_parameter_counts_of_the_two_heads():
    assert ch04.architecture_numbers() == {"cnn_parameters": "71,900,784", "cnn_dense_inputs": "898,704"}
    pooled = (10 * 10 * 3 + 1) * 6 + (5 * 5 * 6 + 1) * 16 + 2 * 16 + (16 + 1) * 80 + (80 + 1) * 2  # convs, norm, dense, output
    assert ch04.parameter_count({"head": "pool", "image_size": 102, "ink": True, "l2": 0.0}) == pooled == 5776
