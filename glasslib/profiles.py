"""The scales the book runs at: ``smoke``, ``quick`` (default) and ``paper`` (SPEC section 11).

A :class:`Profile` is a frozen dataclass with one home per parameter: each field carries its
default (the paper's value), its meaning, unit, valid range (or choices) and group in the field's
metadata (:func:`param`). :func:`get_profile` returns a profile by name with validated
overrides, from Python keyword arguments, ``--set key=value`` strings on the command line, or a
notebook's papermill parameters (read by :mod:`glasslib.profile_values`). Unknown keys and
out-of-range values raise :class:`ProfileError` naming the key and the valid choices, before
anything is started.

Lists are tuples: data sets ``tuple[int, ...]`` (``classifier_datasets=(1, 6)``), temperatures,
shares and window sides ``tuple[float, ...]``, and ``cost_steps`` a tuple of ``(model, steps)``
pairs (``(("I", 20), ("II", 2))``); an override may give them as ``"1,6"``, ``[1, 6]`` or ``1``.
Each field belongs to one of :data:`GROUPS`; :meth:`Profile.group_fields` lists a group's fields,
and the fields a product depends on are named from them (:meth:`Profile.simulation_fields`).

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

from glasslib.profile_values import DATASET_LISTS as DATASET_LISTS
from glasslib.profile_values import ProfileError, as_text, check_profile, convert
from glasslib.protocol import CoolingSchedule, Protocol

DEFAULT_PROFILE = "quick"

#: The groups of profile fields, in the order of :class:`Profile`, with what they set.
GROUPS: dict[str, str] = {
    "system": "the particles and the box (SPEC 1)",
    "protocol": "one run: temperatures, ramps, thermostat, start, seed and minimiser (SPEC 2)",
    "campaign": "how many runs of each cooling schedule",
    "execution": "how the book runs (workers, processes), never part of a product's provenance",
    "tg": "the glass transition temperature (SPEC 3)",
    "datasets": "the data sets (SPEC 4)",
    "classifiers": "the classifiers' nested cross-validation and cost study (SPEC 5-7)",
    "gradcam": "Grad-CAM (chapter 04b)",
    "dynamics": "the iso-configurational ensembles (SPEC 10, chapter 09)",
    "propensity": "the propensity networks (chapter 09)",
}
#: The reference models of chapter 05's cost study (``cost_steps``).
COST_MODELS = ("I", "I+attention", "II", "III")


def param(
    default: Any,
    meaning: str,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    *,
    group: str,
) -> Any:
    """A profile field: its default (the paper's value), meaning, unit, valid range or choices, and group.

    For a tuple field the range and choices hold for each item (for ``(name, count)`` pairs, each
    name). Fields of the group ``execution`` (``metadata["execution"]``) set how the book runs, not
    what it computes: they never enter a product's provenance.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown profile field group {group!r}; the groups are {', '.join(GROUPS)}")
    metadata = {
        "meaning": meaning,
        "unit": unit,
        "range": (low, high),
        "choices": choices,
        "group": group,
        "execution": group == "execution",
    }
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Profile:
    """Every parameter of one scale of the book. Units are LJ units; steps are MD timesteps."""

    name: str
    n_particles: int = param(4320, "particles N", "", 20, 10_000_000, group="system")
    density: float = param(1.2, "number density N/L²", "σ⁻²", 0.05, 3.0, group="system")
    fraction_a: float = param(0.65, "fraction of A particles", "", 0.01, 0.99, group="system")
    timestep: float = param(0.005, "MD timestep", "τ", 1e-5, 0.02, group="protocol")
    t_start: float = param(2.0, "start temperature", "ε/k_B", 0.01, 20.0, group="protocol")
    t_end: float = param(0.05, "end temperature", "ε/k_B", 0.001, 20.0, group="protocol")
    thermostat_damping: float = param(0.5, "Nosé–Hoover damping", "τ", 0.001, 1000.0, group="protocol")
    t_cool_slow: int = param(20_000_000, "slow ramp length", "steps", 10, 10**10, group="protocol")
    t_cool_fast: int = param(200_000, "fast ramp length", "steps", 10, 10**10, group="protocol")
    snapshot_every_slow: int = param(100_000, "snapshot interval, slow", "steps", 1, 10**10, group="protocol")
    snapshot_every_fast: int = param(
        1_000,
        "snapshot interval, fast (paper column: ours; the paper's 10⁵ leaves 2 snapshots of its fast ramp)",
        "steps",
        1,
        10**10,
        group="protocol",
    )
    equilibration_steps: int = param(  # held at t_start under the ramp's thermostat, fresh velocities; 0: published
        0, "steps at t_start before the ramp (0: the published protocol)", "steps", 0, 10**10, group="protocol"
    )
    runs_per_schedule: int = param(10_000, "independent runs per schedule", "", 2, 10**7, group="campaign")
    shared_start: bool = param(
        True, "every run starts from one shared configuration (else each from its own; chapter 03)", group="protocol"
    )
    seed: int = param(2020, "master seed", "", 0, 2**31 - 2, group="protocol")
    fire_etol: float = param(1e-10, "FIRE energy tolerance", "", 0.0, 1.0, group="protocol")
    fire_ftol: float = param(1e-5, "FIRE force tolerance", "ε/σ", 0.0, 10.0, group="protocol")
    init_fire_maxiter: int = param(1_000, "FIRE iterations, initial configuration", "", 1, 10**9, group="protocol")
    is_fire_maxiter: int = param(10_000_000, "FIRE iterations, inherent structures", "", 1, 10**9, group="protocol")
    workers: int = param(0, "Dask workers (0 = one per core)", "", 0, 4096, group="execution")
    dask_processes: bool = param(True, "Dask worker processes (else threads); see `glasslib bench campaign`", group="execution")
    machine_timing: str = param(  # brief: a few seconds, the figures labelled as such
        "full", "how chapter 10 times this machine (full: about 75 s)", choices=("full", "brief"), group="execution"
    )
    tg_bootstrap: int = param(1000, "bootstrap resamples for Tg", "", 10, 10**6, group="tg")
    tg_min_points: int = param(3, "least temperatures per Tg regime", "", 2, 1000, group="tg")
    liquid_temperatures: str = param(
        "paper",
        "liquid temperatures of data sets 1-5: the paper's, or the same place relative to Tg",
        choices=("paper", "tg_relative"),
        group="datasets",
    )
    graph_figure_l_win: float = param(0.2, "window side of chapter 03's graph figure", "box lengths", 0.05, 0.95, group="datasets")
    classifier_datasets: tuple[int, ...] = param((1, 2, 3, 4, 5, 6), "data sets the classifiers train on", "", 1, 6, group="classifiers")
    inner_split: tuple[float, ...] = param(
        (0.8, 0.1, 0.1), "inner train, validation, inner test shares of the runs outside an outer test set", group="classifiers"
    )
    cnn_iterations: int = param(15, "CNN: TPE iterations per inner search", "", 1, 10_000, group="classifiers")
    cnn_inner_epochs: int = param(10, "CNN: epochs per inner trial", "", 1, 10_000, group="classifiers")
    cnn_outer_epochs: int = param(10, "CNN: epochs of the outer model", "", 1, 10_000, group="classifiers")
    cnn_batch_max: int = param(100, "CNN: largest batch size searched (10 … this, step 10)", "", 10, 100, group="classifiers")
    cnn_paper_datasets: tuple[int, ...] = param(
        (1, 2, 3, 4, 5, 6), "data sets the paper's CNN trains on (those also in classifier_datasets)", "", 1, 6, group="classifiers"
    )
    cnn_pooled_iterations: int = param(15, "reduced-scale CNN: TPE iterations per inner search", "", 1, 10_000, group="classifiers")
    cnn_pooled_inner_epochs: int = param(10, "reduced-scale CNN: epochs per inner trial", "", 1, 10_000, group="classifiers")
    cnn_pooled_outer_epochs: int = param(10, "reduced-scale CNN: epochs of the outer model", "", 1, 10_000, group="classifiers")
    reference_cnn: str = param(
        "cnn", "the CNN that Grad-CAM, the probes and the comparisons read", choices=("cnn", "cnn_pooled"), group="classifiers"
    )
    dmpnn_iterations: int = param(15, "D-MPNN: TPE iterations per inner search", "", 1, 10_000, group="classifiers")
    dmpnn_inner_epochs: int = param(10, "D-MPNN: epochs per inner trial", "", 1, 10_000, group="classifiers")
    dmpnn_outer_epochs: int = param(10, "D-MPNN: epochs of the outer model", "", 1, 10_000, group="classifiers")
    dmpnn_hidden_max: int = param(2400, "D-MPNN: largest hidden size searched (300 … this, step 100)", "", 300, 2400, group="classifiers")
    dmpnn_depth_max: int = param(6, "D-MPNN: most message-passing steps searched", "", 2, 6, group="classifiers")
    dmpnn_l_win_min: float = param(0.1, "D-MPNN: smallest window side searched (step 0.05)", "box lengths", 0.05, 0.95, group="classifiers")
    dmpnn_l_win_max: float = param(0.3, "D-MPNN: largest window side searched", "box lengths", 0.05, 0.95, group="classifiers")
    dmpnn_windows_per_epoch: int = param(1, "D-MPNN: fresh windows per training configuration and epoch", "", 1, 1000, group="classifiers")
    dmpnn_eval_windows: int = param(3, "D-MPNN: fixed windows averaged per configuration at evaluation", "", 1, 1000, group="classifiers")
    dmpnn_radius: float = param(0.0, "inherent D-MPNN: radius cut-off searched beside kNN (0: kNN)", "σ", 0.0, 5.0, group="classifiers")
    dmpnn_paper_datasets: tuple[int, ...] = param(
        (1, 2, 3, 4, 5, 6),
        "data sets the paper-feature D-MPNN trains on (those also in classifier_datasets)",
        "",
        1,
        6,
        group="classifiers",
    )
    dmpnn_invariant_datasets: tuple[int, ...] = param(
        (5, 6), "data sets the invariant-feature D-MPNN trains on (those also in classifier_datasets)", "", 1, 6, group="classifiers"
    )
    reference_dmpnn: str = param(
        "dmpnn", "the D-MPNN the comparisons with the CNN read", choices=("dmpnn", "dmpnn_invariant"), group="classifiers"
    )
    attention_features: str = param(
        "paper", "node features of chapter 06's attention D-MPNN", choices=("paper", "invariant"), group="classifiers"
    )
    cost_l_wins: tuple[float, ...] = param(
        (0.1, 0.15, 0.2, 0.25, 0.3), "D-MPNN cost study: window sides timed", "box lengths", group="classifiers"
    )
    cost_steps: tuple[tuple[str, int], ...] = param(
        (), "D-MPNN cost study: timed steps per reference model (empty = the bench's own)", choices=COST_MODELS, group="classifiers"
    )
    continuation_steps: int = param(2000, "MD steps of the continuation runs that measure mobility", "steps", 1, 10**9, group="gradcam")
    dynamics_temperatures: tuple[float, ...] = param(
        (0.55, 0.5, 0.45), "temperatures of the supercooled liquids (above the slow Tg)", "ε/k_B", group="dynamics"
    )
    dynamics_configurations: int = param(400, "configurations per temperature (from slow runs 0, 1, …)", "", 1, 10**6, group="dynamics")
    dynamics_runs: int = param(32, "iso-configurational runs per configuration", "", 2, 10**4, group="dynamics")
    dynamics_equilibration: int = param(
        2_000_000, "fixed-T equilibration of each configuration before its ensemble", "steps", 1, 10**10, group="dynamics"
    )
    dynamics_t_max: int = param(1_000_000, "last recorded time of an iso-configurational run", "steps", 2, 10**10, group="dynamics")
    dynamics_records: int = param(24, "log-spaced recorded times per run", "", 2, 1000, group="dynamics")
    propensity_epochs: int = param(200, "propensity networks: epochs (one configuration per step)", "", 1, 100_000, group="propensity")
    propensity_folds: int = param(
        5, "propensity networks: folds of configurations (each predicted by a network that never saw it)", "", 2, 1000, group="propensity"
    )
    propensity_input: str = param("inherent", "positions the propensity networks read", choices=("thermal", "inherent"), group="propensity")
    propensity_learning_rates: tuple[float, ...] = param(
        (1e-2,), "propensity networks: Adam learning rates searched per fold on validation (one: none)", "", 1e-6, 1.0, group="propensity"
    )

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
    def group_fields(*groups: str) -> tuple[str, ...]:
        """The fields of the named :data:`GROUPS`, in the order of the dataclass."""
        if unknown := set(groups) - set(GROUPS):
            raise ValueError(f"unknown profile field groups {sorted(unknown)}; the groups are {', '.join(GROUPS)}")
        return tuple(f.name for f in fields(Profile) if f.metadata.get("group") in groups)

    @staticmethod
    def dynamics_fields() -> tuple[str, ...]:
        """The fields chapter 09's iso-configurational ensembles depend on, besides the simulations (group ``dynamics``)."""
        return Profile.group_fields("dynamics")

    @staticmethod
    def simulation_fields() -> tuple[str, ...]:
        """The fields a stored simulation run depends on (groups ``system`` and ``protocol``).

        The physics first (:class:`Protocol`'s fields, in its order), then the ramps, the shared start
        and the seed.
        """
        physics = tuple(f.name for f in fields(Protocol))
        return (*physics, *(key for key in Profile.group_fields("system", "protocol") if key not in physics))

    def simulation_hash(self) -> str:
        """SHA-256 of every parameter a stored simulation run depends on.

        Changing the number of runs, workers or analysis settings keeps the hash, so finished runs
        stay valid; changing the physics or the ramp changes it, so stored runs become stale.
        """
        payload = json.dumps(
            {k: getattr(self, k) for k in sorted(self.simulation_fields()) if not is_neutral(k, getattr(self, k))}, sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def settings_hash(self) -> str:
        """SHA-256 of every field that changes what the book computes (execution fields left out).

        A list field enters in its compact text form (``"1,2,3"``, ``"I:20,II:2"``), the form lists
        had before they were typed as tuples, so a profile's hash did not change with its representation.
        """
        payload = {
            f.name: _compact(getattr(self, f.name))
            for f in fields(self)
            if f.name != "name" and not f.metadata.get("execution") and not is_neutral(f.name, getattr(self, f.name))
        }
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
        return self.classifier_datasets

    def inner_split_fractions(self) -> tuple[float, float, float]:
        """``inner_split`` as three floats (train, validation, inner test)."""
        train, validation, test = self.inner_split
        return train, validation, test

    def model_ids(self, key: str) -> tuple[int, ...]:
        """The data sets of profile field ``key`` (e.g. ``cnn_paper_datasets``) that the classifiers train on;
        the last of ``classifier_datasets`` when the two lists share none."""
        wanted = set(getattr(self, key))
        return tuple(i for i in self.dataset_ids() if i in wanted) or self.dataset_ids()[-1:]

    def as_dict(self) -> dict[str, Any]:
        """All fields as JSON values (tuples become lists)."""
        return json.loads(json.dumps({f.name: getattr(self, f.name) for f in fields(self)}))

    def differences(self) -> dict[str, tuple[Any, Any]]:
        """Fields that differ from the ``paper`` profile: ``{key: (this value, paper value)}``."""
        paper = PROFILES["paper"]
        return {
            f.name: (getattr(self, f.name), getattr(paper, f.name))
            for f in fields(self)
            if f.name != "name" and getattr(self, f.name) != getattr(paper, f.name)
        }


#: Fields added after runs and results were hashed, with the value that keeps the earlier behaviour (out of both hashes there).
ADDED_FIELDS: dict[str, Any] = {"equilibration_steps": 0, "dmpnn_radius": 0.0, "propensity_learning_rates": (1e-2,)}


def is_neutral(key: str, value: Any) -> bool:
    """Whether ``key`` holds the value it was added with (:data:`ADDED_FIELDS`), and so stays out of the hashes."""
    return key in ADDED_FIELDS and value == ADDED_FIELDS[key]


def _compact(value: Any) -> Any:
    """A tuple field as compact text (``(1, 6)`` → ``"1,6"``, ``(("I", 20),)`` → ``"I:20"``); other values as they are."""
    return as_text(value).replace(", ", ",").replace(": ", ":") if isinstance(value, tuple) else value


def field_info(key: str) -> Mapping[str, Any]:
    """The metadata of profile field ``key``: meaning, unit, range, choices, group (one of :data:`GROUPS`), execution."""
    return {f.name: f for f in fields(Profile)}[key].metadata


# One key that sets several: ``t_cool`` cools both schedules over the same number of steps.
_ALIASES: dict[str, tuple[str, ...]] = {"t_cool": ("t_cool_slow", "t_cool_fast")}

PROFILES: dict[str, Profile] = {
    "paper": Profile(name="paper"),
    "quick": Profile(
        name="quick",
        n_particles=720,
        t_cool_slow=100_000,
        t_cool_fast=25_000,  # 125 τ: at 50 τ the fast curve barely showed a liquid regime (slopes 0.035 against 0.019)
        snapshot_every_slow=5_000,
        snapshot_every_fast=1_250,
        runs_per_schedule=40,
        # 600 τ held at T = 2. 8 held runs fall into the band of independent liquids from ≈ 175 τ (chapter 01), but
        # 40 runs resolve less: after a 300 τ hold the fast glasses kept a mean overlap ≈ 0.04 and cued data set 6.
        equilibration_steps=120_000,
        inner_split=(0.5, 0.3, 0.2),  # validation 10 runs = 20 configurations (80/10/10: 3 runs, 6 configurations)
        is_fire_maxiter=100_000,
        tg_bootstrap=300,
        liquid_temperatures="tg_relative",
        graph_figure_l_win=0.3,
        cnn_iterations=2,
        cnn_inner_epochs=1,  # the paper's CNN cannot learn from ~58 images anyway (chapter 04); 04 must stay < 10 min
        cnn_outer_epochs=3,
        cnn_batch_max=30,
        cnn_paper_datasets=(1, 6),
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
        dmpnn_paper_datasets=(1, 6),
        dmpnn_invariant_datasets=(1, 2, 3, 4, 5, 6),
        reference_dmpnn="dmpnn_invariant",
        cost_l_wins=(0.1, 0.15, 0.2),
        cost_steps=(("I", 20), ("I+attention", 10), ("II", 2), ("III", 1)),
        dynamics_temperatures=(0.7, 0.6),
        dynamics_configurations=8,
        dynamics_runs=8,
        dynamics_equilibration=60_000,  # 300 τ: ≈ 9 τ_α at T = 0.6 (τ_α ≈ 33 τ from absolute displacements, N = 720)
        dynamics_t_max=30_000,  # 150 τ: ≈ 4.5 τ_α at T = 0.6
        dynamics_records=16,
        propensity_epochs=60,  # at 30 both T = 0.6 folds kept their last epoch; at 60 they stop improving (epochs 7-36)
        propensity_folds=2,
        # Thermal positions (the paper's): at τ_α (cage-relative, paired, 60 epochs) the equivariant network reads both
        # equally (T = 0.6: 0.29 vs 0.28 from inherent structures, Δ −0.01 [−0.03, +0.01]; T = 0.7: 0.30 both).
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
        classifier_datasets=(1,),
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
        cost_l_wins=(0.1,),
        cost_steps=(("I", 3), ("I+attention", 2), ("II", 1), ("III", 1)),
        continuation_steps=500,
        dynamics_temperatures=(1.2, 0.9),
        dynamics_configurations=3,
        dynamics_runs=4,
        dynamics_equilibration=6_000,  # 30 τ: ≈ 6 τ_α at T = 0.9 (N = 200)
        dynamics_t_max=3_000,  # 15 τ: past the cage-relative τ_α at T = 0.9 (≈ 11 τ), where chapter 09 compares its models
        dynamics_records=8,
        propensity_epochs=2,
        propensity_folds=3,
        machine_timing="brief",  # the tests need the code path, not the figures
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


def _field_types() -> dict[str, str]:
    """Each field's annotation (``"int"``, ``"tuple[float, ...]"`` …), which :func:`convert` reads."""
    return {f.name: str(f.type) for f in fields(Profile) if f.name != "name"}


def dynamics_temperatures(profile: Profile) -> tuple[float, ...]:
    """The temperatures of chapter 09's supercooled liquids, ε/k_B, in the order the profile lists them."""
    return profile.dynamics_temperatures


def cost_settings(profile: Profile) -> dict[str, Any]:
    """Window sides and timed steps of chapter 05's training-cost study (``glasslib.bench.dmpnn.bench_dmpnn``)."""
    return {"l_wins": profile.cost_l_wins, "steps": dict(profile.cost_steps) or None}


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
        ``{key: value}``; values may be strings (from ``--set``), and a tuple field's a list or one
        number (:func:`glasslib.profile_values.convert`).
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
            changes[target] = convert(key, raw, types[target])
    profile = dataclasses.replace(base, **changes)
    check_profile(profile)
    return profile
