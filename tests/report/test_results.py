"""glasslib.report.results and `glasslib results`: valid JSON for empty, partial and complete run directories."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from glasslib.profiles import get_profile
from glasslib.report.claims import evaluate_claims
from glasslib.report.results import collect_results, results_json
from glasslib.simulation import tg
from glasslib.stats import t_interval


def results_cli(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "glasslib", "results", *args], capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout)


def test_an_empty_run_directory_gives_valid_json_with_every_section_missing(tmp_path):
    document = results_cli("--profile", "smoke", "--run-dir", str(tmp_path / "nothing-yet"))
    assert document["profile"] == "smoke" and len(document["profile_hash"]) == 64
    assert document["claims"] == []
    assert set(document["missing"]) == {
        "memory_decay",
        "start_cue",
        "tg",
        "datasets",
        "classifiers",
        "cross_dataset",
        "reading",
        "artificial_images",
        "structural_metrics",
        "structural_metrics_inherent",
        "attention",
        "dynamics",
        "motion_readings",
        "paper_plan",
    }
    assert "05b_reading" in document["missing"]["reading"]
    assert "02_tg" in document["missing"]["tg"] and "09_dynamics" in document["missing"]["dynamics"]
    assert "09_dynamics" in document["missing"]["motion_readings"]


def test_a_partial_run_has_its_tg_and_tg_claims_only(tmp_path):
    profile = get_profile("smoke")
    t = np.linspace(0.05, 2.0, 14)
    rng = np.random.default_rng(3)
    energies = {"slow": -3.9 + 0.02 * np.maximum(t - 0.45, 0), "fast": -3.86 + 0.02 * np.maximum(t - 0.55, 0)}
    results = {name: tg.glass_transition(t, e[None, :] + rng.normal(0, 2e-4, (6, t.size)), n_bootstrap=30) for name, e in energies.items()}
    tg.save_tg(tmp_path, results, profile)
    document = json.loads(results_json(profile, tmp_path))
    assert set(document["tg"]) == {"slow", "fast", "fast_minus_slow", "glass_energy_fast_minus_slow"}
    low, high = document["tg"]["slow"]["ci95"]
    assert low <= document["tg"]["slow"]["value"] <= high
    assert [c["claim"] for c in document["claims"]] == ["Slower cooling gives a lower Tg", "Slower cooling gives a lower glass energy"]
    assert document["claims"][0]["verdict"] == "holds"  # Tg 0.45 vs 0.55 with tiny noise: resolved
    assert document["tg"]["fast_minus_slow"]["ci95"][0] > 0
    assert "classifiers" not in document and "classifiers" in document["missing"]
    # a Tg computed with other settings is stale: absent, and the reason says so
    stale = collect_results(get_profile("smoke", tg_min_points=4), tmp_path)
    assert "tg" not in stale and "stale" in stale["missing"]["tg"]


def test_fold_intervals_are_student_t_and_claims_need_their_inputs():
    low, high = t_interval(np.array([0.6, 0.7, 0.8]))
    assert (low, high) == pytest.approx((0.7 - 4.302653 * 0.1 / np.sqrt(3), 0.7 + 4.302653 * 0.1 / np.sqrt(3)))
    assert t_interval(np.array([0.99, 1.0, 1.0]))[1] == 1.0  # clipped to the AUC's range
    perfect = {"auc_mean": 1.0, "auc_ci95": [1.0, 1.0], "auc_folds": [1.0, 1.0, 1.0]}
    rows = evaluate_claims({"classifiers": {"cnn": {"1": perfect}}})
    assert [(r["claim"], r["verdict"]) for r in rows] == [
        ("CNN (the paper's network): AUC > 0.98 on every data set it trained on", "holds")
    ]


@pytest.mark.parametrize(
    ("folds", "verdict"), [([0.97, 1.0, 1.0], "not resolved at this scale"), ([1.0, 1.0, 1.0], "holds"), ([0.6, 0.7, 0.8], "fails")]
)
def test_a_verdict_is_not_resolved_when_its_interval_straddles_the_threshold(folds, verdict):
    auc = np.asarray(folds)
    sets = {"1": {"auc_mean": auc.mean(), "auc_ci95": t_interval(auc), "auc_folds": folds}}
    assert evaluate_claims({"classifiers": {"dmpnn": sets}})[0]["verdict"] == verdict


def test_equal_energy_is_an_equivalence_claim():
    def judge(value, half, tolerance=0.01):
        six = {"energy_gap": {"value": value, "ci95": [value - half, value + half]}, "energy_tolerance": tolerance}
        return evaluate_claims({"datasets": {"6": six}})[0]["verdict"]

    assert judge(0.001, 0.002) == "holds"  # the whole interval inside ±tolerance
    assert judge(0.008, 0.005) == "not resolved at this scale"  # reaches beyond it
    assert judge(0.03, 0.005) == "fails"  # wholly outside


@pytest.mark.slow
def test_the_smoke_book_run_directory_has_every_headline_number(smoke_book):
    _, _, run_dir = smoke_book
    document = results_cli("--profile", "smoke", "--run-dir", str(run_dir))
    assert document["missing"] == {}
    cnn = document["classifiers"]["cnn"]["1"]
    assert cnn["folds"] == 3 and 0 <= cnn["auc_ci95"][0] <= cnn["auc_mean"] <= cnn["auc_ci95"][1] <= 1
    assert set(document["structural_metrics"]) == {"components", "bb_edges", "isolated_a"}
    assert len(document["claims"]) >= 6
    reading = document["reading"]  # chapter 05b: baselines on both inputs, each network minus each baseline, paired
    assert set(reading["baselines"]) == {"thermal", "inherent"}
    for row in reading["paired"]:
        assert row["ci95"][0] <= row["difference"] <= row["ci95"][1] and row["verdict"] in (
            "beats it",
            "falls short of it",
            "not resolved at this scale",
        )
    assert {r["input"] for r in reading["paired"]} == {"thermal", "inherent"}
    claims = {r["claim"] for r in document["claims"]}
    assert "D-MPNN beats the structural baseline on inherent structures, every data set" in claims
    assert document["attention"]["inputs"] == "inherent" and set(document["attention"]["by_input"]) == {"thermal", "inherent"}
    for result in document["dynamics"].values():  # every temperature: τ_α, the ceiling and the baselines with intervals
        cage = result["cage-relative"]
        at_tau = cage["at"]["τ_α"]
        assert result["equilibration_tau_alpha"] >= 5 and at_tau["time"] == pytest.approx(cage["tau_alpha"])
        assert 0 < at_tau["models"]["noise_ceiling"]["mean"] <= 1
        linear = at_tau["models"]["linear_thermal"]
        assert linear["ci_low"] <= linear["mean"] <= linear["ci_high"] and linear["equivariant_minus_this"]["n"] >= 2
        assert cage["headline"]["verdict"] in ("holds", "fails", "not resolved at this scale")
        assert set(result["training"]) == {"equivariant", "plain"}
        assert set(cage["inputs"]) == {"equivariant", "plain"} and set(cage["inputs"]["equivariant"]["scores"]) == {"thermal", "inherent"}
    lowest = document["dynamics"][min(document["dynamics"], key=float)]["cage-relative"]
    assert lowest["learning_curve"]["equivariant"]  # the network's learning curve: lowest temperature
    readings = document["motion_readings"]  # the earlier chapters' readings against motion, with directions and verdicts
    assert set(readings["temperatures"]) == set(document["dynamics"])
    for name, found in readings["direction"]["readings"].items():
        assert found["sign"] in (-1, 0, 1) and 0 <= found["auc"] <= 1, name
    for by_kind in readings["temperatures"].values():
        assert set(by_kind["cage-relative"]) == {
            "gradcam",
            "attention_largest",
            "attention_isolated",
            "chosen_by_b",
            "isolated_a",
            "component_size",
        }
        assert all(isinstance(best["verdict"], str) for best in by_kind["cage-relative"].values())
    plan = document["paper_plan"]  # what the paper profile costs, from this machine's measured figures
    assert plan["figures"]["simulation"]["md_atom_steps_per_second"] > 0 and plan["paper"]["campaign_core_hours"] > 0
    assert plan["paper"]["training_hours_low"] <= plan["paper"]["training_hours_high"]


def test_network_comparisons_read_the_reference_models():
    good = {"auc_mean": 0.99, "auc_ci95": [0.985, 1.0], "auc_folds": [0.99, 0.99, 0.99]}
    poor = {"auc_mean": 0.5, "auc_ci95": [0.3, 0.7], "auc_folds": [0.4, 0.5, 0.6]}
    results = {
        "reference": {"cnn": "cnn_pooled", "dmpnn": "dmpnn_invariant"},
        "classifiers": {"cnn": {"1": poor}, "cnn_pooled": {"1": good}, "dmpnn": {"1": poor}, "dmpnn_invariant": {"1": good}},
    }
    rows = {r["claim"]: r for r in evaluate_claims(results)}
    compared = rows["D-MPNN at least as good as the CNN everywhere"]
    assert "dmpnn_invariant − cnn_pooled" in compared["this_run"]
    assert compared["verdict"] == "holds"  # equal AUCs in every fold: the difference is 0, not below it
    assert rows["CNN (the paper's network): AUC > 0.98 on every data set it trained on"]["verdict"] == "fails"
    assert rows["CNN (reduced-scale, pooled head): AUC > 0.98 on every data set"]["verdict"] == "holds"
    del results["classifiers"]["cnn_pooled"]
    assert "D-MPNN at least as good as the CNN everywhere" not in {r["claim"] for r in evaluate_claims(results)}


def test_beating_a_baseline_is_judged_on_inherent_inputs_by_the_paired_interval():
    def row(dataset, low, high, kind="inherent"):
        return {
            "network": "CNN",
            "input": kind,
            "dataset": dataset,
            "baseline": "thermometer",
            "difference": (low + high) / 2,
            "ci95": [low, high],
        }

    def verdict(rows):
        found = {r["claim"]: r for r in evaluate_claims({"reading": {"paired": rows, "networks": {}}})}
        return found["CNN beats the thermometer on inherent structures, every data set"]["verdict"]

    assert verdict([row(1, 0.1, 0.3), row(2, 0.05, 0.2), row(3, -0.5, -0.1, "thermal")]) == "holds"  # thermal rows do not count
    assert verdict([row(1, 0.1, 0.3), row(2, -0.1, 0.2)]) == "not resolved at this scale"
    assert verdict([row(1, 0.1, 0.3), row(2, -0.3, -0.1)]) == "fails"
