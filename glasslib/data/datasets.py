"""The six liquid-vs-glass data sets and their cross-validation splits (book chapter 03).

Each data set is a binary task, liquid (label 0) vs glass (label 1), with one configuration per
run and class, so the classes are balanced by construction (SPEC section 4):

====  ====================  =====================
set   glass                 liquid
====  ====================  =====================
1     slow, T = 0.05        slow, T = 1.99
2     slow, 0.05            slow, 1.76
3     slow, 0.05            slow, 0.96
4     slow, 0.05            slow, 0.55
5     slow, 0.05            slow, 0.44
6     **fast**, 0.05        slow, 0.55 (equal mean inherent-structure energy)
====  ====================  =====================

**Temperatures at reduced scale** (the profile's ``liquid_temperatures``). With ``"paper"`` (the
``paper`` profile) the table holds as it is (the nearest
recorded temperature, which lies within half a snapshot spacing). At any other profile the ramps
are far faster, Tg is higher and the paper's temperatures would not mean the same; with
``"tg_relative"`` (``quick``, ``smoke``) we keep each
liquid's *place relative to Tg*: with the paper's slow-schedule Tg_paper = 0.37, a liquid at T_p
sits at the fraction u = (T_p − Tg_paper)/(T_start − Tg_paper) of the way from Tg to the start
of the ramp, and the profile's liquid is taken at Tg + u·(T_start − Tg) with its own slow-schedule
Tg from chapter 02, snapped to the nearest recorded temperature. Data set 6's liquid is the
recorded slow-schedule temperature whose mean inherent-structure energy is closest to that of the
fast-schedule glasses — the paper's defining property, at any scale. Data sets 1–5 keep five
distinct temperatures, hottest first: should two land on the same recorded temperature (a coarse
ramp), the colder one moves one recorded step down.

**Splits** are by run, drawn once from the profile seed and shared by all six data sets: three
disjoint outer test sets of 20 % of the runs each and, inside each outer training set, an 80/10/10
inner train/validation/test split. A run's glass and liquid are always on the same side, and a
model trained on data set i and fold f can be tested on data set j's fold-f test set without
ever having seen those runs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib import published
from glasslib.data.splits import DatasetError, Splits, make_splits
from glasslib.profiles import Profile
from glasslib.rundir import ProductError, missing_error, path_for_hash, product_hash, record_variant, stamp
from glasslib.simulation import store
from glasslib.simulation.minimisation_check import converged, converged_energy
from glasslib.simulation.tg import load_tg

DATASET_IDS = (1, 2, 3, 4, 5, 6)


LIQUID, GLASS = 0, 1


#: The paper's liquid temperatures of data sets 1–5 (slow schedule) and 6, ε/k_B.
PAPER_LIQUID_T = {1: 1.99, 2: 1.76, 3: 0.96, 4: 0.55, 5: 0.44, 6: 0.55}


PAPER_GLASS_T = 0.05


PRODUCER = "notebooks/03_datasets.ipynb"


@dataclass(frozen=True)
class DatasetSpec:
    """Which snapshots make up one data set.

    Attributes
    ----------
    dataset : int — 1 … 6.
    glass_schedule, liquid_schedule : str — ``"slow"`` or ``"fast"``.
    glass_index, liquid_index : int — snapshot index in the schedule's ramp.
    glass_temperature, liquid_temperature : float — recorded target temperatures, ε/k_B.
    rule : str — how the liquid temperature was chosen.
    """

    dataset: int
    glass_schedule: str
    glass_index: int
    glass_temperature: float
    liquid_schedule: str
    liquid_index: int
    liquid_temperature: float
    rule: str


def _snapshot(temperatures: np.ndarray, requested: float, tolerance: float | None = None) -> int:
    """:func:`glasslib.simulation.store.nearest_snapshot`, its error a :class:`DatasetError` (a data set cannot be formed)."""
    try:
        return store.nearest_snapshot(temperatures, requested, tolerance)
    except store.SnapshotError as err:
        raise DatasetError(str(err)) from None


def liquid_temperature_rule(paper_t: float, tg: float, t_start: float, tg_paper: float = published.TG_SLOW.value) -> float:
    """The temperature that sits where ``paper_t`` sits relative to Tg (module docstring)."""
    fraction = (paper_t - tg_paper) / (t_start - tg_paper)
    return tg + fraction * (t_start - tg)


def choose_specs(profile: Profile, slow: store.Ensemble, fast: store.Ensemble, tg_slow: float) -> list[DatasetSpec]:
    """The snapshots of data sets 1–6 for ``profile`` (module docstring), distinct liquid temperatures.

    Parameters
    ----------
    slow, fast : the two schedules' ensembles (energies only).
    tg_slow : the profile's slow-schedule Tg from chapter 02.
    """
    glass_slow = _snapshot(slow.target_temperature, PAPER_GLASS_T)
    glass_fast = _snapshot(fast.target_temperature, PAPER_GLASS_T)
    order = np.argsort(-slow.target_temperature)  # snapshot indices from hot to cold
    specs, previous_rank = [], -1
    for dataset in DATASET_IDS[:5]:
        paper_temperatures = profile.liquid_temperatures == "paper"
        if paper_temperatures:
            target, rule = PAPER_LIQUID_T[dataset], "paper's temperature"
        else:
            target = liquid_temperature_rule(PAPER_LIQUID_T[dataset], tg_slow, profile.t_start)
            rule = f"same place relative to Tg as the paper's {PAPER_LIQUID_T[dataset]:g}"
        # at paper scale the temperature must be recorded (within half a spacing); else the nearest above Tg
        if paper_temperatures:
            snapshot = _snapshot(slow.target_temperature, target)
        else:
            above = np.flatnonzero(slow.target_temperature > tg_slow)
            if above.size == 0:
                raise DatasetError(f"no recorded temperature of the slow ramp lies above its Tg = {tg_slow:.4g}: nothing is a liquid")
            snapshot = int(above[_snapshot(slow.target_temperature[above], target, np.inf)])
        rank = int(np.flatnonzero(order == snapshot)[0])
        if rank <= previous_rank:  # two data sets on one temperature: the colder moves one step down
            rank, rule = previous_rank + 1, rule + "; moved one recorded step colder to stay distinct"
        if rank >= len(order) or order[rank] == glass_slow:
            raise DatasetError(
                "data sets 1-5 need five distinct recorded liquid temperatures above the glasses' T = 0.05; "
                "record more snapshots along the slow ramp (lower snapshot_every_slow)"
            )
        previous_rank, index = rank, int(order[rank])
        specs.append(
            DatasetSpec(
                dataset,
                "slow",
                glass_slow,
                float(slow.target_temperature[glass_slow]),
                "slow",
                index,
                float(slow.target_temperature[index]),
                rule,
            )
        )
    glass_energy = np.nanmean(converged_energy(fast, profile)[:, glass_fast])
    matched = int(np.argmin(np.abs(np.nanmean(converged_energy(slow, profile), axis=0) - glass_energy)))
    specs.append(
        DatasetSpec(
            6,
            "fast",
            glass_fast,
            float(fast.target_temperature[glass_fast]),
            "slow",
            matched,
            float(slow.target_temperature[matched]),
            "slow liquid of equal mean inherent-structure energy",
        )
    )
    check_liquids_above_tg(specs, tg_slow)
    return specs


def check_liquids_above_tg(specs: Sequence[DatasetSpec], tg_slow: float) -> None:
    """Raise :class:`DatasetError` naming every data set whose liquids were recorded at or below Tg (not liquids)."""
    below = [f"data set {s.dataset} (T = {s.liquid_temperature:.4g}, {s.rule})" for s in specs if not s.liquid_temperature > tg_slow]
    if below:
        raise DatasetError(
            f"the liquids of {'; '.join(below)} lie at or below the slow schedule's Tg = {tg_slow:.4g}: they are glasses. "
            "Use liquid_temperatures=tg_relative, or a profile whose Tg lies below the paper's liquid temperatures"
        )


@dataclass(frozen=True)
class Dataset:
    """One data set: 2R configurations, R glasses then R liquids.

    Attributes
    ----------
    spec : DatasetSpec
    positions : (2R, N, 2) float32 — scaled to the unit square, wrapped into [0, 1).
    types : (N,) int8 — LAMMPS types (all runs share the initial configuration's types).
    labels : (2R,) int8 — 1 glass, 0 liquid.
    run_index : (2R,) — run of each configuration; splits act on it.
    inherent_energy : (2R,) — per particle, ε.
    box_length : float — σ.
    splits : Splits
    inherent_converged : (2R,) bool — whether the configuration's minimisation stopped before the
        iteration cap; a False one is flagged: its energy is left out of the class energies, and a chapter
        that reads its inherent structure must leave it out (None: all converged, for hand-made data sets).
    """

    spec: DatasetSpec
    positions: np.ndarray
    types: np.ndarray
    labels: np.ndarray
    run_index: np.ndarray
    inherent_energy: np.ndarray
    box_length: float
    splits: Splits
    inherent_converged: np.ndarray | None = None

    @property
    def converged(self) -> np.ndarray:
        """(2R,) bool: :attr:`inherent_converged`, all True when not given."""
        return np.ones(len(self.labels), bool) if self.inherent_converged is None else np.asarray(self.inherent_converged, bool)

    def indices(self, fold: int, role: int) -> np.ndarray:
        """Configuration indices whose run has ``role`` in ``fold`` (both classes of those runs)."""
        return np.flatnonzero(np.isin(self.run_index, self.splits.runs(fold, role)))

    def class_energy(self, label: int) -> tuple[float, float]:
        """Mean and standard deviation of the inherent-structure energy of one class, ε (converged minimisations)."""
        values = self.inherent_energy[(self.labels == label) & self.converged]
        return float(values.mean()), float(values.std(ddof=1))


def dataset_path(run_dir: Path, dataset: int, expected_hash: str) -> Path:
    """Where data set ``dataset`` is stored in the variant ``expected_hash`` of the ``datasets`` product."""
    return path_for_hash(run_dir, "datasets", expected_hash, dataset=dataset)


def _gather(run_dir: Path, profile: Profile, schedule: str, index: int) -> tuple[np.ndarray, ...]:
    """Scaled positions (R, N, 2), inherent energies (R,), whether each minimisation converged (R,), types (N,)
    and box length of one snapshot of every run."""
    expected = profile.simulation_hash()
    positions, energies, iterations = [], [], []
    types, length = None, None
    for run in range(profile.runs_per_schedule):
        snap = store.read_snapshot(store.run_path(run_dir, schedule, run), index, expected)
        positions.append(np.mod(snap["positions"] / snap["box_length"], 1.0))
        energies.append(snap["inherent_energy"])
        iterations.append(snap["inherent_iterations"])
        types, length = snap["types"], snap["box_length"]
    done = converged(np.asarray(iterations), profile.is_fire_maxiter)
    return np.asarray(positions, dtype=np.float32), np.asarray(energies), done, types, float(length)


def assemble(run_dir: Path, profile: Profile, spec: DatasetSpec, splits: Splits) -> Dataset:
    """Read the glass and liquid snapshots of every run and form the data set."""
    glass_pos, glass_e, glass_ok, types, length = _gather(run_dir, profile, spec.glass_schedule, spec.glass_index)
    liquid_pos, liquid_e, liquid_ok, _, _ = _gather(run_dir, profile, spec.liquid_schedule, spec.liquid_index)
    runs = np.arange(profile.runs_per_schedule)
    return Dataset(
        spec=spec,
        positions=np.concatenate([glass_pos, liquid_pos]),
        types=np.asarray(types, dtype=np.int8),
        labels=np.concatenate([np.full(len(runs), GLASS), np.full(len(runs), LIQUID)]).astype(np.int8),
        run_index=np.concatenate([runs, runs]),
        inherent_energy=np.concatenate([glass_e, liquid_e]),
        box_length=length,
        splits=splits,
        inherent_converged=np.concatenate([glass_ok, liquid_ok]),
    )


def save_dataset(run_dir: Path, data: Dataset, profile: Profile, inherent: Any = None) -> Path:
    """Store a data set (with its spec, splits and provenance) atomically as HDF5; ``inherent``, an
    :class:`~glasslib.data.inherent_inputs.InherentInputs`, is stored beside it."""
    extra = {} if inherent is None else inherent.arrays()
    arrays = {
        **extra,
        "positions": data.positions,
        "types": data.types,
        "labels": data.labels,
        "run_index": data.run_index,
        "inherent_energy": data.inherent_energy,
        "inherent_converged": data.converged.astype(np.int8),
        "outer_test": data.splits.outer_test,
        "inner": data.splits.inner,
    }
    attrs: dict[str, Any] = {f"spec_{k}": v for k, v in data.spec.__dict__.items()}
    attrs.update({} if inherent is None else inherent.attrs())
    attrs.update(
        {
            "profile_hash": product_hash(profile, "datasets"),
            "box_length": data.box_length,
            "provenance": json.dumps(stamp(profile, "datasets")),
        }
    )
    record_variant(run_dir, profile, "datasets")
    return store.write_atomic(dataset_path(run_dir, data.spec.dataset, attrs["profile_hash"]), arrays, attrs)


def _open(run_dir: Path, dataset: int, expected_hash: str, required: tuple[str, ...]) -> Any:
    """The data set's HDF5 file, checked (complete, current, with ``required``); errors name chapter 03."""
    if dataset not in DATASET_IDS:
        raise DatasetError(f"there is no data set {dataset}; choose from {list(DATASET_IDS)}")
    path = dataset_path(run_dir, dataset, expected_hash)
    if not path.is_file():
        raise missing_error(run_dir, "datasets", None, path, dataset=dataset)
    try:
        return store.open_checked(path, expected_hash, required)
    except store.StoreError as err:
        raise store.StoreError(f"{err}\nRun {PRODUCER} first, with the same profile and overrides.") from None


def load_dataset(run_dir: Path, dataset: int, expected_hash: str) -> Dataset:
    """A stored data set; a clear error naming chapter 03 if it is missing, stale or corrupt.

    ``expected_hash`` is the ``datasets`` product hash (:func:`glasslib.rundir.product_hash`):
    Dask tasks of the nested cross-validation carry the hash, not the profile.
    """
    with _open(run_dir, dataset, expected_hash, ("positions", "types", "labels", "run_index", "inner", "inherent_converged")) as h5:
        arrays = {key: h5[key][()] for key in h5}
        attrs = dict(h5.attrs)
    spec = DatasetSpec(**{k[5:]: _plain(v) for k, v in attrs.items() if k.startswith("spec_")})
    return Dataset(
        spec,
        arrays["positions"],
        arrays["types"],
        arrays["labels"],
        arrays["run_index"],
        arrays["inherent_energy"],
        float(attrs["box_length"]),
        Splits(arrays["outer_test"], arrays["inner"]),
        arrays["inherent_converged"].astype(bool),
    )


def load_datasets(run_dir: Path, profile: Profile, ids: Sequence[int] = DATASET_IDS) -> dict[int, Dataset]:
    """The stored data sets ``ids`` of ``profile`` (chapter 03's products), checked."""
    expected = product_hash(profile, "datasets")
    return {i: load_dataset(run_dir, i, expected) for i in ids}


def load_summaries(run_dir: Path, profile: Profile) -> dict[int, dict[str, Any]]:
    """Per data set: temperatures, each class's inherent-structure energy (mean, std, n: converged minimisations)
    and ``flagged``, the configurations whose minimisation stopped on the cap, without the positions."""
    expected, out = product_hash(profile, "datasets"), {}
    for dataset in DATASET_IDS:
        with _open(run_dir, dataset, expected, ("labels", "inherent_energy", "inherent_converged")) as h5:
            labels, energy, attrs = h5["labels"][()], h5["inherent_energy"][()], dict(h5.attrs)
            ok = h5["inherent_converged"][()].astype(bool)
        out[dataset] = {
            "glass_temperature": _plain(attrs["spec_glass_temperature"]),
            "liquid_temperature": _plain(attrs["spec_liquid_temperature"]),
            "flagged": int((~ok).sum()),
            **{
                f"{name}_energy": {
                    "mean": float(energy[(labels == label) & ok].mean()),
                    "std": float(energy[(labels == label) & ok].std()),
                    "n": int(((labels == label) & ok).sum()),
                }
                for name, label in (("glass", GLASS), ("liquid", LIQUID))
            },
        }
    return out


def _plain(value: Any) -> Any:
    """HDF5 attribute → plain Python scalar or str."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


def build_datasets(profile: Profile, run_dir: Path) -> dict[int, Dataset]:
    """Build (or load, when current) all six data sets of ``profile`` from its simulation store.

    Needs chapter 01's store and chapter 02's Tg; raises their clear errors otherwise. Their inherent-structure
    inputs: :func:`glasslib.data.inherent_inputs.build_with_inherent`.
    """
    tg_slow = float(load_tg(run_dir, profile)["slow"]["tg"])
    slow = store.load_ensemble(run_dir, "slow", profile.runs_per_schedule, profile.simulation_hash())
    fast = store.load_ensemble(run_dir, "fast", profile.runs_per_schedule, profile.simulation_hash())
    specs = choose_specs(profile, slow, fast, tg_slow)
    splits = make_splits(profile.runs_per_schedule, profile.seed, profile.inner_split_fractions())
    datasets = {}
    for spec in specs:
        try:
            current = load_dataset(run_dir, spec.dataset, product_hash(profile, "datasets"))
            if (
                current.spec == spec
                and np.array_equal(current.splits.inner, splits.inner)
                and len(current.labels) == 2 * profile.runs_per_schedule
            ):
                datasets[spec.dataset] = current
                continue
        except ProductError:
            pass
        datasets[spec.dataset] = assemble(run_dir, profile, spec, splits)
        save_dataset(run_dir, datasets[spec.dataset], profile)
    return datasets


def summary_table(datasets: dict[int, Dataset]) -> pd.DataFrame:
    """Temperatures, counts and inherent-structure energy (mean ± std) of each class per data set."""
    rows = []
    for number, data in datasets.items():
        glass, liquid = data.class_energy(GLASS), data.class_energy(LIQUID)
        rows.append(
            {
                "data set": number,
                "glass": f"{data.spec.glass_schedule}, T = {data.spec.glass_temperature:.3f}",
                "liquid": f"{data.spec.liquid_schedule}, T = {data.spec.liquid_temperature:.3f}",
                "paper liquid T": PAPER_LIQUID_T[number],
                "glasses": int((data.labels == GLASS).sum()),
                "liquids": int((data.labels == LIQUID).sum()),
                "flagged (minimisation capped)": int((~data.converged).sum()),
                "glass E_IS [ε]": f"{glass[0]:.4f} ± {glass[1]:.4f}",
                "liquid E_IS [ε]": f"{liquid[0]:.4f} ± {liquid[1]:.4f}",
                "gap / std": round(abs(glass[0] - liquid[0]) / np.hypot(glass[1], liquid[1]), 2),
                "rule": data.spec.rule,
            }
        )
    return pd.DataFrame(rows).set_index("data set")


def stored_splits(run_dir: Path, profile_hash: str, dataset_id: int) -> np.ndarray:
    """The (n_folds, R) split roles of a stored data set, read without its positions.

    Raises the chapter-03 error (:class:`glasslib.simulation.store.StoreError`) if the data set is missing or stale.
    """
    path = dataset_path(Path(run_dir), dataset_id, profile_hash)
    try:
        with store.open_checked(path, profile_hash, ("inner",)) as h5:
            return np.asarray(h5["inner"][()])
    except ProductError as err:
        raise store.StoreError(f"{err}\nRun {PRODUCER} first, with the same profile and overrides.") from None
