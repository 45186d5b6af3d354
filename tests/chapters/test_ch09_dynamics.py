"""Chapter 09's study on a tiny ensemble store: every number present, intervals ordered, stored and read back."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.chapters import ch09_comparison as comparison
from glasslib.chapters import ch09_dynamics as dyn
from glasslib.dynamics.relaxation import RelaxationError
from glasslib.profiles import get_profile


@pytest.mark.slow
def test_the_study_has_every_model_with_ordered_intervals_and_is_stored(dynamics_store):
    profile, run_dir = dynamics_store
    study = dyn.dynamics_study(profile, run_dir, progress=False)
    assert set(study) == {"1.200", "0.900"}
    for label, result in study.items():
        assert result["equilibration_tau_alpha"] >= dyn.EQUILIBRATION_TAUS
        assert result["relaxation"]["absolute"]["tau_alpha"] > 0
        for kind in dyn.KINDS:
            for model in (*comparison.MODEL_LABELS, "noise_ceiling"):
                curve = result["scores"][kind][model]
                finite = np.isfinite(curve["ci_low"])
                assert len(curve["mean"]) == len(result["relaxation"][kind]["times"])
                assert np.shape(curve["values"]) == (result["configurations"], len(curve["mean"]))  # per configuration: paired comparisons
                assert np.all(np.array(curve["ci_low"])[finite] <= np.array(curve["mean"])[finite] + 1e-12)
        other = "0.900" if label == "1.200" else "1.200"
        assert set(result["transfer"][other]["cage-relative"]) == {"equivariant", "plain"}
        assert result["parameters"]["equivariant"] > 0 and result["parameters"]["plain"] > 0
        other = result["other_input"]  # every network also trained on the other positions, scored the same way
        assert other["input"] != profile.propensity_input and set(other["scores"]["cage-relative"]) == {"equivariant", "plain"}
        learning = result["learning_curve"]  # one training configuration per fold: each curve is the main run's point
        assert learning[f"linear_{profile.propensity_input}"]["sizes"] == [1]
        if label == "0.900":  # the network's curve at the lowest temperature only
            assert learning["equivariant"]["sizes"] == [1]
            assert np.shape(learning["equivariant"]["cage-relative"]) == (1, result["configurations"])
        else:
            assert "equivariant" not in learning
        for folds in result["training"].values():  # training curves per fold; the kept epoch is the best on validation
            assert len(folds) == profile.propensity_folds
            for fold in folds:
                assert len(fold["loss"]) == len(fold["held_out_rho"]) == profile.propensity_epochs and fold["validation_rho"] == []
                assert fold["best_epoch"] == profile.propensity_epochs  # one training configuration per fold: no early stopping
    assert dyn.load_dynamics(run_dir, profile) == study
    assert dyn.dynamics_study(profile, run_dir, progress=False) == study  # read back, not recomputed
    table = comparison.headline_table(study)
    assert len(table) == 2 * len(dyn.KINDS) * (len(comparison.MODEL_LABELS) + 1)
    assert comparison.comparison_verdict(study["0.900"]) in ("holds", "fails", "not resolved at this scale")
    assert len(comparison.transfer_table(study)) == 2 * 2 * 2 and len(comparison.time_table(study)) == 2 * len(dyn.KINDS)
    example = dyn.example_map(profile, run_dir, study, 0.9)
    assert example["measured"].shape == example["predicted"].shape == (profile.n_particles,) and -1 <= example["rho"] <= 1
    glued = dyn.glued_numbers(profile, study, tg=0.5)
    assert glued["t_low"] == 0.9 and glued["parameters_equivariant"] == study["0.900"]["parameters"]["equivariant"]


def test_short_equilibrations_and_glasses_are_clear_errors():
    profile = get_profile("smoke")
    with pytest.raises(RelaxationError, match="set dynamics_equilibration ≥"):
        dyn.check_equilibration(profile, 0.9, tau_alpha=1000.0)
    with pytest.raises(RelaxationError, match="raise dynamics_t_max"):
        dyn.check_equilibration(profile, 0.9, tau_alpha=None)
    with pytest.raises(ValueError, match="below this run's slow-ramp Tg"):
        dyn.check_above_tg([0.9, 0.4], tg=0.45)


def test_the_temperatures_are_checked_against_chapter_02s_tg(monkeypatch, tmp_path):
    profile = get_profile("smoke")
    monkeypatch.setattr(dyn, "slow_tg", lambda prof, run_dir: 0.41)
    temperatures, tg = dyn.checked_temperatures(profile, tmp_path)
    assert temperatures == profile.dynamics_temperatures and tg == 0.41
    monkeypatch.setattr(dyn, "slow_tg", lambda prof, run_dir: max(profile.dynamics_temperatures))
    with pytest.raises(ValueError, match="below this run's slow-ramp Tg"):
        dyn.checked_temperatures(profile, tmp_path)


def test_the_maps_title_names_temperature_kind_time_and_rho():
    example = {"kind": "cage-relative", "time": 123.456, "rho": 0.4567}
    assert dyn.example_title(example, 0.45) == "T = 0.45, cage-relative, t = 123 τ, equivariant network: ρ = 0.46 (A particles)"
    assert "plain network: ρ = 0.46" in dyn.example_title(example, 0.45, network="plain")
