"""glasslib.interpretation.attention (chapter 06): pairing of directed weights, counts on hand-built graphs, the
class comparison, the drawing, and the pipeline on a tiny attention D-MPNN (the cutoff: test_attention_cutoff.py)."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from scipy.stats import mannwhitneyu

from glasslib.book.figures.attention import COLOUR_BB, draw_attention
from glasslib.data.datasets import Dataset
from glasslib.data.graphs import reverse_edge_index
from glasslib.interpretation import attention_counts as analysis_attention_counts
from glasslib.interpretation.attention import (
    AttentionError,
    AttentionGraph,
    attention_graphs,
    load_attention_checkpoint,
    load_attention_model,
    pair_directions,
)
from glasslib.interpretation.attention_counts import attention_counts, compare_classes, count_table
from glasslib.models.dmpnn import batches, checkpoint, fit
from glasslib.models.dmpnn import params as dmpnn_params
from glasslib.models.dmpnn.network import DMPNN

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def make_graph(types, pairs, weights, label=1, configuration=0) -> AttentionGraph:
    """An AttentionGraph from node types (0 A / 1 B), connections and their (max) weights."""
    types = np.asarray(types, dtype=np.int8)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    weights = np.asarray(weights, dtype=float)
    angle = np.linspace(0, 2 * np.pi, types.size, endpoint=False)
    positions = 0.5 + 0.1 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    directed = np.stack([weights, weights / 2], axis=1)
    return AttentionGraph(configuration, label, positions, types, np.arange(types.size), pairs, directed, weights, 0.5, 0.2)


# ------------------------------------------------------------------------------------ pairing
def test_pair_directions_keeps_the_larger_of_the_two_directed_weights():
    pairs = np.array([(0, 1), (1, 2), (3, 4), (4, 5), (3, 5)])
    src, dst = np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]]
    order = np.random.default_rng(1).permutation(src.size)  # directions far apart, in any order
    src, dst = src[order], dst[order]
    rev = reverse_edge_index(src, dst)
    weights = np.array([0.05, 0.2, 0.01, 0.3, 0.04, 0.1, 0.02, 0.08, 0.15, 0.05])
    first, directed = pair_directions(rev, weights)
    assert first.size == pairs.shape[0] and np.all(first < rev[first])
    found = {}
    for e, (w_forward, w_backward) in zip(first, directed):
        assert w_forward == weights[e] and w_backward == weights[rev[e]]
        found[frozenset((src[e], dst[e]))] = max(w_forward, w_backward)
    expected = {}
    for e in range(src.size):  # brute force: the larger weight over both directions of each pair
        key = frozenset((src[e], dst[e]))
        expected[key] = max(expected.get(key, 0.0), weights[e])
    assert found == expected
    with pytest.raises(AttentionError, match="involution"):
        pair_directions(np.arange(src.size), weights)


# ------------------------------------------------------------------------------------ counts
#: 9 particles: A = 0, 1, 5, 7; B = 2, 3, 4, 6, 8.
HAND_TYPES = [0, 0, 1, 1, 1, 0, 1, 0, 1]
HAND_PAIRS = [(0, 2), (2, 3), (3, 4), (5, 6), (1, 0), (6, 7), (4, 5), (8, 7), (1, 2)]
HAND_WEIGHTS = [0.9, 0.8, 0.7, 0.6, 0.1, 0.2, 0.3, 0.05, 0.5]


def test_counts_of_a_hand_built_graph():
    graph = make_graph(HAND_TYPES, HAND_PAIRS, HAND_WEIGHTS)
    # above 0.5 (strictly: 1–2 at exactly 0.5 is not high): {0, 2, 3, 4} and {5, 6}
    assert attention_counts(graph, 0.5) == {"disjoint_graphs": 2, "bb_edges": 2, "isolated_a": 2, "isolated_b": 1}
    # above 0.65: {0, 2, 3, 4} only; 5, 6 become isolated
    assert attention_counts(graph, 0.65) == {"disjoint_graphs": 1, "bb_edges": 2, "isolated_a": 3, "isolated_b": 2}
    # below every weight: the whole graph is one component, nothing isolated
    assert attention_counts(graph, 0.0) == {"disjoint_graphs": 1, "bb_edges": 2, "isolated_a": 0, "isolated_b": 0}
    high = analysis_attention_counts.high_attention_graph(graph, 0.5)
    assert sorted(high.nodes) == [0, 2, 3, 4, 5, 6] and high.number_of_edges() == 4


def test_cutoff_above_every_weight_isolates_everything():
    graph = make_graph(HAND_TYPES, HAND_PAIRS, HAND_WEIGHTS)
    assert attention_counts(graph, 1.0) == {"disjoint_graphs": 0, "bb_edges": 0, "isolated_a": 4, "isolated_b": 5}
    empty = make_graph([0, 1, 1], np.zeros((0, 2)), [])
    assert attention_counts(empty, 0.1) == {"disjoint_graphs": 0, "bb_edges": 0, "isolated_a": 1, "isolated_b": 2}


def test_count_table_has_one_row_per_configuration():
    graphs = [
        make_graph(HAND_TYPES, HAND_PAIRS, HAND_WEIGHTS, label=1, configuration=3),
        make_graph(HAND_TYPES, HAND_PAIRS, HAND_WEIGHTS, label=0, configuration=7),
    ]
    table = count_table(graphs, 0.5)
    assert table["configuration"].tolist() == [3, 7] and table["label"].tolist() == [1, 0]
    assert table["disjoint_graphs"].tolist() == [2, 2] and table["n_particles"].tolist() == [9, 9]


# ------------------------------------------------------------------------------------ comparison
def test_compare_classes_on_synthetic_counts():
    rng = np.random.default_rng(0)
    glass = [
        {"disjoint_graphs": int(rng.poisson(4)), "bb_edges": int(rng.poisson(1)), "isolated_a": int(rng.poisson(10)), "isolated_b": 0}
        for _ in range(15)
    ]
    liquid = [
        {"disjoint_graphs": int(rng.poisson(9)), "bb_edges": int(rng.poisson(5)), "isolated_a": int(rng.poisson(20)), "isolated_b": 0}
        for _ in range(12)
    ]
    table = compare_classes(glass, liquid)
    assert list(table.index) == ["disjoint_graphs", "bb_edges", "isolated_a", "isolated_b"]
    for name in ("disjoint_graphs", "bb_edges", "isolated_a"):
        a = np.array([c[name] for c in glass], float)
        b = np.array([c[name] for c in liquid], float)
        row = table.loc[name]
        assert row["mean_glass"] == pytest.approx(a.mean()) and row["mean_liquid"] == pytest.approx(b.mean())
        assert row["sem_glass"] == pytest.approx(a.std(ddof=1) / np.sqrt(15))
        assert row["sem_liquid"] == pytest.approx(b.std(ddof=1) / np.sqrt(12))
        assert row["p_value"] == pytest.approx(mannwhitneyu(a, b, alternative="less").pvalue)
        assert row["p_value"] < 0.01 and (row["n_glass"], row["n_liquid"]) == (15, 12)
    assert table.loc["isolated_b", "p_value"] > 0.5  # no difference, no evidence
    reverse = compare_classes(liquid, glass)  # one-sided: liquids are not fewer
    assert reverse.loc["disjoint_graphs", "p_value"] > 0.99
    with pytest.raises(AttentionError, match="both classes"):
        compare_classes([], liquid)


# ------------------------------------------------------------------------------------ drawing
def test_draw_attention_widths_colours_and_rings():
    graph = make_graph(HAND_TYPES, HAND_PAIRS, HAND_WEIGHTS)
    fig, ax = plt.subplots()
    try:
        draw_attention(ax, graph, 0.5, max_width=4.0)
        lines = [c for c in ax.collections if isinstance(c, LineCollection)][-1]
        widths = np.sort(lines.get_linewidths())
        assert widths == pytest.approx(np.sort(np.asarray(HAND_WEIGHTS) * 4.0 / 0.9))
        colours = [tuple(c) for c in lines.get_colors()]
        assert colours.count(to_rgba(COLOUR_BB)) == 2  # 2–3 and 3–4
        rings = [c for c in ax.collections if c.get_offsets().shape[0] and not isinstance(c, LineCollection)][-1]
        assert sorted(map(tuple, rings.get_offsets())) == sorted(map(tuple, graph.positions[[1, 7]]))
        assert ax.get_xlabel() == "x [box lengths]"
    finally:
        plt.close(fig)


# ------------------------------------------------------------------------------------ pipeline
@pytest.fixture(scope="module")
def tiny_dataset(make_dataset) -> Dataset:
    """Uniform random configurations of 400 particles, 3 per class, in a 20 σ box."""
    per_class, n = 3, 400
    rng = np.random.default_rng(0)
    positions = rng.random((2 * per_class, n, 2))
    return make_dataset(positions, np.where(rng.random(n) < 0.65, 1, 2), box_length=20.0)


TINY = {"k": 3, "l_win": 0.4, "hidden": 16, "depth": 3, "ffn_layers": 1, "attention": True, "attention_rescale": True}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    params = dmpnn_params.DMPNNParams.from_mapping(TINY)
    torch.manual_seed(0)
    path = checkpoint.save_checkpoint(tmp_path_factory.mktemp("attention") / "tiny.pt", DMPNN(**params.model_kwargs()), params)
    return path, params


def test_attention_graphs_end_to_end(tiny_model, tiny_dataset):
    path, params = tiny_model
    data = tiny_dataset
    model, loaded = load_attention_checkpoint(path, TINY, device="cpu")
    indices = np.array([4, 0, 5, 1])
    graphs = attention_graphs(model, loaded, data, indices, seed=7, graphs_per_batch=3)
    assert [g.configuration for g in graphs] == indices.tolist()
    assert [g.label for g in graphs] == [0, 1, 0, 1]
    for g in graphs:
        assert g.directed_weights.sum() == pytest.approx(1.0, abs=1e-5)  # per-graph softmax
        assert np.array_equal(g.weights, g.directed_weights.max(axis=1))
        assert np.all(g.weights > 0) and 0.0 <= g.probability <= 1.0
        assert np.allclose(g.positions, data.positions[g.configuration][g.particles], atol=1e-6)
        assert np.array_equal(g.types, (data.types[g.particles] == 2).astype(np.int8))
        assert g.pairs.min() >= 0 and g.pairs.max() < g.n_particles
        assert np.unique(np.sort(g.pairs, axis=1), axis=0).shape[0] == g.pairs.shape[0]  # each connection once
    # the window is the first evaluation window, and its weights do not depend on the batch it ran in
    three = dataclasses.replace(loaded, eval_windows=3)
    batch = batches.evaluation_batches(data, [indices[0]], three, seed=7)[0]
    first = batch.node_graph == 0
    assert np.array_equal(batch.node_particle[first], graphs[0].particles)
    sigma = fit.attention_weights(model, batch)[batch.edge_graph == 0]
    assert np.sort(sigma) == pytest.approx(np.sort(graphs[0].directed_weights.ravel()), abs=1e-6)
    again = attention_graphs(model, loaded, data, indices[:1], seed=7)
    assert np.array_equal(again[0].weights, graphs[0].weights)


def test_clear_errors_for_missing_or_attention_free_models(tiny_model, tiny_dataset, tmp_path):
    with pytest.raises(AttentionError, match="notebooks/05_dmpnn.ipynb"):
        load_attention_checkpoint(tmp_path / "absent.pt")
    plain = dmpnn_params.DMPNNParams.from_mapping({**TINY, "attention": False, "attention_rescale": False})
    path = checkpoint.save_checkpoint(tmp_path / "plain.pt", DMPNN(**plain.model_kwargs()), plain)
    with pytest.raises(AttentionError, match="no attention"):
        load_attention_checkpoint(path)
    with pytest.raises(AttentionError, match="no attention"):
        attention_graphs(DMPNN(**plain.model_kwargs()), plain, tiny_dataset, [0], seed=0)
    from glasslib.profiles import get_profile

    with pytest.raises(AttentionError, match="05_dmpnn"):
        load_attention_model(get_profile("smoke"), tmp_path / "empty-run", dataset=1, fold=0)


def test_particle_attention_reads_each_particle_in_its_most_central_covering_window(tiny_model, tiny_dataset):
    from glasslib.data.graphs import covering_corners, window_batch, window_indices
    from glasslib.interpretation.attention import particle_attention

    path, params = tiny_model
    model, loaded = load_attention_checkpoint(path, TINY, device="cpu")
    positions, types = tiny_dataset.positions[0], tiny_dataset.types
    largest = particle_attention(model, loaded, positions, types)
    assert largest.shape == (positions.shape[0],) and np.all(largest > 0)
    corners = covering_corners(loaded.l_win)
    rng = np.random.default_rng(3)
    for particle in rng.choice(positions.shape[0], 12, replace=False):  # brute force, one window at a time
        off_centre = np.abs(positions[particle] - corners - loaded.l_win / 2).max(axis=1)
        holding = [w for w in np.argsort(off_centre, kind="stable") if particle in window_indices(positions, *corners[w], loaded.l_win)]
        window = holding[0]
        batch = window_batch([(positions, types)], corners[window : window + 1], loaded.l_win, loaded.k)
        sigma = fit.attention_weights(model, batch)
        node = int(np.flatnonzero(batch.node_particle == particle)[0])
        touching = (batch.edge_src == node) | (batch.edge_dst == node)
        assert largest[particle] == pytest.approx(sigma[touching].max(), rel=1e-6)


def test_particle_attention_refuses_a_model_without_attention(tiny_dataset):
    from glasslib.interpretation.attention import particle_attention

    params = dmpnn_params.DMPNNParams.from_mapping({**TINY, "attention": False})
    with pytest.raises(AttentionError, match="no attention weights"):
        particle_attention(DMPNN(**params.model_kwargs()), params, tiny_dataset.positions[0], tiny_dataset.types)
