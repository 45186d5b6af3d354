"""Runs at one fixed temperature from a given configuration: displacements at chosen times (chapters 04b, 09).

The run is the cooling protocol's (:func:`glasslib.simulation.driver.start_run`) with its ramp held at
one temperature: fresh Gaussian velocities at ``temperature`` with zero total momentum from the run's
seed, a Nosé–Hoover thermostat at ``temperature`` (damping ``protocol.thermostat_damping``), the
linear momentum zeroed every step, ``fix enforce2d``. Displacements come from LAMMPS' ``compute
displace/atom``, which unwraps through the image flags: crossing the periodic boundary is not a
jump. An iso-configurational ensemble (chapter 09) is several such runs from one configuration with
different seeds; an equilibration is one long run whose last configuration is kept.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np

from glasslib.protocol import Protocol
from glasslib.simulation.driver import positions_by_id, start_run
from glasslib.simulation.lammps_env import import_lammps


class TrajectoryError(ValueError):
    """A fixed-temperature run was asked for with inputs it cannot run on."""


class Trajectory(NamedTuple):
    """What one fixed-temperature run recorded.

    Attributes
    ----------
    steps : (T,) int — MD steps after the start at which displacements were recorded.
    displacements : (T, N, 2) float64 — r_i(t) − r_i(0), unwrapped, σ, particles in input order.
    final_positions : (N, 2) float64 — the configuration at the last recorded step, wrapped into [0, L), σ.
    """

    steps: np.ndarray
    displacements: np.ndarray
    final_positions: np.ndarray


def check_record_steps(record_steps: Any) -> np.ndarray:
    """``record_steps`` as a strictly increasing (T,) int64 array of positive steps, or a TrajectoryError."""
    steps = np.asarray(record_steps)
    if steps.ndim != 1 or steps.size == 0 or not np.issubdtype(steps.dtype, np.number):
        raise TrajectoryError(f"record_steps must be a non-empty 1-D list of MD steps, got {record_steps!r}")
    if not np.all(np.isfinite(steps)) or np.any(steps != np.round(steps)) or steps[0] < 1 or np.any(np.diff(steps) <= 0):
        raise TrajectoryError(f"record_steps must be positive whole numbers of MD steps in increasing order, got {steps.tolist()}")
    return steps.astype(np.int64)


def _check_inputs(positions: np.ndarray, types: np.ndarray, protocol: Protocol, temperature: float, seed: int) -> None:
    if positions.shape != (len(types), 2) or len(types) != protocol.n_particles:
        raise TrajectoryError(
            f"positions {positions.shape} and types {types.shape} must be (N, 2) and (N,) with "
            f"N = protocol.n_particles = {protocol.n_particles} (it sets the box length)"
        )
    if not np.all(np.isfinite(positions)):
        raise TrajectoryError("positions must be finite")
    if not (np.isfinite(temperature) and temperature > 0):
        raise TrajectoryError(f"the temperature must be positive, got {temperature!r} ε/k_B")
    if int(seed) != seed or seed < 1:
        raise TrajectoryError(f"the velocity seed must be a positive integer, got {seed!r}")


def _displacement_vectors(lmp: Any, compute_id: str) -> np.ndarray:
    """In-plane vectors of a ``displace/atom`` compute, (N, 2), ordered by atom id, σ."""
    lammps = import_lammps()
    nlocal = lmp.extract_global("nlocal")
    ids = np.asarray(lmp.numpy.extract_atom("id"))[:nlocal]
    values = np.asarray(lmp.numpy.extract_compute(compute_id, lammps.LMP_STYLE_ATOM, lammps.LMP_TYPE_ARRAY))
    out = np.empty((nlocal, 2))
    out[ids - 1] = values[:nlocal, :2]
    return out


def run_at_temperature(
    positions_sigma: np.ndarray, types: np.ndarray, protocol: Protocol, temperature: float, record_steps: Any, seed: int
) -> Trajectory:
    """Run NVT at ``temperature`` from a configuration and record displacements (module docstring).

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ, in the protocol's box (wrapped here).
    types : (N,) LAMMPS types.
    protocol : Protocol — physics of the run; ``protocol.n_particles`` must be N (it sets the box).
    temperature : float — thermostat and initial-velocity temperature, ε/k_B, > 0.
    record_steps : (T,) increasing positive ints — MD steps (of ``protocol.timestep`` τ) to record at.
    seed : int — velocity seed, positive.

    Returns
    -------
    Trajectory
        Cost ≈ N · record_steps[-1]: about 0.016 s of one core per τ at N = 720.

    Raises
    ------
    TrajectoryError
        Shapes that do not match the protocol, non-finite positions, T ≤ 0, a bad seed or step list.
    """
    types = np.asarray(types)
    positions = np.asarray(positions_sigma, dtype=np.float64)
    _check_inputs(positions, types, protocol, temperature, seed)
    steps = check_record_steps(record_steps)
    length = protocol.box_length
    wrapped = np.mod(positions, length)
    wrapped[wrapped >= length] = 0.0  # mod can round up to exactly L
    held = dataclasses.replace(protocol, t_start=float(temperature), t_end=float(temperature), equilibration_steps=0)
    lmp = start_run(held, wrapped, types, int(seed))
    displacements = np.empty((steps.size, len(types), 2))
    try:
        lmp.command("compute displacement all displace/atom")
        done = 0
        for t, step in enumerate(steps):
            lmp.command(f"run {int(step - done)} pre {'yes' if t == 0 else 'no'} post no")
            done = int(step)
            displacements[t] = _displacement_vectors(lmp, "displacement")
        final = np.mod(positions_by_id(lmp), length)
    finally:
        lmp.close()
    return Trajectory(steps, displacements, final)
