"""The reference look of the CNN's images, drawn by matplotlib, and how the fast renderer is checked against it.

:func:`render_matplotlib` draws a configuration exactly as SPEC section 5 describes (1-point dots at
100 dpi, no axes, slight crop); :func:`compare_images` measures how far the vectorised renderer of
:mod:`glasslib.data.render` departs from it; :func:`fit_dot_radius` finds the dot radius in pixels
that matplotlib's markers cover (chapter 03).
"""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from glasslib.data.render import (
    COLOUR_A,
    COLOUR_B,
    DOT_SIZE_PT,
    DPI,
    IMAGE_SIZE,
    MARGIN,
    WHITE,
    _b_indicator,
    _colour_bytes,
    dot_radius_px,
    render_fast,
)
from glasslib.system import TYPE_A, ConfigurationError, wrap_scaled


def render_matplotlib(
    positions: np.ndarray,
    types: np.ndarray,
    size: int = IMAGE_SIZE,
    dpi: float = DPI,
    dot_size_pt: float = DOT_SIZE_PT,
    margin: float = MARGIN,
) -> np.ndarray:
    """Reference rendering of one configuration with matplotlib's Agg backend.

    A figure of ``size / dpi`` inches at ``dpi``, one axes filling it with limits
    ``[-margin, 1 + margin]`` and no axis or frame, white background; ``scatter`` of the A dots
    then the B dots with ``s = dot_size_pt**2`` points² and no edge line. The figure is built
    without pyplot (never registered, nothing to close) and cleared before returning.

    Parameters
    ----------
    positions : (N, 2)
        Scaled coordinates (box lengths); wrapped into [0, 1) by
        :func:`glasslib.system.wrap_scaled`.
    types : (N,)
        LAMMPS types, 1 (A) or 2 (B).
    size : int
        Image side, pixels.
    dpi : float
        Canvas resolution, dots per inch.
    dot_size_pt : float
        Dot diameter, points.
    margin : float
        White band around the unit square, box lengths.

    Returns
    -------
    (size, size, 3) uint8 RGB image, row 0 at the top.

    Raises
    ------
    ConfigurationError
        Non-finite positions, positions beyond the wrap tolerance, unknown types, or shapes that
        do not match.
    """
    wrapped = wrap_scaled(positions)
    if wrapped.ndim != 2:
        raise ConfigurationError(f"render_matplotlib draws one configuration (N, 2), got {wrapped.shape}")
    is_b = _b_indicator(types, wrapped.shape[:1])
    fig = Figure(figsize=(size / dpi, size / dpi), dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(-margin, 1.0 + margin)
    ax.set_ylim(-margin, 1.0 + margin)
    for chosen, colour in ((~is_b, COLOUR_A), (is_b, COLOUR_B)):  # A first, B on top
        if chosen.any():
            ax.scatter(wrapped[chosen, 0], wrapped[chosen, 1], s=dot_size_pt**2, color=colour, linewidths=0)
    canvas.draw()
    image = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    fig.clear()
    return image


def _nearest_class(pixels: np.ndarray) -> np.ndarray:
    """(M,) True where a pixel (M, 3) lies closer to the white→B line than to the white→A line.

    A dot's pixels are blends ``white + a · (colour − white)`` of its colour with the background,
    so the class is read from the direction of the deviation from white (cosine similarity); a
    faint antialiased fringe then counts as the colour it was blended from.
    """
    deviation = WHITE - pixels.astype(float)
    directions = np.stack([WHITE - _colour_bytes(COLOUR_A), WHITE - _colour_bytes(COLOUR_B)])
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    cosine = deviation @ directions.T  # (M, 2), common positive factor |deviation| dropped
    return cosine[:, 1] > cosine[:, 0]


def compare_images(reference: np.ndarray, fast: np.ndarray) -> dict[str, float]:
    """How closely one rendering reproduces another.

    Parameters
    ----------
    reference, fast : (H, W, 3) uint8
        Two renderings of the same configuration.

    Returns
    -------
    dict with
        ``iou``: intersection over union of the non-white pixel masks (1 when both are blank);
        ``colour_agreement``: among pixels non-white in both, the fraction whose nearest class
        colour (A or B, judged along the line from white to each colour) agrees (1 when none).
    """
    if reference.shape != fast.shape:
        raise ValueError(f"image shapes differ: {reference.shape} vs {fast.shape}")
    ink_ref = (reference < WHITE).any(axis=-1)
    ink_fast = (fast < WHITE).any(axis=-1)
    both = ink_ref & ink_fast
    union = int((ink_ref | ink_fast).sum())
    iou = both.sum() / union if union else 1.0
    agree = _nearest_class(reference[both]) == _nearest_class(fast[both])
    return {"iou": float(iou), "colour_agreement": float(agree.mean()) if agree.size else 1.0}


def fit_dot_radius(dot_size_pt: float = DOT_SIZE_PT, dpi: float = DPI, size: int = 64) -> float:
    """Measure the dot radius (pixels) whose stamp best reproduces matplotlib's rasterised dot.

    One A dot is drawn by :func:`render_matplotlib` and by :func:`render_fast` with radii from
    0.7 to 1.3 times the nominal one (1 % steps); the radius with the least squared difference
    of the RGB levels is returned.

    Parameters
    ----------
    dot_size_pt : float
        Dot diameter, points.
    dpi : float
        Canvas resolution, dots per inch.
    size : int
        Side of the small test canvas, pixels.

    Returns
    -------
    float, pixels; close to ``dot_size_pt · dpi / 144`` when the two renderers agree.
    """
    reference = render_matplotlib(np.array([[0.5, 0.5]]), np.array([TYPE_A]), size, dpi, dot_size_pt)
    nominal = dot_radius_px(dot_size_pt, dpi)
    radii = nominal * np.linspace(0.7, 1.3, 61)
    fast = [render_fast(np.array([[0.5, 0.5]]), np.array([TYPE_A]), size, dpi, dot_size_pt, radius_px=r) for r in radii]
    errors = [np.sum((image.astype(float) - reference) ** 2) for image in fast]
    return float(radii[int(np.argmin(errors))])
