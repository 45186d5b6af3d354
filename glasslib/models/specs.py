"""Model selection for the book's classifiers at a given profile (chapters 04 and 05).

Turns a :class:`~glasslib.profiles.Profile` into the :class:`~glasslib.models.search_space.ModelSpec` of each
network (search space narrowed by the profile's caps, fixed parameters) and runs the nested
cross-validation of :mod:`glasslib.models.nested_cv` on the profile's Dask cluster. The training functions are
imported lazily, so this module loads without TensorFlow or PyTorch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from glasslib.models import cross_dataset as models_cross_dataset
from glasslib.models import fold_results, nested_cv, search_space
from glasslib.profiles import Profile
from glasslib.simulation.campaign import dask_client


def dataset_ids(profile: Profile) -> tuple[int, ...]:
    """The data sets the classifier chapters train on, e.g. ``(1, 2, 3, 4, 5, 6)``."""
    return tuple(int(i) for i in profile.classifier_datasets.replace(" ", "").split(","))


def cnn_spec(profile: Profile) -> search_space.ModelSpec:
    """The CNN: dropout 0–0.5 and batch size 10–``cnn_batch_max`` searched (SPEC section 5).

    ``ink`` (input 1 − pixel, see :mod:`glasslib.models.cnn`) is fixed and named so that results of
    networks fed the plain pixels never pass for current ones.
    """
    from glasslib.models.cnn.train import predict_cnn, train_cnn

    space = search_space.narrow_space(search_space.CNN_SPACE, batch_size=(10, profile.cnn_batch_max))
    return search_space.ModelSpec("cnn", train_cnn, predict_cnn, space, {"ink": True}, weights_suffix=".weights.h5")


def dmpnn_spec(profile: Profile, attention: bool = False, features: str = "paper", name: str = "dmpnn") -> search_space.ModelSpec:
    """The D-MPNN: k, l_win, hidden, depth, dropout, ffn_layers searched within the profile's caps."""
    from glasslib.models.dmpnn.fit import predict_dmpnn, train_dmpnn

    space = search_space.narrow_space(
        search_space.DMPNN_SPACE,
        l_win=(profile.dmpnn_l_win_min, profile.dmpnn_l_win_max),
        hidden=(300, profile.dmpnn_hidden_max),
        depth=(2, profile.dmpnn_depth_max),
    )
    # The published attention multiplies each edge state by its weight σ (mean 1/edges), which at
    # reduced scale starves later steps (the model stays at chance); the attention models of the
    # book rescale by the edge count (σ itself unchanged) — chapter 05 says so.
    fixed = {**search_space.DMPNN_FIXED, "attention": attention, "features": features, "attention_rescale": attention}
    return search_space.ModelSpec(name, train_dmpnn, predict_dmpnn, space, fixed, weights_suffix=".pt")


def settings(profile: Profile, model: str) -> dict[str, int]:
    """Iterations and epochs of ``model`` (``"cnn"`` or ``"dmpnn"``) at this profile."""
    prefix = "cnn" if model == "cnn" else "dmpnn"
    return {"n_iter": getattr(profile, f"{prefix}_iterations"),
            "inner_epochs": getattr(profile, f"{prefix}_inner_epochs"),
            "outer_epochs": getattr(profile, f"{prefix}_outer_epochs")}


def model_dir(run_dir: Path, spec: search_space.ModelSpec) -> Path:
    """Where a model's searches, weights and results live: ``<run_dir>/models/<name>``."""
    return Path(run_dir) / "models" / spec.name


def run_nested_cv(profile: Profile, run_dir: Path, spec: search_space.ModelSpec, scheduler: Any = None,
                  progress: bool = True, only: Sequence[int] | None = None) -> fold_results.NestedCVResult:
    """Nested cross-validation of ``spec`` on the profile's data sets (or those in ``only``), one Dask task per
    (data set, fold).

    Finished folds are loaded from their JSON results; an interrupted search resumes from its trials.
    """
    kind = "cnn" if spec.name == "cnn" else "dmpnn"
    ids = tuple(only) if only is not None else dataset_ids(profile)
    arguments = dict(run_dir=run_dir, profile_hash=profile.simulation_hash(), dataset_ids=ids,
                     model=spec, seed=profile.seed, out_dir=model_dir(run_dir, spec), progress=progress,
                     threads=1, **settings(profile, kind))
    with dask_client(profile, scheduler) as client:
        return nested_cv.nested_cv(client=client, **arguments)


def cross_dataset(profile: Profile, run_dir: Path, spec: search_space.ModelSpec) -> Any:
    """Mean outer-test AUC of models trained on data set i, tested on data set j (rows i, columns j).

    The matrix is cached in ``<model dir>/cross_dataset.json`` together with the config hashes of the
    fold results it was computed from: chapter 05 reuses the CNN's matrix from chapter 04, and any
    retrained fold makes the cache stale.
    """
    import numpy as np

    from glasslib import rundir_io
    from glasslib.simulation import store

    ids = dataset_ids(profile)
    results = load_results(profile, run_dir, spec)
    digest = sorted(f"{d}-{f}-{r.config_hash}" for (d, f), r in results.folds.items())
    path = model_dir(run_dir, spec) / "cross_dataset.json"
    try:
        cached = rundir_io.read_json_checked(path, profile.simulation_hash(), "the cross-data-set test")
        if cached.get("ids") == list(ids) and cached.get("folds") == digest:
            return np.asarray(cached["auc"])
    except store.StoreError:
        pass
    matrix = models_cross_dataset.cross_dataset_auc(run_dir, profile.simulation_hash(), spec, ids, ids, model_dir(run_dir, spec))
    rundir_io.write_json_atomic(path, {"profile_hash": profile.simulation_hash(), "ids": list(ids), "folds": digest,
                                   "auc": matrix})
    return matrix


def load_results(profile: Profile, run_dir: Path, spec: search_space.ModelSpec,
                 only: Sequence[int] | None = None) -> fold_results.NestedCVResult:
    """Stored fold results of ``spec`` (no training); a clear error naming the chapter to run first."""
    out_dir = model_dir(run_dir, spec)
    folds = {}
    for dataset in tuple(only) if only is not None else dataset_ids(profile):
        for fold in range(3):
            path = nested_cv.fold_paths(out_dir, spec, dataset, fold)["result"]
            folds[(dataset, fold)] = fold_results.read_fold_result(path, profile.simulation_hash(), spec.name)
    return fold_results.NestedCVResult(spec.name, folds)


def cost_settings(profile: Profile) -> dict[str, Any]:
    """Window sides and timed steps of the training-cost study (``train.bench_dmpnn``) at this profile."""
    if profile.name == "paper":
        return {"l_wins": (0.1, 0.15, 0.2, 0.25, 0.3), "steps": None}
    if profile.name == "quick":
        return {"l_wins": (0.1, 0.15, 0.2), "steps": {"I": 20, "I+attention": 10, "II": 2, "III": 1}}
    return {"l_wins": (0.1,), "steps": {"I": 3, "I+attention": 2, "II": 1, "III": 1}}
