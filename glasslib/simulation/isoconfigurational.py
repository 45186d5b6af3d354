"""Iso-configurational ensembles of equilibrated supercooled liquids, as Dask tasks, resumable (chapter 09).

For every temperature T of ``dynamics_temperatures`` and configuration c < ``dynamics_configurations``,
one task:

1. takes the snapshot of slow cooling run c recorded nearest T (the ramp passes T);
2. equilibrates it at fixed T for ``dynamics_equilibration`` steps
   (:func:`glasslib.simulation.fixed_temperature.run_at_temperature`), recording its displacements at
   log-spaced times so that chapter 09 can check the length against τ_α;
3. from the equilibrated configuration, runs ``dynamics_runs`` iso-configurational runs with fresh
   velocities (own seeds), each recording unwrapped displacements at ``dynamics_records``
   log-spaced times up to ``dynamics_t_max`` steps;
4. FIRE-minimises the equilibrated configuration (its inherent structure and per-particle energy,
   inputs of the descriptor baseline);
5. writes one HDF5 file atomically (:func:`glasslib.simulation.store.write_atomic`).

A killed campaign loses only the tasks in flight; running it again computes what is missing,
stale (another profile hash: other temperatures, runs, lengths or simulations) or corrupt. The
cluster is the one of :func:`glasslib.cluster.dask_client`. Seeds come from
``SeedSequence((seed, 3, temperature index, configuration, …))``: independent of the order of the
tasks and of how many configurations a profile asks for.
"""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.cluster import dask_client, run_tasks
from glasslib.profiles import Profile, dynamics_temperatures
from glasslib.rundir import missing_error, path_for_hash, product_hash, record_variant
from glasslib.simulation import driver, store
from glasslib.simulation.campaign import software_versions
from glasslib.simulation.fixed_temperature import run_at_temperature

#: Seed stream of the dynamics tasks (the cooling runs use 0 and 1).
DYNAMICS_STREAM = 3
#: First recorded time of every log-spaced grid, MD steps (0.05 τ at the default timestep: ballistic).
FIRST_RECORD = 10
#: Arrays of an ensemble file.
ENSEMBLE_ARRAYS = (
    "start_positions",
    "types",
    "record_steps",
    "displacements",
    "equilibration_steps",
    "equilibration_displacements",
    "inherent_positions",
    "inherent_particle_energy",
)


class EnsembleError(store.StoreError):
    """An iso-configurational ensemble that is missing, stale, corrupt or cannot be built."""


def log_steps(last: int, count: int, first: int = FIRST_RECORD) -> np.ndarray:
    """About ``count`` distinct log-spaced MD steps from ``first`` (at most ``last // 2``, at least 1) to ``last`` (int64, increasing)."""
    start = max(1, min(int(first), int(last) // 2))
    return np.unique(np.round(np.geomspace(start, int(last), int(count))).astype(np.int64))


def temperature_label(temperature: float) -> str:
    """The folder name part of a temperature: ``0.600``."""
    return f"{temperature:.3f}"


def ensemble_path(run_dir: Path, expected_hash: str, temperature: float, configuration: int) -> Path:
    """Where the ensemble of ``configuration`` at ``temperature`` lives in the variant ``expected_hash`` of the ``ensembles`` product."""
    return path_for_hash(run_dir, "ensembles", expected_hash, temperature=temperature_label(temperature), configuration=configuration)


def ensemble_seed(profile: Profile, temperature_index: int, configuration: int, run: int | None) -> int:
    """Velocity seed of iso-configurational run ``run`` (``None``: the equilibration), positive."""
    tail = (0, run) if run is not None else (1,)
    sequence = np.random.SeedSequence((profile.seed, DYNAMICS_STREAM, temperature_index, configuration, *tail))
    return int(sequence.generate_state(1)[0] % (2**31 - 2)) + 1


def source_snapshot(profile: Profile, run_dir: Path, configuration: int, temperature: float) -> dict[str, Any]:
    """The snapshot of slow run ``configuration`` recorded nearest ``temperature`` (within half a snapshot spacing).

    Raises
    ------
    EnsembleError
        The slow run is missing or stale, or its ramp records no temperature near ``temperature``.
    """
    path = store.run_path(run_dir, "slow", configuration)
    try:
        record = store.read_run(path, profile.simulation_hash(), positions=False)
        index = store.nearest_snapshot(record.target_temperature, temperature)
        return store.read_snapshot(path, index, profile.simulation_hash())
    except (store.StoreError, store.SnapshotError) as err:
        raise EnsembleError(f"no source configuration for T = {temperature:g}: {err}. Run notebooks/01_simulation.ipynb first.") from None


def simulate_ensemble(profile: Profile, temperature_index: int, configuration: int, run_dir: str) -> dict[str, Any]:
    """Equilibrate one configuration, run its ensemble and store it (module docstring); a Dask task.

    Returns a small summary: ``temperature``, ``configuration``, ``path`` and ``md_seconds``.
    """
    started = time.perf_counter()
    run_dir_path = Path(run_dir)
    temperature = dynamics_temperatures(profile)[temperature_index]
    protocol = profile.protocol
    snapshot = source_snapshot(profile, run_dir_path, configuration, temperature)
    types = snapshot["types"]
    equilibration_steps = log_steps(profile.dynamics_equilibration, profile.dynamics_records)
    equilibration_seed = ensemble_seed(profile, temperature_index, configuration, None)
    equilibrated = run_at_temperature(snapshot["positions"], types, protocol, temperature, equilibration_steps, equilibration_seed)
    start = equilibrated.final_positions
    steps = log_steps(profile.dynamics_t_max, profile.dynamics_records)
    seeds = [ensemble_seed(profile, temperature_index, configuration, run) for run in range(profile.dynamics_runs)]
    displacements = np.stack([run_at_temperature(start, types, protocol, temperature, steps, seed).displacements for seed in seeds])
    inherent = driver.inherent_structure(protocol, start, types)
    arrays = {
        "start_positions": start,
        "types": np.asarray(types, dtype=np.int8),
        "record_steps": steps,
        "displacements": displacements.astype(np.float32),
        "equilibration_steps": equilibration_steps,
        "equilibration_displacements": equilibrated.displacements.astype(np.float32),
        "inherent_positions": inherent["positions"],
        "inherent_particle_energy": inherent["particle_energy"],
    }
    attrs = {
        "profile_hash": product_hash(profile, "ensembles"),
        "profile_name": profile.name,
        "temperature": temperature,
        "configuration": configuration,
        "source_temperature": snapshot["target_temperature"],
        "seeds": np.asarray(seeds, dtype=np.int64),
        "equilibration_seed": equilibration_seed,
        "timestep": protocol.timestep,
        "box_length": protocol.box_length,
        "inherent_fnorm": inherent["fnorm"],
        "lammps_version": driver.lammps_version(),
        "host": platform.node(),
        **software_versions(),
    }
    seconds = time.perf_counter() - started
    record_variant(run_dir_path, profile, "ensembles")
    path = store.write_atomic(
        ensemble_path(run_dir_path, attrs["profile_hash"], temperature, configuration), arrays, {**attrs, "md_seconds": seconds}
    )
    return {"temperature": temperature, "configuration": configuration, "path": str(path), "md_seconds": seconds}


@dataclass(frozen=True)
class IsoconfigurationalEnsemble:
    """One stored ensemble: R runs of N particles recorded at T times.

    Attributes
    ----------
    temperature : float — ε/k_B.
    configuration : int — the slow run it came from.
    times : (T,) — recorded times, τ.
    displacements : (R, T, N, 2) float32 — unwrapped, σ.
    start_positions : (N, 2) — the equilibrated configuration, σ.
    types : (N,) — LAMMPS types.
    equilibration_times : (Te,) τ; equilibration_displacements : (Te, N, 2) σ — the equilibration run.
    inherent_positions : (N, 2) σ; inherent_particle_energy : (N,) ε — the start's inherent structure.
    box_length : float — σ.
    """

    temperature: float
    configuration: int
    times: np.ndarray
    displacements: np.ndarray
    start_positions: np.ndarray
    types: np.ndarray
    equilibration_times: np.ndarray
    equilibration_displacements: np.ndarray
    inherent_positions: np.ndarray
    inherent_particle_energy: np.ndarray
    box_length: float

    def positions(self, which: str) -> np.ndarray:
        """The start's positions (N, 2), σ: ``"thermal"`` (the equilibrated configuration) or ``"inherent"`` (its inherent structure)."""
        if which not in ("thermal", "inherent"):
            raise EnsembleError(f"positions are 'thermal' or 'inherent', got {which!r}")
        return self.start_positions if which == "thermal" else self.inherent_positions


def read_ensemble(path: Path, expected_hash: str | None = None) -> IsoconfigurationalEnsemble:
    """Read and check one ensemble file; :class:`EnsembleError` if missing, stale or corrupt."""
    try:
        with store.open_checked(path, expected_hash, ENSEMBLE_ARRAYS) as h5:
            data = {key: h5[key][()] for key in ENSEMBLE_ARRAYS}
            attrs = dict(h5.attrs)
    except store.StoreError as err:
        raise EnsembleError(f"{err}. Run notebooks/09_dynamics.ipynb (or run_ensembles) with this profile to build it.") from None
    n, runs, times = len(data["types"]), len(attrs["seeds"]), len(data["record_steps"])
    if data["displacements"].shape != (runs, times, n, 2) or not np.all(np.isfinite(data["displacements"])):
        raise EnsembleError(
            f"{path}: corrupt, displacements of shape {data['displacements'].shape} (expected {(runs, times, n, 2)}) or not finite; delete it and rerun"
        )
    dt = float(attrs["timestep"])
    return IsoconfigurationalEnsemble(
        temperature=float(attrs["temperature"]),
        configuration=int(attrs["configuration"]),
        times=data["record_steps"] * dt,
        displacements=data["displacements"],
        start_positions=data["start_positions"],
        types=data["types"],
        equilibration_times=data["equilibration_steps"] * dt,
        equilibration_displacements=data["equilibration_displacements"],
        inherent_positions=data["inherent_positions"],
        inherent_particle_energy=data["inherent_particle_energy"],
        box_length=float(attrs["box_length"]),
    )


def check_ensemble(path: Path, expected_hash: str) -> str | None:
    """None if the ensemble file is complete and current, else the reason it must be (re)computed."""
    try:
        read_ensemble(path, expected_hash)
    except EnsembleError as err:
        return str(err)
    return None


def load_ensembles(profile: Profile, run_dir: Path, temperature: float) -> list[IsoconfigurationalEnsemble]:
    """Every configuration's ensemble at ``temperature`` (one of the profile's), checked against the profile."""
    if temperature not in dynamics_temperatures(profile):
        raise EnsembleError(f"T = {temperature:g} is not one of this profile's dynamics_temperatures ({profile.dynamics_temperatures})")
    expected = product_hash(profile, "ensembles")
    paths = [ensemble_path(run_dir, expected, temperature, c) for c in range(profile.dynamics_configurations)]
    if not paths[0].is_file():
        error = missing_error(run_dir, "ensembles", profile, paths[0], temperature=temperature_label(temperature), configuration=0)
        raise EnsembleError(f"{error}. Run notebooks/09_dynamics.ipynb (or run_ensembles) with this profile to build it.")
    return [read_ensemble(path, expected) for path in paths]


@dataclass
class EnsembleReport:
    """Outcome of :func:`run_ensembles`: tasks computed and already done, wall and summed task seconds."""

    computed: int
    already_done: int
    wall_seconds: float
    task_seconds: float


def run_ensembles(profile: Profile, run_dir: Path, scheduler: Any = None, progress: bool = True) -> EnsembleReport:
    """Compute (or resume) every ensemble of the profile; tasks already stored and current are skipped."""
    started = time.perf_counter()
    run_dir = Path(run_dir)
    store.remove_partial_files(run_dir)
    expected = product_hash(profile, "ensembles")
    todo = [
        (index, configuration)
        for index, temperature in enumerate(dynamics_temperatures(profile))
        for configuration in range(profile.dynamics_configurations)
        if check_ensemble(ensemble_path(run_dir, expected, temperature, configuration), expected) is not None
    ]
    total = len(dynamics_temperatures(profile)) * profile.dynamics_configurations
    results: list[dict[str, Any]] = []
    if todo:
        tasks = [(f"ensemble-{i}-{c}-{expected[:8]}", simulate_ensemble, (profile, i, c, str(run_dir))) for i, c in todo]
        with dask_client(profile, scheduler) as client:
            results = run_tasks(client, tasks, f"iso-configurational ensembles ({profile.label})", "ensemble", progress)
    return EnsembleReport(len(todo), total - len(todo), time.perf_counter() - started, float(sum(r["md_seconds"] for r in results)))
