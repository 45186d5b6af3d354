"""glasslib.chapters.ch09_readings (chapter 09): earlier chapters' readings scored against propensity, on synthetic data.

The readings of trained classifiers on real ensembles run in the smoke book (tests/book); here every
step that turns readings into numbers and verdicts is checked where the answer is known.
"""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.chapters import ch09_reading_tables as tables
from glasslib.chapters import ch09_readings as mr
from glasslib.dynamics.at_times import UntrainedTimeError
from glasslib.profiles import get_profile
from glasslib.rundir import StaleProductError, product_path


def synthetic_study(seed: int = 0, configurations: int = 6, times: int = 4, n: int = 120):
    """Measured propensity (C, T, N), an A mask and readings: one tracks propensity, one opposes it, one is noise."""
    rng = np.random.default_rng(seed)
    truth = rng.gamma(2.0, 1.0, (configurations, n))
    measured = truth[:, None, :] * np.linspace(0.5, 2.0, times)[:, None] + 0.3 * rng.normal(size=(configurations, times, n))
    mask = np.broadcast_to(np.arange(n) % 5 != 0, (configurations, n))
    readings = {
        "tracks": truth + 0.5 * rng.normal(size=truth.shape),
        "opposes": -truth + 0.5 * rng.normal(size=truth.shape),
        "noise": rng.normal(size=truth.shape),
    }
    return readings, measured, mask


def test_reading_scores_keep_the_sign_of_the_correlation():
    readings, measured, mask = synthetic_study()
    scores = mr.reading_scores(readings, measured, mask, seed=1)
    tracks, opposes, noise = (np.array(scores[k]["mean"]) for k in ("tracks", "opposes", "noise"))
    assert np.all(tracks > 0.7) and np.all(opposes < -0.7)
    assert np.all(np.abs(noise) < 0.2)
    assert all(low <= mean <= high for low, mean, high in zip(scores["tracks"]["ci_low"], tracks, scores["tracks"]["ci_high"]))


def test_a_reading_constant_in_one_configuration_leaves_it_out():
    readings, measured, mask = synthetic_study()
    flat = readings["tracks"].copy()
    flat[2] = 1.0  # no isolated particle there: no correlation to compute
    scores = mr.reading_scores({"flat": flat}, measured, mask, seed=1)
    full = mr.reading_scores({"tracks": readings["tracks"]}, measured, mask, seed=1)
    assert np.all(np.isfinite(scores["flat"]["mean"]))
    rho = np.stack([np.corrcoef(readings["tracks"][c][mask[c]], measured[c, 0][mask[c]])[0, 1] for c in range(6)])
    assert scores["flat"]["mean"][0] == pytest.approx(np.delete(rho, 2).mean())
    assert full["tracks"]["mean"][0] == pytest.approx(rho.mean())


@pytest.mark.parametrize(
    ("low", "high", "expected", "verdict"),
    [
        (-0.3, -0.1, -1, "as expected"),
        (0.1, 0.3, -1, "opposite sign"),
        (-0.1, 0.2, 1, "not resolved at this scale"),
        (0.1, 0.2, 0, "correlated, no glass direction to compare"),
        (float("nan"), float("nan"), 1, "not resolved at this scale"),
        (None, None, 1, "not resolved at this scale"),
    ],
)
def test_sign_verdict(low, high, expected, verdict):
    assert mr.sign_verdict(low, high, expected) == verdict


def test_a_reading_is_scored_at_the_time_asked_for_not_at_its_best():
    values = [[0.05, -0.3, 0.2], [0.05, -0.3, 0.4]]  # its largest |ρ| is at 1 τ; asked at 10 τ it is +0.3
    result = {"times": [0.1, 1.0, 10.0], "scores": {"cage-relative": {"r": {"values": values}}}}
    found = mr.reading_at(result, "cage-relative", "r", expected=-1, t=10.0)
    assert found["time"] == 10.0 and found["rho"] == pytest.approx(0.3) and found["verdict"] == "opposite sign"
    assert mr.reading_at(result, "cage-relative", "r", expected=-1, t=1.0)["verdict"] == "as expected"
    result["scores"]["cage-relative"]["r"]["values"] = [[None] * 3, [None] * 3]
    assert mr.reading_at(result, "cage-relative", "r", expected=-1, t=1.0)["rho"] is None
    with pytest.raises(UntrainedTimeError, match="raise dynamics_t_max"):
        mr.reading_at(result, "cage-relative", "r", expected=-1, t=30.0)


def test_glass_direction_from_labelled_configurations():
    rng = np.random.default_rng(4)
    labels = np.repeat([1, 0], 10)
    types = np.where(np.arange(50) % 4 == 0, 2, 1)
    higher_in_glass = rng.normal(size=(20, 50)) + 2.0 * labels[:, None]
    found = mr.glass_direction(
        {"glassy": higher_in_glass, "liquid": -higher_in_glass, "neither": rng.normal(size=(20, 50))}, types, labels, seed=0
    )
    assert found["glassy"]["sign"] == -1 and found["glassy"]["auc"] > 0.95
    assert found["liquid"]["sign"] == 1 and found["liquid"]["auc"] < 0.05
    assert found["neither"]["sign"] == 0 and found["neither"]["ci_low"] < 0.5 < found["neither"]["ci_high"]
    only_b = np.where(types == 2, 10.0 * labels[:, None], 0.0)  # a difference on B particles alone is not read
    assert mr.glass_direction({"b": only_b + rng.normal(size=(20, 50))}, types, labels, seed=0)["b"]["sign"] == 0


def one_input(direction_signs: dict[str, int], rho: float = -0.2, quench: dict | None = None) -> dict:
    """One input's readings for one temperature: ρ per configuration ``rho`` ± 0.05 (spread over 8 configurations) at its second time."""
    spread = np.linspace(-0.05, 0.05, 8)
    curve = {"values": np.stack([rho / 2 + spread, rho + spread], axis=1).tolist()}
    scores = {kind: {name: curve for name in mr.READINGS} for kind in ("absolute", "cage-relative")}
    direction = {name: {"auc": 0.5, "ci_low": 0.4, "ci_high": 0.6, "sign": direction_signs.get(name, 0)} for name in mr.READINGS}
    result = {"times": [1.0, 10.0], "scores": scores, "isolated_fraction": {"attention": 0.5, "bond_graph": 0.3}}
    return {
        "classifiers": {"cnn": {"model": "cnn_pooled", "dataset": 1, "fold": 0, "auc": 1.0}, "attention": {"auc": 0.9, "cutoff": 0.01}},
        "direction": {"glasses": 8, "liquids": 8, "readings": direction},
        "temperatures": {"0.600": result | ({"quench": quench} if quench else {})},
    }


def payload(direction_signs: dict[str, int], inherent_signs: dict[str, int] | None = None) -> dict:
    """A readings product: thermal readings at ρ −0.2, inherent ones at +0.02 (not resolved from 0), with their quench record."""
    quench = {"configurations": 4, "usable": 3, "rearranged_max": 0.1, "fnorm_max": 1e-6}
    return {**one_input(direction_signs), "inherent": one_input(inherent_signs or {}, rho=0.02, quench=quench)}


def dynamics(equivariant: tuple[float, float]) -> dict:
    """Chapter 09's study at one temperature: τ_α = 10 τ; the equivariant network's ρ per configuration ``mean`` ± ``half`` there."""
    mean, half = equivariant
    spread = np.linspace(-half, half, 8)
    ceiling = {"values": np.stack([np.full(8, 0.8), 0.7 + spread], axis=1).tolist()}
    network = {"values": np.stack([np.zeros(8), mean + spread], axis=1).tolist()}
    return {
        "0.600": {
            "relaxation": {kind: {"times": [1.0, 10.0], "tau_alpha": 10.0} for kind in ("absolute", "cage-relative")},
            "scores": {kind: {"noise_ceiling": ceiling, "equivariant": network} for kind in ("absolute", "cage-relative")},
        }
    }


def test_table_and_glued_numbers_follow_the_measured_directions():
    readings = payload({"gradcam": -1, "isolated_a": 1})
    table = tables.readings_table(readings, dynamics((0.4, 0.1)))
    rows = table.xs(0.6, level="T")
    assert rows.loc["Grad-CAM glass score", "verdict"] == "as expected"
    assert rows.loc["isolated A (no B chose it)", "verdict"] == "opposite sign"
    assert rows.loc["largest attention weight", "verdict"] == "correlated, no glass direction to compare"
    assert rows.loc["Grad-CAM glass score", "noise ceiling there"] == "0.70"
    glued = mr.glued_readings(readings, dynamics((0.4, 0.1)))
    assert (glued["readings_as_expected"], glued["readings_opposite"], glued["readings_no_direction"]) == (1, 1, 4)
    assert glued["readings_strongest_abs"] == pytest.approx(0.2) and glued["readings_versus_network"] == "below"
    assert mr.glued_readings(readings, dynamics((0.2, 0.1)))["readings_versus_network"] == "not resolved from"
    assert mr.glued_readings(readings, dynamics((0.1, 0.02)))["readings_versus_network"] == "above"
    assert list(tables.direction_table(readings)["expected sign of ρ"]) == ["−", "none", "none", "none", "+", "none"]


def test_inherent_readings_have_their_own_table_glue_and_verdicts():
    readings = payload({"gradcam": -1, "isolated_a": 1}, inherent_signs={"component_size": 1})
    assert mr.on_input(readings, "thermal") is readings and mr.on_input(readings, "inherent") is readings["inherent"]
    with pytest.raises(ValueError, match="thermal"):
        mr.on_input(readings, "vibrations")
    glued = mr.glued_readings(readings, dynamics((0.4, 0.1)), inputs="inherent")
    assert glued["readings_inherent_cnn_auc"] == 1.0 and glued["readings_inherent_unresolved"] == 6
    assert glued["reading_inherent_gradcam_verdict"] == "not resolved at this scale"
    assert (glued["readings_inherent_quench_usable"], glued["readings_inherent_quench_configurations"]) == (3, 4)
    assert glued["readings_inherent_same_verdict"] == 0  # every thermal reading resolved, no inherent one
    assert not any(name.startswith("readings_cnn") for name in glued)  # no thermal name is overwritten
    table = tables.input_table(readings, dynamics((0.4, 0.1)))
    assert table.loc["Grad-CAM glass score", ("thermal", "verdict")] == "as expected"
    assert table.loc["Grad-CAM glass score", ("inherent", "verdict")] == "not resolved at this scale"
    assert table.loc["size of its bond-graph component", ("inherent", "higher in")] == "liquids"
    inherent = tables.readings_table(readings, dynamics((0.4, 0.1)), inputs="inherent")
    assert inherent.xs(0.6, level="T").loc["isolated A (no B chose it)", "ρ at τ_α [95 %]"] == "+0.02 [-0.00, +0.04]"


class _Models:
    """What :func:`mr.temperature_readings` needs of the trained models, replaced by fixed readings."""


def test_temperature_readings_leave_out_unusable_quenches(monkeypatch):
    rng = np.random.default_rng(2)
    n, runs, times = 40, 3, 2
    types = np.where(np.arange(n) % 3 == 0, 2, 1)
    ensembles = []
    for c in range(3):
        moves = rng.normal(size=(runs, times, n, 2)).astype(np.float32)
        ensembles.append(
            mr.IsoconfigurationalEnsemble(
                temperature=0.6,
                configuration=c,
                times=np.array([1.0, 10.0]),
                displacements=moves,
                start_positions=rng.uniform(0, 10, (n, 2)),
                types=types,
                equilibration_times=np.array([1.0]),
                equilibration_displacements=np.zeros((1, n, 2)),
                inherent_positions=rng.uniform(0, 10, (n, 2)),
                inherent_particle_energy=np.zeros(n),
                box_length=10.0,
            )
        )
    seen = []

    def fixed(positions, types_, models):
        seen.append(positions.shape[0])
        values = np.asarray(positions)[..., 0]
        return {name: values for name in mr.READINGS}

    monkeypatch.setattr(mr, "particle_readings", fixed)
    positions = np.stack([mr.scaled_positions(e) for e in ensembles])
    positions[1] = np.nan
    result = mr.temperature_readings(ensembles, _Models(), seed=0, positions=positions)
    assert seen == [2] and len(result["scores"]["cage-relative"]["gradcam"]["mean"]) == 2
    positions[:] = np.nan
    with pytest.raises(ValueError, match="no configuration"):
        mr.temperature_readings(ensembles, _Models(), seed=0, positions=positions)


def test_readings_product_round_trip_and_stale_layout(tmp_path):
    profile = get_profile("smoke")
    stored = payload({"gradcam": -1})
    mr.save_readings(tmp_path, profile, stored)
    assert mr.load_readings(tmp_path, profile) == stored
    with pytest.raises(StaleProductError, match="Rerun notebooks/09_dynamics"):
        mr.load_readings(tmp_path, get_profile("smoke", seed=profile.seed + 1))
    path = product_path(tmp_path, "readings", profile, **mr._keys(profile))
    path.write_text(path.read_text().replace(f'"format": {mr.READINGS_FORMAT}', '"format": 0'))
    with pytest.raises(StaleProductError, match="layout 0"):
        mr.load_readings(tmp_path, profile)
