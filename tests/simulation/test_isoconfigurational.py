"""Iso-configurational ensembles: built from the cooling store, resumable, reproducible, checked on read."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.profiles import get_profile
from glasslib.rundir import product_hash
from glasslib.simulation import isoconfigurational as iso

pytestmark = pytest.mark.slow


def test_log_steps_are_increasing_distinct_and_end_at_the_last():
    steps = iso.log_steps(30_000, 16)
    assert steps[0] == iso.FIRST_RECORD and steps[-1] == 30_000 and np.all(np.diff(steps) > 0) and steps.size == 16
    assert iso.log_steps(3, 6).tolist() == [1, 2, 3]  # fewer distinct steps than asked: no duplicates


def test_the_store_was_built_in_one_pass(dynamics_store):
    profile, run_dir = dynamics_store
    report = iso.run_ensembles(profile, run_dir, progress=False)
    assert (report.computed, report.already_done) == (0, 4)


def test_ensembles_have_the_asked_shape_and_physics(dynamics_store):
    profile, run_dir = dynamics_store
    ensembles = iso.load_ensembles(profile, run_dir, 0.9)
    assert [e.configuration for e in ensembles] == [0, 1]
    first = ensembles[0]
    n = profile.n_particles
    assert first.displacements.shape == (3, first.times.size, n, 2) and first.times[-1] == pytest.approx(3000 * profile.timestep)
    squared = (first.displacements.astype(float) ** 2).sum(-1).mean(-1)  # (runs, times)
    assert np.all(squared[:, -1] > 10 * squared[:, 0])  # a liquid at T = 0.9 spreads in every run
    assert not np.allclose(first.displacements[0], first.displacements[1])  # own velocities per run
    assert first.inherent_particle_energy.mean() < -2.0  # a bound Kob–Andersen inherent structure, ε per particle
    assert first.equilibration_times[-1] == pytest.approx(8000 * profile.timestep)


def test_resume_recomputes_only_what_is_missing_and_reproduces_it(dynamics_store):
    profile, run_dir = dynamics_store
    path = iso.ensemble_path(run_dir, product_hash(profile, "ensembles"), 1.2, 1)
    before = iso.read_ensemble(path, product_hash(profile, "ensembles"))
    path.unlink()
    report = iso.run_ensembles(profile, run_dir, progress=False)
    assert (report.computed, report.already_done) == (1, 3)
    after = iso.read_ensemble(path, product_hash(profile, "ensembles"))
    np.testing.assert_array_equal(after.displacements, before.displacements)  # same seeds, same ensemble
    np.testing.assert_array_equal(after.start_positions, before.start_positions)


def test_stale_missing_and_unknown_are_clear_errors(dynamics_store, tmp_path):
    profile, run_dir = dynamics_store
    longer = get_profile(profile, dynamics_t_max=6000)
    reason = iso.check_ensemble(iso.ensemble_path(run_dir, product_hash(longer, "ensembles"), 0.9, 0), product_hash(longer, "ensembles"))
    assert reason is not None and "missing" in reason  # that variant was never computed
    with pytest.raises(iso.EnsembleError, match="stale"):
        iso.load_ensembles(longer, run_dir, 0.9)
    with pytest.raises(iso.EnsembleError, match="not one of this profile"):
        iso.load_ensembles(profile, run_dir, 0.5)
    with pytest.raises(iso.EnsembleError, match="01_simulation"):
        iso.source_snapshot(profile, tmp_path, 0, 0.9)
    with pytest.raises(iso.EnsembleError, match="09_dynamics"):
        iso.read_ensemble(tmp_path / "none.h5")


def test_sigkill_mid_ensembles_then_rerun_computes_only_the_rest(dynamics_store, tmp_path):
    """Kill a running ensemble campaign (and its Dask worker) with SIGKILL; the rerun computes only what is missing."""
    import json
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time

    profile, run_dir = dynamics_store
    shutil.copytree(run_dir / "sim", tmp_path / "sim")  # the cooling runs the ensembles start from
    overrides = {key: getattr(profile, key) for key in ("n_particles", "t_cool_slow", "t_cool_fast", "snapshot_every_slow")}
    overrides |= {key: getattr(profile, key) for key in ("snapshot_every_fast", "runs_per_schedule", "is_fire_maxiter")}
    overrides |= {key: getattr(profile, key) for key in profile.dynamics_fields()} | {"propensity_folds": 2, "workers": 1}
    overrides["dynamics_equilibration"] = 60_000  # a few seconds per task, so that the kill lands between tasks
    script = (
        "import json, sys\nfrom glasslib.profiles import get_profile\nfrom glasslib.simulation.isoconfigurational import run_ensembles\n"
        "if __name__ == '__main__':\n    run_ensembles(get_profile('smoke', **json.loads(sys.argv[1])), sys.argv[2], progress=False)\n"
    )
    command = [sys.executable, "-c", script, json.dumps(overrides), str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob("ensembles/*/T*/ensemble_*.h5")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = len(list(tmp_path.glob("ensembles/*/T*/ensemble_*.h5")))
    assert 1 <= done < 4, "the kill should land mid-campaign"
    again = get_profile("smoke", **overrides)
    report = iso.run_ensembles(again, tmp_path, progress=False)
    assert (report.computed, report.already_done) == (4 - done, done)
    assert not list(tmp_path.glob("dynamics/**/.*tmp*"))
    for temperature in (1.2, 0.9):
        assert len(iso.load_ensembles(again, tmp_path, temperature)) == 2  # every file reads as data
