"""Cross-data-set generalisation: the models trained on data set i, scored on data set j (SPEC section 7).

Every data set shares its splits (same runs in the same roles), so a model trained on data set i,
fold f, never saw a run of data set j's fold-f outer test set.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from glasslib import stats
from glasslib.data.datasets import Dataset
from glasslib.data.inherent_inputs import input_kind, model_inputs
from glasslib.data.splits import OUTER_TEST
from glasslib.models.fold_results import FoldResult, read_fold_result
from glasslib.models.nested_cv import _check_dataset_ids, fold_paths, stored_splits
from glasslib.models.search_space import HPOError, ModelSpec
from glasslib.rundir import ProductError


def _trained_fold(out_dir: Path, profile_hash: str, model: ModelSpec, dataset: int, fold: int) -> tuple[FoldResult, Path]:
    """The stored outer model of (data set, fold) and its weights file; a clear error if either is missing."""
    paths = fold_paths(out_dir, model, dataset, fold)
    advice = (
        f"run the nested cross-validation of {model.name!r} on data set {dataset} first "
        f"(nested_cv, or run_fold(dataset_id={dataset}, fold={fold}))"
    )
    try:
        result = read_fold_result(paths["result"], profile_hash, model.name)
    except ProductError as err:
        raise HPOError(f"data set {dataset}, fold {fold} has no trained {model.name!r} model: {err}; {advice}") from None
    if not paths["weights"].exists():
        raise HPOError(f"data set {dataset}, fold {fold}: the weights file {paths['weights']} is missing; {advice}")
    return result, paths["weights"]


def _check_shared_splits(run_dir: Path, profile_hash: str, ids: Sequence[int]) -> int:
    """Check that all data sets share their splits (no run of a test set was seen in training); number of folds."""
    reference = stored_splits(run_dir, profile_hash, ids[0])
    for d in ids[1:]:
        if not np.array_equal(stored_splits(run_dir, profile_hash, d), reference):
            raise HPOError(
                f"data sets {ids[0]} and {d} do not share their cross-validation splits; the "
                "cross-data-set matrix would test on runs seen in training. Rebuild the data sets (chapter 03)"
            )
    return int(reference.shape[0])


def cross_dataset_auc(
    run_dir: Path, profile_hash: str, model: ModelSpec, train_ids: Sequence[int], test_ids: Sequence[int], out_dir: Path
) -> np.ndarray:
    """Cross-data-set generalisation matrix (SPEC section 7): :func:`cross_dataset_fold_auc` averaged over folds.

    Returns
    -------
    (len(train_ids), len(test_ids)) ndarray
        Entry (i, j): mean over folds f of the ROC AUC, on data set ``test_ids[j]``'s fold-f outer
        test set, of the outer model trained on data set ``train_ids[i]`` fold f.
    """
    return cross_dataset_fold_auc(run_dir, profile_hash, model, train_ids, test_ids, out_dir).mean(axis=0)


def cross_dataset_fold_auc(
    run_dir: Path, profile_hash: str, model: ModelSpec, train_ids: Sequence[int], test_ids: Sequence[int], out_dir: Path
) -> np.ndarray:
    """The cross-data-set AUCs of every fold, for intervals over folds.

    Returns
    -------
    (n_folds, len(train_ids), len(test_ids)) ndarray
        Entry (f, i, j): ROC AUC, on data set ``test_ids[j]``'s fold-f outer test set, of the outer
        model trained on data set ``train_ids[i]`` fold f (its stored weights and hyperparameters,
        ``predict`` called with the outer training's seed). The diagonal (same data set) equals the
        nested-CV outer AUCs when ``predict`` reproduces ``train``'s test-set scoring for the same seed.

    Raises
    ------
    HPOError
        If a fold result or weights file is missing (naming what to run first), or if two data sets
        do not share their splits (the matrix would leak training runs into test sets).
    """
    ids = _check_dataset_ids([*train_ids, *test_ids])
    n_folds = _check_shared_splits(run_dir, profile_hash, list(dict.fromkeys(ids)))
    trained = {(d, f): _trained_fold(out_dir, profile_hash, model, d, f) for d in train_ids for f in range(n_folds)}
    matrix = np.zeros((n_folds, len(train_ids), len(test_ids)))
    for j, test_id in enumerate(test_ids):  # one data set in memory at a time
        data = model_inputs(Path(run_dir), test_id, profile_hash, input_kind(model))
        for i, train_id in enumerate(train_ids):
            matrix[:, i, j] = [_transfer_auc(data, f, model, *trained[(train_id, f)]) for f in range(n_folds)]
    return matrix


def _transfer_auc(data: Dataset, fold: int, model: ModelSpec, trained: FoldResult, weights: Path) -> float:
    """AUC of a stored outer model on ``data``'s fold-``fold`` outer test set."""
    indices = data.indices(fold, OUTER_TEST)
    probability = model.predict(data, indices, weights, trained.params, trained.outer_seed)
    probability = np.asarray(probability, dtype=float).ravel()
    if probability.shape != indices.shape:
        raise HPOError(f"model {model.name!r}: predict returned {probability.size} probabilities for {indices.size} configurations")
    return stats.roc_auc(data.labels[indices], probability)
