"""Structural metrics without any network, and their kink at Tg (book chapter 07, SPEC section 8).

**The graph.** In one periodic configuration every B particle sends an edge to each of its **two
nearest neighbours** (of either type; periodic minimum-image distances; a particle is never its own
neighbour). A particles send no edges. The edges are undirected: a B–B pair in which each particle
chose the other is **one** edge. A particle *touches the graph* when at least one edge ends on it;
every B particle does (it sends two edges), an A particle only when some B particle chose it.

**The three counts** of one configuration:

``components``
    The number of connected components of the graph **among the particles that touch it**, i.e.
    of the graph made of the edges alone (the paper's code counted the components of the graph of
    the edges touching B particles). An A particle with no edge is *not* a component of its own;
    it is counted by ``isolated_a`` instead. A configuration without B particles has 0.
``bb_edges``
    The number of distinct undirected edges joining two B particles (mutual choices counted once).
``isolated_a``
    The number of A particles that no edge touches (no B particle chose them).

The paper found that glasses have fewer components, fewer B–B edges and fewer isolated A
particles than liquids, and that each count, averaged over runs, falls steeply with falling
temperature above Tg and more slowly below it. :func:`metrics_vs_temperature` averages the counts
over runs at every recorded temperature; :func:`kink_regression` fits
y = α0 + α1·T + α2·𝟙 + α3·𝟙·T (𝟙 = 1 for T > Tg) by unweighted ordinary least squares to those
per-temperature means (weights optional) and tests α3 > 0; :func:`metric_auc` scores each count as
a stand-alone classifier with the fixed direction "glass = fewer" (score −count).

**Units.** Positions and box length in any one unit: σ as stored, or positions scaled to the unit
square with box length 1 (as in :class:`glasslib.data.datasets.Dataset`); nearest neighbours, hence
the counts, do not change under scaling.

**Edge cases.** A configuration with no B particles has ``components = 0``, ``bb_edges = 0`` and
``isolated_a = N_A``. Every configuration needs at least 3 particles (so that a B particle has two
neighbours other than itself): fewer raise ``ValueError``, as do non-finite positions or box
length and types other than 1 (A) and 2 (B). Exact distance ties (measure zero for real
configurations) are broken by the KD-tree, i.e. arbitrarily.

**Implementation.** :func:`structural_metrics` handles a batch of M configurations at once. The
neighbour search is one periodic KD-tree (scipy) per configuration, queried for all its B
particles (a single tree holding the whole batch, lifted apart in a third dimension or copied with
explicit periodic images, was measured no faster). Everything else is done for many
configurations at once: the components come from one call of
:func:`scipy.sparse.csgraph.connected_components` on the block-diagonal graph of the particles
that touch it, B–B edges and isolated A particles from array operations. Chunks of configurations
run on all cores in threads. Measured by :func:`bench_metrics` (1,000 configurations of N = 4,320,
2 cores): 1.2–1.4 ms per configuration on 2 threads, 2.1–2.3 ms on one — of which the KD-tree
search is 1.8 ms, the graph and counts 0.3–0.5 ms — against 20–23 ms for the networkx reference
(of which 2.3 ms are its own KD-tree search); the graph-and-count part is 40–60× faster, the whole
16–18× (2 threads) or ~10× (1 thread). The KD-tree is the floor: building it holds the GIL
(0.5 ms per configuration), so threads cannot overlap the builds.
:func:`structural_metrics_networkx` is the plain reference (one networkx graph per
configuration) that the tests and :func:`bench_metrics` compare against.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from glasslib.system import TYPE_A, TYPE_B

METRICS = ("components", "bb_edges", "isolated_a")


#: Direction in which each metric separates the classes: glasses have *fewer* of each (the paper),
#: so the glass score of :func:`metric_auc` is ``−metric``.
#: Printed name of each metric.
METRIC_LABELS = {"components": "connected components", "bb_edges": "B–B edges", "isolated_a": "isolated A particles"}
GLASS_DIRECTION = {"components": -1, "bb_edges": -1, "isolated_a": -1}


NEIGHBOURS = 2


#: Particles per sparse graph: larger batches are split into chunks of whole configurations.
CHUNK_PARTICLES = 2_500_000


#: Chunks per thread: more, smaller chunks keep the threads busy to the end (scipy builds a KD-tree
#: holding the GIL, so threads take turns there; measured best from 8 chunks per thread up).
CHUNKS_PER_THREAD = 16


def _checked_batch(positions: np.ndarray, types: np.ndarray, box_length: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Positions (M, N, 2) float64 wrapped into [0, L), types (M, N) int8, L; ValueError if unusable."""
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim == 2:
        positions = positions[None]
    if positions.ndim != 3 or positions.shape[2] != 2:
        raise ValueError(f"positions must have shape (M, N, 2) or (N, 2); got {positions.shape}")
    m, n, _ = positions.shape
    box_length = float(box_length)
    if not (np.isfinite(box_length) and box_length > 0):
        raise ValueError(f"box_length must be a positive finite number; got {box_length}")
    if n < NEIGHBOURS + 1:
        raise ValueError(
            f"each configuration needs at least {NEIGHBOURS + 1} particles (a B particle connects "
            f"to its {NEIGHBOURS} nearest neighbours); got N = {n}"
        )
    low, high = (positions.min(), positions.max()) if positions.size else (0.0, 0.0)  # NaN/inf propagate
    if not (np.isfinite(low) and np.isfinite(high)):
        bad = np.unique(np.nonzero(~np.isfinite(positions))[0])
        raise ValueError(f"positions contain NaN or infinite values (configurations {bad[:10].tolist()})")
    types = np.asarray(types)
    if types.shape not in ((n,), (m, n)):
        raise ValueError(f"types must have shape (N,) = ({n},) or (M, N) = ({m}, {n}); got {types.shape}")
    if not np.all(np.isin(np.unique(types), (TYPE_A, TYPE_B))):
        raise ValueError(f"types must be LAMMPS types {TYPE_A} (A) or {TYPE_B} (B)")
    types = np.broadcast_to(types.astype(np.int8), (m, n))
    if low < 0 or high >= box_length:  # wrap into a new array, never the caller's
        positions = np.mod(positions, box_length)
        positions[positions >= box_length] = 0.0  # mod can round up to exactly box_length
    return positions, types, box_length


def _drop_self(found: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Of each row of the 3 nearest (self included), the two that are not ``query`` itself, (len(query), 2)."""
    is_self = found == query[:, None]  # normally column 0; elsewhere only for coincident points
    return np.where(is_self[:, :1], found[:, 1:], np.where(is_self[:, 1:2], found[:, [0, 2]], found[:, :2]))


#: Search radius of the first, bounded neighbour query, in mean interparticle spacings L/√N. The
#: second-nearest neighbour of a B particle lies well inside it in dense configurations; the rare
#: particles without two neighbours inside are searched again without a bound, so results are exact.
SEARCH_SPACINGS = 1.6


def _nearest_two(positions: np.ndarray, box_length: float, query: np.ndarray) -> np.ndarray:
    """Indices (len(query), 2) of the two nearest particles of ``positions[query]`` other than themselves.

    One periodic KD-tree (scipy) per configuration, searched first within :data:`SEARCH_SPACINGS`
    spacings (faster); the particles with fewer than two neighbours inside are searched again
    without the bound, so the result is exact. (Explicit periodic images in a non-periodic tree,
    and smaller leaves, were measured: no faster in total.)
    """
    tree = cKDTree(positions, boxsize=box_length, balanced_tree=False, compact_nodes=False)
    bound = SEARCH_SPACINGS * box_length / np.sqrt(len(positions))
    distance, found = tree.query(positions[query], k=NEIGHBOURS + 1, distance_upper_bound=bound)
    short = ~np.isfinite(distance[:, -1])
    if short.any():
        found[short] = tree.query(positions[query[short]], k=NEIGHBOURS + 1)[1]
    return _drop_self(found, query)


def _chunk_metrics(positions: np.ndarray, types: np.ndarray, box_length: float) -> dict[str, np.ndarray]:
    """The three counts of checked, wrapped positions (M, N, 2) and types (M, N); see the module docstring."""
    m, n, _ = positions.shape
    total = m * n
    is_b = (types == TYPE_B).ravel()
    senders = np.flatnonzero(is_b)  # global index c·N + i, sorted
    chosen = np.empty((senders.size, NEIGHBOURS), dtype=np.int64)
    bounds = np.searchsorted(senders, np.arange(m + 1) * n)
    for c in range(m):  # one KD-tree per configuration: as fast as one tree of the batch, and simpler
        rows = slice(bounds[c], bounds[c + 1])
        if bounds[c + 1] > bounds[c]:
            chosen[rows] = c * n + _nearest_two(positions[c], box_length, senders[rows] - c * n)

    source, target = np.repeat(senders, NEIGHBOURS), chosen.ravel()
    touched = np.zeros(total, dtype=bool)
    touched[source] = True
    touched[target] = True

    # B–B edges: directed B→B choices minus one per mutual pair (each mutual pair is chosen twice)
    row_of = np.full(total, -1, dtype=np.int64)
    row_of[senders] = np.arange(senders.size)
    to_b = is_b[target]
    back = chosen[row_of[target[to_b]]]
    mutual = np.any(back == source[to_b, None], axis=1)
    config_of_bb = source[to_b] // n
    bb_edges = np.bincount(config_of_bb, minlength=m) - np.bincount(config_of_bb[mutual], minlength=m) // 2

    # components: one graph of the particles that touch it (block-diagonal over the configurations),
    # renumbered 0 … T−1 in order, so B senders stay sorted and each holds one CSR row of two choices
    node = np.cumsum(touched, dtype=np.int64) - 1
    n_touched = int(node[-1]) + 1 if total else 0
    indptr = np.zeros(n_touched + 1, dtype=np.int32)
    indptr[node[senders] + 1] = NEIGHBOURS
    adjacency = sparse.csr_array(
        (
            np.ones(target.size),
            node[target].astype(np.int32),  # float64: no copy in scipy
            np.cumsum(indptr, dtype=np.int32),
        ),
        shape=(n_touched, n_touched),
    )
    n_components, labels = connected_components(adjacency, directed=True, connection="weak")
    config_of_label = np.empty(n_components, dtype=np.int64)
    config_of_label[labels] = np.flatnonzero(touched) // n  # components never span two configurations
    components = np.bincount(config_of_label, minlength=m)
    untouched = (~touched).reshape(m, n)
    isolated_a = (untouched & (types == TYPE_A)).sum(axis=1)
    return {"components": components.astype(np.int64), "bb_edges": bb_edges.astype(np.int64), "isolated_a": isolated_a.astype(np.int64)}


def structural_metrics(positions: np.ndarray, types: np.ndarray, box_length: float, workers: int = -1) -> dict[str, np.ndarray]:
    """Components, B–B edges and isolated A particles of a batch of configurations (chapter 07).

    Definitions in the module docstring. One KD-tree query per configuration; the counts of many
    configurations at once come from one sparse graph. The batch is cut into chunks of whole
    configurations (at most :data:`CHUNK_PARTICLES` particles each, to bound memory, and about
    :data:`CHUNKS_PER_THREAD` per thread) that ``workers`` threads process side by side: scipy's
    KD-tree queries and most numpy operations release the GIL (the tree builds do not, which
    bounds the gain of threads).

    Parameters
    ----------
    positions : (M, N, 2) or (N, 2) array
        Positions in any length unit, the same as ``box_length``: unscaled positions with the box
        side in σ, or positions scaled to the unit square with ``box_length=1.0`` (nearest
        neighbours do not change under scaling, so the counts are the same). Wrapped here.
    types : (N,) or (M, N) array
        LAMMPS types, 1 = A, 2 = B; (N,) when all configurations share them.
    box_length : float
        Side of the square periodic box, in the unit of ``positions``.
    workers : int
        Threads working on chunks of configurations at once; −1 (default) = every core this
        process may use. The counts do not depend on it.

    Returns
    -------
    dict
        ``"components"``, ``"bb_edges"``, ``"isolated_a"``: each (M,) int64 (M = 1 for (N, 2) input).

    Raises
    ------
    ValueError
        Fewer than 3 particles, non-finite positions or box length, bad shapes or types.
    """
    positions, types, box_length = _checked_batch(positions, types, box_length)
    m, n, _ = positions.shape
    threads = _threads(workers)
    per_chunk = max(1, min(CHUNK_PARTICLES // n, -(-m // (CHUNKS_PER_THREAD * threads))))
    starts = range(0, m, per_chunk)
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda s: _chunk_metrics(positions[s : s + per_chunk], types[s : s + per_chunk], box_length), starts))
    return {key: np.concatenate([p[key] for p in parts] or [np.zeros(0, np.int64)]) for key in METRICS}


#: The per-particle readings of :func:`particle_bond_graph`, with their printed names.
PARTICLE_READINGS = {
    "chosen_by_b": "times chosen by a B neighbour",
    "isolated_a": "isolated A (no B chose it)",
    "component_size": "size of its bond-graph component",
}


def particle_bond_graph(positions: np.ndarray, types: np.ndarray, box_length: float) -> dict[str, np.ndarray]:
    """Where each particle of one configuration sits in chapter 07's bond graph (chapter 09 scores it against motion).

    The graph of the module docstring (every B particle bonded to its two nearest neighbours).

    Parameters
    ----------
    positions : (N, 2) — positions in the unit of ``box_length`` (wrapped here).
    types : (N,) — LAMMPS types, 1 = A, 2 = B.
    box_length : float — side of the square periodic box.

    Returns
    -------
    dict of (N,) arrays, keys :data:`PARTICLE_READINGS`:
        ``chosen_by_b`` (int64) how many B particles chose the particle as one of their two nearest
        neighbours; ``isolated_a`` (bool) an A particle no B particle chose (the particles that
        chapter 07's ``isolated_a`` counts); ``component_size`` (int64) the particles of its
        connected component, 1 for a particle no edge touches.

    Raises
    ------
    ValueError
        As :func:`structural_metrics`; a batch of configurations.
    """
    if np.ndim(positions) != 2:
        raise ValueError(f"particle_bond_graph reads one configuration, positions (N, 2); got shape {np.shape(positions)}")
    positions, types, box_length = _checked_batch(positions, types, box_length)
    positions, types = positions[0], types[0]
    n = len(positions)
    senders = np.flatnonzero(types == TYPE_B)
    chosen = _nearest_two(positions, box_length, senders) if senders.size else np.zeros((0, NEIGHBOURS), dtype=np.int64)
    chosen_by_b = np.bincount(chosen.ravel(), minlength=n).astype(np.int64)
    edges = sparse.coo_array((np.ones(chosen.size), (np.repeat(senders, NEIGHBOURS), chosen.ravel())), shape=(n, n))
    _, labels = connected_components(edges, directed=True, connection="weak")
    return {
        "chosen_by_b": chosen_by_b,
        "isolated_a": (types == TYPE_A) & (chosen_by_b == 0),
        "component_size": np.bincount(labels)[labels].astype(np.int64),
    }


def _threads(workers: int) -> int:
    """Threads for ``workers`` (−1: the cores this process may use); ValueError for 0 or < −1."""
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers == 0 or workers < -1:
        raise ValueError(f"workers must be a positive number of threads or -1 (all cores); got {workers!r}")
    return len(os.sched_getaffinity(0)) if workers == -1 else int(workers)


def _reference_graph(positions: np.ndarray, types: np.ndarray, box_length: float) -> nx.Graph:
    """The networkx graph of one configuration: only edges, so untouched particles are absent."""
    senders = np.flatnonzero(types == TYPE_B)
    _, found = cKDTree(positions, boxsize=box_length).query(positions[senders], k=NEIGHBOURS + 1)
    graph = nx.Graph()
    for b, row in zip(senders.tolist(), found.tolist()):
        graph.add_edges_from((b, j) for j in [j for j in row if j != b][:NEIGHBOURS])
    return graph


def structural_metrics_networkx(positions: np.ndarray, types: np.ndarray, box_length: float) -> dict[str, np.ndarray]:
    """Reference for :func:`structural_metrics`: one networkx graph per configuration, plain loops.

    Same parameters, definitions, checks and return value as :func:`structural_metrics`; the
    neighbours of a configuration's B particles come from one KD-tree query of that configuration,
    the graph is built edge by edge in networkx and the counts come from networkx
    (``number_connected_components`` of the graph of edges, B–B edges by inspection, A particles
    absent from the graph).
    """
    positions, types, box_length = _checked_batch(positions, types, box_length)
    counts = {key: np.zeros(len(positions), dtype=np.int64) for key in METRICS}
    for c, (config, kinds) in enumerate(zip(positions, types)):
        graph = _reference_graph(config, kinds, box_length)
        counts["components"][c] = nx.number_connected_components(graph)
        counts["bb_edges"][c] = sum(1 for i, j in graph.edges if kinds[i] == TYPE_B and kinds[j] == TYPE_B)
        counts["isolated_a"][c] = sum(1 for i in np.flatnonzero(kinds == TYPE_A) if int(i) not in graph)
    return counts
