"""How far each particle moves in a short LAMMPS continuation run from a configuration (chapter 04b)."""

from __future__ import annotations

import numpy as np

from glasslib.protocol import Protocol
from glasslib.simulation.fixed_temperature import TrajectoryError, run_at_temperature
from glasslib.stats import AnalysisError


def continuation_displacements(
    positions_sigma: np.ndarray, types: np.ndarray, protocol: Protocol, temperature: float, steps: int, seed: int
) -> np.ndarray:
    """How far each particle moves in a short NVT run started from the configuration (chapter 04b).

    One :func:`glasslib.simulation.fixed_temperature.run_at_temperature` (its docstring has the
    protocol; displacements unwrapped through the image flags). Cost ≈ N · steps; 1,000–5,000
    steps for N ≈ 720 take seconds.

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
    try:
        trajectory = run_at_temperature(positions_sigma, types, protocol, temperature, [steps], seed)
    except TrajectoryError as err:
        raise AnalysisError(str(err)) from None
    return np.hypot(trajectory.displacements[-1, :, 0], trajectory.displacements[-1, :, 1])
