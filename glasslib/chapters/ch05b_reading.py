"""Chapter 05b (``notebooks/05b_reading.ipynb``): what the networks read — thermal snapshots or structure.

Every data set pairs a glass at T = 0.05 with a liquid many times warmer, so a network can tell them
apart by the liquid's vibrations alone. The chapter puts three baselines beside the reference
networks (SPEC section 12), each through the networks' own nested-CV splits and scored as they are
(:mod:`glasslib.models.baselines`), on both inputs (:mod:`glasslib.data.inherent_inputs`):

- the **thermometer** (:func:`glasslib.structure.thermometer.thermometer`);
- the **inherent-structure energy** per particle (the same on both inputs);
- a **linear classifier on classical descriptors** (:mod:`glasslib.structure.classical_descriptors`).

The baselines are stored as the ``baselines`` product (their test scores per fold, so a network
can be compared with them configuration by configuration: :func:`paired_table`). The reference
networks on both inputs are trained by chapters 04 (CNN) and 05 (D-MPNN)
(:func:`glasslib.chapters.classifiers.run_inherent`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib import stats
from glasslib.data.datasets import Dataset
from glasslib.data.inherent_inputs import INPUT_KINDS, model_inputs
from glasslib.data.splits import N_OUTER, OUTER_TEST
from glasslib.models import selection
from glasslib.models.baselines import BaselineResult, linear_baseline, scalar_baseline
from glasslib.models.fold_results import NestedCVResult
from glasslib.profiles import Profile
from glasslib.rundir import ProductError, product_hash, read_json_product, write_json_product
from glasslib.structure.classical_descriptors import descriptor_matrix
from glasslib.structure.thermometer import thermometer

#: The baselines, by the name the product stores them under, and how the book names them.
BASELINE_LABELS = {
    "thermometer": "thermometer (bond-length spread)",
    "energy": "inherent-structure energy",
    "descriptors": "classical descriptors (linear)",
}

#: How the book names the two inputs.
INPUT_LABELS = {"thermal": "thermal snapshots", "inherent": "inherent structures"}


def views(profile: Profile, run_dir: Path) -> dict[str, dict[int, Dataset]]:
    """Every data set as the classifiers read it, per input kind: ``{kind: {data set: Dataset}}``."""
    expected = product_hash(profile, "datasets")
    return {kind: {i: model_inputs(run_dir, i, expected, kind) for i in profile.dataset_ids()} for kind in INPUT_KINDS}


def dataset_baselines(data: Dataset, seed: int) -> dict[str, BaselineResult]:
    """The three baselines on one data set view (module docstring)."""
    positions = np.asarray(data.positions, dtype=float) * data.box_length
    return {
        "thermometer": scalar_baseline(data, thermometer(positions, data.types, data.box_length), "thermometer"),
        "energy": scalar_baseline(data, data.inherent_energy, "energy"),
        "descriptors": linear_baseline(data, descriptor_matrix(positions, data.types, data.box_length), "descriptors", seed),
    }


def _record(data: Dataset, result: BaselineResult, seed: int) -> dict[str, Any]:
    """One baseline on one data set, as stored: AUC, interval, per-fold AUCs, choices and test scores."""
    tests = [data.indices(fold, OUTER_TEST) for fold in range(N_OUTER)]
    return {
        "auc": result.auc,
        "ci95": result.interval(seed),
        "auc_folds": result.fold_aucs.tolist(),
        "settings": list(result.settings),
        "folds": [
            {"labels": labels.tolist(), "scores": scores.tolist(), "indices": test.tolist()}
            for (labels, scores), test in zip(result.folds, tests, strict=True)
        ],
    }


def compute_baselines(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """``{kind: {data set: {baseline: record}}}`` of every data set and input (:func:`_record`)."""
    out: dict[str, Any] = {}
    for kind, data in views(profile, run_dir).items():
        out[kind] = {
            str(i): {name: _record(d, r, profile.seed) for name, r in dataset_baselines(d, profile.seed).items()} for i, d in data.items()
        }
    return out


def baselines(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """The stored ``baselines`` product, computed and stored first when missing or stale."""
    try:
        return read_json_product(run_dir, profile, "baselines")["baselines"]
    except ProductError:
        payload = compute_baselines(profile, run_dir)
        write_json_product(run_dir, profile, "baselines", {"baselines": payload})
        return payload


def load_baselines(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """The stored ``baselines`` product (no computing); a clear error naming chapter 05b when missing or stale."""
    return read_json_product(run_dir, profile, "baselines")["baselines"]


def reference_networks(profile: Profile) -> dict[str, dict[str, str]]:
    """The reference CNN and D-MPNN, by input kind: ``{"CNN": {"thermal": name, "inherent": name}, "D-MPNN": …}``."""
    return {
        family: {"thermal": name, "inherent": name + selection.INHERENT_SUFFIX}
        for family, name in (("CNN", profile.reference_cnn), ("D-MPNN", profile.reference_dmpnn))
    }


def network_results(profile: Profile, run_dir: Path) -> dict[str, dict[str, NestedCVResult]]:
    """The stored results of both reference networks on both inputs: ``{family: {kind: NestedCVResult}}``."""
    return {
        family: {kind: selection.load_results(profile, run_dir, selection.spec_by_name(profile, name)) for kind, name in names.items()}
        for family, names in reference_networks(profile).items()
    }


def _network_cell(result: NestedCVResult, dataset: int, seed: int) -> tuple[float, list[float]]:
    folds = [r for (d, _), r in sorted(result.folds.items()) if d == dataset]
    return float(np.mean([r.auc for r in folds])), stats.auc_interval([(r.test_labels, r.test_probability) for r in folds], seed=seed)


def _cell(auc: float, interval: list[float]) -> str:
    return f"{auc:.2f} [{interval[0]:.2f}, {interval[1]:.2f}]"


def auc_rows(base: Mapping[str, Any], networks: Mapping[str, Mapping[str, NestedCVResult]], seed: int) -> list[dict[str, Any]]:
    """One row per (reader, input, data set): AUC and 95 % interval (the table and the figure read them)."""
    rows = []
    for kind in INPUT_KINDS:
        for dataset, records in base[kind].items():
            for name, record in records.items():
                rows.append(
                    {"reader": BASELINE_LABELS[name], "input": kind, "dataset": int(dataset), "auc": record["auc"], "ci95": record["ci95"]}
                )
            for family, results in networks.items():
                result = results[kind]
                if any(d == int(dataset) for d, _ in result.folds):
                    auc, interval = _network_cell(result, int(dataset), seed)
                    rows.append({"reader": family, "input": kind, "dataset": int(dataset), "auc": auc, "ci95": interval})
    return rows


def auc_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Readers × (input, data set): ``"AUC [low, high]"``; the energy row once (it is the same on both inputs)."""
    frame = pd.DataFrame(
        [
            {
                "reader": r["reader"],
                "input": "either" if r["reader"] == BASELINE_LABELS["energy"] else INPUT_LABELS[r["input"]],
                "data set": r["dataset"],
                "AUC [95 %]": _cell(r["auc"], r["ci95"]),
            }
            for r in rows
            if not (r["reader"] == BASELINE_LABELS["energy"] and r["input"] == "inherent")
        ]
    )
    return frame.pivot(index=["input", "reader"], columns="data set", values="AUC [95 %]")


def paired(result: NestedCVResult, record: Mapping[str, Any], dataset: int, seed: int) -> dict[str, Any]:
    """Network minus baseline AUC on one data set, paired over the same outer-test configurations."""
    folds = []
    for fold, stored in enumerate(record["folds"]):
        network = result.folds[(dataset, fold)]
        if not np.array_equal(np.asarray(network.test_indices), np.asarray(stored["indices"])):
            raise ProductError(
                f"data set {dataset}, fold {fold}: {result.model} and the baseline were tested on other configurations; "
                "rerun notebooks/05b_reading.ipynb"
            )
        folds.append((np.asarray(stored["labels"]), np.asarray(network.test_probability, float), np.asarray(stored["scores"], float)))
    return stats.paired_auc_difference(folds, seed=seed)


def paired_rows(base: Mapping[str, Any], networks: Mapping[str, Mapping[str, NestedCVResult]], seed: int) -> list[dict[str, Any]]:
    """Each network minus each baseline, per input and data set: difference, paired interval, verdict ("beats it"
    where the interval lies above 0, "falls short of it" where below, else "not resolved at this scale")."""
    rows = []
    for family, results in networks.items():
        for kind, result in results.items():
            for dataset in sorted({d for d, _ in result.folds}):
                for name, record in base[kind][str(dataset)].items():
                    found = paired(result, record, dataset, seed)
                    low, high = found["ci95"]
                    rows.append(
                        {
                            "network": family,
                            "input": kind,
                            "dataset": dataset,
                            "baseline": name,
                            **found,
                            "verdict": "beats it" if low > 0 else "falls short of it" if high < 0 else "not resolved at this scale",
                        }
                    )
    return rows


def paired_table(rows: list[dict[str, Any]], kind: str = "inherent") -> pd.DataFrame:
    """Network − baseline AUC on ``kind`` inputs: ``"+0.12 [0.03, 0.22]"`` per (network, baseline) × data set."""
    frame = pd.DataFrame(
        [
            {
                "network": r["network"],
                "minus": BASELINE_LABELS[r["baseline"]],
                "data set": r["dataset"],
                "AUC difference [95 %]": f"{r['difference']:+.2f} [{r['ci95'][0]:+.2f}, {r['ci95'][1]:+.2f}]",
            }
            for r in rows
            if r["input"] == kind
        ]
    )
    return frame.pivot(index=["network", "minus"], columns="data set", values="AUC difference [95 %]")


def _range(rows: list[dict[str, Any]], reader: str, kind: str) -> tuple[float, float]:
    aucs = [r["auc"] for r in rows if r["reader"] == reader and r["input"] == kind]
    return float(min(aucs)), float(max(aucs))


def _sets(rows: list[dict[str, Any]], network: str, baseline: str) -> str:
    """The data sets on which ``network`` beats ``baseline`` on inherent inputs, as ``"1, 2 and 3"`` (or ``"none"``)."""
    found = [
        str(r["dataset"])
        for r in rows
        if r["input"] == "inherent" and r["network"] == network and r["baseline"] == baseline and r["verdict"] == "beats it"
    ]
    if not found:
        return "none"
    return found[0] if len(found) == 1 else ", ".join(found[:-1]) + " and " + found[-1]


def reading_numbers(rows: list[dict[str, Any]], pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """The prose's numbers: the thermometer's AUC range on each input, the descriptors' and both networks' on
    inherent inputs, and the data sets on which each network beats each baseline there (paired intervals)."""
    out: dict[str, Any] = {}
    for key, reader in (
        ("thermo", BASELINE_LABELS["thermometer"]),
        ("desc", BASELINE_LABELS["descriptors"]),
        ("cnn", "CNN"),
        ("dmpnn", "D-MPNN"),
    ):
        for kind in INPUT_KINDS:
            out[f"{key}_{kind}_min"], out[f"{key}_{kind}_max"] = _range(rows, reader, kind)
    for network, key in (("CNN", "cnn"), ("D-MPNN", "dmpnn")):
        for baseline in BASELINE_LABELS:
            out[f"{key}_beats_{baseline}"] = _sets(pairs, network, baseline)
    return out
