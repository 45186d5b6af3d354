"""``glasslib bench cnn``: the paper's CNN, training and inference per sample beside the machine's matmul rate,
and the input pipeline's throughput on its own."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from glasslib.bench.timing import matmul_gflops
from glasslib.data.render import random_configurations, render_batch
from glasslib.models.cnn.fit import _compile
from glasslib.models.cnn.images import CachedImages, RenderedImages, image_pipeline
from glasslib.models.cnn.network import PAPER, CNNArchitecture, CNNError, build_cnn
from glasslib.models.cnn.train import device_name
from glasslib.profiles import Profile


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
    """Best rate of a float32 ``size`` × ``size`` matrix product in TensorFlow, GFLOP/s."""
    a = tf.random.stateless_normal((size, size), seed=[1, 2])
    b = tf.random.stateless_normal((size, size), seed=[3, 4])
    return matmul_gflops(lambda: float(tf.reduce_sum(tf.linalg.matmul(a, b))), size, repeats)


def bench_cnn(
    architecture: CNNArchitecture = PAPER,
    batch_size: int = 20,
    batches: int = 4,
    n_particles: int = 4320,
    matmul_size: int = 2048,
    repeats: int = 2,
    seed: int = 0,
) -> dict[str, Any]:
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
        "render": image_pipeline(RenderedImages(positions, types, rows, size), labels, batch_size, seed, training=True),
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


def _print_bench(
    r: dict[str, Any], architecture: CNNArchitecture, batch_size: int, batches: int, n_particles: int, matmul_size: int
) -> None:
    """Print the table of :func:`bench_cnn`."""
    threads = tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count()
    size = architecture.image_size
    print(
        f"cnn: {size}×{size} input, {int(r['parameters']):,} parameters, batch {batch_size}, {batches} timed "
        f"steps per way (median), on {r['device']} ({threads} intra-op threads)"
    )
    print(
        f"  training                          {r['train_ms_per_sample']:10.2f} ms/sample "
        f"({r['train_gflops']:7.1f} GFLOP/s, {3 * r['forward_gflop_per_sample']:.3f} GFLOP/sample)"
    )
    print(
        f"  inference                         {r['inference_ms_per_sample']:10.2f} ms/sample "
        f"({r['inference_gflops']:7.1f} GFLOP/s, {r['forward_gflop_per_sample']:.3f} GFLOP/sample)"
    )
    print(f"  float32 matmul {matmul_size}×{matmul_size}           {r['matmul_gflops']:10.1f} GFLOP/s")
    print(f"  training, images in memory        {r['in_memory_samples_per_second']:10.2f} samples/s")
    print(
        f"  training, pipeline from cache     {r['cache_samples_per_second']:10.2f} samples/s "
        f"(ratio {r['cache_ratio']:.3f}; pipeline alone {r['cache_pipeline_samples_per_second']:.0f} samples/s)"
    )
    print(
        f"  training, pipeline rendering      {r['render_samples_per_second']:10.2f} samples/s "
        f"(ratio {r['render_ratio']:.3f}; pipeline alone {r['render_pipeline_samples_per_second']:.0f} samples/s)"
    )
    print(f"  fast renderer                     {r['render_ms_per_image']:10.2f} ms/image (N = {n_particles})")


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench cnn`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_cnn()


def training_rate(architecture: CNNArchitecture = PAPER, batch_size: int = 20, batches: int = 2, seed: int = 0) -> float:
    """Training samples per second of ``architecture`` on images already in memory (median step, after a warm-up).

    The lean figure of :func:`bench_cnn`'s first row, for cost estimates (the paper-scale plan).
    """
    n = (batches + 1) * batch_size
    positions, types = random_configurations(n, 4320, seed=seed)
    images = render_batch(positions.astype(np.float32), types[0], size=architecture.image_size)
    model = build_cnn(architecture, 0.5, seed)
    _compile(model)
    data = tf.data.Dataset.from_tensor_slices((tf.constant(images.astype(np.float32) / 255.0), tf.constant(np.arange(n) % 2))).batch(
        batch_size
    )
    _step_seconds(model, data.take(2))  # warm-up: tracing, oneDNN's first steps
    return batch_size / float(np.median(_step_seconds(model, data)))
