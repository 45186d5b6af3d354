"""The scales the book runs at: ``smoke``, ``quick`` (default) and ``paper`` (SPEC section 11).

A :class:`Profile` is a frozen dataclass with one home per parameter: each field carries its
default (the paper's value), its meaning, unit and valid range (or choices) in the field's
metadata (:func:`param`). :func:`get_profile` returns a profile by name with validated
overrides, from Python keyword arguments, ``--set key=value`` strings on the command line, or a
notebook's papermill parameters. Unknown keys and out-of-range values raise
:class:`ProfileError` naming the key and the valid choices, before anything is started.

Profile-dependent choices are fields too (e.g. :attr:`Profile.liquid_temperatures`,
:attr:`Profile.graph_figure_l_win`): no code asks which profile it runs under.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from glasslib.simulation.protocol import CoolingSchedule, Protocol

DEFAULT_PROFILE = "quick"


class ProfileError(ValueError):
    """A profile name, override key or value that is not valid."""


def param(
    default: Any,
    meaning: str,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    execution: bool = False,
) -> Any:
    """A profile field: its default (the paper's value), meaning, unit and valid range or choices.

    ``execution=True`` marks how the book runs (workers, processes), not what it computes: such
    fields never enter a product's provenance.
    """
    return field(
        default=default, metadata={"meaning": meaning, "unit": unit, "range": (low, high), "choices": choices, "execution": execution}
    )


@dataclass(frozen=True)
class Profile:
    """Every parameter of one scale of the book. Units are LJ units; steps are MD timesteps."""

    name: str
    # --- system (SPEC 1)
    n_particles: int = param(4320, "particles N", "", 20, 10_000_000)
    density: float = param(1.2, "number density N/L²", "σ⁻²", 0.05, 3.0)
    fraction_a: float = param(0.65, "fraction of A particles", "", 0.01, 0.99)
    # --- protocol (SPEC 2)
    timestep: float = param(0.005, "MD timestep", "τ", 1e-5, 0.02)
    t_start: float = param(2.0, "start temperature", "ε/k_B", 0.01, 20.0)
    t_end: float = param(0.05, "end temperature", "ε/k_B", 0.001, 20.0)
    thermostat_damping: float = param(0.5, "Nosé–Hoover damping", "τ", 0.001, 1000.0)
    t_cool_slow: int = param(20_000_000, "slow ramp length", "steps", 10, 10**10)
    t_cool_fast: int = param(200_000, "fast ramp length", "steps", 10, 10**10)
    snapshot_every_slow: int = param(100_000, "snapshot interval, slow", "steps", 1, 10**10)
    snapshot_every_fast: int = param(
        1_000, "snapshot interval, fast (paper column: ours; the paper's 10⁵ leaves 2 snapshots of its fast ramp)", "steps", 1, 10**10
    )
    runs_per_schedule: int = param(10_000, "independent runs per schedule", "", 2, 10**7)
    shared_start: bool = param(True, "every run starts from one shared configuration (else each from its own; chapter 03)")
    seed: int = param(2020, "master seed", "", 0, 2**31 - 2)
    fire_etol: float = param(1e-10, "FIRE energy tolerance", "", 0.0, 1.0)
    fire_ftol: float = param(1e-5, "FIRE force tolerance", "ε/σ", 0.0, 10.0)
    init_fire_maxiter: int = param(1_000, "FIRE iterations, initial configuration", "", 1, 10**9)
    is_fire_maxiter: int = param(10_000_000, "FIRE iterations, inherent structures", "", 1, 10**9)
    # --- execution (never part of a product's provenance)
    workers: int = param(0, "Dask workers (0 = one per core)", "", 0, 4096, execution=True)
    dask_processes: bool = param(True, "Dask worker processes (else threads); see `glasslib bench campaign`", execution=True)
    # --- Tg (SPEC 3)
    tg_bootstrap: int = param(1000, "bootstrap resamples for Tg", "", 10, 10**6)
    tg_min_points: int = param(3, "least temperatures per Tg regime", "", 2, 1000)
    # --- data sets (SPEC 4)
    liquid_temperatures: str = param(
        "paper", "liquid temperatures of data sets 1-5: the paper's, or the same place relative to Tg", choices=("paper", "tg_relative")
    )
    graph_figure_l_win: float = param(0.2, "window side of chapter 03's graph figure", "box lengths", 0.05, 0.95)
    # --- classifiers: nested cross-validation (SPEC 5-7)
    classifier_datasets: str = param("1,2,3,4,5,6", "data sets the classifiers train on")
    inner_split: str = param("0.8,0.1,0.1", "inner train, validation, inner test shares of the runs outside an outer test set")
    cnn_iterations: int = param(15, "CNN: TPE iterations per inner search", "", 1, 10_000)
    cnn_inner_epochs: int = param(10, "CNN: epochs per inner trial", "", 1, 10_000)
    cnn_outer_epochs: int = param(10, "CNN: epochs of the outer model", "", 1, 10_000)
    cnn_batch_max: int = param(100, "CNN: largest batch size searched (10 … this, step 10)", "", 10, 100)
    cnn_paper_datasets: str = param("1,2,3,4,5,6", "data sets the paper's CNN trains on (those also in classifier_datasets)")
    cnn_pooled_iterations: int = param(15, "reduced-scale CNN: TPE iterations per inner search", "", 1, 10_000)
    cnn_pooled_inner_epochs: int = param(10, "reduced-scale CNN: epochs per inner trial", "", 1, 10_000)
    cnn_pooled_outer_epochs: int = param(10, "reduced-scale CNN: epochs of the outer model", "", 1, 10_000)
    reference_cnn: str = param("cnn", "the CNN that Grad-CAM, the probes and the comparisons read", choices=("cnn", "cnn_pooled"))
    dmpnn_iterations: int = param(15, "D-MPNN: TPE iterations per inner search", "", 1, 10_000)
    dmpnn_inner_epochs: int = param(10, "D-MPNN: epochs per inner trial", "", 1, 10_000)
    dmpnn_outer_epochs: int = param(10, "D-MPNN: epochs of the outer model", "", 1, 10_000)
    dmpnn_hidden_max: int = param(2400, "D-MPNN: largest hidden size searched (300 … this, step 100)", "", 300, 2400)
    dmpnn_depth_max: int = param(6, "D-MPNN: most message-passing steps searched", "", 2, 6)
    dmpnn_l_win_min: float = param(0.1, "D-MPNN: smallest window side searched (step 0.05)", "box lengths", 0.05, 0.95)
    dmpnn_l_win_max: float = param(0.3, "D-MPNN: largest window side searched", "box lengths", 0.05, 0.95)
    dmpnn_windows_per_epoch: int = param(1, "D-MPNN: fresh windows per training configuration and epoch", "", 1, 1000)
    dmpnn_eval_windows: int = param(3, "D-MPNN: fixed windows averaged per configuration at evaluation", "", 1, 1000)
    dmpnn_paper_datasets: str = param("1,2,3,4,5,6", "data sets the paper-feature D-MPNN trains on (those also in classifier_datasets)")
    dmpnn_invariant_datasets: str = param("5,6", "data sets the invariant-feature D-MPNN trains on (those also in classifier_datasets)")
    reference_dmpnn: str = param("dmpnn", "the D-MPNN the comparisons with the CNN read", choices=("dmpnn", "dmpnn_invariant"))
    attention_features: str = param("paper", "node features of chapter 06's attention D-MPNN", choices=("paper", "invariant"))
    cost_l_wins: str = param("0.1,0.15,0.2,0.25,0.3", "D-MPNN cost study: window sides timed", "box lengths")
    cost_steps: str = param("", "D-MPNN cost study: timed steps per reference model ('' = the bench's own)")
    # --- Grad-CAM (chapter 04b)
    continuation_steps: int = param(2000, "MD steps of the continuation runs that measure mobility", "steps", 1, 10**9)
    # --- dynamics: iso-configurational ensembles (SPEC 10, chapter 09)
    dynamics_temperatures: str = param("0.55,0.5,0.45", "temperatures of the supercooled liquids (above the slow Tg)", "ε/k_B")
    dynamics_configurations: int = param(400, "configurations per temperature (from slow runs 0, 1, …)", "", 1, 10**6)
    dynamics_runs: int = param(32, "iso-configurational runs per configuration", "", 2, 10**4)
    dynamics_equilibration: int = param(2_000_000, "fixed-T equilibration of each configuration before its ensemble", "steps", 1, 10**10)
    dynamics_t_max: int = param(1_000_000, "last recorded time of an iso-configurational run", "steps", 2, 10**10)
    dynamics_records: int = param(24, "log-spaced recorded times per run", "", 2, 1000)
    propensity_epochs: int = param(200, "propensity networks: epochs (one configuration per step)", "", 1, 100_000)
    propensity_folds: int = param(
        5, "propensity networks: folds of configurations (each predicted by a network that never saw it)", "", 2, 1000
    )
    propensity_input: str = param("inherent", "positions the propensity networks read", choices=("thermal", "inherent"))

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

    @staticmethod
    def dynamics_fields() -> tuple[str, ...]:
        """The fields chapter 09's iso-configurational ensembles depend on, besides the simulations."""
        return tuple(f.name for f in fields(Profile) if f.name.startswith("dynamics_"))

    @staticmethod
    def simulation_fields() -> tuple[str, ...]:
        """The fields a stored simulation run depends on: the physics, the ramps and the seed."""
        return (
            *(f.name for f in fields(Protocol)),
            "t_cool_slow",
            "t_cool_fast",
            "snapshot_every_slow",
            "snapshot_every_fast",
            "shared_start",
            "seed",
        )

    def simulation_hash(self) -> str:
        """SHA-256 of every parameter a stored simulation run depends on.

        Changing the number of runs, workers or analysis settings keeps the hash, so finished runs
        stay valid; changing the physics or the ramp changes it, so stored runs become stale.
        """
        payload = json.dumps({k: getattr(self, k) for k in sorted(self.simulation_fields())}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def settings_hash(self) -> str:
        """SHA-256 of every field that changes what the book computes (execution fields left out)."""
        payload = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "name" and not f.metadata.get("execution")}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

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

    def dataset_ids(self) -> tuple[int, ...]:
        """The data sets the classifier chapters train on, e.g. ``(1, 2, 3, 4, 5, 6)``."""
        return _ids(self.classifier_datasets)

    def inner_split_fractions(self) -> tuple[float, float, float]:
        """``inner_split`` as three floats (train, validation, inner test)."""
        train, validation, test = _parse_floats("inner_split", self.inner_split)
        return train, validation, test

    def model_ids(self, key: str) -> tuple[int, ...]:
        """The data sets of profile field ``key`` (e.g. ``cnn_paper_datasets``) that the classifiers train on;
        the last of ``classifier_datasets`` when the two lists share none."""
        wanted = set(_ids(getattr(self, key)))
        return tuple(i for i in self.dataset_ids() if i in wanted) or self.dataset_ids()[-1:]

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


def field_info(key: str) -> Mapping[str, Any]:
    """The metadata of profile field ``key``: meaning, unit, range, choices, execution."""
    return {f.name: f for f in fields(Profile)}[key].metadata


# One key that sets several: ``t_cool`` cools both schedules over the same number of steps.
_ALIASES: dict[str, tuple[str, ...]] = {"t_cool": ("t_cool_slow", "t_cool_fast")}

PROFILES: dict[str, Profile] = {
    "paper": Profile(name="paper"),
    "quick": Profile(
        name="quick",
        n_particles=720,
        t_cool_slow=100_000,
        t_cool_fast=10_000,
        snapshot_every_slow=5_000,
        snapshot_every_fast=500,
        runs_per_schedule=40,
        inner_split="0.5,0.3,0.2",  # validation 10 runs = 20 configurations (80/10/10: 3 runs, 6 configurations)
        shared_start=False,  # with one shared start the liquids of data set 1 and the fast glasses remember it (chapter 03)
        is_fire_maxiter=100_000,
        tg_bootstrap=300,
        liquid_temperatures="tg_relative",
        graph_figure_l_win=0.3,
        cnn_iterations=2,
        cnn_inner_epochs=1,  # the paper's CNN cannot learn from ~58 images anyway (chapter 04); 04 must stay < 10 min
        cnn_outer_epochs=3,
        cnn_batch_max=30,
        cnn_paper_datasets="1,6",
        cnn_pooled_iterations=3,
        cnn_pooled_inner_epochs=6,
        cnn_pooled_outer_epochs=20,
        reference_cnn="cnn_pooled",
        dmpnn_iterations=2,
        dmpnn_inner_epochs=1,  # a 12-configuration inner test set barely ranks settings: steps go to the outer model
        dmpnn_hidden_max=300,
        dmpnn_depth_max=3,
        dmpnn_l_win_min=0.3,
        dmpnn_l_win_max=0.45,
        dmpnn_outer_epochs=8,
        dmpnn_windows_per_epoch=3,  # ~45 Adam steps per outer model with 1 (no learning); ~215 with 3 and 8 epochs
        dmpnn_eval_windows=8,  # a configuration's prediction averages 8 windows (each sees 9-20 % of the box)
        dmpnn_paper_datasets="1,6",
        dmpnn_invariant_datasets="1,2,3,4,5,6",
        reference_dmpnn="dmpnn_invariant",
        cost_l_wins="0.1,0.15,0.2",
        cost_steps="I:20,I+attention:10,II:2,III:1",
        dynamics_temperatures="0.7,0.6",
        dynamics_configurations=8,
        dynamics_runs=8,
        dynamics_equilibration=60_000,  # 300 τ: ≈ 9 τ_α at T = 0.6 (τ_α ≈ 33 τ from absolute displacements, N = 720)
        dynamics_t_max=30_000,  # 150 τ: ≈ 4.5 τ_α at T = 0.6
        dynamics_records=16,
        propensity_epochs=30,
        propensity_folds=2,
        # Thermal positions: with 4 training configurations per fold, both networks learn propensity
        # better from them than from inherent structures (T = 0.6, cage-relative, equivariant: ρ 0.37
        # against 0.30; plain 0.20 against 0.25; T = 0.7: 0.49 against 0.44), at the same cost.
        propensity_input="thermal",
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
        liquid_temperatures="tg_relative",
        graph_figure_l_win=0.3,
        classifier_datasets="1",
        cnn_iterations=1,
        cnn_inner_epochs=1,
        cnn_outer_epochs=1,
        cnn_batch_max=20,
        cnn_pooled_iterations=1,
        cnn_pooled_inner_epochs=1,
        cnn_pooled_outer_epochs=2,
        reference_cnn="cnn_pooled",
        dmpnn_iterations=1,
        dmpnn_inner_epochs=1,
        dmpnn_outer_epochs=2,
        dmpnn_hidden_max=300,
        dmpnn_depth_max=3,
        dmpnn_l_win_min=0.5,
        dmpnn_l_win_max=0.6,
        cost_l_wins="0.1",
        cost_steps="I:3,I+attention:2,II:1,III:1",
        continuation_steps=500,
        dynamics_temperatures="1.2,0.9",
        dynamics_configurations=3,
        dynamics_runs=4,
        dynamics_equilibration=6_000,  # 30 τ: ≈ 6 τ_α at T = 0.9 (N = 200)
        dynamics_t_max=2_000,
        dynamics_records=8,
        propensity_epochs=2,
        propensity_folds=3,
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


def _check_field(profile: Profile, key: str) -> None:
    """The value of ``key`` lies in its range or among its choices (field metadata)."""
    info, value = field_info(key), getattr(profile, key)
    low, high = info["range"]
    if low is not None and not low <= value <= high:
        raise ProfileError(f"{key}={value!r} is out of range: it must lie in [{low}, {high}]")
    if info["choices"] and value not in info["choices"]:
        raise ProfileError(f"{key}={value!r}: choose one of {', '.join(info['choices'])}")


def _parse_floats(key: str, text: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise ProfileError(f"{key}={text!r}: give comma-separated numbers, e.g. '0.1,0.2'") from None


def dynamics_temperatures(profile: Profile) -> tuple[float, ...]:
    """The temperatures of chapter 09's supercooled liquids, ε/k_B, in the order the profile lists them."""
    return tuple(_parse_floats("dynamics_temperatures", profile.dynamics_temperatures))


def cost_settings(profile: Profile) -> dict[str, Any]:
    """Window sides and timed steps of chapter 05's training-cost study (``glasslib.bench.dmpnn.bench_dmpnn``)."""
    steps = dict(pair.split(":") for pair in profile.cost_steps.replace(" ", "").split(",") if pair)
    return {
        "l_wins": tuple(_parse_floats("cost_l_wins", profile.cost_l_wins)),
        "steps": {name: int(n) for name, n in steps.items()} or None,
    }


#: Profile fields that list data sets; each model's list is intersected with the first.
DATASET_LISTS = ("classifier_datasets", "cnn_paper_datasets", "dmpnn_paper_datasets", "dmpnn_invariant_datasets")


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(i) for i in text.replace(" ", "").split(","))


def _validate(profile: Profile) -> Profile:
    for f in fields(Profile):
        if f.name != "name":
            _check_field(profile, f.name)
    if profile.t_end >= profile.t_start:
        raise ProfileError(f"t_end={profile.t_end} must be below t_start={profile.t_start}")
    for key in DATASET_LISTS:
        ids = getattr(profile, key).replace(" ", "").split(",")
        if not ids or any(i not in {"1", "2", "3", "4", "5", "6"} for i in ids) or len(set(ids)) != len(ids):
            raise ProfileError(f"{key}={getattr(profile, key)!r}: give distinct data sets from 1-6, e.g. '1,2,3,4,5,6'")
    shares = _parse_floats("inner_split", profile.inner_split)
    if len(shares) != 3 or min(shares) <= 0 or abs(sum(shares) - 1) > 1e-9:
        raise ProfileError(f"inner_split={profile.inner_split!r}: give three positive shares summing to 1, e.g. '0.8,0.1,0.1'")
    if profile.dmpnn_l_win_min > profile.dmpnn_l_win_max:
        raise ProfileError(f"dmpnn_l_win_min={profile.dmpnn_l_win_min} exceeds dmpnn_l_win_max={profile.dmpnn_l_win_max}")
    if not all(0 < v < 1 for v in _parse_floats("cost_l_wins", profile.cost_l_wins)):
        raise ProfileError(f"cost_l_wins={profile.cost_l_wins!r}: window sides lie in (0, 1)")
    for pair in filter(None, profile.cost_steps.replace(" ", "").split(",")):
        name, sep, count = pair.partition(":")
        if not sep or name not in {"I", "I+attention", "II", "III"} or not count.isdigit():
            raise ProfileError(
                f"cost_steps={profile.cost_steps!r}: give model:steps pairs, models I, I+attention, II, III, e.g. 'I:20,II:2'"
            )
    temperatures = _parse_floats("dynamics_temperatures", profile.dynamics_temperatures)
    if (
        not temperatures
        or len(set(temperatures)) != len(temperatures)
        or not all(profile.t_end < t < profile.t_start for t in temperatures)
    ):
        raise ProfileError(
            f"dynamics_temperatures={profile.dynamics_temperatures!r}: give distinct temperatures between "
            f"t_end={profile.t_end} and t_start={profile.t_start} (the slow ramp passes them), e.g. '0.7,0.6'"
        )
    if profile.propensity_folds > profile.dynamics_configurations:
        raise ProfileError(
            f"propensity_folds={profile.propensity_folds} exceeds dynamics_configurations={profile.dynamics_configurations}: "
            "every fold needs a configuration to test on"
        )
    if profile.dynamics_configurations > profile.runs_per_schedule:
        raise ProfileError(
            f"dynamics_configurations={profile.dynamics_configurations} exceeds runs_per_schedule={profile.runs_per_schedule}: "
            "each configuration comes from its own slow run"
        )
    if profile.t_cool_fast > profile.t_cool_slow:
        raise ProfileError(
            f"t_cool_fast={profile.t_cool_fast} exceeds t_cool_slow={profile.t_cool_slow}: "
            "the slow schedule must not be faster than the fast one"
        )
    for name in ("slow", "fast"):
        t_cool = getattr(profile, f"t_cool_{name}")
        every = getattr(profile, f"snapshot_every_{name}")
        if t_cool % every or t_cool // every < 2:
            raise ProfileError(f"snapshot_every_{name}={every} must divide t_cool_{name}={t_cool} into at least 2 snapshots")
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
