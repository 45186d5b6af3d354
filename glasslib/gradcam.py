"""Grad-CAM on the CNN, per-particle scores, local order and short-time mobility (book chapter 04b).

Beyond the paper: the companion study of SPEC section 9 (Oyama, Koyama and Kawasaki, Front. Phys.
10, 1007861, 2023). Gradient-weighted Class Activation Mapping (Selvaraju et al. 2017) shows which
regions of a rendered configuration drive the CNN's glass/liquid decision; read at every
particle's pixel it gives a per-particle score, which the chapter correlates with classical local
order indicators and with how far each particle moves in a short continuation run.

Pieces
------
- :func:`grad_cam` — maps (B, S, S) on the input image grid; :func:`normalise_maps` scales each
  map to [0, 1].
- :func:`particle_scores` — the map read at each particle's dot (the renderer's pixel mapping).
- :func:`local_density`, :func:`bond_orientational_order` (|ψ_5|, |ψ_6|), :func:`five_fold_motifs`
  — per-particle local order, periodic, vectorised with scipy's KD-tree (no loop over particles).
- :func:`continuation_displacements` — |Δr| of every particle after a short NVT run in LAMMPS.
- :func:`correlation_with_ci` — Pearson and Spearman correlations with a 95 % interval and a
  plain-words strength, so the book says so when a correlation is weak.

Grad-CAM, as computed here
--------------------------
For images x and a class c, with A = (B, h, w, K) the output of the chosen convolution (after its
ReLU; default the network's last ``Conv2D``, ``conv2``) and y_c the class score (the pre-softmax
logit of the output layer when the model ends in a softmax ``Dense`` or ``Activation``, else the
model's output c):

    α_k = mean_{i,j} ∂y_c/∂A_{ijk},        map = ReLU(Σ_k α_k A_k)      (B, h, w)

The (h, w) map is brought onto the (S, S) input grid by bilinear interpolation. Two ways:

``alignment="receptive_field"`` (default)
    Each cell (i, j) of a stride-1 convolution stack is placed at the centre of its receptive
    field, input pixel (i + o, j + o) with o = Σ (k − 1)/2 over the ``valid`` convolutions up to
    the chosen layer (o = 4.5 + 2 = 6.5 px for the paper's 10 × 10 and 5 × 5 kernels), and the
    map is extended with its edge values over the ``o``-pixel border no cell is centred on. This
    keeps the map registered with the dots, which matters when it is read per particle.
``alignment="stretch"``
    ``tf.image.resize(..., "bilinear")`` of the (h, w) map to (S, S) — the usual Grad-CAM
    practice. It stretches a 237-cell map over 250 px, misplacing the map by up to ≈ 6.5 px
    (≈ 1.5 σ at paper scale) near the image edges.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Literal, NamedTuple

import numpy as np
from scipy import stats
from scipy.spatial import Delaunay, cKDTree

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported: quiet C++ logs

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from glasslib.configuration import wrap_scaled  # noqa: E402
from glasslib.lammps_env import import_lammps  # noqa: E402
from glasslib.models.cnn import check_images  # noqa: E402
from glasslib.render import MARGIN, pixel_centres  # noqa: E402
from glasslib.sim import TYPE_A, TYPE_B, Protocol, start_run  # noqa: E402

__all__ = [
    "GradCAMError", "grad_cam", "normalise_maps", "particle_scores", "local_density",
    "bond_orientational_order", "FiveFoldMotifs", "five_fold_motifs", "continuation_displacements",
    "correlation_with_ci", "correlation_strength",
]

#: Neighbour cut-off of ψ_m, σ: the first minimum of g_AA in 2D Kob–Andersen lies near 1.4 σ.
BOND_CUTOFF = 1.4
#: Radius of the local-density disc, σ: the first coordination shell and a bit of the second.
DENSITY_RADIUS = 1.5
#: A–B distance that closes the first g_AB shell, σ (peak ≈ 0.86 σ, first minimum ≈ 1.2 σ).
MOTIF_CUTOFF = 1.2
#: A five-fold motif: a B particle with exactly this many A neighbours within ``MOTIF_CUTOFF``.
MOTIF_SIZE = 5
#: Bootstrap resamples processed together in :func:`correlation_with_ci` (bounds memory: ≈ this many
#: resample × observation float64 cells per array).
BOOTSTRAP_CELLS = 2_000_000


class GradCAMError(ValueError):
    """A model, layer or input that Grad-CAM or the per-particle analysis cannot use."""


# --------------------------------------------------------------------------- Grad-CAM
def _last_conv_layer(model: keras.Model) -> keras.layers.Layer:
    """The model's last ``Conv2D`` layer (``conv2`` of :func:`glasslib.models.cnn.build_cnn`)."""
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if not convolutions:
        raise GradCAMError(f"model {model.name} has no Conv2D layer; pass layer= explicitly")
    return convolutions[-1]


def _target_layer(model: keras.Model, layer: str | keras.layers.Layer | None) -> keras.layers.Layer:
    """Resolve ``layer`` (None, a name or a layer of the model) to a layer with a 4-D output."""
    if layer is None:
        return _last_conv_layer(model)
    if isinstance(layer, str):
        try:
            layer = model.get_layer(layer)
        except ValueError:
            names = [item.name for item in model.layers]
            raise GradCAMError(f"model {model.name} has no layer {layer!r}; its layers: {names}") from None
    if len(layer.output.shape) != 4:
        raise GradCAMError(f"layer {layer.name} has output shape {layer.output.shape}; Grad-CAM needs a "
                           "convolutional (B, h, w, channels) output")
    return layer


def _is_softmax(function: Any) -> bool:
    return getattr(function, "__name__", "") == "softmax"


def _score_tensor(model: keras.Model, use_logit: bool) -> tuple[Any, Any]:
    """The symbolic tensor the class scores are computed from, and the function that computes them.

    With ``use_logit`` and a model ending in a softmax ``Dense`` (or a softmax ``Activation``
    layer), that is the final layer's input and the scores are its pre-softmax logits; otherwise
    the model's output itself.
    """
    head = model.layers[-1]
    if use_logit and isinstance(head, keras.layers.Dense) and _is_softmax(head.activation):
        def logits(x: tf.Tensor) -> tf.Tensor:
            z = tf.linalg.matmul(x, head.kernel)
            return z + head.bias if head.use_bias else z
        return head.input, logits
    if use_logit and isinstance(head, keras.layers.Activation) and _is_softmax(head.activation):
        return head.input, tf.identity
    return model.output, tf.identity


def _receptive_offset(model: keras.Model, target: keras.layers.Layer) -> float:
    """Input pixel (minus the output index) on which the target layer's cells are centred.

    Stride-1 ``Conv2D`` layers add (k_eff − 1)/2 each (``valid``), or the half pixel by which
    TensorFlow's ``same`` padding shifts an even kernel; layers that keep the spatial shape add
    nothing. Anything else (strides, pooling, cropping) cannot be aligned this way.
    """
    offset = 0.0
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Conv2D):
            strides, dilation = tuple(layer.strides), tuple(layer.dilation_rate)
            kernel = (int(layer.kernel_size[0]) - 1) * dilation[0] + 1
            if strides != (1, 1) or tuple(layer.kernel_size) != (layer.kernel_size[0],) * 2 \
                    or dilation[0] != dilation[1]:
                raise GradCAMError(f"layer {layer.name}: only square stride-1 convolutions can be aligned; "
                                   "use alignment='stretch'")
            offset += (kernel - 1) / 2 if layer.padding == "valid" else (kernel - 1) / 2 - (kernel - 1) // 2
        elif tuple(layer.input.shape[1:3]) != tuple(layer.output.shape[1:3]):
            raise GradCAMError(f"layer {layer.name} changes the spatial shape; use alignment='stretch'")
        if layer is target:
            return offset
    raise GradCAMError(f"layer {target.name} is not a layer of model {model.name}")


def _alignment_matrix(size: int, cells: int, offset: float) -> np.ndarray:
    """(size, cells) linear-interpolation weights: input pixel u reads cell u − offset (clamped)."""
    t = np.clip(np.arange(size) - offset, 0.0, cells - 1)
    low = np.floor(t).astype(np.int64)
    high = np.minimum(low + 1, cells - 1)
    fraction = t - low
    matrix = np.zeros((size, cells))
    np.add.at(matrix, (np.arange(size), low), 1.0 - fraction)
    np.add.at(matrix, (np.arange(size), high), fraction)
    return matrix


def _upsample(cam: np.ndarray, size: int, offset: float | None) -> np.ndarray:
    """(B, h, w) maps onto the (B, size, size) input grid (``offset`` None: stretch with tf.image.resize)."""
    if offset is None:
        return tf.image.resize(cam[..., None], (size, size), method="bilinear").numpy()[..., 0].astype(np.float64)
    rows = _alignment_matrix(size, cam.shape[1], offset)
    cols = _alignment_matrix(size, cam.shape[2], offset)
    return rows @ cam.astype(np.float64) @ cols.T  # (S, h) @ (B, h, w) @ (w, S): two small matrix products


def _coarse_maps(cam_model: keras.Model, score: Any, images: np.ndarray, class_index: int) -> np.ndarray:
    """ReLU(Σ_k α_k A_k) on the layer's own (h, w) grid for one chunk of uint8 images."""
    x = tf.cast(images, tf.float32) / 255.0
    with tf.GradientTape() as tape:
        tape.watch(x)  # record the whole forward pass, frozen (non-trainable) weights included
        activations, head_input = cam_model(x, training=False)
        class_score = score(head_input)[:, class_index]
    gradients = tape.gradient(class_score, activations)  # each image's score depends on its own A only
    alpha = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)  # (B, 1, 1, K)
    return tf.nn.relu(tf.reduce_sum(alpha * activations, axis=-1)).numpy()


def grad_cam(model: keras.Model, images: np.ndarray, class_index: int = 1,
             layer: str | keras.layers.Layer | None = None, *, use_logit: bool = True,
             alignment: Literal["receptive_field", "stretch"] = "receptive_field",
             batch_size: int = 16) -> np.ndarray:
    """Grad-CAM maps of rendered configurations (chapter 04b; method in the module docstring).

    Parameters
    ----------
    model : keras.Model
        A network of :mod:`glasslib.models.cnn` (or any Keras model taking (B, S, S, 3) float
        images in [0, 1]); dropout is off (``training=False``).
    images : (B, S, S, 3) uint8
        As :func:`glasslib.render.render_batch` makes them; checked by
        :func:`glasslib.models.cnn.check_images`.
    class_index : int
        Class whose evidence is mapped: 1 = glass (default), 0 = liquid.
    layer : str, layer or None
        Convolution whose activations are weighted; default the model's last ``Conv2D``.
    use_logit : bool
        Differentiate the pre-softmax logit when the model ends in a softmax (default); False,
        or a model without an accessible logit, uses the model's output ``class_index``.
    alignment : ``"receptive_field"`` (default) or ``"stretch"``
        How the (h, w) map is placed on the (S, S) image grid; see the module docstring.
    batch_size : int
        Images per gradient evaluation (bounds memory).

    Returns
    -------
    (B, S, S) float64 ≥ 0, un-normalised (units of the class score per unit activation);
    :func:`normalise_maps` scales each to [0, 1].

    Raises
    ------
    ImageError
        Images of the wrong dtype or shape.
    GradCAMError
        An unknown layer or class, a layer without a 4-D output, or a model that cannot be aligned.
    """
    size = int(model.input_shape[1])
    images = check_images(images, size)
    n_classes = int(model.output_shape[-1])
    if not 0 <= int(class_index) < n_classes:
        raise GradCAMError(f"class_index must lie in [0, {n_classes - 1}], got {class_index}")
    if alignment not in ("receptive_field", "stretch"):
        raise GradCAMError(f"alignment must be 'receptive_field' or 'stretch', got {alignment!r}")
    if batch_size < 1:
        raise GradCAMError(f"batch_size must be ≥ 1, got {batch_size}")
    target = _target_layer(model, layer)
    offset = _receptive_offset(model, target) if alignment == "receptive_field" else None
    head_input, score = _score_tensor(model, use_logit)
    cam_model = keras.Model(model.inputs, [target.output, head_input])
    maps = [_upsample(_coarse_maps(cam_model, score, images[start:start + batch_size], int(class_index)),
                      size, offset) for start in range(0, len(images), batch_size)]
    return np.concatenate(maps)


def normalise_maps(maps: np.ndarray) -> np.ndarray:
    """Each map divided by its own maximum, so it spans [0, 1] (Grad-CAM maps are ≥ 0).

    Parameters
    ----------
    maps : (B, H, W) non-negative.

    Returns
    -------
    (B, H, W) float64 in [0, 1]; a map that is zero everywhere (no evidence for the class) stays zero.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise GradCAMError(f"maps must have shape (B, H, W), got {maps.shape}")
    peak = maps.max(axis=(1, 2), keepdims=True)
    return np.divide(maps, peak, out=np.zeros_like(maps), where=peak > 0)


# --------------------------------------------------------------------------- per particle
def particle_scores(maps: np.ndarray, positions: np.ndarray, size: int | None = None, margin: float = MARGIN,
                    half_width: int = 1) -> np.ndarray:
    """Each particle's Grad-CAM score: the map averaged over its dot's pixel neighbourhood.

    The pixel is the one the renderer centres the particle's dot on
    (:func:`glasslib.render.pixel_centres`); the score is the mean over the (2 h + 1)² pixels
    around it (h = ``half_width``; default 1, a 3 × 3 block: the dot's pixel and the faint
    fringe of a 1 pt dot, ±0.24 σ at paper scale, well inside the particle's own ≈ 1 σ
    neighbourhood), pixels off the image left out. ``half_width=0`` reads the single pixel.

    Parameters
    ----------
    maps : (B, S, S)
        Maps on the image grid (:func:`grad_cam`, optionally normalised).
    positions : (B, N, 2) or (N, 2)
        Scaled coordinates (as in :class:`glasslib.datasets.Dataset`); (N, 2) is used for every map.
    size : int, optional
        Image side the positions were rendered at; must equal the maps' side (default: that side).
    margin : float
        The renderer's white margin, box lengths (default :data:`glasslib.render.MARGIN`).
    half_width : int
        Half side of the averaging block, pixels (≥ 0).

    Returns
    -------
    (B, N) float64.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3 or maps.shape[1] != maps.shape[2]:
        raise GradCAMError(f"maps must have shape (B, S, S), got {maps.shape}")
    side = maps.shape[1]
    if size is not None and int(size) != side:
        raise GradCAMError(f"maps are {side} px wide but size={size} was given")
    if half_width < 0:
        raise GradCAMError(f"half_width must be ≥ 0, got {half_width}")
    positions = wrap_scaled(positions)
    positions = np.broadcast_to(positions, (len(maps), *positions.shape[-2:])) if positions.ndim == 2 else positions
    if positions.shape[0] != len(maps):
        raise GradCAMError(f"{positions.shape[0]} configurations for {len(maps)} maps")
    rows, cols = pixel_centres(positions, side, margin)  # (B, N)
    steps = np.arange(-half_width, half_width + 1)
    r = rows[..., None, None] + steps[:, None]  # (B, N, k, 1)
    c = cols[..., None, None] + steps[None, :]  # (B, N, 1, k)
    inside = (r >= 0) & (r < side) & (c >= 0) & (c < side)  # (B, N, k, k)
    batch = np.arange(len(maps))[:, None, None, None]
    values = maps[batch, np.clip(r, 0, side - 1), np.clip(c, 0, side - 1)]
    return (values * inside).sum(axis=(-2, -1)) / inside.sum(axis=(-2, -1))


# --------------------------------------------------------------------------- local order
def _periodic_positions(positions_sigma: np.ndarray, box_length: float, cutoff: float) -> np.ndarray:
    """(N, 2) float64 positions wrapped into [0, L), checked; ``cutoff`` must be below L/2."""
    positions = np.asarray(positions_sigma, dtype=np.float64)
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise GradCAMError(f"positions must have shape (N, 2) in σ, got {positions.shape}")
    if not np.all(np.isfinite(positions)):
        raise GradCAMError("positions must be finite")
    if not box_length > 0:
        raise GradCAMError(f"box_length must be positive, got {box_length}")
    if not 0 < cutoff < box_length / 2:
        raise GradCAMError(f"the cut-off {cutoff} σ must lie in (0, L/2 = {box_length / 2:.3g} σ)")
    wrapped = np.mod(positions, box_length)
    wrapped[wrapped >= box_length] = 0.0  # mod can round up to exactly box_length
    return wrapped


def _bond_vectors(positions: np.ndarray, box_length: float, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Minimum-image vectors from particle i to particle j, (M, 2), σ."""
    delta = positions[j] - positions[i]
    return delta - box_length * np.round(delta / box_length)


def _cutoff_pairs(positions: np.ndarray, box_length: float, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """Unordered pairs (i < j) closer than ``cutoff`` (periodic KD-tree)."""
    pairs = cKDTree(positions, boxsize=box_length).query_pairs(cutoff, output_type="ndarray")
    return pairs[:, 0], pairs[:, 1]


def _voronoi_pairs(positions: np.ndarray, box_length: float) -> tuple[np.ndarray, np.ndarray]:
    """Unordered Voronoi-neighbour pairs: Delaunay edges of the configuration and its 8 periodic images."""
    n = len(positions)
    shifts = box_length * np.array([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1)], dtype=np.float64)
    images = (positions[None] + shifts[:, None]).reshape(-1, 2)
    simplices = Delaunay(images).simplices
    edges = np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]]])
    central = (edges // n == 4).any(axis=1)  # edges touching the original copy (image index 4)
    edges = np.sort(edges[central] % n, axis=1)
    edges = np.unique(edges[edges[:, 0] != edges[:, 1]], axis=0)
    return edges[:, 0], edges[:, 1]


def local_density(positions_sigma: np.ndarray, box_length: float, radius: float = DENSITY_RADIUS) -> np.ndarray:
    """Number of other particles within ``radius`` of each particle, per unit area (chapter 04b).

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ (wrapped into the periodic box here).
    box_length : side of the square periodic box, σ.
    radius : disc radius, σ (default 1.5 σ; < L/2). Distances ≤ radius count; the particle itself does not.

    Returns
    -------
    (N,) float64, particles per σ²: count / (π radius²).
    """
    positions = _periodic_positions(positions_sigma, box_length, radius)
    tree = cKDTree(positions, boxsize=box_length)
    counts = tree.query_ball_point(positions, radius, return_length=True) - 1
    return counts / (np.pi * radius**2)


def bond_orientational_order(positions_sigma: np.ndarray, box_length: float, m: int,
                             neighbours: float | Literal["voronoi"] = BOND_CUTOFF) -> np.ndarray:
    """|ψ_m| of every particle: ψ_m(k) = (1/n_k) Σ_j exp(i m θ_jk) over its n_k neighbours (chapter 04b).

    θ_jk is the angle of the bond from k to j with the x axis. m = 6 measures hexagonal
    (crystal-like) order, m = 5 five-fold (icosahedral-like, glass-forming) order.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ.
    box_length : side of the square periodic box, σ.
    m : int ≥ 1, the symmetry order.
    neighbours : float or ``"voronoi"``
        A distance cut-off in σ (default 1.4 σ, the first minimum of g_AA, all pairs regardless of
        type), or ``"voronoi"``: the particles sharing a Voronoi edge (Delaunay neighbours of the
        periodic configuration; no parameter, but unweighted, so short Voronoi edges count fully).

    Returns
    -------
    (N,) float64 in [0, 1]; NaN for a particle with no neighbour.
    """
    if int(m) != m or m < 1:
        raise GradCAMError(f"m must be a positive integer, got {m}")
    if isinstance(neighbours, str):
        if neighbours != "voronoi":
            raise GradCAMError(f"neighbours must be a cut-off in σ or 'voronoi', got {neighbours!r}")
        positions = _periodic_positions(positions_sigma, box_length, box_length / 4)
        i, j = _voronoi_pairs(positions, box_length)
    else:
        positions = _periodic_positions(positions_sigma, box_length, float(neighbours))
        i, j = _cutoff_pairs(positions, box_length, float(neighbours))
    bond = _bond_vectors(positions, box_length, i, j)
    phase = np.exp(1j * m * np.arctan2(bond[:, 1], bond[:, 0]))  # bond i → j; j → i adds m π
    n = len(positions)
    total = np.bincount(i, phase.real, n) + 1j * np.bincount(i, phase.imag, n)
    total += (-1) ** int(m) * (np.bincount(j, phase.real, n) + 1j * np.bincount(j, phase.imag, n))
    count = np.bincount(i, minlength=n) + np.bincount(j, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.abs(total) / count, np.nan)


class FiveFoldMotifs(NamedTuple):
    """Five-fold motifs of one configuration.

    Attributes
    ----------
    centres : (N,) bool — B particles ringed by exactly five A particles (False for every A).
    membership : (N,) int64 — motifs each particle belongs to: 1 for a centre, the number of
        centres within the cut-off for an A particle, 0 otherwise.
    """

    centres: np.ndarray
    membership: np.ndarray


def five_fold_motifs(positions_sigma: np.ndarray, types: np.ndarray, box_length: float,
                     cutoff: float = MOTIF_CUTOFF) -> FiveFoldMotifs:
    """Find B particles ringed by five A particles — the paper's five-fold motif (chapter 04b).

    A B particle is a motif centre when exactly five A particles lie within ``cutoff`` of it
    (default 1.2 σ, the first minimum of g_AB, which closes the first A shell around a B at
    ≈ 0.86 σ). B neighbours of the centre are not counted, and the five A are not required to be
    evenly spaced in angle.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ.
    types : (N,) LAMMPS types, 1 = A and 2 = B.
    box_length : side of the square periodic box, σ.
    cutoff : A–B distance, σ.

    Returns
    -------
    FiveFoldMotifs
    """
    positions = _periodic_positions(positions_sigma, box_length, cutoff)
    types = np.asarray(types)
    if types.shape != (len(positions),) or not np.isin(types, (TYPE_A, TYPE_B)).all():
        raise GradCAMError(f"types must be ({len(positions)},) LAMMPS types {TYPE_A} (A) or {TYPE_B} (B)")
    i, j = _cutoff_pairs(positions, box_length, cutoff)
    mixed = types[i] != types[j]
    b = np.where(types[i] == TYPE_B, i, j)[mixed]  # the B end of each A–B pair
    a = np.where(types[i] == TYPE_B, j, i)[mixed]
    n = len(positions)
    centres = (types == TYPE_B) & (np.bincount(b, minlength=n) == MOTIF_SIZE)
    membership = centres.astype(np.int64) + np.bincount(a[centres[b]], minlength=n)
    return FiveFoldMotifs(centres, membership)


# --------------------------------------------------------------------------- mobility
def _displacements_by_id(lmp: Any, compute_id: str) -> np.ndarray:
    """In-plane magnitudes of a ``displace/atom`` compute, ordered by atom id, σ."""
    lammps = import_lammps()
    nlocal = lmp.extract_global("nlocal")
    ids = np.asarray(lmp.numpy.extract_atom("id"))[:nlocal]
    values = np.asarray(lmp.numpy.extract_compute(compute_id, lammps.LMP_STYLE_ATOM, lammps.LMP_TYPE_ARRAY))
    out = np.empty(nlocal)
    out[ids - 1] = np.hypot(values[:nlocal, 0], values[:nlocal, 1])
    return out


def continuation_displacements(positions_sigma: np.ndarray, types: np.ndarray, protocol: Protocol,
                               temperature: float, steps: int, seed: int) -> np.ndarray:
    """How far each particle moves in a short NVT run started from the configuration (chapter 04b).

    The run is :func:`glasslib.sim.start_run` with the protocol's ramp held at ``temperature``:
    fresh Gaussian velocities at ``temperature`` with zero total momentum from ``seed``, a
    Nosé–Hoover thermostat at constant ``temperature`` (damping ``protocol.thermostat_damping``),
    linear momentum zeroed every step, ``fix enforce2d``. Displacements come from LAMMPS'
    ``compute displace/atom`` (unwrapped through the image flags, so crossing the periodic boundary
    is not a jump). Cost ≈ N · steps; 1,000–5,000 steps for N ≈ 720 take seconds.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ, in the protocol's box (wrapped here).
    types : (N,) LAMMPS types.
    protocol : Protocol
        Physics of the run; ``protocol.n_particles`` must be N (it sets the box length).
    temperature : float
        Thermostat (and initial velocity) temperature, ε/k_B, > 0.
    steps : int
        MD steps of ``protocol.timestep`` τ.
    seed : int
        Velocity seed, positive.

    Returns
    -------
    (N,) float64 displacement magnitudes |r(t) − r(0)|, σ, ordered like the input.
    """
    types = np.asarray(types)
    positions = np.asarray(positions_sigma, dtype=np.float64)
    if positions.shape != (len(types), 2) or len(types) != protocol.n_particles:
        raise GradCAMError(f"positions {positions.shape} and types {types.shape} must be (N, 2) and (N,) with "
                           f"N = protocol.n_particles = {protocol.n_particles} (it sets the box length)")
    if not (np.isfinite(temperature) and temperature > 0) or int(steps) != steps or steps < 1 \
            or int(seed) != seed or seed < 1:
        raise GradCAMError(f"need temperature > 0, steps ≥ 1 and a positive integer seed; got {temperature}, "
                           f"{steps}, {seed}")
    positions = _periodic_positions(positions, protocol.box_length, protocol.box_length / 4)
    held = dataclasses.replace(protocol, t_start=float(temperature), t_end=float(temperature))
    lmp = start_run(held, positions, types, int(seed))
    try:
        lmp.commands_list(["compute displacement all displace/atom", f"run {int(steps)}"])
        return _displacements_by_id(lmp, "displacement")
    finally:
        lmp.close()


# --------------------------------------------------------------------------- statistics
def correlation_strength(rho: float) -> str:
    """Plain words for |ρ|: negligible (< 0.1), weak (< 0.3), moderate (< 0.5), strong (≥ 0.5)."""
    if not np.isfinite(rho):
        return "undefined"
    size = abs(rho)
    return "negligible" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def _tie_structure(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order, start (in sorted order) of each run of equal values, and each value's run index."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    new = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    run = np.empty(len(values), dtype=np.int64)
    run[order] = np.cumsum(new) - 1
    return order, np.flatnonzero(new), run


def _weighted_midranks(weights: np.ndarray, ties: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Mid-ranks of every observation in resamples given as (k, n) integer multiplicities."""
    order, starts, run = ties
    per_run = np.add.reduceat(weights[:, order], starts, axis=1)  # copies of each tied value, (k, runs)
    below = np.cumsum(per_run, axis=1) - per_run
    return (below + (per_run + 1) / 2)[:, run]


def _weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation of (k, n) x and y with (k, n) weights; NaN for a constant row."""
    total = weights.sum(axis=1, keepdims=True)
    dx = x - (weights * x).sum(axis=1, keepdims=True) / total
    dy = y - (weights * y).sum(axis=1, keepdims=True) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights * dx * dy).sum(axis=1) / np.sqrt((weights * dx**2).sum(axis=1) * (weights * dy**2).sum(axis=1))


def _bootstrap_spearman(x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_bootstrap: int,
                        rng: np.random.Generator) -> np.ndarray:
    """Spearman ρ of ``n_bootstrap`` resamples (with replacement) of the groups; (n_bootstrap,)."""
    ties_x, ties_y = _tie_structure(x), _tie_structure(y)
    _, group = np.unique(groups, return_inverse=True)
    n_groups = int(group.max()) + 1
    chunk = max(1, BOOTSTRAP_CELLS // len(x))
    rhos = []
    for start in range(0, n_bootstrap, chunk):
        draws = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=min(chunk, n_bootstrap - start))
        weights = draws[:, group].astype(np.float64)  # copies of each observation in each resample
        rhos.append(_weighted_pearson(_weighted_midranks(weights, ties_x), _weighted_midranks(weights, ties_y),
                                      weights))
    return np.concatenate(rhos)


def correlation_with_ci(x: np.ndarray, y: np.ndarray, n_bootstrap: int = 1000, seed: int = 0, *,
                        groups: np.ndarray | None = None, confidence: float = 0.95,
                        method: Literal["bootstrap", "fisher"] = "bootstrap") -> dict[str, Any]:
    """Pearson and Spearman correlation of two per-particle quantities, with an interval for Spearman's ρ.

    Pairs where either value is NaN or infinite are dropped first.

    Intervals (for Spearman's ρ)
    ----------------------------
    ``"bootstrap"`` (default): the percentile interval of ρ over ``n_bootstrap`` resamples with
    replacement — of the observations, or, with ``groups``, of whole groups (e.g. configurations:
    particles of one configuration are not independent, and resampling them one by one gives too
    narrow an interval). Ties get mid-ranks, as in :func:`scipy.stats.spearmanr`.
    ``"fisher"``: tanh(atanh ρ ± z / √(n − 3) · √1.06) (Fieller, Hartley and Pearson 1957), which
    assumes independent observations (no ``groups``).
    ``p_value`` is :func:`scipy.stats.spearmanr`'s (independent observations; optimistic for
    particles pooled from few configurations).

    Parameters
    ----------
    x, y : (n,) values.
    n_bootstrap : int — resamples of the bootstrap.
    seed : int — seed of the resampling.
    groups : (n,) labels, optional — resampling units of the bootstrap.
    confidence : float — coverage of the interval (0.95).
    method : ``"bootstrap"`` or ``"fisher"``.

    Returns
    -------
    dict with ``pearson``, ``pearson_p_value``, ``spearman``, ``p_value`` (Spearman's), ``ci_low``,
    ``ci_high`` (Spearman's ρ), ``n`` (pairs used), ``n_groups``, ``method``, ``strength``
    (:func:`correlation_strength` of ρ) and ``significant`` (the interval excludes 0). All
    statistics are NaN when x or y is constant.
    """
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise GradCAMError(f"x and y must have the same length, got {x.shape} and {y.shape}")
    groups = np.arange(len(x)) if groups is None else np.asarray(groups).ravel()
    if groups.shape != x.shape:
        raise GradCAMError(f"groups must have the length of x ({len(x)}), got {groups.shape}")
    if method not in ("bootstrap", "fisher") or (method == "fisher" and len(np.unique(groups)) != len(x)):
        raise GradCAMError(f"method must be 'bootstrap' or 'fisher' (the latter without groups), got {method!r}")
    if not 0 < confidence < 1 or n_bootstrap < 1:
        raise GradCAMError("confidence must lie in (0, 1) and n_bootstrap be ≥ 1")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y, groups = x[keep], y[keep], groups[keep]
    n = len(x)
    if n < 4:
        raise GradCAMError(f"need at least 4 finite pairs, got {n}")
    result: dict[str, Any] = {"n": n, "n_groups": len(np.unique(groups)), "method": method}
    nan = float("nan")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        result.update(pearson=nan, pearson_p_value=nan, spearman=nan, p_value=nan, ci_low=nan, ci_high=nan,
                      strength="undefined", significant=False)
        return result
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    rho = float(spearman.statistic)
    tail = (1 - confidence) / 2
    if method == "fisher":
        half = stats.norm.ppf(1 - tail) * np.sqrt(1.06 / (n - 3))
        low, high = np.tanh(np.arctanh(np.clip(rho, -0.999999, 0.999999)) + np.array([-half, half]))
    else:
        rhos = _bootstrap_spearman(x, y, groups, int(n_bootstrap), np.random.default_rng(seed))
        low, high = np.nanquantile(rhos, [tail, 1 - tail])
    result.update(pearson=float(pearson.statistic), pearson_p_value=float(pearson.pvalue), spearman=rho,
                  p_value=float(spearman.pvalue), ci_low=float(low), ci_high=float(high),
                  strength=correlation_strength(rho), significant=bool(low > 0 or high < 0))
    return result
