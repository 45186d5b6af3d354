"""The scales the book runs at: ``smoke``, ``quick`` (default) and ``paper`` (SPEC section 11).

A :class:`Profile` is a frozen dataclass; :func:`get_profile` returns one by name with validated
overrides, from Python keyword arguments, ``--set key=value`` strings on the command line, or a
notebook's papermill parameters. Unknown keys and out-of-range values raise
:class:`ProfileError` naming the key and the valid choices, before anything is started.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Mapping

from glasslib.sim import CoolingSchedule, Protocol

DEFAULT_PROFILE = "quick"


class ProfileError(ValueError):
    """A profile name, override key or value that is not valid."""


@dataclass(frozen=True)
class Profile:
    """Every parameter of one scale of the book. Units are LJ units; steps are MD timesteps."""

    name: str
    # --- system (SPEC 1)
    n_particles: int
    density: float = 1.2
    fraction_a: float = 0.65
    # --- protocol (SPEC 2)
    timestep: float = 0.005
    t_start: float = 2.0
    t_end: float = 0.05
    thermostat_damping: float = 0.5
    t_cool_slow: int = 20_000_000
    t_cool_fast: int = 200_000
    snapshot_every_slow: int = 100_000
    snapshot_every_fast: int = 1_000
    runs_per_schedule: int = 10_000
    seed: int = 2020
    fire_etol: float = 1e-10
    fire_ftol: float = 1e-5
    init_fire_maxiter: int = 1_000
    is_fire_maxiter: int = 10_000_000
    # --- execution
    workers: int = 0  # Dask workers; 0 = one per CPU core
    dask_processes: bool = True  # worker processes (True) or threads (False); see `glasslib bench sim`
    # --- Tg (SPEC 3)
    tg_bootstrap: int = 1000
    tg_min_points: int = 3
    # --- classifiers: nested cross-validation (SPEC 5-7)
    classifier_datasets: str = "1,2,3,4,5,6"  # data sets the classifier chapters train on
    cnn_iterations: int = 15  # TPE iterations of each inner search
    cnn_inner_epochs: int = 10
    cnn_outer_epochs: int = 10
    cnn_batch_max: int = 100  # upper end of the batch-size search (10 … this, step 10)
    dmpnn_iterations: int = 15
    dmpnn_inner_epochs: int = 10
    dmpnn_outer_epochs: int = 10
    dmpnn_hidden_max: int = 2400  # upper end of the hidden-size search (300 … this, step 100)
    dmpnn_depth_max: int = 6
    dmpnn_l_win_min: float = 0.1  # window side search range, box lengths (step 0.05)
    dmpnn_l_win_max: float = 0.3

    # ------------------------------------------------------------------ derived objects
    @property
    def protocol(self) -> Protocol:
        """The physics of one run."""
        return Protocol(**{f.name: getattr(self, f.name) for f in fields(Protocol)})

    @property
    def schedules(self) -> dict[str, CoolingSchedule]:
        """The two cooling schedules, slow first."""
        return {
            "slow": CoolingSchedule("slow", self.t_cool_slow, self.snapshot_every_slow),
            "fast": CoolingSchedule("fast", self.t_cool_fast, self.snapshot_every_fast),
        }

    def simulation_hash(self) -> str:
        """SHA-256 of every parameter a stored simulation run depends on.

        Changing the number of runs, workers or analysis settings keeps the hash, so finished runs
        stay valid; changing the physics or the ramp changes it, so stored runs become stale.
        """
        keys = [f.name for f in fields(Protocol)] + [
            "t_cool_slow", "t_cool_fast", "snapshot_every_slow", "snapshot_every_fast", "seed",
        ]
        payload = json.dumps({k: getattr(self, k) for k in sorted(keys)}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def label(self) -> str:
        """The name, suffixed with a short hash when overrides change the simulations."""
        base = PROFILES[self.name]
        if self.simulation_hash() == base.simulation_hash():
            return self.name
        return f"{self.name}-{self.simulation_hash()[:8]}"

    def run_dir(self, root: Path | None = None) -> Path:
        """Default run directory of this profile, ``<root>/runs/<label>``."""
        return (root or runs_root()) / self.label

    def as_dict(self) -> dict[str, Any]:
        """All fields, JSON-serialisable."""
        return dataclasses.asdict(self)

    def differences(self) -> dict[str, tuple[Any, Any]]:
        """Fields that differ from the ``paper`` profile: ``{key: (this value, paper value)}``."""
        paper = PROFILES["paper"]
        return {
            f.name: (getattr(self, f.name), getattr(paper, f.name))
            for f in fields(self)
            if f.name != "name" and getattr(self, f.name) != getattr(paper, f.name)
        }


# Ranges checked on every override: key -> (low, high), inclusive.
_RANGES: dict[str, tuple[float, float]] = {
    "n_particles": (20, 10_000_000),
    "density": (0.05, 3.0),
    "fraction_a": (0.01, 0.99),
    "timestep": (1e-5, 0.02),
    "t_start": (0.01, 20.0),
    "t_end": (0.001, 20.0),
    "thermostat_damping": (0.001, 1000.0),
    "t_cool_slow": (10, 10**10),
    "t_cool_fast": (10, 10**10),
    "snapshot_every_slow": (1, 10**10),
    "snapshot_every_fast": (1, 10**10),
    "runs_per_schedule": (2, 10**7),
    "seed": (0, 2**31 - 2),
    "fire_etol": (0.0, 1.0),
    "fire_ftol": (0.0, 10.0),
    "init_fire_maxiter": (1, 10**9),
    "is_fire_maxiter": (1, 10**9),
    "workers": (0, 4096),
    "tg_bootstrap": (10, 10**6),
    "tg_min_points": (2, 1000),
    "cnn_iterations": (1, 10_000),
    "cnn_inner_epochs": (1, 10_000),
    "cnn_outer_epochs": (1, 10_000),
    "cnn_batch_max": (10, 100),
    "dmpnn_iterations": (1, 10_000),
    "dmpnn_inner_epochs": (1, 10_000),
    "dmpnn_outer_epochs": (1, 10_000),
    "dmpnn_hidden_max": (300, 2400),
    "dmpnn_depth_max": (2, 6),
    "dmpnn_l_win_min": (0.05, 0.95),
    "dmpnn_l_win_max": (0.05, 0.95),
}
# One key that sets several: ``t_cool`` cools both schedules over the same number of steps.
_ALIASES: dict[str, tuple[str, ...]] = {"t_cool": ("t_cool_slow", "t_cool_fast")}

PROFILES: dict[str, Profile] = {
    "paper": Profile(name="paper", n_particles=4320),
    "quick": Profile(
        name="quick",
        n_particles=720,
        t_cool_slow=100_000,
        t_cool_fast=10_000,
        snapshot_every_slow=5_000,
        snapshot_every_fast=500,
        runs_per_schedule=40,
        is_fire_maxiter=100_000,
        tg_bootstrap=300,
        cnn_iterations=2,
        cnn_inner_epochs=1,  # the CNN cannot learn from ~58 images anyway (chapter 04); 04 must stay < 10 min
        cnn_outer_epochs=3,
        cnn_batch_max=30,
        dmpnn_iterations=3,
        dmpnn_inner_epochs=3,  # 05 took 636 s from scratch with 4 (limit 600)
        dmpnn_outer_epochs=6,
        dmpnn_hidden_max=600,
        dmpnn_depth_max=4,
        dmpnn_l_win_min=0.3,
        dmpnn_l_win_max=0.5,
    ),
    "smoke": Profile(
        name="smoke",
        n_particles=200,
        t_cool_slow=4_000,
        t_cool_fast=800,
        snapshot_every_slow=400,
        snapshot_every_fast=80,
        runs_per_schedule=16,
        is_fire_maxiter=20_000,
        tg_bootstrap=50,
        classifier_datasets="1",
        cnn_iterations=1,
        cnn_inner_epochs=1,
        cnn_outer_epochs=1,
        cnn_batch_max=20,
        dmpnn_iterations=1,
        dmpnn_inner_epochs=1,
        dmpnn_outer_epochs=2,
        dmpnn_hidden_max=300,
        dmpnn_depth_max=3,
        dmpnn_l_win_min=0.5,
        dmpnn_l_win_max=0.6,
    ),
}


def runs_root() -> Path:
    """Folder that holds every profile's run directory: ``$GLASSLIB_RUNS`` or ``<project>/runs``.

    The project root is the nearest folder upwards from the working directory that holds
    ``_toc.yml`` (notebooks run from ``notebooks/``); failing that, the working directory.
    """
    if env := os.environ.get("GLASSLIB_RUNS"):
        return Path(env).expanduser().resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").exists():
            return folder / "runs"
    return here / "runs"


def _convert(key: str, raw: Any, kind: type) -> Any:
    """Convert an override value (possibly a string from the command line) to ``kind``."""
    try:
        if kind is bool:
            if isinstance(raw, str):
                if raw.lower() in {"1", "true", "yes", "on"}:
                    return True
                if raw.lower() in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(raw)
            return bool(raw)
        if kind is int:
            value = float(raw)
            if not value.is_integer():
                raise ValueError(raw)
            return int(value)
        if kind is float:
            return float(raw)
        return kind(raw)
    except (TypeError, ValueError):
        raise ProfileError(f"override {key}={raw!r}: expected a value of type {kind.__name__}") from None


def _field_types() -> dict[str, type]:
    hints = {"int": int, "float": float, "bool": bool, "str": str}
    return {f.name: hints[str(f.type)] for f in fields(Profile) if f.name != "name"}


def _validate(profile: Profile) -> Profile:
    for key, (low, high) in _RANGES.items():
        value = getattr(profile, key)
        if not low <= value <= high:
            raise ProfileError(f"{key}={value!r} is out of range: it must lie in [{low}, {high}]")
    if profile.t_end >= profile.t_start:
        raise ProfileError(f"t_end={profile.t_end} must be below t_start={profile.t_start}")
    ids = profile.classifier_datasets.replace(" ", "").split(",")
    if not ids or any(i not in {"1", "2", "3", "4", "5", "6"} for i in ids) or len(set(ids)) != len(ids):
        raise ProfileError(
            f"classifier_datasets={profile.classifier_datasets!r}: give distinct data sets from 1-6, e.g. '1,2,3,4,5,6'"
        )
    if profile.dmpnn_l_win_min > profile.dmpnn_l_win_max:
        raise ProfileError(f"dmpnn_l_win_min={profile.dmpnn_l_win_min} exceeds dmpnn_l_win_max={profile.dmpnn_l_win_max}")
    if profile.t_cool_fast > profile.t_cool_slow:
        raise ProfileError(
            f"t_cool_fast={profile.t_cool_fast} exceeds t_cool_slow={profile.t_cool_slow}: "
            "the slow schedule must not be faster than the fast one"
        )
    for name in ("slow", "fast"):
        t_cool = getattr(profile, f"t_cool_{name}")
        every = getattr(profile, f"snapshot_every_{name}")
        if t_cool % every or t_cool // every < 2:
            raise ProfileError(
                f"snapshot_every_{name}={every} must divide t_cool_{name}={t_cool} "
                "into at least 2 snapshots"
            )
    return profile


def parse_overrides(pairs: list[str] | None) -> dict[str, str]:
    """``["key=value", ...]`` from the command line into a dict (values stay strings)."""
    overrides: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ProfileError(f"--set expects key=value, got {pair!r}")
        overrides[key.strip()] = value.strip()
    return overrides


def get_profile(name: str | Profile = DEFAULT_PROFILE, overrides: Mapping[str, Any] | None = None, **kwargs: Any) -> Profile:
    """The named profile with overrides applied and validated.

    Parameters
    ----------
    name : str or Profile
        ``"smoke"``, ``"quick"`` or ``"paper"`` (or a Profile, returned re-validated).
    overrides : mapping, optional
        ``{key: value}``; values may be strings (from ``--set``).
    **kwargs
        More overrides, as keyword arguments.

    Raises
    ------
    ProfileError
        Unknown name or key (the message lists the valid ones), a value of the wrong type, or one
        out of range.
    """
    if isinstance(name, Profile):
        base = name
    elif name in PROFILES:
        base = PROFILES[name]
    else:
        raise ProfileError(f"unknown profile {name!r}; choose one of: {', '.join(PROFILES)}")
    requested = {**(overrides or {}), **kwargs}
    types = _field_types()
    changes: dict[str, Any] = {}
    for key, raw in requested.items():
        targets = _ALIASES.get(key, (key,))
        for target in targets:
            if target not in types:
                valid = sorted([*types, *_ALIASES])
                raise ProfileError(f"unknown profile key {key!r}; valid keys: {', '.join(valid)}")
            changes[target] = _convert(key, raw, types[target])
    return _validate(dataclasses.replace(base, **changes))
