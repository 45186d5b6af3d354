"""Figures of chapters 04 and 04b: the CNN's feature maps and Grad-CAM maps."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def figure_feature_maps(panels: list[tuple[str, np.ndarray]], ncols: int = 6) -> Figure:
    """Grey-scale maps (e.g. a convolution's outputs) in a grid; ``panels`` holds (title, (H, W) array)."""
    nrows = int(np.ceil(len(panels) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.0 * ncols, 2.1 * nrows), constrained_layout=True, squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (title, image) in zip(axes.ravel(), panels):
        ax.imshow(image, cmap="gray_r", interpolation="nearest")
        ax.set_title(title, fontsize=8)
    return fig


def figure_gradcam(panels: list[tuple[str, np.ndarray, np.ndarray]]) -> Figure:
    """Rendered images with their Grad-CAM maps overlaid; ``panels`` holds (title, image (S, S, 3), map (S, S))."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 4.2), constrained_layout=True, squeeze=False)
    for ax, (title, image, heat) in zip(axes[0], panels):
        ax.imshow(image, interpolation="nearest")
        overlay = ax.imshow(heat / max(float(heat.max()), 1e-12), cmap="magma", alpha=0.55, vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("pixel")
        ax.set_ylabel("pixel")
    fig.colorbar(overlay, ax=axes[0, -1], shrink=0.8, label="Grad-CAM (normalised)")
    return fig
