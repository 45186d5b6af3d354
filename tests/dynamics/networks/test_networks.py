"""The propensity networks of chapter 09: exact rotation equivariance, permutation invariance, learning, checkpoints."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from glasslib.dynamics.networks.equivariant import EquivariantPropensityNet, combine_orders
from glasslib.dynamics.networks.fit import (
    Monitor,
    PropensityModelError,
    cross_validated_predictions,
    load_network,
    monitored_rho,
    parameter_count,
    predict,
    save_network,
    train_network,
    validation_split,
)
from glasslib.dynamics.networks.graphs import radius_graph
from glasslib.dynamics.networks.plain import PlainPropensityNet
from glasslib.dynamics.propensity import correlation_per_configuration

pytestmark = pytest.mark.usefixtures("torch_one_thread")

SMALL = {"channels": 4, "max_order": 6, "layers": 2, "basis": 8, "radial_hidden": 16, "head_hidden": 16}


def configuration(n: int = 120, box: float = 10.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 2)) * box, np.where(rng.random(n) < 0.65, 1, 2)


def double(graph):
    return dataclasses.replace(graph, edge_vector=graph.edge_vector.double())


@pytest.mark.parametrize("angle", [0.3, np.pi / 2, 2.5])
def test_outputs_are_invariant_and_features_turn_by_their_order(angle):
    graph = double(radius_graph([configuration()], 10.0))
    torch.manual_seed(0)
    net = EquivariantPropensityNet(outputs=3, **SMALL).double()
    out, turned = net(graph), net(graph.rotated(angle))
    assert (out - turned).abs().max() <= 1e-5 * out.abs().max()
    orders = torch.arange(-6, 7, dtype=torch.float64)
    phase = torch.polar(torch.ones_like(orders), orders * angle)
    features, rotated = net.features(graph), net.features(graph.rotated(angle))
    assert (rotated - features * phase).abs().max() <= 1e-5 * features.abs().max()
    assert features[:, :, 6 + 6].abs().max() > 1e-3  # order 6 is reached, not trivially zero
    net32 = EquivariantPropensityNet(outputs=3, **SMALL)
    graph32 = radius_graph([configuration()], 10.0)
    assert (net32(graph32) - net32(graph32.rotated(angle))).abs().max() <= 1e-4 * net32(graph32).abs().max()


def test_the_plain_network_is_not_invariant_by_construction():
    graph = radius_graph([configuration()], 10.0)
    torch.manual_seed(0)
    net = PlainPropensityNet(outputs=2, hidden=16)
    assert (net(graph) - net(graph.rotated(1.0))).abs().max() > 1e-3


def test_order_combination_is_the_sum_over_order_pairs():
    rng = np.random.default_rng(1)
    m = 3
    x = torch.tensor(rng.normal(size=(5, 7)) + 1j * rng.normal(size=(5, 7)))
    f = torch.tensor(rng.normal(size=(5, 7)) + 1j * rng.normal(size=(5, 7)))
    expected = torch.zeros((5, 7), dtype=x.dtype)
    for m_in in range(-m, m + 1):
        for m_f in range(-m, m + 1):
            if abs(m_in + m_f) <= m:
                expected[:, m_in + m_f + m] += x[:, m_in + m] * f[:, m_f + m]
    torch.testing.assert_close(combine_orders(x, f, m), expected)


def test_permuting_particles_permutes_the_outputs():
    positions, types = configuration()
    order = np.random.default_rng(2).permutation(len(types))
    torch.manual_seed(0)
    net = EquivariantPropensityNet(outputs=2, **SMALL).double()
    out = net(double(radius_graph([(positions, types)], 10.0)))
    permuted = net(double(radius_graph([(positions[order], types[order])], 10.0)))
    torch.testing.assert_close(permuted, out[order])


def crowded_world(configurations: int = 6, seed: int = 0):
    """Configurations whose 'propensity' is a known function of local structure: fewer neighbours within 1.2 σ, more motion."""
    graphs, targets = [], []
    for c in range(configurations):
        positions, types = configuration(150, 11.0, seed + c)
        graph = radius_graph([(positions, types)], 11.0)
        close = (torch.linalg.vector_norm(graph.edge_vector, dim=1) < 1.2).double()
        count = torch.zeros(len(types), dtype=torch.float64).index_add_(0, graph.edge_dst, close).numpy()
        graphs.append(graph)
        targets.append(np.stack([np.exp(-count / 3), 1.0 / (1.0 + count)]))
    return graphs, np.array(targets), np.stack([np.asarray(t) for t in [np.ones(150, bool)] * configurations])


@pytest.mark.parametrize(
    ("name", "kwargs", "rotate", "floor"), [("equivariant", SMALL, False, 0.8), ("plain", {"hidden": 24, "layers": 2}, True, 0.4)]
)
def test_networks_learn_a_structural_law_on_unseen_configurations(name, kwargs, rotate, floor):
    """25 epochs on 3 configurations: the equivariant network reaches ρ ≈ 0.86, the plain one (rotated inputs) ≈ 0.56."""
    graphs, targets, mask = crowded_world()
    predicted, trained = cross_validated_predictions(name, graphs, targets, mask, folds=2, epochs=25, seed=0, rotate=rotate, **kwargs)
    rho = correlation_per_configuration(predicted[:, 0], targets[:, 0])
    assert rho.mean() > floor, rho
    assert trained[0].losses[-1] < trained[0].losses[0]


def test_early_stopping_keeps_the_epoch_best_on_validation_and_records_the_curves():
    graphs, targets, mask = crowded_world(5)
    monitor = Monitor([0], (graphs[3:4], targets[3:4], mask[3:4]), (graphs[4:], targets[4:], mask[4:]))
    trained = train_network("equivariant", graphs[:3], targets[:3], mask[:3], epochs=12, seed=1, monitor=monitor, **SMALL)
    history = trained.history
    assert len(history["loss"]) == len(history["validation_rho"]) == len(history["held_out_rho"]) == 12
    best = history["best_epoch"]
    assert history["validation_rho"][best - 1] == max(history["validation_rho"])
    kept = monitored_rho(trained.model, trained.mean, trained.scale, monitor.validation, [0])
    assert kept == pytest.approx(history["validation_rho"][best - 1], abs=1e-6)  # the returned network is that epoch's
    assert history["validation_rho"][best - 1] > history["validation_rho"][0]  # it learned
    trained, validated = validation_split(np.array([3, 5, 7]))
    assert trained.tolist() == [3, 5] and validated.tolist() == [7]
    assert validation_split(np.array([3]))[1].size == 0  # one training configuration: nothing to stop on
    _, folds = cross_validated_predictions("plain", graphs[:4], targets[:4], mask[:4], 2, 2, 0, columns=[0, 1], hidden=8, layers=1)
    assert all(len(f.history["validation_rho"]) == 2 for f in folds)
    _, alone = cross_validated_predictions("plain", graphs[:2], targets[:2], mask[:2], 2, 3, 0, columns=[0], hidden=8, layers=1)
    assert all(f.history["best_epoch"] == 3 and f.history["validation_rho"] == [] and len(f.history["held_out_rho"]) == 3 for f in alone)


def test_a_learning_rate_search_keeps_the_rate_best_on_each_folds_validation_configuration():
    graphs, targets, mask = crowded_world(6)
    _, folds = cross_validated_predictions(
        "equivariant", graphs, targets, mask, 2, 10, 0, columns=[0], learning_rates=(1e-5, 1e-2), **SMALL
    )
    for fold in folds:
        searched = fold.history["searched"]
        assert set(searched) == {"1e-05", "0.01"} and searched["0.01"] > searched["1e-05"]  # 1e-5 barely moves in 10 epochs
        assert fold.history["learning_rate"] == 0.01
    with pytest.raises(PropensityModelError, match="columns to validate on"):
        cross_validated_predictions("plain", graphs, targets, mask, 2, 1, 0, learning_rates=(1e-3, 1e-2), hidden=8, layers=1)


def test_same_seed_same_network_and_checkpoints_check_the_architecture(tmp_path):
    graphs, targets, mask = crowded_world(3)
    first = train_network("equivariant", graphs, targets, mask, epochs=2, seed=5, **SMALL)
    again = train_network("equivariant", graphs, targets, mask, epochs=2, seed=5, **SMALL)
    np.testing.assert_array_equal(predict(first, graphs), predict(again, graphs))
    path = save_network(tmp_path / "net.pt", first)
    loaded = load_network(path, "equivariant", **SMALL)
    np.testing.assert_allclose(predict(loaded, graphs), predict(first, graphs), rtol=1e-6)
    with pytest.raises(PropensityModelError, match="not a 'equivariant' network"):
        load_network(path, "equivariant", **{**SMALL, "channels": 8})
    with pytest.raises(PropensityModelError, match="plain"):
        load_network(path, "plain", hidden=24)
    with pytest.raises(PropensityModelError, match="unknown propensity network"):
        train_network("transformer", graphs, targets, mask, epochs=1, seed=0)
    with pytest.raises(PropensityModelError, match="targets must be"):
        train_network("plain", graphs, targets[:2], mask[:2], epochs=1, seed=0)
    assert 0 < parameter_count(first.model)


def test_bench_equivariant_prints_its_figures_at_smoke(capsys):
    from glasslib.bench import equivariant
    from glasslib.profiles import get_profile

    figures = equivariant.main(get_profile("smoke"), steps=1)
    printed = capsys.readouterr().out
    assert "matmul" in printed and "equivariant" in printed and "plain" in printed
    assert figures["equivariant"]["configurations_per_second"] > 0 and figures["equivariant"]["counted_gflops_per_second"] > 0
