"""The CNN's layers (SPEC section 5): the paper's architecture and a small one for tests.

See :mod:`glasslib.models.cnn` for the table of layers, the L2 term and why the first layer
feeds the network ink (1 − pixel) rather than paper.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

DEFAULT_DROPOUT = 0.5

#: Momentum of the running statistics of the pooled head's batch normalisation (what inference uses).
#: A reduced profile's outer model takes a few dozen steps, some of them at tiny learning rates, while
#: the 16 pooled means keep drifting; the running statistics must follow the last batches. Measured
#: at ``quick`` (data set 2, three folds, 20 epochs, batch 20): AUC 1.0 in every fold with either, but
#: accuracy at threshold 0.5 of 0.50 / 0.50 / 0.50 with momentum 0.9 (outputs 0.27–0.43) and
#: 1.00 / 1.00 / 0.88 with 0.5; Keras' default 0.99 was worse still.
POOL_NORM_MOMENTUM = 0.5

#: What may feed the dense layer (:attr:`CNNArchitecture.head`).
HEADS = ("flatten", "pool")


class CNNError(ValueError):
    """A CNN input, parameter or file that cannot be used; the message says what is wrong."""


class ImageError(CNNError):
    """Images of the wrong type, dtype or shape for the model."""


class SplitError(CNNError):
    """A data set or split that cannot be trained or scored (empty, or one class only)."""


class WeightsError(CNNError):
    """Saved weights that do not belong to the requested architecture, or a missing/corrupt file."""


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
    head : str — what feeds the dense layer: ``"flatten"`` (the paper's: every pixel of every
        conv2 map, 898,704 inputs at 250 px) or ``"pool"`` (the reduced-scale variant: each conv2
        map averaged over the image, 16 inputs; see "Two heads" in :mod:`glasslib.models.cnn`).
    """

    image_size: int = 250
    conv1_filters: int = 6
    conv1_kernel: int = 10
    conv2_filters: int = 16
    conv2_kernel: int = 5
    dense_units: int = 80
    l2: float = 0.01
    ink: bool = True
    head: str = "flatten"

    def __post_init__(self) -> None:
        if self.head not in HEADS:
            raise CNNError(f"head must be one of {HEADS}, got {self.head!r}")
        if not isinstance(self.ink, (bool, np.bool_)):
            raise CNNError(f"ink must be True or False, got {self.ink!r}")
        for name in ("image_size", "conv1_filters", "conv1_kernel", "conv2_filters", "conv2_kernel", "dense_units"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise CNNError(f"{name} must be a positive integer, got {value!r}")
        if self.conv2_side < 1:
            raise CNNError(f"image_size {self.image_size} is too small for kernels of {self.conv1_kernel} and {self.conv2_kernel} pixels")
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
        """Inputs of the dense layer: the flattened conv2 output, or one mean per conv2 map (``head="pool"``)."""
        return self.conv2_filters * (self.conv2_side**2 if self.head == "flatten" else 1)

    def parameter_count(self) -> int:
        """Trainable parameters, counted analytically (71,900,784 for the paper's network; 4,592 for the
        pooled head at any image size, whose normalisation also keeps 32 running statistics)."""
        conv1 = (self.conv1_kernel**2 * 3 + 1) * self.conv1_filters
        conv2 = (self.conv2_kernel**2 * self.conv1_filters + 1) * self.conv2_filters
        dense = (self.flat_features + 1) * self.dense_units
        norm = 2 * self.conv2_filters if self.head == "pool" else 0  # the pooled means' scale and shift
        return conv1 + conv2 + norm + dense + (self.dense_units + 1) * 2

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
    (liquid, glass); layers named ``conv1``, ``conv2``, ``flatten`` (or ``pool``), ``dense``,
    ``dropout``, ``output``.
    """
    dropout = _checked_dropout(dropout)
    seeds = _layer_seeds(seed)
    regulariser = keras.regularizers.L2(architecture.l2) if architecture.l2 > 0 else None

    a = architecture
    images = keras.Input((a.image_size, a.image_size, 3), dtype="float32", name="images")
    x = keras.layers.Rescaling(scale=-1.0, offset=1.0, name="ink")(images) if a.ink else images
    x = keras.layers.Conv2D(
        a.conv1_filters,
        a.conv1_kernel,
        strides=1,
        padding="valid",
        activation="relu",
        kernel_initializer=_kernel_initialiser(seeds, "conv1"),
        kernel_regularizer=regulariser,
        name="conv1",
    )(x)
    x = keras.layers.Conv2D(
        a.conv2_filters,
        a.conv2_kernel,
        strides=1,
        padding="valid",
        activation="relu",
        kernel_initializer=_kernel_initialiser(seeds, "conv2"),
        kernel_regularizer=regulariser,
        name="conv2",
    )(x)
    if a.head == "flatten":
        x = keras.layers.Flatten(name="flatten")(x)
    else:
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
        x = keras.layers.BatchNormalization(momentum=POOL_NORM_MOMENTUM, name="pool_norm")(x)
    x = keras.layers.Dense(
        a.dense_units,
        activation="relu",
        kernel_initializer=_kernel_initialiser(seeds, "dense"),
        kernel_regularizer=regulariser,
        name="dense",
    )(x)
    x = keras.layers.Dropout(dropout, seed=seeds[_DROPOUT_SEED], name="dropout")(x)
    probabilities = keras.layers.Dense(
        2, activation="softmax", kernel_initializer=_kernel_initialiser(seeds, "output"), kernel_regularizer=regulariser, name="output"
    )(x)
    return keras.Model(images, probabilities, name="swanson_cnn")


def paper_cnn(dropout: float = DEFAULT_DROPOUT, seed: int = 0) -> keras.Model:
    """The paper's network at 250 × 250 (71,900,784 parameters); see :func:`build_cnn`."""
    return build_cnn(PAPER, dropout, seed)


def small_cnn(
    image_size: int = SMALL.image_size,
    conv1_filters: int = SMALL.conv1_filters,
    conv2_filters: int = SMALL.conv2_filters,
    dense_units: int = SMALL.dense_units,
    dropout: float = DEFAULT_DROPOUT,
    seed: int = 0,
    l2: float = PAPER.l2,
) -> keras.Model:
    """The paper's structure with a smaller input and fewer units (and optionally kernels): tests, smoke runs.

    Kernel sides stay 10 and 5 pixels, as the dots keep their size at any image size.
    """
    architecture = CNNArchitecture(
        image_size=image_size, conv1_filters=conv1_filters, conv2_filters=conv2_filters, dense_units=dense_units, l2=l2
    )
    return build_cnn(architecture, dropout, seed)


def architecture_of(model: keras.Model) -> CNNArchitecture:
    """The :class:`CNNArchitecture` of a model built by :func:`build_cnn` (read from its layers)."""
    try:
        conv1, conv2 = model.get_layer("conv1"), model.get_layer("conv2")
        dense = model.get_layer("dense")
    except ValueError as err:
        raise CNNError(f"{model.name} is not a network built by glasslib.models.cnn.network.build_cnn: {err}") from None
    regulariser = conv1.kernel_regularizer
    return CNNArchitecture(
        image_size=int(model.input_shape[1]),
        conv1_filters=int(conv1.filters),
        conv1_kernel=int(conv1.kernel_size[0]),
        conv2_filters=int(conv2.filters),
        conv2_kernel=int(conv2.kernel_size[0]),
        dense_units=int(dense.units),
        l2=float(regulariser.l2) if regulariser is not None else 0.0,
        ink=_has_layer(model, "ink"),
        head="pool" if _has_layer(model, "pool") else "flatten",
    )


def _has_layer(model: keras.Model, name: str) -> bool:
    return any(layer.name == name for layer in model.layers)


def _dropout_of(model: keras.Model) -> float:
    return float(model.get_layer("dropout").rate)


def kernels(model: keras.Model) -> list[np.ndarray]:
    """The weight matrices/kernels (not the biases) of the four layers, conv1 … output."""
    return [model.get_layer(name).kernel.numpy() for name in WEIGHTED_LAYERS]


def l2_penalty(model: keras.Model) -> float:
    """The loss' regularisation term ``l2 · Σ ‖W‖²`` over the four kernels, computed explicitly.

    Accumulated in float64 by ``einsum`` in buffered blocks: no float64 copy of the paper's 72 M dense
    weights is made (``np.square(…, dtype=float64)`` allocated 576 MB and took seconds every epoch).
    """
    l2 = architecture_of(model).l2
    return float(l2 * sum(np.einsum("i,i->", k.ravel(), k.ravel(), dtype=np.float64) for k in kernels(model)))


def _checked_dropout(dropout: Any) -> float:
    try:
        value = float(dropout)
    except (TypeError, ValueError):
        raise CNNError(f"dropout must be a number in [0, 1), got {dropout!r}") from None
    if not 0.0 <= value < 1.0:
        raise CNNError(f"dropout must lie in [0, 1) (the probability of dropping a unit), got {value}")
    return value
