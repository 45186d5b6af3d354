"""Tests of glasslib.data.render: the CNN's input images (book chapter 03, read by chapter 04), against the
matplotlib reference renderer of glasslib.data.render_reference."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from glasslib.bench import render as bench_render
from glasslib.data import render, render_reference
from glasslib.system import TYPE_A, TYPE_B, ConfigurationError

RENDERERS = [render_reference.render_matplotlib, render.render_fast]
# SPEC section 5: type A orange, type B blue (the paper's colours), in the Okabe–Ito shades the book
# chose; written out here, not read from the code, so a retuned colour fails this test.
ORANGE = (230, 159, 0)
BLUE = (0, 114, 178)


def test_the_renderer_draws_the_spec_colours_and_owns_them():
    image = render.render_fast(np.array([[0.25, 0.5], [0.75, 0.5]]), np.array([TYPE_A, TYPE_B]), dot_size_pt=8.0)
    for x, colour in ((0.25, ORANGE), (0.75, BLUE)):
        assert tuple(int(v) for v in image[expected_pixel(x, 0.5)]) == colour
    r, g, b = ORANGE
    assert r > g > b  # orange: red, then green, little blue
    assert BLUE[2] > BLUE[1] > BLUE[0]  # blue
    assert render.IMAGE_INPUTS["dot_size_pt"] == 1.0  # SPEC: dot size 1 point at 100 dpi
    assert render.IMAGE_INPUTS["dpi"] == 100.0 and render.IMAGE_INPUTS["image_size"] == 250


def expected_pixel(x: float, y: float, size: int = 250, margin: float = render.MARGIN) -> tuple[int, int]:
    """(row, col) of a dot's centre pixel, from the geometry written out by hand."""
    pixels_per_box = size / (1 + 2 * margin)
    x_display, y_display = (x + margin) * pixels_per_box, (y + margin) * pixels_per_box
    return int(np.floor(size - y_display + 0.5)), int(np.floor(x_display + 0.5))


@pytest.fixture(scope="module")
def configuration() -> tuple[np.ndarray, np.ndarray]:
    """4,320 uniform random particles, 65 % A (as in bench_render)."""
    positions, types = render.random_configurations(1, 4320, seed=7)
    return positions[0], types[0]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_shape_dtype_and_white_background(renderer):
    image = renderer(np.array([[0.3, 0.6]]), np.array([TYPE_A]))
    assert image.shape == (250, 250, 3) and image.dtype == np.uint8
    row, col = expected_pixel(0.3, 0.6)
    inked = np.argwhere((image < 255).any(axis=-1))
    assert len(inked) > 0
    assert np.abs(inked - [row, col]).max() <= 1  # ink only on the dot's pixel and its neighbours
    assert render.render_fast(np.zeros((1, 2)) + 0.5, [TYPE_B], size=64).shape == (64, 64, 3)


@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("x, y", [(0.5, 0.5), (0.1, 0.3), (0.9, 0.05)])
def test_single_a_particle_is_orange_at_the_expected_pixel(renderer, x, y):
    image = renderer(np.array([[x, y]]), np.array([TYPE_A]))
    row, col = expected_pixel(x, y)
    assert tuple(image[row, col]) == ORANGE
    darkest = np.unravel_index(np.argmin(image.astype(int).sum(axis=-1)), image.shape[:2])
    assert darkest == (row, col)
    fringe = image[row - 1, col].astype(float)  # faint antialiased edge, still orange in hue
    assert 200 < fringe.sum() / 3 < 255
    assert render_reference.compare_images(image, image)["iou"] == 1.0


@pytest.mark.parametrize("renderer", RENDERERS)
def test_type_colours_and_b_drawn_over_a(renderer):
    positions = np.array([[0.2, 0.2], [0.7, 0.4], [0.5, 0.8], [0.5, 0.8]])
    types = np.array([TYPE_A, TYPE_B, TYPE_B, TYPE_A])  # the last two overlap: B must win
    image = renderer(positions, types)
    assert tuple(image[expected_pixel(0.2, 0.2)]) == ORANGE
    assert tuple(image[expected_pixel(0.7, 0.4)]) == BLUE
    assert tuple(image[expected_pixel(0.5, 0.8)]) == BLUE


def test_pixel_centres_match_hand_geometry():
    positions = np.array([[0.0, 0.0], [0.999, 0.999], [0.1, 0.3], [0.5, 0.5]])
    rows, cols = render.pixel_centres(positions)
    assert [(r, c) for r, c in zip(rows, cols)] == [expected_pixel(x, y) for x, y in positions]


def test_renderers_agree_on_a_random_configuration(configuration):
    positions, types = configuration
    reference = render_reference.render_matplotlib(positions, types)
    fast = render.render_fast(positions, types)
    scores = render_reference.compare_images(reference, fast)
    assert scores["iou"] >= 0.9 and scores["colour_agreement"] >= 0.9
    assert np.abs(reference.astype(int) - fast).max() <= 8  # in fact the same image to a few levels


@pytest.mark.parametrize("margin, size, dot_size_pt", [(0.0, 96, 1.0), (0.03, 120, 2.5)])
def test_renderers_agree_at_the_edges_and_other_geometries(margin, size, dot_size_pt):
    rng = np.random.default_rng(3)
    positions = rng.random((800, 2))
    positions[:40] = rng.choice([0.0, 0.5, 0.9999], size=(40, 2))  # dots cut by the image border
    types = rng.choice([TYPE_A, TYPE_B], 800)
    options = dict(size=size, dot_size_pt=dot_size_pt, margin=margin)
    scores = render_reference.compare_images(
        render_reference.render_matplotlib(positions, types, **options), render.render_fast(positions, types, **options)
    )
    assert scores["iou"] >= 0.99 and scores["colour_agreement"] >= 0.99


def test_fitted_dot_radius_is_the_nominal_one():
    assert render_reference.fit_dot_radius(1.0) == pytest.approx(render.dot_radius_px(1.0), rel=0.03)


def test_dot_stamp_covers_the_disc_area():
    for radius in (0.7, 1.4, 2.1):
        stamp = render.dot_stamp(radius)
        assert stamp.coverage.sum() == pytest.approx(np.pi * radius**2, rel=0.01)
        assert np.all((stamp.coverage > 0) & (stamp.coverage <= 1))


def test_slightly_outside_positions_wrap():
    inside = render.render_fast(np.array([[0.01, 0.5]]), [TYPE_A])
    outside = render.render_fast(np.array([[1.01, 0.5]]), [TYPE_A])
    np.testing.assert_array_equal(inside, outside)


@pytest.mark.parametrize("renderer", RENDERERS + [lambda p, t: render.render_batch(p[None], t)])
@pytest.mark.parametrize("bad", [np.nan, 1.2, -0.3])
def test_bad_positions_raise(renderer, bad):
    positions = np.array([[0.2, 0.2], [0.5, bad]])
    with pytest.raises(ConfigurationError):
        renderer(positions, np.array([TYPE_A, TYPE_B]))


@pytest.mark.parametrize("renderer", RENDERERS + [lambda p, t: render.render_batch(p[None], t)])
def test_unknown_types_raise(renderer):
    with pytest.raises(ConfigurationError):
        renderer(np.array([[0.2, 0.2], [0.5, 0.5]]), np.array([TYPE_A, 3]))
    with pytest.raises(ConfigurationError):
        renderer(np.array([[0.2, 0.2], [0.5, 0.5]]), np.array([TYPE_A, 257]))  # not narrowed to 1


def test_mismatched_shapes_raise():
    with pytest.raises(ConfigurationError):
        render.render_fast(np.zeros((3, 2)), np.array([TYPE_A, TYPE_B]))
    with pytest.raises(ConfigurationError):
        render.render_batch(np.zeros((3, 2)), np.array([TYPE_A] * 3))
    with pytest.raises(ConfigurationError):
        render.render_fast(np.zeros((3, 3)), np.array([TYPE_A] * 3))


def test_batch_equals_per_image_rendering():
    positions, types = render.random_configurations(4, 1000, seed=11)
    batch = render.render_batch(positions, types)
    assert batch.shape == (4, 250, 250, 3) and batch.dtype == np.uint8
    for image, p, t in zip(batch, positions, types):
        np.testing.assert_array_equal(image, render.render_fast(p, t))
    shared = render.render_batch(positions, types[0], size=80)  # one (N,) row of types for all
    for image, p in zip(shared, positions):
        np.testing.assert_array_equal(image, render.render_fast(p, types[0], size=80))


def test_matplotlib_renderer_leaves_no_figures_open():
    before = plt.get_fignums()
    render_reference.render_matplotlib(np.array([[0.5, 0.5]]), [TYPE_A])
    assert plt.get_fignums() == before


def test_compare_images_counts_masks_and_colours():
    white = np.full((4, 4, 3), 255, np.uint8)
    orange, blue, faint_orange = white.copy(), white.copy(), white.copy()
    orange[1, 1], blue[1, 1], faint_orange[1, 1] = ORANGE, BLUE, (252, 243, 224)
    assert render_reference.compare_images(orange, orange) == {"iou": 1.0, "colour_agreement": 1.0}
    assert render_reference.compare_images(orange, faint_orange) == {"iou": 1.0, "colour_agreement": 1.0}
    assert render_reference.compare_images(orange, blue)["colour_agreement"] == 0.0
    shifted = white.copy()
    shifted[2, 2] = ORANGE
    assert render_reference.compare_images(orange, shifted)["iou"] == 0.0
    assert render_reference.compare_images(white, white)["iou"] == 1.0


def test_bench_runs_on_a_tiny_input(capsys):
    result = bench_render.bench_render(n_images=2, n_particles=50, repeats=1)
    assert set(result) == {
        "matplotlib_images_per_second",
        "fast_images_per_second",
        "batch_images_per_second",
        "speedup",
        "batch_speedup",
        "iou",
        "colour_agreement",
    }
    assert all(value > 0 for value in result.values())
    assert result["iou"] >= 0.9 and result["colour_agreement"] >= 0.9
    assert "speed-up" in capsys.readouterr().out
