"""Campaigns: resumable, reproducible, and safe against SIGKILL and corrupted files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from glasslib.simulation import campaign, store

pytestmark = pytest.mark.slow


def test_run_seeds_are_distinct_positive_and_stable(tiny_profile):
    seeds = {(s, i): campaign.run_seed(tiny_profile, s, i) for s in ("slow", "fast") for i in range(50)}
    assert len(set(seeds.values())) == len(seeds)
    assert all(0 < seed < 2**31 for seed in seeds.values())
    assert campaign.run_seed(tiny_profile, "slow", 3) == seeds[("slow", 3)]


def test_campaign_resumes_and_redoes_only_bad_runs(tiny_profile, tmp_path):
    first = campaign.run_campaign(tiny_profile, tmp_path, progress=False)
    assert (first.computed, first.already_done) == (4, 0)
    again = campaign.run_campaign(tiny_profile, tmp_path, progress=False)
    assert (again.computed, again.already_done) == (0, 4)

    reference = store.read_run(store.run_path(tmp_path, "slow", 1), tiny_profile.simulation_hash())
    store.run_path(tmp_path, "fast", 0).unlink()
    corrupt = store.run_path(tmp_path, "slow", 1)
    corrupt.write_bytes(corrupt.read_bytes()[:500])
    repaired = campaign.run_campaign(tiny_profile, tmp_path, progress=False)
    assert repaired.computed == 2 and repaired.recomputed_reasons == {"missing": 1, "corrupt": 1}
    redone = store.read_run(corrupt, tiny_profile.simulation_hash())
    assert np.array_equal(redone.positions, reference.positions)  # same seed, same run

    ensemble = store.load_ensemble(tmp_path, "slow", 2, tiny_profile.simulation_hash())
    assert ensemble.inherent_energy.shape == (2, tiny_profile.schedules["slow"].n_snapshots)
    assert len(set(ensemble.seed)) == 2


@pytest.mark.parametrize("change", [{"t_start": 2.5}, {"equilibration_steps": 200}], ids=["hotter", "held-first"])
def test_changed_physics_makes_old_runs_stale(tiny_profile, tmp_path, change):
    """A hotter start, or a hold before the ramp (issue 22's protocol): runs of the old protocol are redone, not mixed in."""
    campaign.run_campaign(tiny_profile, tmp_path, schedules=("fast",), progress=False)
    from glasslib.profiles import get_profile

    hotter = get_profile(tiny_profile, **change)
    report = campaign.run_campaign(hotter, tmp_path, schedules=("fast",), progress=False)
    assert report.recomputed_reasons == {"stale": 2}


def test_sigkill_mid_campaign_then_rerun_completes(tmp_path):
    """Kill `glasslib simulate` (and its Dask workers) with SIGKILL; the rerun finishes the rest."""
    out = tmp_path / "store"
    command = [
        sys.executable,
        "-m",
        "glasslib",
        "simulate",
        "--profile",
        "smoke",
        "--runs",
        "6",
        "--set",
        "n_particles=100",
        "--set",
        "is_fire_maxiter=20000",
        "--out",
        str(out),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("sim/*/run_*.h5"))) < 3:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = {p.name + p.parent.name for p in out.glob("sim/*/run_*.h5")}
    assert 3 <= len(done_before) < 12, "the kill should land mid-campaign"

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done_before)} were already done" in rerun.stdout
    assert f"computed {12 - len(done_before)} runs" in rerun.stdout
    assert not list(out.glob("sim/**/*.tmp-*"))
    from glasslib.profiles import get_profile

    profile = get_profile("smoke", n_particles=100, is_fire_maxiter=20000)
    for schedule in ("slow", "fast"):
        store.load_ensemble(out, schedule, 6, profile.simulation_hash())  # every file reads as data


def test_runs_start_from_the_shared_start_or_each_from_its_own(tiny_profile, tmp_path):
    from glasslib.profiles import get_profile

    campaign.run_campaign(tiny_profile, tmp_path / "shared", schedules=("fast",), progress=False)
    initial = store.read_initial(tmp_path / "shared", tiny_profile.simulation_hash())
    for index in range(2):
        start = store.read_start(store.run_path(tmp_path / "shared", "fast", index), tiny_profile.simulation_hash())
        np.testing.assert_array_equal(start, initial["positions"])

    own = get_profile(tiny_profile, shared_start=False)
    assert own.simulation_hash() != tiny_profile.simulation_hash()  # a different protocol: stored runs go stale
    campaign.run_campaign(own, tmp_path / "own", schedules=("fast",), progress=False)
    starts = [store.read_start(store.run_path(tmp_path / "own", "fast", i), own.simulation_hash()) for i in range(2)]
    shared = store.read_initial(tmp_path / "own", own.simulation_hash())["positions"]
    assert not np.allclose(starts[0], starts[1]) and not np.allclose(starts[0], shared)
    runs = [store.read_run(store.run_path(tmp_path / "own", "fast", i), own.simulation_hash()) for i in range(2)]
    np.testing.assert_array_equal(runs[0].types, runs[1].types)  # one type array for every configuration
