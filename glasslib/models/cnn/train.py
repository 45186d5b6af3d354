"""The CNN as the nested cross-validation sees it: :func:`train_cnn` and :func:`predict_cnn`.

They implement :data:`glasslib.models.contract.TrainFunction` and ``PredictFunction``: train on
a data set's split, keep the epoch with the best validation ROC AUC, score the test split, save
the weights.
"""

from __future__ import annotations

import functools
import gc
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from glasslib.data.datasets import Dataset
from glasslib.data.render import render_batch
from glasslib.models.cnn.checkpoint import _check_suffix, load_cnn, save_cnn
from glasslib.models.cnn.fit import DEFAULT_BATCH_SIZE, _fit, _predict, logger, reusable_cnn
from glasslib.models.cnn.images import (
    CACHE_LIMIT_BYTES,
    RENDER_CHUNK,
    RENDER_MODES,
    CachedImages,
    ImageSource,
    RenderedImages,
    check_labels,
)
from glasslib.models.cnn.network import DEFAULT_DROPOUT, CNNArchitecture, CNNError, SplitError, _checked_dropout
from glasslib.models.contract import TrainRequest, TrainResult
from glasslib.models.devices import choose_device
from glasslib.stats import accuracy, roc_auc


def parse_params(params: Mapping[str, Any]) -> tuple[CNNArchitecture, float, int, str]:
    """Split a hyperparameter mapping into architecture, dropout, batch size and render mode.

    Accepted keys: ``dropout`` (default 0.5), ``batch_size`` (default 20; integral floats from
    hyperopt are accepted), ``render`` (``"auto"``, ``"cache"`` or ``"per_batch"``), and any field
    of :class:`CNNArchitecture` (default the paper's).

    Raises
    ------
    CNNError
        Unknown keys (named) or values out of range.
    """
    architecture_keys = {f.name for f in fields(CNNArchitecture)}
    known = architecture_keys | {"dropout", "batch_size", "render"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise CNNError(f"unknown CNN parameter(s) {unknown}; known: {sorted(known)}")
    values = {}
    for key in architecture_keys & set(params):
        value = params[key]
        values[key] = float(value) if key == "l2" else value if key in ("ink", "head") else _integral(key, value)
    architecture = CNNArchitecture(**values)
    batch_size = _integral("batch_size", params.get("batch_size", DEFAULT_BATCH_SIZE))
    if batch_size < 1:
        raise CNNError(f"batch_size must be ≥ 1, got {batch_size}")
    render = params.get("render", "auto")
    if render not in RENDER_MODES:
        raise CNNError(f"render must be one of {RENDER_MODES}, got {render!r}")
    return architecture, _checked_dropout(params.get("dropout", DEFAULT_DROPOUT)), batch_size, render


def _integral(key: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) or not float(value).is_integer():
        raise CNNError(f"{key} must be an integer, got {value!r}")
    return int(value)


def configure_threads(threads: int) -> None:
    """Limit TensorFlow's CPU threads (intra- and inter-op) to ``threads``, if still possible.

    TensorFlow fixes its thread pools when it first runs an op; later calls that ask for other
    values only log a warning (the process keeps its first setting).
    """
    threading = tf.config.threading
    if threads < 1:
        raise CNNError(f"threads must be ≥ 1, got {threads}")
    if threading.get_intra_op_parallelism_threads() == threads and threading.get_inter_op_parallelism_threads() == threads:
        return
    try:
        threading.set_intra_op_parallelism_threads(threads)
        threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        logger.warning(
            "TensorFlow already started with intra-op %d / inter-op %d threads (0 = all cores); cannot change to %d now",
            threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads(),
            threads,
        )


def training_device() -> tuple[str, str]:
    """TensorFlow's device for a training, as (``"/GPU:0"`` or ``"/CPU:0"``, label): :func:`glasslib.models.devices.choose_device`."""
    gpus = tf.config.list_physical_devices("GPU")
    names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
    kind, label = choose_device(names)
    return ("/GPU:0" if kind == "cuda" else "/CPU:0"), label


def device_name() -> str:
    """The label of the device a CNN training uses now, e.g. ``"GPU (NVIDIA H200)"`` or ``"CPU"``."""
    return training_device()[1]


def _split(dataset: Dataset, indices: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked configuration indices of one split and their labels (both classes present)."""
    indices = np.asarray(indices)
    n = len(dataset.labels)
    if indices.ndim != 1 or indices.size == 0:
        raise SplitError(f"the {name} split must be a non-empty 1-D array of configuration indices, got shape {indices.shape}")
    if indices.dtype.kind not in "iu" or indices.min() < 0 or indices.max() >= n:
        raise SplitError(f"the {name} split must hold integer indices in [0, {n - 1}]")
    return indices, check_labels(dataset.labels[indices], len(indices), name)


def _sources(dataset: Dataset, splits: Sequence[np.ndarray], image_size: int, mode: str) -> list[ImageSource]:
    """One image source per split: a shared cache rendered once, or per-batch rendering."""
    unique, inverse = np.unique(np.concatenate(splits), return_inverse=True)
    nbytes = len(unique) * image_size**2 * 3
    if mode == "auto":
        mode = "cache" if nbytes <= CACHE_LIMIT_BYTES else "per_batch"
    offsets = np.cumsum([0, *map(len, splits)])
    if mode == "per_batch":
        logger.info("CNN images rendered per batch (%d configurations, %.2f GB if cached)", len(unique), nbytes / 1e9)
        return [RenderedImages(dataset.positions, dataset.types, np.asarray(s), image_size) for s in splits]
    start = time.perf_counter()
    cache = np.empty((len(unique), image_size, image_size, 3), dtype=np.uint8)
    for begin in range(0, len(unique), RENDER_CHUNK):
        chunk = unique[begin : begin + RENDER_CHUNK]
        cache[begin : begin + len(chunk)] = render_batch(dataset.positions[chunk], dataset.types, size=image_size)
    logger.info("CNN image cache: %d images, %.2f GB, rendered in %.1f s", len(unique), nbytes / 1e9, time.perf_counter() - start)
    return [CachedImages(cache, inverse[offsets[i] : offsets[i + 1]]) for i in range(len(splits))]


def _releases_keras_state(function: Callable[..., Any]) -> Callable[..., Any]:
    """Clear Keras' global graph state and collect garbage after ``function``.

    Searches run many trainings in one long-lived Dask worker; without this every 72-million-
    parameter model, its Adam state and its traced functions stay alive, and a worker grew to 12 GB.
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            keras.backend.clear_session()
            gc.collect()

    return wrapper


def train_cnn(dataset: Dataset, request: TrainRequest) -> TrainResult:
    """Train the CNN on one split of a data set (:data:`glasslib.models.contract.TrainFunction`).

    Renders the configurations (cache or per batch, see ``render``), trains ``request.epochs``
    epochs on ``request.train`` with augmentation, keeps the epoch with the best ROC AUC on
    ``request.validation``, scores ``request.test`` with it and, when ``request.weights_path`` is
    set (``*.weights.h5``), saves its weights and a JSON of the architecture and hyperparameters.

    Parameters
    ----------
    dataset : Dataset
    request : TrainRequest — ``params`` as in :func:`parse_params` (``dropout``, ``batch_size`` …).

    Returns
    -------
    TrainResult; ``curves`` holds per-epoch ``train_loss`` (cross-entropy + L2, mean over the
    epoch's batches), ``train_accuracy``, ``l2_penalty`` (at the epoch's end),
    ``validation_auc``, ``validation_accuracy``, ``validation_loss`` (cross-entropy) and the
    per-batch ``learning_rate``. The best epoch: highest validation AUC, ties broken by the lower
    validation cross-entropy.

    Raises
    ------
    SplitError
        Empty splits, indices out of range, or a split (or the whole data set) with one class.
    CNNError
        Unknown or out-of-range parameters, a weights path without the ``.weights.h5`` suffix.
    """
    start = time.perf_counter()
    architecture, dropout, batch_size, render = parse_params(request.params)
    if request.weights_path is not None:
        _check_suffix(request.weights_path)
    check_labels(dataset.labels, len(dataset.labels), "data")
    splits = [_split(dataset, getattr(request, name), name) for name in ("train", "validation", "test")]
    configure_threads(request.threads)
    device, label = training_device()
    logger.info(
        "training the CNN on %s (%d parameters, %d/%d/%d configurations)",
        label,
        architecture.parameter_count(),
        *(len(s[0]) for s in splits),
    )
    train, validation, test = _sources(dataset, [s[0] for s in splits], architecture.image_size, render)
    with tf.device(device):
        model = reusable_cnn(architecture, dropout, request.seed)
        report = _fit(
            model, train, splits[0][1], request.epochs, batch_size, request.seed, validation=(validation, splits[1][1]), compiled=True
        )
        probability = _predict(model, test, batch_size)
    labels = splits[2][1]
    auc, acc = roc_auc(labels, probability), accuracy(labels, probability)
    if request.weights_path is not None:
        save_cnn(
            model,
            Path(request.weights_path),
            {
                "params": dict(request.params),
                "seed": request.seed,
                "epochs": request.epochs,
                "best_epoch": report.best_epoch,
                "validation_auc": report.curves["validation_auc"][report.best_epoch],
                "test_auc": auc,
                "test_accuracy": acc,
                "dataset": dataset.spec.dataset,
            },
        )
    return TrainResult(
        auc=auc,
        accuracy=acc,
        test_probability=probability,
        test_labels=labels.astype(np.int8),
        curves=report.curves,
        best_epoch=report.best_epoch,
        seconds=time.perf_counter() - start,
        samples_per_second=report.samples / max(report.train_seconds, 1e-12),
        device=label,
    )


@_releases_keras_state
def predict_cnn(dataset: Dataset, indices: np.ndarray, weights_path: Path, params: Mapping[str, Any], seed: int = 0) -> np.ndarray:
    """Glass probabilities of configurations from saved weights (:data:`glasslib.models.contract.PredictFunction`).

    Parameters
    ----------
    dataset : Dataset
    indices : (n,) configuration indices (one class is fine here).
    weights_path : ``*.weights.h5`` written by :func:`train_cnn` / :func:`save_cnn`.
    params : the hyperparameters the weights were trained with; architecture keys missing from
        it mean the paper's values, and must agree with the saved architecture.
    seed : unused — CNN inference has no randomness (no augmentation, dropout off); kept for the
        common signature.

    Returns
    -------
    (n,) float64 glass probabilities.

    Raises
    ------
    WeightsError
        Weights of another architecture, or missing/corrupt files.
    """
    del seed
    architecture, _, batch_size, _ = parse_params(params)
    indices = np.asarray(indices)
    if (
        indices.ndim != 1
        or indices.size == 0
        or indices.dtype.kind not in "iu"
        or indices.min() < 0
        or indices.max() >= len(dataset.labels)
    ):
        raise SplitError(f"indices must be a non-empty 1-D array of integers in [0, {len(dataset.labels) - 1}]")
    model = load_cnn(weights_path, architecture)
    source = RenderedImages(dataset.positions, dataset.types, indices, architecture.image_size)
    return _predict(model, source, batch_size)
