"""Structural metrics (chapter 07, glasslib.structure.bond_metrics): hand-counted graphs, vectorised == networkx ==
brute force, and the bench on a tiny setting."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from glasslib.bench import metrics as bench_metrics
from glasslib.structure import bond_metrics
from glasslib.system import TYPE_A, TYPE_B

A, B = TYPE_A, TYPE_B
L = 10.0
#: Hand-built configuration in a 10 σ box (module docstring of glasslib.structure.bond_metrics for the rules):
#: cluster 1 straddles the x boundary: B0 chooses A1 (0.5 across the boundary) and A2 (0.8);
#: cluster 2 is a mutual B–B pair: B3 and B4 choose each other and both choose A5 — 3 edges, 1 B–B;
#: cluster 3 is a one-way B–B edge: B6 chooses A7 and B8, B8 chooses A9 and A10 but not B6;
#: A11 and A12 are chosen by nobody.
HAND = np.array(
    [
        [0.2, 5.0],
        [9.7, 5.0],
        [0.2, 5.8],  # B0 A1 A2
        [5.0, 1.0],
        [5.4, 1.0],
        [5.0, 1.9],  # B3 B4 A5
        [5.0, 5.0],
        [5.5, 5.0],
        [5.0, 5.7],
        [5.0, 6.3],
        [5.5, 6.1],  # B6 A7 B8 A9 A10
        [8.0, 8.0],
        [2.0, 8.5],  # A11 A12
    ]
)
HAND_TYPES = np.array([B, A, A, B, B, A, B, A, B, A, A, A, A])
HAND_COUNTS = {"components": 3, "bb_edges": 2, "isolated_a": 2}


def brute_force_metrics(positions: np.ndarray, types: np.ndarray, box_length: float) -> dict[str, int]:
    """A third implementation: all minimum-image distances, argsort, networkx; one configuration."""
    delta = positions[:, None, :] - positions[None, :, :]
    delta -= box_length * np.round(delta / box_length)
    distance = np.hypot(delta[..., 0], delta[..., 1])
    np.fill_diagonal(distance, np.inf)
    graph = nx.Graph()
    for b in np.flatnonzero(types == B):
        graph.add_edges_from((int(b), int(j)) for j in np.argsort(distance[b], kind="stable")[:2])
    return {
        "components": nx.number_connected_components(graph),
        "bb_edges": sum(types[i] == B and types[j] == B for i, j in graph.edges),
        "isolated_a": sum(int(i) not in graph for i in np.flatnonzero(types == A)),
    }


def random_batch(rng: np.random.Generator, m: int, n: int, box: float, fraction_b: float) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random positions (m, n, 2) in a box and per-configuration types (m, n)."""
    return rng.uniform(0, box, (m, n, 2)), np.where(rng.random((m, n)) < fraction_b, B, A)


# --------------------------------------------------------------------------- hand-built counts
@pytest.mark.parametrize("implementation", [bond_metrics.structural_metrics, bond_metrics.structural_metrics_networkx])
def test_hand_built_configuration(implementation):
    counts = implementation(HAND, HAND_TYPES, L)
    assert {key: counts[key].tolist() for key in bond_metrics.METRICS} == {key: [v] for key, v in HAND_COUNTS.items()}
    assert brute_force_metrics(HAND, HAND_TYPES, L) == HAND_COUNTS


@pytest.mark.parametrize(
    "positions",
    [
        [[0.3, 5.0], [9.8, 5.0], [0.3, 6.0], [9.8, 6.0], [5.0, 5.0]],  # B0–B1 pair across the x boundary
        [[0.2, 0.2], [9.9, 9.9], [0.2, 1.2], [9.9, 8.9], [5.0, 5.0]],  # … and across the corner
    ],
)
def test_periodic_boundary_decides_the_edges(positions):
    """Through the boundary B0 and B1 are 0.4–0.5 σ apart and choose each other (one B–B edge, A4 alone);
    without the periodic images (a 100 σ box) they are ~9.6 σ apart and both choose A4 instead."""
    positions, types = np.array(positions), np.array([B, B, A, A, A])
    for implementation in (bond_metrics.structural_metrics, bond_metrics.structural_metrics_networkx):
        periodic, open_box = implementation(positions, types, L), implementation(positions, types, 100.0)
        assert [int(periodic[key][0]) for key in bond_metrics.METRICS] == [1, 1, 1]
        assert [int(open_box[key][0]) for key in bond_metrics.METRICS] == [1, 0, 0]
    assert brute_force_metrics(positions, types, L) == {"components": 1, "bb_edges": 1, "isolated_a": 1}


def test_counts_invariant_under_translation_permutation_and_scaling():
    rng = np.random.default_rng(3)
    shifts = rng.uniform(0, L, (6, 1, 2))
    batch = np.mod(HAND[None] + shifts, L)  # every shift wraps some cluster across a boundary
    order = rng.permutation(len(HAND))
    for positions, types, box in [
        (batch, HAND_TYPES, L),
        (batch[:, order], HAND_TYPES[order], L),
        (batch / L, HAND_TYPES, 1.0),
        (batch - 3 * L, HAND_TYPES, L),
    ]:
        counts = bond_metrics.structural_metrics(positions, types, box)
        for key, value in HAND_COUNTS.items():
            assert counts[key].tolist() == [value] * 6, key


def test_three_b_particles_form_a_triangle_and_single_b():
    triangle = bond_metrics.structural_metrics(np.array([[1.0, 1.0], [2.0, 1.0], [1.5, 2.0]]), np.array([B, B, B]), L)
    assert (triangle["components"][0], triangle["bb_edges"][0], triangle["isolated_a"][0]) == (1, 3, 0)
    one_b = bond_metrics.structural_metrics(np.array([[1.0, 1.0], [2.0, 1.0], [1.5, 2.0], [6, 6]]), np.array([B, A, A, A]), L)
    assert (one_b["components"][0], one_b["bb_edges"][0], one_b["isolated_a"][0]) == (1, 0, 1)


def test_coincident_particles_are_never_their_own_neighbour():
    positions = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 1.0], [3.5, 1.0], [7.0, 7.0]])
    types = np.array([B, A, A, A, A])
    counts = bond_metrics.structural_metrics(positions, types, L)
    assert (counts["components"][0], counts["bb_edges"][0], counts["isolated_a"][0]) == (1, 0, 2)


# --------------------------------------------------------------------------- edge cases
def test_configuration_without_b_particles():
    rng = np.random.default_rng(0)
    positions, _ = random_batch(rng, 3, 7, L, 0.0)
    types = np.full((3, 7), A)
    types[1, :3] = B  # a batch mixing configurations with and without B particles
    counts = bond_metrics.structural_metrics(positions, types, L)
    assert counts["components"][[0, 2]].tolist() == [0, 0]
    assert counts["bb_edges"][[0, 2]].tolist() == [0, 0]
    assert counts["isolated_a"][[0, 2]].tolist() == [7, 7]
    assert counts["components"][1] >= 1
    reference = bond_metrics.structural_metrics_networkx(positions, types, L)
    assert all(np.array_equal(counts[key], reference[key]) for key in bond_metrics.METRICS)


def test_fewer_than_three_particles_nan_and_bad_input_are_rejected():
    with pytest.raises(ValueError, match="at least 3 particles"):
        bond_metrics.structural_metrics(np.zeros((2, 2, 2)), np.array([A, B]), L)
    nan = HAND.copy()
    nan[4, 1] = np.nan
    for implementation in (bond_metrics.structural_metrics, bond_metrics.structural_metrics_networkx):
        with pytest.raises(ValueError, match="NaN"):
            implementation(nan, HAND_TYPES, L)
    with pytest.raises(ValueError, match="LAMMPS types"):
        bond_metrics.structural_metrics(HAND, np.where(HAND_TYPES == A, 0, B), L)
    with pytest.raises(ValueError, match="types must have shape"):
        bond_metrics.structural_metrics(HAND, HAND_TYPES[:-1], L)
    with pytest.raises(ValueError, match="box_length"):
        bond_metrics.structural_metrics(HAND, HAND_TYPES, 0.0)
    with pytest.raises(ValueError, match="shape"):
        bond_metrics.structural_metrics(np.zeros((2, 5, 3)), np.full(5, A), L)


def test_empty_batch_gives_empty_counts():
    counts = bond_metrics.structural_metrics(np.zeros((0, 5, 2)), np.full(5, B), L)
    assert all(counts[key].shape == (0,) for key in bond_metrics.METRICS)


# --------------------------------------------------------------------------- vectorised == reference
@pytest.mark.parametrize(
    "seed, m, n, box, fraction_b",
    [(0, 5, 3, 4.0, 0.5), (1, 6, 7, 3.0, 0.3), (2, 4, 60, 7.0, 0.35), (3, 3, 300, 15.0, 0.35), (4, 2, 200, 12.0, 0.9)],
)
def test_vectorised_equals_networkx_and_brute_force(seed, m, n, box, fraction_b):
    positions, types = random_batch(np.random.default_rng(seed), m, n, box, fraction_b)
    fast = bond_metrics.structural_metrics(positions, types, box)
    reference = bond_metrics.structural_metrics_networkx(positions, types, box)
    for key in bond_metrics.METRICS:
        assert np.array_equal(fast[key], reference[key]), key
        assert fast[key].shape == (m,) and fast[key].dtype == np.int64
    for c in range(m):
        assert brute_force_metrics(positions[c], types[c], box) == {key: int(fast[key][c]) for key in bond_metrics.METRICS}


def test_far_particles_beyond_the_search_bound_are_still_found():
    """A clustered configuration: the isolated B particles' neighbours lie far beyond 2.5 mean spacings."""
    rng = np.random.default_rng(5)
    positions = np.concatenate([rng.uniform(0, 1.5, (97, 2)), [[10.0, 10.0], [15.0, 4.0], [4.0, 16.0]]])
    types = np.where(rng.random(100) < 0.4, B, A)
    types[-3:] = B
    counts = bond_metrics.structural_metrics(positions, types, 20.0)
    assert {key: int(counts[key][0]) for key in bond_metrics.METRICS} == brute_force_metrics(positions, types, 20.0)


def test_chunked_batch_equals_one_graph(monkeypatch):
    positions, types = random_batch(np.random.default_rng(6), 7, 40, 6.0, 0.35)
    whole = bond_metrics.structural_metrics(positions, types, 6.0)
    monkeypatch.setattr(bond_metrics, "CHUNK_PARTICLES", 90)  # two configurations per chunk
    chunked = bond_metrics.structural_metrics(positions, types, 6.0)
    assert all(np.array_equal(whole[key], chunked[key]) for key in bond_metrics.METRICS)


# --------------------------------------------------------------------------- bench
def test_bench_metrics_tiny(capsys):
    result = bench_metrics.bench_metrics(n_configurations=4, n_particles=120, n_reference=2)
    for key in (
        "seconds",
        "ms_per_configuration",
        "reference_seconds",
        "reference_seconds_scaled",
        "speedup",
        "n_configurations",
        "n_particles",
        "n_reference",
        "threads",
        "search_ms",
        "reference_search_ms",
        "graph_ms",
        "reference_graph_ms",
        "graph_speedup",
        "seconds_one_thread",
        "ms_one_thread",
        "speedup_one_thread",
    ):
        assert key in result
    assert result["speedup"] > 0 and result["n_reference"] == 2
    assert "speed-up" in capsys.readouterr().out


def test_counts_do_not_depend_on_threads_or_chunks(monkeypatch):
    positions, types, length = bench_metrics.jittered_lattice(9, 300, np.random.default_rng(4))
    one = bond_metrics.structural_metrics(positions, types, length, workers=1)
    monkeypatch.setattr(bond_metrics, "CHUNK_PARTICLES", 600)  # two configurations per sparse graph
    for workers in (2, 3, -1):
        many = bond_metrics.structural_metrics(positions, types, length, workers=workers)
        assert all(np.array_equal(one[key], many[key]) for key in bond_metrics.METRICS)
    with pytest.raises(ValueError, match="workers"):
        bond_metrics.structural_metrics(positions, types, length, workers=0)


def test_jittered_lattice_is_realistic():
    positions, types, length = bench_metrics.jittered_lattice(2, 500, np.random.default_rng(0))
    assert positions.shape == (2, 500, 2) and np.all((positions >= 0) & (positions < length))
    assert np.mean(types == A) == pytest.approx(0.65, abs=0.01)
    assert length == pytest.approx(np.sqrt(500 / 1.2))


def test_positions_on_the_box_edge_are_wrapped_without_touching_the_input():
    positions = HAND.copy()
    positions[1] = [L, 5.0]  # exactly on the edge: the same point as x = 0
    before = positions.copy()
    edge = bond_metrics.structural_metrics(positions, HAND_TYPES, L)
    positions_zero = HAND.copy()
    positions_zero[1] = [0.0, 5.0]
    zero = bond_metrics.structural_metrics(positions_zero, HAND_TYPES, L)
    assert all(np.array_equal(edge[k], zero[k]) for k in bond_metrics.METRICS)
    assert np.array_equal(positions, before)


# ------------------------------------------------------------------------------ per particle
def test_particle_bond_graph_of_a_hand_built_configuration():
    # a B pair far from an A trio: B0 (x = 1) chooses B1 (x = 1.5) and A2 (x = 2.1); B1 chooses B0 and A2; A3, A4 far off
    positions = np.array([[1.0, 5.0], [1.5, 5.0], [2.1, 5.0], [6.0, 5.0], [6.5, 5.0]])
    types = np.array([2, 2, 1, 1, 1])
    found = bond_metrics.particle_bond_graph(positions, types, 10.0)
    assert found["chosen_by_b"].tolist() == [1, 1, 2, 0, 0]
    assert found["isolated_a"].tolist() == [False, False, False, True, True]
    assert found["component_size"].tolist() == [3, 3, 3, 1, 1]


@pytest.mark.parametrize("seed", range(4))
def test_particle_bond_graph_adds_up_to_the_configuration_counts(seed):
    rng = np.random.default_rng(seed)
    positions, types = rng.uniform(0, 12.0, (150, 2)), np.where(rng.random(150) < 0.35, 2, 1)
    found = bond_metrics.particle_bond_graph(positions, types, 12.0)
    counts = bond_metrics.structural_metrics(positions, types, 12.0)
    touched = found["component_size"] > 1
    assert found["chosen_by_b"].sum() == 2 * (types == 2).sum()
    assert found["isolated_a"].sum() == counts["isolated_a"][0]
    assert (1.0 / found["component_size"][touched]).sum() == pytest.approx(counts["components"][0])
    assert np.all(touched[types == 2]) and np.array_equal(~touched, found["isolated_a"])
    with pytest.raises(ValueError, match="one configuration"):
        bond_metrics.particle_bond_graph(positions[None], types, 12.0)
