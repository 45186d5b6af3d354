"""The contract between a model's training code and the model-selection machinery (chapters 04–05).

Both networks expose one function ``train(dataset, request) -> TrainResult`` (see
:data:`TrainFunction`): train on ``request.train`` (configuration indices into the data set),
keep the best epoch by validation AUC on ``request.validation``, score ``request.test``, save the
weights to ``request.weights_path`` when given, and report what happened. :mod:`glasslib.models.nested_cv`
calls it inside nested cross-validation without knowing which framework runs underneath.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.data.datasets import Dataset


@dataclass(frozen=True)
class TrainRequest:
    """One training job.

    Attributes
    ----------
    train, validation, test : (n,) int — configuration indices into the data set.
    params : hyperparameters (name -> value), e.g. ``{"dropout": 0.3, "batch_size": 20}``.
    epochs : passes over the training set.
    seed : seed of every random choice (initialisation, shuffling, augmentation, windows).
    weights_path : where to save the best weights (``None``: do not save).
    threads : CPU threads the framework may use (1 inside parallel searches).
    """

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    params: Mapping[str, Any]
    epochs: int
    seed: int
    weights_path: Path | None = None
    threads: int = 1


@dataclass(frozen=True)
class TrainResult:
    """What a training job reports.

    Attributes
    ----------
    auc, accuracy : scores on ``request.test`` of the best-validation epoch's model.
    test_probability : (n_test,) glass probabilities of the test configurations, in request order.
    test_labels : (n_test,) their labels.
    curves : per-epoch lists, at least ``"train_loss"`` and ``"validation_auc"``.
    best_epoch : 0-based epoch whose weights were kept.
    seconds : wall time of the job.
    samples_per_second : training throughput (forward + backward), samples per second.
    device : where it trained, e.g. ``"GPU (NVIDIA H200)"`` or ``"CPU"`` (:mod:`glasslib.models.devices`).
    """

    auc: float
    accuracy: float
    test_probability: np.ndarray
    test_labels: np.ndarray
    curves: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    seconds: float = 0.0
    samples_per_second: float = 0.0
    device: str = "not recorded"


#: ``train(dataset, request) -> TrainResult``; must be a module-level function (Dask pickles it).
TrainFunction = Callable[[Dataset, TrainRequest], TrainResult]


#: ``predict(dataset, indices, weights_path, params, seed) -> (n,) glass probabilities``.
PredictFunction = Callable[[Dataset, np.ndarray, Path, Mapping[str, Any], int], np.ndarray]
