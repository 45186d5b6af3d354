"""Training and inference of one CNN: per-batch learning rate, best-validation-AUC epoch, predictions."""

from __future__ import annotations

import gc
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from glasslib.models.cnn.images import CachedImages, ImageSource, check_images, check_labels, image_pipeline
from glasslib.models.cnn.network import (
    _DROPOUT_SEED,
    WEIGHTED_LAYERS,
    CNNArchitecture,
    CNNError,
    ImageError,
    _checked_dropout,
    _kernel_initialiser,
    _layer_seeds,
    architecture_of,
    build_cnn,
    l2_penalty,
)
from glasslib.models.lr_schedule import INITIAL, learning_rate
from glasslib.stats import accuracy, roc_auc

logger = logging.getLogger(__name__)


DEFAULT_BATCH_SIZE = 20


class PerBatchLearningRate(keras.callbacks.Callback):
    """Set Adam's learning rate before every batch from :func:`glasslib.models.lr_schedule.learning_rate`.

    Attributes
    ----------
    applied : list of float — the rate set for each batch so far, in order.
    """

    def __init__(self, steps_per_epoch: int, epochs: int) -> None:
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.rates = learning_rate(np.arange(steps_per_epoch * epochs), steps_per_epoch, epochs)
        self.applied: list[float] = []
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self._epoch = epoch

    def on_train_batch_begin(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        rate = float(self.rates[self._epoch * self.steps_per_epoch + batch])
        self.model.optimizer.learning_rate = rate
        self.applied.append(rate)


def cross_entropy(labels: np.ndarray, probability: np.ndarray) -> float:
    """Mean binary cross-entropy of glass probabilities (nats), probabilities clipped to [1e-7, 1 − 1e-7]."""
    p = np.clip(np.asarray(probability, dtype=np.float64), 1e-7, 1 - 1e-7)
    y = np.asarray(labels) == 1
    return float(-np.mean(np.where(y, np.log(p), np.log1p(-p))))


class BestValidationAUC(keras.callbacks.Callback):
    """After each epoch score the validation set; keep the best epoch's weights and restore them.

    The best epoch has the highest validation ROC AUC; among epochs of equal AUC (it saturates at
    1 on easy data sets) the one with the lower validation cross-entropy wins. Also records the
    per-epoch curves (train loss and accuracy, the L2 term, validation AUC, accuracy and
    cross-entropy) and the wall time spent in training batches.
    """

    def __init__(self, source: ImageSource | None, labels: np.ndarray | None, batch_size: int) -> None:
        super().__init__()
        self.source, self.labels, self.batch_size = source, labels, batch_size
        self.curves: dict[str, list[float]] = {
            "train_loss": [],
            "train_accuracy": [],
            "l2_penalty": [],
            "validation_auc": [],
            "validation_accuracy": [],
            "validation_loss": [],
        }
        self.best_auc, self.best_loss, self.best_epoch, self.best_weights = -np.inf, np.inf, 0, None
        self.train_seconds = 0.0
        self._start = 0.0

    def on_epoch_begin(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
        self.train_seconds += time.perf_counter() - self._start
        logs = logs or {}
        self.curves["train_loss"].append(float(logs.get("loss", np.nan)))
        self.curves["train_accuracy"].append(float(logs.get("accuracy", np.nan)))
        self.curves["l2_penalty"].append(l2_penalty(self.model))
        if self.source is None:
            self.best_epoch, self.best_weights = epoch, None
            return
        probability = _predict(self.model, self.source, self.batch_size)
        auc, loss = roc_auc(self.labels, probability), cross_entropy(self.labels, probability)
        self.curves["validation_auc"].append(auc)
        self.curves["validation_accuracy"].append(accuracy(self.labels, probability))
        self.curves["validation_loss"].append(loss)
        if auc > self.best_auc or (auc == self.best_auc and loss < self.best_loss):
            self.best_auc, self.best_loss, self.best_epoch = auc, loss, epoch
            self.best_weights = [w.copy() for w in self.model.get_weights()]

    def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
            self.best_weights = None  # free the copy (288 MB for the paper's network)


@dataclass
class FitReport:
    """What :func:`fit_images` reports.

    Attributes
    ----------
    curves : per-epoch lists (``train_loss``, ``train_accuracy``, ``l2_penalty``, and
        ``validation_auc``, ``validation_accuracy``, ``validation_loss``, empty without a
        validation set) and ``learning_rate``, the rate of every batch.
    best_epoch : 0-based epoch whose weights the model holds now (the last one without validation).
    train_seconds : wall time of the training batches (validation scoring excluded).
    samples : training samples processed (rows × epochs).
    """

    curves: dict[str, list[float]]
    best_epoch: int
    train_seconds: float
    samples: int


def _compile(model: keras.Model) -> None:
    """Adam (rate set per batch by :class:`PerBatchLearningRate`), cross-entropy + the L2 terms."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=INITIAL), loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"]
    )


# One compiled network per process, re-initialised in place for every training (see reusable_cnn).
_REUSABLE: dict[str, Any] = {}


def reusable_cnn(architecture: CNNArchitecture, dropout: float, seed: int) -> keras.Model:
    """A compiled network in the state :func:`build_cnn` + a fresh Adam would give, reusing variables.

    Keras 3 on TensorFlow 2.21 never frees the variables that a traced training function has
    captured: every ``fit`` of a new model left its weights and Adam moments behind (measured:
    +0.9–1.1 GB of resident memory per paper-sized model, ``clear_session`` and ``gc`` notwithstanding;
    none in eager mode, which trains half as fast). A search trains dozens of models in one
    worker, which then ran out of memory. So each process keeps one compiled network of the last
    architecture it trained and, for every new training, writes into the same variables what a
    fresh build would hold: the Glorot-uniform kernels of ``seed`` and zero biases (identical
    values, by test), zero Adam moments and step count, the dropout rate and its seed; the
    training function is traced again (the rate is a constant of the trace), capturing the same
    variables, so nothing new is kept alive.

    Parameters
    ----------
    architecture, dropout, seed : as for :func:`build_cnn`.

    Returns
    -------
    The compiled keras.Model, ready for ``fit``; valid until the next call in this process.
    """
    dropout = _checked_dropout(dropout)
    cached = _REUSABLE.get("model")
    if cached is None or _REUSABLE.get("architecture") != architecture:
        _REUSABLE.clear()
        gc.collect()
        model = build_cnn(architecture, dropout, seed)
        _compile(model)
        _REUSABLE.update(model=model, architecture=architecture)
        return model
    model = cached
    seeds = _layer_seeds(seed)
    for name in WEIGHTED_LAYERS:
        layer = model.get_layer(name)
        layer.kernel.assign(_kernel_initialiser(seeds, name)(layer.kernel.shape))
        layer.bias.assign(tf.zeros_like(layer.bias))
    if architecture.head == "pool":  # batch normalisation of the pooled means: a fresh layer's state
        norm = model.get_layer("pool_norm")
        for variable, value in ((norm.gamma, 1.0), (norm.beta, 0.0), (norm.moving_mean, 0.0), (norm.moving_variance, 1.0)):
            variable.assign(tf.fill(variable.shape, value))
    layer = model.get_layer("dropout")
    layer.rate = dropout
    layer.seed_generator.state.assign(tf.constant([seeds[_DROPOUT_SEED], 0], dtype=layer.seed_generator.state.dtype))
    optimizer = model.optimizer
    for variable in optimizer.variables:
        variable.assign(tf.zeros_like(variable))
    optimizer.learning_rate = INITIAL
    model.train_function = model.test_function = model.predict_function = None  # retrace: new dropout rate
    model.stop_training = False
    return model


def _fit(
    model: keras.Model,
    source: ImageSource,
    labels: np.ndarray,
    epochs: int,
    batch_size: int,
    seed: int,
    validation: tuple[ImageSource, np.ndarray] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    compiled: bool = False,
) -> FitReport:
    """Train ``model`` on a source (see :func:`fit_images`); ``compiled``: it comes from :func:`reusable_cnn`."""
    if epochs < 1 or batch_size < 1:
        raise CNNError(f"epochs and batch_size must be ≥ 1, got {epochs} and {batch_size}")
    if source.image_size != architecture_of(model).image_size:
        raise ImageError(f"the images are {source.image_size} px but the network takes {architecture_of(model).image_size} px")
    steps = math.ceil(len(source) / batch_size)
    schedule = PerBatchLearningRate(steps, epochs)
    best = BestValidationAUC(*(validation if validation is not None else (None, None)), batch_size)
    if not compiled:
        _compile(model)
    data = image_pipeline(source, labels, batch_size, seed, training=True)
    model.fit(data, epochs=epochs, verbose=0, shuffle=False, callbacks=[schedule, best, *callbacks])
    curves = dict(best.curves, learning_rate=list(schedule.applied))
    return FitReport(curves, best.best_epoch, best.train_seconds, len(source) * epochs)


def fit_images(
    model: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int = 0,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
) -> FitReport:
    """Train a network built by :func:`build_cnn` on rendered images (in place).

    Adam with the per-batch learning-rate schedule, on-the-fly augmentation, a fresh seeded
    shuffle every epoch; with ``validation``, the best epoch by validation AUC is restored.

    Parameters
    ----------
    model : keras.Model from :func:`build_cnn` (compiled afresh here).
    images : (n, S, S, 3) uint8; labels : (n,) 0 (liquid) or 1 (glass), both classes present.
    epochs, batch_size, seed : int
    validation : (images, labels), optional — checked like the training set.
    callbacks : extra Keras callbacks (run after the schedule and the validation callback).

    Returns
    -------
    FitReport

    Raises
    ------
    ImageError, SplitError
        Images of the wrong dtype/shape, labels of one class only or of the wrong length.
    """
    size = architecture_of(model).image_size
    images = check_images(images, size)
    labels = check_labels(labels, len(images), "training")
    checked = None
    if validation is not None:
        val_images = check_images(validation[0], size)
        checked = (CachedImages(val_images, np.arange(len(val_images))), check_labels(validation[1], len(val_images), "validation"))
    return _fit(model, CachedImages(images, np.arange(len(images))), labels, epochs, batch_size, seed, checked, callbacks)


def _predict(model: keras.Model, source: ImageSource, batch_size: int) -> np.ndarray:
    """(n,) float64 glass probabilities of a source's images (no augmentation, dropout off).

    The model is called eagerly, batch by batch: ``model.predict`` traces a new function for every
    model and every new last-batch shape (≈1 s each on the CPU), which for the few validation
    images of a reduced profile cost more than the predictions themselves.
    """
    data = image_pipeline(source, np.zeros(len(source), dtype=np.int32), batch_size, training=False)
    parts = [model(images, training=False)[:, 1].numpy() for images, _ in data]
    return np.concatenate(parts).astype(np.float64) if parts else np.zeros(0)


def predict_images(model: keras.Model, images: np.ndarray, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
    """Glass probabilities of rendered images.

    Parameters
    ----------
    model : keras.Model from :func:`build_cnn` or :func:`load_cnn`.
    images : (n, S, S, 3) uint8, as :func:`glasslib.data.render.render_batch` makes them.
    batch_size : int

    Returns
    -------
    (n,) float64, probability of class 1 (glass).

    Raises
    ------
    ImageError
        Wrong dtype (e.g. floats) or shape (e.g. another image size than the network's).
    """
    images = check_images(images, architecture_of(model).image_size)
    return _predict(model, CachedImages(images, np.arange(len(images))), batch_size)


def feature_maps(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Outputs of the first convolution (after its ReLU) — the paper's SI Fig. 3.

    Parameters
    ----------
    model : keras.Model from :func:`build_cnn`.
    images : (B, S, S, 3) uint8.

    Returns
    -------
    (B, S − 9, S − 9, conv1_filters) float32; (B, 241, 241, 6) for the paper's network.
    """
    images = check_images(images, architecture_of(model).image_size)
    first = keras.Model(model.inputs, model.get_layer("conv1").output)
    return np.asarray(first(tf.cast(images, tf.float32) / 255.0, training=False))
