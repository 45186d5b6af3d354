"""Every data set's inherent-structure inputs: its configurations quenched, stored beside them (SPEC section 12).

Chapter 03 quenches every configuration of the six data sets (:func:`glasslib.data.quench.quench`:
FIRE on the force criterion alone) and stores, in each data set's file, the inherent positions
(``inherent_positions``, scaled to the unit square like ``positions``) and the quench's records
(``quench_<field>`` for each of :data:`~glasslib.data.quench.QUENCH_FIELDS`), with the force
tolerance, the iteration cap and the rearrangement rule as attributes. A configuration shared by
several data sets (data sets 1–5 share their glasses) is quenched once.

A classifier reads a data set through :func:`model_inputs`: ``"thermal"`` (the paper's input, the
snapshot as recorded) or ``"inherent"`` — the same data set with each configuration replaced by its
inherent structure, the **flagged** ones (force criterion not met, or more than
:data:`~glasslib.data.quench.REARRANGED_TOLERANCE` of the particles rearranged) left out. Splits act
on runs, so leaving a configuration out changes no other's role. A data set whose inherent inputs
are missing or were stored under another rule is an error naming chapter 03.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.data.datasets import GLASS, PRODUCER, Dataset, build_datasets, dataset_path, load_dataset, save_dataset
from glasslib.data.quench import QUENCH_FIELDS, REARRANGED_DISTANCE, REARRANGED_TOLERANCE, quench
from glasslib.data.splits import DatasetError
from glasslib.profiles import Profile
from glasslib.rundir import product_hash
from glasslib.simulation import store

#: The classifiers' two inputs: the recorded snapshot, or its inherent structure.
INPUT_KINDS = ("thermal", "inherent")

#: The rule a stored quench must have been made with to be current (HDF5 attributes).
RULE = {"quench_rearranged_distance": REARRANGED_DISTANCE, "quench_rearranged_tolerance": REARRANGED_TOLERANCE}


@dataclass(frozen=True)
class InherentInputs:
    """One data set's quenched configurations.

    Attributes
    ----------
    positions : (2R, N, 2) float32 — inherent positions scaled to the unit square.
    records : ``QUENCH_FIELDS`` → (2R,) arrays (energy ε per particle, ‖F‖ ε/σ, iterations,
        displacements σ, rearranged share).
    ftol : force tolerance, ε/σ; maxiter : FIRE iteration cap.
    """

    positions: np.ndarray
    records: Mapping[str, np.ndarray]
    ftol: float
    maxiter: int

    @property
    def converged(self) -> np.ndarray:
        """(2R,) bool: the force criterion met."""
        return np.asarray(self.records["fnorm"]) <= self.ftol

    @property
    def usable(self) -> np.ndarray:
        """(2R,) bool: converged and rearranged within the tolerance (the others are flagged)."""
        return self.converged & (np.asarray(self.records["rearranged"]) <= REARRANGED_TOLERANCE)

    def arrays(self) -> dict[str, np.ndarray]:
        """What :func:`glasslib.data.datasets.save_dataset` stores of them."""
        return {"inherent_positions": self.positions, **{f"quench_{k}": np.asarray(v) for k, v in self.records.items()}}

    def attrs(self) -> dict[str, Any]:
        """The rule they were made with (HDF5 attributes)."""
        return {"quench_ftol": self.ftol, "quench_maxiter": self.maxiter, **RULE}


def _keys(data: Dataset) -> list[tuple[str, int, int]]:
    """(schedule, snapshot index, run) of each configuration: the same key is the same snapshot."""
    spec = data.spec
    glass = (spec.glass_schedule, spec.glass_index)
    liquid = (spec.liquid_schedule, spec.liquid_index)
    return [(*(glass if label == GLASS else liquid), int(run)) for label, run in zip(data.labels, data.run_index, strict=True)]


def quench_datasets(
    profile: Profile, datasets: Mapping[int, Dataset], scheduler: Any = None, progress: bool = True
) -> dict[int, InherentInputs]:
    """Quench every distinct configuration of ``datasets`` once (Dask tasks) and hand each data set its own."""
    if not datasets:
        return {}
    first = next(iter(datasets.values()))
    keys = {i: _keys(d) for i, d in datasets.items()}
    unique: dict[tuple[str, int, int], np.ndarray] = {}
    for i, data in datasets.items():
        for key, scaled in zip(keys[i], data.positions, strict=True):
            unique.setdefault(key, scaled)
    order = list(unique)
    done = quench(profile, np.stack([unique[k] for k in order]).astype(float) * first.box_length, first.types, scheduler, progress)
    where = {key: n for n, key in enumerate(order)}
    out = {}
    for i, data in datasets.items():
        rows = np.array([where[k] for k in keys[i]])
        scaled = np.mod(done.positions[rows] / data.box_length, 1.0).astype(np.float32)
        records = {k: np.asarray(getattr(done, k))[rows] for k in QUENCH_FIELDS}
        out[i] = InherentInputs(scaled, records, float(done.ftol), int(profile.is_fire_maxiter))
    return out


def build_with_inherent(profile: Profile, run_dir: Path, scheduler: Any = None, progress: bool = True) -> dict[int, Dataset]:
    """:func:`glasslib.data.datasets.build_datasets`, then quench the configurations of every data set whose stored
    file has no current inherent inputs and store them beside it (chapter 03)."""
    datasets = build_datasets(profile, run_dir)
    expected = product_hash(profile, "datasets")
    missing = {i: d for i, d in datasets.items() if not has_inherent(run_dir, i, expected)}
    for dataset, inputs in quench_datasets(profile, missing, scheduler, progress).items():
        save_dataset(run_dir, datasets[dataset], profile, inputs)
    return datasets


def read_inherent(run_dir: Path, dataset: int, expected_hash: str) -> InherentInputs:
    """The stored inherent inputs of one data set; a clear error naming chapter 03 if missing or made under another rule."""
    path = dataset_path(Path(run_dir), dataset, expected_hash)
    with store.open_checked(path, expected_hash, ("labels",)) as h5:
        attrs = dict(h5.attrs)
        if "inherent_positions" not in h5 or any(attrs.get(k) != v for k, v in RULE.items()):
            raise store.StoreError(
                f"data set {dataset} has no current inherent-structure inputs (quenched under the rule "
                f"{RULE}); run {PRODUCER} again to quench its configurations"
            )
        return InherentInputs(
            h5["inherent_positions"][()],
            {k: h5[f"quench_{k}"][()] for k in QUENCH_FIELDS},
            float(attrs["quench_ftol"]),
            int(attrs["quench_maxiter"]),
        )


def has_inherent(run_dir: Path, dataset: int, expected_hash: str) -> bool:
    """Whether the stored data set carries current inherent inputs."""
    try:
        read_inherent(run_dir, dataset, expected_hash)
    except (store.StoreError, OSError):
        return False
    return True


def with_inherent(data: Dataset, inputs: InherentInputs) -> Dataset:
    """``data`` with each configuration replaced by its inherent structure, the flagged ones left out."""
    keep = inputs.usable
    if len(keep) != len(data.labels):
        raise DatasetError(f"data set {data.spec.dataset}: {len(keep)} inherent structures for {len(data.labels)} configurations")
    return Dataset(
        spec=data.spec,
        positions=inputs.positions[keep],
        types=data.types,
        labels=data.labels[keep],
        run_index=data.run_index[keep],
        inherent_energy=data.inherent_energy[keep],
        box_length=data.box_length,
        splits=data.splits,
        inherent_converged=data.converged[keep],
    )


def model_inputs(run_dir: Path, dataset: int, expected_hash: str, kind: str = "thermal") -> Dataset:
    """Data set ``dataset`` as a classifier reads it: ``kind`` ``"thermal"`` or ``"inherent"`` (module docstring)."""
    if kind not in INPUT_KINDS:
        raise DatasetError(f"no input kind {kind!r}; choose from {INPUT_KINDS}")
    data = load_dataset(Path(run_dir), dataset, expected_hash)
    return data if kind == "thermal" else with_inherent(data, read_inherent(run_dir, dataset, expected_hash))


def input_kind(model: Any) -> str:
    """The input a :class:`~glasslib.models.search_space.ModelSpec` trains on (its ``inputs``; thermal by default)."""
    return str(getattr(model, "inputs", "thermal"))
