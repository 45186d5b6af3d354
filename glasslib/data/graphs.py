"""k-nearest-neighbour graphs of configurations: the input of the D-MPNN (book chapters 03 and 05).

SPEC section 6, per configuration and fresh at every training step:

1. **Window.** Draw a corner ``(x0, y0)`` uniformly from ``[0, 1 - l_win]²`` and keep the
   particles with ``x0 ≤ x ≤ x0 + l_win`` and ``y0 ≤ y ≤ y0 + l_win`` (scaled coordinates; no
   periodic wrap). ``l_win = 0.2`` keeps ≈ 0.04 · 4,320 ≈ 173 particles.
2. **Graph.** Connect each particle to its ``k`` nearest neighbours inside the window. The
   connections are the *symmetrised* kNN relation (a pair is connected when either particle is
   among the other's k nearest), each unordered pair once, and every connection is two directed
   edges v→w and w→v. Not in the paper: with a ``radius`` > 0 (scaled units), every pair closer
   than it is connected as well, so a particle's degree counts its neighbours within the cut-off
   (its coordination) instead of being near ``k`` — the *radius graph* option, searched beside the
   plain kNN graph where a profile asks for it (:class:`~glasslib.models.dmpnn.params.DMPNNParams`). Node features are ``(x, y, type)``: the particle's absolute scaled
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

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from glasslib.data.graph_batch import NODE_FEATURES, GraphBatch, GraphError
from glasslib.system import ConfigurationError, type_indicator, wrap_scaled

if TYPE_CHECKING:  # torch is imported only when a batch is converted
    pass


#: Spacing of windows laid side by side for one batched kNN query, in scaled units. Windows
#: span at most 1 box length, so neighbouring windows are ≥ 2 apart, more than the largest
#: distance inside one window (√2); no particle can find a neighbour in another window.
_WINDOW_SPACING = 3.0

#: What a D-MPNN's graphs are made of besides the positions and its hyperparameters (k, window
#: side): part of the ``model`` product's hash of every D-MPNN (:mod:`glasslib.rundir`).
GRAPH_INPUTS = {"node_features": NODE_FEATURES, "neighbours": "k nearest, minimum image, within the window", "edges": "directed, both ways"}


Configuration = tuple[np.ndarray, np.ndarray]


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


def _check_window_size(n_inside: int, k: int, l_win: float, corner: tuple[float, float], n_total: int, where: str = "") -> None:
    place = f"window{where} at (x0, y0) = ({corner[0]:.4f}, {corner[1]:.4f}) with l_win = {l_win}"
    if n_inside == 0:
        raise GraphError(
            f"{place} holds no particles (of {n_total}); use a larger l_win "
            f"(about l_win² · N = {l_win**2 * n_total:.1f} particles are expected)"
        )
    if n_inside < k + 1:
        raise GraphError(
            f"{place} holds {n_inside} particles, fewer than k + 1 = {k + 1} needed for "
            f"k = {k} nearest neighbours each; use a larger l_win or a smaller k"
        )


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


def _with_radius_pairs(
    lo: np.ndarray, hi: np.ndarray, points: np.ndarray, radius: float, boxsize: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(lo, hi)`` united with every pair of ``points`` closer than ``radius`` (none added for 0), sorted by (lo, hi)."""
    if radius <= 0:
        return lo, hi
    close = cKDTree(points, boxsize=boxsize, balanced_tree=False).query_pairs(radius, output_type="ndarray").astype(np.int64)
    n = points.shape[0]
    codes = np.unique(np.concatenate([lo * n + hi, close.min(axis=1) * n + close.max(axis=1)]))
    return np.divmod(codes, n)


def _check_radius(radius: float) -> float:
    radius = float(radius)
    if not 0.0 <= radius < 0.5:
        raise GraphError(f"radius must lie in [0, 0.5) box lengths (0: the kNN graph alone), got {radius!r}")
    return radius


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
        raise GraphError(
            f"{int((~found).sum())} directed edges have no reverse edge, e.g. {int(edge_src[~found][0])} → {int(edge_dst[~found][0])}"
        )
    return order[position]


def _assemble(
    points: np.ndarray,
    type_values: np.ndarray,
    particles: np.ndarray,
    node_graph: np.ndarray,
    n_graphs: int,
    k: int,
    periodic: bool,
    query_points: np.ndarray | None = None,
    radius: float = 0.0,
) -> GraphBatch:
    """GraphBatch from node coordinates (n, 2), types (n,), particle ids and graph ids.

    ``query_points`` (default ``points``) are the coordinates the neighbour search sees; distances
    are always taken from ``points``. ``radius`` > 0 adds every pair closer than it (module docstring).
    """
    query = points if query_points is None else query_points
    boxsize = 1.0 if periodic else None
    lo, hi = _with_radius_pairs(*_symmetric_pairs(_knn_neighbours(query, k, boxsize)), query, radius, boxsize)
    distance = np.repeat(_pair_distances(points, lo, hi, periodic).astype(np.float32), 2)
    edge_src, edge_dst = _interleave(lo, hi), _interleave(hi, lo)
    node_features = np.empty((points.shape[0], 3), dtype=np.float32)
    node_features[:, :2] = points
    node_features[:, 2] = type_indicator(type_values)
    return GraphBatch(
        node_features=node_features,
        edge_src=edge_src,
        edge_dst=edge_dst,
        edge_rev=np.arange(edge_src.size, dtype=np.int64) ^ 1,
        edge_distance=distance,
        node_graph=node_graph,
        edge_graph=node_graph[edge_src],
        node_particle=particles,
        n_graphs=n_graphs,
    )


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
    return _assemble(positions[particles], types[particles], particles, np.zeros(particles.size, dtype=np.int64), 1, k, periodic=False)


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


def random_window_batch(
    configurations: Sequence[Configuration], l_win: float, k: int, rng: np.random.Generator, radius: float = 0.0
) -> GraphBatch:
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
    radius : float — with > 0, pairs closer than this (box lengths) are connected too (module docstring).

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
    return window_batch(configurations, corners, l_win, k, radius)


def covering_corners(l_win: float) -> np.ndarray:
    """Lower-left corners of the fewest equal, evenly spaced windows of side ``l_win`` that cover the unit square.

    ``n = ⌈1 / l_win⌉ ≥ 2`` windows per side, the first starting at 0 and the last ending at 1, so
    neighbouring windows overlap when ``1 / l_win`` is not a whole number.

    Returns
    -------
    (n², 2) float64, rows ``(x0, y0)`` with x0 varying fastest.
    """
    l_win = _check_l_win(l_win)
    n = int(np.ceil(1.0 / l_win - 1e-9))
    starts = np.linspace(0.0, 1.0 - l_win, n)
    x0, y0 = np.meshgrid(starts, starts)
    return np.stack([x0.ravel(), y0.ravel()], axis=1)


def window_batch(configurations: Sequence[Configuration], corners: np.ndarray, l_win: float, k: int, radius: float = 0.0) -> GraphBatch:
    """The kNN graphs of given square windows, one per configuration, as one batch.

    Parameters
    ----------
    configurations : sequence of G (positions, types), as in :func:`random_window_batch`
        (the same configuration may appear several times, once per window).
    corners : (G, 2) float — lower-left corner of each window, scaled units.
    l_win : float — window side in box lengths, in (0, 1).
    k : int — nearest neighbours per particle inside its window, ≥ 1.
    radius : float — with > 0, every pair inside a window closer than this (box lengths) is connected too.

    Returns
    -------
    GraphBatch
        Graph ``g`` is window ``corners[g]`` of ``configurations[g]``; ``node_particle`` indexes into it.

    Raises
    ------
    ConfigurationError, GraphError
        As :func:`random_window_batch`; a corner count other than one per configuration.
    """
    l_win, k, radius = _check_l_win(l_win), _check_k(k), _check_radius(radius)
    corners = np.asarray(corners, dtype=np.float64)
    if len(configurations) == 0 or corners.shape != (len(configurations), 2):
        raise GraphError(f"window_batch needs one (x0, y0) corner per configuration; got {corners.shape} for {len(configurations)}")
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
    types_all, particles_all = np.concatenate(type_values), np.concatenate(particles)
    return _assemble(points_all, types_all, particles_all, node_graph, sizes.size, k, periodic=False, query_points=query, radius=radius)


def connected_pieces(graph: GraphBatch) -> int:
    """Number of connected components of a graph batch (isolated nodes count as pieces)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    adjacency = coo_matrix((np.ones(graph.n_edges), (graph.edge_src, graph.edge_dst)), shape=(graph.n_nodes, graph.n_nodes))
    return int(connected_components(adjacency, directed=False)[0])
