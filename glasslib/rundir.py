"""The run directory contract: every product of ``runs/<profile>/``, where it lives, who writes it, what it depends on.

Each product has one path (:func:`product_path`), one writer chapter, one ``save_*``/``load_*``
pair in the module named in :data:`PRODUCTS`, and one atomic write (:mod:`glasslib.atomic`).
No notebook spells a path.

Variants
--------
Every product but the simulation store lives under its own hash (``{variant}``: the first
:data:`VARIANT_CHARS` hex digits of :func:`product_hash`), the way jupyter-cache and DVC address
content: ``tg/3f2a9c01b7de.json``. A batch run with overrides (papermill ``-y 'overrides:
{tg_min_points: 4}'``, ``--set``) therefore writes its products *beside* the default run's, never
over them, and reads the variant its settings name; products whose settings it does not touch (the
simulations, here) are shared. ``glasslib runs`` lists a run directory's variants with their sizes
and removes one (:mod:`glasslib.run_variants`). The simulation store (``sim/``) is addressed by the
simulation hash instead: the run directory's label changes with the physics
(:attr:`glasslib.profiles.Profile.label`), and each run file records the hash it was simulated with.

========================  ===============================================  ==========  ============================
product                   path                                             written by  save / load
========================  ===============================================  ==========  ============================
``profile``               ``profile/{variant}.json``                       01          campaign.write_profile_json
``simulations``           ``sim/<schedule>/run_NNNNN.h5``                  01          simulation.store
``dump``                  ``sim/slow_run00000.dump``                       01          simulation.lammps_files
``tg``                    ``tg/{variant}.json``                            02          simulation.tg
``datasets``              ``datasets/{variant}/dataset_<d>.h5``            03          data.datasets
``model``                 ``models/<model>/{variant}/``                    04, 05      models.fold_results
``cross_dataset``         ``cross_dataset/<model>/{variant}.json``         04, 05      chapters.classifiers
``probe``                 ``probe/<model>/{variant}.json``                 04          interpretation.artificial_probe
``baselines``             ``baselines/{variant}.json``                     05b         chapters.ch05b_reading
``attention``             ``attention/{variant}.json``                     06          interpretation.attention_counts
``metrics``               ``metrics/{variant}.json``                       07          metrics.kink
``ensembles``             ``ensembles/{variant}/T<T>/ensemble_NNNNN.h5``   09          simulation.isoconfigurational
``dynamics``              ``dynamics/{variant}.json``                      09          chapters.ch09_dynamics
``readings``              ``readings/{variant}.json``                      09          chapters.ch09_readings
``machine_figures``       ``machine_figures/{variant}.json``               10          chapters.ch10_paper_scale
========================  ===============================================  ==========  ============================

Provenance
----------
A product's hash (:func:`product_hash`) digests exactly the profile settings it depends on, the code-level inputs it
reads (``inputs``: the renderer's colours and dot size for a CNN, the graph rules for a D-MPNN) and the hashes of the
products it is built from, recursively — so ``tg`` depends on ``tg_min_points`` and on the simulations, the data sets
on ``tg``, a model on its budgets and the data sets. Every stored product records its provenance (:func:`provenance`:
hash, settings, upstream hashes); a reader finds the product under the hash the current profile expects and checks the
recorded one. When that variant is missing but others of the same product are stored, the error is
:class:`StaleProductError`, naming the settings that differ and the chapter to rerun. Execution settings (workers,
processes) never enter a hash. A run directory written before variants (contract 1: ``tg.json`` at the top) is
reported stale, never misread and never deleted.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glasslib import __version__
from glasslib.atomic import remove_partial_files, write_json_atomic
from glasslib.product_inputs import BASELINE_INPUTS, QUENCH_RULE, classifier_inputs, classifier_settings, every_setting
from glasslib.profiles import Profile, is_neutral
from glasslib.variant_paths import PROVENANCE_FILE, VARIANT_CHARS, root_pattern, stored_variants

#: Bump to make every stored product stale (a change of the contract itself). 2: products under their variant.
CONTRACT_VERSION = 2


class ProductError(RuntimeError):
    """A product of the run directory that cannot be used: missing, stale or corrupt; the message says what to run."""


class MissingProductError(ProductError):
    """A product that has not been written yet."""


class StaleProductError(ProductError):
    """A product written with other settings, or built from other upstream products, than the profile asks for."""


@dataclass(frozen=True)
class Product:
    """One product of the run directory.

    Attributes
    ----------
    name : str — key in :data:`PRODUCTS`.
    pattern : str — path relative to the run directory, with ``{key}`` placeholders (e.g. ``{model}``)
        and ``{variant}``, which the product's hash fills (none: the simulation store).
    writer : str — the notebook that writes it (named in every error).
    settings : tuple of profile fields it depends on, or a function of the keys giving them.
    upstream : products it is built from (same keys passed on).
    io : the module holding its ``save_*``/``load_*`` pair.
    inputs : function of the keys giving ``"module:NAME"`` references to code-level inputs that enter the hash
        (a mapping of constants, e.g. the renderer's colours), resolved when a hash is computed.
    legacy : where contract 1 (before variants) stored it: found there, it is reported stale, never read.
    """

    name: str
    pattern: str
    writer: str
    settings: tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]] = ()
    upstream: tuple[str, ...] = ()
    io: str = ""
    inputs: Callable[[Mapping[str, Any]], tuple[str, ...]] | None = None
    legacy: str = ""

    def settings_for(self, keys: Mapping[str, Any]) -> tuple[str, ...]:
        """The profile fields this product depends on (for keyed products, e.g. a model's budgets)."""
        return self.settings(keys) if callable(self.settings) else self.settings

    @property
    def has_variants(self) -> bool:
        """Whether the product lives under its hash (every product but the simulation store)."""
        return "{variant}" in self.pattern


_NOTEBOOK = "notebooks/{}.ipynb".format
_CLASSIFIERS = "notebooks/04_cnn.ipynb (cnn) or notebooks/05_dmpnn.ipynb (D-MPNNs)"
PRODUCTS: dict[str, Product] = {
    p.name: p
    for p in (
        Product(
            "profile",
            "profile/{variant}.json",
            _NOTEBOOK("01_simulation"),
            settings=every_setting,
            io="glasslib.simulation.campaign",
            legacy="profile.json",
        ),
        Product(
            "simulations",
            "sim",
            _NOTEBOOK("01_simulation"),
            settings=(*Profile.simulation_fields(), "runs_per_schedule"),
            io="glasslib.simulation.store",
        ),
        Product(
            "dump", "sim/slow_run00000.dump", _NOTEBOOK("01_simulation"), upstream=("simulations",), io="glasslib.simulation.lammps_files"
        ),
        Product(
            "memory_decay",
            "memory_decay/{variant}.json",
            _NOTEBOOK("01_simulation"),
            settings=("seed",),
            upstream=("simulations",),
            io="glasslib.data.memory_decay",
            inputs=lambda keys: ("glasslib.data.memory_decay:DECAY",),
        ),
        Product(
            "tg",
            "tg/{variant}.json",
            _NOTEBOOK("02_tg"),
            settings=("tg_bootstrap", "tg_min_points", "seed"),
            upstream=("simulations",),
            io="glasslib.simulation.tg",
            legacy="tg.json",
        ),
        Product(
            "datasets",
            "datasets/{variant}/dataset_{dataset}.h5",
            _NOTEBOOK("03_datasets"),
            settings=("liquid_temperatures", "inner_split", "seed"),
            upstream=("tg",),
            io="glasslib.data.datasets",
            inputs=lambda keys: QUENCH_RULE,
            legacy="datasets/dataset_{dataset}.h5",
        ),
        Product("start_cue", "start_cue/{variant}.json", _NOTEBOOK("03_datasets"), upstream=("datasets",), io="glasslib.data.start_memory"),
        Product(
            "model",
            "models/{model}/{variant}",
            _CLASSIFIERS,
            settings=classifier_settings,
            upstream=("datasets",),
            io="glasslib.models.fold_results",
            inputs=classifier_inputs,
            legacy="models/{model}/*.result.json",
        ),
        Product(
            "cross_dataset",
            "cross_dataset/{model}/{variant}.json",
            _CLASSIFIERS,
            upstream=("model",),
            io="glasslib.chapters.classifiers",
            legacy="models/{model}/cross_dataset.json",
        ),
        Product(
            "probe",
            "probe/{model}/{variant}.json",
            _NOTEBOOK("04_cnn"),
            upstream=("model",),
            io="glasslib.interpretation.artificial_probe",
            legacy="models/{model}/probe.json",
        ),
        Product(
            "baselines",
            "baselines/{variant}.json",
            _NOTEBOOK("05b_reading"),
            settings=("seed",),
            upstream=("datasets",),
            io="glasslib.chapters.ch05b_reading",
            inputs=lambda keys: BASELINE_INPUTS,
        ),
        Product(
            "attention",
            "attention/{variant}.json",
            _NOTEBOOK("06_attention"),
            upstream=("model", "datasets"),
            io="glasslib.interpretation.attention_counts",
            legacy="attention.json",
        ),
        Product(
            "metrics",
            "metrics/{variant}.json",
            _NOTEBOOK("07_metrics"),
            upstream=("tg",),
            inputs=lambda keys: (*QUENCH_RULE, "glasslib.structure.inherent_ramp:RAMP_QUENCH_RUNS"),
            io="glasslib.structure.kink",
            legacy="metrics.json",
        ),
        Product(
            "ensembles",
            "ensembles/{variant}/T{temperature}/ensemble_{configuration:05d}.h5",
            _NOTEBOOK("09_dynamics"),
            settings=(*Profile.dynamics_fields(), "is_fire_maxiter", "seed"),
            upstream=("simulations",),
            io="glasslib.simulation.isoconfigurational",
            legacy="dynamics/T{temperature}/ensemble_{configuration:05d}.h5",
        ),
        Product(
            "dynamics",
            "dynamics/{variant}.json",
            _NOTEBOOK("09_dynamics"),
            settings=("propensity_epochs", "propensity_folds", "propensity_input", "propensity_learning_rates", "seed"),
            upstream=("ensembles",),
            io="glasslib.chapters.ch09_dynamics",
            legacy="dynamics.json",
        ),
        Product(
            "readings",
            "readings/{variant}.json",
            _NOTEBOOK("09_dynamics"),
            settings=("fire_ftol", "is_fire_maxiter", "seed"),
            upstream=("ensembles", "model", "attention"),
            io="glasslib.chapters.ch09_readings",
            inputs=lambda keys: QUENCH_RULE,  # it quenches the ensembles' starts as the data sets were
            legacy="readings.json",
        ),
        Product(
            "machine_figures",
            "machine_figures/{variant}.json",
            _NOTEBOOK("10_paper_scale"),
            io="glasslib.chapters.ch10_paper_scale",
            legacy="machine_figures.json",
        ),
    )
}
#: Keys a keyed product's upstream takes by default (the attention chapter reads the attention model).
_UPSTREAM_KEYS: dict[tuple[str, str], dict[str, Any]] = {("attention", "model"): {"model": "dmpnn_attention"}}


def product(name: str) -> Product:
    """The product ``name``; a clear error listing the valid names."""
    if name not in PRODUCTS:
        raise KeyError(f"no run-directory product {name!r}; the products are {', '.join(PRODUCTS)}")
    return PRODUCTS[name]


def _format(pattern: str, name: str, **keys: Any) -> str:
    try:
        return pattern.format(**keys)
    except KeyError as err:
        raise KeyError(f"product {name!r} needs the key {err} to name its path ({pattern})") from None


def variant_of(product_hash_: str) -> str:
    """The variant name of a product hash: its first :data:`VARIANT_CHARS` hex digits."""
    return product_hash_[:VARIANT_CHARS]


def path_for_hash(run_dir: Path | str, name: str, expected_hash: str, **keys: Any) -> Path:
    """Where the variant of product ``name`` with hash ``expected_hash`` lives (for Dask tasks, which carry hashes)."""
    return Path(run_dir) / _format(product(name).pattern, name, variant=variant_of(expected_hash), **keys)


def product_path(run_dir: Path | str, name: str, profile: Profile | None = None, **keys: Any) -> Path:
    """Where product ``name`` lives in ``run_dir`` for ``profile`` (``keys`` fill its placeholders, e.g. ``dataset=1``).

    Every product but the simulation store needs the profile: its hash names the variant.
    """
    spec = product(name)
    if not spec.has_variants:
        return Path(run_dir) / _format(spec.pattern, name, **keys)
    if profile is None:
        raise TypeError(f"product {name!r} lives under its variant: product_path needs the profile")
    return path_for_hash(run_dir, name, product_hash(profile, name, **keys), **keys)


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _upstream_keys(name: str, upstream: str, keys: Mapping[str, Any]) -> dict[str, Any]:
    wanted = {**keys, **_UPSTREAM_KEYS.get((name, upstream), {})}
    placeholders = {k for k in ("model", "dataset") if "{" + k + "}" in PRODUCTS[upstream].pattern}
    if upstream == "datasets":
        return {}  # a product built on the data sets depends on all of them (one settings hash)
    return {k: v for k, v in wanted.items() if k in placeholders}


def code_inputs(references: tuple[str, ...]) -> dict[str, Any]:
    """The constants named by ``"module:NAME"`` references (imported when a hash is computed, so no layer imports upwards)."""
    out: dict[str, Any] = {}
    for reference in references:
        module, _, attribute = reference.partition(":")
        out[reference] = getattr(importlib.import_module(module), attribute)
    return out


def provenance(profile: Profile, name: str, **keys: Any) -> dict[str, Any]:
    """What product ``name`` depends on under ``profile``: its settings, code inputs, upstream hashes and its own hash.

    The hash is a pure function of the profile (and the keys), so a reader needs no other file to
    know which product it expects.
    """
    spec = product(name)
    wanted = spec.settings_for(keys)  # a field at the value it was added with stays out (profiles.ADDED_FIELDS)
    settings = {k: v for k, v in profile.as_dict().items() if k in wanted and not is_neutral(k, getattr(profile, k))}
    upstream = {u: provenance(profile, u, **_upstream_keys(name, u, keys))["hash"] for u in spec.upstream}
    root = root_pattern(spec.pattern) if spec.has_variants else spec.pattern  # keys below the variant (a file in it) do not name it
    keyed = {k: v for k, v in keys.items() if "{" + k + "}" in root and k != "dataset"}
    body = {"contract": CONTRACT_VERSION, "product": name, "keys": keyed, "settings": settings, "upstream": upstream}
    if spec.inputs is not None:
        body["inputs"] = code_inputs(spec.inputs(keys))
    return {**body, "hash": _digest(body)}


def product_hash(profile: Profile, name: str, **keys: Any) -> str:
    """The hash product ``name`` must record to be current under ``profile`` (see :func:`provenance`)."""
    return provenance(profile, name, **keys)["hash"]


def stamp(profile: Profile, name: str, **keys: Any) -> dict[str, Any]:
    """The provenance record a writer stores with a product: :func:`provenance` plus profile label and versions."""
    return {**provenance(profile, name, **keys), "profile": profile.label, "glasslib": __version__}


def _json(value: Any) -> str:
    """A value as its provenance record stores it (tuples read back as lists)."""
    return json.dumps(value, sort_keys=True, default=str)


def _changes(recorded: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """What differs between a recorded provenance and the expected one, in words."""
    changed = [
        f"{k}={recorded.get('settings', {}).get(k)!r} (now {v!r})"
        for k, v in expected["settings"].items()
        if recorded.get("settings", {}).get(k) != v
    ]
    changed += [f"upstream {u} rebuilt since" for u, h in expected["upstream"].items() if recorded.get("upstream", {}).get(u) != h]
    before, now = recorded.get("inputs") or {}, expected.get("inputs") or {}
    moved = sorted(k for k in {*before, *now} if _json(before.get(k)) != _json(now.get(k)))
    if moved:  # JSON on both sides: a recorded tuple reads back as a list
        changed.append(f"the code-level inputs it reads changed ({', '.join(moved)})")
    return changed


def check_provenance(recorded: Mapping[str, Any] | None, profile: Profile, name: str, path: Path, **keys: Any) -> None:
    """Raise :class:`StaleProductError` unless ``recorded`` is the provenance ``profile`` expects.

    The message names what differs (settings and upstream products) and the chapter to rerun.
    """
    expected = provenance(profile, name, **keys)
    if recorded and recorded.get("hash") == expected["hash"]:
        return
    writer = product(name).writer
    if not recorded or "settings" not in recorded:
        raise StaleProductError(
            f"{path} was written before products recorded their provenance (an older "
            f"glasslib): rerun {writer} with this profile to rebuild it"
        )
    raise StaleProductError(
        f"{path} is stale for profile {profile.label}: {'; '.join(_changes(recorded, expected)) or 'written by another contract version'}. "
        f"Rerun {writer}."
    )


def missing_error(run_dir: Path | str, name: str, profile: Profile | None, path: Path, **keys: Any) -> ProductError:
    """The error for a product not found at ``path``: stale when other variants (or a contract-1 copy) exist, else missing.

    A stale message names the settings the stored variants were written with that differ from
    ``profile``'s; nothing is read from them and nothing is deleted.
    """
    writer = product(name).writer
    legacy = product(name).legacy
    old = sorted(Path(run_dir).glob(_format(legacy, name, **keys))) if legacy else []
    if old:
        return StaleProductError(
            f"{path} is missing, and {old[0]} was written by an older glasslib "
            f"(before products were stored under their variant): rerun {writer} with this profile; the old file is left as it is"
        )
    others = [
        (v.variant, v.provenance)
        for v in stored_variants(Path(run_dir), product(name).pattern, keys)
        if v.provenance is not None and v.path not in (path, *path.parents)
    ]
    if others:
        expected = provenance(profile, name, **keys) if profile is not None else None
        described = [
            f"{variant} ({'; '.join(_changes(recorded, expected) if expected else []) or 'other settings'})" for variant, recorded in others
        ]
        return StaleProductError(
            f"{path} is missing{f' for profile {profile.label}' if profile else ''}; what the run directory holds is stale for it: "
            f"{name} for other settings only, variant {', '.join(described)}. Rerun {writer} with this profile and overrides."
        )
    return MissingProductError(f"{path} is missing: run {writer} first, with the same profile and overrides")


def record_variant(run_dir: Path | str, profile: Profile, name: str, **keys: Any) -> Path:
    """Create the folder of a folder-valued variant (data sets, a model, ensembles) with its provenance; return the folder.

    ``glasslib runs`` reads ``provenance.json`` to say what the variant was computed with.
    """
    variant = variant_of(product_hash(profile, name, **keys))
    folder = Path(run_dir) / _format(root_pattern(product(name).pattern), name, variant=variant, **keys)
    record = folder / PROVENANCE_FILE
    if not record.is_file():
        write_json_atomic(record, {"provenance": stamp(profile, name, **keys)})
    return folder


def write_json_product(run_dir: Path | str, profile: Profile, name: str, payload: Mapping[str, Any], **keys: Any) -> Path:
    """Write a JSON product atomically, under its variant, with its provenance under the key ``"provenance"``."""
    return write_json_atomic(product_path(run_dir, name, profile, **keys), {"provenance": stamp(profile, name, **keys), **payload})


def read_json(path: Path, writer: str) -> dict[str, Any]:
    """A JSON file of the run directory: a clear error naming ``writer`` if it is missing or corrupt."""
    if not path.is_file():
        raise MissingProductError(f"{path} is missing: run {writer} first, with the same profile and overrides")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ProductError(f"{path}: corrupt JSON ({err}); delete it and rerun {writer}") from None


def read_json_product(run_dir: Path | str, profile: Profile, name: str, **keys: Any) -> dict[str, Any]:
    """A JSON product, checked: missing, corrupt or stale products raise errors naming the chapter to run."""
    path = product_path(run_dir, name, profile, **keys)
    if not path.is_file():
        raise missing_error(run_dir, name, profile, path, **keys)
    payload = read_json(path, product(name).writer)
    check_provenance(payload.get("provenance"), profile, name, path, **keys)
    return payload


def read_hashed_json(path: Path | str, expected_hash: str, writer: str) -> dict[str, Any]:
    """A JSON file inside a product that records one ``profile_hash`` (e.g. a fold result), checked.

    For files written by Dask tasks, which carry a product's hash rather than the profile.
    """
    payload = read_json(Path(path), writer)
    if payload.get("profile_hash") != expected_hash:
        raise StaleProductError(f"{path}: stale, built from other data sets, settings or an older glasslib; rerun {writer}")
    return payload


def prepare(run_dir: Path | str) -> Path:
    """Create ``run_dir`` and remove what killed writers left anywhere in it; return it as a Path."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    remove_partial_files(run_dir)
    return run_dir


def resolve(profile: Profile, run_dir: Path | str | None = None) -> Path:
    """The run directory of ``profile`` (``run_dir`` if given, else ``runs/<label>``), prepared."""
    return prepare(Path(run_dir) if run_dir else profile.run_dir())
