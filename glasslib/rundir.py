"""The run directory contract: every product of ``runs/<profile>/``, where it lives, who writes it, what it depends on.

Each product has one path (:func:`product_path`), one writer chapter, one ``save_*``/``load_*``
pair in the module named in :data:`PRODUCTS`, and one atomic write (:mod:`glasslib.atomic`).
No notebook spells a path.

========================  ==================================  =====================  ===========================
product                   path                                written by             save / load
========================  ==================================  =====================  ===========================
``profile``               ``profile.json``                    01 (and ``simulate``)  campaign.write_profile_json
``simulations``           ``sim/<schedule>/run_NNNNN.h5``     01 (and ``simulate``)  simulation.store
``dump``                  ``sim/slow_run00000.dump``          01                     simulation.lammps_files
``tg``                    ``tg.json``                         02                     simulation.tg
``datasets``              ``datasets/dataset_<d>.h5``         03                     data.datasets
``model``                 ``models/<model>/``                  04 (cnn), 05 (dmpnn…)  models.fold_results
``cross_dataset``         ``models/<model>/cross_dataset.json`` 04, 05                models.specs
``probe``                 ``models/cnn/probe.json``           04                     analysis.artificial_probe
``attention``             ``attention.json``                  06                     analysis.attention_counts
``metrics``               ``metrics.json``                    07                     analysis.kink
``ensembles``             ``dynamics/T<T>/ensemble_NNNNN.h5`` 09                     simulation.isoconfigurational
``dynamics``              ``dynamics.json``                   09                     analysis.dynamics_study
``readings``              ``readings.json``                   09                     analysis.motion_readings
========================  ==================================  =====================  ===========================

Provenance
----------
A product's hash (:func:`product_hash`) digests exactly the profile settings it depends on and
the hashes of the products it is built from, recursively — so ``tg`` depends on ``tg_min_points``
and on the simulations, the data sets on ``tg``, a model on its budgets and the data sets. Every
stored product records its provenance (:func:`provenance`: hash, settings, upstream hashes); a
reader compares the recorded hash with the one the current profile expects and, if they differ,
raises :class:`StaleProductError` naming what changed and the chapter to rerun. A papermill batch
run with ``overrides: {tg_min_points: 4}`` therefore records that setting in ``tg.json``; chapter
03 run with the default profile afterwards is told that ``tg.json`` is stale, and data sets built
on the earlier Tg are stale for the new one. Execution settings (workers, processes) never enter
a hash. Products written before this contract carry no provenance and read as stale: they are
rebuilt, never misread (the simulations keep their own simulation hash and stay valid).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glasslib import __version__
from glasslib.atomic import remove_partial_files, write_json_atomic
from glasslib.profiles import Profile

#: Bump to make every stored product stale (a change of the contract itself).
CONTRACT_VERSION = 1


class ProductError(RuntimeError):
    """A product of the run directory that cannot be used: missing, stale or corrupt; the message says what to run."""


class MissingProductError(ProductError):
    """A product that has not been written yet."""


class StaleProductError(ProductError):
    """A product written with other settings, or built from other upstream products, than the profile asks for."""


def _model_settings(keys: Mapping[str, Any]) -> tuple[str, ...]:
    model = keys.get("model")
    common = ("seed",)
    if model in ("cnn", "cnn_pooled"):
        return (*common, f"{model}_iterations", f"{model}_inner_epochs", f"{model}_outer_epochs", "cnn_batch_max")
    return (
        *common,
        "dmpnn_iterations",
        "dmpnn_inner_epochs",
        "dmpnn_outer_epochs",
        "dmpnn_hidden_max",
        "dmpnn_depth_max",
        "dmpnn_l_win_min",
        "dmpnn_l_win_max",
        "dmpnn_windows_per_epoch",
        "dmpnn_eval_windows",
        *(("attention_features",) if model == "dmpnn_attention" else ()),
    )


@dataclass(frozen=True)
class Product:
    """One product of the run directory.

    Attributes
    ----------
    name : str — key in :data:`PRODUCTS`.
    pattern : str — path relative to the run directory, with ``{key}`` placeholders (e.g. ``{model}``).
    writer : str — the notebook that writes it (named in every error).
    settings : tuple of profile fields it depends on, or a function of the keys giving them.
    upstream : products it is built from (same keys passed on).
    io : the module holding its ``save_*``/``load_*`` pair.
    """

    name: str
    pattern: str
    writer: str
    settings: tuple[str, ...] | Callable[[Mapping[str, Any]], tuple[str, ...]] = ()
    upstream: tuple[str, ...] = ()
    io: str = ""

    def settings_for(self, keys: Mapping[str, Any]) -> tuple[str, ...]:
        """The profile fields this product depends on (for keyed products, e.g. a model's budgets)."""
        return self.settings(keys) if callable(self.settings) else self.settings


_NOTEBOOK = "notebooks/{}.ipynb".format
PRODUCTS: dict[str, Product] = {
    p.name: p
    for p in (
        Product("profile", "profile.json", _NOTEBOOK("01_simulation"), io="glasslib.simulation.campaign"),
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
            "tg",
            "tg.json",
            _NOTEBOOK("02_tg"),
            settings=("tg_bootstrap", "tg_min_points", "seed"),
            upstream=("simulations",),
            io="glasslib.simulation.tg",
        ),
        Product(
            "datasets",
            "datasets/dataset_{dataset}.h5",
            _NOTEBOOK("03_datasets"),
            settings=("liquid_temperatures", "inner_split", "seed"),
            upstream=("tg",),
            io="glasslib.data.datasets",
        ),
        Product(
            "model",
            "models/{model}",
            "notebooks/04_cnn.ipynb (cnn) or notebooks/05_dmpnn.ipynb (D-MPNNs)",
            settings=_model_settings,
            upstream=("datasets",),
            io="glasslib.models.fold_results",
        ),
        Product(
            "cross_dataset",
            "models/{model}/cross_dataset.json",
            "notebooks/04_cnn.ipynb (cnn) or notebooks/05_dmpnn.ipynb (D-MPNNs)",
            upstream=("model",),
            io="glasslib.models.specs",
        ),
        Product("probe", "models/{model}/probe.json", _NOTEBOOK("04_cnn"), upstream=("model",), io="glasslib.analysis.artificial_probe"),
        Product(
            "attention",
            "attention.json",
            _NOTEBOOK("06_attention"),
            upstream=("model", "datasets"),
            io="glasslib.analysis.attention_counts",
        ),
        Product("metrics", "metrics.json", _NOTEBOOK("07_metrics"), upstream=("tg",), io="glasslib.analysis.kink"),
        Product(
            "ensembles",
            "dynamics/T{temperature}/ensemble_{configuration:05d}.h5",
            _NOTEBOOK("09_dynamics"),
            settings=(*Profile.dynamics_fields(), "is_fire_maxiter", "seed"),
            upstream=("simulations",),
            io="glasslib.simulation.isoconfigurational",
        ),
        Product(
            "dynamics",
            "dynamics.json",
            _NOTEBOOK("09_dynamics"),
            settings=("propensity_epochs", "propensity_folds", "propensity_input", "seed"),
            upstream=("ensembles",),
            io="glasslib.analysis.dynamics_study",
        ),
        Product(
            "readings",
            "readings.json",
            _NOTEBOOK("09_dynamics"),
            settings=("seed",),
            upstream=("ensembles", "model", "attention"),
            io="glasslib.analysis.motion_readings",
        ),
        Product("machine_figures", "machine_figures.json", _NOTEBOOK("10_paper_scale"), io="glasslib.bench.paper_plan"),
    )
}
#: Keys a keyed product's upstream takes by default (the attention chapter reads the attention model).
_UPSTREAM_KEYS: dict[tuple[str, str], dict[str, Any]] = {("attention", "model"): {"model": "dmpnn_attention"}}


def product(name: str) -> Product:
    """The product ``name``; a clear error listing the valid names."""
    if name not in PRODUCTS:
        raise KeyError(f"no run-directory product {name!r}; the products are {', '.join(PRODUCTS)}")
    return PRODUCTS[name]


def product_path(run_dir: Path | str, name: str, **keys: Any) -> Path:
    """Where product ``name`` lives in ``run_dir`` (``keys`` fill its placeholders, e.g. ``dataset=1``)."""
    try:
        return Path(run_dir) / product(name).pattern.format(**keys)
    except KeyError as err:
        raise KeyError(f"product {name!r} needs the key {err} to name its path ({product(name).pattern})") from None


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _upstream_keys(name: str, upstream: str, keys: Mapping[str, Any]) -> dict[str, Any]:
    wanted = {**keys, **_UPSTREAM_KEYS.get((name, upstream), {})}
    placeholders = {k for k in ("model", "dataset") if "{" + k + "}" in PRODUCTS[upstream].pattern}
    if upstream == "datasets":
        return {}  # a product built on the data sets depends on all of them (one settings hash)
    return {k: v for k, v in wanted.items() if k in placeholders}


def provenance(profile: Profile, name: str, **keys: Any) -> dict[str, Any]:
    """What product ``name`` depends on under ``profile``: its settings, upstream hashes and its own hash.

    The hash is a pure function of the profile (and the keys), so a reader needs no other file to
    know which product it expects.
    """
    spec = product(name)
    settings = {k: getattr(profile, k) for k in spec.settings_for(keys)}
    upstream = {u: provenance(profile, u, **_upstream_keys(name, u, keys))["hash"] for u in spec.upstream}
    keyed = {k: v for k, v in keys.items() if "{" + k + "}" in spec.pattern and k != "dataset"}
    body = {"contract": CONTRACT_VERSION, "product": name, "keys": keyed, "settings": settings, "upstream": upstream}
    return {**body, "hash": _digest(body)}


def product_hash(profile: Profile, name: str, **keys: Any) -> str:
    """The hash product ``name`` must record to be current under ``profile`` (see :func:`provenance`)."""
    return provenance(profile, name, **keys)["hash"]


def stamp(profile: Profile, name: str, **keys: Any) -> dict[str, Any]:
    """The provenance record a writer stores with a product: :func:`provenance` plus profile label and versions."""
    return {**provenance(profile, name, **keys), "profile": profile.label, "glasslib": __version__}


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
    changed = [
        f"{k}={recorded['settings'].get(k)!r} (now {v!r})" for k, v in expected["settings"].items() if recorded["settings"].get(k) != v
    ]
    changed += [f"upstream {u} rebuilt since" for u, h in expected["upstream"].items() if recorded.get("upstream", {}).get(u) != h]
    raise StaleProductError(
        f"{path} is stale for profile {profile.label}: {'; '.join(changed) or 'written by another contract version'}. Rerun {writer}."
    )


def write_json_product(run_dir: Path | str, profile: Profile, name: str, payload: Mapping[str, Any], **keys: Any) -> Path:
    """Write a JSON product atomically with its provenance under the key ``"provenance"``."""
    return write_json_atomic(product_path(run_dir, name, **keys), {"provenance": stamp(profile, name, **keys), **payload})


def _read_json(path: Path, writer: str) -> dict[str, Any]:
    """A JSON file of the run directory: a clear error naming ``writer`` if it is missing or corrupt."""
    if not path.is_file():
        raise MissingProductError(f"{path} is missing: run {writer} first, with the same profile and overrides")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ProductError(f"{path}: corrupt JSON ({err}); delete it and rerun {writer}") from None


def read_json_product(run_dir: Path | str, profile: Profile, name: str, **keys: Any) -> dict[str, Any]:
    """A JSON product, checked: missing, corrupt or stale products raise errors naming the chapter to run."""
    path = product_path(run_dir, name, **keys)
    payload = _read_json(path, product(name).writer)
    check_provenance(payload.get("provenance"), profile, name, path, **keys)
    return payload


def read_hashed_json(path: Path | str, expected_hash: str, writer: str) -> dict[str, Any]:
    """A JSON file inside a product that records one ``profile_hash`` (e.g. a fold result), checked.

    For files written by Dask tasks, which carry a product's hash rather than the profile.
    """
    payload = _read_json(Path(path), writer)
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
