"""The convolutional network of Swanson et al. 2020 (SPEC section 5; book chapter 04, "CNN").

The network, exactly as published
---------------------------------
Input: a configuration rendered by :func:`glasslib.render.render_batch` as a 250 × 250 RGB image
(uint8), scaled to [0, 1] float32 by the input pipeline. Then

====================  ==========================================  ===================
layer                 what                                        output (250 input)
====================  ==========================================  ===================
``ink``               1 − pixel (no parameters; see below)        250 × 250 × 3
``conv1``             6 kernels 10 × 10, valid, stride 1, ReLU    241 × 241 × 6
``conv2``             16 kernels 5 × 5, valid, stride 1, ReLU     237 × 237 × 16
``flatten``                                                       898,704
``dense``             80 units, ReLU                              80
``dropout``           drop probability ``dropout`` (tuned)        80
``output``            2 units, softmax (liquid, glass)            2
====================  ==========================================  ===================

71,900,784 parameters (71,896,400 of them in ``dense``). Loss: mean cross-entropy over the batch
plus ``0.01 · Σ ‖W‖²`` over the kernels (weights, not biases) of the four layers — Keras'
``L2(0.01)`` regulariser, which is exactly ``0.01 · sum(square(W))`` (no factor 1/2), on each
layer's ``kernel_regularizer``. Optimiser Adam (Keras defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7);
its learning rate is set before every batch from :func:`glasslib.lr_schedule.learning_rate`
(linear warm-up 1e-4 → 1e-3 over two epochs, exponential decay to 1e-4 at the last batch).
The glass probability is the softmax output of class 1 (label 1 = glass, 0 = liquid).
``dropout`` is the probability of *dropping* a unit (Keras' ``rate``).

Input: ink, not paper
---------------------
The first layer turns each [0, 1] pixel value p into 1 − p, so the white background is 0 and
the particles are what carries signal. It has no parameters and does not change what the network
can represent: ``conv1(1 − p) = conv1'(p)`` with kernels −W and biases b + ΣW, so the set of
functions, the parameter count and the L2 term's form are the paper's. What it changes is where
training starts. Fed the paper itself (p, background 1), every one of the 898,704 inputs of the
dense layer is positive at initialisation (mean ≈ 0.17), and Adam moves each of its weights by
about the learning rate per step whatever the gradient's size, so one step at 10⁻⁴ shifts a unit's
pre-activation by ~10⁻⁴ × 898,704 × 0.17 ≈ 15. Measured on data set 1 at ``quick`` (58 training
images, batch 10): the cross-entropy jumps to 8–15 in the first epoch, every dense unit is pushed
below zero within a few steps and stays there (ReLU: no gradient), and the network predicts one
constant — validation loss exactly ln 2 from epoch 2 on, with or without the L2 term (so the L2
term is not the cause), and also with the authors' bias initialisation 0.1. With ink the
background contributes nothing, the first steps stay small, and the same run learns its training
set (training accuracy 0.52 → 0.93 in 15 epochs). ``ink=False`` gives the plain pixel input.

Augmentation (on the fly, training batches only)
------------------------------------------------
Each training image is rotated by k · 90° with k uniform in {0, 1, 2, 3}, then flipped upside
down with probability 1/2 — done **on the rendered images** (``tf.image.rot90`` of the batch,
per-image selection, ``tf.image.flip_up_down``), not on the coordinates: the images are square
and the white margin is the same on all sides, so this is the same symmetry of the box, it is an
exact permutation of the pixels (particle counts, colours and the label are untouched), and a
cached image never has to be rendered again. The random draws are stateless, seeded by
``tf.data.Dataset.random(seed)`` (one seed per batch, different every epoch), so a run is
reproducible from its seed.

Input pipeline (tf.data)
------------------------
``range(n) → shuffle(seed, every epoch) → batch → load (tf.numpy_function) → augment → scale to
[0, 1] → prefetch``. *Load* either gathers rows of an in-memory uint8 cache rendered once per
training job (:class:`CachedImages`, 187.5 kB per 250-px image) or renders the batch's
configurations with the fast renderer (:class:`RenderedImages`). ``render="auto"`` caches when the
job's images fit in :data:`CACHE_LIMIT_BYTES` (every profile but the paper's), and renders per
batch otherwise (paper scale: 20,000 images = 3.75 GB per outer job). Both keep up with training on CPU;
the cache is the faster of the two and the one to prefer on a GPU, where a training step is fast
enough for rendering (≈0.5 ms per image on one core) to matter. Measured by :func:`bench_cnn`
(paper's network, batch 20, 2 CPU cores shared with other jobs, TensorFlow 2.21 CPU): training
47.5 ms/sample (39 GFLOP/s against 110 GFLOP/s for a 2048² float32 matmul), inference
9.9 ms/sample; throughput with the real pipeline / with float32 images in memory = 1.01 (cache)
and 1.01 (rendering per batch); on their own the pipelines deliver ≈1,080 (cache) and ≈530
(rendering) samples/s, 25–50 × what training consumes.

Model selection contract
------------------------
:func:`train_cnn` and :func:`predict_cnn` implement :data:`glasslib.training.TrainFunction` and
:data:`glasslib.training.PredictFunction`: keep the epoch with the best validation ROC AUC (ties,
common once the AUC saturates at 1, go to the lower validation cross-entropy; the weights are
copied in memory and restored at the end), score the test split, and save the
weights (``*.weights.h5``, without optimiser state) with a JSON of the architecture and
hyperparameters beside them (``*.json``). Loading checks the architecture against the JSON and
every weight's shape against the file, so weights of another architecture are refused with a
message, never loaded as garbage. TensorFlow runs on a GPU when it sees one, on the CPU
otherwise; no code changes (the device is logged).
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import math
import os
import time
import warnings
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported: quiet C++ logs

import h5py  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from glasslib.datasets import Dataset  # noqa: E402
from glasslib.evaluation import accuracy, roc_auc  # noqa: E402
from glasslib.lr_schedule import INITIAL, learning_rate  # noqa: E402
from glasslib.render import render_batch, random_configurations  # noqa: E402
from glasslib.training import TrainRequest, TrainResult  # noqa: E402

logger = logging.getLogger(__name__)

WEIGHTS_SUFFIX = ".weights.h5"
FORMAT = "glasslib-cnn/2"  # 2: the ink input layer (files of format 1 fed the pixels themselves)
#: Largest in-memory image cache of one training job under ``render="auto"``, bytes.
CACHE_LIMIT_BYTES = 2 * 2**30
RENDER_MODES = ("auto", "cache", "per_batch")
DEFAULT_DROPOUT = 0.5
DEFAULT_BATCH_SIZE = 20
RENDER_CHUNK = 256  # configurations rendered per render_batch call when filling a cache


class CNNError(ValueError):
    """A CNN input, parameter or file that cannot be used; the message says what is wrong."""


class ImageError(CNNError):
    """Images of the wrong type, dtype or shape for the model."""


class SplitError(CNNError):
    """A data set or split that cannot be trained or scored (empty, or one class only)."""


class WeightsError(CNNError):
    """Saved weights that do not belong to the requested architecture, or a missing/corrupt file."""


# --------------------------------------------------------------------------- architecture
@dataclass(frozen=True)
class CNNArchitecture:
    """Sizes of the network (defaults: the paper's).

    Attributes
    ----------
    image_size : int — input side, pixels (square RGB images).
    conv1_filters, conv1_kernel : int — first convolution: kernels and their side, pixels.
    conv2_filters, conv2_kernel : int — second convolution.
    dense_units : int — width of the hidden dense layer.
    l2 : float — weight of the squared-L2 penalty of the kernels in the loss.
    ink : bool — feed the network ``1 − pixel`` (ink on a black page: the white background is 0)
        instead of the pixel itself; a fixed affine map of the input without parameters (see
        "Input: ink, not paper" in the module docstring).
    """

    image_size: int = 250
    conv1_filters: int = 6
    conv1_kernel: int = 10
    conv2_filters: int = 16
    conv2_kernel: int = 5
    dense_units: int = 80
    l2: float = 0.01
    ink: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.ink, (bool, np.bool_)):
            raise CNNError(f"ink must be True or False, got {self.ink!r}")
        for name in ("image_size", "conv1_filters", "conv1_kernel", "conv2_filters", "conv2_kernel", "dense_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise CNNError(f"{name} must be a positive integer, got {value!r}")
        if self.conv2_side < 1:
            raise CNNError(f"image_size {self.image_size} is too small for kernels of {self.conv1_kernel} "
                           f"and {self.conv2_kernel} pixels")
        if not (math.isfinite(self.l2) and self.l2 >= 0):
            raise CNNError(f"l2 must be a finite number ≥ 0, got {self.l2!r}")

    @property
    def conv1_side(self) -> int:
        """Side of the first convolution's output (valid padding, stride 1), pixels."""
        return self.image_size - self.conv1_kernel + 1

    @property
    def conv2_side(self) -> int:
        """Side of the second convolution's output, pixels."""
        return self.image_size - self.conv1_kernel - self.conv2_kernel + 2

    @property
    def flat_features(self) -> int:
        """Length of the flattened second-convolution output."""
        return self.conv2_filters * self.conv2_side**2

    def parameter_count(self) -> int:
        """Trainable parameters, counted analytically (71,900,784 for the paper's network)."""
        conv1 = (self.conv1_kernel**2 * 3 + 1) * self.conv1_filters
        conv2 = (self.conv2_kernel**2 * self.conv1_filters + 1) * self.conv2_filters
        dense = (self.flat_features + 1) * self.dense_units
        return conv1 + conv2 + dense + (self.dense_units + 1) * 2

    def forward_flops(self) -> dict[str, float]:
        """Floating-point operations of one sample's forward pass (a multiply-add counts 2).

        Returns
        -------
        dict with ``conv1``, ``conv2``, ``dense`` (both dense layers) and ``total``; biases,
        activations and the softmax are neglected.
        """
        conv1 = 2.0 * self.conv1_side**2 * self.conv1_filters * self.conv1_kernel**2 * 3
        conv2 = 2.0 * self.conv2_side**2 * self.conv2_filters * self.conv2_kernel**2 * self.conv1_filters
        dense = 2.0 * (self.flat_features * self.dense_units + self.dense_units * 2)
        return {"conv1": conv1, "conv2": conv2, "dense": dense, "total": conv1 + conv2 + dense}


PAPER = CNNArchitecture()
#: The test-sized network: same structure and kernels, 64 × 64 input, 16 dense units (670,128
#: parameters). Fewer kernels (4 and 8) train less reliably: on a tiny test set about one seed in
#: four let every dense ReLU die (constant output) within 15 epochs; with 6 and 16, none of six.
SMALL = CNNArchitecture(image_size=64, conv1_filters=6, conv2_filters=16, dense_units=16)


#: The layers with weights, in order; their kernels carry the L2 term and seeds 0–3 of :func:`_layer_seeds`.
WEIGHTED_LAYERS = ("conv1", "conv2", "dense", "output")
_DROPOUT_SEED = 4  # index of the dropout layer's seed in _layer_seeds


def _layer_seeds(seed: int) -> list[int]:
    """Five independent seeds derived from one: the four kernel initialisers, then the dropout."""
    return [int(s) for s in np.random.SeedSequence(int(seed)).generate_state(5) % (2**31 - 1)]


def _kernel_initialiser(seeds: Sequence[int], layer: str) -> keras.initializers.Initializer:
    """The Glorot-uniform initialiser of a weighted layer's kernel (biases start at zero)."""
    return keras.initializers.GlorotUniform(seed=seeds[WEIGHTED_LAYERS.index(layer)])


def build_cnn(architecture: CNNArchitecture = PAPER, dropout: float = DEFAULT_DROPOUT, seed: int = 0) -> keras.Model:
    """The network of SPEC section 5, uncompiled (see the module docstring for its layers).

    Parameters
    ----------
    architecture : CNNArchitecture
        Sizes; default the paper's (250 × 250 input, 71,900,784 parameters).
    dropout : float
        Probability of dropping a unit of the dense layer during training, in [0, 1).
    seed : int
        Seed of the Glorot-uniform kernel initialisers and of the dropout masks.

    Returns
    -------
    keras.Model mapping float32 images (B, S, S, 3) in [0, 1] to (B, 2) class probabilities
    (liquid, glass); layers named ``conv1``, ``conv2``, ``flatten``, ``dense``, ``dropout``,
    ``output``.
    """
    dropout = _checked_dropout(dropout)
    seeds = _layer_seeds(seed)
    regulariser = keras.regularizers.L2(architecture.l2) if architecture.l2 > 0 else None

    a = architecture
    images = keras.Input((a.image_size, a.image_size, 3), dtype="float32", name="images")
    x = keras.layers.Rescaling(scale=-1.0, offset=1.0, name="ink")(images) if a.ink else images
    x = keras.layers.Conv2D(a.conv1_filters, a.conv1_kernel, strides=1, padding="valid", activation="relu",
                            kernel_initializer=_kernel_initialiser(seeds, "conv1"), kernel_regularizer=regulariser,
                            name="conv1")(x)
    x = keras.layers.Conv2D(a.conv2_filters, a.conv2_kernel, strides=1, padding="valid", activation="relu",
                            kernel_initializer=_kernel_initialiser(seeds, "conv2"), kernel_regularizer=regulariser,
                            name="conv2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(a.dense_units, activation="relu", kernel_initializer=_kernel_initialiser(seeds, "dense"),
                           kernel_regularizer=regulariser, name="dense")(x)
    x = keras.layers.Dropout(dropout, seed=seeds[_DROPOUT_SEED], name="dropout")(x)
    probabilities = keras.layers.Dense(2, activation="softmax", kernel_initializer=_kernel_initialiser(seeds, "output"),
                                       kernel_regularizer=regulariser, name="output")(x)
    return keras.Model(images, probabilities, name="swanson_cnn")


def paper_cnn(dropout: float = DEFAULT_DROPOUT, seed: int = 0) -> keras.Model:
    """The paper's network at 250 × 250 (71,900,784 parameters); see :func:`build_cnn`."""
    return build_cnn(PAPER, dropout, seed)


def small_cnn(image_size: int = SMALL.image_size, conv1_filters: int = SMALL.conv1_filters,
              conv2_filters: int = SMALL.conv2_filters, dense_units: int = SMALL.dense_units,
              dropout: float = DEFAULT_DROPOUT, seed: int = 0, l2: float = PAPER.l2) -> keras.Model:
    """The paper's structure with a smaller input and fewer units (and optionally kernels): tests, smoke runs.

    Kernel sides stay 10 and 5 pixels, as the dots keep their size at any image size.
    """
    architecture = CNNArchitecture(image_size=image_size, conv1_filters=conv1_filters, conv2_filters=conv2_filters,
                                   dense_units=dense_units, l2=l2)
    return build_cnn(architecture, dropout, seed)


def architecture_of(model: keras.Model) -> CNNArchitecture:
    """The :class:`CNNArchitecture` of a model built by :func:`build_cnn` (read from its layers)."""
    try:
        conv1, conv2 = model.get_layer("conv1"), model.get_layer("conv2")
        dense = model.get_layer("dense")
    except ValueError as err:
        raise CNNError(f"{model.name} is not a network built by glasslib.models.cnn.build_cnn: {err}") from None
    regulariser = conv1.kernel_regularizer
    return CNNArchitecture(
        image_size=int(model.input_shape[1]), conv1_filters=int(conv1.filters), conv1_kernel=int(conv1.kernel_size[0]),
        conv2_filters=int(conv2.filters), conv2_kernel=int(conv2.kernel_size[0]), dense_units=int(dense.units),
        l2=float(regulariser.l2) if regulariser is not None else 0.0, ink=_has_layer(model, "ink"))


def _has_layer(model: keras.Model, name: str) -> bool:
    return any(layer.name == name for layer in model.layers)


def _dropout_of(model: keras.Model) -> float:
    return float(model.get_layer("dropout").rate)


def kernels(model: keras.Model) -> list[np.ndarray]:
    """The weight matrices/kernels (not the biases) of the four layers, conv1 … output."""
    return [model.get_layer(name).kernel.numpy() for name in WEIGHTED_LAYERS]


def l2_penalty(model: keras.Model) -> float:
    """The loss' regularisation term ``l2 · Σ ‖W‖²`` over the four kernels, computed explicitly."""
    l2 = architecture_of(model).l2
    return float(l2 * sum(np.sum(np.square(k, dtype=np.float64)) for k in kernels(model)))


def _checked_dropout(dropout: Any) -> float:
    try:
        value = float(dropout)
    except (TypeError, ValueError):
        raise CNNError(f"dropout must be a number in [0, 1), got {dropout!r}") from None
    if not 0.0 <= value < 1.0:
        raise CNNError(f"dropout must lie in [0, 1) (the probability of dropping a unit), got {value}")
    return value


# --------------------------------------------------------------------------- images
def check_images(images: Any, image_size: int) -> np.ndarray:
    """Check that ``images`` are what the renderer makes for this network: uint8 (B, S, S, 3).

    Parameters
    ----------
    images : (B, S, S, 3) uint8
        RGB images as returned by :func:`glasslib.render.render_batch` (0 … 255).
    image_size : int
        The network's input side S, pixels.

    Returns
    -------
    The images as a numpy array (not copied).

    Raises
    ------
    ImageError
        Not an array, another dtype (e.g. float images already scaled), another shape, or no image.
    """
    if isinstance(images, tf.Tensor):
        images = images.numpy()
    if not isinstance(images, np.ndarray):
        raise ImageError(f"images must be a numpy array of uint8, shape (B, {image_size}, {image_size}, 3); "
                         f"got {type(images).__name__}")
    if images.dtype != np.uint8:
        raise ImageError(f"images must have dtype uint8 (RGB levels 0-255, as render_batch makes them), got "
                         f"{images.dtype}; the network scales them to [0, 1] itself, do not pass scaled floats")
    expected = (image_size, image_size, 3)
    if images.ndim != 4 or images.shape[1:] != expected:
        hint = " (one image? add a batch axis: images[None])" if images.shape == expected else ""
        raise ImageError(f"images must have shape (B, {image_size}, {image_size}, 3) for this network, got "
                         f"{images.shape}{hint}; render them with render_batch(..., size={image_size})")
    if images.shape[0] == 0:
        raise ImageError("no images given (batch of size 0)")
    return images


def check_labels(labels: Any, n: int, what: str = "training") -> np.ndarray:
    """(n,) int32 labels, 0 (liquid) or 1 (glass), both classes present.

    Raises
    ------
    SplitError
        Wrong length, labels other than 0/1, or one class only.
    """
    labels = np.asarray(labels)
    if labels.shape != (n,):
        raise SplitError(f"{what} labels must have shape ({n},), got {labels.shape}")
    if not np.all(np.isin(labels, (0, 1))):
        raise SplitError(f"{what} labels must be 0 (liquid) or 1 (glass), got values {np.unique(labels).tolist()}")
    counts = np.bincount(labels.astype(np.int64), minlength=2)
    if counts.min() == 0:
        present = "glasses (1)" if counts[1] else "liquids (0)"
        raise SplitError(f"the {what} set holds one class only: {n} {present} and no "
                         f"{'liquids (0)' if counts[1] else 'glasses (1)'}; a classifier needs both "
                         "(a split too small, or a data set with one class)")
    return labels.astype(np.int32)


class ImageSource(Protocol):
    """Where a pipeline's images come from: ``load(rows)`` → (b, S, S, 3) uint8."""

    image_size: int

    def __len__(self) -> int: ...

    def load(self, rows: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class CachedImages:
    """Images already rendered, in memory: row ``r`` of the split is ``images[rows[r]]``.

    Attributes
    ----------
    images : (M, S, S, 3) uint8 — the cache (may be shared by several splits).
    rows : (n,) int — which cached image each of the split's rows is.
    """

    images: np.ndarray
    rows: np.ndarray

    @property
    def image_size(self) -> int:
        return int(self.images.shape[1])

    def __len__(self) -> int:
        return len(self.rows)

    def load(self, rows: np.ndarray) -> np.ndarray:
        return self.images[self.rows[rows]]


@dataclass(frozen=True)
class RenderedImages:
    """Configurations rendered on demand by :func:`glasslib.render.render_batch`.

    Attributes
    ----------
    positions : (M, N, 2) scaled coordinates; types : (N,) LAMMPS types.
    rows : (n,) int — which configuration each of the split's rows is.
    image_size : int — side of the rendered images, pixels.
    """

    positions: np.ndarray
    types: np.ndarray
    rows: np.ndarray
    image_size: int

    def __len__(self) -> int:
        return len(self.rows)

    def load(self, rows: np.ndarray) -> np.ndarray:
        return render_batch(self.positions[self.rows[rows]], self.types, size=self.image_size)


def augment_batch(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Rotate each image by k · 90° (k uniform in 0…3), then flip it upside down with p = 1/2.

    Parameters
    ----------
    images : (B, S, S, C) tensor, any dtype (square images).
    seed : (2,) int tensor — seed of the stateless random draws.

    Returns
    -------
    (B, S, S, C) tensor, each image an exact pixel permutation of its input.
    """
    n = tf.shape(images)[0]
    rotation_seed, flip_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    turns = tf.random.stateless_uniform([n], rotation_seed, minval=0, maxval=4, dtype=tf.int32)
    flip = tf.random.stateless_uniform([n], flip_seed) < 0.5
    rotations = tf.stack([tf.image.rot90(images, k) for k in range(4)])  # (4, B, S, S, C)
    rotated = tf.gather_nd(rotations, tf.stack([turns, tf.range(n)], axis=1))
    return tf.where(flip[:, None, None, None], tf.image.flip_up_down(rotated), rotated)


def image_pipeline(source: ImageSource, labels: np.ndarray, batch_size: int, seed: int = 0,
                   training: bool = False) -> tf.data.Dataset:
    """The tf.data pipeline feeding the network: (float32 images in [0, 1], int32 labels) batches.

    ``range(n) → [shuffle] → batch → load → [augment] → scale → prefetch``; shuffling (a fresh
    order every epoch) and augmentation only when ``training``, both seeded by ``seed``.

    Parameters
    ----------
    source : ImageSource with n rows (:class:`CachedImages` or :class:`RenderedImages`).
    labels : (n,) labels of the rows.
    batch_size : int
    seed : int
    training : bool

    Returns
    -------
    tf.data.Dataset of ``ceil(n / batch_size)`` batches (the last one may be smaller).
    """
    n, size = len(source), source.image_size
    labels = tf.constant(np.asarray(labels, dtype=np.int32))
    rows = tf.data.Dataset.range(n)
    if training:
        rows = rows.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    batches = rows.batch(batch_size)

    def load(batch_rows: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        images = tf.numpy_function(source.load, [batch_rows], tf.uint8, stateful=False)
        images.set_shape([None, size, size, 3])
        return images, tf.gather(labels, batch_rows)

    batches = batches.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    if training:
        seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
        batches = tf.data.Dataset.zip(batches, seeds).map(
            lambda batch, s: (augment_batch(batch[0], s), batch[1]), num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True)
    scaled = batches.map(lambda images, y: (tf.cast(images, tf.float32) / 255.0, y),
                         num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return scaled.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------- training
class PerBatchLearningRate(keras.callbacks.Callback):
    """Set Adam's learning rate before every batch from :func:`glasslib.lr_schedule.learning_rate`.

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
        self.curves: dict[str, list[float]] = {"train_loss": [], "train_accuracy": [], "l2_penalty": [],
                                               "validation_auc": [], "validation_accuracy": [],
                                               "validation_loss": []}
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
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=INITIAL),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])


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


def _fit(model: keras.Model, source: ImageSource, labels: np.ndarray, epochs: int, batch_size: int, seed: int,
         validation: tuple[ImageSource, np.ndarray] | None = None,
         callbacks: Sequence[keras.callbacks.Callback] = (), compiled: bool = False) -> FitReport:
    """Train ``model`` on a source (see :func:`fit_images`); ``compiled``: it comes from :func:`reusable_cnn`."""
    if epochs < 1 or batch_size < 1:
        raise CNNError(f"epochs and batch_size must be ≥ 1, got {epochs} and {batch_size}")
    if source.image_size != architecture_of(model).image_size:
        raise ImageError(f"the images are {source.image_size} px but the network takes "
                         f"{architecture_of(model).image_size} px")
    steps = math.ceil(len(source) / batch_size)
    schedule = PerBatchLearningRate(steps, epochs)
    best = BestValidationAUC(*(validation if validation is not None else (None, None)), batch_size)
    if not compiled:
        _compile(model)
    data = image_pipeline(source, labels, batch_size, seed, training=True)
    model.fit(data, epochs=epochs, verbose=0, shuffle=False, callbacks=[schedule, best, *callbacks])
    curves = dict(best.curves, learning_rate=list(schedule.applied))
    return FitReport(curves, best.best_epoch, best.train_seconds, len(source) * epochs)


def fit_images(model: keras.Model, images: np.ndarray, labels: np.ndarray, *, epochs: int = 1,
               batch_size: int = DEFAULT_BATCH_SIZE, seed: int = 0,
               validation: tuple[np.ndarray, np.ndarray] | None = None,
               callbacks: Sequence[keras.callbacks.Callback] = ()) -> FitReport:
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
        checked = (CachedImages(val_images, np.arange(len(val_images))),
                   check_labels(validation[1], len(val_images), "validation"))
    return _fit(model, CachedImages(images, np.arange(len(images))), labels, epochs, batch_size, seed, checked,
                callbacks)


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
    images : (n, S, S, 3) uint8, as :func:`glasslib.render.render_batch` makes them.
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


# --------------------------------------------------------------------------- saving
def metadata_path(weights_path: Path) -> Path:
    """The JSON beside ``x.weights.h5``: ``x.json``."""
    weights_path = Path(weights_path)
    return weights_path.with_name(weights_path.name[: -len(WEIGHTS_SUFFIX)] + ".json")


def _check_suffix(weights_path: Path) -> Path:
    weights_path = Path(weights_path)
    if not weights_path.name.endswith(WEIGHTS_SUFFIX) or weights_path.name == WEIGHTS_SUFFIX:
        raise WeightsError(f"CNN weights files must be named '<name>{WEIGHTS_SUFFIX}' (Keras 3), got {weights_path}")
    return weights_path


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (Path, np.ndarray)):
        return str(value) if isinstance(value, Path) else value.tolist()
    raise TypeError(f"not JSON serialisable: {value!r}")


def save_cnn(model: keras.Model, weights_path: Path, metadata: Mapping[str, Any] | None = None) -> Path:
    """Save the weights (no optimiser state) and, beside them, a JSON of the architecture.

    Both files are written to temporary names and renamed, so a crash leaves no half file.

    Parameters
    ----------
    model : keras.Model from :func:`build_cnn`.
    weights_path : path ending in ``.weights.h5``.
    metadata : extra JSON-able facts to store (hyperparameters, scores, seed …).

    Returns
    -------
    The weights path.
    """
    weights_path = _check_suffix(weights_path)
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    architecture = architecture_of(model)
    clean = build_cnn(architecture, _dropout_of(model))  # uncompiled: no optimiser state in the file
    clean.set_weights(model.get_weights())
    record = {"format": FORMAT, "architecture": asdict(architecture), "dropout": _dropout_of(model),
              "parameter_count": architecture.parameter_count(), "weights_file": weights_path.name,
              "tensorflow": tf.__version__, "keras": keras.__version__, **dict(metadata or {})}
    tag = f".tmp-{os.getpid()}-{time.monotonic_ns()}"
    tmp_weights = weights_path.with_name(weights_path.name[: -len(WEIGHTS_SUFFIX)] + tag + WEIGHTS_SUFFIX)
    tmp_json = metadata_path(weights_path).with_name(metadata_path(weights_path).name + tag)
    try:
        with warnings.catch_warnings():  # Keras 3.1x + numpy 2: "__array__ ... copy keyword", harmless
            warnings.simplefilter("ignore", DeprecationWarning)
            clean.save_weights(tmp_weights)
        tmp_json.write_text(json.dumps(record, indent=2, default=_json_value))
        os.replace(tmp_weights, weights_path)
        os.replace(tmp_json, metadata_path(weights_path))
    finally:
        for tmp in (tmp_weights, tmp_json):
            tmp.unlink(missing_ok=True)
    return weights_path


def read_metadata(weights_path: Path) -> dict[str, Any]:
    """The JSON saved beside a weights file by :func:`save_cnn`.

    Raises
    ------
    WeightsError
        Missing, unreadable or not written by :func:`save_cnn`.
    """
    path = metadata_path(_check_suffix(weights_path))
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsError(f"no architecture file {path} beside {weights_path}: these weights were not saved by "
                           "glasslib.models.cnn.save_cnn, or the file was moved without it") from None
    except (OSError, json.JSONDecodeError) as err:
        raise WeightsError(f"cannot read {path}: {err}") from None
    if not isinstance(record, dict) or not str(record.get("format", "")).startswith("glasslib-cnn/"):
        raise WeightsError(f"{path} is not a glasslib CNN record (format {FORMAT!r} expected)")
    if record["format"] != FORMAT:
        raise WeightsError(f"{weights_path} was saved in format {record['format']!r} by an older glasslib, whose "
                           f"network took the pixels themselves; this one reads {FORMAT!r}. Train it again "
                           "(rerun the chapter: stale fold results are retrained automatically).")
    return record


def _saved_shapes(weights_path: Path) -> list[tuple[int, ...]]:
    """Shapes of every layer variable stored in a Keras 3 ``.weights.h5`` file (file order)."""
    shapes: list[tuple[int, ...]] = []
    try:
        with h5py.File(weights_path, "r") as h5:
            if "layers" not in h5:
                raise WeightsError(f"{weights_path} is not a Keras weights file (no 'layers' group)")
            h5["layers"].visititems(lambda name, item: shapes.append(tuple(item.shape))
                                    if isinstance(item, h5py.Dataset) else None)
    except FileNotFoundError:
        raise WeightsError(f"no weights file {weights_path}") from None
    except OSError as err:
        raise WeightsError(f"cannot read weights file {weights_path}: {err}") from None
    return shapes


def _difference(saved: CNNArchitecture, expected: CNNArchitecture) -> str:
    return ", ".join(f"{f.name} {getattr(saved, f.name)} (expected {getattr(expected, f.name)})"
                     for f in fields(CNNArchitecture) if getattr(saved, f.name) != getattr(expected, f.name))


def load_cnn(weights_path: Path, expected: CNNArchitecture | None = None) -> keras.Model:
    """Rebuild the saved network and load its weights (uncompiled, ready to predict).

    Parameters
    ----------
    weights_path : a ``.weights.h5`` file written by :func:`save_cnn` (with its JSON beside it).
    expected : the architecture the caller means to use; default: whatever was saved.

    Raises
    ------
    WeightsError
        The saved architecture differs from ``expected`` (the message lists the differences),
        the weight shapes in the file do not match the architecture, or a file is missing/corrupt.
    """
    weights_path = _check_suffix(weights_path)
    record = read_metadata(weights_path)
    try:
        saved = CNNArchitecture(**record["architecture"])
    except (KeyError, TypeError, CNNError) as err:
        raise WeightsError(f"{metadata_path(weights_path)} holds no valid architecture: {err}") from None
    if expected is not None and saved != expected:
        raise WeightsError(f"the weights in {weights_path} belong to another architecture: {_difference(saved, expected)}")
    model = build_cnn(saved, float(record.get("dropout", DEFAULT_DROPOUT)))
    want = sorted(tuple(w.shape) for w in model.weights)
    have = sorted(_saved_shapes(weights_path))
    if want != have:
        raise WeightsError(f"the weights in {weights_path} do not fit the architecture in its JSON "
                           f"({saved}): stored shapes {have}, the network needs {want}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Keras 3.1x: spurious "Skipping nested container"
            model.load_weights(weights_path)
    except (ValueError, OSError) as err:
        raise WeightsError(f"cannot load {weights_path} into {saved}: {err}") from None
    return model


# --------------------------------------------------------------------------- the TrainFunction
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
        values[key] = float(value) if key == "l2" else value if key == "ink" else _integral(key, value)
    architecture = CNNArchitecture(**values)
    batch_size = _integral("batch_size", params.get("batch_size", DEFAULT_BATCH_SIZE))
    if batch_size < 1:
        raise CNNError(f"batch_size must be ≥ 1, got {batch_size}")
    render = params.get("render", "auto")
    if render not in RENDER_MODES:
        raise CNNError(f"render must be one of {RENDER_MODES}, got {render!r}")
    return architecture, _checked_dropout(params.get("dropout", DEFAULT_DROPOUT)), batch_size, render


def _integral(key: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not float(value).is_integer():
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
        logger.warning("TensorFlow already started with intra-op %d / inter-op %d threads (0 = all cores); "
                       "cannot change to %d now", threading.get_intra_op_parallelism_threads(),
                       threading.get_inter_op_parallelism_threads(), threads)


def device_name() -> str:
    """``"GPU (<name>)"`` when TensorFlow sees a GPU, else ``"CPU"``."""
    gpus = tf.config.list_physical_devices("GPU")
    return f"GPU ({', '.join(g.name for g in gpus)})" if gpus else "CPU"


def _split(dataset: Dataset, indices: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Checked configuration indices of one split and their labels (both classes present)."""
    indices = np.asarray(indices)
    n = len(dataset.labels)
    if indices.ndim != 1 or indices.size == 0:
        raise SplitError(f"the {name} split must be a non-empty 1-D array of configuration indices, got shape "
                         f"{indices.shape}")
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
        chunk = unique[begin:begin + RENDER_CHUNK]
        cache[begin:begin + len(chunk)] = render_batch(dataset.positions[chunk], dataset.types, size=image_size)
    logger.info("CNN image cache: %d images, %.2f GB, rendered in %.1f s", len(unique), nbytes / 1e9,
                time.perf_counter() - start)
    return [CachedImages(cache, inverse[offsets[i]:offsets[i + 1]]) for i in range(len(splits))]


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
    """Train the CNN on one split of a data set (:data:`glasslib.training.TrainFunction`).

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
    logger.info("training the CNN on %s (%d parameters, %d/%d/%d configurations)", device_name(),
                architecture.parameter_count(), *(len(s[0]) for s in splits))
    train, validation, test = _sources(dataset, [s[0] for s in splits], architecture.image_size, render)
    model = reusable_cnn(architecture, dropout, request.seed)
    report = _fit(model, train, splits[0][1], request.epochs, batch_size, request.seed,
                  validation=(validation, splits[1][1]), compiled=True)
    probability = _predict(model, test, batch_size)
    labels = splits[2][1]
    auc, acc = roc_auc(labels, probability), accuracy(labels, probability)
    if request.weights_path is not None:
        save_cnn(model, Path(request.weights_path), {
            "params": dict(request.params), "seed": request.seed, "epochs": request.epochs,
            "best_epoch": report.best_epoch, "validation_auc": report.curves["validation_auc"][report.best_epoch],
            "test_auc": auc, "test_accuracy": acc, "dataset": dataset.spec.dataset})
    return TrainResult(auc=auc, accuracy=acc, test_probability=probability, test_labels=labels.astype(np.int8),
                       curves=report.curves, best_epoch=report.best_epoch, seconds=time.perf_counter() - start,
                       samples_per_second=report.samples / max(report.train_seconds, 1e-12))


@_releases_keras_state
def predict_cnn(dataset: Dataset, indices: np.ndarray, weights_path: Path, params: Mapping[str, Any],
                seed: int = 0) -> np.ndarray:
    """Glass probabilities of configurations from saved weights (:data:`glasslib.training.PredictFunction`).

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
    if indices.ndim != 1 or indices.size == 0 or indices.dtype.kind not in "iu" \
            or indices.min() < 0 or indices.max() >= len(dataset.labels):
        raise SplitError(f"indices must be a non-empty 1-D array of integers in [0, {len(dataset.labels) - 1}]")
    model = load_cnn(weights_path, architecture)
    source = RenderedImages(dataset.positions, dataset.types, indices, architecture.image_size)
    return _predict(model, source, batch_size)


# --------------------------------------------------------------------------- bench
class _StepClock(keras.callbacks.Callback):
    """Times of the ends of training batches."""

    def __init__(self) -> None:
        super().__init__()
        self.ends: list[float] = []

    def on_train_batch_end(self, batch: int, logs: Mapping[str, float] | None = None) -> None:
        self.ends.append(time.perf_counter())


def _step_seconds(model: keras.Model, data: tf.data.Dataset) -> list[float]:
    """Durations of the training steps of one ``fit`` epoch after its first (warm-up) step, s."""
    clock = _StepClock()
    model.fit(data, epochs=1, verbose=0, shuffle=False, callbacks=[clock])
    return list(np.diff(clock.ends))


def _pipeline_rate(data: tf.data.Dataset, batch_size: int) -> float:
    """Samples per second a pipeline delivers on its own (no training), after its first batch."""
    iterator = iter(data)
    next(iterator)
    start, count = time.perf_counter(), 0
    for images, _ in iterator:
        count += int(images.shape[0])
    return count / (time.perf_counter() - start) if count else float("nan")


def _matmul_gflops(size: int, repeats: int = 3) -> float:
    """Best rate of a float32 ``size`` × ``size`` matrix product, GFLOP/s."""
    a = tf.random.stateless_normal((size, size), seed=[1, 2])
    b = tf.random.stateless_normal((size, size), seed=[3, 4])
    float(tf.reduce_sum(tf.linalg.matmul(a, b)))  # warm-up
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        float(tf.reduce_sum(tf.linalg.matmul(a, b)))
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best / 1e9


def bench_cnn(architecture: CNNArchitecture = PAPER, batch_size: int = 20, batches: int = 4,
              n_particles: int = 4320, matmul_size: int = 2048, repeats: int = 2, seed: int = 0) -> dict[str, Any]:
    """Time the CNN's training and inference and its input pipeline; print a table.

    Training runs ``fit`` on ``batches + 1`` batches three ways, taking turns ``repeats`` times
    (so a change of the machine's load hits all alike), after one short warm-up ``fit`` each:
    images already in memory as float32 tensors in [0, 1] (sliced and batched), the real pipeline from an image cache
    (:class:`CachedImages`), and the real pipeline rendering every batch
    (:class:`RenderedImages`); both real pipelines shuffle, augment and scale. Each way's rate is
    its batch size over the **median** step duration (first step of every ``fit`` excluded), which
    resists the load spikes of a shared machine. Each pipeline is also iterated on its own, without
    training, to show how far above the training rate it can deliver. Inference times
    ``predict_on_batch`` on a float32 batch (best of ``repeats``). FLOPs are counted analytically
    (:meth:`CNNArchitecture.forward_flops`; training ≈ 3 × forward, the backward pass costing
    about twice the forward), beside the dense float32 matrix-product rate measured in the same
    process.

    Parameters
    ----------
    architecture : CNNArchitecture (default the paper's, 250 × 250).
    batch_size : int
    batches : int — timed steps per ``fit`` (≥ 2); one more runs first as a warm-up.
    n_particles : int — particles per random configuration (the paper's 4,320).
    matmul_size : int — side of the float32 matrices of the reference product.
    repeats : int
    seed : int

    Returns
    -------
    dict with ``train_ms_per_sample``, ``inference_ms_per_sample``, ``forward_gflop_per_sample``,
    ``train_gflops``, ``inference_gflops``, ``matmul_gflops``, ``in_memory_samples_per_second``,
    ``cache_samples_per_second``, ``render_samples_per_second``, ``cache_ratio`` and
    ``render_ratio`` (pipeline / in memory, target ≥ 0.9), ``cache_pipeline_samples_per_second``
    and ``render_pipeline_samples_per_second`` (pipelines alone), ``render_ms_per_image``,
    ``parameters`` and ``device``.
    """
    if batches < 1 or repeats < 1:
        raise CNNError("bench_cnn needs batches ≥ 1 and repeats ≥ 1")
    n = (batches + 1) * batch_size
    positions, types = random_configurations(n, n_particles, seed=seed)
    positions, types = positions.astype(np.float32), types[0]
    size = architecture.image_size
    render_batch(positions[:1], types, size=size)  # warm-up (stamp tables)
    start = time.perf_counter()
    images = render_batch(positions, types, size=size)
    render_ms = 1e3 * (time.perf_counter() - start) / n
    labels = np.arange(n, dtype=np.int32) % 2
    rows = np.arange(n)
    model = build_cnn(architecture, 0.5, seed)
    _compile(model)
    in_memory = (tf.constant(images.astype(np.float32) / 255.0), tf.constant(labels))
    datasets = {
        "in_memory": tf.data.Dataset.from_tensor_slices(in_memory).batch(batch_size),
        "cache": image_pipeline(CachedImages(images, rows), labels, batch_size, seed, training=True),
        "render": image_pipeline(RenderedImages(positions, types, rows, size), labels, batch_size, seed,
                                 training=True),
    }
    for data in datasets.values():  # warm-up: tracing, and oneDNN's first, slower steps
        _step_seconds(model, data.take(2))
    steps: dict[str, list[float]] = {name: [] for name in datasets}
    for _ in range(repeats):
        for name, data in datasets.items():
            steps[name] += _step_seconds(model, data)
    rates = {name: batch_size / float(np.median(seconds)) for name, seconds in steps.items()}
    alone = {name: _pipeline_rate(datasets[name], batch_size) for name in ("cache", "render")}
    x = in_memory[0][:batch_size]
    model.predict_on_batch(x)  # warm-up (traces the predict function)
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(batches):
            model.predict_on_batch(x)
        best = min(best, (time.perf_counter() - start) / (batches * batch_size))
    forward = architecture.forward_flops()["total"]
    result = {
        "parameters": float(architecture.parameter_count()),
        "train_ms_per_sample": 1e3 / rates["in_memory"],
        "inference_ms_per_sample": 1e3 * best,
        "forward_gflop_per_sample": forward / 1e9,
        "train_gflops": 3.0 * forward * rates["in_memory"] / 1e9,
        "inference_gflops": forward / best / 1e9,
        "matmul_gflops": _matmul_gflops(matmul_size),
        "in_memory_samples_per_second": rates["in_memory"],
        "cache_samples_per_second": rates["cache"],
        "render_samples_per_second": rates["render"],
        "cache_ratio": rates["cache"] / rates["in_memory"],
        "render_ratio": rates["render"] / rates["in_memory"],
        "cache_pipeline_samples_per_second": alone["cache"],
        "render_pipeline_samples_per_second": alone["render"],
        "render_ms_per_image": render_ms,
        "device": device_name(),
    }
    _print_bench(result, architecture, batch_size, batches * repeats, n_particles, matmul_size)
    return result


def _print_bench(r: dict[str, Any], architecture: CNNArchitecture, batch_size: int, batches: int,
                 n_particles: int, matmul_size: int) -> None:
    """Print the table of :func:`bench_cnn`."""
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    size = architecture.image_size
    print(f"cnn: {size}×{size} input, {int(r['parameters']):,} parameters, batch {batch_size}, {batches} timed "
          f"steps per way (median), on {r['device']} ({threads} intra-op threads)")
    print(f"  training                          {r['train_ms_per_sample']:10.2f} ms/sample "
          f"({r['train_gflops']:7.1f} GFLOP/s, {3 * r['forward_gflop_per_sample']:.3f} GFLOP/sample)")
    print(f"  inference                         {r['inference_ms_per_sample']:10.2f} ms/sample "
          f"({r['inference_gflops']:7.1f} GFLOP/s, {r['forward_gflop_per_sample']:.3f} GFLOP/sample)")
    print(f"  float32 matmul {matmul_size}×{matmul_size}           {r['matmul_gflops']:10.1f} GFLOP/s")
    print(f"  training, images in memory        {r['in_memory_samples_per_second']:10.2f} samples/s")
    print(f"  training, pipeline from cache     {r['cache_samples_per_second']:10.2f} samples/s "
          f"(ratio {r['cache_ratio']:.3f}; pipeline alone {r['cache_pipeline_samples_per_second']:.0f} samples/s)")
    print(f"  training, pipeline rendering      {r['render_samples_per_second']:10.2f} samples/s "
          f"(ratio {r['render_ratio']:.3f}; pipeline alone {r['render_pipeline_samples_per_second']:.0f} samples/s)")
    print(f"  fast renderer                     {r['render_ms_per_image']:10.2f} ms/image (N = {n_particles})")
