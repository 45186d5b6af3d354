"""Tests of glasslib.interpretation.gradcam: Grad-CAM maths on small and hand-set networks, per-particle reading."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from glasslib.data.render import pixel_centres, render_batch
from glasslib.interpretation import gradcam
from glasslib.models import cnn
from glasslib.system import TYPE_A, TYPE_B

TF_THREADS = 1  # the machine is shared: one thread, set before TensorFlow runs any op
pytestmark = pytest.mark.usefixtures("tensorflow_threads")
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
