"""glasslib.structure.ramp_metrics (chapter 07): the structural metrics along the cooling ramps, from a store,
and as stand-alone classifiers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from glasslib.simulation import store
from glasslib.stats import roc_auc
from glasslib.structure import bond_metrics, ramp_metrics
from glasslib.system import TYPE_A, TYPE_B

A, B = TYPE_A, TYPE_B


# --------------------------------------------------------------------------- vs temperature, store
def write_fake_runs(run_dir, n_runs: int = 3, n_snap: int = 4, n: int = 30, box: float = 5.0) -> np.ndarray:
    """Runs of random configurations under ``sim/slow``; returns their positions (R, S, N, 2)."""
    rng = np.random.default_rng(7)
    types = np.where(np.arange(n) % 3 == 0, B, A)
    positions = rng.uniform(0, box, (n_runs, n_snap, n, 2))
    for run in range(n_runs):
        result = {
            "step": np.arange(1, n_snap + 1),
            "target_temperature": np.linspace(2.0, 0.05, n_snap),
            "temperature": np.ones(n_snap),
            "potential_energy": -np.ones(n_snap),
            "inherent_energy": -np.ones(n_snap),
            "inherent_fnorm": np.zeros(n_snap),
            "inherent_iterations": np.ones(n_snap, dtype=np.int64),
            "positions": positions[run],
            "start_positions": positions[run, 0],
        }
        store.write_run(
            store.run_path(run_dir, "slow", run),
            result,
            types,
            {"profile_hash": "h" * 64, "box_length": box, "run_index": run, "seed": run},
        )
    return positions


def test_metrics_vs_temperature_averages_over_runs(tmp_path):
    positions = write_fake_runs(tmp_path)
    profile = SimpleNamespace(runs_per_schedule=3, simulation_hash=lambda: "h" * 64)
    frame = ramp_metrics.metrics_vs_temperature(tmp_path, profile, batch_runs=2)
    assert frame["temperature"].tolist() == pytest.approx(np.linspace(2.0, 0.05, 4).tolist())
    assert frame["n_runs"].tolist() == [3] * 4
    types = np.where(np.arange(30) % 3 == 0, B, A)
    for index in range(4):
        counts = bond_metrics.structural_metrics(positions[:, index], types, 5.0)
        for key in bond_metrics.METRICS:
            assert frame[f"{key}_mean"][index] == pytest.approx(counts[key].mean())
            assert frame[f"{key}_sem"][index] == pytest.approx(counts[key].std(ddof=1) / np.sqrt(3))


def test_metrics_vs_temperature_says_what_is_missing(tmp_path):
    profile = SimpleNamespace(runs_per_schedule=2, simulation_hash=lambda: "h" * 64)
    with pytest.raises(store.StoreError, match="01_simulation"):
        ramp_metrics.metrics_vs_temperature(tmp_path, profile)


# --------------------------------------------------------------------------- as classifiers
@pytest.fixture(scope="module")
def lattice_dataset(make_dataset):
    """8×8 jittered lattices, 16 B, 4 per class: glasses spread the B particles out, liquids pack them in one block."""
    per_class = 4
    rng = np.random.default_rng(0)
    grid = np.stack(np.meshgrid(np.arange(8), np.arange(8), indexing="ij"), axis=-1).reshape(64, 2)
    spread = (grid[:, 0] % 2 == 0) & (grid[:, 1] % 2 == 0)
    block = (grid[:, 0] < 4) & (grid[:, 1] < 4)
    order = np.concatenate([np.flatnonzero(spread), np.flatnonzero(~spread)])
    block_order = np.concatenate([np.flatnonzero(block), np.flatnonzero(~block)])
    sites = np.concatenate([np.repeat(grid[order][None], per_class, 0), np.repeat(grid[block_order][None], per_class, 0)])
    positions = (sites + 0.5 + 0.05 * rng.standard_normal(sites.shape)) / 8
    return make_dataset(positions, np.where(np.arange(64) < 16, B, A), box_length=8.0)


def test_metric_auc_uses_minus_metric_as_glass_score(lattice_dataset):
    data = lattice_dataset
    auc = ramp_metrics.metric_auc(data)
    counts = bond_metrics.structural_metrics(data.positions, data.types, 1.0)
    assert set(auc) == set(bond_metrics.METRICS)
    for key in bond_metrics.METRICS:
        assert auc[key] == pytest.approx(roc_auc(data.labels, -counts[key]))
    assert auc["bb_edges"] == 1.0 and auc["isolated_a"] == 1.0  # spread-out B: no B–B edges, few lonely A
    subset = np.array([0, 1, 5, 6])
    assert ramp_metrics.metric_auc(data, subset)["bb_edges"] == 1.0
