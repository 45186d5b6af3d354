"""Chapter 01's numbers: the model, the campaign, the ramp followed, energies and speed (notebooks/01_simulation.ipynb).

The chapter runs the cooling campaign of :mod:`glasslib.simulation.campaign` and reads it back
through :mod:`glasslib.simulation.store`; this module turns what they return into the numbers its
prose quotes (one ``*_numbers`` function per glue call, keys = glue names) and the panels and
frames its figure and dump cells draw and write. It calls :mod:`glasslib.simulation`, and :mod:`glasslib.data.memory_decay` for how long a run remembers its start.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.data import memory_decay as decay_study
from glasslib.data.memory_decay import MemoryDecay
from glasslib.profiles import Profile
from glasslib.rundir import ProductError
from glasslib.simulation import campaign, minimisation_check, store
from glasslib.simulation.campaign import CampaignReport
from glasslib.simulation.store import Ensemble, RunRecord

#: Keeps the memory study's velocity seeds apart from the campaign's.
DECAY_SEED_OFFSET = 104_729


def model_numbers(profile: Profile) -> dict[str, Any]:
    """The system of this run: particle count N, box side L (σ), number density (σ⁻²), how runs start, how long
    they are held at ``t_start`` (τ and steps) and how many times longer the slow ramp is than the fast one."""
    protocol = profile.protocol
    return {
        "equilibration_tau": profile.protocol.equilibration_tau,
        "equilibration_steps": f"{profile.equilibration_steps:,}",
        "ramp_ratio": profile.t_cool_slow / profile.t_cool_fast,
        "n_particles": protocol.n_particles,
        "box_length": protocol.box_length,
        "density": protocol.density,
        "start_rule": "one shared configuration" if profile.shared_start else "its own configuration",
    }


def reduced_numbers(table: pd.DataFrame) -> dict[str, Any]:
    """How many parameters of the profile table (:func:`glasslib.book.profile_table.profile_table`) are reduced.

    ``table`` has one row per parameter and a ``reduced`` column holding ``"yes"`` or ``"no"``.
    """
    return {"n_reduced": int((table["reduced"] == "yes").sum())}


def load_ensembles(profile: Profile, run_dir: Path) -> dict[str, Ensemble]:
    """Every schedule's stored ensemble (R = ``runs_per_schedule`` runs × S snapshots), by schedule name."""
    return {name: store.load_ensemble(run_dir, name, profile.runs_per_schedule, profile.simulation_hash()) for name in profile.schedules}


def campaign_numbers(profile: Profile, report: CampaignReport) -> dict[str, Any]:
    """Runs per schedule, and how many this execution computed and reused (counts of runs)."""
    return {"n_runs": profile.runs_per_schedule, "n_computed": report.computed, "n_reused": report.already_done}


def configuration_panels(slow: RunRecord, fast: RunRecord) -> list[tuple[np.ndarray, np.ndarray, float, str]]:
    """(positions (N, 2) σ, types (N,), box side σ, title) of the first and last slow and the last fast snapshot.

    ``slow`` and ``fast`` are stored runs read with positions (:func:`glasslib.simulation.store.read_run`);
    the box side is the slow run's, as both runs share it.
    """
    length = slow.box_length
    return [
        (slow.positions[0], slow.types, length, f"slow, T = {slow.target_temperature[0]:.2f} (liquid)"),
        (slow.positions[-1], slow.types, length, f"slow, T = {slow.target_temperature[-1]:.2f} (glass)"),
        (fast.positions[-1], fast.types, length, f"fast, T = {fast.target_temperature[-1]:.2f} (glass)"),
    ]


def ramp_numbers(ensembles: Mapping[str, Ensemble]) -> dict[str, float]:
    """Per schedule, how closely the thermostat followed the ramp, in %.

    ``ramp_dev_<schedule>``: mean relative deviation of the run-averaged temperature from the target;
    ``ramp_fluct_<schedule>``: mean relative fluctuation over runs
    (:func:`glasslib.simulation.campaign.ramp_deviation`).
    """
    deviation = {name: campaign.ramp_deviation(ens.temperature, ens.target_temperature) for name, ens in ensembles.items()}
    return {
        f"ramp_{kind}_{name}": 100 * dev[key]
        for name, dev in deviation.items()
        for kind, key in (("dev", "mean_relative"), ("fluct", "fluctuation"))
    }


def energy_numbers(profile: Profile, ensembles: Mapping[str, Ensemble]) -> dict[str, float]:
    """Run-averaged inherent-structure energy per particle (ε) at the last (``glass_is_<schedule>``) and the
    first (``liquid_is_<schedule>``) snapshot of each schedule, over the minimisations that converged
    (:func:`glasslib.simulation.minimisation_check.converged_energy`)."""
    return {
        f"{phase}_is_{name}": float(np.nanmean(minimisation_check.converged_energy(ens, profile)[:, column]))
        for name, ens in ensembles.items()
        for phase, column in (("glass", -1), ("liquid", 0))
    }


def throughput(profile: Profile, ensembles: Mapping[str, Ensemble]) -> dict[str, float]:
    """Median MD throughput of each schedule's runs, atom-steps per second per worker."""
    return {
        name: campaign.md_throughput(ens.md_seconds, profile.n_particles, profile.schedules[name].t_cool) for name, ens in ensembles.items()
    }


def speed_numbers(ensembles: Mapping[str, Ensemble], throughputs: Mapping[str, float]) -> dict[str, float]:
    """Slow-ramp MD throughput (million atom-steps per second per worker) and the minimisations' share of
    the summed MD + minimisation wall time (%)."""
    minimisation = sum(e.min_seconds.sum() for e in ensembles.values())
    total = minimisation + sum(e.md_seconds.sum() for e in ensembles.values())
    return {"throughput_slow": throughputs["slow"] / 1e6, "min_share": float(100 * minimisation / total)}


def dump_frames(run: RunRecord) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Every snapshot of a stored run as (step, positions (N, 2) σ, types (N,)), the frames of a LAMMPS dump."""
    return list(zip(run.step, run.positions, [run.types] * len(run.step)))


def memory_decay(profile: Profile, run_dir: Path, scheduler: Any = None) -> MemoryDecay:
    """How long a run held at ``t_start`` remembers the start (:mod:`glasslib.data.memory_decay`), stored once.

    Runs from the campaign's start configuration (the shared one: every run's own start is drawn the same way),
    as Dask tasks on ``scheduler`` (:func:`glasslib.cluster.dask_client`).
    """
    try:
        return decay_study.load_decay(run_dir, profile)
    except ProductError:
        start = store.read_initial(run_dir, profile.simulation_hash())
        decay = decay_study.memory_decay(profile, start["positions"], start["types"], profile.seed + DECAY_SEED_OFFSET, scheduler)
        decay_study.save_decay(run_dir, profile, decay)
        return decay


def memory_numbers(profile: Profile, decay: MemoryDecay) -> dict[str, Any]:
    """The forgetting paragraph: when the start is forgotten (τ), the profile's equilibration (τ and steps), the band
    of independent liquids, the last mean overlap, and whether the equilibration is long enough; and
    ``dataset_band``, the same band for a data set's ``runs_per_schedule`` runs: the finer resolution at which
    chapter 3 tells whether a class still remembers the start."""
    forgotten, held = decay.forgotten_tau(), profile.protocol.equilibration_tau
    if profile.equilibration_steps == 0:
        verdict = "This profile follows the published protocol and starts each ramp without a hold."
    elif held >= forgotten:
        verdict = f"The hold of this profile, {held:.0f} τ, is {held / forgotten:.1f} times that: its ramps start from liquids that have forgotten the start."
    else:
        left = float(np.interp(np.log(held), np.log(decay.times), decay.mean))
        verdict = (
            f"The hold of this profile, {held:.0f} τ, is shorter than that: its ramps start with a mean overlap of about "
            f"{left:.2f} with the start, a memory the ramp itself then erodes further; chapter 3 measures what is left of it "
            "in the data sets."
        )
    return {
        "forgotten_tau": forgotten,
        "independent_band": decay.independent_band,
        "dataset_band": 2.0 / (decay.cells * np.sqrt(profile.runs_per_schedule)),
        "decay_runs": decay.overlaps.shape[0],
        "decay_last": float(decay.mean[-1]),
        "decay_verdict": verdict,
    }
