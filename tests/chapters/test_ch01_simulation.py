"""Chapter 01's glued numbers on hand-built ensembles and runs: exact keys, values in the units the prose quotes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glasslib.chapters import ch01_simulation as ch01
from glasslib.profiles import get_profile
from glasslib.simulation.campaign import CampaignReport
from glasslib.simulation.store import Ensemble, RunRecord


def ensemble(name: str, temperature: np.ndarray, target: np.ndarray, inherent: np.ndarray, md: float, minimisation: float) -> Ensemble:
    """An ensemble of R runs × S snapshots with the given (R, S) temperatures and energies and per-run timings (s)."""
    runs, snapshots = temperature.shape
    zeros = np.zeros((runs, snapshots))
    return Ensemble(
        schedule=name,
        run_index=np.arange(runs),
        seed=np.arange(runs),
        step=np.arange(snapshots) * 100,
        target_temperature=target,
        temperature=temperature,
        potential_energy=zeros,
        inherent_energy=inherent,
        inherent_fnorm=zeros,
        inherent_iterations=zeros.astype(int),
        md_seconds=np.full(runs, md),
        min_seconds=np.full(runs, minimisation),
    )


@pytest.fixture
def ensembles() -> dict[str, Ensemble]:
    target = np.array([2.0, 1.0, 0.5])
    # slow: run mean 1 % above the target, runs ±2 % around it; fast: exactly on target, no spread
    slow_t = np.stack([target * 1.03, target * 0.99])
    fast_t = np.stack([target, target])
    slow_e = np.array([[-3.0, -3.5, -4.0], [-3.2, -3.7, -4.2]])
    fast_e = np.array([[-3.0, -3.4, -3.8], [-3.0, -3.4, -3.8]])
    return {
        "slow": ensemble("slow", slow_t, target, slow_e, md=3.0, minimisation=1.0),
        "fast": ensemble("fast", fast_t, target, fast_e, md=1.0, minimisation=1.0),
    }


def test_model_numbers_follow_the_protocol_and_the_start_rule():
    smoke = get_profile("smoke", shared_start=False)
    numbers = ch01.model_numbers(smoke)
    assert numbers == {
        "n_particles": smoke.protocol.n_particles,
        "box_length": smoke.protocol.box_length,
        "density": smoke.protocol.density,
        "start_rule": "its own configuration",
        "equilibration_tau": smoke.equilibration_steps * smoke.timestep,
        "equilibration_steps": f"{smoke.equilibration_steps:,}",
        "ramp_ratio": smoke.t_cool_slow / smoke.t_cool_fast,
    }
    assert ch01.model_numbers(get_profile("smoke", shared_start=True))["start_rule"] == "one shared configuration"


def test_reduced_numbers_count_the_reduced_rows():
    table = pd.DataFrame({"reduced": ["yes", "no", "yes", "no", "no"]})
    numbers = ch01.reduced_numbers(table)
    assert numbers == {"n_reduced": 2} and isinstance(numbers["n_reduced"], int)


def test_campaign_numbers():
    report = CampaignReport(Path("runs/x"), 3, 5, {}, 1.0, 1.0, 1.0, 0)  # 3 runs computed, 5 already done
    assert ch01.campaign_numbers(get_profile("smoke", runs_per_schedule=8), report) == {"n_runs": 8, "n_computed": 3, "n_reused": 5}


def test_ramp_numbers_are_percent_deviation_and_fluctuation(ensembles):
    numbers = ch01.ramp_numbers(ensembles)
    assert list(numbers) == ["ramp_dev_slow", "ramp_fluct_slow", "ramp_dev_fast", "ramp_fluct_fast"]
    assert numbers["ramp_dev_slow"] == pytest.approx(1.0)
    assert numbers["ramp_fluct_slow"] == pytest.approx(2.0)  # population std of ±2 % around the mean
    assert numbers["ramp_dev_fast"] == 0 and numbers["ramp_fluct_fast"] == 0


def test_energy_numbers_are_run_means_at_the_first_and_last_snapshot(ensembles):
    profile = get_profile("smoke")
    numbers = ch01.energy_numbers(profile, ensembles)
    assert numbers == pytest.approx({"glass_is_slow": -4.1, "liquid_is_slow": -3.1, "glass_is_fast": -3.8, "liquid_is_fast": -3.0})
    assert all(type(v) is float for v in numbers.values())
    slow = ensembles["slow"]
    capped = dataclasses.replace(
        slow, inherent_iterations=np.where(np.arange(slow.inherent_energy.shape[0])[:, None] == 0, profile.is_fire_maxiter, 0)
    )
    kept = ch01.energy_numbers(profile, {"slow": capped})["glass_is_slow"]
    assert kept == pytest.approx(slow.inherent_energy[1:, -1].mean())  # run 0 stopped on the cap: left out


def test_throughput_and_speed_numbers(ensembles):
    profile = get_profile("smoke")
    throughput = ch01.throughput(profile, ensembles)
    assert throughput["slow"] == pytest.approx(profile.n_particles * profile.t_cool_slow / 3.0)
    assert throughput["fast"] == pytest.approx(profile.n_particles * profile.t_cool_fast / 1.0)
    numbers = ch01.speed_numbers(ensembles, {"slow": 2.5e6, "fast": 1.0})
    # minimisations 4 s of 4 + 8 s in all
    assert numbers == pytest.approx({"throughput_slow": 2.5, "min_share": 100 * 4 / 12})


def run_record(snapshots: int, n: int = 4) -> RunRecord:
    rng = np.random.default_rng(0)
    zeros = np.zeros(snapshots)
    return RunRecord(
        step=np.arange(snapshots) * 10,
        target_temperature=np.linspace(2.0, 0.05, snapshots),
        temperature=zeros,
        potential_energy=zeros,
        inherent_energy=zeros,
        inherent_fnorm=zeros,
        inherent_iterations=zeros.astype(int),
        positions=rng.uniform(0, 5.0, (snapshots, n, 2)),
        types=np.array([1, 1, 2, 1]),
        attrs={"box_length": 5.0},
    )


def test_configuration_panels_and_dump_frames():
    slow, fast = run_record(3), run_record(2)
    panels = ch01.configuration_panels(slow, fast)
    assert [title for *_, title in panels] == ["slow, T = 2.00 (liquid)", "slow, T = 0.05 (glass)", "fast, T = 0.05 (glass)"]
    assert all(length == 5.0 for _, _, length, _ in panels)
    assert np.array_equal(panels[2][0], fast.positions[-1]) and np.array_equal(panels[0][0], slow.positions[0])
    frames = ch01.dump_frames(slow)
    assert [int(step) for step, _, _ in frames] == [0, 10, 20]
    assert all(np.array_equal(p, slow.positions[i]) and t is slow.types for i, (_, p, t) in enumerate(frames))


def test_memory_numbers_compare_the_hold_with_the_measured_forgetting_time():
    from glasslib.data.memory_decay import MemoryDecay

    times = np.geomspace(0.5, 300, 22)
    overlaps = np.exp(-times / 20)[None] + np.array([[0.01], [-0.01], [0.0], [0.005]])  # forgotten at ≈ 60 τ
    decay = MemoryDecay(times, overlaps, 8)
    forgotten = decay.forgotten_tau()
    assert 40 < forgotten < 100
    numbers = ch01.memory_numbers(get_profile("quick", equilibration_steps=30_000), decay)
    assert numbers["forgotten_tau"] == forgotten and numbers["decay_runs"] == 4
    assert numbers["dataset_band"] == pytest.approx(2 / (8 * np.sqrt(40)))
    assert numbers["dataset_band"] < numbers["independent_band"]  # 40 runs resolve finer than 4
    assert numbers["decay_verdict"].startswith("The hold of this profile, 150 τ, is") and "forgotten the start" in numbers["decay_verdict"]
    short = ch01.memory_numbers(get_profile("quick", equilibration_steps=2_000), decay)["decay_verdict"]
    assert "shorter than that" in short and "mean overlap of about 0.61" in short  # exp(−10/20)
    assert "without a hold" in ch01.memory_numbers(get_profile("paper"), decay)["decay_verdict"]
