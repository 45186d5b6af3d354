"""How long a run at ``t_start`` takes to forget its start (chapter 01; sets ``equilibration_steps``).

A run that starts its ramp straight from a minimised configuration carries that configuration's
composition pattern into its liquids and, at a short ramp, into its glasses (chapter 03's start
cue). Reduced profiles therefore hold each run at ``t_start`` first. This module measures how long
that hold must be: a few runs start from the campaign's start configuration with fresh velocities and
the ramp's thermostat held at ``t_start`` (exactly the equilibration of :mod:`glasslib.simulation.driver`),
and the overlap of their composition field with the start's (:func:`glasslib.data.start_memory.start_overlap`)
is recorded at log-spaced times.

Level of two independent liquids
    Two unrelated configurations have overlap 0 with a scatter of about ``1/cells`` per pair
    (``cells²`` cells), so the mean of ``R`` runs scatters by ``1/(cells·√R)``. The start is
    *forgotten* at the first recorded time from which on the mean's 95 % interval (runs' spread,
    Student t) contains 0 and its mean stays inside ±2/(cells·√R): from then on the runs' liquids are
    as unlike the start as independent liquids are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from glasslib.cluster import dask_client, run_tasks
from glasslib.data.start_memory import cells_for, start_overlap
from glasslib.profiles import Profile
from glasslib.protocol import Protocol
from glasslib.rundir import read_json_product, write_json_product

#: The study: runs from the start, the time they are followed (τ) and the log-spaced records.
DECAY = {"runs": 8, "tau": 600.0, "records": 24, "first_tau": 0.5}


@dataclass(frozen=True)
class MemoryDecay:
    """Overlap with the start against time at ``t_start``.

    Attributes
    ----------
    times : (T,) τ since the fresh velocities.
    overlaps : (R, T) each run's overlap with the start.
    cells : cells per side of the composition field.
    """

    times: np.ndarray
    overlaps: np.ndarray
    cells: int

    @property
    def mean(self) -> np.ndarray:
        """(T,) mean overlap over runs."""
        return self.overlaps.mean(axis=0)

    def interval(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
        """(T,) lower and upper bounds of the mean's Student-t interval over runs."""
        runs = self.overlaps.shape[0]
        half = stats.t.ppf(0.5 + level / 2, runs - 1) * self.overlaps.std(axis=0, ddof=1) / np.sqrt(runs)
        return self.mean - half, self.mean + half

    @property
    def independent_band(self) -> float:
        """Half-width of the band about 0 where a mean of R independent overlaps falls (2/(cells·√R))."""
        return 2.0 / (self.cells * np.sqrt(self.overlaps.shape[0]))

    def forgotten_tau(self) -> float:
        """First recorded time (τ) from which on the start is forgotten (module docstring); inf if never."""
        low, high = self.interval()
        inside = (low <= 0) & (high >= 0) & (np.abs(self.mean) <= self.independent_band)
        later_all = np.flip(np.logical_and.accumulate(np.flip(inside)))
        return float(self.times[np.argmax(later_all)]) if later_all.any() else float("inf")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready payload (lists)."""
        return {"times": self.times.tolist(), "overlaps": self.overlaps.tolist(), "cells": self.cells}

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> MemoryDecay:
        """Inverse of :meth:`to_json`."""
        return cls(np.asarray(payload["times"], float), np.asarray(payload["overlaps"], float), int(payload["cells"]))


def record_steps(protocol: Protocol) -> np.ndarray:
    """(T,) log-spaced MD steps of the study, from :data:`DECAY` ``first_tau`` to ``tau``."""
    first, last = DECAY["first_tau"] / protocol.timestep, DECAY["tau"] / protocol.timestep
    return np.unique(np.round(np.geomspace(first, last, int(DECAY["records"]))).astype(np.int64))


def decay_run(protocol: Protocol, start: np.ndarray, types: np.ndarray, seed: int, index: int, steps: np.ndarray) -> tuple[int, np.ndarray]:
    """One run of the study (a Dask task): ``(index, overlaps (T,))`` at MD ``steps`` (T,) from ``start`` (N, 2) σ.

    The steps come from the caller (:func:`record_steps` there), never from this process's :data:`DECAY`:
    a worker is another process and would not see a study changed in the caller's."""
    from glasslib.simulation.fixed_temperature import run_at_temperature

    length = protocol.box_length
    trajectory = run_at_temperature(start, types, protocol, protocol.t_start, np.asarray(steps), int(seed))
    configurations = np.mod(start[None] + trajectory.displacements, length) / length
    return index, start_overlap(configurations, types, start / length, cells_for(length))


def memory_decay(
    profile: Profile, start_sigma: np.ndarray, types: np.ndarray, seed: int, scheduler: Any = None, progress: bool = True
) -> MemoryDecay:
    """Follow :data:`DECAY` ``runs`` runs from ``start_sigma`` (N, 2) σ at ``t_start`` and record their overlap with it.

    Each run draws fresh Gaussian velocities from its own seed (derived from ``seed``) and is held at
    ``t_start`` by the ramp's Nosé–Hoover thermostat; the runs are Dask tasks on ``scheduler``
    (:func:`glasslib.cluster.dask_client`). Cost ≈ runs · N · ``tau``/dt atom-steps.
    """
    protocol = profile.protocol
    start = np.mod(np.asarray(start_sigma, float), protocol.box_length)
    seeds = np.random.default_rng(seed).integers(1, 2**31 - 1, size=int(DECAY["runs"]))
    steps = record_steps(protocol)
    tasks = [
        (f"memory-decay-{i}-{s}-{steps[-1]}", decay_run, (protocol, start, np.asarray(types), int(s), i, steps))
        for i, s in enumerate(seeds)
    ]
    with dask_client(profile, scheduler) as client:
        done = dict(run_tasks(client, tasks, f"memory of the start ({profile.label})", "run", progress))
    return MemoryDecay(steps * protocol.timestep, np.stack([done[i] for i in range(len(seeds))]), cells_for(protocol.box_length))


def save_decay(run_dir: Path, profile: Profile, decay: MemoryDecay) -> Path:
    """Write the study as the run directory's ``memory_decay`` product (JSON)."""
    return write_json_product(run_dir, profile, "memory_decay", decay.to_json())


def load_decay(run_dir: Path, profile: Profile) -> MemoryDecay:
    """Read the ``memory_decay`` product (a clear error if it is missing or stale)."""
    return MemoryDecay.from_json(read_json_product(run_dir, profile, "memory_decay"))
