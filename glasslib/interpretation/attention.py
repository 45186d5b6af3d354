"""Edge attention of the D-MPNN: weights per connection, high-attention graphs, counts (chapter 06).

SPEC section 8 ("Attention"). An attention D-MPNN trained on data set 1 (chapter 05, model
``dmpnn_attention``) weighs every directed edge of a window with ``σ`` after each of its ``T − 1``
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
- :func:`particle_attention` — each particle's largest incident weight on a whole configuration, read
  in windows that cover it (chapter 09 scores it against motion).
- :func:`load_attention_model`, :func:`fold_attention_graphs` — the chapter's entry points on a
  run directory, with errors that name the notebook to run first.

Which window
------------
One window per configuration is enough to read the attention (every window holds a few hundred
connections at paper scale). It is the **first of the fixed evaluation windows** of
:func:`glasslib.models.dmpnn.batches.evaluation_batches`: drawn from ``SeedSequence((seed, 2, i))`` for
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glasslib.rundir import ProductError, product_hash

if TYPE_CHECKING:  # torch, networkx and matplotlib load when used
    from glasslib.data.datasets import Dataset
    from glasslib.models.dmpnn.network import DMPNN
    from glasslib.models.dmpnn.params import DMPNNParams
    from glasslib.models.fold_results import FoldResult
    from glasslib.profiles import Profile


#: The notebook that trains the attention D-MPNN this chapter reads.
PRODUCER = "notebooks/05_dmpnn.ipynb"


#: Name of the attention model in the run directory (``<run_dir>/models/dmpnn_attention``).
MODEL_NAME = "dmpnn_attention"


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
    if n_edges and (
        edge_rev.min() < 0 or edge_rev.max() >= n_edges or not np.array_equal(edge_rev[edge_rev], index) or np.any(edge_rev == index)
    ):
        raise AttentionError("edge_rev does not pair the directed edges (it must be an involution without fixed points)")
    first = np.flatnonzero(index < edge_rev)
    return first, np.stack([weights[first], weights[edge_rev[first]]], axis=1)


def _split_graphs(
    batch: Any, sigma: np.ndarray, probability: np.ndarray, indices: np.ndarray, labels: np.ndarray, l_win: float
) -> list[AttentionGraph]:
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
        mine = order[pair_start[g] : pair_start[g + 1]]
        local = np.stack([src[mine], dst[mine]], axis=1) - node_start[g]
        features = batch.node_features[nodes]
        graphs.append(
            AttentionGraph(
                configuration=int(indices[g]),
                label=int(labels[g]),
                positions=features[:, :2].astype(np.float64),
                types=(features[:, 2] > 0.5).astype(np.int8),
                particles=np.asarray(batch.node_particle[nodes], dtype=np.int64),
                pairs=local.astype(np.int64),
                directed_weights=directed[mine],
                weights=directed[mine].max(axis=1),
                probability=float(probability[g]),
                l_win=float(l_win),
            )
        )
    return graphs


def attention_graphs(
    model: DMPNN,
    params: DMPNNParams | Mapping[str, Any],
    dataset: Dataset,
    indices: Sequence[int],
    seed: int,
    step: int = -1,
    graphs_per_batch: int | None = None,
) -> list[AttentionGraph]:
    """Attention of a trained D-MPNN on one fixed window per configuration (module docstring).

    Parameters
    ----------
    model : DMPNN built with ``attention=True`` (e.g. from :func:`glasslib.models.dmpnn.checkpoint.load_checkpoint`).
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
    from glasslib.models.dmpnn import batches, fit
    from glasslib.models.dmpnn import params as dmpnn_params

    check_attention_model(model)
    params = dataclasses.replace(dmpnn_params.DMPNNParams.from_mapping(params), eval_windows=1)
    indices = np.asarray(indices, dtype=np.int64)
    graphs: list[AttentionGraph] = []
    done = 0
    for batch in batches.evaluation_batches(dataset, indices, params, seed, graphs_per_batch):
        sigma = fit.attention_weights(model, batch, step=step)
        probability = fit.predict_batches(model, [batch], 1)
        chunk = indices[done : done + batch.n_graphs]
        graphs += _split_graphs(batch, sigma, probability, chunk, np.asarray(dataset.labels)[chunk], params.l_win)
        done += batch.n_graphs
    return graphs


def particle_attention(
    model: DMPNN, params: DMPNNParams | Mapping[str, Any], positions: np.ndarray, types: np.ndarray, step: int = -1
) -> np.ndarray:
    """Each particle's largest attention weight over the connections that touch it, on a whole configuration.

    The model reads windows of side ``params.l_win`` only, so the configuration is covered by the
    fewest evenly spaced, equal windows (:func:`glasslib.data.graphs.covering_corners`), all read in
    one batch; every particle is read in the window whose centre is nearest to it (largest distance
    along x or y), where it has its fullest neighbourhood. A connection's weight is the larger of
    its two directed weights (as chapter 06 draws and thresholds it), so a particle is *isolated*
    at a cutoff exactly when its value here is not above the cutoff.

    Parameters
    ----------
    model : DMPNN with attention; params : its hyperparameters (``l_win``, ``k``).
    positions : (N, 2) — scaled coordinates (box lengths) in [0, 1].
    types : (N,) — LAMMPS types, 1 (A) or 2 (B).
    step : int — attention step, default −1 (the paper's step ``T − 1``).

    Returns
    -------
    (N,) float64 — attention weights (each window's directed weights sum to 1).
    """
    from glasslib.data.graphs import covering_corners, window_batch
    from glasslib.models.dmpnn import fit
    from glasslib.models.dmpnn import params as dmpnn_params

    check_attention_model(model)
    params = dmpnn_params.DMPNNParams.from_mapping(params)
    corners = covering_corners(params.l_win)
    if params.radius:
        raise ValueError("the attention readings build kNN graphs; a radius-graph model needs its box length to be read")
    batch = window_batch([(positions, types)] * len(corners), corners, params.l_win, params.k)
    sigma = fit.attention_weights(model, batch, step=step)
    largest = np.zeros(batch.n_nodes)
    np.maximum.at(largest, batch.edge_src, sigma)
    np.maximum.at(largest, batch.edge_dst, sigma)
    off_centre = np.abs(batch.node_features[:, :2] - corners[batch.node_graph] - params.l_win / 2).max(axis=1)
    order = np.lexsort((off_centre, batch.node_particle))
    particles, first = np.unique(batch.node_particle[order], return_index=True)
    n = len(positions)
    if particles.size != n:
        raise AttentionError(f"the covering windows of side {params.l_win} missed {n - particles.size} of {n} particles")
    return largest[order[first]]


def check_attention_model(model: Any) -> None:
    """Raise :class:`AttentionError` unless ``model`` is a D-MPNN with attention weights to read."""
    if not getattr(model, "attention", False) or getattr(model, "depth", 0) < 2:
        raise AttentionError(
            "this D-MPNN has no attention weights (built with attention=False or depth < 2); the attention "
            f"chapter needs the model {MODEL_NAME!r} that {PRODUCER} trains with attention=True"
        )


def load_attention_checkpoint(path: Path, params: Mapping[str, Any] | None = None, device: Any = None) -> tuple[DMPNN, DMPNNParams]:
    """An attention D-MPNN from a checkpoint, with errors that say what to run.

    Raises
    ------
    AttentionError
        If the file is missing (run :data:`PRODUCER`), cannot be loaded, or holds a model without
        attention.
    """

    from glasslib.models.dmpnn import checkpoint

    path = Path(path)
    if not path.is_file():
        raise AttentionError(
            f"the attention D-MPNN weights {path} are missing: run {PRODUCER} first (its "
            f"attention model {MODEL_NAME!r} on data set 1), with the same profile and overrides"
        )
    try:
        model, params = checkpoint.load_checkpoint(path, params, device)
    except checkpoint.CheckpointError as err:
        raise AttentionError(f"{err}\nRerun {PRODUCER} to train the attention model again.") from None
    check_attention_model(model)
    return model, params


def load_attention_model(
    profile: Profile, run_dir: Path, dataset: int = 1, fold: int = 0, device: Any = None, inputs: str = "thermal"
) -> tuple[DMPNN, DMPNNParams, FoldResult]:
    """The attention D-MPNN of one fold, with its parameters and fold result: trained on thermal snapshots
    (chapter 05) or, with ``inputs="inherent"``, on inherent structures (chapter 05b).

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
    from glasslib.models import selection

    spec = selection.spec_by_name(profile, MODEL_NAME if inputs == "thermal" else MODEL_NAME + selection.INHERENT_SUFFIX)
    try:
        result = selection.load_results(profile, run_dir, spec, only=[dataset]).folds[(dataset, fold)]
    except ProductError as err:
        raise AttentionError(f"no attention D-MPNN results for data set {dataset}: {err}") from None
    weights = selection.weights_path(profile, run_dir, spec, dataset, fold)
    model, params = load_attention_checkpoint(weights, result.params, device)
    return model, params, result


def fold_attention_graphs(
    profile: Profile,
    run_dir: Path,
    dataset: int = 1,
    folds: Sequence[int] = (0, 1, 2),
    l_win: float | None = None,
    device: Any = None,
    inputs: str = "thermal",
) -> list[AttentionGraph]:
    """Attention graphs of every outer-test configuration, each read by the model that never saw it.

    For each fold, the fold's attention model on its own outer-test set (one window per
    configuration, the fold's ``outer_seed``); ``l_win`` reads larger (or smaller) windows with the
    same model (the size-generalisation check of SPEC section 8). Pooled over the folds, each
    graph tagged with its ``fold``. ``inputs``: the model trained on thermal snapshots, reading thermal
    ones, or the one trained on inherent structures, reading inherent ones.
    """
    from glasslib.data.inherent_inputs import model_inputs

    try:
        data = model_inputs(run_dir, dataset, product_hash(profile, "datasets"), inputs)
    except ProductError as err:
        raise AttentionError(str(err)) from None
    graphs: list[AttentionGraph] = []
    for fold in folds:
        model, params, result = load_attention_model(profile, run_dir, dataset, fold, device, inputs)
        if l_win is not None:
            params = dataclasses.replace(params, l_win=float(l_win))
        found = attention_graphs(model, params, data, result.test_indices, result.outer_seed)
        graphs += [dataclasses.replace(g, fold=int(fold)) for g in found]
    return graphs
