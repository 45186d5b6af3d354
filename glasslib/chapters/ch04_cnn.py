"""Chapter 04 (``notebooks/04_cnn.ipynb``): the CNNs' searches, scores, cross-data-set test, feature maps and probe.

What the chapter computes and the numbers its prose quotes, by glue name. It calls
:mod:`glasslib.chapters.classifiers` (nested cross-validation, cross-data-set matrix),
:mod:`glasslib.models` (``selection``, ``fold_results``; ``cnn``, imported only by the functions
that need TensorFlow), :mod:`glasslib.data` (``splits``, ``render``), :mod:`glasslib.stats` and
:mod:`glasslib.interpretation.artificial_probe`. Model labels (``MODEL_LABELS`` of the book's
figures) come from the notebook: this layer does not import the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from glasslib import stats
from glasslib.chapters import classifiers
from glasslib.data import datasets, render, splits
from glasslib.interpretation import artificial_probe
from glasslib.models import selection
from glasslib.models.fold_results import FoldResult, NestedCVResult
from glasslib.models.search_space import ModelSpec
from glasslib.profiles import PROFILES, Profile

#: Outer folds of every nested cross-validation.
FOLDS = 3
#: Feature maps of the first convolution shown per configuration (all six of the paper's network).
SHOWN_MAPS = 6

Curves = dict[int, list[tuple[np.ndarray, np.ndarray]]]


def architecture_numbers() -> dict[str, Any]:
    """The paper's network: parameters and inputs of its dense layer, as ``"71,900,784"``-style text."""
    from glasslib.models.cnn import PAPER

    return {"cnn_parameters": f"{PAPER.parameter_count():,}", "cnn_dense_inputs": f"{PAPER.flat_features:,}"}


def outer_training_size(profile: Profile, fold: int = 0) -> int:
    """Configurations (glasses and liquids) an outer model of ``profile`` trains on in ``fold``: inner train + inner test runs, × 2."""
    runs = splits.make_splits(profile.runs_per_schedule, profile.seed)
    return 2 * (len(runs.runs(fold, splits.TRAIN)) + len(runs.runs(fold, splits.TEST)))


def paper_budget_numbers() -> dict[str, Any]:
    """The ``paper`` profile's outer training set, in configurations, as ``"12,800"``-style text."""
    return {"cnn_paper_train": f"{outer_training_size(PROFILES['paper']):,}"}


def nested_cv(profile: Profile, run_dir: Path, scheduler: Any = None) -> tuple[NestedCVResult, NestedCVResult]:
    """The nested cross-validation of the paper's CNN, then of the reduced-scale CNN (:func:`classifiers.run_nested_cv`)."""
    result = classifiers.run_nested_cv(profile, run_dir, selection.cnn_spec(profile), scheduler)
    pooled = classifiers.run_nested_cv(profile, run_dir, selection.cnn_pooled_spec(profile), scheduler)
    return result, pooled


def reference_result(profile: Profile, result: NestedCVResult, pooled: NestedCVResult) -> NestedCVResult:
    """The CNN the rest of the book reads (``reference_cnn``): the paper's network or the pooled one."""
    return pooled if profile.reference_cnn == "cnn_pooled" else result


def outer_models(profile: Profile, result: NestedCVResult) -> list[FoldResult]:
    """The outer models of the paper's CNN, data set by data set, fold by fold (3 per data set it trained on)."""
    return [result.folds[(i, f)] for i in selection.trained_ids(profile, "cnn") for f in range(FOLDS)]


def adam_steps(models: list[FoldResult], epochs: int) -> list[int]:
    """Adam steps of each outer model in ``epochs`` epochs: ⌈training configurations / batch size⌉ per epoch."""
    return [-(-r.n_train // int(r.params["batch_size"])) * epochs for r in models]


def paper_cnn_numbers(profile: Profile, result: NestedCVResult) -> dict[str, Any]:
    """The paper's CNN at this profile: mean outer-test AUC per data set and its range, training set, accuracy, steps."""
    models = outer_models(profile, result)
    steps = adam_steps(models, profile.cnn_outer_epochs)
    last_accuracy = [r.curves["train_accuracy"][-1] for r in models]
    summary = result.summary()
    ids = selection.trained_ids(profile, "cnn")
    return {
        **{f"cnn_auc_{i}": float(summary.loc[i, "AUC mean"]) for i in ids},
        "cnn_auc_min": float(summary["AUC mean"].min()),
        "cnn_auc_max": float(summary["AUC mean"].max()),
        "cnn_n_train": int(np.median([r.n_train for r in models])),
        "cnn_train_accuracy": float(np.mean(last_accuracy)),
        "cnn_train_accuracy_max": float(np.max(last_accuracy)),
        "cnn_outer_epochs": profile.cnn_outer_epochs,
        "cnn_steps_min": min(steps),
        "cnn_steps_max": max(steps),
        "cnn_paper_sets": ", ".join(map(str, ids)),
    }


def parameter_count(params: Mapping[str, Any]) -> int:
    """Trainable parameters of the CNN that the hyperparameters ``params`` describe (:func:`glasslib.models.cnn.parse_params`)."""
    from glasslib.models.cnn import parse_params

    return parse_params(params)[0].parameter_count()


def pooled_cnn_numbers(profile: Profile, pooled: NestedCVResult, pooled_spec: ModelSpec) -> dict[str, Any]:
    """The reduced-scale CNN (``pooled_spec``: :func:`selection.cnn_pooled_spec`): image side (pixels), parameters
    (text), range of mean outer-test AUC, epochs."""
    fixed = pooled_spec.fixed
    summary = pooled.summary()
    return {
        "pooled_size": fixed["image_size"],
        "pooled_parameters": f"{parameter_count(fixed):,}",
        "pooled_auc_min": float(summary["AUC mean"].min()),
        "pooled_auc_max": float(summary["AUC mean"].max()),
        "pooled_outer_epochs": profile.cnn_pooled_outer_epochs,
    }


def training_numbers(
    profile: Profile, result: NestedCVResult, pooled: NestedCVResult, pooled_spec: ModelSpec, reference_label: str
) -> dict[str, Any]:
    """What the prose says of both CNNs' training (:func:`paper_cnn_numbers`, :func:`pooled_cnn_numbers`) and the reference CNN's label."""
    return {**paper_cnn_numbers(profile, result), **pooled_cnn_numbers(profile, pooled, pooled_spec), "reference_cnn": reference_label}


def roc_curves(profile: Profile, result: NestedCVResult) -> Curves:
    """ROC curves (false- and true-positive rates, each (m,)) of every outer test set, by data set, one per fold (also chapter 05)."""
    folds = result.folds
    ids = selection.trained_ids(profile, result.model)
    return {i: [stats.roc_curve(folds[(i, f)].test_labels, folds[(i, f)].test_probability) for f in range(FOLDS)] for i in ids}


def cross_dataset(profile: Profile, run_dir: Path) -> np.ndarray:
    """(i, j) mean outer-test AUC of the reference CNN trained on data set i, tested on j (:func:`classifiers.cross_dataset`)."""
    return classifiers.cross_dataset(profile, run_dir, selection.spec_by_name(profile, profile.reference_cnn))


def off_diagonal_mean(matrix: np.ndarray) -> float:
    """Mean of a square (n, n) matrix off its diagonal; NaN when there is none (n = 1)."""
    off_diagonal = matrix[~np.eye(len(matrix), dtype=bool)]
    return float(off_diagonal.mean()) if off_diagonal.size else float("nan")


def cross_numbers(cross: np.ndarray) -> dict[str, Any]:
    """The reference CNN's mean AUC on data sets it was not trained on (``cross``: the (n, n) matrix)."""
    return {"cnn_cross_offdiag": off_diagonal_mean(cross)}


def class_examples(labels: np.ndarray) -> tuple[int, int]:
    """Indices of the first liquid and the first glass of a data set's (2R,) labels."""
    liquid = int(np.flatnonzero(labels == datasets.LIQUID)[0])
    glass = int(np.flatnonzero(labels == datasets.GLASS)[0])
    return liquid, glass


def feature_map_panels(model: Any, data: datasets.Dataset) -> list[tuple[str, np.ndarray]]:
    """The first convolution's maps (each (H, W)) of the first liquid and glass of ``data``: (title, map), liquid first."""
    from glasslib.models.cnn import feature_maps

    chosen = list(class_examples(data.labels))
    images = render.render_batch(data.positions[chosen], data.types, size=int(model.input_shape[1]))
    maps = feature_maps(model, images)
    return [(f"{name}, map {m + 1}", maps[row, :, :, m]) for row, name in enumerate(("liquid", "glass")) for m in range(SHOWN_MAPS)]


def inside_numbers(dataset: int) -> dict[str, Any]:
    """The data set whose fold-0 model the chapter looks inside and probes."""
    return {"inside_dataset": dataset}


def run_probe(
    profile: Profile, run_dir: Path, model: Any, dataset: int, box_length: float
) -> tuple[dict[str, list[tuple[np.ndarray, np.ndarray]]], dict[str, np.ndarray]]:
    """Artificial configurations (per kind: scaled positions (N, 2), types (N,)) and the model's glass probability
    of each, stored as the ``probe`` product of ``dataset``'s model (:mod:`glasslib.interpretation.artificial_probe`)."""
    configurations = artificial_probe.probe_configurations(profile.n_particles, box_length, profile.seed)
    probe = artificial_probe.probe_cnn(model, configurations)
    artificial_probe.save_probe(run_dir, profile, probe, dataset=dataset)
    return configurations, probe


def probe_numbers(probe: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Mean glass probability of the motif-saturated and of the random images."""
    return {"motif_glass": float(probe["five-fold motifs"].mean()), "random_glass": float(probe["random"].mean())}


def probe_panels(
    configurations: Mapping[str, list[tuple[np.ndarray, np.ndarray]]], box_length: float
) -> list[tuple[np.ndarray, np.ndarray, float, str]]:
    """The first configuration of each kind as (positions in σ (N, 2), types (N,), box length σ, title) for the figure."""
    panels = []
    for kind in artificial_probe.KINDS:
        positions, types = configurations[kind][0]
        panels.append((positions * box_length, types, box_length, kind))
    return panels
