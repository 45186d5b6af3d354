"""An ensemble of independent cooling runs, as Dask tasks, resumable (book chapter 01).

The default cluster is a Dask ``LocalCluster`` on this machine, one single-threaded worker
process per core (``glasslib bench campaign`` measures processes against threads). For the ``paper``
profile pass a scheduler address (``tcp://host:8786``), a scheduler file (``scheduler.json``)
or a dask-jobqueue cluster object (SLURM/PBS): the same tasks run there unchanged
(:mod:`glasslib.cluster`).

Each task computes one run and writes its HDF5 file atomically itself, so a campaign that is
killed loses only the runs in flight, and running it again computes only what is missing, stale
or corrupt.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glasslib import __version__
from glasslib.atomic import write_json_atomic
from glasslib.cluster import dask_client, run_tasks
from glasslib.profiles import Profile
from glasslib.rundir import product_path
from glasslib.simulation import driver, store

SCHEDULE_IDS = {"slow": 0, "fast": 1}


INITIAL_SEED_OFFSET = 7919  # keeps the initial configuration's stream apart from run seeds


def run_seed(profile: Profile, schedule: str, index: int) -> int:
    """Velocity seed of run ``index`` of ``schedule``: a positive int derived from the profile seed.

    Seeds are drawn from ``numpy.random.SeedSequence((seed, schedule id, index))``, so they are
    independent of how many runs a campaign has or in which order they finish.
    """
    sequence = np.random.SeedSequence((profile.seed, SCHEDULE_IDS[schedule], index))
    return int(sequence.generate_state(1)[0] % (2**31 - 2)) + 1


def start_seed(profile: Profile, schedule: str, index: int) -> int:
    """Seed of run ``index``'s own start (profiles with ``shared_start=False``), a stream apart from its velocities."""
    sequence = np.random.SeedSequence((profile.seed, SCHEDULE_IDS[schedule], index, INITIAL_SEED_OFFSET))
    return int(sequence.generate_state(1)[0] % (2**31 - 2)) + 1


def software_versions() -> dict[str, str]:
    """Versions recorded in every stored file."""
    import h5py

    return {
        "glasslib_version": __version__,
        "numpy_version": np.__version__,
        "h5py_version": h5py.__version__,
        "python_version": platform.python_version(),
    }


def ensure_initial(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """Load the shared start configuration of ``run_dir``, creating it if missing or stale."""
    expected = profile.simulation_hash()
    try:
        return store.read_initial(run_dir, expected)
    except store.StoreError:
        pass
    seed = profile.seed + INITIAL_SEED_OFFSET
    initial = driver.initial_configuration(profile.protocol, seed)
    attrs = {
        "profile_hash": expected,
        "profile_name": profile.name,
        "seed": seed,
        "lammps_version": driver.lammps_version(),
        **software_versions(),
    }
    store.write_initial(run_dir, initial, attrs)
    return store.read_initial(run_dir, expected)


def simulate_run(profile: Profile, schedule: str, index: int, run_dir: str) -> dict[str, Any]:
    """Compute run ``index`` of ``schedule`` and store it; a Dask task (runs in a worker).

    Returns a small summary: ``schedule``, ``index``, ``path``, ``md_seconds``, ``min_seconds``.
    """
    run_dir_path = Path(run_dir)
    initial = store.read_initial(run_dir_path, profile.simulation_hash())
    seed = run_seed(profile, schedule, index)
    start = initial["positions"]
    if not profile.shared_start:  # the run's own start: same types, its own melted and minimised arrangement
        start = driver.initial_configuration(profile.protocol, start_seed(profile, schedule, index), types=initial["types"])["positions"]
    result = driver.run_cooling(profile.protocol, profile.schedules[schedule], start, initial["types"], seed)
    attrs = {
        "profile_hash": profile.simulation_hash(),
        "profile_name": profile.name,
        "schedule": schedule,
        "run_index": index,
        "seed": seed,
        "start": "shared" if profile.shared_start else "own",
        "box_length": profile.protocol.box_length,
        "t_cool": profile.schedules[schedule].t_cool,
        "lammps_version": driver.lammps_version(),
        "host": platform.node(),
        **software_versions(),
    }
    path = store.write_run(store.run_path(run_dir_path, schedule, index), result, initial["types"], attrs)
    return {
        "schedule": schedule,
        "index": index,
        "path": str(path),
        "md_seconds": result["md_seconds"],
        "min_seconds": result["min_seconds"],
    }


@dataclass
class CampaignPlan:
    """What a campaign must compute: ``todo`` (schedule, index) pairs and why, ``done`` count."""

    todo: list[tuple[str, int]] = field(default_factory=list)
    reasons: dict[tuple[str, int], str] = field(default_factory=dict)
    done: int = 0


def plan_campaign(profile: Profile, run_dir: Path, runs: int, schedules: tuple[str, ...]) -> CampaignPlan:
    """Check every expected run file; list those missing, stale or corrupt."""
    plan = CampaignPlan()
    expected = profile.simulation_hash()
    for schedule in schedules:
        for index in range(runs):
            reason = store.check_run(store.run_path(run_dir, schedule, index), expected)
            if reason is None:
                plan.done += 1
            else:
                plan.todo.append((schedule, index))
                plan.reasons[(schedule, index)] = reason
    return plan


@dataclass
class CampaignReport:
    """Outcome of :func:`run_campaign`."""

    run_dir: Path
    computed: int
    already_done: int
    recomputed_reasons: dict[str, int]
    wall_seconds: float
    md_seconds: float
    min_seconds: float
    removed_partial: int

    def summary(self) -> str:
        """One paragraph for the terminal or a notebook."""
        reasons = ", ".join(f"{n} {r}" for r, n in self.recomputed_reasons.items()) or "none"
        return (
            f"run directory: {self.run_dir}\n"
            f"computed {self.computed} runs ({reasons}); {self.already_done} were already done; "
            f"{self.removed_partial} partial files removed\n"
            f"wall {self.wall_seconds:.1f} s; summed MD {self.md_seconds:.1f} s, minimisation {self.min_seconds:.1f} s"
        )


def _reason_kind(reason: str) -> str:
    for kind in ("missing", "stale", "incomplete", "corrupt"):
        if kind in reason:
            return kind
    return "other"


def run_campaign(
    profile: Profile,
    run_dir: Path | None = None,
    runs: int | None = None,
    schedules: tuple[str, ...] = ("slow", "fast"),
    scheduler: Any = None,
    progress: bool = True,
) -> CampaignReport:
    """Run (or resume) the simulation campaign of ``profile``.

    Parameters
    ----------
    profile : Profile
    run_dir : Path, optional
        Defaults to ``profile.run_dir()``.
    runs : int, optional
        Runs per schedule; defaults to ``profile.runs_per_schedule``.
    schedules : tuple of str
        Which schedules to run.
    scheduler : see :func:`glasslib.cluster.dask_client`.
    progress : bool
        Show a tqdm progress bar.
    """
    started = time.perf_counter()
    run_dir = Path(run_dir or profile.run_dir())
    runs = runs or profile.runs_per_schedule
    unknown = [s for s in schedules if s not in SCHEDULE_IDS]
    if unknown:
        raise ValueError(f"unknown schedule(s) {unknown}; choose from {list(SCHEDULE_IDS)}")
    run_dir.mkdir(parents=True, exist_ok=True)
    removed = store.remove_partial_files(run_dir)
    write_profile_json(profile, run_dir)
    ensure_initial(profile, run_dir)
    plan = plan_campaign(profile, run_dir, runs, schedules)
    kinds: dict[str, int] = {}
    for reason in plan.reasons.values():
        kinds[_reason_kind(reason)] = kinds.get(_reason_kind(reason), 0) + 1
    md = mini = 0.0
    if plan.todo:
        tasks = [(f"run-{s}-{i}-{profile.simulation_hash()[:8]}", simulate_run, (profile, s, i, str(run_dir))) for s, i in plan.todo]
        with dask_client(profile, scheduler) as client:
            for summary in run_tasks(client, tasks, f"LAMMPS runs ({profile.label})", "run", progress):
                md += summary["md_seconds"]
                mini += summary["min_seconds"]
    return CampaignReport(run_dir, len(plan.todo), plan.done, kinds, time.perf_counter() - started, md, mini, len(removed))


def write_profile_json(profile: Profile, run_dir: Path) -> Path:
    """Record the resolved profile in the run directory's ``profile`` product (rewritten atomically)."""
    payload = {
        **profile.as_dict(),
        "label": profile.label,
        "simulation_hash": profile.simulation_hash(),
        "settings_hash": profile.settings_hash(),
    }
    return write_json_atomic(product_path(run_dir, "profile", profile), payload)


def ramp_deviation(temperature: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """How closely the thermostat followed the ramp.

    Parameters
    ----------
    temperature : (R, S) instantaneous temperatures of R runs at S snapshots.
    target : (S,) thermostat targets.

    Returns
    -------
    dict
        ``mean_relative`` — mean over snapshots of |⟨T⟩_runs − target| / target;
        ``max_relative`` — its largest value; ``fluctuation`` — mean relative std over runs.
    """
    mean = temperature.mean(axis=0)
    relative = np.abs(mean - target) / target
    return {
        "mean_relative": float(relative.mean()),
        "max_relative": float(relative.max()),
        "fluctuation": float((temperature.std(axis=0) / target).mean()),
    }


def md_throughput(md_seconds: np.ndarray, n_particles: int, t_cool: int) -> float:
    """Median MD throughput of a set of runs, atom-steps per second per worker."""
    return float(np.median(n_particles * t_cool / np.asarray(md_seconds)))
