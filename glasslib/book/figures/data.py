"""Figures of chapter 03: radial distribution functions, rendered images, window graphs."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from glasslib.book.figures.palette import COLOUR_A, COLOUR_B
from glasslib.data.graph_batch import GraphBatch
from glasslib.data.rdf import RDF


def figure_rdf(rdfs: Mapping[int, Mapping[str, RDF]]) -> Figure:
    """Partial RDFs of liquids and glasses, one row per data set, one column per pair type.

    Parameters
    ----------
    rdfs : data set number -> {"glass": RDF, "liquid": RDF}.
    """
    from glasslib.data.rdf import PAIRS

    fig, axes = plt.subplots(len(rdfs), 3, figsize=(12, 3.3 * len(rdfs)), constrained_layout=True, squeeze=False)
    styles = {"liquid": dict(color="#D55E00", lw=1.2), "glass": dict(color="#0072B2", lw=1.2, ls="--")}
    for row, (number, by_class) in enumerate(rdfs.items()):
        for col, pair in enumerate(PAIRS):
            ax = axes[row, col]
            for label, rdf in by_class.items():
                ax.plot(rdf.r, rdf.g[pair], label=label, **styles[label])
            ax.set_xlabel("r [σ]")
            ax.set_ylabel(f"$g_{{{pair}}}(r)$")
            ax.set_title(f"data set {number}: {pair}")
            ax.set_xlim(0, min(4.0, float(rdf.r.max())))
    axes[0, 0].legend()
    return fig


def figure_images(panels: list[tuple[str, np.ndarray]]) -> Figure:
    """Rendered images side by side, at their pixel resolution; ``panels`` holds (title, (H, W, 3) uint8)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.5), constrained_layout=True)
    for ax, (title, image) in zip(np.atleast_1d(axes), panels):
        ax.imshow(image, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("pixel")
        ax.set_ylabel("pixel")
    return fig


def figure_window_graphs(
    positions: np.ndarray, types: np.ndarray, graphs: Mapping[int, GraphBatch], corner: tuple[float, float], l_win: float
) -> Figure:
    """One window and its k-nearest-neighbour graphs, one panel per k.

    Parameters
    ----------
    positions : (N, 2) scaled coordinates of the whole configuration.
    types : (N,) LAMMPS types.
    graphs : k -> the window's graph (one graph each, same window).
    corner, l_win : the window's lower-left corner and side, box lengths.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    fig, axes = plt.subplots(1, len(graphs), figsize=(5.0 * len(graphs), 5.0), constrained_layout=True)
    pad = 0.15 * l_win
    for ax, (k, graph) in zip(np.atleast_1d(axes), graphs.items()):
        ax.scatter(*positions.T, s=4, c="0.8", linewidths=0, label="outside the window")
        xy = graph.node_features[:, :2]
        segments = np.stack([xy[graph.edge_src], xy[graph.edge_dst]], axis=1)
        ax.add_collection(LineCollection(segments, colors="0.3", linewidths=0.8, zorder=1))
        is_b = graph.node_features[:, 2] > 0.5
        ax.scatter(*xy[~is_b].T, s=22, c=COLOUR_A, zorder=2, label="A")
        ax.scatter(*xy[is_b].T, s=22, c=COLOUR_B, zorder=2, label="B")
        ax.add_patch(Rectangle(corner, l_win, l_win, fill=False, ec="k", lw=1.0, ls="--"))
        ax.set_xlim(corner[0] - pad, corner[0] + l_win + pad)
        ax.set_ylim(corner[1] - pad, corner[1] + l_win + pad)
        ax.set_aspect("equal")
        ax.set_xlabel("x [box lengths]")
        ax.set_ylabel("y [box lengths]")
        ax.set_title(f"k = {k}: {graph.n_nodes} nodes, {graph.n_edges} directed edges")
    np.atleast_1d(axes)[0].legend(loc="upper right", fontsize=8)
    return fig
