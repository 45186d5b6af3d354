"""What the ``paper`` profile costs, computed from speed figures measured on the machine that builds the book.

:func:`measure_figures` times, at the paper's system size (N = 4,320), what every heavy step is made
of — LAMMPS MD steps and FIRE minimisations on one core (as a Dask task runs them), the D-MPNN's
reference models I, II and III and the paper's CNN per training sample (one thread on a CPU, or the
GPU the frameworks see) — and :func:`machine_figures` keeps them in the run directory
(``machine_figures`` product) with the host and date. The plan functions turn them into the
paper profile's core-hours, disk and Dask tasks: nothing on the page is typed in.

What the figures leave out is said where it matters: evaluation passes of the trainings, the
analysis chapters (minutes), and queueing.
"""

from __future__ import annotations

import contextlib
import io
import platform
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from glasslib import published
from glasslib.profiles import Profile, dynamics_temperatures, get_profile
from glasslib.rundir import ProductError, read_json_product, write_json_product

#: Bytes of the stored dtypes (:mod:`glasslib.simulation.store`, :mod:`glasslib.data.datasets`,
#: :mod:`glasslib.simulation.isoconfigurational`): float64 positions in run files, float32 in data sets and ensembles.
F8, F4, I8, I1 = 8, 4, 8, 1
#: Scalar-per-snapshot arrays of a run file (step, target and instantaneous temperature, energy, IS energy, fnorm, iterations).
RUN_SCALARS = 7
#: Format of the stored figures; older files are measured again.
FIGURES_FORMAT = 2


#: Window side of the D-MPNN timings (box lengths; the paper's search spans 0.1–0.3).
TIMED_L_WIN = 0.2


class Timing(NamedTuple):
    """How much :func:`measure_figures` times: the start's melt, the ramp's MD steps and FIRE-minimised snapshots
    (FIRE iterations capped at ``fire_cap``, or the paper's cap if None), timed D-MPNN steps per model and their
    window side (box lengths), and the CNN's batches and batch size."""

    melt_steps: int
    sim_steps: int
    sim_snapshots: int
    fire_cap: int | None
    dmpnn_steps: dict[str, int]
    dmpnn_l_win: float
    cnn_batches: int
    cnn_batch_size: int


#: The profile field ``machine_timing``: ``full`` for figures to plan with (about 75 s on a laptop
#: core), ``brief`` for a check of the code path (the smoke profile; a few seconds, figures labelled).
TIMINGS = {
    "full": Timing(4000, 2000, 2, None, {"I": 5, "I+attention": 1, "II": 2, "III": 1}, TIMED_L_WIN, 2, 20),
    "brief": Timing(200, 200, 1, 500, {"I": 1, "I+attention": 1, "II": 1, "III": 1}, 0.1, 1, 5),
}
#: The reference models timed (SPEC section 6), smallest to largest.
DMPNN_MODELS = ("I", "II", "III")
#: Cores of the cluster the prose sizes the campaign for (``days_on_500``).
PLAN_CORES = 500


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def measure_simulation(seed: int = 0, timing: Timing = TIMINGS["full"]) -> dict[str, float]:
    """LAMMPS at the paper's N on one core: MD atom-steps per second and seconds per FIRE minimisation.

    A melted start, then a ramp of ``timing.sim_steps`` steps from T = 2 to 0.05 with
    ``timing.sim_snapshots`` snapshots, each FIRE-minimised with the paper's tolerances.
    """
    import dataclasses

    from glasslib.protocol import CoolingSchedule
    from glasslib.simulation import driver

    protocol = get_profile("paper").protocol
    if timing.fire_cap is not None:
        protocol = dataclasses.replace(protocol, init_fire_maxiter=timing.fire_cap, is_fire_maxiter=timing.fire_cap)
    started = time.perf_counter()
    initial = driver.initial_configuration(protocol, seed, melt_steps=timing.melt_steps)
    start_seconds = time.perf_counter() - started
    schedule = CoolingSchedule("plan", timing.sim_steps, timing.sim_steps // timing.sim_snapshots)
    run = driver.run_cooling(protocol, schedule, initial["positions"], initial["types"], seed + 1)
    return {
        "n_particles": protocol.n_particles,
        "md_atom_steps_per_second": protocol.n_particles * timing.sim_steps / float(run["md_seconds"]),
        "fire_seconds": float(run["min_seconds"]) / timing.sim_snapshots,
        "fire_iterations": float(np.mean(run["inherent_iterations"])),
        "start_seconds": start_seconds,
        "timed_steps": timing.sim_steps,
        "timed_snapshots": timing.sim_snapshots,
    }


def measure_dmpnn(timing: Timing = TIMINGS["full"]) -> dict[str, Any]:
    """Training samples per second of models I, II and III (one thread on a CPU) at :data:`TIMED_L_WIN`, N = 4,320."""
    from glasslib.bench.dmpnn import bench_dmpnn
    from glasslib.models.torch_runtime import default_device, device_label

    rows = bench_dmpnn(l_wins=(timing.dmpnn_l_win,), threads=1, steps=timing.dmpnn_steps, quiet=True)
    rates = {row["model"]: float(row["samples_per_second"]) for row in rows if row["model"] in DMPNN_MODELS}
    return {"samples_per_second": rates, "device": device_label(default_device()), "l_win": timing.dmpnn_l_win}


def measure_cnn(timing: Timing = TIMINGS["full"]) -> dict[str, Any]:
    """Training samples per second of the paper's CNN (250 × 250 px, batch 20; one thread on a CPU)."""
    from glasslib.bench.cnn import training_rate
    from glasslib.models.cnn.train import configure_threads, device_name

    configure_threads(1)
    with contextlib.redirect_stdout(io.StringIO()):
        rate = training_rate(batch_size=timing.cnn_batch_size, batches=timing.cnn_batches)
    return {"samples_per_second": float(rate), "device": device_name(), "batch_size": timing.cnn_batch_size}


def measure_figures(timing: str = "full") -> dict[str, Any]:
    """Every figure the plan needs, measured now with host and date: ``timing`` names a :data:`TIMINGS` entry
    (``full``: about 75 s on a laptop core; ``brief``: a few seconds, for the tests)."""
    started = time.perf_counter()
    chosen = TIMINGS[timing]
    figures = {
        "format": FIGURES_FORMAT,
        "timing": timing,
        "host": platform.node(),
        "cpu": _cpu_name(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "simulation": measure_simulation(timing=chosen),
        "dmpnn": measure_dmpnn(chosen),
        "cnn": measure_cnn(chosen),
    }
    figures["seconds"] = time.perf_counter() - started
    return figures


def load_figures(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """The stored figures of ``run_dir`` (``machine_figures`` product); :class:`ProductError` if missing or of an older format."""
    stored = read_json_product(run_dir, profile, "machine_figures")
    if stored.get("format") != FIGURES_FORMAT:
        raise ProductError(
            f"{run_dir}: machine figures of format {stored.get('format')}, not {FIGURES_FORMAT}; run notebooks/10_paper_scale.ipynb"
        )
    return stored


def machine_figures(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """The stored figures of ``run_dir`` (``machine_figures`` product), measured and stored first if missing."""
    with contextlib.suppress(ProductError):
        return load_figures(profile, run_dir)
    figures = measure_figures(profile.machine_timing)
    write_json_product(run_dir, profile, "machine_figures", figures)
    return figures


def readable(value: Any) -> str:
    """A number as the page prints it: counts and large values with thousands separators, small ones to 3 figures, NaN blank."""
    if isinstance(value, str):
        return value
    if value is None or not np.isfinite(value):
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def styled(table: pd.DataFrame) -> Any:
    """``table`` formatted with :func:`readable` for the page."""
    return table.style.format(readable)


def profile_numbers(profile: Profile) -> dict[str, str]:
    """The profile's sizes the page's prose names (runs, N, trials, epochs, ensembles …), formatted, and the timed ramp's."""
    schedules = {s.n_snapshots for s in profile.schedules.values()}
    return {
        "plan_runs": f"{profile.runs_per_schedule:,}",
        "plan_n": f"{profile.protocol.n_particles:,}",
        "plan_configurations": f"{2 * profile.runs_per_schedule:,}",
        "plan_trials": f"{profile.dmpnn_iterations}",
        "plan_inner_epochs": f"{profile.dmpnn_inner_epochs}",
        "plan_outer_epochs": f"{profile.dmpnn_outer_epochs}",
        "plan_snapshots": " and ".join(f"{n:,}" for n in sorted(schedules)),
        "plan_ensemble_configurations": f"{profile.dynamics_configurations:,}",
        "plan_ensemble_runs": f"{profile.dynamics_runs}",
        "plan_equilibration": f"{profile.dynamics_equilibration:,}",
        "plan_t_max": f"{profile.dynamics_t_max:,}",
    }


def figures_table(figures: dict[str, Any]) -> pd.DataFrame:
    """The measured figures as the page shows them: what, value, unit, device."""
    sim, dmpnn, cnn = figures["simulation"], figures["dmpnn"], figures["cnn"]
    cpu = f"1 core of {figures['cpu']}"
    dmpnn_where, cnn_where = (f"{d}, 1 thread" if d.startswith("CPU") else d for d in (dmpnn["device"], cnn["device"]))
    rows = [
        ("LAMMPS MD, N = 4,320", sim["md_atom_steps_per_second"] / 1e6, "M atom-steps/s", cpu),
        ("FIRE minimisation, N = 4,320 (paper tolerances)", sim["fire_seconds"], "s each", cpu),
        ("  its iterations", sim["fire_iterations"], "iterations", cpu),
        *(
            (
                f"D-MPNN model {m} training, l_win {dmpnn.get('l_win', TIMED_L_WIN)}",
                1e3 / dmpnn["samples_per_second"][m],
                "ms/sample",
                dmpnn_where,
            )
            for m in DMPNN_MODELS
        ),
        (f"paper CNN training, 250 × 250 px, batch {cnn.get('batch_size', 20)}", 1e3 / cnn["samples_per_second"], "ms/sample", cnn_where),
    ]
    table = pd.DataFrame(rows, columns=["what", "value", "unit", "where"]).set_index("what")
    brief = " (brief timing: a check of the code path, not figures to plan with)" if figures.get("timing") == "brief" else ""
    table.attrs["measured"] = f"{figures['host']}, {figures['date']}, in {figures['seconds']:.0f} s{brief}"
    return table


def campaign_check(profile: Profile, run_dir: Path, figures: dict[str, Any]) -> pd.DataFrame:
    """The campaign model against this run: predicted MD core-hours of ``profile``'s campaign beside the MD time its run files record.

    The prediction uses the rate measured at N = 4,320 for this profile's N (per-atom cost varies a
    little with N); a check that the plan's arithmetic and figures are of the right size.
    """
    from glasslib.simulation import store

    predicted = campaign_plan(profile, figures)
    rows = {}
    for name in profile.schedules:
        paths = [store.run_path(run_dir, name, i) for i in range(profile.runs_per_schedule)]
        recorded = [store.read_run(p, positions=False).attrs["md_seconds"] for p in paths if p.exists()]
        rows[name] = {
            "runs": len(recorded),
            "predicted MD core-h": predicted.loc[name, "MD core-h per run"] * len(recorded),
            "recorded MD core-h": float(np.sum(recorded)) / 3600,
        }
    table = pd.DataFrame(rows).T
    table["recorded / predicted"] = table["recorded MD core-h"] / table["predicted MD core-h"]
    return table


# --------------------------------------------------------------------------- the plan
def campaign_plan(profile: Profile, figures: dict[str, Any]) -> pd.DataFrame:
    """Core-hours of the cooling campaign, per schedule and in all (rows ``slow``, ``fast``, ``all``).

    MD at the measured atom-steps per second; one FIRE minimisation per snapshot at the measured
    seconds per minimisation (scaled by N / N_timed for another profile).
    """
    sim = figures["simulation"]
    n = profile.protocol.n_particles
    fire = sim["fire_seconds"] * n / sim["n_particles"]
    rows = {}
    for name, schedule in profile.schedules.items():
        md_hours = n * schedule.t_cool / sim["md_atom_steps_per_second"] / 3600
        fire_hours = schedule.n_snapshots * fire / 3600
        rows[name] = {
            "runs": profile.runs_per_schedule,
            "MD steps per run": schedule.t_cool,
            "snapshots per run": schedule.n_snapshots,
            "MD core-h per run": md_hours,
            "FIRE core-h per run": fire_hours,
            "core-h per run": md_hours + fire_hours,
            "core-h": profile.runs_per_schedule * (md_hours + fire_hours),
        }
    table = pd.DataFrame(rows).T
    table.loc["all"] = table.sum().where(table.columns.isin(["runs", "core-h"]))
    return table


def ensembles_plan(profile: Profile, figures: dict[str, Any]) -> pd.DataFrame:
    """Core-hours of chapter 09's iso-configurational ensembles, one row per temperature and ``all``."""
    sim = figures["simulation"]
    n = profile.protocol.n_particles
    steps = profile.dynamics_equilibration + profile.dynamics_runs * profile.dynamics_t_max
    per_task = (n * steps / sim["md_atom_steps_per_second"] + sim["fire_seconds"] * n / sim["n_particles"]) / 3600
    rows = {
        f"T = {t:g}": {"ensembles": profile.dynamics_configurations, "MD steps per ensemble": steps, "core-h per ensemble": per_task}
        for t in dynamics_temperatures(profile)
    }
    table = pd.DataFrame(rows).T
    table["core-h"] = table["ensembles"] * table["core-h per ensemble"]
    table.loc["all"] = table.sum().where(table.columns.isin(["ensembles", "core-h"]))
    return table


def training_samples(profile: Profile, name: str) -> dict[str, float]:
    """Searches, trainings and training samples of model ``name``'s nested cross-validation (evaluation passes not counted)."""
    from glasslib.data.splits import TEST, TRAIN, make_splits
    from glasslib.models import selection

    splits = make_splits(profile.runs_per_schedule, profile.seed, profile.inner_split_fractions())
    runs = [(splits.runs(f, TRAIN).size, splits.runs(f, TRAIN).size + splits.runs(f, TEST).size) for f in range(3)]
    setting = selection.settings(profile, name)
    windows = 1 if name.removesuffix(selection.INHERENT_SUFFIX) in selection.CNN_NAMES else profile.dmpnn_windows_per_epoch
    per_dataset = sum(
        windows * 2 * (setting["n_iter"] * setting["inner_epochs"] * inner + setting["outer_epochs"] * outer) for inner, outer in runs
    )
    datasets = len(selection.trained_ids(profile, name))
    return {"searches": 3 * datasets, "trainings": 3 * datasets * (setting["n_iter"] + 1), "samples": datasets * per_dataset}


def training_plan(profile: Profile, figures: dict[str, Any]) -> pd.DataFrame:
    """Hours of every model's nested cross-validation at the measured per-sample rates.

    The paper's CNN at its measured rate (the reduced-scale CNN, smaller, is bounded by it); the
    D-MPNN variants between "every trial is model I" and "every trial is model III" (the search
    draws sizes between them).
    """
    from glasslib.models import selection

    cnn_rate = figures["cnn"]["samples_per_second"]
    dmpnn = figures["dmpnn"]["samples_per_second"]
    rows = {}
    for name in selection.book_models(profile):
        counts = training_samples(profile, name)
        if name.removesuffix(selection.INHERENT_SUFFIX) in selection.CNN_NAMES:
            low = high = counts["samples"] / cnn_rate / 3600
            device = figures["cnn"]["device"]
        else:
            low, high = (counts["samples"] / dmpnn[model] / 3600 for model in ("I", "III"))
            device = figures["dmpnn"]["device"]
        rows[name.replace("_", " ")] = {**counts, "hours (smallest model)": low, "hours (largest model)": high, "device": device}
    return pd.DataFrame(rows).T.rename_axis("model")


def run_file_bytes(profile: Profile, schedule: str) -> int:
    """Bytes of one stored cooling run's arrays (float64 snapshots of (N, 2) positions, the start, types, scalars)."""
    n, s = profile.protocol.n_particles, profile.schedules[schedule].n_snapshots
    return s * n * 2 * F8 + n * 2 * F8 + n * I1 + RUN_SCALARS * s * F8


def dataset_bytes(profile: Profile) -> int:
    """Bytes of one data set's arrays: float32 thermal and inherent positions of 2R configurations, energies, labels,
    converged flags, run indices, the quench's records (five float64, one int64), types, splits."""
    n, r = profile.protocol.n_particles, profile.runs_per_schedule
    quench = 5 * F8 + I8
    return 2 * r * (2 * n * 2 * F4 + F8 + 2 * I1 + I8 + quench) + n * I1 + 3 * r * I1 + 3 * round(0.2 * r) * I8


def ensemble_bytes(profile: Profile) -> int:
    """Bytes of one iso-configurational ensemble file: float32 displacements of every run and of the equilibration, the start, IS."""
    n, m = profile.protocol.n_particles, profile.dynamics_records
    return (profile.dynamics_runs + 1) * m * n * 2 * F4 + 2 * n * 2 * F8 + n * (F8 + I1) + 2 * m * I8


def disk_plan(profile: Profile) -> pd.DataFrame:
    """Disk of the store by product: bytes per file, files, GB in all (array bytes; HDF5 adds a few kB per file)."""
    from glasslib.models import selection
    from glasslib.models.cnn.network import PAPER

    n_ensembles = len(dynamics_temperatures(profile)) * profile.dynamics_configurations
    cnn_folds = 3 * len(selection.trained_ids(profile, "cnn"))
    rows = {
        "slow runs": (run_file_bytes(profile, "slow"), profile.runs_per_schedule),
        "fast runs": (run_file_bytes(profile, "fast"), profile.runs_per_schedule),
        "data sets": (dataset_bytes(profile), len(profile.dataset_ids())),
        "ensembles (chapter 09)": (ensemble_bytes(profile), n_ensembles),
        "paper CNN weights": (int(PAPER.parameter_count()) * F4, cnn_folds),
    }
    table = pd.DataFrame({k: {"MB per file": b / 1e6, "files": f, "GB": b * f / 1e9} for k, (b, f) in rows.items()}).T
    table.loc["all"] = table.sum().where(table.columns.isin(["files", "GB"]))
    return table


def dask_plan(profile: Profile, figures: dict[str, Any]) -> pd.DataFrame:
    """How the work splits into Dask tasks: tasks per step, what one task is, its cost and the job shape it wants."""
    campaign = campaign_plan(profile, figures)
    ensembles = ensembles_plan(profile, figures)
    training = training_plan(profile, figures)
    searches = training.drop(columns="device").astype(float)
    rows = {
        "cooling runs (ch. 01)": {
            "tasks": 2 * profile.runs_per_schedule,
            "one task": "one cooling run + its FIRE minimisations, writes its HDF5 file",
            "hours per task": f"{readable(campaign.loc['fast', 'core-h per run'])} (fast) – {readable(campaign.loc['slow', 'core-h per run'])} (slow)",
            "job": "1 CPU core",
        },
        "nested-CV searches (ch. 04, 05)": {
            "tasks": int(searches["searches"].sum()),
            "one task": "one (data set × fold) search: its trials one after another, then the outer model",
            "hours per task": f"{readable((searches['hours (smallest model)'] / searches['searches']).min())} – "
            f"{readable((searches['hours (largest model)'] / searches['searches']).max())}",
            "job": "1 GPU (or 1 CPU core: the hours above)",
        },
        "iso-configurational ensembles (ch. 09)": {
            "tasks": int(ensembles.loc["all", "ensembles"]),
            "one task": "one configuration at one temperature: equilibration, its runs, its inherent structure",
            "hours per task": readable(ensembles["core-h per ensemble"].iloc[0]),
            "job": "1 CPU core",
        },
    }
    return pd.DataFrame(rows).T


def plan_totals(profile: Profile, figures: dict[str, Any]) -> dict[str, float]:
    """The page's headline numbers: core-hours of the campaign and the ensembles, training hours (range), disk in GB."""
    training = training_plan(profile, figures)
    return {
        "campaign_core_hours": float(campaign_plan(profile, figures).loc["all", "core-h"]),
        "ensembles_core_hours": float(ensembles_plan(profile, figures).loc["all", "core-h"]),
        "training_hours_low": float(training["hours (smallest model)"].sum()),
        "training_hours_high": float(training["hours (largest model)"].sum()),
        "disk_gb": float(disk_plan(profile).loc["all", "GB"]),
    }


def figures_numbers(table: pd.DataFrame, figures: dict[str, Any]) -> dict[str, str]:
    """``measured_on`` (host, date and seconds of the measurement, :func:`figures_table`'s ``attrs``), ``cpu_device``
    (the device the D-MPNN was timed on) and the timed ramp's ``timed_steps`` and ``timed_snapshots``, by glue name."""
    sim = figures["simulation"]
    return {
        "measured_on": table.attrs["measured"],
        "cpu_device": figures["dmpnn"]["device"],
        "timed_steps": f"{sim['timed_steps']:,}",
        "timed_snapshots": f"{sim['timed_snapshots']}",
    }


def plan_numbers(campaign: pd.DataFrame, totals: dict[str, float]) -> dict[str, str]:
    """The plan's headline numbers as the prose prints them, by glue name.

    Parameters
    ----------
    campaign : :func:`campaign_plan` (core-hours per schedule).
    totals : :func:`plan_totals` (core-hours, hours, GB).

    Returns
    -------
    dict
        Every total with thousands separators and no decimals; ``slow_share``, the slow schedule's
        share of the campaign's core-hours (%, no decimals); ``days_on_500``, the campaign's days on
        :data:`PLAN_CORES` cores (one decimal).
    """
    core_hours = totals["campaign_core_hours"]
    return {
        **{k: f"{v:,.0f}" for k, v in totals.items()},
        "slow_share": f"{100 * campaign.loc['slow', 'core-h'] / core_hours:.0f}",
        "days_on_500": f"{core_hours / PLAN_CORES / 24:.1f}",
    }


def published_speed_numbers() -> dict[str, float]:
    """The paper's training speeds, ms per sample: ``paper_dmpnn_ms`` (D-MPNN on a V100) and ``paper_cnn_ms`` (CNN)."""
    return {"paper_dmpnn_ms": published.DMPNN_MS_PER_SAMPLE_V100.value, "paper_cnn_ms": published.CNN_MS_PER_SAMPLE.value}
