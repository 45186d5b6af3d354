"""What one simulation run does: the physics (:class:`Protocol`) and the ramp (:class:`CoolingSchedule`).

Both are plain frozen dataclasses derived from a :class:`~glasslib.profiles.Profile` (SPEC
section 2; book chapter 01). Units are Lennard-Jones units; steps are MD timesteps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CoolingSchedule:
    """One cooling schedule: the ramp length and how often it is recorded.

    Attributes
    ----------
    name : str
        ``"slow"`` or ``"fast"``.
    t_cool : int
        Steps over which the target temperature falls linearly from ``t_start`` to ``t_end``.
    snapshot_every : int
        Steps between snapshots; the first is taken at ``snapshot_every``, the last at ``t_cool``.
    """

    name: str
    t_cool: int
    snapshot_every: int

    @property
    def n_snapshots(self) -> int:
        """Number of snapshots recorded along the ramp."""
        return self.t_cool // self.snapshot_every

    def snapshot_steps(self) -> np.ndarray:
        """Steps at which snapshots are taken, shape (n_snapshots,)."""
        return self.snapshot_every * np.arange(1, self.n_snapshots + 1, dtype=np.int64)

    def target_temperatures(self, t_start: float, t_end: float) -> np.ndarray:
        """Thermostat target temperature at every snapshot, shape (n_snapshots,), in ε/k_B."""
        return t_start + (t_end - t_start) * self.snapshot_steps() / self.t_cool


@dataclass(frozen=True)
class Protocol:
    """Physical and numerical parameters of a run (taken from a :class:`~glasslib.profiles.Profile`)."""

    n_particles: int
    density: float
    fraction_a: float
    timestep: float
    t_start: float
    t_end: float
    thermostat_damping: float
    fire_etol: float
    fire_ftol: float
    init_fire_maxiter: int
    is_fire_maxiter: int
    equilibration_steps: int = 0

    @property
    def box_length(self) -> float:
        """Side of the square periodic box, σ: sqrt(N / density)."""
        return float(np.sqrt(self.n_particles / self.density))

    @property
    def equilibration_tau(self) -> float:
        """Time each run is held at ``t_start`` before its ramp, τ (0: the published protocol)."""
        return self.equilibration_steps * self.timestep

    @property
    def n_type_a(self) -> int:
        """Number of A particles, round(fraction_a · N)."""
        return int(round(self.fraction_a * self.n_particles))
