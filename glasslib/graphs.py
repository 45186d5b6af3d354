"""k-nearest-neighbour graphs of configurations: the input of the D-MPNN (book chapters 03 and 05).

SPEC section 6, per configuration and fresh at every training step:

1. **Window.** Draw a corner ``(x0, y0)`` uniformly from ``[0, 1 - l_win]²`` and keep the
   particles with ``x0 ≤ x ≤ x0 + l_win`` and ``y0 ≤ y ≤ y0 + l_win`` (scaled coordinates; no
   periodic wrap). ``l_win = 0.2`` keeps ≈ 0.04 · 4,320 ≈ 173 particles.
2. **Graph.** Connect each particle to its ``k`` nearest neighbours inside the window. The
   connections are the *symmetrised* kNN relation (a pair is connected when either particle is
   among the other's k nearest), each unordered pair once, and every connection is two directed
   edges v→w and w→v. Node features are ``(x, y, type)``: the particle's absolute scaled
   coordinates, as in the paper (so the network is not exactly translation or rotation
   invariant; the invariant variant reads only the ``type`` column), and ``type`` 0 for A and 1
   for B. The edge feature is the distance in scaled units (box lengths).
3. **Batch.** Many graphs form one big disconnected graph, :class:`GraphBatch`, in the style of
   chemprop's ``BatchMolGraph``: node and edge arrays concatenated, node indices offset, and
   ``node_graph`` / ``edge_graph`` saying which graph each row belongs to.

Edge layout: the two directions of a connection are adjacent, edge ``2p`` is ``lo → hi`` and
edge ``2p + 1`` is ``hi → lo``, so the reverse of edge ``e`` is ``e ^ 1``. Connections are
sorted by ``(lo, hi)`` node index. :func:`reverse_edge_index` finds reverses for any edge list
(hand-built graphs) by sorting and binary search.

:func:`periodic_knn_graph` builds the same structure on a whole configuration with
minimum-image neighbours. :func:`bench_graphs` times a training batch end to end.

Everything is vectorised: one ``cKDTree`` query gives all neighbours of a whole batch (windows
are placed side by side, far enough apart that no neighbour crosses between them), pairs are
symmetrised and deduplicated with integer codes and ``np.unique``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np
from scipy.spatial import cKDTree

from glasslib.configuration import ConfigurationError, type_indicator, wrap_scaled

if TYPE_CHECKING:  # torch is imported only when a batch is converted
    import torch

#: Names of the columns of ``GraphBatch.node_features``.
NODE_FEATURES = ("x", "y", "type")

#: Spacing of windows laid side by side for one batched kNN query, in scaled units. Windows
#: span at most 1 box length, so neighbouring windows are ≥ 2 apart, more than the largest
#: distance inside one window (√2); no particle can find a neighbour in another window.
_WINDOW_SPACING = 3.0

Configuration = tuple[np.ndarray, np.ndarray]


class GraphError(ValueError):
    """A graph that cannot be built with the parameters asked for; the message says why."""


# --------------------------------------------------------------------------------------------
# The batch structure
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TorchGraphBatch:
    """:class:`GraphBatch` as torch tensors on one device (same fields, same shapes)."""

    node_features: "torch.Tensor"
    edge_src: "torch.Tensor"
    edge_dst: "torch.Tensor"
    edge_rev: "torch.Tensor"
    edge_distance: "torch.Tensor"
    node_graph: "torch.Tensor"
    edge_graph: "torch.Tensor"
    node_particle: "torch.Tensor"
    n_graphs: int


@dataclass(frozen=True)
class GraphBatch:
    """One or more graphs as one disconnected graph (chemprop ``BatchMolGraph`` style).

    A single graph is a batch with ``n_graphs == 1``. Treat the arrays as read-only: the
    builders never share them with their inputs, and :meth:`to_torch` copies them.

    Attributes
    ----------
    node_features : (n, 3) float32
        ``(x, y, type)`` per node: scaled coordinates (box lengths) and 0 for A, 1 for B.
    edge_src, edge_dst : (E,) int64
        Directed edge ``e`` goes from node ``edge_src[e]`` to node ``edge_dst[e]``.
    edge_rev : (E,) int64
        Index of the reverse edge: ``edge_src[edge_rev] == edge_dst`` and vice versa.
    edge_distance : (E,) float32
        Length of each edge in scaled units (minimum image for periodic graphs).
    node_graph : (n,) int64
        Graph of each node, ``0 … n_graphs - 1``, non-decreasing.
    edge_graph : (E,) int64
        Graph of each edge (that of both of its ends).
    node_particle : (n,) int64
        Index of each node's particle in its original configuration (for the attention chapter).
    n_graphs : int
        Number of graphs in the batch.
    """

    node_features: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_rev: np.ndarray
    edge_distance: np.ndarray
    node_graph: np.ndarray
    edge_graph: np.ndarray
    node_particle: np.ndarray
    n_graphs: int

    @property
    def n_nodes(self) -> int:
        """Number of nodes in the batch."""
        return int(self.node_features.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges in the batch (twice the number of connections)."""
        return int(self.edge_src.shape[0])

    def nodes_per_graph(self) -> np.ndarray:
        """Number of nodes of each graph, shape (n_graphs,) int64."""
        return np.bincount(self.node_graph, minlength=self.n_graphs).astype(np.int64)

    def validate(self) -> None:
        """Check the invariants of the structure; raise :class:`GraphError` naming the broken one.

        Not called when batches are built (they hold by construction); meant for tests and for
        hand-built graphs.
        """
        n, n_edges = self.n_nodes, self.n_edges
        self._validate_shapes(n, n_edges)
        src, dst, rev = self.edge_src, self.edge_dst, self.edge_rev
        _require(n_edges == 0 or (min(src.min(), dst.min()) >= 0 and max(src.max(), dst.max()) < n),
                 "edge endpoints outside 0 … n_nodes - 1")
        _require(bool(np.all(src != dst)), "the graph has self-loops")
        _require(np.unique(src * max(n, 1) + dst).size == n_edges, "the graph has duplicate directed edges")
        _require(n_edges == 0 or (rev.min() >= 0 and rev.max() < n_edges), "edge_rev outside 0 … n_edges - 1")
        _require(np.array_equal(src[rev], dst) and np.array_equal(dst[rev], src),
                 "edge_rev does not point at reverse edges")
        _require(np.array_equal(rev[rev], np.arange(n_edges)), "edge_rev is not an involution")
        _require(np.array_equal(self.edge_graph, self.node_graph[src])
                 and np.array_equal(self.edge_graph, self.node_graph[dst]),
                 "an edge connects two graphs, or edge_graph is not the graph of its ends")
        _require(bool(np.all(np.diff(self.node_graph) >= 0))
                 and (n == 0 or (self.node_graph[0] >= 0 and self.node_graph[-1] < self.n_graphs)),
                 "node_graph is not non-decreasing within 0 … n_graphs - 1")

    def _validate_shapes(self, n: int, n_edges: int) -> None:
        expected = {"node_features": (n, len(NODE_FEATURES)), "node_graph": (n,), "node_particle": (n,),
                    **{name: (n_edges,) for name in ("edge_src", "edge_dst", "edge_rev", "edge_distance", "edge_graph")}}
        for name, shape in expected.items():
            _require(getattr(self, name).shape == shape, f"{name} has shape {getattr(self, name).shape}, expected {shape}")

    def to_torch(self, device: "str | torch.device" = "cpu") -> TorchGraphBatch:
        """The same batch as torch tensors on ``device`` (float32 features, int64 indices)."""
        import torch  # noqa: PLC0415  (kept out of the module import: chapter 03 needs no torch)

        tensors = {field.name: torch.tensor(np.asarray(getattr(self, field.name)), device=device)
                   for field in fields(self) if field.name != "n_graphs"}
        return TorchGraphBatch(**tensors, n_graphs=self.n_graphs)


def _require(condition: Any, message: str) -> None:
    if not bool(condition):
        raise GraphError(message)


# --------------------------------------------------------------------------------------------
# Parameters and inputs
# --------------------------------------------------------------------------------------------


def _check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise GraphError(f"k (number of nearest neighbours) must be an integer ≥ 1, got {k!r}")
    return int(k)


def _check_l_win(l_win: float) -> float:
    if not (isinstance(l_win, (int, float, np.floating, np.integer)) and 0.0 < float(l_win) < 1.0):
        raise GraphError(f"window length l_win must lie in (0, 1) box lengths, got {l_win!r}")
    return float(l_win)


def _check_configuration(positions: np.ndarray, types: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions in [0, 1) (N, 2) float64 and types (N,); ConfigurationError otherwise.

    Fast path: two reductions (NaN propagates through both) show most configurations already lie
    in [0, 1); only the others go through :func:`wrap_scaled`, which wraps them or says what is
    wrong.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 2 or positions.shape[1] != 2:
        raise ConfigurationError(f"positions of one configuration must have shape (N, 2), got {positions.shape}")
    if positions.size and not (positions.min() >= 0.0 and positions.max() < 1.0):
        positions = wrap_scaled(positions)
        positions[positions >= 1.0] = 0.0  # np.mod(-1e-17, 1.0) == 1.0; cKDTree(boxsize=1) needs [0, 1)
    types = np.asarray(types)
    if types.shape != positions.shape[:1]:
        raise ConfigurationError(f"types has shape {types.shape} but positions hold {positions.shape[0]} particles")
    return positions, types


# --------------------------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------------------------


def sample_window(rng: np.random.Generator, l_win: float) -> tuple[float, float]:
    """Draw the lower-left corner of a square window (SPEC section 6).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (two uniform draws, x0 then y0).
    l_win : float
        Window side in box lengths, in (0, 1).

    Returns
    -------
    (x0, y0) : tuple of float
        Corner in scaled units, each uniform in [0, 1 - l_win].
    """
    l_win = _check_l_win(l_win)
    x0, y0 = rng.uniform(0.0, 1.0 - l_win, size=2)
    return float(x0), float(y0)


def window_indices(positions: np.ndarray, x0: float, y0: float, l_win: float) -> np.ndarray:
    """Indices of the particles inside the window ``[x0, x0 + l_win] × [y0, y0 + l_win]``.

    Parameters
    ----------
    positions : (N, 2) float
        Scaled coordinates in [0, 1] (not checked here; see :func:`window_graph`).
    x0, y0 : float
        Lower-left corner of the window, scaled units.
    l_win : float
        Window side, box lengths. The bounds are inclusive; there is no periodic wrap.

    Returns
    -------
    (m,) int64
        Increasing particle indices.
    """
    x, y = positions[:, 0], positions[:, 1]
    inside = (x >= x0) & (x <= x0 + l_win) & (y >= y0) & (y <= y0 + l_win)
    return np.flatnonzero(inside).astype(np.int64)


def _check_window_size(n_inside: int, k: int, l_win: float, corner: tuple[float, float], n_total: int,
                       where: str = "") -> None:
    place = f"window{where} at (x0, y0) = ({corner[0]:.4f}, {corner[1]:.4f}) with l_win = {l_win}"
    if n_inside == 0:
        raise GraphError(f"{place} holds no particles (of {n_total}); use a larger l_win "
                         f"(about l_win² · N = {l_win ** 2 * n_total:.1f} particles are expected)")
    if n_inside < k + 1:
        raise GraphError(f"{place} holds {n_inside} particles, fewer than k + 1 = {k + 1} needed for "
                         f"k = {k} nearest neighbours each; use a larger l_win or a smaller k")


# --------------------------------------------------------------------------------------------
# kNN edges
# --------------------------------------------------------------------------------------------


def _knn_neighbours(points: np.ndarray, k: int, boxsize: float | None) -> np.ndarray:
    """The k nearest other points of every point, shape (n, k) int64 (self excluded)."""
    n = points.shape[0]
    _, index = cKDTree(points, boxsize=boxsize, balanced_tree=False).query(points, k=k + 1)
    is_self = index == np.arange(n)[:, None]
    # Each point is normally its own first neighbour; with coincident points it may be pushed
    # out of the k + 1 returned, then the farthest of them is dropped instead.
    is_self[~is_self.any(axis=1), -1] = True
    return index[~is_self].reshape(n, k).astype(np.int64)


def _symmetric_pairs(neighbours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unordered pairs (lo < hi) of the symmetrised kNN relation, sorted by (lo, hi)."""
    n, k = neighbours.shape
    src = np.repeat(np.arange(n, dtype=np.int64), k)
    dst = neighbours.ravel()
    codes = np.unique(np.minimum(src, dst) * n + np.maximum(src, dst))
    return np.divmod(codes, n)


def _pair_distances(points: np.ndarray, lo: np.ndarray, hi: np.ndarray, periodic: bool) -> np.ndarray:
    delta = points[hi] - points[lo]
    if periodic:
        delta -= np.round(delta)
    return np.hypot(delta[:, 0], delta[:, 1])


def _interleave(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.stack([a, b], axis=1).ravel()


def knn_edges(points: np.ndarray, k: int, periodic: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed edges of the symmetrised k-nearest-neighbour graph.

    Parameters
    ----------
    points : (n, 2) float
        Coordinates, scaled units; for ``periodic=True`` they must lie in [0, 1).
    k : int
        Neighbours per point, ≥ 1; ``n ≥ k + 1`` is required.
    periodic : bool
        Minimum-image distances in the unit box (``cKDTree(boxsize=1.0)``).

    Returns
    -------
    src, dst : (E,) int64
        Edge ``e`` runs ``src[e] → dst[e]``; edges ``2p`` and ``2p + 1`` are the two directions of
        connection ``p`` (so the reverse of ``e`` is ``e ^ 1``). Each point has at least ``k``
        out-edges; there are no self-loops and no duplicates.
    distance : (E,) float64
        Edge lengths, scaled units.
    """
    k = _check_k(k)
    points = np.asarray(points, dtype=float)
    if points.shape[0] < k + 1:
        raise GraphError(f"{points.shape[0]} points are too few for k = {k} nearest neighbours (need k + 1)")
    lo, hi = _symmetric_pairs(_knn_neighbours(points, k, 1.0 if periodic else None))
    distance = _pair_distances(points, lo, hi, periodic)
    return _interleave(lo, hi), _interleave(hi, lo), np.repeat(distance, 2)


def reverse_edge_index(edge_src: np.ndarray, edge_dst: np.ndarray) -> np.ndarray:
    """For every directed edge, the index of its reverse (for hand-built edge lists).

    Parameters
    ----------
    edge_src, edge_dst : (E,) int
        Directed edges without duplicates.

    Returns
    -------
    (E,) int64
        ``rev`` with ``edge_src[rev] == edge_dst`` and ``edge_dst[rev] == edge_src``.

    Raises
    ------
    GraphError
        If some edge has no reverse.
    """
    edge_src, edge_dst = np.asarray(edge_src, dtype=np.int64), np.asarray(edge_dst, dtype=np.int64)
    if edge_src.size == 0:
        return np.zeros(0, dtype=np.int64)
    n = int(max(edge_src.max(), edge_dst.max())) + 1
    codes = edge_src * n + edge_dst
    order = np.argsort(codes, kind="stable")
    wanted = edge_dst * n + edge_src
    position = np.minimum(np.searchsorted(codes[order], wanted), codes.size - 1)
    found = codes[order][position] == wanted
    if not found.all():
        raise GraphError(f"{int((~found).sum())} directed edges have no reverse edge, e.g. "
                         f"{int(edge_src[~found][0])} → {int(edge_dst[~found][0])}")
    return order[position]


# --------------------------------------------------------------------------------------------
# Graphs and batches
# --------------------------------------------------------------------------------------------


def _assemble(points: np.ndarray, type_values: np.ndarray, particles: np.ndarray, node_graph: np.ndarray,
              n_graphs: int, k: int, periodic: bool, query_points: np.ndarray | None = None) -> GraphBatch:
    """GraphBatch from node coordinates (n, 2), types (n,), particle ids and graph ids.

    ``query_points`` (default ``points``) are the coordinates the kNN search sees; distances
    are always taken from ``points``.
    """
    query = points if query_points is None else query_points
    lo, hi = _symmetric_pairs(_knn_neighbours(query, k, 1.0 if periodic else None))
    distance = np.repeat(_pair_distances(points, lo, hi, periodic).astype(np.float32), 2)
    edge_src, edge_dst = _interleave(lo, hi), _interleave(hi, lo)
    node_features = np.empty((points.shape[0], 3), dtype=np.float32)
    node_features[:, :2] = points
    node_features[:, 2] = type_indicator(type_values)
    return GraphBatch(node_features=node_features, edge_src=edge_src, edge_dst=edge_dst,
                      edge_rev=np.arange(edge_src.size, dtype=np.int64) ^ 1, edge_distance=distance,
                      node_graph=node_graph, edge_graph=node_graph[edge_src], node_particle=particles,
                      n_graphs=n_graphs)


def build_graph(positions: np.ndarray, types: np.ndarray, k: int, particles: np.ndarray | None = None) -> GraphBatch:
    """The kNN graph of some particles of a configuration, without periodic wrap (one graph).

    Parameters
    ----------
    positions : (N, 2) float
        Scaled coordinates of the configuration, in [0, 1] up to the wrap tolerance.
    types : (N,) int
        LAMMPS types, 1 (A) or 2 (B).
    k : int
        Nearest neighbours per particle, ≥ 1.
    particles : (m,) int, optional
        Which particles form the graph (default: all), e.g. :func:`window_indices`.

    Returns
    -------
    GraphBatch
        ``n_graphs == 1``; node ``i`` is particle ``particles[i]``.

    Raises
    ------
    ConfigurationError
        NaN coordinates, coordinates outside [0, 1], unknown types.
    GraphError
        Bad ``k`` or fewer than ``k + 1`` particles.
    """
    k = _check_k(k)
    positions, types = _check_configuration(positions, types)
    particles = np.arange(positions.shape[0], dtype=np.int64) if particles is None else np.array(particles, dtype=np.int64)
    if particles.ndim != 1 or (particles.size and (particles.min() < 0 or particles.max() >= positions.shape[0])):
        raise GraphError(f"particles must be a 1-D array of indices in 0 … {positions.shape[0] - 1}")
    if np.unique(particles).size != particles.size:
        raise GraphError("particles holds repeated indices; each particle can be one node only")
    if particles.size < k + 1:
        raise GraphError(f"{particles.size} particles are too few for k = {k} nearest neighbours (need k + 1)")
    return _assemble(positions[particles], types[particles], particles,
                     np.zeros(particles.size, dtype=np.int64), 1, k, periodic=False)


def window_graph(positions: np.ndarray, types: np.ndarray, l_win: float, k: int, rng: np.random.Generator) -> GraphBatch:
    """The kNN graph of one random square window of a configuration (one graph).

    Parameters
    ----------
    positions : (N, 2) float
        Scaled coordinates, in [0, 1] up to the wrap tolerance.
    types : (N,) int
        LAMMPS types, 1 (A) or 2 (B).
    l_win : float
        Window side in box lengths, in (0, 1).
    k : int
        Nearest neighbours per particle, ≥ 1.
    rng : numpy.random.Generator
        Draws the window corner (:func:`sample_window`).

    Returns
    -------
    GraphBatch
        One graph; the same as ``random_window_batch([(positions, types)], l_win, k, rng)``.
    """
    return random_window_batch([(positions, types)], l_win, k, rng)


def periodic_knn_graph(positions: np.ndarray, types: np.ndarray, k: int) -> GraphBatch:
    """The kNN graph of a whole configuration with minimum-image neighbours (one graph).

    Parameters
    ----------
    positions : (N, 2) float
        Scaled coordinates, in [0, 1] up to the wrap tolerance (wrapped into [0, 1) first).
    types : (N,) int
        LAMMPS types, 1 (A) or 2 (B).
    k : int
        Nearest neighbours per particle, ≥ 1; ``N ≥ k + 1``.

    Returns
    -------
    GraphBatch
        ``n_graphs == 1``; node ``i`` is particle ``i``, node features hold the wrapped
        coordinates, edge distances are minimum-image distances in box lengths.
    """
    k = _check_k(k)
    positions, types = _check_configuration(positions, types)
    n = positions.shape[0]
    if n < k + 1:
        raise GraphError(f"the configuration holds {n} particles, fewer than k + 1 = {k + 1}; use a smaller k")
    return _assemble(positions, types, np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), 1, k, periodic=True)


def batch_graphs(graphs: Sequence[GraphBatch]) -> GraphBatch:
    """Concatenate graphs (or batches) into one disconnected graph.

    Parameters
    ----------
    graphs : sequence of GraphBatch
        At least one. Their node indices are offset by the nodes before them and their graph
        indices by the graphs before them.

    Returns
    -------
    GraphBatch
        ``n_graphs`` is the sum over the inputs.
    """
    if len(graphs) == 0:
        raise GraphError("batch_graphs needs at least one graph")
    node_counts = np.array([g.n_nodes for g in graphs], dtype=np.int64)
    edge_counts = np.array([g.n_edges for g in graphs], dtype=np.int64)
    graph_counts = np.array([g.n_graphs for g in graphs], dtype=np.int64)
    node_shift = np.repeat(np.cumsum(node_counts) - node_counts, edge_counts)
    edge_shift = np.repeat(np.cumsum(edge_counts) - edge_counts, edge_counts)
    graph_shift_nodes = np.repeat(np.cumsum(graph_counts) - graph_counts, node_counts)
    graph_shift_edges = np.repeat(np.cumsum(graph_counts) - graph_counts, edge_counts)

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(g, name) for g in graphs])

    return GraphBatch(node_features=cat("node_features"), edge_src=cat("edge_src") + node_shift,
                      edge_dst=cat("edge_dst") + node_shift, edge_rev=cat("edge_rev") + edge_shift,
                      edge_distance=cat("edge_distance"), node_graph=cat("node_graph") + graph_shift_nodes,
                      edge_graph=cat("edge_graph") + graph_shift_edges, node_particle=cat("node_particle"),
                      n_graphs=int(graph_counts.sum()))


def random_window_batch(configurations: Sequence[Configuration], l_win: float, k: int,
                        rng: np.random.Generator) -> GraphBatch:
    """One random window per configuration, as one batch of kNN graphs (a D-MPNN training step).

    Parameters
    ----------
    configurations : sequence of (positions, types)
        ``positions`` (N, 2) scaled coordinates in [0, 1] up to the wrap tolerance, ``types``
        (N,) LAMMPS types 1 (A) / 2 (B); N may differ between configurations.
    l_win : float
        Window side in box lengths, in (0, 1).
    k : int
        Nearest neighbours per particle inside its window, ≥ 1.
    rng : numpy.random.Generator
        Draws the corners, two numbers per configuration in order (:func:`sample_window`).

    Returns
    -------
    GraphBatch
        Graph ``g`` is the window of ``configurations[g]``; ``node_particle`` indexes into it.

    Raises
    ------
    ConfigurationError
        NaN coordinates, coordinates outside [0, 1] beyond the wrap tolerance, unknown types.
    GraphError
        Bad ``l_win`` or ``k``; a window with fewer than ``k + 1`` particles (or none).
    """
    l_win, k = _check_l_win(l_win), _check_k(k)
    if len(configurations) == 0:
        raise GraphError("random_window_batch needs at least one configuration")
    corners = rng.uniform(0.0, 1.0 - l_win, size=(len(configurations), 2))
    points, type_values, particles = [], [], []
    for g, (positions, types) in enumerate(configurations):  # a few windows; all else is batched
        positions, types = _check_configuration(positions, types)
        inside = window_indices(positions, corners[g, 0], corners[g, 1], l_win)
        where = f" {g}" if len(configurations) > 1 else ""
        _check_window_size(inside.size, k, l_win, (corners[g, 0], corners[g, 1]), positions.shape[0], where)
        points.append(positions[inside])
        type_values.append(types[inside])
        particles.append(inside)
    sizes = np.array([p.size for p in particles], dtype=np.int64)
    node_graph = np.repeat(np.arange(sizes.size, dtype=np.int64), sizes)
    points_all = np.concatenate(points)
    # Windows side by side, _WINDOW_SPACING apart: one kNN query finds every window's neighbours.
    query = points_all - corners[node_graph]
    query[:, 0] += _WINDOW_SPACING * node_graph
    return _assemble(points_all, np.concatenate(type_values), np.concatenate(particles), node_graph,
                     sizes.size, k, periodic=False, query_points=query)


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


def bench_graphs(n_particles: int = 4320, l_win: float = 0.2, k: int = 5, batch: int = 5,
                 repeats: int = 200, seed: int = 0) -> dict[str, Any]:
    """Time :func:`random_window_batch` end to end and print the figures.

    The configurations are uniform random positions with 65 % A / 35 % B (a liquid-like density
    of points is all the timing depends on); each repeat draws ``batch`` windows from ``batch``
    configurations and builds the batch (checks, windows, kNN, symmetrisation, reverse index,
    batching). One warm-up batch is not timed.

    Returns
    -------
    dict
        ``mean_ms`` and ``median_ms`` per batch, ``mean_particles_per_window``, ``mean_edges_per_batch``
        and the parameters.
    """
    rng = np.random.default_rng(seed)
    configurations = [(rng.random((n_particles, 2)), np.where(rng.random(n_particles) < 0.65, 1, 2))
                      for _ in range(batch)]
    random_window_batch(configurations, l_win, k, rng)
    seconds, particles, edges = np.empty(repeats), np.empty(repeats), np.empty(repeats)
    for r in range(repeats):
        started = time.perf_counter()
        graph = random_window_batch(configurations, l_win, k, rng)
        seconds[r] = time.perf_counter() - started
        particles[r], edges[r] = graph.n_nodes / batch, graph.n_edges
    result = {"mean_ms": 1e3 * float(seconds.mean()), "median_ms": 1e3 * float(np.median(seconds)),
              "mean_particles_per_window": float(particles.mean()), "mean_edges_per_batch": float(edges.mean()),
              "n_particles": n_particles, "l_win": l_win, "k": k, "batch": batch, "repeats": repeats}
    print(f"graph batches: {batch} windows of l_win = {l_win} from uniform random configurations of "
          f"N = {n_particles}, k = {k}, {repeats} repeats, one process")
    print(f"  mean   {result['mean_ms']:7.3f} ms per batch")
    print(f"  median {result['median_ms']:7.3f} ms per batch")
    print(f"  mean particles per window {result['mean_particles_per_window']:.1f} "
          f"(expected l_win² · N = {l_win ** 2 * n_particles:.1f}), "
          f"mean directed edges per batch {result['mean_edges_per_batch']:.0f}")
    return result
