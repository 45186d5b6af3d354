"""glasslib.dynamics.network_scores: ρ(t) curves, the example map, and the cross-validated study on tiny ensembles."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.dynamics import network_scores
from glasslib.profiles import get_profile
from glasslib.simulation.isoconfigurational import IsoconfigurationalEnsemble
from glasslib.system import TYPE_A, TYPE_B

pytestmark = pytest.mark.usefixtures("torch_one_thread")
KINDS = ("absolute", "cage-relative")


def _measured(rng: np.random.Generator, configurations: int = 4, times: int = 3, particles: int = 40) -> np.ndarray:
    return rng.random((configurations, len(KINDS) * times, particles))


def test_perfect_and_inverted_predictions_give_rho_one_and_minus_one_at_every_time():
    rng = np.random.default_rng(0)
    measured, mask = _measured(rng), np.ones((4, 40), dtype=bool)
    perfect = network_scores.score_curves(measured, measured, mask, KINDS, seed=1)
    inverted = network_scores.score_curves(-measured, measured, mask, KINDS, seed=1)
    for kind in KINDS:
        assert np.allclose(perfect[kind]["mean"], 1.0) and np.allclose(inverted[kind]["mean"], -1.0)
        assert len(perfect[kind]["mean"]) == 3
        assert all(low <= mean <= high for low, mean, high in zip(*(inverted[kind][k] for k in ("ci_low", "mean", "ci_high"))))


def test_each_kind_is_scored_on_its_own_block_of_outputs():
    rng = np.random.default_rng(1)
    measured, mask = _measured(rng), np.ones((4, 40), dtype=bool)
    predicted = measured.copy()
    predicted[:, 3:] = rng.random(predicted[:, 3:].shape)  # the cage-relative block is noise
    curves = network_scores.score_curves(predicted, measured, mask, KINDS, seed=0)
    assert np.allclose(curves["absolute"]["mean"], 1.0)
    assert max(abs(v) for v in curves["cage-relative"]["mean"]) < 0.5


def test_the_example_map_is_configuration_zero_at_the_time_nearest_tau_alpha_of_its_kind():
    rng = np.random.default_rng(2)
    measured = _measured(rng)
    columns = network_scores.nearest_columns([0.1, 1.0, 10.0], {"absolute": 0.2, "cage-relative": 4.0}, KINDS)
    assert columns == [0, 3 + 2]  # 0.2 τ is nearest 0.1 τ in log t; 4 τ nearest 10 τ
    shown = network_scores.example(measured + 1, measured, columns[1], KINDS, "cage-relative")
    assert shown["time_index"] == 2
    assert shown["measured"] == measured[0, 5].tolist() and shown["predicted"] == (measured[0, 5] + 1).tolist()
    with pytest.raises(ValueError, match="not a time of the absolute block"):
        network_scores.example(measured, measured, 4, KINDS, "absolute")


def _ensemble(rng: np.random.Generator, temperature: float, configuration: int, n: int = 36) -> IsoconfigurationalEnsemble:
    side = 6.0
    grid = (np.stack(np.meshgrid(np.arange(6), np.arange(6)), -1).reshape(-1, 2) + 0.5) * (side / 6)
    start = grid + rng.normal(0, 0.05, grid.shape)
    types = np.where(np.arange(n) % 3 == 0, TYPE_B, TYPE_A)
    displacements = rng.normal(0, 0.1, (4, 3, n, 2)).cumsum(axis=1)
    return IsoconfigurationalEnsemble(
        temperature, configuration, np.array([0.1, 1.0, 10.0]), displacements, start, types,
        np.array([1.0]), rng.normal(0, 0.1, (1, n, 2)), start, -np.ones(n), side,
    )  # fmt: skip


@pytest.mark.slow
def test_the_study_scores_both_networks_and_transfers_them_between_temperatures():
    rng = np.random.default_rng(3)
    ensembles = {label: [_ensemble(rng, float(label), c) for c in range(4)] for label in ("0.700", "0.600")}
    measured = {label: {kind: rng.random((4, 3, 36)) for kind in KINDS} for label in ensembles}
    profile = get_profile("smoke", propensity_folds=2, propensity_epochs=1, propensity_input="thermal")
    tau_alpha = {label: {"absolute": 1.0, "cage-relative": 5.0} for label in ensembles}
    study = network_scores.network_study(profile, ensembles, measured, tau_alpha, progress=False)
    for label, other in (("0.700", "0.600"), ("0.600", "0.700")):
        assert set(study[label]["scores"]) == set(network_scores.ARCHITECTURES)
        assert set(study[label]["transfer"]) == {other}
        assert all(count > 100 for count in study[label]["parameters"].values())
        assert all(len(folds) == 2 and folds[0]["best_epoch"] == 1 for folds in study[label]["training"].values())
        for curves in study[label]["scores"].values():
            assert set(curves) == set(KINDS) and all(np.isfinite(curves[kind]["mean"]).all() for kind in KINDS)
    one_worker = get_profile("smoke", propensity_folds=2, propensity_epochs=1, propensity_input="thermal", workers=1)
    alone = network_scores.network_study(one_worker, ensembles, measured, tau_alpha, progress=False)
    assert alone["0.600"]["scores"] == study["0.600"]["scores"], "the scores depend on how many workers trained them"


@pytest.mark.slow
def test_a_learning_rate_search_trains_the_learning_curve_at_each_folds_chosen_rate():
    rng = np.random.default_rng(4)
    ensembles = {label: [_ensemble(rng, float(label), c) for c in range(4)] for label in ("0.700", "0.600")}
    measured = {label: {kind: rng.random((4, 3, 36)) for kind in KINDS} for label in ensembles}
    profile = get_profile("smoke", propensity_folds=2, propensity_epochs=1, propensity_learning_rates=(1e-2, 1e-3))
    tau_alpha = {label: {"absolute": 1.0, "cage-relative": 5.0} for label in ensembles}
    study = network_scores.network_study(profile, ensembles, measured, tau_alpha, progress=False)
    for folds in study["0.600"]["training"].values():
        assert all(set(fold["searched"]) == {"0.01", "0.001"} and fold["learning_rate"] in (1e-2, 1e-3) for fold in folds)
    curve = study["0.600"]["learning_curve"][network_scores.LEARNING_NETWORK]
    assert curve["sizes"][-1] == 1 and len(curve["cage-relative"][-1]) == 4
