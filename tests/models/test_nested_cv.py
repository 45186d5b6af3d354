"""Nested cross-validation with TPE (glasslib.models.nested_cv) on synthetic data sets and a scikit-learn toy model.

The toy model is a logistic regression on two per-configuration features (mean and spread of the
nearest-neighbour distance): glasses are slightly jittered lattices, liquids strongly jittered ones.
It honours the TrainRequest contract (best epoch on validation, scores on test, weights saved) and
records every request it receives, so the tests can check which indices each stage saw.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from glasslib import rundir
from glasslib.data import datasets
from glasslib.data import splits as data_splits
from glasslib.models import cross_dataset, fold_results, nested_cv, search_space
from glasslib.models.contract import TrainRequest, TrainResult
from glasslib.profiles import get_profile

PROFILE = get_profile("smoke")
PROFILE_HASH = rundir.product_hash(PROFILE, "datasets")  # what the stored data sets record
N_RUNS = 20  # runs per class: 40 configurations per data set
N_PARTICLES = 30
SPLIT_SEED = 11
#: liquid jitter (lattice spacings) per data set: data set 2 is harder than data set 1
LIQUID_JITTER = {1: 0.35, 2: 0.16, 3: 0.35}
GLASS_JITTER = 0.08

CALLS: list[dict] = []  # every TrainRequest the toy model received, in order
FAIL_AT_CALL: list[int] = []  # when set, the toy training raises at this (1-based) call number


class KilledWorkerError(RuntimeError):
    """Stands for a killed worker."""


# --------------------------------------------------------------------------- the toy model
def _features(data: datasets.Dataset, indices: np.ndarray) -> np.ndarray:
    """(n, 2): mean and std of the nearest-neighbour distance (periodic unit square)."""
    positions = data.positions[indices].astype(float)  # (n, N, 2)
    delta = positions[:, :, None, :] - positions[:, None, :, :]
    delta -= np.round(delta)
    distance = np.sqrt((delta**2).sum(-1))
    distance[:, np.arange(distance.shape[1]), np.arange(distance.shape[1])] = np.inf
    nearest = distance.min(axis=2)
    return np.stack([nearest.mean(axis=1), nearest.std(axis=1)], axis=1)


def toy_train(data: datasets.Dataset, request: TrainRequest) -> TrainResult:
    """Logistic regression; 'epoch' e = e + 1 lbfgs iterations; best epoch by validation AUC."""
    CALLS.append(
        {
            "dataset": data.spec.dataset,
            "train": request.train.copy(),
            "validation": request.validation.copy(),
            "test": request.test.copy(),
            "params": dict(request.params),
            "seed": request.seed,
            "epochs": request.epochs,
            "weights_path": request.weights_path,
        }
    )
    if FAIL_AT_CALL and len(CALLS) == FAIL_AT_CALL[0]:
        raise KilledWorkerError(f"interrupted at call {len(CALLS)}")
    started = time.perf_counter()
    x_train, y_train = _features(data, request.train), data.labels[request.train]
    mean, std = x_train.mean(axis=0), x_train.std(axis=0) + 1e-12
    scale = lambda x: (x - mean) / std  # noqa: E731
    x_validation = scale(_features(data, request.validation))
    curves: dict[str, list[float]] = {"train_loss": [], "validation_auc": []}
    best = (-1.0, 0, None)
    for epoch in range(request.epochs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = LogisticRegression(C=10.0 ** request.params["log10_C"], max_iter=epoch + 1).fit(scale(x_train), y_train)
        curves["train_loss"].append(float(log_loss(y_train, fit.predict_proba(scale(x_train))[:, 1], labels=[0, 1])))
        validation_auc = float(roc_auc_score(data.labels[request.validation], fit.decision_function(x_validation)))
        curves["validation_auc"].append(validation_auc)
        if validation_auc > best[0]:
            best = (validation_auc, epoch, (fit.coef_.ravel().copy(), float(fit.intercept_[0])))
    _, best_epoch, (coef, intercept) = best
    weights = {"coef": coef, "intercept": intercept, "mean": mean, "std": std}
    if request.weights_path is not None:
        with open(request.weights_path, "wb") as handle:
            np.savez(handle, **weights)
    probability = _probability(data, request.test, weights)
    labels = data.labels[request.test]
    return TrainResult(
        auc=float(roc_auc_score(labels, probability)),
        accuracy=float(np.mean((probability >= 0.5) == labels)),
        test_probability=probability,
        test_labels=labels,
        curves=curves,
        best_epoch=best_epoch,
        seconds=time.perf_counter() - started,
        samples_per_second=1.0,
    )


def _probability(data: datasets.Dataset, indices: np.ndarray, weights: dict) -> np.ndarray:
    z = ((_features(data, indices) - weights["mean"]) / weights["std"]) @ weights["coef"] + weights["intercept"]
    return 1.0 / (1.0 + np.exp(-z))


def toy_predict(data: datasets.Dataset, indices: np.ndarray, weights_path: Path, params: dict, seed: int) -> np.ndarray:
    with np.load(weights_path) as stored:
        weights = {key: stored[key] for key in stored.files}
    return _probability(data, indices, weights)


TOY = search_space.ModelSpec(
    "toy",
    toy_train,
    toy_predict,
    space=(search_space.SearchParam("log10_C", -3, 2, 1), search_space.SearchParam("dropout", 0.0, 0.5, 0.05)),
    fixed={"batch_size": 5},
)
SETTINGS = {"n_iter": 4, "inner_epochs": 2, "outer_epochs": 3, "seed": 5}
# the toy model's 1-iteration "epochs" do not converge, on purpose (catch_warnings is not thread-safe under Dask)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# --------------------------------------------------------------------------- synthetic data sets
@pytest.fixture(scope="module")
def jittered_dataset(make_dataset):
    def build(dataset: int, splits: data_splits.Splits, liquid_jitter: float) -> datasets.Dataset:
        """2R configurations of a 6×5 lattice in the unit square: glasses jittered little, liquids much."""
        rng = np.random.default_rng(100 + dataset)
        grid = np.stack(np.meshgrid((np.arange(6) + 0.5) / 6, (np.arange(5) + 0.5) / 5), -1).reshape(-1, 2)
        jitter = np.concatenate([np.full(N_RUNS, GLASS_JITTER), np.full(N_RUNS, liquid_jitter)]) / 6
        positions = grid + rng.normal(size=(2 * N_RUNS, N_PARTICLES, 2)) * jitter[:, None, None]
        return make_dataset(positions, np.ones(N_PARTICLES), dataset=dataset, splits=splits, inherent_energy=rng.normal(size=2 * N_RUNS))

    return build


@pytest.fixture(scope="module")
def run_dir(jittered_dataset, tmp_path_factory) -> Path:
    """A run directory holding synthetic data sets 1 and 2 (shared splits)."""
    path = tmp_path_factory.mktemp("hpo_run")
    splits = data_splits.make_splits(N_RUNS, SPLIT_SEED)
    for dataset in (1, 2):
        datasets.save_dataset(path, jittered_dataset(dataset, splits, LIQUID_JITTER[dataset]), PROFILE)
    return path


def _nested(run_dir: Path, out_dir: Path, ids=(1, 2), **overrides) -> fold_results.NestedCVResult:
    settings = {**SETTINGS, **overrides}
    return nested_cv.nested_cv(run_dir, PROFILE_HASH, ids, TOY, out_dir=out_dir, progress=False, **settings)


@pytest.fixture(scope="module")
def reference(run_dir, tmp_path_factory):
    """One in-process nested CV on data sets 1 and 2, with the calls the toy model received."""
    CALLS.clear()
    out_dir = tmp_path_factory.mktemp("hpo_reference")
    result = _nested(run_dir, out_dir)
    return result, out_dir, list(CALLS)


def _essence(result: fold_results.FoldResult) -> dict:
    """What must be reproducible (no wall times, no paths)."""
    trials = [{k: t[k] for k in ("iteration", "params", "auc", "accuracy", "loss", "seed", "best_epoch", "curves")} for t in result.trials]
    return {
        "params": result.params,
        "auc": result.auc,
        "accuracy": result.accuracy,
        "inner_auc": result.inner_auc,
        "test_indices": result.test_indices.tolist(),
        "test_probability": result.test_probability.tolist(),
        "curves": result.curves,
        "best_epoch": result.best_epoch,
        "outer_seed": result.outer_seed,
        "trials": trials,
    }


# --------------------------------------------------------------------------- search space
def test_search_params_live_on_their_grid_with_the_right_types():
    hidden = search_space.SearchParam("hidden", 300, 2400, 100)
    assert hidden.values()[:3] == (300, 400, 500) and hidden.values()[-1] == 2400 and len(hidden.values()) == 22
    assert all(isinstance(v, int) for v in hidden.values())
    window = search_space.SearchParam("l_win", 0.1, 0.3, 0.05)
    assert window.values() == (0.1, 0.15, 0.2, 0.25, 0.3) and all(isinstance(v, float) for v in window.values())
    assert window.value(99) == 0.3 and window.value(-1) == 0.1  # clipped to the grid
    offset = search_space.SearchParam("odd", 0.15, 0.35, 0.1)  # low not a multiple of step: still on the grid
    assert offset.values() == (0.15, 0.25, 0.35)
    assert {p.name for p in search_space.DMPNN_SPACE} == {"k", "l_win", "hidden", "depth", "dropout", "ffn_layers"}
    assert [p.values() for p in search_space.CNN_SPACE][1] == tuple(range(10, 101, 10))
    narrow = search_space.narrow_space(search_space.DMPNN_SPACE, hidden=(300, 600), depth=(3, 3))
    model = search_space.ModelSpec("m", toy_train, toy_predict, narrow, search_space.DMPNN_FIXED)
    assert {p.name for p in model.searched} == {"k", "l_win", "hidden", "dropout", "ffn_layers"}
    params = model.params({"k": 2, "l_win": 4, "hidden": 3, "dropout": 1, "ffn_layers": 0})
    assert params == {"k": 3, "l_win": 0.3, "hidden": 600, "depth": 3, "dropout": 0.05, "ffn_layers": 1, "batch_size": 5}
    table = search_space.search_space_table(model)
    assert table.loc["hidden", "values"] == 4 and table.loc["batch_size", "values"] == 1


@pytest.mark.parametrize(
    "low, high, step, message",
    [
        (5, 1, 1, "above high"),
        (0.0, 0.5, 0.0, "step must be positive"),
        (1, 5, -1, "step must be positive"),
        (0.0, 0.5, 0.2, "whole number of steps"),
        (0.0, float("nan"), 0.1, "finite"),
    ],
)
def test_bad_search_params_are_refused(low, high, step, message):
    with pytest.raises(search_space.HPOError, match=message):
        search_space.SearchParam("p", low, high, step)


def test_bad_model_specs_are_refused():
    p = search_space.SearchParam("p", 1, 3, 1)
    with pytest.raises(search_space.HPOError, match="appear twice"):
        search_space.ModelSpec("m", toy_train, toy_predict, (p, p))
    with pytest.raises(search_space.HPOError, match="both searched and fixed"):
        search_space.ModelSpec("m", toy_train, toy_predict, (p,), {"p": 2})
    with pytest.raises(search_space.HPOError, match="module-level"):
        search_space.ModelSpec("m", lambda d, r: None, toy_predict, (p,))
    with pytest.raises(search_space.HPOError, match="no search parameter"):
        search_space.narrow_space((p,), q=(1, 2))


def test_bad_counts_and_unknown_data_sets_are_refused(run_dir, tmp_path):
    with pytest.raises(search_space.HPOError, match="n_iter must be an integer ≥ 1"):
        _nested(run_dir, tmp_path, n_iter=0)
    with pytest.raises(search_space.HPOError, match="outer_epochs"):
        _nested(run_dir, tmp_path, outer_epochs=0)
    with pytest.raises(search_space.HPOError, match=r"unknown data set id\(s\) \[7\]"):
        _nested(run_dir, tmp_path, ids=(1, 7))
    with pytest.raises(Exception, match="03_datasets"):  # stored data set missing: chapter 03's error
        _nested(run_dir, tmp_path, ids=(4,))


# --------------------------------------------------------------------------- the protocol
def test_nested_cv_reports_every_fold_with_params_from_the_space(reference):
    result, out_dir, _ = reference
    assert sorted(result.folds) == [(d, f) for d in (1, 2) for f in range(3)]
    grids = {p.name: p.values() for p in TOY.space}
    for fold in result.folds.values():
        assert fold.params["log10_C"] in grids["log10_C"] and isinstance(fold.params["log10_C"], int)
        assert fold.params["dropout"] in grids["dropout"] and fold.params["batch_size"] == 5
        assert 0.0 <= fold.auc <= 1.0 and 0.0 <= fold.accuracy <= 1.0
        assert len(fold.trials) == SETTINGS["n_iter"] and fold.params == nested_cv.best_trial(fold.trials)["params"]
        assert len(fold.curves["validation_auc"]) == SETTINGS["outer_epochs"]
        assert fold.test_probability.shape == fold.test_labels.shape == fold.test_indices.shape
        assert (out_dir / f"ds{fold.dataset}_fold{fold.fold}.result.json").exists()
        assert (out_dir / f"ds{fold.dataset}_fold{fold.fold}.weights").exists()
        assert (out_dir / f"trials_ds{fold.dataset}_fold{fold.fold}.pkl").exists()
    summary = result.summary()
    assert list(summary.index) == [1, 2] and (summary["folds"] == 3).all()
    aucs = [result.folds[(1, f)].auc for f in range(3)]
    assert summary.loc[1, "AUC mean"] == pytest.approx(np.mean(aucs))
    assert summary.loc[1, "AUC std"] == pytest.approx(np.std(aucs))
    assert {"accuracy mean", "accuracy std", "params fold 0", "params fold 2"} <= set(summary.columns)
    assert summary.loc[1, "AUC mean"] > 0.9  # the easy data set is learnt
    assert len(result.curves_table()) == 6 * 2 * SETTINGS["outer_epochs"]
    assert result.fold_table().shape[0] == 6


def test_inner_searches_see_inner_sets_and_the_outer_model_is_scored_on_outer_test(reference, run_dir):
    result, _, calls = reference
    n = SETTINGS["n_iter"]
    assert len(calls) == 6 * (n + 1)
    jobs = list(result.folds)
    for block, (dataset_id, fold) in enumerate(jobs):
        data = datasets.load_dataset(run_dir, dataset_id, PROFILE_HASH)
        part = {role: data.indices(fold, role) for role in fold_results.ROLE_NAMES}
        inner, outer = calls[block * (n + 1) : block * (n + 1) + n], calls[block * (n + 1) + n]
        for call in inner:
            assert call["dataset"] == dataset_id and call["weights_path"] is None
            assert np.array_equal(call["train"], part[data_splits.TRAIN])
            assert np.array_equal(call["validation"], part[data_splits.VALIDATION])
            assert np.array_equal(call["test"], part[data_splits.TEST])
            seen = np.concatenate([call["train"], call["validation"], call["test"]])
            assert not np.isin(seen, part[data_splits.OUTER_TEST]).any()
            assert call["epochs"] == SETTINGS["inner_epochs"]
        assert len({c["seed"] for c in inner}) == n  # one seed per iteration
        assert np.array_equal(outer["train"], np.union1d(part[data_splits.TRAIN], part[data_splits.TEST]))
        assert np.array_equal(outer["validation"], part[data_splits.VALIDATION])
        assert np.array_equal(outer["test"], part[data_splits.OUTER_TEST])
        assert outer["epochs"] == SETTINGS["outer_epochs"] and outer["params"] == result.folds[(dataset_id, fold)].params
        assert np.array_equal(result.folds[(dataset_id, fold)].test_indices, part[data_splits.OUTER_TEST])


def test_same_seed_same_result_other_seed_other_trials(reference, run_dir, tmp_path):
    result, _, _ = reference
    again = _nested(run_dir, tmp_path / "again", ids=(1,))
    for fold in range(3):
        assert _essence(again.folds[(1, fold)]) == _essence(result.folds[(1, fold)])
    other = _nested(run_dir, tmp_path / "other", ids=(1,), seed=6)
    assert [t["seed"] for t in other.folds[(1, 0)].trials] != [t["seed"] for t in result.folds[(1, 0)].trials]


def test_finished_folds_load_from_json_and_only_what_changed_reruns(reference, run_dir):
    result, out_dir, _ = reference
    CALLS.clear()
    loaded = _nested(run_dir, out_dir)
    assert CALLS == []  # nothing retrained
    assert all(_essence(loaded.folds[k]) == _essence(r) for k, r in result.folds.items())
    # more outer epochs: the inner searches are reused, only the six outer models are retrained
    CALLS.clear()
    longer = _nested(run_dir, out_dir, ids=(1,), outer_epochs=4)
    assert len(CALLS) == 3 and all(c["weights_path"] is not None for c in CALLS)
    assert all(len(r.curves["train_loss"]) == 4 for r in longer.folds.values())
    _nested(run_dir, out_dir, ids=(1,))  # back to the reference settings for later tests
    # a current JSON whose weights file has gone: the search is reused, the outer model retrained
    (out_dir / "ds2_fold2.weights").unlink()
    CALLS.clear()
    again = _nested(run_dir, out_dir, ids=(2,))
    assert len(CALLS) == 1 and (out_dir / "ds2_fold2.weights").exists()
    assert _essence(again.folds[(2, 2)]) == _essence(result.folds[(2, 2)])


def test_a_space_with_nothing_to_search_runs_one_trial(run_dir, tmp_path):
    fixed = search_space.ModelSpec("fixed", toy_train, toy_predict, (search_space.SearchParam("log10_C", 1, 1, 1),), {"dropout": 0.1})
    CALLS.clear()
    result = nested_cv.run_fold(run_dir, PROFILE_HASH, 1, 2, fixed, out_dir=tmp_path, **SETTINGS)
    assert len(CALLS) == 2 and result.params == {"log10_C": 1, "dropout": 0.1} and len(result.trials) == 1


def test_an_interrupted_search_resumes_with_only_the_missing_evaluations(run_dir, tmp_path):
    n = 5
    kwargs = {**SETTINGS, "n_iter": n}
    CALLS.clear()
    uninterrupted = nested_cv.run_fold(run_dir, PROFILE_HASH, 1, 0, TOY, out_dir=tmp_path / "whole", **kwargs)
    CALLS.clear()
    FAIL_AT_CALL.append(3)  # two evaluations finish, the third is killed
    try:
        with pytest.raises(KilledWorkerError):
            nested_cv.run_fold(run_dir, PROFILE_HASH, 1, 0, TOY, out_dir=tmp_path / "cut", **kwargs)
    finally:
        FAIL_AT_CALL.clear()
    assert not (tmp_path / "cut" / "ds1_fold0.result.json").exists()
    CALLS.clear()
    resumed = nested_cv.run_fold(run_dir, PROFILE_HASH, 1, 0, TOY, out_dir=tmp_path / "cut", **kwargs)
    assert len(CALLS) == (n - 2) + 1  # the three missing evaluations and the outer model
    assert _essence(resumed) == _essence(uninterrupted)  # the same as if never interrupted


def test_a_longer_search_extends_a_shorter_one_and_a_corrupt_trials_file_is_redone(run_dir, tmp_path):
    kwargs = {**SETTINGS, "out_dir": tmp_path / "grow"}
    nested_cv.run_fold(run_dir, PROFILE_HASH, 2, 1, TOY, **{**kwargs, "n_iter": 2})
    CALLS.clear()
    grown = nested_cv.run_fold(run_dir, PROFILE_HASH, 2, 1, TOY, **{**kwargs, "n_iter": 4})
    assert len(CALLS) == 2 + 1
    fresh = nested_cv.run_fold(run_dir, PROFILE_HASH, 2, 1, TOY, **{**SETTINGS, "n_iter": 4, "out_dir": tmp_path / "fresh"})
    assert _essence(grown) == _essence(fresh)
    CALLS.clear()
    shorter = nested_cv.run_fold(run_dir, PROFILE_HASH, 2, 1, TOY, **{**kwargs, "n_iter": 3})
    assert len(CALLS) == 1 and shorter.trials == grown.trials[:3]  # first three trials reused
    (tmp_path / "grow" / "trials_ds2_fold1.pkl").write_bytes(b"\x80\x04 truncated")
    (tmp_path / "grow" / "ds2_fold1.result.json").write_text("{ half")
    CALLS.clear()
    redone = nested_cv.run_fold(run_dir, PROFILE_HASH, 2, 1, TOY, **{**kwargs, "n_iter": 3})
    assert len(CALLS) == 3 + 1 and _essence(redone) == _essence(shorter)


def test_dask_local_cluster_gives_the_in_process_result(reference, run_dir, tmp_path):
    from dask.distributed import Client, LocalCluster

    result, _, _ = reference
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0", silence_logs=40) as cluster,
        Client(cluster) as client,
    ):
        distributed = _nested(run_dir, tmp_path / "dask", client=client)
    assert list(distributed.folds) == list(result.folds)
    assert all(_essence(distributed.folds[k]) == _essence(r) for k, r in result.folds.items())


# --------------------------------------------------------------------------- cross-data-set matrix
def test_cross_dataset_matrix_has_the_outer_aucs_on_its_diagonal(reference, run_dir):
    result, out_dir, _ = reference
    matrix = cross_dataset.cross_dataset_auc(run_dir, PROFILE_HASH, TOY, [1, 2], [1, 2], out_dir)
    assert matrix.shape == (2, 2) and np.all((matrix >= 0) & (matrix <= 1))
    for i, dataset in enumerate((1, 2)):
        assert matrix[i, i] == pytest.approx(result.summary().loc[dataset, "AUC mean"], abs=1e-12)
    one_row = cross_dataset.cross_dataset_auc(run_dir, PROFILE_HASH, TOY, [2], [1, 2], out_dir)
    assert one_row.shape == (1, 2) and np.allclose(one_row[0], matrix[1])


def test_cross_dataset_matrix_says_what_to_run_first(reference, run_dir, tmp_path):
    result, out_dir, _ = reference
    with pytest.raises(search_space.HPOError, match=r"data set 1, fold 0 has no trained 'toy' model.*on data set 1 first"):
        cross_dataset.cross_dataset_auc(run_dir, PROFILE_HASH, TOY, [1], [2], tmp_path / "empty")
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in out_dir.iterdir():
        if path.name != "ds2_fold1.weights":
            (copy / path.name).write_bytes(path.read_bytes())
    with pytest.raises(search_space.HPOError, match=r"data set 2, fold 1: the weights file .*ds2_fold1.weights is missing"):
        cross_dataset.cross_dataset_auc(run_dir, PROFILE_HASH, TOY, [1, 2], [1], copy)


def test_cross_dataset_matrix_refuses_data_sets_with_different_splits(jittered_dataset, tmp_path):
    for dataset, seed in ((1, SPLIT_SEED), (3, SPLIT_SEED + 1)):
        data = jittered_dataset(dataset, data_splits.make_splits(N_RUNS, seed), LIQUID_JITTER[dataset])
        datasets.save_dataset(tmp_path, data, PROFILE)
    with pytest.raises(search_space.HPOError, match="do not share their cross-validation splits"):
        cross_dataset.cross_dataset_auc(tmp_path, PROFILE_HASH, TOY, [1], [3], tmp_path / "models")


# --------------------------------------------------------------------------- bad folds
@pytest.mark.parametrize("role, name", [(data_splits.TEST, "inner test"), (data_splits.OUTER_TEST, "outer test")])
def test_a_fold_whose_test_set_has_one_class_is_a_clear_error(jittered_dataset, tmp_path, role, name):
    splits = data_splits.make_splits(N_RUNS, SPLIT_SEED)
    data = jittered_dataset(3, splits, LIQUID_JITTER[3])
    labels = data.labels.copy()
    labels[data.indices(1, role)] = datasets.LIQUID  # fold 1's set loses its glasses
    datasets.save_dataset(tmp_path, dataclasses.replace(data, labels=labels), PROFILE)
    CALLS.clear()
    with pytest.raises(search_space.HPOError, match=rf"data set 3, fold 1: the {name} set .*too few samples for its split"):
        nested_cv.run_fold(tmp_path, PROFILE_HASH, 3, 1, TOY, out_dir=tmp_path / "out", **SETTINGS)
    assert CALLS == []  # refused before any training
    with pytest.raises(search_space.HPOError, match="folds 0 … 2, not 3"):
        nested_cv.run_fold(tmp_path, PROFILE_HASH, 3, 3, TOY, out_dir=tmp_path / "out", **SETTINGS)
