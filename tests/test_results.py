"""glasslib.results and `glasslib results`: valid JSON for empty, partial and complete run directories."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from glasslib.book.claims import evaluate_claims
from glasslib.profiles import get_profile
from glasslib.results import collect_results, results_json, t_interval
from glasslib.simulation import tg


def results_cli(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "glasslib", "results", *args], capture_output=True, text=True, timeout=300, check=True
    )
    return json.loads(done.stdout)


def test_an_empty_run_directory_gives_valid_json_with_every_section_missing(tmp_path):
    document = results_cli("--profile", "smoke", "--run-dir", str(tmp_path / "nothing-yet"))
    assert document["profile"] == "smoke" and len(document["profile_hash"]) == 64
    assert document["claims"] == []
    assert set(document["missing"]) == {
        "tg",
        "datasets",
        "classifiers",
        "cross_dataset",
        "structural_metrics",
        "attention",
    }
    assert "02_tg" in document["missing"]["tg"]


def test_a_partial_run_has_its_tg_and_tg_claims_only(tmp_path):
    profile = get_profile("smoke")
    t = np.linspace(0.05, 2.0, 14)
    rng = np.random.default_rng(3)
    energies = {"slow": -3.9 + 0.02 * np.maximum(t - 0.45, 0), "fast": -3.86 + 0.02 * np.maximum(t - 0.55, 0)}
    results = {
        name: tg.glass_transition(t, e[None, :] + rng.normal(0, 2e-4, (6, t.size)), n_bootstrap=30)
        for name, e in energies.items()
    }
    tg.save_tg(tmp_path, results, profile)
    document = json.loads(results_json(profile, tmp_path))
    assert set(document["tg"]) == {"slow", "fast"}
    low, high = document["tg"]["slow"]["ci95"]
    assert low <= document["tg"]["slow"]["value"] <= high
    assert [c["claim"] for c in document["claims"]] == [
        "Slower cooling gives a lower Tg",
        "Slower cooling gives a lower glass energy",
    ]
    assert "classifiers" not in document and "classifiers" in document["missing"]
    # a Tg computed with other settings is stale: absent, and the reason says so
    stale = collect_results(get_profile("smoke", tg_min_points=4), tmp_path)
    assert "tg" not in stale and "stale" in stale["missing"]["tg"]


def test_fold_intervals_are_student_t_and_claims_need_their_inputs():
    low, high = t_interval(np.array([0.6, 0.7, 0.8]))
    assert (low, high) == pytest.approx((0.7 - 4.302653 * 0.1 / np.sqrt(3), 0.7 + 4.302653 * 0.1 / np.sqrt(3)))
    assert t_interval(np.array([0.99, 1.0, 1.0]))[1] == 1.0  # clipped to the AUC's range
    assert evaluate_claims({"classifiers": {"cnn": {"1": {"auc_mean": 0.99}}}}) == [
        {"claim": "CNN: AUC > 0.98 on every data set", "this_run": "lowest mean AUC 0.990", "verdict": "holds"}
    ]


@pytest.mark.slow
def test_the_smoke_book_run_directory_has_every_headline_number():
    run_dir = Path(os.environ.get("GLASSLIB_TEST_RUN_DIR", "_build/nbval-runs/smoke"))
    if not (run_dir / "metrics.json").exists():
        pytest.skip("needs the smoke book's run directory (make test builds it first)")
    document = results_cli("--profile", "smoke", "--run-dir", str(run_dir))
    assert document["missing"] == {}
    cnn = document["classifiers"]["cnn"]["1"]
    assert cnn["folds"] == 3 and 0 <= cnn["auc_ci95"][0] <= cnn["auc_mean"] <= cnn["auc_ci95"][1] <= 1
    assert set(document["structural_metrics"]) == {"components", "bb_edges", "isolated_a"}
    assert len(document["claims"]) >= 6
