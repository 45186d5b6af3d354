"""The structural metrics along the ramp on inherent structures, beside the same runs' thermal snapshots (chapter 07)."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data import quench
from glasslib.simulation import store
from glasslib.structure import bond_metrics, inherent_ramp, ramp_metrics


@pytest.mark.slow
def test_the_inherent_ramp_counts_the_quenched_snapshots_of_the_same_runs(dynamics_store):
    profile, run_dir = dynamics_store
    found = inherent_ramp.inherent_metrics_vs_temperature(run_dir, profile, runs=2, progress=False)
    thermal = ramp_metrics.metrics_vs_temperature(run_dir, profile, runs=2)
    assert found["runs"] == 2 and found["flagged"] == 0
    for key in bond_metrics.METRICS:  # the thermal frame is chapter 07's own, on the same runs
        assert found["thermal"][f"{key}_mean"].tolist() == pytest.approx(thermal[f"{key}_mean"].tolist())
    last = len(thermal) - 1  # the coldest snapshot, quenched by hand: the same counts
    snaps = [store.read_snapshot(store.run_path(run_dir, "slow", run), last, profile.simulation_hash()) for run in range(2)]
    positions = np.stack([s["positions"] for s in snaps])
    quenched = quench.quench(profile, positions, snaps[0]["types"], progress=False)
    counts = bond_metrics.structural_metrics(quenched.positions, snaps[0]["types"], float(snaps[0]["box_length"]))
    for key in bond_metrics.METRICS:
        assert found["inherent"][f"{key}_mean"].iloc[last] == pytest.approx(counts[key].mean())
    with pytest.raises(ValueError, match="at least 2 runs"):
        inherent_ramp.inherent_metrics_vs_temperature(run_dir, profile, runs=1)
