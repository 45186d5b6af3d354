"""The CNN's input pipeline (tf.data): checked images, a cache or per-batch rendering, and augmentation.

``range(n) → shuffle(seed, every epoch) → batch → load → augment (rot90 · k, flip) → scale to
[0, 1] → prefetch``; see :mod:`glasslib.models.cnn` for the measured throughput.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import tensorflow as tf

from glasslib.data.render import render_batch
from glasslib.models.cnn.network import ImageError, SplitError

#: Largest in-memory image cache of one training job under ``render="auto"``, bytes.
CACHE_LIMIT_BYTES = 2 * 2**30


RENDER_MODES = ("auto", "cache", "per_batch")


RENDER_CHUNK = 256  # configurations rendered per render_batch call when filling a cache


def check_images(images: Any, image_size: int) -> np.ndarray:
    """Check that ``images`` are what the renderer makes for this network: uint8 (B, S, S, 3).

    Parameters
    ----------
    images : (B, S, S, 3) uint8
        RGB images as returned by :func:`glasslib.data.render.render_batch` (0 … 255).
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
        raise ImageError(f"images must be a numpy array of uint8, shape (B, {image_size}, {image_size}, 3); got {type(images).__name__}")
    if images.dtype != np.uint8:
        raise ImageError(
            f"images must have dtype uint8 (RGB levels 0-255, as render_batch makes them), got "
            f"{images.dtype}; the network scales them to [0, 1] itself, do not pass scaled floats"
        )
    expected = (image_size, image_size, 3)
    if images.ndim != 4 or images.shape[1:] != expected:
        hint = " (one image? add a batch axis: images[None])" if images.shape == expected else ""
        raise ImageError(
            f"images must have shape (B, {image_size}, {image_size}, 3) for this network, got "
            f"{images.shape}{hint}; render them with render_batch(..., size={image_size})"
        )
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
        raise SplitError(
            f"the {what} set holds one class only: {n} {present} and no "
            f"{'liquids (0)' if counts[1] else 'glasses (1)'}; a classifier needs both "
            "(a split too small, or a data set with one class)"
        )
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
    """Configurations rendered on demand by :func:`glasslib.data.render.render_batch`.

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


def image_pipeline(source: ImageSource, labels: np.ndarray, batch_size: int, seed: int = 0, training: bool = False) -> tf.data.Dataset:
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
            lambda batch, s: (augment_batch(batch[0], s), batch[1]), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
        )
    scaled = batches.map(
        lambda images, y: (tf.cast(images, tf.float32) / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE, deterministic=True
    )
    return scaled.prefetch(tf.data.AUTOTUNE)
