"""Configurations as RGB images for the CNN (book chapter 03 data sets; read by the CNN of chapter 04).

SPEC section 5: each configuration is drawn as a ``size`` × ``size`` (default 250 × 250) RGB image
of its scaled coordinates, A particles (LAMMPS type 1) as orange dots and B particles (type 2) as
blue dots, dot size 1 point at 100 dpi, no axes or frame, and only a slight white margin.

Geometry shared by both renderers
---------------------------------
- The canvas is ``size / dpi`` inches at ``dpi`` (default 100), i.e. ``size`` pixels; the axes fill
  the whole canvas. The data limits are ``[-margin, 1 + margin]`` in both directions, so the white
  margin left around the unit square is ``margin`` box lengths (default 0.02, ≈ 4.8 px at 250 px).
  This is the "slight crop of the white margin": a default matplotlib figure keeps ~10 % of white
  around its axes, cropped here to a band just wide enough that dots on the box edge stay whole.
- A scaled coordinate ``x`` maps to the display coordinate ``x_d = (x + margin) · size / (1 + 2
  margin)`` (pixels from the left/bottom edge). matplotlib's Agg backend **snaps every marker to a
  pixel centre** (``RendererAgg::draw_markers``, used by ``scatter`` when all dots share one
  colour): column ``floor(x_d + 1/2)``, row ``floor(size - y_d + 1/2)`` counted from the top. The
  fast renderer uses the same rule, so both place a dot on the same pixel.
- A dot is a filled circle of diameter ``dot_size_pt`` points (``scatter(s=dot_size_pt**2)`` with no
  edge line), i.e. radius ``dot_size_pt · dpi / 144`` pixels (0.694 px for 1 pt at 100 dpi). Agg
  draws it with exact area coverage, always antialiased (``draw_markers`` ignores scatter's
  ``antialiased`` flag, measured with matplotlib 3.11), so a 1 pt dot is one full pixel plus a
  faint (12.5 %) fringe on its four neighbours. The fast renderer stamps the same disc, its
  pixel coverage integrated numerically (:func:`dot_stamp`), and blends it over the image the way
  Agg does (``colour · coverage + old · (1 − coverage)``). :func:`fit_dot_radius` measures the
  radius that best reproduces matplotlib's rasterised dot: it equals the nominal radius within
  its 1 % grid for 1, 2 and 3 pt (below ~1 pt, radius < 0.5 px, Agg inks more than the disc's
  area and the stamp is too faint). The two renderers then have identical ink masks and differ by
  at most a few 8-bit levels (Agg rounds after every dot).
- Drawing order: all A dots first, then all B dots on top, in both renderers. Within one colour
  the order does not matter: compositing ``n`` dots of one colour leaves
  ``colour + Π(1 − coverage_i) · (old − colour)`` whatever their order, so the fast renderer
  multiplies each pixel's transmissions ``1 − coverage`` with unbuffered ``np.multiply.at`` and
  composes the two layers in closed form, one small matrix product per image (see
  :func:`_paint`) — no loop over particles.

:func:`render_matplotlib` is the reference look; :func:`render_fast` / :func:`render_batch` are the
vectorised numpy renderers the data pipeline uses; :func:`bench_render` prints how fast and how
faithful the fast one is (``glasslib bench render``: speed is measured there, not in timed tests).

Speed (N = 4,320, 250 × 250 px, one shared CPU core): matplotlib ≈ 90 images/s; the fast renderer
≈ 0.45–0.5 ms per image (≈ 20–24 × faster), with identical ink masks. About a third of that is
the input checks every image goes through (:func:`~glasslib.system.wrap_scaled` and
:func:`~glasslib.system.type_indicator`); the rest is two ``np.multiply.at`` calls, one
(size², 3) × (3, 3) matrix product and a cast. Scratch memory is reused across a batch and kept
small per call: freshly mapped pages (page faults) measured slower than the rendering itself.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.colors import to_rgb

from glasslib.system import TYPE_A, TYPE_B, ConfigurationError, type_indicator, wrap_scaled

#: The CNN's input colours (SPEC section 5: type A orange, type B blue, as in the paper), Okabe–Ito
#: shades. The renderer owns them: the book's palette imports them for its figures, never the reverse,
#: and they enter the CNN models' product hashes through :data:`IMAGE_INPUTS`.
COLOUR_A = "#E69F00"
COLOUR_B = "#0072B2"

IMAGE_SIZE = 250  # pixels per side (SPEC section 5)
DPI = 100.0  # dots per inch of the canvas
DOT_SIZE_PT = 1.0  # dot diameter, points (1 point = 1/72 inch; SPEC section 5)
MARGIN = 0.02  # white band kept around the unit square, box lengths
SAMPLES = 64  # midpoint-rule samples across a pixel when integrating a dot's coverage
WHITE = 255

#: Everything about an image that a CNN learns from besides the positions: part of the ``model``
#: product's hash (:mod:`glasslib.rundir`), so retuning a colour makes trained CNNs stale.
IMAGE_INPUTS = {
    "colour_a": COLOUR_A,
    "colour_b": COLOUR_B,
    "image_size": IMAGE_SIZE,
    "dpi": DPI,
    "dot_size_pt": DOT_SIZE_PT,
    "margin": MARGIN,
    "samples": SAMPLES,
}


COLOUR_BLOCK = 16384  # pixels converted to colour per matrix product (bounds scratch memory)


class DotStamp(NamedTuple):
    """The pixels covered by one dot centred on pixel (0, 0).

    Attributes
    ----------
    row_offsets, col_offsets : (K,) int64, pixel offsets from the dot's centre pixel.
    coverage : (K,) float64 in (0, 1], fraction of each pixel's area the dot covers.
    """

    row_offsets: np.ndarray
    col_offsets: np.ndarray
    coverage: np.ndarray


def dot_radius_px(dot_size_pt: float = DOT_SIZE_PT, dpi: float = DPI) -> float:
    """Radius in pixels of a dot of diameter ``dot_size_pt`` points drawn at ``dpi``."""
    return 0.5 * dot_size_pt * dpi / 72.0


def dot_stamp(radius_px: float, samples: int = SAMPLES) -> DotStamp:
    """Pixel offsets and area coverage of a disc of radius ``radius_px`` centred on a pixel centre.

    The covered area of each pixel is integrated exactly along y (the chord length) and with the
    midpoint rule over ``samples`` columns along x. Pixels covered less than half of one 8-bit
    level are dropped, as Agg stores coverage in 8 bits.

    Parameters
    ----------
    radius_px : float
        Disc radius, pixels.
    samples : int
        Midpoint-rule samples across one pixel along x.

    Returns
    -------
    DotStamp with K covered pixels.
    """
    if radius_px <= 0:
        raise ValueError(f"radius_px must be positive, got {radius_px}")
    half = int(np.ceil(radius_px + 0.5))
    offsets = np.arange(-half, half + 1)
    x = offsets[:, None] + (np.arange(samples) + 0.5) / samples - 0.5  # (P, S) sample columns
    chord = np.sqrt(np.maximum(radius_px**2 - x**2, 0.0))  # half chord at each sample, pixels
    low, high = offsets[:, None, None] - 0.5, offsets[:, None, None] + 0.5  # pixel rows' y extent
    inside = np.minimum(high, chord[None]) - np.maximum(low, -chord[None])  # (P rows, P cols, S)
    coverage = np.clip(inside, 0.0, 1.0).mean(axis=-1)
    rows, cols = np.nonzero(coverage * WHITE >= 0.5)
    return DotStamp(offsets[rows], offsets[cols], coverage[rows, cols])


def pixel_centres(positions: np.ndarray, size: int = IMAGE_SIZE, margin: float = MARGIN) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the pixel each dot is centred on (matplotlib's marker snapping).

    Agg computes ``x_d + 1/2`` and ``size − y_d + 1/2`` in double precision and truncates them to
    integers; both are positive here, so this is ``floor``.

    Parameters
    ----------
    positions : (..., N, 2)
        Scaled coordinates in [0, 1), x then y.
    size : int
        Image side, pixels.
    margin : float
        White band around the unit square, box lengths (≥ 0).

    Returns
    -------
    rows, cols : (..., N) int64, row 0 at the top of the image.
    """
    if margin < 0:
        raise ValueError(f"margin must be ≥ 0, got {margin}")
    scale = size / (1.0 + 2.0 * margin)
    shift = margin * scale
    cols = (positions[..., 0] * scale + shift + 0.5).astype(np.int64)
    rows = ((size + 0.5) - (positions[..., 1] * scale + shift)).astype(np.int64)
    return rows, cols


def _colour_bytes(colour: str) -> np.ndarray:
    """(3,) float64 RGB in 0..255, rounded to whole levels as Agg stores them."""
    return np.round(np.asarray(to_rgb(colour)) * WHITE)


def _b_indicator(types: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Types checked by :func:`type_indicator` as a bool array of ``shape`` (True for B).

    Integer types whose values all fit in a byte are first narrowed to uint8 (lossless), which
    makes the check 2–4 × faster.
    """
    types = np.asarray(types)
    if types.dtype.kind in "iu" and types.dtype.itemsize > 1 and types.size and 0 <= types.min() and types.max() <= 255:
        types = types.astype(np.uint8)
    is_b = type_indicator(types).astype(bool)
    try:
        return np.broadcast_to(is_b, shape)
    except ValueError:
        raise ConfigurationError(f"types of shape {is_b.shape} do not match positions of shape {shape + (2,)}") from None


class _Painter(NamedTuple):
    """What every image of one fast-rendering call shares.

    Attributes
    ----------
    size : int, image side, pixels.
    margin : float, white band around the unit square, box lengths.
    row_offsets, col_offsets : (K,) int64, stamp pixel offsets from the centre pixel.
    slot_offsets : (K,) int64, the same offsets in the flat (size·size·3,) accumulator.
    reach : int, largest stamp offset, pixels.
    clear : (K,) float32, ``1 − coverage`` of each stamp pixel.
    colour_matrix : (3, 3) float32, maps a pixel's ``(T_B, T_A·T_B, 1)`` to its RGB levels + 1/2:
        rows ``c_A − c_B``, ``white − c_A`` and ``c_B + 1/2``.
    """

    size: int
    margin: float
    row_offsets: np.ndarray
    col_offsets: np.ndarray
    slot_offsets: np.ndarray
    reach: int
    clear: np.ndarray
    colour_matrix: np.ndarray


@functools.lru_cache(maxsize=16)
def _painter(radius_px: float, size: int, margin: float) -> _Painter:
    """The constants of the fast renderer (read-only arrays).

    Memoised: they depend on the arguments only, and computing them costs a tenth of a rendering.
    """
    stamp = dot_stamp(radius_px)
    rgb_a, rgb_b = _colour_bytes(COLOUR_A), _colour_bytes(COLOUR_B)
    reach = int(max(np.abs(stamp.row_offsets).max(), np.abs(stamp.col_offsets).max()))
    colour_matrix = np.stack([rgb_a - rgb_b, WHITE - rgb_a, rgb_b + 0.5]).astype(np.float32)
    painter = _Painter(
        size,
        margin,
        stamp.row_offsets,
        stamp.col_offsets,
        3 * (stamp.row_offsets * size + stamp.col_offsets),
        reach,
        (1.0 - stamp.coverage).astype(np.float32),
        colour_matrix,
    )
    for array in painter:
        if isinstance(array, np.ndarray):
            array.flags.writeable = False
    return painter


def _stamp_slots(centres: np.ndarray, painter: _Painter, slot: int) -> tuple[np.ndarray, np.ndarray]:
    """Accumulator slots and transmissions of every (stamp pixel, dot) pair that lands on the image.

    Parameters
    ----------
    centres : (2, N) int64, row and column of every dot's centre pixel.
    painter : _Painter with K stamp pixels.
    slot : int, which of a pixel's three accumulator slots to address (0: T_B, 1: T_A·T_B).

    Returns
    -------
    slots : (M,) int64, index into the flat (size·size·3,) accumulator; M = K·N inside the image.
    clear : (M,) float32, ``1 − coverage`` of each pair.
    """
    size, reach = painter.size, painter.reach
    rows, cols = centres
    slots = (painter.slot_offsets[:, None] + (3 * (rows * size + cols) + slot)).ravel()  # stamp-major
    clear = np.repeat(painter.clear, rows.size)
    if rows.size == 0 or (centres.min() >= reach and centres.max() < size - reach):
        return slots, clear  # every stamp lies wholly inside the image
    r = (painter.row_offsets[:, None] + rows).ravel()
    c = (painter.col_offsets[:, None] + cols).ravel()
    on_image = (r >= 0) & (r < size) & (c >= 0) & (c < size)
    return slots[on_image], clear[on_image]


def _paint(wrapped: np.ndarray, is_b: np.ndarray, painter: _Painter, transmission: np.ndarray, colour: np.ndarray, out: np.ndarray) -> None:
    """Draw one image's dots, A then B, into ``out``.

    Parameters
    ----------
    wrapped : (N, 2) scaled coordinates in [0, 1).
    is_b : (N,) bool, B dots.
    painter : _Painter.
    transmission : (size², 3) float32 scratch space for the accumulator: per pixel ``T_B``,
        ``T_A·T_B`` and a constant 1, where ``T_X = Π (1 − coverage)`` over the X dots covering
        the pixel.
    colour : (L, 3) float32 scratch space; the image is coloured L pixels at a time.
    out : (size², 3) uint8, the image, overwritten.

    Notes
    -----
    Painting A over white and then B over that gives
    ``c_B + T_B · (c_A − c_B) + T_A·T_B · (white − c_A)`` — linear in ``(T_B, T_A·T_B, 1)``, so the
    whole image is one (size², 3) × (3, 3) matrix product; + 1/2 in the constant row makes the
    truncating cast to uint8 round. Every dot multiplies ``T_A·T_B``; B dots also ``T_B``.
    """
    centres = np.stack(pixel_centres(wrapped, painter.size, painter.margin))  # (2, N): rows, cols
    transmission.fill(1.0)
    flat = transmission.reshape(-1)
    np.multiply.at(flat, *_stamp_slots(centres, painter, slot=1))
    np.multiply.at(flat, *_stamp_slots(centres[:, is_b], painter, slot=0))
    block = colour.shape[0]
    for start in range(0, transmission.shape[0], block):  # a few blocks: small scratch memory
        stop = min(start + block, transmission.shape[0])
        np.matmul(transmission[start:stop], painter.colour_matrix, out=colour[: stop - start])
        np.copyto(out[start:stop], colour[: stop - start], casting="unsafe")  # truncates; values in [0.5, 255.5]


def _render(
    positions: np.ndarray, types: np.ndarray, size: int, dpi: float, dot_size_pt: float, margin: float, radius_px: float | None
) -> np.ndarray:
    """Fast rendering of positions (B, N, 2) and types (N,) or (B, N) → (B, size, size, 3) uint8.

    The loop runs over images, never particles. Per image, the positions go through
    :func:`wrap_scaled` as a Fortran-ordered copy (its per-particle reductions then run along the
    long axis: measured 1.6 × faster), and one accumulator is reused, which keeps it in the CPU
    cache and avoids fresh memory pages per image (one bincount over a whole batch measured
    several times slower).
    """
    positions = np.asarray(positions)
    if positions.ndim != 3 or positions.shape[-1] != 2:
        raise ConfigurationError(f"positions must have shape (B, N, 2), got {positions.shape}")
    is_b = _b_indicator(types, positions.shape[:2])
    radius = dot_radius_px(dot_size_pt, dpi) if radius_px is None else radius_px
    painter = _painter(float(radius), int(size), float(margin))
    transmission = np.empty((size * size, 3), dtype=np.float32)
    colour = np.empty((min(size * size, COLOUR_BLOCK), 3), dtype=np.float32)
    images = np.empty((positions.shape[0], size * size, 3), dtype=np.uint8)
    for image, image_positions, image_is_b in zip(images, positions, is_b):
        wrapped = wrap_scaled(np.asfortranarray(image_positions))
        _paint(wrapped, image_is_b, painter, transmission, colour, image)
    return images.reshape(-1, size, size, 3)


def render_fast(
    positions: np.ndarray,
    types: np.ndarray,
    size: int = IMAGE_SIZE,
    dpi: float = DPI,
    dot_size_pt: float = DOT_SIZE_PT,
    margin: float = MARGIN,
    radius_px: float | None = None,
) -> np.ndarray:
    """Vectorised numpy rendering of one configuration, same geometry as :func:`render_matplotlib`.

    Every dot is snapped to its pixel centre (:func:`pixel_centres`) and a precomputed disc
    (:func:`dot_stamp`) is stamped there by fancy indexing (``np.multiply.at`` of its
    transmissions into a per-pixel accumulator), A dots first, B on top; no loop over particles.

    Parameters
    ----------
    positions : (N, 2)
        Scaled coordinates (box lengths); wrapped into [0, 1) by
        :func:`glasslib.system.wrap_scaled`.
    types : (N,)
        LAMMPS types, 1 (A) or 2 (B).
    size, dpi, dot_size_pt, margin
        As in :func:`render_matplotlib`.
    radius_px : float, optional
        Dot radius in pixels; default ``dot_size_pt · dpi / 144`` (see :func:`fit_dot_radius`).

    Returns
    -------
    (size, size, 3) uint8 RGB image, row 0 at the top.

    Raises
    ------
    ConfigurationError
        Non-finite positions, positions beyond the wrap tolerance, unknown types, or shapes that
        do not match.
    """
    positions, types = np.asarray(positions), np.asarray(types)
    if positions.ndim != 2:
        raise ConfigurationError(f"render_fast draws one configuration (N, 2), got {positions.shape}; use render_batch")
    return _render(positions[None], types[None], size, dpi, dot_size_pt, margin, radius_px)[0]


def render_batch(
    positions: np.ndarray,
    types: np.ndarray,
    size: int = IMAGE_SIZE,
    dpi: float = DPI,
    dot_size_pt: float = DOT_SIZE_PT,
    margin: float = MARGIN,
    radius_px: float | None = None,
) -> np.ndarray:
    """Fast rendering of a batch of configurations (what the data pipeline calls).

    Vectorised over particles; a plain loop over images reuses one accumulator (see
    :func:`render_fast` for the method).

    Parameters
    ----------
    positions : (B, N, 2)
        Scaled coordinates (box lengths), each wrapped into [0, 1).
    types : (N,) or (B, N)
        LAMMPS types, 1 (A) or 2 (B); a single (N,) row is shared by every image.
    size, dpi, dot_size_pt, margin, radius_px
        As in :func:`render_fast`.

    Returns
    -------
    (B, size, size, 3) uint8 RGB images, equal to :func:`render_fast` applied to each image.

    Raises
    ------
    ConfigurationError
        Non-finite positions, positions beyond the wrap tolerance, unknown types, or shapes that
        do not match.
    """
    return _render(positions, types, size, dpi, dot_size_pt, margin, radius_px)


def random_configurations(n_images: int, n_particles: int, fraction_a: float = 0.65, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random scaled positions and shuffled types, as stand-ins for configurations.

    Returns
    -------
    positions : (n_images, n_particles, 2) in [0, 1); types : (n_images, n_particles) LAMMPS types
    with ``round(fraction_a · n_particles)`` A particles per image.
    """
    rng = np.random.default_rng(seed)
    positions = rng.random((n_images, n_particles, 2))
    n_a = int(round(fraction_a * n_particles))
    base = np.where(np.arange(n_particles) < n_a, TYPE_A, TYPE_B)
    types = rng.permuted(np.broadcast_to(base, (n_images, n_particles)), axis=1)
    return positions, types
