"""Edge attention of the D-MPNN: weights per connection, high-attention graphs, counts (chapter 06).

SPEC section 8 ("Attention"). An attention D-MPNN trained on data set 1 (chapter 05, model
``dmpnn-attention``) weighs every directed edge of a window with ``σ`` after each of its ``T − 1``
message-passing updates; the softmax is taken **within each graph**, so the directed weights of
one window sum to 1 whatever else shares its batch. This module reads the weights at step
``T − 1`` and turns them into the paper's structural description.

Pieces
------
- :func:`attention_graphs` — run the model on one fixed, seeded window per configuration and
  return, per configuration, an :class:`AttentionGraph`: the window's particles and its
  undirected connections, each with **the larger of its two directed weights** (the paper draws
  and thresholds that value). :func:`pair_directions` pairs the two directions with ``edge_rev``.
- :func:`high_attention_cutoff` — the cutoff in the trough of the weight distribution (rule below),
  or an override.
- :func:`attention_counts` — per configuration, on a :mod:`networkx` graph of the high-attention
  connections: disjoint graphs, B–B high-attention edges, isolated A and isolated B particles.
- :func:`count_table`, :func:`compare_classes` — the counts of many configurations, and glasses vs
  liquids with means ± standard errors and one-sided Mann–Whitney U tests.
- :func:`draw_attention` — a window in the style of the paper's Fig. 8.
- :func:`load_attention_model`, :func:`fold_attention_graphs` — the chapter's entry points on a
  run directory, with errors that name the notebook to run first.

Which window
------------
One window per configuration is enough to read the attention (every window holds a few hundred
connections at paper scale). It is the **first of the fixed evaluation windows** of
:func:`glasslib.train.evaluation_batches`: drawn from ``SeedSequence((seed, 2, i))`` for
configuration ``i``, so with the fold's ``outer_seed`` it is exactly the first window the fold's
outer-test score averaged over, and it does not depend on which other configurations are read.

High-attention cutoff
---------------------
A connection is *high attention* when its weight (the larger of its two directed weights) is
**strictly greater** than the cutoff. The default rule (``method="kde"``) places the cutoff at
the minimum of a Gaussian kernel density estimate of ``log10(weight)`` (``scipy.stats.gaussian_kde``,
Scott's bandwidth) between the two most prominent modes of that density (``scipy.signal.find_peaks``
prominences; the grid extends three bandwidths beyond the data so that no mode sits on its edge).
It works on the pooled weights of any run: the log scale spreads weights that span decades, and
the density minimum is less sensitive to a single stray weight than the paper authors' choice by
eye of the largest gap between consecutive sorted weights, which is offered as ``method="gap"``
(the cutoff is then the geometric mean of the two weights around the largest gap in log scale).
A density with one mode has no trough: the rule falls back to the largest gap. Weights that are
all equal give that value as the cutoff (no connection is above it). ``override`` returns a
value given by the reader instead.

Counts (per configuration, for a cutoff)
----------------------------------------
The high-attention graph holds the connections above the cutoff and the particles at their ends.

- ``disjoint_graphs`` — its connected components; every such component has at least one
  high-attention edge (a particle with none is not a component, it is *isolated*).
- ``bb_edges`` — high-attention connections joining two B particles.
- ``isolated_a``, ``isolated_b`` — A (B) particles of the window touching no high-attention edge.

A cutoff above every weight leaves no high-attention edge: 0 disjoint graphs, 0 B–B edges, and
every A and every B particle of the window isolated. The counts are over one window, so they
scale with its size (``l_win``); compare classes at the same ``l_win``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from glasslib.plots import COLOUR_A, COLOUR_B

if TYPE_CHECKING:  # torch, networkx and matplotlib load when used
    from matplotlib.axes import Axes

    from glasslib.datasets import Dataset
    from glasslib.hpo import FoldResult
    from glasslib.models.dmpnn import DMPNN
    from glasslib.profiles import Profile
    from glasslib.train import DMPNNParams

__all__ = [
    "AttentionError", "AttentionGraph", "COUNT_LABELS", "pair_directions", "attention_graphs",
    "check_attention_model", "high_attention_cutoff", "high_attention_graph", "attention_counts", "count_table",
    "compare_classes", "draw_attention", "load_attention_checkpoint", "load_attention_model",
    "fold_attention_graphs", "PRODUCER", "MODEL_NAME",
]

#: The notebook that trains the attention D-MPNN this chapter reads.
PRODUCER = "notebooks/05_dmpnn.ipynb"
#: Name of the attention model in the run directory (``<run_dir>/models/dmpnn-attention``).
MODEL_NAME = "dmpnn-attention"
#: The four counts of :func:`attention_counts`, in order, with the labels the book prints.
COUNT_LABELS = {"disjoint_graphs": "disjoint graphs", "bb_edges": "B–B high-attention edges",
                "isolated_a": "isolated A", "isolated_b": "isolated B"}
#: Colours of :func:`draw_attention` beyond the particle colours (Okabe–Ito).
COLOUR_LOW = "0.72"
COLOUR_HIGH = "black"
COLOUR_BB = "#009E73"
#: Weights used for the density of :func:`high_attention_cutoff` at most (evenly spaced quantiles).
KDE_MAX_POINTS = 20_000


class AttentionError(ValueError):
    """An attention model or attention input that cannot be used; the message says what to do."""


@dataclass(frozen=True, eq=False)
class AttentionGraph:
    """One configuration's window with the attention of its connections (chapter 06).

    Attributes
    ----------
    configuration : int — index of the configuration in its data set.
    label : int — 1 glass, 0 liquid.
    positions : (n, 2) float64 — scaled coordinates (box lengths) of the window's particles.
    types : (n,) int8 — 0 for A, 1 for B (the graph's node feature, not the LAMMPS type).
    particles : (n,) int64 — index of each node's particle in the configuration.
    pairs : (P, 2) int64 — the undirected connections as node indices ``(v, w)`` into the arrays above.
    directed_weights : (P, 2) float64 — ``σ`` of ``v → w`` and of ``w → v`` at step ``T − 1``;
        all of them sum to 1 (per-graph softmax).
    weights : (P,) float64 — the larger of the two directed weights of each connection.
    probability : float — the model's glass probability for this window.
    l_win : float — window side, box lengths.
    fold : int — the cross-validation fold whose model produced it (−1 when not from a fold).
    """

    configuration: int
    label: int
    positions: np.ndarray
    types: np.ndarray
    particles: np.ndarray
    pairs: np.ndarray
    directed_weights: np.ndarray
    weights: np.ndarray
    probability: float
    l_win: float
    fold: int = -1

    @property
    def n_particles(self) -> int:
        """Particles in the window."""
        return int(self.positions.shape[0])

    @property
    def class_name(self) -> str:
        """``"glass"`` or ``"liquid"``."""
        return "glass" if self.label == 1 else "liquid"


# --------------------------------------------------------------------------------------------
# Directed weights → connections
# --------------------------------------------------------------------------------------------


def pair_directions(edge_rev: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair every directed edge with its reverse (vectorised).

    Parameters
    ----------
    edge_rev : (E,) int — index of the reverse of every edge (an involution without fixed points).
    weights : (E,) float — a value per directed edge, e.g. attention weights.

    Returns
    -------
    first : (P,) int64
        For each connection, the index of its directed edge with the smaller index (``e < edge_rev[e]``),
        in increasing order; ``P = E / 2``.
    directed : (P, 2) float64
        ``weights[first]`` and ``weights[edge_rev[first]]``; ``directed.max(axis=1)`` is the value
        the attention chapter draws and thresholds.

    Raises
    ------
    AttentionError
        If the lengths differ or ``edge_rev`` does not pair the edges.
    """
    edge_rev = np.asarray(edge_rev, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    n_edges = edge_rev.shape[0]
    if edge_rev.ndim != 1 or weights.shape != edge_rev.shape:
        raise AttentionError(f"edge_rev {edge_rev.shape} and weights {weights.shape} must be two (E,) arrays")
    index = np.arange(n_edges)
    if n_edges and (edge_rev.min() < 0 or edge_rev.max() >= n_edges or not np.array_equal(edge_rev[edge_rev], index)
                    or np.any(edge_rev == index)):
        raise AttentionError("edge_rev does not pair the directed edges (it must be an involution without fixed points)")
    first = np.flatnonzero(index < edge_rev)
    return first, np.stack([weights[first], weights[edge_rev[first]]], axis=1)


def _split_graphs(batch: Any, sigma: np.ndarray, probability: np.ndarray, indices: np.ndarray,
                  labels: np.ndarray, l_win: float) -> list[AttentionGraph]:
    """Cut a batch of one window per configuration into :class:`AttentionGraph` objects."""
    first, directed = pair_directions(batch.edge_rev, sigma)
    src, dst = batch.edge_src[first], batch.edge_dst[first]
    pair_graph = batch.edge_graph[first]
    node_start = np.searchsorted(batch.node_graph, np.arange(batch.n_graphs + 1))
    order = np.argsort(pair_graph, kind="stable")
    pair_start = np.searchsorted(pair_graph[order], np.arange(batch.n_graphs + 1))
    graphs = []
    for g in range(batch.n_graphs):  # one slice per window, not a loop over particles
        nodes = slice(node_start[g], node_start[g + 1])
        mine = order[pair_start[g]:pair_start[g + 1]]
        local = np.stack([src[mine], dst[mine]], axis=1) - node_start[g]
        features = batch.node_features[nodes]
        graphs.append(AttentionGraph(
            configuration=int(indices[g]), label=int(labels[g]),
            positions=features[:, :2].astype(np.float64), types=(features[:, 2] > 0.5).astype(np.int8),
            particles=np.asarray(batch.node_particle[nodes], dtype=np.int64), pairs=local.astype(np.int64),
            directed_weights=directed[mine], weights=directed[mine].max(axis=1),
            probability=float(probability[g]), l_win=float(l_win)))
    return graphs


def attention_graphs(model: "DMPNN", params: "DMPNNParams | Mapping[str, Any]", dataset: "Dataset",
                     indices: Sequence[int], seed: int, step: int = -1,
                     graphs_per_batch: int | None = None) -> list[AttentionGraph]:
    """Attention of a trained D-MPNN on one fixed window per configuration (module docstring).

    Parameters
    ----------
    model : DMPNN built with ``attention=True`` (e.g. from :func:`glasslib.train.load_checkpoint`).
    params : its hyperparameters; ``k`` and ``l_win`` build the windows (``l_win`` may differ from
        training: the size-generalisation study). ``eval_windows`` is ignored (one window each).
    dataset : Dataset
    indices : (C,) int — configurations to read.
    seed : int — seed of the evaluation windows (a fold's ``outer_seed`` gives the first window
        that fold's outer-test score used).
    step : int — attention step, default −1 (the paper's step ``T − 1``).
    graphs_per_batch : int, optional — windows per forward pass (default: as in evaluation).

    Returns
    -------
    list of AttentionGraph, in ``indices`` order.

    Raises
    ------
    AttentionError
        If the model has no attention.
    """
    from glasslib import train  # noqa: PLC0415  (torch loads only when the model is run)

    check_attention_model(model)
    params = dataclasses.replace(train.DMPNNParams.from_mapping(params), eval_windows=1)
    indices = np.asarray(indices, dtype=np.int64)
    graphs: list[AttentionGraph] = []
    done = 0
    for batch in train.evaluation_batches(dataset, indices, params, seed, graphs_per_batch):
        sigma = train.attention_weights(model, batch, step=step)
        probability = train.predict_batches(model, [batch], 1)
        chunk = indices[done:done + batch.n_graphs]
        graphs += _split_graphs(batch, sigma, probability, chunk, np.asarray(dataset.labels)[chunk], params.l_win)
        done += batch.n_graphs
    return graphs


def check_attention_model(model: Any) -> None:
    """Raise :class:`AttentionError` unless ``model`` is a D-MPNN with attention weights to read."""
    if not getattr(model, "attention", False) or getattr(model, "depth", 0) < 2:
        raise AttentionError(
            "this D-MPNN has no attention weights (built with attention=False or depth < 2); the attention "
            f"chapter needs the model {MODEL_NAME!r} that {PRODUCER} trains with attention=True")


# --------------------------------------------------------------------------------------------
# Cutoff
# --------------------------------------------------------------------------------------------


def _largest_gap(logs: np.ndarray) -> float:
    values = np.unique(logs)
    gap = int(np.argmax(np.diff(values)))
    return float(10.0 ** (0.5 * (values[gap] + values[gap + 1])))


def high_attention_cutoff(weights: np.ndarray | Iterable[float], override: float | None = None,
                          method: str = "kde", grid_points: int = 1024) -> float:
    """The weight above which a connection counts as high attention (module docstring).

    Parameters
    ----------
    weights : array of positive floats — e.g. the pooled ``AttentionGraph.weights`` of a chapter.
    override : float, optional — return this value (checked to be finite and ≥ 0) instead.
    method : ``"kde"`` (default: density minimum between the two most prominent modes of
        ``log10(weight)``) or ``"gap"`` (the largest gap between consecutive sorted weights in log scale).
    grid_points : int — evaluation points of the density.

    Returns
    -------
    float — the cutoff; a weight is high attention when it is strictly greater.

    Raises
    ------
    AttentionError
        Without a finite positive weight, with a bad ``override`` or an unknown ``method``.
    """
    from scipy.signal import find_peaks  # noqa: PLC0415
    from scipy.stats import gaussian_kde  # noqa: PLC0415

    if override is not None:
        if not np.isfinite(override) or override < 0:
            raise AttentionError(f"the cutoff override must be a finite weight ≥ 0, got {override!r}")
        return float(override)
    if method not in ("kde", "gap"):
        raise AttentionError(f"method must be 'kde' or 'gap', got {method!r}")
    values = np.asarray(list(weights) if not isinstance(weights, np.ndarray) else weights, dtype=np.float64).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        raise AttentionError("no finite positive attention weight to place a cutoff among")
    logs = np.sort(np.log10(values))
    if logs[0] == logs[-1]:
        return float(values.max())
    if method == "gap":
        return _largest_gap(logs)
    if logs.size > KDE_MAX_POINTS:  # evenly spaced order statistics: same distribution, bounded cost
        logs_kde = logs[np.linspace(0, logs.size - 1, KDE_MAX_POINTS).round().astype(np.int64)]
    else:
        logs_kde = logs
    try:
        kde = gaussian_kde(logs_kde)
    except np.linalg.LinAlgError:
        return _largest_gap(logs)
    bandwidth = float(np.sqrt(kde.covariance[0, 0]))
    grid = np.linspace(logs[0] - 3 * bandwidth, logs[-1] + 3 * bandwidth, int(grid_points))
    density = kde(grid)
    peaks, properties = find_peaks(density, prominence=0.0)
    if peaks.size < 2:
        return _largest_gap(logs)
    two = np.sort(peaks[np.argsort(properties["prominences"])[-2:]])
    trough = two[0] + int(np.argmin(density[two[0]:two[1] + 1]))
    return float(10.0 ** grid[trough])


# --------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------


def high_attention_graph(graph: AttentionGraph, cutoff: float) -> Any:
    """The :class:`networkx.Graph` of the connections with weight > ``cutoff``.

    Nodes are the window's node indices that touch such a connection, with attribute ``type``
    (0 A, 1 B); edges carry ``weight``.
    """
    import networkx as nx  # noqa: PLC0415

    high = graph.weights > cutoff
    result = nx.Graph()
    ends = np.unique(graph.pairs[high])
    result.add_nodes_from((int(v), {"type": int(graph.types[v])}) for v in ends)
    result.add_weighted_edges_from((int(v), int(w), float(x)) for (v, w), x in zip(graph.pairs[high], graph.weights[high]))
    return result


def attention_counts(graph: AttentionGraph, cutoff: float) -> dict[str, int]:
    """The four counts of one configuration at ``cutoff`` (module docstring for the definitions).

    Returns
    -------
    dict
        ``disjoint_graphs`` (components with at least one high-attention edge), ``bb_edges``,
        ``isolated_a``, ``isolated_b``, as ints. A cutoff above every weight gives 0, 0, all A, all B.
    """
    import networkx as nx  # noqa: PLC0415

    high = high_attention_graph(graph, cutoff)
    touched = np.zeros(graph.n_particles, dtype=bool)
    touched[np.fromiter(high.nodes, dtype=np.int64, count=high.number_of_nodes())] = True
    is_b = graph.types == 1
    bb = sum(1 for v, w in high.edges if is_b[v] and is_b[w])
    return {"disjoint_graphs": int(nx.number_connected_components(high)), "bb_edges": int(bb),
            "isolated_a": int(np.count_nonzero(~is_b & ~touched)), "isolated_b": int(np.count_nonzero(is_b & ~touched))}


def count_table(graphs: Sequence[AttentionGraph], cutoff: float) -> pd.DataFrame:
    """The counts of many configurations: one row each, with ``configuration``, ``fold``, ``label``,
    ``probability``, ``n_particles`` and the four counts of :data:`COUNT_LABELS`."""
    rows = [{"configuration": g.configuration, "fold": g.fold, "label": g.label, "probability": g.probability,
             "n_particles": g.n_particles, **attention_counts(g, cutoff)} for g in graphs]
    return pd.DataFrame(rows, columns=["configuration", "fold", "label", "probability", "n_particles", *COUNT_LABELS])


def compare_classes(counts_glass: Sequence[Mapping[str, float]] | pd.DataFrame,
                    counts_liquid: Sequence[Mapping[str, float]] | pd.DataFrame) -> pd.DataFrame:
    """Glasses vs liquids for each count: means ± standard errors and one-sided Mann–Whitney U tests.

    The counts are small integers with ties, the samples are small (tens of outer-test
    configurations per class at reduced scale) and nothing makes them normal, so a rank test —
    which needs only that the two samples are independent — is used instead of a t-test.

    Parameters
    ----------
    counts_glass, counts_liquid : the counts of each configuration (dicts from
        :func:`attention_counts`, or a :func:`count_table`), at least one of each class.

    Returns
    -------
    DataFrame
        Index: the counts present in both (in :data:`COUNT_LABELS` order). Columns ``label`` (printed
        name), ``mean_glass``, ``sem_glass``, ``mean_liquid``, ``sem_liquid`` (standard error
        ``std(ddof=1)/√n``; NaN for one configuration), ``n_glass``, ``n_liquid``, ``u_statistic`` (U of
        the glasses) and ``p_value`` of ``scipy.stats.mannwhitneyu(glass, liquid, alternative="less")``:
        small when glasses have fewer.
    """
    from scipy.stats import mannwhitneyu  # noqa: PLC0415

    glass, liquid = pd.DataFrame(counts_glass), pd.DataFrame(counts_liquid)
    if glass.empty or liquid.empty:
        raise AttentionError(f"need counts of both classes, got {len(glass)} glasses and {len(liquid)} liquids")
    names = [name for name in COUNT_LABELS if name in glass and name in liquid]
    names += [name for name in glass.columns if name in liquid.columns and name not in names
              and name not in ("configuration", "fold", "label", "probability", "n_particles")]
    if not names:
        raise AttentionError(f"no count is present in both tables (expected {list(COUNT_LABELS)})")
    rows = {}
    for name in names:
        a, b = glass[name].to_numpy(dtype=float), liquid[name].to_numpy(dtype=float)
        test = mannwhitneyu(a, b, alternative="less")
        rows[name] = {"label": COUNT_LABELS.get(name, name), "mean_glass": a.mean(), "sem_glass": _sem(a),
                      "mean_liquid": b.mean(), "sem_liquid": _sem(b), "n_glass": a.size, "n_liquid": b.size,
                      "u_statistic": float(test.statistic), "p_value": float(test.pvalue)}
    return pd.DataFrame.from_dict(rows, orient="index")


def _sem(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


# --------------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------------


def draw_attention(ax: "Axes", graph: AttentionGraph, cutoff: float, highlight_isolated: bool = True,
                   highlight_bb: bool = True, max_width: float = 4.0, dot_size: float = 14.0,
                   legend: bool = True, title: str | None = None) -> "Axes":
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
    from matplotlib.collections import LineCollection  # noqa: PLC0415
    from matplotlib.lines import Line2D  # noqa: PLC0415

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
    ax.add_collection(LineCollection(segments[order], colors=list(colours[order]),
                                     linewidths=weights[order] * scale, zorder=2, capstyle="round"))
    ax.scatter(*xy[~is_b].T, s=dot_size, c=COLOUR_A, linewidths=0, zorder=3)
    ax.scatter(*xy[is_b].T, s=dot_size, c=COLOUR_B, linewidths=0, zorder=3)
    handles = [Line2D([], [], ls="", marker="o", color=COLOUR_A, label="A"),
               Line2D([], [], ls="", marker="o", color=COLOUR_B, label="B"),
               Line2D([], [], color=COLOUR_HIGH, lw=2, label="high attention")]
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
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, fontsize=7,
                  frameon=False, handlelength=1.5, columnspacing=1.0)
    return ax


# --------------------------------------------------------------------------------------------
# The chapter's entry points on a run directory
# --------------------------------------------------------------------------------------------


def load_attention_checkpoint(path: Path, params: Mapping[str, Any] | None = None,
                              device: Any = None) -> tuple["DMPNN", "DMPNNParams"]:
    """An attention D-MPNN from a checkpoint, with errors that say what to run.

    Raises
    ------
    AttentionError
        If the file is missing (run :data:`PRODUCER`), cannot be loaded, or holds a model without
        attention.
    """
    from glasslib import train  # noqa: PLC0415

    path = Path(path)
    if not path.is_file():
        raise AttentionError(f"the attention D-MPNN weights {path} are missing: run {PRODUCER} first (its "
                             f"attention model {MODEL_NAME!r} on data set 1), with the same profile and overrides")
    try:
        model, params = train.load_checkpoint(path, params, device)
    except train.CheckpointError as err:
        raise AttentionError(f"{err}\nRerun {PRODUCER} to train the attention model again.") from None
    check_attention_model(model)
    return model, params


def load_attention_model(profile: "Profile", run_dir: Path, dataset: int = 1, fold: int = 0,
                         device: Any = None) -> tuple["DMPNN", "DMPNNParams", "FoldResult"]:
    """The attention D-MPNN of one fold that chapter 05 trained, with its parameters and fold result.

    Returns
    -------
    (model, params, result)
        ``result.test_indices`` are the fold's outer-test configurations and ``result.outer_seed``
        the seed of their evaluation windows.

    Raises
    ------
    AttentionError
        Naming :data:`PRODUCER` when the results or weights are missing or stale.
    """
    from glasslib import hpo, selection, store  # noqa: PLC0415

    spec = selection.dmpnn_spec(profile, attention=True, name=MODEL_NAME)
    try:
        result = selection.load_results(profile, run_dir, spec, only=[dataset]).folds[(dataset, fold)]
    except store.StoreError as err:
        raise AttentionError(f"no attention D-MPNN results for data set {dataset}: {err}") from None
    weights = hpo.fold_paths(selection.model_dir(run_dir, spec), spec, dataset, fold)["weights"]
    model, params = load_attention_checkpoint(weights, result.params, device)
    return model, params, result


def fold_attention_graphs(profile: "Profile", run_dir: Path, dataset: int = 1, folds: Sequence[int] = (0, 1, 2),
                          l_win: float | None = None, device: Any = None) -> list[AttentionGraph]:
    """Attention graphs of every outer-test configuration, each read by the model that never saw it.

    For each fold, the fold's attention model on its own outer-test set (one window per
    configuration, the fold's ``outer_seed``); ``l_win`` reads larger (or smaller) windows with the
    same model (the size-generalisation check of SPEC section 8). Pooled over the folds, each
    graph tagged with its ``fold``.
    """
    from glasslib.datasets import load_dataset  # noqa: PLC0415

    from glasslib import store  # noqa: PLC0415

    try:
        data = load_dataset(run_dir, dataset, profile.simulation_hash())
    except store.StoreError as err:
        raise AttentionError(str(err)) from None
    graphs: list[AttentionGraph] = []
    for fold in folds:
        model, params, result = load_attention_model(profile, run_dir, dataset, fold, device)
        if l_win is not None:
            params = dataclasses.replace(params, l_win=float(l_win))
        found = attention_graphs(model, params, data, result.test_indices, result.outer_seed)
        graphs += [dataclasses.replace(g, fold=int(fold)) for g in found]
    return graphs
