"""Tests of glasslib.data.graphs: kNN graphs of windows, their batches and reverse-edge indices."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glasslib.bench import graphs as bench_graphs
from glasslib.data import graph_batch, graphs
from glasslib.data.graph_batch import GraphBatch, GraphError
from glasslib.system import ConfigurationError

N_SMALL = 300


def random_configuration(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 2)), np.where(rng.random(n) < 0.65, 1, 2)


def brute_force_knn(points: np.ndarray, k: int, periodic: bool = False) -> np.ndarray:
    """(n, k) indices of the k nearest other points by an O(n²) search."""
    delta = points[:, None, :] - points[None, :, :]
    if periodic:
        delta -= np.round(delta)
    distance = np.hypot(delta[..., 0], delta[..., 1])
    np.fill_diagonal(distance, np.inf)
    return np.argsort(distance, axis=1)[:, :k]


def symmetrised_pairs(neighbours: np.ndarray) -> set[tuple[int, int]]:
    """All directed pairs (v, w) where w is a kNN of v or v a kNN of w."""
    pairs = set()
    for v, row in enumerate(neighbours):
        for w in row:
            pairs |= {(v, int(w)), (int(w), v)}
    return pairs


def edge_set(graph: GraphBatch, labels: np.ndarray | None = None) -> set[tuple[int, int]]:
    labels = graph.node_particle if labels is None else labels
    return set(zip(labels[graph.edge_src].tolist(), labels[graph.edge_dst].tolist()))


def assert_same_batch(a: GraphBatch, b: GraphBatch) -> None:
    assert a.n_graphs == b.n_graphs
    for name in ("node_features", "edge_src", "edge_dst", "edge_rev", "edge_distance", "node_graph", "edge_graph", "node_particle"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


# ---------------------------------------------------------------- structure of edges


@pytest.mark.parametrize("k", [1, 3, 5])
def test_edges_have_reverses_and_no_self_loops_or_duplicates(k):
    positions, types = random_configuration(N_SMALL, seed=k)
    graph = graphs.periodic_knn_graph(positions, types, k)
    graph.validate()
    e = np.arange(graph.n_edges)
    np.testing.assert_array_equal(graph.edge_src[graph.edge_rev], graph.edge_dst)
    np.testing.assert_array_equal(graph.edge_dst[graph.edge_rev], graph.edge_src)
    np.testing.assert_array_equal(graph.edge_rev[graph.edge_rev], e)
    assert np.all(graph.edge_rev != e)
    assert np.all(graph.edge_src != graph.edge_dst)
    assert len(edge_set(graph)) == graph.n_edges
    np.testing.assert_array_equal(graph.edge_distance, graph.edge_distance[graph.edge_rev])
    assert graph.node_features.dtype == np.float32 and graph.edge_distance.dtype == np.float32
    for name in ("edge_src", "edge_dst", "edge_rev", "node_graph", "edge_graph", "node_particle"):
        assert getattr(graph, name).dtype == np.int64, name


def test_reverse_edge_index_on_shuffled_edges():
    positions, _ = random_configuration(80, seed=3)
    src, dst, _ = graphs.knn_edges(positions, 3)
    order = np.random.default_rng(0).permutation(src.size)
    src, dst = src[order], dst[order]
    rev = graphs.reverse_edge_index(src, dst)
    np.testing.assert_array_equal(src[rev], dst)
    np.testing.assert_array_equal(dst[rev], src)
    with pytest.raises(GraphError, match="no reverse"):
        graphs.reverse_edge_index(np.array([0, 1, 1]), np.array([1, 0, 2]))


def test_validate_catches_a_broken_reverse_index():
    graph = graphs.periodic_knn_graph(*random_configuration(50, seed=0), k=2)
    broken = GraphBatch(**{**graph.__dict__, "edge_rev": np.arange(graph.n_edges)})
    with pytest.raises(GraphError, match="reverse"):
        broken.validate()


# ---------------------------------------------------------------- kNN against brute force


@pytest.mark.parametrize("k", [1, 2, 5])
def test_knn_edges_match_brute_force(k):
    points = np.random.default_rng(10 + k).random((150, 2))
    src, dst, distance = graphs.knn_edges(points, k)
    neighbours = brute_force_knn(points, k)
    edges = set(zip(src.tolist(), dst.tolist()))
    for v in range(points.shape[0]):  # each node's k nearest are among its out-neighbours
        assert {(v, int(w)) for w in neighbours[v]} <= edges
    assert edges == symmetrised_pairs(neighbours)  # and every edge is a kNN relation one way
    np.testing.assert_allclose(distance, np.linalg.norm(points[src] - points[dst], axis=1))


@pytest.mark.parametrize("k", [1, 4])
def test_periodic_neighbours_match_brute_force_minimum_image(k):
    positions, types = random_configuration(200, seed=20 + k)
    graph = graphs.periodic_knn_graph(positions, types, k)
    neighbours = brute_force_knn(positions, k, periodic=True)
    assert edge_set(graph) == symmetrised_pairs(neighbours)
    delta = positions[graph.edge_src] - positions[graph.edge_dst]
    delta -= np.round(delta)
    np.testing.assert_allclose(graph.edge_distance, np.hypot(delta[:, 0], delta[:, 1]), rtol=1e-6)
    assert graph.edge_distance.max() < 0.5


def test_periodic_neighbours_across_the_boundary():
    positions = np.array([[0.01, 0.5], [0.99, 0.5], [0.5, 0.1], [0.5, 0.8]])
    graph = graphs.periodic_knn_graph(positions, np.array([1, 2, 1, 1]), k=1)
    edges = edge_set(graph)
    assert (0, 1) in edges and (1, 0) in edges
    first = np.flatnonzero((graph.edge_src == 0) & (graph.edge_dst == 1))[0]
    assert graph.edge_distance[first] == pytest.approx(0.02, abs=1e-6)
    open_graph = graphs.build_graph(positions, np.array([1, 2, 1, 1]), k=1)  # no wrap: far apart
    assert (0, 1) not in edge_set(open_graph)


def test_coincident_particles_give_no_self_loops():
    positions = np.full((3, 2), 0.5)
    graph = graphs.build_graph(positions, np.array([1, 1, 2]), k=2)
    graph.validate()
    assert edge_set(graph) == {(v, w) for v in range(3) for w in range(3) if v != w}


# ---------------------------------------------------------------- windows


def test_sample_window_range_and_seed():
    draws = np.array([graphs.sample_window(np.random.default_rng(s), 0.3) for s in range(400)])
    assert draws.min() >= 0.0 and draws.max() <= 0.7
    assert draws.max() > 0.65 and draws.min() < 0.05
    assert graphs.sample_window(np.random.default_rng(5), 0.3) == graphs.sample_window(np.random.default_rng(5), 0.3)


def test_window_membership_matches_direct_mask():
    positions, types = random_configuration(2000, seed=1)
    x0, y0 = graphs.sample_window(np.random.default_rng(4), 0.25)
    inside = graphs.window_indices(positions, x0, y0, 0.25)
    mask = [x0 <= x <= x0 + 0.25 and y0 <= y <= y0 + 0.25 for x, y in positions]
    np.testing.assert_array_equal(inside, np.flatnonzero(mask))
    graph = graphs.window_graph(positions, types, 0.25, 3, np.random.default_rng(4))
    np.testing.assert_array_equal(graph.node_particle, inside)
    np.testing.assert_allclose(graph.node_features[:, :2], positions[inside].astype(np.float32))
    np.testing.assert_array_equal(graph.node_features[:, 2], (types[inside] == 2).astype(np.float32))


def test_window_bounds_are_inclusive():
    positions = np.array([[0.2, 0.3], [0.4, 0.5], [0.2 - 1e-9, 0.3], [0.3, 0.5 + 1e-9]])
    np.testing.assert_array_equal(graphs.window_indices(positions, 0.2, 0.3, 0.2), [0, 1])


def test_window_graph_is_knn_inside_the_window():
    positions, types = random_configuration(4320, seed=2)
    graph = graphs.window_graph(positions, types, 0.2, 4, np.random.default_rng(9))
    neighbours = brute_force_knn(positions[graph.node_particle], 4)
    assert edge_set(graph, np.arange(graph.n_nodes)) == symmetrised_pairs(neighbours)


def test_radius_graph_adds_every_pair_within_the_cut_off_to_the_knn_graph():
    positions, types = random_configuration(1500, seed=4)
    corners = np.array([[0.2, 0.3], [0.5, 0.1]])
    radius = 0.04  # ≈ 1.5 mean spacings at this density
    plain = graphs.window_batch([(positions, types)] * 2, corners, 0.3, 2)
    batch = graphs.window_batch([(positions, types)] * 2, corners, 0.3, 2, radius=radius)
    batch.validate()
    for g in range(2):
        nodes = np.flatnonzero(batch.node_graph == g)
        points = positions[batch.node_particle[nodes]]
        delta = points[:, None] - points[None]
        close = {(v, w) for v, w in zip(*np.nonzero(np.hypot(delta[..., 0], delta[..., 1]) < radius)) if v != w}
        expected = close | symmetrised_pairs(brute_force_knn(points, 2))
        local = np.full(batch.n_nodes, -1)
        local[nodes] = np.arange(nodes.size)
        edges = batch.edge_graph == g
        assert set(zip(local[batch.edge_src[edges]].tolist(), local[batch.edge_dst[edges]].tolist())) == expected
    degrees = np.bincount(batch.edge_src, minlength=batch.n_nodes)
    assert batch.n_edges > plain.n_edges and degrees.std() > np.bincount(plain.edge_src).std()  # degree now reads coordination
    np.testing.assert_array_equal(plain.node_particle, graphs.window_batch([(positions, types)] * 2, corners, 0.3, 2, 0.0).node_particle)
    with pytest.raises(GraphError, match="radius"):
        graphs.window_batch([(positions, types)], corners[:1], 0.3, 2, radius=0.6)


def test_windows_hold_about_l_win_squared_times_n():
    n, l_win = 4320, 0.2
    positions, _ = random_configuration(n, seed=6)
    rng = np.random.default_rng(0)
    counts = [graphs.window_indices(positions, *graphs.sample_window(rng, l_win), l_win).size for _ in range(400)]
    assert np.mean(counts) == pytest.approx(l_win**2 * n, rel=0.05)


# ---------------------------------------------------------------- batches


def test_batch_is_a_disjoint_union_with_offsets():
    configurations = [random_configuration(1500, seed=s) for s in range(4)]
    batch = graphs.random_window_batch(configurations, 0.3, 3, np.random.default_rng(1))
    batch.validate()
    assert batch.n_graphs == 4
    np.testing.assert_array_equal(batch.edge_graph, batch.node_graph[batch.edge_src])
    np.testing.assert_array_equal(batch.edge_graph, batch.node_graph[batch.edge_dst])
    rng = np.random.default_rng(1)
    singles = [graphs.window_graph(p, t, 0.3, 3, rng) for p, t in configurations]
    assert_same_batch(batch, graph_batch.batch_graphs(singles))
    offset = np.cumsum([0] + [g.n_nodes for g in singles])
    for g, single in enumerate(singles):
        edges = batch.edge_graph == g
        assert np.all(batch.node_graph[offset[g] : offset[g + 1]] == g)
        np.testing.assert_array_equal(batch.edge_src[edges] - offset[g], single.edge_src)
        np.testing.assert_array_equal(batch.edge_dst[edges] - offset[g], single.edge_dst)
        np.testing.assert_array_equal(batch.node_particle[offset[g] : offset[g + 1]], single.node_particle)
    np.testing.assert_array_equal(batch.nodes_per_graph(), np.diff(offset))


def test_large_windows_in_one_batch_do_not_see_each_other():
    """Windows are queried side by side; with l_win near 1 each must still be kNN on its own."""
    configurations = [random_configuration(60, seed=s) for s in range(4)]
    batch = graphs.random_window_batch(configurations, 0.95, 5, np.random.default_rng(3))
    batch.validate()
    for g, (positions, _) in enumerate(configurations):
        nodes = np.flatnonzero(batch.node_graph == g)
        local = np.full(batch.n_nodes, -1)
        local[nodes] = np.arange(nodes.size)
        edges = batch.edge_graph == g
        found = set(zip(local[batch.edge_src[edges]].tolist(), local[batch.edge_dst[edges]].tolist()))
        assert found == symmetrised_pairs(brute_force_knn(positions[batch.node_particle[nodes]], 5))


def test_batch_of_batches_offsets_graph_indices():
    configurations = [random_configuration(800, seed=s) for s in range(3)]
    first = graphs.random_window_batch(configurations[:2], 0.3, 2, np.random.default_rng(0))
    second = graphs.periodic_knn_graph(*configurations[2], k=2)
    both = graph_batch.batch_graphs([first, second])
    both.validate()
    assert both.n_graphs == 3
    np.testing.assert_array_equal(np.unique(both.node_graph), [0, 1, 2])
    np.testing.assert_array_equal(both.edge_rev[first.n_edges :] - first.n_edges, second.edge_rev)


def test_same_seed_same_batch_and_different_seed_different_batch():
    configurations = [random_configuration(1000, seed=s) for s in range(5)]
    a = graphs.random_window_batch(configurations, 0.2, 5, np.random.default_rng(42))
    b = graphs.random_window_batch(configurations, 0.2, 5, np.random.default_rng(42))
    c = graphs.random_window_batch(configurations, 0.3, 5, np.random.default_rng(43))
    assert_same_batch(a, b)
    assert not np.array_equal(a.node_particle, c.node_particle)


def test_window_batch_at_the_drawn_corners_is_the_random_batch():
    configurations = [random_configuration(800, seed=s) for s in range(3)]
    corners = np.random.default_rng(42).uniform(0.0, 1.0 - 0.25, size=(3, 2))
    assert_same_batch(
        graphs.window_batch(configurations, corners, 0.25, 4),
        graphs.random_window_batch(configurations, 0.25, 4, np.random.default_rng(42)),
    )
    with pytest.raises(GraphError, match="one .x0, y0. corner per configuration"):
        graphs.window_batch(configurations, corners[:2], 0.25, 4)


@pytest.mark.parametrize("l_win", [0.1, 0.25, 0.3, 0.45, 0.5, 0.9])
def test_covering_corners_cover_the_unit_square_with_the_fewest_windows(l_win):
    corners = graphs.covering_corners(l_win)
    per_side = int(np.ceil(1 / l_win - 1e-9))
    assert corners.shape == (per_side**2, 2)
    assert corners.min() == 0.0 and corners.max() == pytest.approx(1.0 - l_win)
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 101), np.linspace(0, 1, 101)), axis=-1).reshape(-1, 2)
    inside = np.all((grid[:, None, :] >= corners[None] - 1e-12) & (grid[:, None, :] <= corners[None] + l_win + 1e-12), axis=2)
    assert inside.any(axis=1).all()  # every point of the square, edges included, lies in some window
    if per_side > 2:  # one window fewer per side would leave a gap
        assert (per_side - 1) * l_win < 1


def test_permuting_particles_relabels_the_graph():
    positions, types = random_configuration(600, seed=8)
    perm = np.random.default_rng(1).permutation(600)
    for build in (
        lambda p, t: graphs.periodic_knn_graph(p, t, 3),
        lambda p, t: graphs.random_window_batch([(p, t)], 0.4, 3, np.random.default_rng(2)),
    ):
        original, permuted = build(positions, types), build(positions[perm], types[perm])
        assert edge_set(original) == edge_set(permuted, perm[permuted.node_particle])
        order_a = np.lexsort((original.edge_dst, original.edge_src))
        relabelled = perm[permuted.node_particle]
        src, dst = relabelled[permuted.edge_src], relabelled[permuted.edge_dst]
        order_b = np.lexsort((dst, src))
        np.testing.assert_allclose(original.edge_distance[order_a], permuted.edge_distance[order_b], rtol=1e-6)


# ---------------------------------------------------------------- errors and inputs


def test_too_small_window_says_what_to_change():
    positions = np.full((3, 2), 0.5)  # every window of side 0.5 holds exactly these three
    with pytest.raises(GraphError, match=r"holds 3 particles.*k \+ 1 = 6.*larger l_win or a smaller k"):
        graphs.window_graph(positions, np.ones(3, int), 0.5, 5, np.random.default_rng(0))


def test_empty_window_is_an_error():
    positions = np.zeros((10, 2))  # inside a window of side 0.5 only if x0 = y0 = 0 exactly
    with pytest.raises(GraphError, match="holds no particles"):
        graphs.random_window_batch([(positions, np.ones(10, int))], 0.5, 2, np.random.default_rng(0))


@pytest.mark.parametrize("l_win", [0.0, 1.0, -0.2, 1.5, float("nan")])
def test_bad_window_length(l_win):
    with pytest.raises(GraphError, match="l_win"):
        graphs.random_window_batch([random_configuration(100, 0)], l_win, 2, np.random.default_rng(0))


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_bad_k(k):
    with pytest.raises(GraphError, match="k"):
        graphs.periodic_knn_graph(*random_configuration(100, 0), k=k)


def test_nan_and_out_of_range_coordinates():
    positions, types = random_configuration(200, seed=0)
    broken = positions.copy()
    broken[7, 1] = np.nan
    with pytest.raises(ConfigurationError, match="NaN"):
        graphs.random_window_batch([(broken, types)], 0.3, 2, np.random.default_rng(0))
    with pytest.raises(ConfigurationError, match="NaN"):
        graphs.periodic_knn_graph(broken, types, 2)
    with pytest.raises(ConfigurationError, match="unscaled"):
        graphs.random_window_batch([(positions * 40.0, types)], 0.3, 2, np.random.default_rng(0))
    with pytest.raises(ConfigurationError, match="unknown particle types"):
        graphs.periodic_knn_graph(positions, np.full(200, 3), 2)
    with pytest.raises(ConfigurationError, match="types has shape"):
        graphs.periodic_knn_graph(positions, types[:-1], 2)


def test_slightly_outside_coordinates_are_wrapped():
    positions, types = random_configuration(200, seed=0)
    positions[0] = [-1e-17, 1.01]
    graph = graphs.periodic_knn_graph(positions, types, 3)
    assert graph.node_features[:, :2].min() >= 0.0 and graph.node_features[:, :2].max() < 1.0
    assert positions[0, 1] == 1.01  # the input is not modified


def test_too_few_particles_for_periodic_graph():
    with pytest.raises(GraphError, match="fewer than k"):
        graphs.periodic_knn_graph(np.array([[0.1, 0.1], [0.5, 0.5]]), np.array([1, 2]), 2)


# ---------------------------------------------------------------- torch and bench


def test_to_torch_matches_arrays():
    batch = graphs.random_window_batch([random_configuration(1000, s) for s in range(2)], 0.3, 3, np.random.default_rng(0))
    tensors = batch.to_torch("cpu")
    assert tensors.n_graphs == batch.n_graphs
    assert tensors.node_features.dtype == torch.float32 and tensors.edge_distance.dtype == torch.float32
    for name in ("node_features", "edge_src", "edge_dst", "edge_rev", "edge_distance", "node_graph", "edge_graph", "node_particle"):
        tensor = getattr(tensors, name)
        assert tensor.device.type == "cpu"
        np.testing.assert_array_equal(tensor.numpy(), getattr(batch, name), err_msg=name)
    assert tensors.edge_src.dtype == torch.int64


def test_bench_graphs_runs(capsys):
    result = bench_graphs.bench_graphs(n_particles=500, l_win=0.4, k=2, batch=2, repeats=3)
    assert {"mean_ms", "median_ms", "mean_particles_per_window"} <= result.keys()
    assert result["mean_ms"] > 0 and result["mean_particles_per_window"] > 3
    assert "ms per batch" in capsys.readouterr().out
