"""Tests of the CNN (glasslib.models.cnn): architecture, loss, schedule, augmentation, training contract."""

from __future__ import annotations

import dataclasses
import json
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from glasslib.bench import cnn as bench_cnn
from glasslib.data.datasets import Dataset
from glasslib.data.render import render_batch
from glasslib.models import cnn
from glasslib.models.cnn import fit as cnn_fit
from glasslib.models.cnn import train as cnn_train
from glasslib.models.contract import TrainRequest
from glasslib.models.lr_schedule import learning_rate
from glasslib.system import TYPE_A, TYPE_B

TF_THREADS = THREADS = 2  # the machine is shared: two threads, set before TensorFlow runs any op
pytestmark = pytest.mark.usefixtures("tensorflow_threads")
SIZE = 64  # the small network's input side
SMALL_PARAMS = {"image_size": SIZE, "conv1_filters": 6, "conv2_filters": 16, "dense_units": 16}


@pytest.fixture(scope="module")
def synthetic_dataset(make_dataset):
    def build(per_class: int = 8, n_particles: int = 400, seed: int = 0) -> Dataset:
        """Glasses whose particles sit in a few tight clumps, liquids spread uniformly: visibly different."""
        rng = np.random.default_rng(seed)
        centres = rng.random((per_class, 5, 1, 2))
        clumped = (centres + 0.015 * rng.standard_normal((per_class, 5, n_particles // 5, 2))).reshape(per_class, -1, 2)
        uniform = rng.random((per_class, n_particles, 2))
        types = np.where(np.arange(n_particles) % 3 == 2, TYPE_B, TYPE_A)
        return make_dataset(np.concatenate([clumped, uniform]), types)

    return build


def dihedral(image: np.ndarray) -> list[np.ndarray]:
    """The 8 images of the square's symmetry group: rot90 by k (k = 0..3), then optionally flipped upside down."""
    rotated = [np.rot90(image, k) for k in range(4)]
    return rotated + [r[::-1] for r in rotated]


def class_pixels(image: np.ndarray) -> tuple[int, int]:
    """Pixels inked orange-ish (A: red > blue) and blue-ish (B: blue > red)."""
    red, blue = image[..., 0].astype(int), image[..., 2].astype(int)
    inked = (image < 255).any(axis=-1)
    return int((inked & (red > blue)).sum()), int((inked & (blue > red)).sum())


@pytest.fixture(scope="module")
def paper_model() -> keras.Model:
    return cnn.paper_cnn(dropout=0.5, seed=0)


@pytest.fixture(scope="module")
def trained(synthetic_dataset, tmp_path_factory):
    """A small CNN trained to overfit 16 synthetic configurations, its weights saved."""
    data = synthetic_dataset()
    everything = np.arange(len(data.labels))
    path = tmp_path_factory.mktemp("cnn") / "small.weights.h5"
    request = TrainRequest(
        train=everything,
        validation=everything,
        test=everything,
        params={**SMALL_PARAMS, "dropout": 0.1, "batch_size": 4},
        epochs=15,
        seed=1,
        weights_path=path,
        threads=THREADS,
    )
    return data, request, cnn.train_cnn(data, request)


# --------------------------------------------------------------------------- architecture and loss
def test_paper_network_has_the_published_layers_and_71_900_784_parameters(paper_model):
    assert paper_model.count_params() == 71_900_784 == cnn.PAPER.parameter_count()
    assert paper_model.input_shape == (None, 250, 250, 3)
    conv1, conv2 = paper_model.get_layer("conv1"), paper_model.get_layer("conv2")
    assert (conv1.filters, conv1.kernel_size, conv1.strides, conv1.padding) == (6, (10, 10), (1, 1), "valid")
    assert (conv2.filters, conv2.kernel_size, conv2.strides, conv2.padding) == (16, (5, 5), (1, 1), "valid")
    assert paper_model.get_layer("flatten").output.shape[1] == 16 * 237 * 237
    assert paper_model.get_layer("dense").units == 80 and paper_model.get_layer("output").units == 2
    assert paper_model.get_layer("dropout").rate == 0.5
    for name, activation in (("conv1", "relu"), ("conv2", "relu"), ("dense", "relu"), ("output", "softmax")):
        layer = paper_model.get_layer(name)
        assert layer.activation.__name__ == activation
        assert layer.kernel_regularizer.l2 == pytest.approx(0.01) and layer.bias_regularizer is None
    assert cnn.architecture_of(paper_model) == cnn.PAPER


def test_ink_input_is_a_parameter_free_reparametrisation_of_the_pixel_input():
    """conv1(1 − p) with kernels W, biases b equals conv1(p) with kernels −W, biases b + ΣW: same functions."""
    ink = cnn.small_cnn(seed=3)
    plain = cnn.build_cnn(cnn.CNNArchitecture(**{**SMALL_PARAMS, "ink": False}), dropout=0.5, seed=3)
    assert ink.count_params() == plain.count_params() and cnn.architecture_of(ink).ink and not cnn.architecture_of(plain).ink
    plain.set_weights(ink.get_weights())
    kernel, bias = ink.get_layer("conv1").get_weights()
    plain.get_layer("conv1").set_weights([-kernel, bias + kernel.sum(axis=(0, 1, 2))])
    images = render_batch(np.random.default_rng(0).random((2, 200, 2)), np.full(200, TYPE_A), size=SIZE)
    np.testing.assert_allclose(cnn.predict_images(ink, images), cnn.predict_images(plain, images), rtol=0, atol=1e-5)
    blank = np.full((1, SIZE, SIZE, 3), 255, np.uint8)  # the white page is zero input to conv1
    first = keras.Model(ink.inputs, ink.get_layer("ink").output)
    assert float(np.abs(first(blank.astype(np.float32) / 255.0)).max()) == 0.0
    with pytest.raises(cnn.CNNError, match="ink"):
        cnn.CNNArchitecture(ink=1)


def test_feature_maps_are_the_first_convolution_outputs(paper_model):
    image = render_batch(np.random.default_rng(0).random((1, 300, 2)), np.full(300, TYPE_A))
    maps = cnn.feature_maps(paper_model, image)
    assert maps.shape == (1, 241, 241, 6) and maps.min() >= 0.0  # after the ReLU
    small = cnn.small_cnn(seed=1)
    assert cnn.feature_maps(small, np.zeros((2, SIZE, SIZE, 3), np.uint8)).shape == (2, SIZE - 9, SIZE - 9, 6)


def test_l2_term_adds_exactly_0_01_times_the_squared_kernel_norms():
    with_l2, without = cnn.small_cnn(seed=1, l2=0.01), cnn.small_cnn(seed=1, l2=0.0)
    rng = np.random.default_rng(0)
    for layer in ("conv1", "conv2", "dense", "output"):  # non-zero biases: they must not be penalised
        bias = with_l2.get_layer(layer).bias
        bias.assign(rng.uniform(0.1, 0.5, bias.shape).astype(np.float32))
    without.set_weights(with_l2.get_weights())
    images = rng.random((6, SIZE, SIZE, 3)).astype(np.float32)
    labels = np.array([0, 1, 0, 1, 1, 0])
    losses = []
    for model in (with_l2, without):
        cnn_fit._compile(model)
        losses.append(model.evaluate(images, labels, batch_size=6, verbose=0)[0])
    expected = 0.01 * sum(np.sum(np.square(k.astype(np.float64))) for k in cnn.kernels(with_l2))
    assert losses[0] - losses[1] == pytest.approx(expected, rel=1e-5)
    assert cnn.l2_penalty(with_l2) == pytest.approx(expected, rel=1e-12)
    with_biases = expected + 0.01 * sum(np.sum(np.square(with_l2.get_layer(n).bias.numpy())) for n in ("conv1", "conv2", "dense", "output"))
    assert abs(losses[0] - losses[1] - with_biases) > 1e-3


# --------------------------------------------------------------------------- schedule
class _Recorder(keras.callbacks.Callback):
    """The optimiser's learning rate during each batch, and the kernels after the first batch."""

    def __init__(self):
        super().__init__()
        self.rates, self.first_step_kernels = [], None

    def on_train_batch_end(self, batch, logs=None):
        self.rates.append(float(self.model.optimizer.learning_rate))
        if self.first_step_kernels is None:
            self.first_step_kernels = cnn.kernels(self.model)


def test_learning_rate_follows_the_schedule_batch_by_batch_in_a_fit():
    model = cnn.small_cnn(image_size=32, conv1_filters=2, conv2_filters=2, dense_units=4, seed=2)
    before = cnn.kernels(model)
    images = render_batch(np.random.default_rng(1).random((12, 30, 2)), np.full(30, TYPE_B), size=32)
    recorder = _Recorder()
    report = cnn.fit_images(model, images, np.arange(12) % 2, epochs=4, batch_size=4, seed=0, callbacks=[recorder])
    expected = learning_rate(np.arange(12), steps_per_epoch=3, epochs=4)
    np.testing.assert_allclose(recorder.rates, expected, rtol=1e-6)
    np.testing.assert_allclose(report.curves["learning_rate"], expected, rtol=1e-12)
    assert recorder.rates[0] == pytest.approx(1e-4, rel=1e-6)  # first batch
    assert recorder.rates[6] == pytest.approx(1e-3, rel=1e-6)  # end of the two warm-up epochs
    assert recorder.rates[-1] == pytest.approx(1e-4, rel=1e-6)  # last batch
    # Adam's first step moves a weight by lr · |g| / (|g| + ε / √(1 − β₂)) ≤ lr: ≈ lr for all but the
    # tiniest gradients (every kernel weight has at least the L2 gradient) — the optimiser used 1e-4
    moved = np.concatenate([np.abs(a - b).ravel() for a, b in zip(recorder.first_step_kernels, before)])
    assert moved.max() == pytest.approx(1e-4, rel=1e-3)
    assert np.median(moved) == pytest.approx(1e-4, rel=1e-2)


# --------------------------------------------------------------------------- augmentation and pipeline
def test_augmentation_permutes_pixels_and_keeps_particle_counts_and_labels():
    rng = np.random.default_rng(4)
    positions = rng.random((6, 40, 2))
    types = np.where(np.arange(40) < 26, TYPE_A, TYPE_B)
    images = render_batch(positions, types, size=SIZE)
    ids = np.arange(6)  # labels that name each image, to follow it through shuffling
    data = cnn.image_pipeline(cnn.CachedImages(images, ids), ids, batch_size=4, seed=7, training=True)
    seen, orders = set(), []
    for _ in range(3):  # epochs: a fresh order and fresh augmentations every time
        order = []
        for batch, labels in data:
            assert batch.dtype == tf.float32 and 0.0 <= float(tf.reduce_min(batch)) <= float(tf.reduce_max(batch)) <= 1.0
            for image, label in zip(np.rint(batch.numpy() * 255).astype(np.uint8), labels.numpy()):
                original = images[label]
                assert class_pixels(image) == class_pixels(original)  # A and B dots all kept
                assert np.array_equal(np.sort(image, axis=None), np.sort(original, axis=None))
                matches = [k for k, variant in enumerate(dihedral(original)) if np.array_equal(image, variant)]
                assert matches, "an augmented image is not a rotation/flip of its own configuration"
                seen.add(matches[0])
                order.append(label)
        assert sorted(order) == list(range(6))
        orders.append(order)
    assert len(seen) > 2 and len({tuple(o) for o in orders}) > 1
    again = [
        labels.numpy().tolist() for _, labels in cnn.image_pipeline(cnn.CachedImages(images, ids), ids, batch_size=4, seed=7, training=True)
    ]
    assert sum(again, []) == orders[0]  # the same seed replays the same run


def test_augmentation_draws_the_eight_symmetries_uniformly():
    image = np.arange(64, dtype=np.uint8).reshape(1, 8, 8, 1)  # no symmetry: the 8 variants all differ
    out = cnn.augment_batch(tf.constant(np.repeat(image, 800, axis=0)), tf.constant([5, 6], tf.int64)).numpy()
    variants = dihedral(image[0])
    which = np.array([next(k for k, v in enumerate(variants) if np.array_equal(o, v)) for o in out])
    counts = np.bincount(which, minlength=8)
    assert counts.min() >= 60 and counts.max() <= 140, counts  # 100 expected each, sd ≈ 9.4


def test_rendering_per_batch_gives_the_cached_images(synthetic_dataset):
    data = synthetic_dataset(per_class=3, n_particles=50)
    rows = np.array([4, 0, 5, 2])
    cached, rendered = (cnn_train._sources(data, [rows], SIZE, "cache")[0], cnn_train._sources(data, [rows], SIZE, "per_batch")[0])
    assert isinstance(cached, cnn.CachedImages) and isinstance(rendered, cnn.RenderedImages)
    np.testing.assert_array_equal(cached.load(np.array([3, 1])), rendered.load(np.array([3, 1])))
    np.testing.assert_array_equal(rendered.load(np.array([0])), render_batch(data.positions[[4]], data.types, size=SIZE))


def test_unaugmented_pipeline_keeps_order_and_scales():
    images = np.random.default_rng(0).integers(0, 256, (5, 16, 16, 3), dtype=np.uint8)
    batches = list(cnn.image_pipeline(cnn.CachedImages(images, np.arange(5)), np.arange(5), batch_size=2))
    assert [len(b[1]) for b in batches] == [2, 2, 1]
    np.testing.assert_allclose(np.concatenate([b[0].numpy() for b in batches]), images / 255.0, atol=1e-7)


# --------------------------------------------------------------------------- training contract
def test_small_cnn_overfits_a_tiny_data_set(trained):
    data, request, result = trained
    assert result.auc == 1.0  # every glass ranked above every liquid (accuracy at 0.5 is not asked:
    assert result.test_probability[data.labels == 1].min() > result.test_probability[data.labels == 0].max()
    # the L2 term keeps this tiny network's outputs close to 0.5 within 15 epochs)
    np.testing.assert_array_equal(result.test_labels, data.labels)
    assert result.test_probability.shape == (16,)
    assert len(result.curves["train_loss"]) == len(result.curves["validation_auc"]) == request.epochs
    assert len(result.curves["learning_rate"]) == request.epochs * 4
    assert result.curves["validation_auc"][result.best_epoch] == max(result.curves["validation_auc"])
    assert result.curves["train_loss"][-1] < result.curves["train_loss"][0]
    assert result.samples_per_second > 0 and result.seconds > 0


def test_a_reused_network_starts_exactly_like_a_fresh_one_and_trains_reproducibly(synthetic_dataset):
    """reusable_cnn rewrites its variables to a fresh build's values; repeated trainings give the same result."""
    small = cnn.CNNArchitecture(**SMALL_PARAMS)
    cnn.reusable_cnn(small, 0.1, seed=11)
    trained = cnn.reusable_cnn(small, 0.1, seed=11)
    trained.get_layer("dense").kernel.assign(trained.get_layer("dense").kernel + 1.0)  # as if it had trained
    trained.optimizer.iterations.assign(7)
    reused = cnn.reusable_cnn(small, 0.4, seed=5)
    assert reused is trained and reused.get_layer("dropout").rate == 0.4 and int(reused.optimizer.iterations) == 0
    fresh = cnn.build_cnn(small, 0.4, seed=5)
    for a, b in zip(reused.trainable_weights, fresh.trainable_weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(
        reused.get_layer("dropout").seed_generator.state.numpy(), fresh.get_layer("dropout").seed_generator.state.numpy()
    )
    data = synthetic_dataset(per_class=4)
    everything = np.arange(len(data.labels))
    request = TrainRequest(
        everything, everything, everything, {**SMALL_PARAMS, "dropout": 0.2, "batch_size": 4}, epochs=2, seed=3, threads=THREADS
    )
    first = cnn.train_cnn(data, request)
    cnn.train_cnn(
        data, TrainRequest(everything, everything, everything, {**SMALL_PARAMS, "dropout": 0.0, "batch_size": 2}, epochs=1, seed=9)
    )
    again = cnn.train_cnn(data, request)
    np.testing.assert_allclose(again.test_probability, first.test_probability, rtol=0, atol=1e-5)
    np.testing.assert_allclose(again.curves["train_loss"], first.curves["train_loss"], rtol=1e-5)


def test_training_with_per_batch_rendering_runs_end_to_end(synthetic_dataset):
    data = synthetic_dataset(per_class=4, n_particles=100)
    both = np.array([0, 1, 4, 5])
    params = {
        "image_size": 32,
        "conv1_filters": 2,
        "conv2_filters": 2,
        "dense_units": 4,
        "batch_size": 3.0,
        "dropout": 0.2,
        "render": "per_batch",
    }
    result = cnn.train_cnn(data, TrainRequest(np.arange(8), both, both, params, epochs=2, seed=0, threads=THREADS))
    assert result.test_probability.shape == (4,) and np.all((result.test_probability > 0) & (result.test_probability < 1))
    assert len(result.curves["learning_rate"]) == 2 * 3 and result.best_epoch in (0, 1)


def test_saved_weights_reload_and_predict_identically(trained):
    data, request, result = trained
    record = json.loads(cnn.metadata_path(request.weights_path).read_text())
    assert record["architecture"]["image_size"] == SIZE and record["best_epoch"] == result.best_epoch
    again = cnn.predict_cnn(data, request.test, request.weights_path, request.params, seed=0)
    np.testing.assert_allclose(again, result.test_probability, rtol=0, atol=1e-6)
    model = cnn.load_cnn(request.weights_path)
    images = render_batch(data.positions[:3], data.types, size=SIZE)
    np.testing.assert_allclose(cnn.predict_images(model, images, batch_size=4), result.test_probability[:3], rtol=0, atol=1e-6)


def test_weights_of_another_architecture_are_refused(trained, tmp_path):
    data, request, _ = trained
    for change in ({"image_size": 48}, {"conv1_filters": 5}, {"dense_units": 17}):
        with pytest.raises(cnn.WeightsError, match="another architecture") as err:
            cnn.predict_cnn(data, request.test, request.weights_path, {**request.params, **change}, seed=0)
        assert next(iter(change)) in str(err.value)
    with pytest.raises(cnn.WeightsError, match="another architecture"):  # paper's defaults vs the small network
        cnn.predict_cnn(data, request.test, request.weights_path, {"dropout": 0.1}, seed=0)
    # a JSON that lies about the file: the stored shapes are checked too
    forged = tmp_path / "forged.weights.h5"
    shutil.copy(request.weights_path, forged)
    record = json.loads(cnn.metadata_path(request.weights_path).read_text())
    record["architecture"]["dense_units"] = 17
    cnn.metadata_path(forged).write_text(json.dumps(record))
    with pytest.raises(cnn.WeightsError, match="do not fit"):
        cnn.load_cnn(forged)
    record["architecture"]["dense_units"] = SMALL_PARAMS["dense_units"]
    record["format"] = "glasslib-cnn/1"  # saved before the ink input existed
    cnn.metadata_path(forged).write_text(json.dumps(record))
    with pytest.raises(cnn.WeightsError, match="older glasslib.*Train it again"):
        cnn.load_cnn(forged)
    cnn.metadata_path(forged).unlink()
    with pytest.raises(cnn.WeightsError, match="no architecture file"):
        cnn.load_cnn(forged)
    with pytest.raises(cnn.WeightsError, match="weights.h5"):
        cnn.load_cnn(tmp_path / "weights.h5")


def test_wrong_image_shape_or_dtype_gives_clear_errors():
    model = cnn.small_cnn(seed=0)
    good = np.zeros((2, SIZE, SIZE, 3), np.uint8)
    with pytest.raises(cnn.ImageError, match="uint8"):
        cnn.predict_images(model, good.astype(np.float32) / 255)
    with pytest.raises(cnn.ImageError, match=r"shape \(B, 64, 64, 3\)"):
        cnn.predict_images(model, np.zeros((2, 250, 250, 3), np.uint8))
    with pytest.raises(cnn.ImageError, match="add a batch axis"):
        cnn.predict_images(model, good[0])
    with pytest.raises(cnn.ImageError, match="shape"):
        cnn.feature_maps(model, np.zeros((2, SIZE, SIZE, 4), np.uint8))
    with pytest.raises(cnn.ImageError, match="uint8"):
        cnn.fit_images(model, good.astype(np.int64), np.array([0, 1]))
    with pytest.raises(cnn.ImageError, match="numpy array"):
        cnn.predict_images(model, good.tolist())


def test_one_class_data_and_splits_give_clear_errors(synthetic_dataset):
    data = synthetic_dataset(per_class=4, n_particles=20)
    glasses, liquids = np.flatnonzero(data.labels == 1), np.flatnonzero(data.labels == 0)
    mixed = np.array([glasses[0], liquids[0]])
    params = {**SMALL_PARAMS, "dropout": 0.1, "batch_size": 2}
    one_class = dataclasses.replace(data, labels=np.ones_like(data.labels))
    with pytest.raises(cnn.SplitError, match="data set holds one class only"):
        cnn.train_cnn(one_class, TrainRequest(mixed, mixed, mixed, params, epochs=1, seed=0, threads=THREADS))
    with pytest.raises(cnn.SplitError, match="validation set holds one class only"):
        cnn.train_cnn(data, TrainRequest(mixed, glasses, mixed, params, epochs=1, seed=0, threads=THREADS))
    with pytest.raises(cnn.SplitError, match="train set holds one class only"):
        cnn.train_cnn(data, TrainRequest(liquids, mixed, mixed, params, epochs=1, seed=0, threads=THREADS))
    with pytest.raises(cnn.SplitError, match="non-empty"):
        cnn.train_cnn(data, TrainRequest(mixed, mixed, np.array([], int), params, epochs=1, seed=0, threads=THREADS))
    with pytest.raises(cnn.SplitError, match="one class only"):
        cnn.fit_images(cnn.small_cnn(), np.zeros((3, SIZE, SIZE, 3), np.uint8), np.zeros(3))
    with pytest.raises(cnn.CNNError, match="learning_rat"):
        cnn.train_cnn(data, TrainRequest(mixed, mixed, mixed, {"learning_rat": 1}, epochs=1, seed=0))
    with pytest.raises(cnn.CNNError, match="dropout"):
        cnn.parse_params({"dropout": 1.0})


# --------------------------------------------------------------------------- bench
def test_bench_runs_on_a_tiny_setting(capsys):
    tiny = cnn.CNNArchitecture(image_size=32, conv1_filters=2, conv2_filters=2, dense_units=4)
    result = bench_cnn.bench_cnn(tiny, batch_size=4, batches=2, n_particles=50, matmul_size=128, repeats=1)
    keys = {
        "train_ms_per_sample",
        "inference_ms_per_sample",
        "forward_gflop_per_sample",
        "train_gflops",
        "inference_gflops",
        "matmul_gflops",
        "in_memory_samples_per_second",
        "cache_samples_per_second",
        "render_samples_per_second",
        "cache_ratio",
        "render_ratio",
        "cache_pipeline_samples_per_second",
        "render_pipeline_samples_per_second",
        "render_ms_per_image",
        "parameters",
        "device",
    }
    assert keys <= set(result)
    assert all(result[k] > 0 for k in keys - {"device"})
    assert result["parameters"] == tiny.parameter_count()
    assert "GFLOP/s" in capsys.readouterr().out
    flops = cnn.PAPER.forward_flops()
    assert flops["conv1"] == 2 * 241**2 * 6 * 300 and flops["conv2"] == 2 * 237**2 * 16 * 150


POOLED_PARAMS = {**SMALL_PARAMS, "head": "pool", "l2": 0.0}


def test_pooled_head_counts_its_parameters_and_reloads_as_pooled(tmp_path):
    architecture = cnn.CNNArchitecture(**POOLED_PARAMS)
    model = cnn.build_cnn(architecture, 0.2, seed=0)
    assert model.count_params() - 2 * 16 == architecture.parameter_count()  # + the normalisation's running mean and variance
    assert cnn.architecture_of(model) == architecture and architecture.flat_features == 16
    assert cnn.PAPER.head == "flatten" and cnn.PAPER.parameter_count() == 71_900_784
    with pytest.raises(cnn.CNNError, match="head must be one of"):
        cnn.CNNArchitecture(head="max")


def test_reduced_scale_cnn_learns_a_tiny_separable_set_and_ranks_unseen_configurations(synthetic_dataset, make_dataset):
    """The pooled head trains from 16 images and separates 16 configurations it never saw."""
    train, unseen = synthetic_dataset(per_class=8, seed=0), synthetic_dataset(per_class=8, seed=1)
    glass, liquid = (np.concatenate([d.positions[d.labels == label] for d in (train, unseen)]) for label in (1, 0))
    both = make_dataset(np.concatenate([glass, liquid]), train.types)  # glasses first: 8 seen, 8 unseen; then liquids
    seen, held_out = np.r_[0:8, 16:24], np.r_[8:16, 24:32]
    assert set(both.labels[seen]) == set(both.labels[held_out]) == {0, 1}
    request = TrainRequest(
        train=seen,
        validation=seen,
        test=held_out,
        params={**POOLED_PARAMS, "dropout": 0.1, "batch_size": 4},
        epochs=12,
        seed=2,
        threads=THREADS,
    )
    result = cnn.train_cnn(both, request)
    assert result.auc == 1.0
    assert result.accuracy >= 0.75


def test_a_reused_pooled_network_resets_its_normalisation(synthetic_dataset):
    pooled = cnn.CNNArchitecture(**POOLED_PARAMS)
    model = cnn.reusable_cnn(pooled, 0.1, seed=4)
    norm = model.get_layer("pool_norm")
    norm.moving_mean.assign(norm.moving_mean + 3.0)
    norm.gamma.assign(norm.gamma * 2.0)
    reused, fresh = cnn.reusable_cnn(pooled, 0.1, seed=4), cnn.build_cnn(pooled, 0.1, seed=4)
    for a, b in zip(reused.weights, fresh.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_the_training_records_its_device_and_a_cuda_request_without_a_gpu_falls_back_to_the_cpu(synthetic_dataset, monkeypatch):
    data = synthetic_dataset(per_class=4, n_particles=100)
    both = np.array([0, 1, 4, 5])
    params = {"image_size": 32, "conv1_filters": 2, "conv2_filters": 2, "dense_units": 4, "batch_size": 4, "dropout": 0.2}
    request = TrainRequest(np.arange(8), both, both, params, epochs=1, seed=0, threads=THREADS)
    plain = cnn.train_cnn(data, request)
    assert plain.device == cnn.device_name()
    monkeypatch.setenv("GLASSLIB_DEVICE", "cuda")
    asked = cnn.train_cnn(data, request)
    if not tf.config.list_physical_devices("GPU"):
        assert asked.device == "CPU (GLASSLIB_DEVICE=cuda, no CUDA GPU visible)"
        np.testing.assert_array_equal(asked.test_probability, plain.test_probability)
