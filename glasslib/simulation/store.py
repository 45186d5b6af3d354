"""The simulation store: one HDF5 file per cooling run, written atomically (chapter 01).

Layout inside the run directory's ``simulations`` product (:mod:`glasslib.rundir`)::

    sim/initial.h5               the shared FIRE-minimised start (+ initial.data for LAMMPS/OVITO)
    sim/<schedule>/run_00000.h5  one cooling run: snapshots, energies, metadata

A run file is written through :func:`glasslib.atomic.atomic_path`, so a killed process leaves at
worst a temporary file that is never read as data (and is removed by :func:`remove_partial_files`).
Every file carries the profile's simulation hash; a file whose hash, shape or content does not
check out is reported stale or corrupt and recomputed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from glasslib import atomic
from glasslib.atomic import atomic_path
from glasslib.rundir import ProductError, product_path
from glasslib.simulation.lammps_files import write_data_file

ENERGY_ARRAYS = (
    "step",
    "target_temperature",
    "temperature",
    "potential_energy",
    "inherent_energy",
    "inherent_fnorm",
    "inherent_iterations",
)
RUN_ARRAYS = (*ENERGY_ARRAYS, "positions", "start_positions", "types")


class StoreError(ProductError):
    """A stored file is missing, stale or corrupt; the message names the file and the fix."""


class SnapshotError(ValueError):
    """A temperature the store's ramps recorded no snapshot at."""


def sim_dir(run_dir: Path) -> Path:
    """Folder of the simulation store inside a run directory (the ``simulations`` product)."""
    return product_path(run_dir, "simulations")


def run_path(run_dir: Path, schedule: str, index: int) -> Path:
    """Path of run ``index`` of ``schedule``: ``sim/<schedule>/run_<index:05d>.h5``."""
    return sim_dir(run_dir) / schedule / f"run_{index:05d}.h5"


def initial_path(run_dir: Path) -> Path:
    """Path of the shared initial configuration."""
    return sim_dir(run_dir) / "initial.h5"


def remove_partial_files(run_dir: Path) -> list[Path]:
    """Delete temporary files that killed writers left anywhere in the run directory; return them."""
    return atomic.remove_partial_files(run_dir) if Path(run_dir).is_dir() else []


def write_atomic(path: Path, arrays: dict[str, np.ndarray], attrs: dict[str, Any]) -> Path:
    """Write ``arrays`` and ``attrs`` to an HDF5 file at ``path`` atomically (:func:`glasslib.atomic.atomic_path`).

    The attribute ``complete = True`` is set last, so even a file copied half-way reads as corrupt.
    """
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as h5:
        for key, value in arrays.items():
            h5.create_dataset(key, data=np.asarray(value))
        for key, value in attrs.items():
            h5.attrs[key] = value
        h5.attrs["written"] = _dt.datetime.now(_dt.UTC).isoformat()
        h5.attrs["complete"] = True
    return Path(path)


def open_checked(path: Path, expected_hash: str | None, required: Iterable[str]) -> h5py.File:
    """Open a stored HDF5 file and check completeness, hash and required datasets."""
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: missing")
    try:
        h5 = h5py.File(path, "r")
    except OSError as err:
        raise StoreError(f"{path}: corrupt, not a readable HDF5 file ({err}); delete it and rerun") from None
    problem = None
    if not h5.attrs.get("complete", False):
        problem = "incomplete (no 'complete' flag)"
    elif expected_hash is not None and h5.attrs.get("profile_hash") != expected_hash:
        problem = f"stale: written for profile hash {str(h5.attrs.get('profile_hash'))[:8]}, expected {expected_hash[:8]}"
    else:
        missing = [key for key in required if key not in h5]
        if missing:
            problem = f"corrupt: datasets {missing} are missing"
    if problem:
        h5.close()
        raise StoreError(f"{path}: {problem}")
    return h5


@dataclass(frozen=True)
class RunRecord:
    """One stored cooling run. S snapshots of N particles.

    Attributes
    ----------
    step : (S,) int — MD step of each snapshot.
    target_temperature : (S,) — thermostat target, ε/k_B.
    temperature : (S,) — instantaneous kinetic temperature.
    potential_energy : (S,) — per particle, ε.
    inherent_energy : (S,) — per particle after FIRE minimisation, ε.
    inherent_fnorm : (S,) — force norm ‖F‖ at the end of each minimisation, ε/σ.
    inherent_iterations : (S,) — FIRE iterations each minimisation took (at the cap: it stopped on the cap).
    positions : (S, N, 2) or None — wrapped, unscaled, σ.
    types : (N,) — LAMMPS types, 1 = A, 2 = B.
    attrs : dict — seed, schedule, run index, versions, timings.
    """

    step: np.ndarray
    target_temperature: np.ndarray
    temperature: np.ndarray
    potential_energy: np.ndarray
    inherent_energy: np.ndarray
    inherent_fnorm: np.ndarray
    inherent_iterations: np.ndarray
    positions: np.ndarray | None
    types: np.ndarray
    attrs: dict[str, Any]

    @property
    def box_length(self) -> float:
        """Side of the periodic box, σ."""
        return float(self.attrs["box_length"])

    def scaled_positions(self) -> np.ndarray:
        """Positions scaled to the unit square and wrapped into [0, 1), shape (S, N, 2)."""
        if self.positions is None:
            raise StoreError("this record was read without positions (positions=False)")
        return np.mod(self.positions / self.box_length, 1.0)


def write_run(path: Path, result: dict[str, Any], types: np.ndarray, attrs: dict[str, Any]) -> Path:
    """Store one run's result (see :func:`glasslib.simulation.driver.run_cooling`) atomically."""
    arrays = {key: result[key] for key in RUN_ARRAYS if key != "types"}
    arrays["positions"] = np.asarray(arrays["positions"], dtype=np.float64)
    arrays["start_positions"] = np.asarray(arrays["start_positions"], dtype=np.float64)
    arrays["types"] = np.asarray(types, dtype=np.int8)
    meta = dict(attrs)
    meta["md_seconds"] = float(result.get("md_seconds", np.nan))
    meta["min_seconds"] = float(result.get("min_seconds", np.nan))
    return write_atomic(path, arrays, meta)


def read_run(path: Path, expected_hash: str | None = None, positions: bool = True) -> RunRecord:
    """Read and check one run file.

    Raises
    ------
    StoreError
        Missing, incomplete, stale (another profile hash), inconsistent shapes, or NaN values.
    """
    with open_checked(path, expected_hash, RUN_ARRAYS) as h5:
        data = {key: h5[key][()] for key in ENERGY_ARRAYS}
        data["types"] = h5["types"][()]
        data["positions"] = h5["positions"][()] if positions else None
        pos_shape = h5["positions"].shape
        attrs = dict(h5.attrs)
    n_snap = len(data["step"])
    if any(len(data[k]) != n_snap for k in ENERGY_ARRAYS) or pos_shape != (n_snap, len(data["types"]), 2):
        raise StoreError(f"{path}: corrupt, arrays have inconsistent shapes; delete it and rerun")
    finite = [k for k in ENERGY_ARRAYS if not np.all(np.isfinite(data[k]))]
    if data["positions"] is not None and not np.all(np.isfinite(data["positions"])):
        finite.append("positions")
    if finite:
        raise StoreError(f"{path}: corrupt, non-finite values in {finite}; delete it and rerun")
    return RunRecord(attrs=attrs, **data)


def read_start(path: Path, expected_hash: str | None = None) -> np.ndarray:
    """The configuration run ``path`` started from: (N, 2) positions, σ (the shared start, or the run's own)."""
    with open_checked(path, expected_hash, RUN_ARRAYS) as h5:
        return h5["start_positions"][()]


def read_snapshot(path: Path, index: int, expected_hash: str | None = None) -> dict[str, Any]:
    """One snapshot of a run without reading the others (HDF5 slicing).

    Returns ``positions`` (N, 2) σ, ``types`` (N,), ``inherent_energy``, ``inherent_iterations`` (the
    snapshot's FIRE iterations), ``target_temperature``, ``box_length``; raises :class:`StoreError` like :func:`read_run`.
    """
    with open_checked(path, expected_hash, RUN_ARRAYS) as h5:
        n_snap = h5["step"].shape[0]
        if not -n_snap <= index < n_snap:
            raise StoreError(f"{path}: has {n_snap} snapshots, no index {index}")
        snap = {
            "positions": h5["positions"][index],
            "types": h5["types"][()],
            "inherent_energy": float(h5["inherent_energy"][index]),
            "inherent_iterations": int(h5["inherent_iterations"][index]),
            "target_temperature": float(h5["target_temperature"][index]),
            "box_length": float(h5.attrs["box_length"]),
        }
    if not (np.all(np.isfinite(snap["positions"])) and np.isfinite(snap["inherent_energy"])):
        raise StoreError(f"{path}: corrupt, non-finite values in snapshot {index}; delete it and rerun")
    return snap


def check_run(path: Path, expected_hash: str) -> str | None:
    """None if the run file is complete and current, else the reason it must be (re)computed."""
    try:
        with open_checked(path, expected_hash, RUN_ARRAYS):
            return None
    except StoreError as err:
        return str(err)


def write_initial(run_dir: Path, initial: dict[str, Any], attrs: dict[str, Any]) -> Path:
    """Store the shared start (HDF5, atomic) and a LAMMPS data file beside it for OVITO/LAMMPS."""
    path = initial_path(run_dir)
    arrays = {"positions": initial["positions"], "types": np.asarray(initial["types"], dtype=np.int8)}
    meta = {**attrs, "potential_energy": initial["potential_energy"], "fnorm": initial["fnorm"], "box_length": initial["box_length"]}
    write_atomic(path, arrays, meta)
    write_data_file(path.with_suffix(".data"), initial["positions"], initial["types"], initial["box_length"])
    return path


def read_initial(run_dir: Path, expected_hash: str) -> dict[str, Any]:
    """The stored shared start: ``positions`` (N, 2), ``types`` (N,), ``box_length`` and attrs."""
    with open_checked(initial_path(run_dir), expected_hash, ("positions", "types")) as h5:
        return {"positions": h5["positions"][()], "types": h5["types"][()], **dict(h5.attrs)}


@dataclass(frozen=True)
class Ensemble:
    """The energies of every run of one schedule, stacked. R runs, S snapshots.

    Attributes
    ----------
    schedule : str
    run_index : (R,) int
    seed : (R,) int
    step, target_temperature : (S,)
    temperature, potential_energy, inherent_energy : (R, S) — per particle, ε.
    inherent_fnorm, inherent_iterations : (R, S) — force norm (ε/σ) and FIRE iterations of each minimisation.
    md_seconds, min_seconds : (R,) — wall time of each run's MD and minimisations, s.
    """

    schedule: str
    run_index: np.ndarray
    seed: np.ndarray
    step: np.ndarray
    target_temperature: np.ndarray
    temperature: np.ndarray
    potential_energy: np.ndarray
    inherent_energy: np.ndarray
    inherent_fnorm: np.ndarray
    inherent_iterations: np.ndarray
    md_seconds: np.ndarray
    min_seconds: np.ndarray


def load_ensemble(run_dir: Path, schedule: str, runs: int, expected_hash: str) -> Ensemble:
    """Stack the energies of runs 0..runs-1 of ``schedule`` (positions are not read).

    Raises
    ------
    StoreError
        If any run is missing, stale or corrupt, saying how to produce it.
    """
    records = []
    for index in range(runs):
        try:
            records.append(read_run(run_path(run_dir, schedule, index), expected_hash, positions=False))
        except StoreError as err:
            raise StoreError(
                f"{err}\nThe simulation store is incomplete: run notebooks/01_simulation.ipynb first "
                f"(or `glasslib simulate --profile <profile>`), with the same profile and overrides."
            ) from None
    first = records[0]
    return Ensemble(
        schedule=schedule,
        run_index=np.array([r.attrs["run_index"] for r in records]),
        seed=np.array([r.attrs["seed"] for r in records]),
        step=first.step,
        target_temperature=first.target_temperature,
        temperature=np.stack([r.temperature for r in records]),
        potential_energy=np.stack([r.potential_energy for r in records]),
        inherent_energy=np.stack([r.inherent_energy for r in records]),
        inherent_fnorm=np.stack([r.inherent_fnorm for r in records]),
        inherent_iterations=np.stack([r.inherent_iterations for r in records]),
        md_seconds=np.array([r.attrs["md_seconds"] for r in records]),
        min_seconds=np.array([r.attrs["min_seconds"] for r in records]),
    )


def nearest_snapshot(temperatures: np.ndarray, requested: float, tolerance: float | None = None) -> int:
    """Index of the recorded temperature nearest ``requested``.

    Parameters
    ----------
    temperatures : (S,) recorded target temperatures of a ramp.
    requested : float
    tolerance : float, optional
        Largest accepted distance; default half the spacing of recorded temperatures.

    Raises
    ------
    SnapshotError
        If no recorded temperature lies within the tolerance.
    """
    temperatures = np.asarray(temperatures, dtype=float)
    if tolerance is None:
        tolerance = 0.5 * float(np.min(np.abs(np.diff(np.sort(temperatures))))) + 1e-9
    index = int(np.argmin(np.abs(temperatures - requested)))
    if abs(temperatures[index] - requested) > tolerance:
        raise SnapshotError(
            f"the store has no snapshot at T = {requested:g}: the nearest recorded temperature is "
            f"{temperatures[index]:g} (tolerance {tolerance:.3g}); recorded: {np.round(np.sort(temperatures), 4).tolist()}"
        )
    return index
