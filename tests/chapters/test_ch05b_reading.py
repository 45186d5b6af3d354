"""Chapter 05b: networks beside baselines, paired on the same test configurations, on both inputs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from glasslib.chapters import ch05b_reading as ch05b
from glasslib.rundir import ProductError


def _record(labels, scores, indices):
    return {"folds": [{"labels": list(labels), "scores": list(scores), "indices": list(indices)}] * 3}


def _network(labels, probability, indices, dataset=1):
    fold = SimpleNamespace(
        test_indices=np.asarray(indices), test_probability=np.asarray(probability), test_labels=np.asarray(labels), auc=1.0
    )
    return SimpleNamespace(model="net", folds={(dataset, f): fold for f in range(3)})


def test_a_network_is_compared_with_a_baseline_on_the_same_configurations_only():
    labels = np.repeat([1, 0], 8)
    indices = np.arange(16)
    network = _network(labels, labels * 0.8 + 0.1, indices)  # perfect
    noise = _record(labels, np.tile([0.0, 1.0], 8), indices)  # the same scores in both classes: AUC 0.5
    found = ch05b.paired(network, noise, 1, seed=0)
    assert found["difference"] > 0.2 and found["ci95"][0] > 0
    same = ch05b.paired(network, _record(labels, labels * 0.8 + 0.1, indices), 1, seed=0)
    assert same["difference"] == 0.0 and same["ci95"] == [0.0, 0.0]
    with pytest.raises(ProductError, match="other configurations"):
        ch05b.paired(network, _record(labels, labels, indices[::-1]), 1, seed=0)


def test_verdicts_and_numbers_follow_the_paired_intervals():
    labels = np.repeat([1, 0], 8)
    indices = np.arange(16)
    rng = np.random.default_rng(1)
    base = {
        kind: {
            "1": {
                "thermometer": {**_record(labels, np.tile([0.0, 1.0], 8), indices), "auc": 0.5, "ci95": [0.3, 0.7]},
                "energy": {**_record(labels, labels + rng.normal(0, 0.1, 16), indices), "auc": 1.0, "ci95": [1.0, 1.0]},
                "descriptors": {**_record(labels, labels + rng.normal(0, 0.1, 16), indices), "auc": 1.0, "ci95": [1.0, 1.0]},
            }
        }
        for kind in ch05b.INPUT_KINDS
    }
    networks = {family: {kind: _network(labels, labels * 0.8 + 0.1, indices) for kind in ch05b.INPUT_KINDS} for family in ("CNN", "D-MPNN")}
    pairs = ch05b.paired_rows(base, networks, seed=0)
    verdicts = {(r["input"], r["baseline"]): r["verdict"] for r in pairs}
    assert verdicts[("inherent", "thermometer")] == "beats it"
    assert verdicts[("inherent", "descriptors")] == "not resolved at this scale"  # equal AUCs: not beaten
    assert {r["verdict"] for r in pairs} <= {"beats it", "falls short of it", "not resolved at this scale"}
    rows = ch05b.auc_rows(base, networks, seed=0)
    numbers = ch05b.reading_numbers(rows, pairs)
    assert numbers["dmpnn_beats_thermometer"] == "1" and numbers["dmpnn_beats_descriptors"] == "none"
    assert numbers["thermo_inherent_min"] == numbers["thermo_inherent_max"] == 0.5
    table = ch05b.auc_table(rows)
    assert "either" in table.index.get_level_values("input")  # the energy once: it is the same on both inputs
    assert ch05b.paired_table(pairs).shape == (6, 1)
