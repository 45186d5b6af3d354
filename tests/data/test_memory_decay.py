"""glasslib.data.memory_decay: when a run held at t_start has forgotten its start, and the stored study."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data import memory_decay
from glasslib.data.memory_decay import MemoryDecay
from glasslib.profiles import get_profile
from glasslib.rundir import MissingProductError
from glasslib.simulation import driver


def synthetic(decay_tau: float, runs: int = 6, cells: int = 8, seed: int = 0) -> MemoryDecay:
    """Overlaps exp(−t/decay_tau) plus the scatter of independent fields (1/cells per run)."""
    times = np.geomspace(0.5, 200, 20)
    noise = np.random.default_rng(seed).normal(0, 1 / cells, (runs, times.size))
    return MemoryDecay(times, np.exp(-times / decay_tau)[None] + noise, cells)


def test_a_decaying_overlap_is_forgotten_once_it_stays_at_the_level_of_independent_liquids():
    fast, slow = synthetic(5.0), synthetic(40.0)
    assert np.isfinite(fast.forgotten_tau()) and fast.forgotten_tau() < slow.forgotten_tau() <= 200
    for decay in (fast, slow):  # from the forgetting time on, every mean is inside the band and every interval holds 0
        low, high = decay.interval()
        later = decay.times >= decay.forgotten_tau()
        assert np.all(np.abs(decay.mean[later]) <= decay.independent_band) and np.all((low[later] <= 0) & (high[later] >= 0))
    assert slow.independent_band == pytest.approx(2 / (8 * np.sqrt(6)))


def test_a_start_never_forgotten_reads_inf_and_the_study_round_trips(tmp_path):
    stuck = MemoryDecay(np.geomspace(0.5, 200, 20), np.full((4, 20), 0.9) + np.linspace(0, 0.01, 4)[:, None], 8)
    assert stuck.forgotten_tau() == np.inf
    profile = get_profile("smoke")
    with pytest.raises(MissingProductError, match="01_simulation"):
        memory_decay.load_decay(tmp_path, profile)
    memory_decay.save_decay(tmp_path, profile, stuck)
    back = memory_decay.load_decay(tmp_path, profile)
    assert np.array_equal(back.overlaps, stuck.overlaps) and back.cells == 8


def test_record_steps_are_log_spaced_over_the_study():
    steps = memory_decay.record_steps(get_profile("smoke").protocol)
    assert steps[0] == 100 and steps[-1] == 120_000 and np.all(np.diff(steps) > 0)


@pytest.mark.slow
def test_runs_held_at_t_start_forget_a_lattice_start(small_protocol, monkeypatch):
    """From a FIRE-relaxed square lattice (types shuffled), 4 runs at T = 2: the overlap starts high (0.5 τ in) and falls
    into the band of independent liquids within 100 τ."""
    monkeypatch.setitem(memory_decay.DECAY, "tau", 100.0)
    monkeypatch.setitem(memory_decay.DECAY, "runs", 4)
    profile = get_profile("smoke", workers=2)
    start = driver.initial_configuration(small_protocol, seed=5, melt_steps=0)
    decay = memory_decay.memory_decay(profile, start["positions"], start["types"], seed=1, progress=False)
    assert decay.overlaps.shape == (4, len(memory_decay.record_steps(small_protocol)))
    assert decay.mean[0] > 0.6 and abs(decay.mean[-1]) <= decay.independent_band
    assert decay.forgotten_tau() <= 100  # finite: forgotten by the last record
