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

from typing import Any, Literal

import keras
import numpy as np
import tensorflow as tf

from glasslib.data.render import MARGIN, pixel_centres
from glasslib.models.cnn.images import check_images
from glasslib.stats import AnalysisError
from glasslib.system import wrap_scaled


class GradCAMError(AnalysisError):
    """A model, layer or input that Grad-CAM or the per-particle analysis cannot use."""


def _last_conv_layer(model: keras.Model) -> keras.layers.Layer:
    """The model's last ``Conv2D`` layer (``conv2`` of :func:`glasslib.models.cnn.network.build_cnn`)."""
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
        raise GradCAMError(
            f"layer {layer.name} has output shape {layer.output.shape}; Grad-CAM needs a convolutional (B, h, w, channels) output"
        )
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
            if strides != (1, 1) or tuple(layer.kernel_size) != (layer.kernel_size[0],) * 2 or dilation[0] != dilation[1]:
                raise GradCAMError(f"layer {layer.name}: only square stride-1 convolutions can be aligned; use alignment='stretch'")
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


def grad_cam(
    model: keras.Model,
    images: np.ndarray,
    class_index: int = 1,
    layer: str | keras.layers.Layer | None = None,
    *,
    use_logit: bool = True,
    alignment: Literal["receptive_field", "stretch"] = "receptive_field",
    batch_size: int = 16,
) -> np.ndarray:
    """Grad-CAM maps of rendered configurations (chapter 04b; method in the module docstring).

    Parameters
    ----------
    model : keras.Model
        A network of :mod:`glasslib.models.cnn` (or any Keras model taking (B, S, S, 3) float
        images in [0, 1]); dropout is off (``training=False``).
    images : (B, S, S, 3) uint8
        As :func:`glasslib.data.render.render_batch` makes them; checked by
        :func:`glasslib.models.cnn.images.check_images`.
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
    maps = [
        _upsample(_coarse_maps(cam_model, score, images[start : start + batch_size], int(class_index)), size, offset)
        for start in range(0, len(images), batch_size)
    ]
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


def particle_scores(
    maps: np.ndarray, positions: np.ndarray, size: int | None = None, margin: float = MARGIN, half_width: int = 1
) -> np.ndarray:
    """Each particle's Grad-CAM score: the map averaged over its dot's pixel neighbourhood.

    The pixel is the one the renderer centres the particle's dot on
    (:func:`glasslib.data.render.pixel_centres`); the score is the mean over the (2 h + 1)² pixels
    around it (h = ``half_width``; default 1, a 3 × 3 block: the dot's pixel and the faint
    fringe of a 1 pt dot, ±0.24 σ at paper scale, well inside the particle's own ≈ 1 σ
    neighbourhood), pixels off the image left out. ``half_width=0`` reads the single pixel.

    Parameters
    ----------
    maps : (B, S, S)
        Maps on the image grid (:func:`grad_cam`, optionally normalised).
    positions : (B, N, 2) or (N, 2)
        Scaled coordinates (as in :class:`glasslib.data.datasets.Dataset`); (N, 2) is used for every map.
    size : int, optional
        Image side the positions were rendered at; must equal the maps' side (default: that side).
    margin : float
        The renderer's white margin, box lengths (default :data:`glasslib.data.render.MARGIN`).
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
