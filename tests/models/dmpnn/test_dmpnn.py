"""The D-MPNN (glasslib.models.dmpnn) and its training loop (glasslib.models.dmpnn.fit): maths, invariances,
training on a toy task, reproducibility and checkpoints. Small and single-threaded."""

from __future__ import annotations

import dataclasses
import math
import pickle

import numpy as np
import pytest
import torch

from glasslib.data.datasets import Dataset
from glasslib.data.graph_batch import GraphBatch, GraphError, batch_graphs
from glasslib.data.graphs import build_graph, random_window_batch, reverse_edge_index
from glasslib.data.splits import make_splits
from glasslib.models.contract import TrainRequest
from glasslib.models.dmpnn.batches import evaluation_batches
from glasslib.models.dmpnn.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from glasslib.models.dmpnn.fit import attention_weights, predict_dmpnn, train_dmpnn
from glasslib.models.dmpnn.network import DMPNN, directed_messages, dropout_mask, segment_softmax
from glasslib.models.dmpnn.params import DMPNNParams, ParameterError
from glasslib.profiles import get_profile
from glasslib.system import ConfigurationError

pytestmark = pytest.mark.usefixtures("torch_one_thread")


# ------------------------------------------------------------------------------------------ helpers
def random_configuration(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 2)), np.where(rng.random(n) < 0.65, 1, 2)


TOY_PARAMS = {"k": 3, "l_win": 0.4, "hidden": 64, "depth": 3, "ffn_layers": 2, "dropout": 0.0, "batch_size": 2}


@pytest.fixture(scope="module")
def toy(make_dataset) -> Dataset:
    """Glasses = jittered square lattices, liquids = uniform random points; 16² particles each, 10 per class."""
    per_class, side = 10, 16
    rng = np.random.default_rng(0)
    n = side * side
    lattice = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) + 0.5
    glasses = [(lattice + rng.normal(0.0, 0.08, (n, 2))) / side for _ in range(per_class)]
    liquids = [rng.random((n, 2)) for _ in range(per_class)]
    return make_dataset(np.array(glasses + liquids), np.where(rng.random(n) < 0.65, 1, 2), box_length=side)


@pytest.fixture(scope="module")
def trained(toy, tmp_path_factory):
    """A toy model trained on all 20 configurations, its result and checkpoint."""
    path = tmp_path_factory.mktemp("dmpnn") / "toy.pt"
    everything = np.arange(20)
    request = TrainRequest(everything, everything, everything, TOY_PARAMS, epochs=12, seed=3, weights_path=path)
    return train_dmpnn(toy, request), path


def hand_graph() -> GraphBatch:
    """A path 0–1–2 and a triangle 3–4–5 as one batch of two graphs (hand-built edge list)."""
    pairs = np.array([(0, 1), (1, 2), (3, 4), (4, 5), (3, 5)])
    src = np.r_[pairs[:, 0], pairs[:, 1]]
    dst = np.r_[pairs[:, 1], pairs[:, 0]]
    features = np.array([[0.1, 0.2, 0], [0.3, 0.1, 1], [0.5, 0.4, 0], [0.2, 0.9, 1], [0.4, 0.8, 1], [0.3, 0.6, 0]], dtype=np.float32)
    node_graph = np.array([0, 0, 0, 1, 1, 1])
    distance = np.linalg.norm(features[src, :2] - features[dst, :2], axis=1).astype(np.float32)
    graph = GraphBatch(
        node_features=features,
        edge_src=src,
        edge_dst=dst,
        edge_rev=reverse_edge_index(src, dst),
        edge_distance=distance,
        node_graph=node_graph,
        edge_graph=node_graph[src],
        node_particle=np.arange(6),
        n_graphs=2,
    )
    graph.validate()
    return graph


def reference_forward(model: DMPNN, graph: GraphBatch) -> tuple[np.ndarray, list[np.ndarray]]:
    """The D-MPNN equations of SPEC section 6 written out with loops over edges (eval mode)."""
    p = {name: value.detach().double().numpy() for name, value in model.state_dict().items()}
    relu = lambda a: np.maximum(a, 0.0)  # noqa: E731
    x = graph.node_features.astype(float)[:, model._columns]
    src, dst = graph.edge_src, graph.edge_dst
    edges = list(zip(src.tolist(), dst.tolist()))
    h0 = np.array([relu(p["W_i.weight"] @ np.r_[x[v], graph.edge_distance[e]]) for e, (v, _) in enumerate(edges)])
    h, attention = h0, []
    for step in range(model.depth - 1):
        new = []
        for v, w in edges:  # m_vw = sum of h_kv over k in N(v) \ {w}
            message = sum((h[f] for f, (k, t) in enumerate(edges) if t == v and k != w), np.zeros(model.hidden))
            new.append(relu(h0[len(new)] + p["W_m.weight"] @ message))
        h = np.array(new)
        if model.attention:
            score = np.array([p[f"attend.{step}.v_attn.weight"] @ relu(p[f"attend.{step}.W_attn.weight"] @ row) for row in h]).ravel()
            sigma = np.zeros_like(score)
            factor = np.zeros_like(score)
            for g in range(graph.n_graphs):
                mine = graph.edge_graph == g
                sigma[mine] = np.exp(score[mine]) / np.exp(score[mine]).sum()
                factor[mine] = sigma[mine] * (mine.sum() if model.attention_rescale else 1)
            h = factor[:, None] * h
            attention.append(sigma)
    logits = []
    for g in range(graph.n_graphs):
        readout = np.zeros(model.hidden)
        for v in np.flatnonzero(graph.node_graph == g):
            m_v = sum((h[f] for f, (_, t) in enumerate(edges) if t == v), np.zeros(model.hidden))
            readout += relu(p["W_a.weight"] @ np.r_[x[v], m_v] + p["W_a.bias"])
        layer = readout
        for i in range(model.ffn_layers - 1):
            layer = relu(p[f"head.{3 * i}.weight"] @ layer + p[f"head.{3 * i}.bias"])
        last = 3 * (model.ffn_layers - 1)
        logits.append((p[f"head.{last}.weight"] @ layer + p[f"head.{last}.bias"]).item())
    return np.array(logits), attention


def logits(model: DMPNN, graph: GraphBatch) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return model(graph.to_torch()).logits.double().numpy()


# ------------------------------------------------------------------------------------------ the maths
def test_message_into_v_to_w_excludes_w_to_v():
    """Path 0–1–2: m_{1→2} = h_{0→1} only, m_{0→1} = 0; perturbing h_{2→1} leaves m_{1→2} alone."""
    src, dst = torch.tensor([0, 1, 1, 2]), torch.tensor([1, 0, 2, 1])
    rev = torch.tensor([1, 0, 3, 2])
    states = torch.tensor([[1.0, 0, 0, 0], [0, 10.0, 0, 0], [0, 0, 100.0, 0], [0, 0, 0, 1000.0]])  # h_01 h_10 h_12 h_21
    m = directed_messages(states, src, dst, rev, 3)
    expected = torch.stack([torch.zeros(4), states[3], states[0], torch.zeros(4)])  # m_01 m_10 m_12 m_21
    torch.testing.assert_close(m, expected)
    perturbed = states.clone()
    perturbed[3] += 7.0  # h_{2→1}
    torch.testing.assert_close(directed_messages(perturbed, src, dst, rev, 3)[2], m[2])


@pytest.mark.parametrize("attention,rescale", [(False, False), (True, False), (True, True)])
@pytest.mark.parametrize("features", ["paper", "invariant"])
def test_forward_matches_hand_computation(attention, rescale, features):
    torch.manual_seed(0)
    model = DMPNN(hidden=8, depth=3, ffn_layers=2, dropout=0.3, attention=attention, features=features, attention_rescale=rescale).double()
    graph = hand_graph()
    expected, expected_attention = reference_forward(model, graph)
    model.eval()
    with torch.no_grad():
        tensors = graph.to_torch()
        tensors = dataclasses.replace(tensors, node_features=tensors.node_features.double(), edge_distance=tensors.edge_distance.double())
        out = model(tensors)
    np.testing.assert_allclose(out.logits.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert len(out.attention) == (2 if attention else 0)
    for got, want in zip(out.attention, expected_attention):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)


def test_segment_softmax_is_stable_and_normalised():
    scores = torch.tensor([1000.0, 1001.0, -5.0, 3.0, 3.0])
    segment = torch.tensor([0, 0, 1, 2, 2])
    sigma = segment_softmax(scores, segment, 3)
    assert torch.isfinite(sigma).all()
    torch.testing.assert_close(torch.zeros(3).index_add_(0, segment, sigma), torch.ones(3))
    torch.testing.assert_close(sigma[:2], torch.softmax(scores[:2], 0))


def test_dropout_mask_rate_and_scale():
    torch.manual_seed(1)
    mask = dropout_mask(torch.empty(400, 500), 0.3)
    kept = (mask > 0).double().mean().item()
    assert abs(kept - 0.7) < 0.005
    assert torch.allclose(mask[mask > 0], torch.tensor(1 / 0.7), rtol=1e-4)
    assert abs(mask.double().mean().item() - 1.0) < 0.01


# ------------------------------------------------------------------------------------------ invariances
@pytest.mark.parametrize("features", ["paper", "invariant"])
def test_permuting_particles_leaves_logits_unchanged(features):
    positions, types = random_configuration(400, seed=1)
    order = np.random.default_rng(2).permutation(len(types))
    torch.manual_seed(0)
    model = DMPNN(hidden=16, depth=3, ffn_layers=2, attention=True, features=features)
    graph = random_window_batch([(positions, types)] * 2, 0.4, 3, np.random.default_rng(5))
    permuted = random_window_batch([(positions[order], types[order])] * 2, 0.4, 3, np.random.default_rng(5))
    assert graph.n_nodes == permuted.n_nodes and graph.n_edges == permuted.n_edges
    assert not np.array_equal(graph.node_particle, order[permuted.node_particle])  # really another node order
    np.testing.assert_array_equal(np.sort(graph.node_particle), np.sort(order[permuted.node_particle]))
    np.testing.assert_allclose(logits(model, permuted), logits(model, graph), rtol=1e-4, atol=1e-4)


def rotated_window(theta: float, shift: tuple[float, float]) -> GraphBatch:
    """The kNN graph of a disc of particles, rotated by ``theta`` about the centre and shifted."""
    positions, types = random_configuration(600, seed=3)
    inside = np.flatnonzero(np.linalg.norm(positions - 0.5, axis=1) < 0.25)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    moved = 0.5 + (positions[inside] - 0.5) @ rotation.T + np.asarray(shift)
    return build_graph(moved, types[inside], k=4)


def test_invariant_features_are_invariant_to_rotation_and_translation():
    torch.manual_seed(0)
    model = DMPNN(hidden=16, depth=3, ffn_layers=2, features="invariant")
    reference = logits(model, rotated_window(0.0, (0.0, 0.0)))
    moved = logits(model, rotated_window(1.234, (0.11, -0.07)))
    np.testing.assert_allclose(moved, reference, rtol=1e-4)
    torch.manual_seed(0)
    paper = DMPNN(hidden=16, depth=3, ffn_layers=2, features="paper")  # the published variant is not
    assert not np.allclose(logits(paper, rotated_window(1.234, (0.11, -0.07))), logits(paper, rotated_window(0.0, (0.0, 0.0))), rtol=1e-4)


# ------------------------------------------------------------------------------------------ attention
@pytest.mark.parametrize("rescale", [False, True])
def test_attention_sums_to_one_per_graph_and_ignores_other_graphs(rescale):
    configurations = [random_configuration(300, seed=s) for s in range(4)]
    alone = random_window_batch(configurations[:1], 0.35, 3, np.random.default_rng(0))
    others = random_window_batch(configurations[1:], 0.35, 3, np.random.default_rng(1))
    together = batch_graphs([alone, others])
    torch.manual_seed(0)
    model = DMPNN(hidden=16, depth=4, ffn_layers=1, dropout=0.5, attention=True, attention_rescale=rescale).train()
    sigma = attention_weights(model, together)
    assert model.training  # mode restored
    assert sigma.shape == (together.n_edges,) and np.all(sigma > 0)
    np.testing.assert_allclose(np.bincount(together.edge_graph, weights=sigma), np.ones(together.n_graphs), rtol=1e-5)
    np.testing.assert_allclose(sigma[: alone.n_edges], attention_weights(model, alone), rtol=1e-5)
    np.testing.assert_allclose(logits(model, together)[:1], logits(model, alone), rtol=1e-5)
    model.eval()
    with torch.no_grad():
        steps = model(together.to_torch()).attention
    assert len(steps) == 3  # T − 1 steps; attention_weights returns the last
    np.testing.assert_allclose(steps[-1].numpy(), sigma, rtol=1e-6)
    with pytest.raises(ValueError, match="no attention"):
        attention_weights(DMPNN(hidden=8, depth=2, attention=False), alone)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    model = DMPNN(hidden=16, depth=3, ffn_layers=3, dropout=0.2, attention=True).train()
    graph = random_window_batch([random_configuration(300, seed=s) for s in range(3)], 0.4, 3, np.random.default_rng(0)).to_torch()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(graph).logits, torch.tensor([1.0, 0.0, 1.0]))
    loss.backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None, name
        assert torch.isfinite(parameter.grad).all() and parameter.grad.abs().sum() > 0, name


# ------------------------------------------------------------------------------------------ training
def test_overfits_a_toy_task_and_reports_curves(trained, toy):
    result, path = trained
    assert result.auc == 1.0
    assert result.accuracy >= 0.9
    probability = result.test_probability
    assert probability.shape == (20,) and np.all((probability >= 0) & (probability <= 1))
    np.testing.assert_array_equal(result.test_labels, toy.labels)
    assert len(result.curves["train_loss"]) == len(result.curves["validation_auc"]) == 12
    assert result.curves["validation_auc"][result.best_epoch] == max(result.curves["validation_auc"])
    assert result.curves["train_loss"][-1] < result.curves["train_loss"][0]
    assert result.samples_per_second > 0 and path.is_file()


def test_same_seed_same_evaluation(trained, toy):
    result, path = trained
    first = predict_dmpnn(toy, np.arange(20), path, TOY_PARAMS, seed=3)
    np.testing.assert_array_equal(first, predict_dmpnn(toy, np.arange(20), path, TOY_PARAMS, seed=3))
    np.testing.assert_allclose(first, result.test_probability, rtol=1e-6)  # the test windows are the seed's windows
    subset = np.array([17, 2, 9])  # windows belong to configurations, not to batches
    np.testing.assert_allclose(predict_dmpnn(toy, subset, path, TOY_PARAMS, seed=3), first[subset], rtol=1e-5)
    assert not np.allclose(predict_dmpnn(toy, np.arange(20), path, TOY_PARAMS, seed=4), first)


def test_same_seed_same_training(toy):
    train, test = np.r_[0:4, 10:14], np.r_[4:8, 14:18]
    params = {**TOY_PARAMS, "hidden": 8, "dropout": 0.2}

    def run(seed):
        return train_dmpnn(toy, TrainRequest(train, test, test, params, epochs=2, seed=seed))

    first, second = run(11), run(11)
    assert first.auc == second.auc
    np.testing.assert_array_equal(first.test_probability, second.test_probability)
    assert first.curves["train_loss"] == second.curves["train_loss"]


def test_parameters_are_validated():
    assert DMPNNParams.from_mapping({"k": 2.0, "attention": 1}).k == 2  # hyperopt hands out floats
    with pytest.raises(ParameterError, match="unknown"):
        DMPNNParams.from_mapping({"hiden": 300})
    with pytest.raises(ParameterError, match="k=2.5"):
        DMPNNParams.from_mapping({"k": 2.5})
    with pytest.raises(ParameterError, match="features"):
        DMPNNParams.from_mapping({"features": "relative"})
    with pytest.raises(ParameterError, match="dropout"):
        DMPNNParams.from_mapping({"dropout": 1.0})
    with pytest.raises(ParameterError, match="radius"):
        DMPNNParams.from_mapping({"radius": -1.0})


def test_the_radius_option_is_in_sigma_and_reads_the_coordination(toy):
    """On the toy's lattices (spacing 1 σ), a 1.5 σ cut-off connects the nearest and diagonal sites of each (8 inside
    a window, 5 on its side, 3 at its corner); 0.7 σ, below the spacing, adds nothing to the kNN graph."""
    plain, short, wide = (DMPNNParams.from_mapping({**TOY_PARAMS, "radius": r}) for r in (0.0, 0.7, 1.5))
    degree = [np.bincount(evaluation_batches(toy, [0], p, seed=0)[0].edge_src).mean() for p in (plain, short, wide)]
    assert degree[0] == degree[1] < 4.5 and 5.0 < degree[2] < 8.0


# ------------------------------------------------------------------------------------------ checkpoints
def test_checkpoint_round_trip(trained):
    _, path = trained
    model, params = load_checkpoint(path, TOY_PARAMS, device="cpu")
    assert not model.training and params == DMPNNParams.from_mapping(TOY_PARAMS)
    again, _ = load_checkpoint(path, {**TOY_PARAMS, "l_win": 0.3}, device="cpu")  # another window: allowed
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name
    assert load_checkpoint(path, None, device="cpu")[1] == params


def test_checkpoint_with_other_hyperparameters_is_refused(trained, toy):
    _, path = trained
    with pytest.raises(CheckpointError, match=r"hidden: checkpoint 64, asked 128"):
        load_checkpoint(path, {**TOY_PARAMS, "hidden": 128})
    with pytest.raises(CheckpointError, match="features"):
        predict_dmpnn(toy, np.arange(3), path, {**TOY_PARAMS, "features": "invariant"}, seed=0)


class Payload:
    """Stands for any object a checkpoint has no business holding."""

    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_checkpoint_with_unexpected_objects_is_refused(trained, tmp_path, capsys):
    _, path = trained
    payload = torch.load(path, weights_only=True)
    payload["metadata"]["extra"] = Payload()
    bad = tmp_path / "bad.pt"
    torch.save(payload, bad)
    with pytest.raises(CheckpointError, match="pickled objects"):
        load_checkpoint(bad, TOY_PARAMS)
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps({"state_dict": Payload()}))
    with pytest.raises(CheckpointError):
        load_checkpoint(plain, TOY_PARAMS)
    assert "must never run" not in capsys.readouterr().out
    model = DMPNN(**DMPNNParams.from_mapping(TOY_PARAMS).model_kwargs())
    state = model.state_dict()
    state["W_m.weight"] = torch.zeros(3, 3)
    save_checkpoint(tmp_path / "shape.pt", state, DMPNNParams.from_mapping(TOY_PARAMS))
    with pytest.raises(CheckpointError, match="W_m.weight"):
        load_checkpoint(tmp_path / "shape.pt", TOY_PARAMS)
    with pytest.raises(CheckpointError, match="no D-MPNN checkpoint"):
        load_checkpoint(tmp_path / "missing.pt", TOY_PARAMS)


# ------------------------------------------------------------------------------------------ errors
def test_k_larger_than_window_is_a_clear_error(toy):
    request = TrainRequest(np.arange(20), np.arange(20), np.arange(20), {**TOY_PARAMS, "l_win": 0.1, "k": 5}, epochs=1, seed=0)
    with pytest.raises(GraphError, match=r"configuration \d+.*fewer than k \+ 1 = 6|configuration \d+.*no particles"):
        train_dmpnn(toy, request)


def test_nan_coordinates_are_a_clear_error(toy):
    broken = dataclasses.replace(toy, positions=toy.positions.copy())
    broken.positions[4, 7] = np.nan
    request = TrainRequest(np.arange(20), np.arange(20), np.arange(20), TOY_PARAMS, epochs=1, seed=0)
    with pytest.raises(ConfigurationError, match=r"configuration 4\b.*NaN"):
        train_dmpnn(broken, request)
    with pytest.raises(ConfigurationError, match=r"configuration 4\b"):
        evaluation_batches(broken, [4], DMPNNParams.from_mapping(TOY_PARAMS), seed=0)


def test_learning_rate_follows_the_schedule(toy):
    from glasslib.models.lr_schedule import learning_rate

    result = train_dmpnn(toy, TrainRequest(np.arange(20), np.arange(20), np.arange(20), {**TOY_PARAMS, "hidden": 4}, epochs=3, seed=0))
    steps = math.ceil(20 / TOY_PARAMS["batch_size"])
    expected = [float(learning_rate((e + 1) * steps - 1, steps, 3)) for e in range(3)]
    np.testing.assert_allclose(result.curves["learning_rate"], expected)


def test_quick_step_budget_separates_unseen_toy_configurations(toy):
    """With the quick profile's epochs and fresh windows per epoch, held-out configurations are ranked perfectly."""
    quick = get_profile("quick")
    splits = make_splits(quick.runs_per_schedule, quick.seed, quick.inner_split_fractions())
    outer_train = 2 * np.flatnonzero(np.isin(splits.inner[0], (0, 2))).size  # configurations: inner train ∪ inner test
    per_epoch = math.ceil(outer_train * quick.dmpnn_windows_per_epoch / 5)
    quick_steps = per_epoch * quick.dmpnn_outer_epochs  # Adam steps of a quick outer model (batch 5)
    params = {**TOY_PARAMS, "batch_size": 5, "windows_per_epoch": quick.dmpnn_windows_per_epoch}
    seen, unseen = np.r_[0:5, 10:15], np.r_[5:10, 15:20]
    epochs = math.ceil(quick_steps / math.ceil(seen.size * quick.dmpnn_windows_per_epoch / 5))
    result = train_dmpnn(toy, TrainRequest(seen, seen, unseen, params, epochs=epochs, seed=1))
    assert quick_steps >= 150 and quick.dmpnn_windows_per_epoch > 1
    assert result.auc == 1.0


def test_windows_per_epoch_multiplies_the_steps_and_keeps_one_window_reproducible(toy):
    train = np.arange(20)
    one = train_dmpnn(toy, TrainRequest(train, train, train, {**TOY_PARAMS, "hidden": 4}, epochs=1, seed=0))
    again = train_dmpnn(toy, TrainRequest(train, train, train, {**TOY_PARAMS, "hidden": 4, "windows_per_epoch": 1}, epochs=1, seed=0))
    np.testing.assert_array_equal(one.test_probability, again.test_probability)
    three = train_dmpnn(toy, TrainRequest(train, train, train, {**TOY_PARAMS, "hidden": 4, "windows_per_epoch": 3}, epochs=1, seed=0))
    assert three.samples_per_second > 0 and not np.array_equal(three.test_probability, one.test_probability)
    with pytest.raises(ParameterError, match="windows_per_epoch"):
        DMPNNParams.from_mapping({"windows_per_epoch": 0})


# ------------------------------------------------------------------------------------------ edge standardisation
@pytest.fixture(scope="module")
def thermal(make_dataset) -> Dataset:
    """Two 'temperatures' of one lattice: jitter 0.03 (glass) vs 0.12 (liquid) lattice spacings, 12 per class.

    Only the spread of bond lengths tells them apart, ≈ 0.003–0.01 box lengths, as in a quick data set 4.
    """
    per_class, side = 12, 16
    rng = np.random.default_rng(5)
    lattice = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) + 0.5
    jitter = [0.03] * per_class + [0.12] * per_class
    positions = np.array([(lattice + rng.normal(0.0, s, lattice.shape)) / side for s in jitter])
    return make_dataset(positions, np.where(rng.random(side * side) < 0.65, 1, 2), box_length=side)


INVARIANT = {**TOY_PARAMS, "features": "invariant", "k": 4, "hidden": 32, "batch_size": 4}


def test_standardised_edges_are_fixed_from_the_training_windows_and_saved(thermal, tmp_path):
    train, test = np.r_[0:8, 12:20], np.r_[8:12, 20:24]
    params = {**INVARIANT, "standardise_edges": True}
    path = tmp_path / "std.pt"
    result = train_dmpnn(thermal, TrainRequest(train, test, test, params, epochs=1, seed=2, weights_path=path))
    model, _ = load_checkpoint(path, params, device="cpu")
    windows = random_window_batch(
        [(thermal.positions[i], thermal.types) for i in train], 0.4, 4, np.random.default_rng(np.random.SeedSequence((2, 3)))
    )
    assert float(model.edge_shift) == pytest.approx(windows.edge_distance.mean(), rel=1e-5)
    assert float(model.edge_scale) == pytest.approx(windows.edge_distance.std(ddof=1), rel=1e-4)
    np.testing.assert_allclose(predict_dmpnn(thermal, test, path, params, seed=2), result.test_probability, rtol=1e-5)
    assert "edge_shift" not in DMPNN(features="invariant").state_dict()  # the paper's model is unchanged
    with pytest.raises(CheckpointError, match="standardise_edges: checkpoint True, asked False"):
        load_checkpoint(path, INVARIANT, device="cpu")


def test_standardised_edges_read_a_thermal_spread_that_raw_lengths_hide(thermal):
    """Same budget and seed: the invariant model ranks unseen configurations by bond-length spread only with standardised edges."""
    train, test = np.r_[0:8, 12:20], np.r_[8:12, 20:24]
    scores = {
        flag: train_dmpnn(thermal, TrainRequest(train, train, test, {**INVARIANT, "standardise_edges": flag}, epochs=8, seed=0)).auc
        for flag in (False, True)
    }
    assert scores[True] == 1.0
    assert scores[False] <= 0.8, scores  # raw lengths: 0.44–0.75 over seeds 0–3, standardised 1.0 at each


def test_edge_standardisation_errors_are_clear():
    with pytest.raises(ValueError, match="standardise_edges=False"):
        DMPNN().set_edge_standardisation(torch.tensor([0.1, 0.2]))
    with pytest.raises(ValueError, match="without spread"):
        DMPNN(standardise_edges=True).set_edge_standardisation(torch.full((5,), 0.05))


def test_the_training_records_its_device_and_cpu_or_cuda_can_be_asked_for(toy, monkeypatch):
    import torch

    from glasslib.models.devices import DeviceError

    request = TrainRequest(np.arange(20), np.arange(20), np.arange(20), {**TOY_PARAMS, "hidden": 4}, epochs=1, seed=0)
    monkeypatch.setenv("GLASSLIB_DEVICE", "cpu")
    on_cpu = train_dmpnn(toy, request)
    assert on_cpu.device == "CPU"
    monkeypatch.setenv("GLASSLIB_DEVICE", "cuda")
    asked = train_dmpnn(toy, request)
    if torch.cuda.is_available():
        assert asked.device.startswith("GPU (")
    else:  # no GPU here: the CPU, and the result says why
        assert asked.device == "CPU (GLASSLIB_DEVICE=cuda, no CUDA GPU visible)"
        np.testing.assert_array_equal(asked.test_probability, on_cpu.test_probability)
    monkeypatch.setenv("GLASSLIB_DEVICE", "gpu")
    with pytest.raises(DeviceError, match="'gpu' is not one of auto, cpu, cuda"):
        train_dmpnn(toy, request)
