"""Inherent-structure inputs: configurations FIRE-quenched until the force criterion is met (SPEC section 12).

A thermal snapshot carries its temperature in its vibrations; its inherent structure — the local
minimum FIRE reaches from it — does not. Every configuration of a data set is quenched with the
campaign's minimiser and the SPEC's force tolerance (``fire_ftol``, 10⁻⁵ ε/σ), the energy criterion
switched off (:func:`glasslib.simulation.minimisation_check.force_only`: chapter 02 measured that the
energy criterion alone stops at ‖F‖ ≈ 10⁻² ε/σ), and at most ``is_fire_maxiter`` iterations. A
configuration that does not reach the tolerance is kept, **flagged** (:attr:`Quench.converged`) and
counted; a chapter that reads inherent positions leaves it out.

Each quench also records how much of the configuration **rearranged** on the way down: the share of
particles it moved farther than :data:`REARRANGED_DISTANCE` (half a diameter, beyond any vibration
about a site). Steepest descent from a hot liquid crosses into neighbouring arrangements (at quick, up
to a third of a T ≈ 2 liquid's particles; none of a glass's); a quench that rearranges more than
:data:`REARRANGED_TOLERANCE` of the configuration is flagged like a capped one
(:mod:`glasslib.data.inherent_inputs`).

The quenches are independent Dask tasks (:mod:`glasslib.cluster`), one per configuration.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from glasslib.cluster import dask_client, run_tasks
from glasslib.profiles import Profile
from glasslib.protocol import Protocol
from glasslib.simulation.minimisation_check import force_only

#: A particle moved farther than this by its quench has left its site, σ.
REARRANGED_DISTANCE = 0.5

#: Largest share of particles a quench may move farther than :data:`REARRANGED_DISTANCE`; beyond it the
#: inherent structure is flagged (its basin is not the configuration's neighbourhood).
REARRANGED_TOLERANCE = 0.5


#: The per-configuration records of a quench besides its positions.
QUENCH_FIELDS = ("energy", "fnorm", "iterations", "displacement_max", "displacement_rms", "rearranged")


@dataclass(frozen=True)
class Quench:
    """M configurations quenched.

    Attributes
    ----------
    positions : (M, N, 2) inherent-structure positions, σ, wrapped into [0, L).
    energy : (M,) inherent-structure energy per particle, ε.
    fnorm : (M,) final force norm, ε/σ; iterations : (M,) FIRE iterations.
    displacement_max, displacement_rms : (M,) how far the quench moved the particles, σ (minimum image).
    rearranged : (M,) share of particles moved farther than :data:`REARRANGED_DISTANCE`.
    ftol : the force tolerance asked, ε/σ.
    """

    positions: np.ndarray
    energy: np.ndarray
    fnorm: np.ndarray
    iterations: np.ndarray
    displacement_max: np.ndarray
    displacement_rms: np.ndarray
    rearranged: np.ndarray
    ftol: float

    @property
    def converged(self) -> np.ndarray:
        """(M,) bool: the force criterion met."""
        return self.fnorm <= self.ftol

    @property
    def usable(self) -> np.ndarray:
        """(M,) bool: converged, and rearranged within :data:`REARRANGED_TOLERANCE`."""
        return self.converged & (self.rearranged <= REARRANGED_TOLERANCE)


def quench_one(protocol: Protocol, positions: np.ndarray, types: np.ndarray, index: int) -> tuple[int, dict[str, Any]]:
    """One configuration (a Dask task): ``(index, {positions, energy, fnorm, iterations, displacement_max,
    displacement_rms, rearranged})``."""
    from glasslib.simulation.driver import inherent_structure

    start = np.mod(np.asarray(positions, float), protocol.box_length)
    minimum = inherent_structure(protocol, start, types)
    delta = minimum["positions"] - start
    delta -= protocol.box_length * np.round(delta / protocol.box_length)
    moved = np.hypot(delta[:, 0], delta[:, 1])
    return index, {
        "positions": minimum["positions"],
        "energy": float(minimum["particle_energy"].mean()),
        "fnorm": float(minimum["fnorm"]),
        "iterations": int(minimum["iterations"]),
        "displacement_max": float(moved.max()),
        "displacement_rms": float(np.sqrt(np.mean(moved**2))),
        "rearranged": float(np.mean(moved > REARRANGED_DISTANCE)),
    }


def quench(profile: Profile, positions_sigma: np.ndarray, types: np.ndarray, scheduler: Any = None, progress: bool = True) -> Quench:
    """Quench every configuration of ``positions_sigma`` (M, N, 2) σ on the force criterion (module docstring)."""
    positions = np.asarray(positions_sigma, dtype=float)
    if positions.ndim != 3 or positions.shape[1:] != (len(types), 2):
        raise ValueError(f"configurations must be (M, {len(types)}, 2) σ, got {positions.shape}")
    protocol = force_only(profile.protocol, profile.fire_ftol, profile.is_fire_maxiter)
    tasks = [
        (f"quench-{i}-{hashlib.sha1(p.tobytes()).hexdigest()[:16]}", quench_one, (protocol, p, np.asarray(types), i))
        for i, p in enumerate(positions)
    ]
    with dask_client(profile, scheduler) as client:
        done = dict(run_tasks(client, tasks, f"inherent structures ({profile.label})", "configuration", progress))
    rows = [done[i] for i in range(len(positions))]
    return Quench(
        positions=np.stack([r["positions"] for r in rows]),
        ftol=float(profile.fire_ftol),
        **{key: np.array([r[key] for r in rows]) for key in QUENCH_FIELDS},
    )
