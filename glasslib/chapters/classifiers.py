"""Chapters 04 and 05: run the classifiers' nested cross-validation and their cross-data-set test.

What the two classifier chapters compute and store: :func:`run_nested_cv` (one Dask task per data set
and fold, on the profile's cluster; the variant of the ``model`` product the profile names) and the
``cross_dataset`` product (:func:`cross_dataset`, :func:`load_cross_dataset`). Which models, search
spaces and data sets: :mod:`glasslib.models.selection`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from glasslib.cluster import dask_client
from glasslib.models import cross_dataset as models_cross_dataset
from glasslib.models import fold_results, nested_cv, search_space, selection
from glasslib.profiles import Profile
from glasslib.rundir import PRODUCTS, ProductError, StaleProductError, product_hash, read_json_product, record_variant, write_json_product


def run_nested_cv(
    profile: Profile,
    run_dir: Path,
    spec: search_space.ModelSpec,
    scheduler: Any = None,
    progress: bool = True,
    only: Sequence[int] | None = None,
) -> fold_results.NestedCVResult:
    """Nested cross-validation of ``spec`` on its data sets (:func:`trained_ids`, or those in ``only``), one Dask
    task per (data set, fold).

    Finished folds are loaded from their JSON results; an interrupted search resumes from its trials.
    Results record the ``datasets`` product hash, so models trained on older data sets read as stale.
    """
    ids = tuple(only) if only is not None else selection.trained_ids(profile, spec.name)
    record_variant(run_dir, profile, "model", model=spec.name)
    arguments = dict(
        run_dir=run_dir,
        profile_hash=product_hash(profile, "datasets"),
        dataset_ids=ids,
        model=spec,
        seed=profile.seed,
        out_dir=selection.model_dir(profile, run_dir, spec),
        progress=progress,
        threads=1,
        **selection.settings(profile, spec.name),
    )
    stored = nested_cv.stored_result(**arguments)
    if stored is not None:  # a finished search is read back without starting a cluster
        return stored
    with dask_client(profile, scheduler) as client:
        return nested_cv.nested_cv(client=client, **arguments)


def run_inherent(
    profile: Profile, run_dir: Path, kind: str, scheduler: Any = None, progress: bool = True
) -> list[fold_results.NestedCVResult]:
    """Nested cross-validation of the inherent-structure networks of one kind (``"cnn"``: chapter 04, ``"dmpnn"``:
    chapter 05) among :func:`glasslib.models.selection.inherent_names`; chapters 04b, 05b and 06 read them."""
    names = [n for n in selection.inherent_names(profile) if n.startswith(kind)]
    return [run_nested_cv(profile, run_dir, selection.spec_by_name(profile, name), scheduler, progress) for name in names]


def _fold_digest(results: fold_results.NestedCVResult) -> list[str]:
    return sorted(f"{d}-{f}-{r.config_hash}" for (d, f), r in results.folds.items())


def cross_dataset(profile: Profile, run_dir: Path, spec: search_space.ModelSpec) -> Any:
    """Mean outer-test AUC of models trained on data set i, tested on data set j (rows i, columns j).

    Stored as the ``cross_dataset`` product of the model, with every fold's matrix (for intervals)
    and the config hashes of the fold results it was computed from: chapter 05 reuses the CNN's
    matrix from chapter 04, and any retrained fold makes it stale.
    """
    return cross_dataset_folds(profile, run_dir, spec).mean(axis=0)


def cross_dataset_folds(profile: Profile, run_dir: Path, spec: search_space.ModelSpec) -> Any:
    """The (folds, i, j) cross-data-set AUCs of ``spec``, computed once and stored (see :func:`cross_dataset`)."""
    import numpy as np

    ids = selection.dataset_ids(profile)
    digest = _fold_digest(selection.load_results(profile, run_dir, spec))
    try:
        cached = read_json_product(run_dir, profile, "cross_dataset", model=spec.name)
        if cached.get("ids") == list(ids) and cached.get("folds") == digest and "fold_auc" in cached:
            return np.asarray(cached["fold_auc"])
    except ProductError:
        pass
    folds = models_cross_dataset.cross_dataset_fold_auc(
        run_dir, product_hash(profile, "datasets"), spec, ids, ids, selection.model_dir(profile, run_dir, spec)
    )
    payload = {"ids": list(ids), "folds": digest, "auc": folds.mean(axis=0), "fold_auc": folds}
    write_json_product(run_dir, profile, "cross_dataset", payload, model=spec.name)
    return folds


def load_cross_dataset(profile: Profile, run_dir: Path, spec: search_space.ModelSpec) -> tuple[list[int], Any]:
    """The stored cross-data-set AUCs of ``spec``: (ids, (folds, i, j) array), checked against its fold results.

    No computing: a matrix stored before fold matrices were kept, or older than its fold results,
    is stale (rerun the chapter that writes it).
    """
    import numpy as np

    cached = read_json_product(run_dir, profile, "cross_dataset", model=spec.name)
    if cached.get("folds") != _fold_digest(selection.load_results(profile, run_dir, spec)) or "fold_auc" not in cached:
        raise StaleProductError(
            f"the cross-data-set matrix of {spec.name} predates its fold results; rerun {PRODUCTS['cross_dataset'].writer}"
        )
    return list(cached["ids"]), np.asarray(cached["fold_auc"])
