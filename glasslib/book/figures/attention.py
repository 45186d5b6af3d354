"""Drawing an attention graph: every connection a line as wide as its larger directed weight (chapter 06)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from glasslib.book.figures.palette import COLOUR_A, COLOUR_B
from glasslib.interpretation.attention import AttentionGraph
from glasslib.interpretation.attention_cutoff import cutoff_of

if TYPE_CHECKING:  # torch, networkx and matplotlib load when used
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


#: Colours of :func:`draw_attention` beyond the particle colours (Okabe–Ito).
COLOUR_LOW = "0.72"


COLOUR_HIGH = "black"


COLOUR_BB = "#009E73"


def draw_attention(
    ax: Axes,
    graph: AttentionGraph,
    cutoff: float,
    highlight_isolated: bool = True,
    highlight_bb: bool = True,
    max_width: float = 4.0,
    dot_size: float = 14.0,
    legend: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw one window's attention in the style of the paper's Fig. 8.

    Every connected pair is joined by a thin grey hairline and a line whose width is proportional
    to the larger of its two directed weights (``max_width`` points for the window's largest);
    connections above ``cutoff`` are black, or green (:data:`COLOUR_BB`) when they join two B
    particles and ``highlight_bb``. A particles orange, B blue; with ``highlight_isolated`` the A
    particles touching no high-attention connection are ringed in black.

    Parameters
    ----------
    ax : matplotlib Axes
    graph : AttentionGraph
    cutoff : float — high attention above it (strictly).
    title : str, optional — default: class, configuration and the model's glass probability.

    Returns
    -------
    The Axes.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    xy, pairs, weights = graph.positions, graph.pairs, graph.weights
    is_b = graph.types == 1
    high = weights > cutoff
    bb = high & is_b[pairs[:, 0]] & is_b[pairs[:, 1]] if pairs.size else np.zeros(0, dtype=bool)
    segments = np.stack([xy[pairs[:, 0]], xy[pairs[:, 1]]], axis=1) if pairs.size else np.zeros((0, 2, 2))
    scale = max_width / weights.max() if weights.size and weights.max() > 0 else 0.0
    colours = np.where(high, COLOUR_HIGH, COLOUR_LOW).astype(object)
    if highlight_bb:
        colours[bb] = COLOUR_BB
    ax.add_collection(LineCollection(segments, colors="0.85", linewidths=0.4, zorder=1))
    order = np.argsort(high, kind="stable")  # high-attention lines on top of the others
    ax.add_collection(
        LineCollection(segments[order], colors=list(colours[order]), linewidths=weights[order] * scale, zorder=2, capstyle="round")
    )
    ax.scatter(*xy[~is_b].T, s=dot_size, c=COLOUR_A, linewidths=0, zorder=3)
    ax.scatter(*xy[is_b].T, s=dot_size, c=COLOUR_B, linewidths=0, zorder=3)
    handles = [
        Line2D([], [], ls="", marker="o", color=COLOUR_A, label="A"),
        Line2D([], [], ls="", marker="o", color=COLOUR_B, label="B"),
        Line2D([], [], color=COLOUR_HIGH, lw=2, label="high attention"),
    ]
    if highlight_bb:
        handles.append(Line2D([], [], color=COLOUR_BB, lw=2, label="B–B high attention"))
    if highlight_isolated:
        touched = np.zeros(graph.n_particles, dtype=bool)
        touched[pairs[high].ravel()] = True
        lonely = ~is_b & ~touched
        ax.scatter(*xy[lonely].T, s=dot_size * 4.5, facecolors="none", edgecolors="black", linewidths=0.9, zorder=4)
        handles.append(Line2D([], [], ls="", marker="o", mfc="none", mec="black", ms=7, label="isolated A"))
    pad = 0.03 * max(float(np.ptp(xy[:, 0])) if xy.size else 0.0, graph.l_win)
    if xy.size:
        ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
        ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    ax.set_aspect("equal")
    ax.set_xlabel("x [box lengths]")
    ax.set_ylabel("y [box lengths]")
    if title is None:
        title = f"{graph.class_name}, configuration {graph.configuration}, P(glass) = {graph.probability:.2f}"
    ax.set_title(title, fontsize=9)
    if legend:
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.14),
            ncol=3,
            fontsize=7,
            frameon=False,
            handlelength=1.5,
            columnspacing=1.0,
        )
    return ax


def figure_weight_histogram(graphs: Sequence[AttentionGraph], cutoffs: Mapping[int, Any]) -> Figure:
    """Histogram of log₁₀ attention weights (larger of the two directions) of each fold model, with its cutoff."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.6), constrained_layout=True)
    colours = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00")
    for k, (fold, choice) in enumerate(sorted(cutoffs.items())):
        weights = np.concatenate([g.weights for g in graphs if g.fold == fold])
        colour = colours[k % len(colours)]
        ax.hist(np.log10(weights), bins=60, histtype="step", color=colour, label=f"fold {fold} model")
        ax.axvline(np.log10(choice.cutoff), color=colour, ls="--", label=f"fold {fold} cutoff {choice.cutoff:.3g}")
    ax.set_xlabel("log$_{10}$ attention weight (larger of the two directions)")
    ax.set_ylabel("connections")
    ax.legend(fontsize=7)
    return fig


def figure_glass_and_liquid(glass: AttentionGraph, liquid: AttentionGraph, cutoffs: Mapping[int, Any]) -> Figure:
    """A glass and a liquid side by side, each drawn by :func:`draw_attention` under its fold model's cutoff."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 5.4), constrained_layout=True)
    draw_attention(axes[0], glass, cutoff_of(glass, cutoffs), title="glass")
    draw_attention(axes[1], liquid, cutoff_of(liquid, cutoffs), title="liquid")
    return fig
