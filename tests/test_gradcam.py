"""Tests of glasslib.analysis.gradcam: Grad-CAM maths, per-particle reading, local order, mobility, statistics."""

from __future__ import annotations

import dataclasses
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

try:  # the machine is shared: one thread, set before TensorFlow runs any op
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
except RuntimeError:  # another test module started TensorFlow first
    pass

import keras  # noqa: E402
from scipy import stats  # noqa: E402

from glasslib.analysis import gradcam, local_order, mobility, statistics
from glasslib.data.artificial import pentagon_motifs  # noqa: E402
from glasslib.data.render import pixel_centres, render_batch  # noqa: E402
from glasslib.models import cnn  # noqa: E402
from glasslib.profiles import get_profile  # noqa: E402
from glasslib.simulation import driver
from glasslib.system import TYPE_A, TYPE_B  # noqa: E402

SIZE = 32  # image side of the tiny networks, pixels


# --------------------------------------------------------------------------- Grad-CAM
def test_grad_cam_of_a_small_cnn_is_non_negative_and_image_sized():
    model = cnn.small_cnn(image_size=SIZE, conv1_filters=2, conv2_filters=3, dense_units=4, seed=1)
    rng = np.random.default_rng(0)
    images = render_batch(rng.random((3, 50, 2)), np.where(np.arange(50) % 3 == 2, TYPE_B, TYPE_A), size=SIZE)
    for alignment in ("receptive_field", "stretch"):
        for class_index in (0, 1):
            maps = gradcam.grad_cam(model, images, class_index, alignment=alignment, batch_size=2)
            assert maps.shape == (3, SIZE, SIZE)
            assert np.all(np.isfinite(maps)) and maps.min() >= 0
    normalised = gradcam.normalise_maps(maps)
    assert normalised.min() >= 0 and np.all(np.isin(normalised.max(axis=(1, 2)), (0.0, 1.0)))
    with pytest.raises(cnn.ImageError):
        gradcam.grad_cam(model, images.astype(np.float32))
    with pytest.raises(gradcam.GradCAMError):
        gradcam.grad_cam(model, images, class_index=2)


def colour_detector(w_red: float, w_blue: float) -> keras.Model:
    """Conv (5 × 5, centre tap only): channel 0 = red level, channel 1 = blue level; logit_1 = w·mean(A)."""
    images = keras.Input((SIZE, SIZE, 3))
    conv = keras.layers.Conv2D(2, 5, padding="valid", activation="relu", use_bias=False, name="detect")
    dense = keras.layers.Dense(2, activation="softmax", name="output")
    x = keras.layers.GlobalAveragePooling2D()(conv(images))
    model = keras.Model(images, dense(x))
    kernel = np.zeros((5, 5, 3, 2), dtype=np.float32)
    kernel[2, 2, 0, 0] = kernel[2, 2, 2, 1] = 1.0
    conv.set_weights([kernel])
    dense.set_weights([np.array([[0.0, w_red], [0.0, w_blue]], dtype=np.float32), np.zeros(2, dtype=np.float32)])
    return model


def test_grad_cam_peaks_on_the_feature_the_class_score_rewards():
    model = colour_detector(w_red=2.0, w_blue=-3.0)
    image = np.zeros((1, SIZE, SIZE, 3), dtype=np.uint8)
    red, blue = (5, 26), (20, 10)
    image[0, red[0], red[1]] = (255, 0, 0)
    image[0, blue[0], blue[1]] = (0, 0, 255)
    maps = gradcam.grad_cam(model, image, class_index=1)
    cells = (SIZE - 4) ** 2
    # α_red = ∂logit/∂A_red averaged = 2 / cells; the blue channel's α is negative, removed by the ReLU
    assert np.unravel_index(np.argmax(maps[0]), maps[0].shape) == red
    assert maps[0][red] == pytest.approx(2.0 / cells, rel=1e-4)  # float32 arithmetic
    assert maps[0][blue] == 0.0
    assert np.count_nonzero(maps[0]) == 1  # receptive-field alignment puts the cell on its own pixel
    # the liquid logit is constant here: no evidence anywhere
    assert np.all(gradcam.grad_cam(model, image, class_index=0) == 0)
    # stretching the 28-cell map over 32 px misplaces the peak near the edge
    stretched = gradcam.grad_cam(model, image, class_index=1, alignment="stretch")
    assert np.unravel_index(np.argmax(stretched[0]), stretched[0].shape) != red
    # the softmax output instead of the logit: same place, other scale
    probability = gradcam.grad_cam(model, image, class_index=1, use_logit=False)
    assert np.unravel_index(np.argmax(probability[0]), probability[0].shape) == red
    assert probability[0][red] == pytest.approx(0.25 * 2.0 / cells, rel=1e-3)  # p(1 − p) at p = 1/2


def test_receptive_offset_of_the_paper_network():
    model = cnn.small_cnn(image_size=SIZE, conv1_filters=1, conv2_filters=1, dense_units=2)
    assert gradcam._receptive_offset(model, model.get_layer("conv2")) == 4.5 + 2.0
    assert gradcam._last_conv_layer(model).name == "conv2"


# --------------------------------------------------------------------------- per particle
def test_particle_scores_read_each_particle_pixel():
    grid = (np.arange(6) + 0.5) / 6
    positions = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)  # 36 dots ≥ 5 px apart
    rows, cols = pixel_centres(positions, SIZE, 0.02)
    maps = np.zeros((2, SIZE, SIZE))
    maps[0, rows[7], cols[7]] = 1.0
    maps[1, rows[20], cols[20]] = 3.0
    exact = gradcam.particle_scores(maps, positions, SIZE, 0.02, half_width=0)
    assert exact.shape == (2, 36)
    np.testing.assert_array_equal(exact[0], np.eye(36)[7])
    np.testing.assert_array_equal(exact[1], 3.0 * np.eye(36)[20])
    block = gradcam.particle_scores(maps, np.stack([positions, positions]), half_width=1)
    np.testing.assert_allclose(block[0], np.eye(36)[7] / 9)


# --------------------------------------------------------------------------- local order
def test_local_density_of_a_square_lattice():
    spacing, side = 1.0, 10
    ij = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2)
    positions = spacing * (ij + 0.5)
    np.testing.assert_allclose(local_order.local_density(positions, side * spacing, radius=1.5), 8 / (np.pi * 1.5**2))
    np.testing.assert_allclose(local_order.local_density(positions, side * spacing, radius=1.1), 4 / (np.pi * 1.1**2))


def triangular_patch(angle: float, radius: float = 4.0, centre: float = 10.0) -> np.ndarray:
    """A rotated triangular lattice (spacing 1 σ) cut to a disc, in the middle of an empty 20 σ box."""
    i, j = np.meshgrid(np.arange(-8, 9), np.arange(-8, 9))
    points = np.stack([i + 0.5 * j, j * np.sqrt(3) / 2], axis=-1).reshape(-1, 2)
    points = points[np.hypot(*points.T) <= radius]
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return points @ rotation.T + centre


@pytest.mark.parametrize("neighbours", [1.4, "voronoi"])
def test_psi6_of_a_triangular_lattice_is_one(neighbours):
    positions = triangular_patch(angle=0.3)
    interior = np.hypot(*(positions - 10.0).T) < 2.0
    psi6 = local_order.bond_orientational_order(positions, 20.0, 6, neighbours)
    np.testing.assert_allclose(psi6[interior], 1.0, atol=1e-12)
    ideal_gas = np.random.default_rng(0).uniform(0, 20.0, size=(400, 2))  # density 1 σ⁻²
    assert np.nanmean(local_order.bond_orientational_order(ideal_gas, 20.0, 6, neighbours)) < 0.5


def test_voronoi_neighbours_of_a_periodic_configuration_average_six():
    positions = np.random.default_rng(2).uniform(0, 8.0, size=(77, 2))
    i, j = local_order._voronoi_pairs(positions, 8.0)
    assert 2 * len(i) / 77 == 6.0  # Euler's formula on the torus: every pair found once, across the boundary too
    assert np.all(i < j)


def test_psi5_of_a_pentagon_ring_centre_is_one():
    angles = 0.7 + 2 * np.pi * np.arange(5) / 5
    positions = np.vstack([[5.0, 5.0], 5.0 + 0.86 * np.stack([np.cos(angles), np.sin(angles)], axis=-1)])
    assert local_order.bond_orientational_order(positions, 10.0, 5)[0] == pytest.approx(1.0)
    assert local_order.bond_orientational_order(positions[::-1], 10.0, 5)[-1] == pytest.approx(1.0)  # bonds j → i
    assert local_order.bond_orientational_order(positions, 10.0, 6)[0] == pytest.approx(0.0, abs=1e-12)
    lonely = local_order.bond_orientational_order(np.array([[1.0, 1.0], [6.0, 6.0]]), 10.0, 6)
    assert np.all(np.isnan(lonely))


def test_five_fold_motifs_of_pentagon_configurations():
    box = 12.5
    scaled, types = pentagon_motifs(box, np.random.default_rng(3))
    motifs = local_order.five_fold_motifs(scaled * box, types, box)
    np.testing.assert_array_equal(motifs.centres, types == TYPE_B)
    np.testing.assert_array_equal(motifs.membership, 1)
    broken = np.delete(np.arange(len(types)), np.flatnonzero(types == TYPE_A)[0])  # one A of some ring gone
    partial = local_order.five_fold_motifs(scaled[broken] * box, types[broken], box)
    assert partial.centres.sum() == (types == TYPE_B).sum() - 1
    assert (partial.membership == 0).sum() == 5  # the B that lost it and its four remaining A


# --------------------------------------------------------------------------- mobility
@pytest.fixture(scope="module")
def small_system():
    """80 particles, melted and FIRE-minimised to convergence (an unconverged start relaxes in the cold run)."""
    protocol = dataclasses.replace(get_profile("smoke").protocol, n_particles=80, init_fire_maxiter=10000)
    start = driver.initial_configuration(protocol, seed=4, melt_steps=300)
    return protocol, start["positions"], start["types"]


@pytest.mark.slow
def test_continuation_displacements_grow_with_temperature_and_repeat(small_system):
    protocol, positions, types = small_system
    cold = mobility.continuation_displacements(positions, types, protocol, 0.05, 500, seed=11)
    hot = mobility.continuation_displacements(positions, types, protocol, 2.0, 500, seed=11)
    assert cold.shape == hot.shape == (80,)
    assert cold.max() < 0.3
    assert hot.max() > 0.3 and hot.mean() > 3 * cold.mean()
    again = mobility.continuation_displacements(positions, types, protocol, 0.05, 500, seed=11)
    np.testing.assert_array_equal(again, cold)
    other = mobility.continuation_displacements(positions, types, protocol, 0.05, 500, seed=12)
    assert not np.array_equal(other, cold)
    with pytest.raises(gradcam.GradCAMError):
        mobility.continuation_displacements(positions[:-1], types[:-1], protocol, 0.05, 10, seed=1)


# --------------------------------------------------------------------------- statistics
def test_weighted_midranks_equal_spearman_of_the_resampled_data():
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 4, 30).astype(float), rng.normal(size=30)  # x full of ties
    weights = rng.multinomial(30, np.full(30, 1 / 30), size=5).astype(float)
    rho = statistics._weighted_pearson(statistics._weighted_midranks(weights, statistics._tie_structure(x)),
                                    statistics._weighted_midranks(weights, statistics._tie_structure(y)), weights)
    counts = weights.astype(int)
    expected = [stats.spearmanr(np.repeat(x, c), np.repeat(y, c)).statistic for c in counts]
    np.testing.assert_allclose(rho, expected, rtol=1e-10)


def test_correlation_interval_contains_the_true_value():
    rng = np.random.default_rng(1)
    rho = 0.6
    sample = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=400)
    true_spearman = 6 / np.pi * np.arcsin(rho / 2)  # bivariate normal
    x, y = sample.T.copy()
    x[:3] = np.nan  # dropped
    for method in ("bootstrap", "fisher"):
        result = statistics.correlation_with_ci(x, y, n_bootstrap=500, seed=0, method=method)
        assert result["n"] == 397
        assert result["ci_low"] < true_spearman < result["ci_high"]
        assert result["ci_low"] < result["spearman"] < result["ci_high"]
        assert result["p_value"] < 1e-6 and result["significant"] and result["strength"] == "strong"
        assert result["pearson"] == pytest.approx(stats.pearsonr(x[3:], y[3:]).statistic)
    grouped = statistics.correlation_with_ci(x, y, n_bootstrap=200, groups=np.arange(400) // 40)
    assert grouped["n_groups"] == 10 and grouped["ci_low"] < grouped["spearman"] < grouped["ci_high"]
    weak = statistics.correlation_with_ci(rng.normal(size=300), rng.normal(size=300), n_bootstrap=200)
    assert weak["strength"] in ("negligible", "weak") and weak["ci_low"] < 0 < weak["ci_high"]
    constant = statistics.correlation_with_ci(np.ones(10), np.arange(10.0), n_bootstrap=10)
    assert np.isnan(constant["spearman"]) and constant["strength"] == "undefined"
