"""Nested cross-validation with hyperopt's TPE, for any model (chapters 04 CNN and 05 D-MPNN).

The protocol (SPEC section 7), identical for both networks:

* **Outer loop** — the data set's three stored folds (:class:`glasslib.data.splits.Splits`, shared by
  all six data sets). Fold f's outer test set is ``Dataset.indices(f, OUTER_TEST)``, 20 % of the runs.
* **Inner loop** — inside the remaining 80 %, the stored 80/10/10 split into inner train,
  validation and test. A Tree-structured Parzen Estimator (``hyperopt.fmin`` with
  ``tpe.suggest``) proposes ``n_iter`` hyperparameter settings, one after another; each is trained
  for ``inner_epochs`` epochs on the inner train set, keeps its best epoch by validation AUC, and
  is scored by ROC AUC on the inner test set (hyperopt loss = 1 − AUC).
* **Outer model** — the best setting is trained for ``outer_epochs`` on the *outer training set*
  and scored (ROC AUC, accuracy at threshold 0.5) on the outer test set. Our choice for the outer
  training set: **train = inner train ∪ inner test, validation = inner validation** — every
  configuration outside the outer test set is used, and the best epoch is still picked on data the
  weights never saw. (The paper, via chemprop, does not spell this out.)

Reported: per fold the AUC, accuracy, chosen hyperparameters, training curves, outer-test
probabilities and every inner trial; per data set mean ± std over the folds (population std,
``ddof=0``, as chemprop's ``cross_validate``). :func:`cross_dataset_auc` reuses the saved outer
models for the cross-data-set matrix: because all data sets share their splits (same runs), a
model trained on data set i fold f never saw a run of data set j's fold-f outer test set.

hyperopt's TPE draws its first 20 suggestions at random (``n_startup_jobs``); with the paper's 15
iterations the search is therefore a random search over the grid, as it was in the paper.
``n_startup_jobs`` lowers that threshold if wanted.

Resumability and reproducibility. Each (data set × fold) search is one function,
:func:`run_fold`, and one Dask task. After every evaluation its hyperopt ``Trials`` are pickled
atomically to ``<out_dir>/trials_ds{d}_fold{f}.pkl``; an interrupted search resumes with only the
missing evaluations, and a finished fold (``<out_dir>/ds{d}_fold{f}.json``, written atomically,
carrying a hash of everything it depends on) is loaded, not recomputed. Every random choice is
derived from ``(seed, data set, fold, iteration)``: the TPE generator of iteration i as well as the
training seed, so a resumed search proposes exactly what an uninterrupted one would have, and a
longer search (larger ``n_iter``) extends a shorter one.

This module is framework-neutral: it only calls the model's ``train`` and ``predict`` functions
(:mod:`glasslib.models.contract`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import pickle
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glasslib import stats
from glasslib.atomic import atomic_path
from glasslib.cluster import training_slot, worker_name
from glasslib.data.datasets import DATASET_IDS, Dataset, stored_splits
from glasslib.data.inherent_inputs import input_kind, model_inputs
from glasslib.data.splits import OUTER_TEST, TEST, TRAIN, VALIDATION
from glasslib.models.contract import TrainRequest, TrainResult
from glasslib.models.fold_results import ROLE_NAMES, FoldResult, NestedCVResult, read_fold_result, write_fold_result
from glasslib.models.search_space import HPOError, ModelSpec
from glasslib.progress import progress_bar
from glasslib.rundir import ProductError

#: Bump when the protocol changes so that stored fold results become stale.
PROTOCOL_VERSION = 1


_INNER_STREAM, _OUTER_STREAM, _TPE_STREAM = 0, 1, 2


def derive_seed(seed: int, dataset: int, fold: int, stream: int, iteration: int = 0) -> int:
    """A positive 31-bit seed from ``SeedSequence((seed, dataset, fold, stream, iteration))``.

    ``stream`` separates the inner trainings (0), the outer training (1) and the TPE generator (2).
    """
    sequence = np.random.SeedSequence((seed, dataset, fold, stream, iteration))
    return int(sequence.generate_state(1)[0] % (2**31 - 2)) + 1


def _digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 of a JSON-able mapping (keys sorted)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def search_hash(
    profile_hash: str, model: ModelSpec, dataset: int, fold: int, inner_epochs: int, seed: int, n_startup_jobs: int | None
) -> str:
    """Hash of what an inner search's trials depend on (not ``n_iter``: a longer search extends a shorter one)."""
    return _digest(
        {
            "protocol": PROTOCOL_VERSION,
            "profile_hash": profile_hash,
            "model": model.describe(),
            "dataset": dataset,
            "fold": fold,
            "inner_epochs": inner_epochs,
            "seed": seed,
            "n_startup_jobs": n_startup_jobs,
        }
    )


def fold_hash(search: str, n_iter: int, outer_epochs: int) -> str:
    """Hash of everything a fold result depends on: the search hash, ``n_iter`` and ``outer_epochs``."""
    return _digest({"search": search, "n_iter": n_iter, "outer_epochs": outer_epochs})


def default_out_dir(run_dir: Path, model: ModelSpec) -> Path:
    """Where a model's nested cross-validation lives by default: ``<run_dir>/hpo/<model name>``."""
    return Path(run_dir) / "hpo" / model.name


def fold_paths(out_dir: Path, model: ModelSpec, dataset: int, fold: int) -> dict[str, Path]:
    """Files of one (data set × fold): ``result`` (JSON), ``trials`` (pickle) and ``weights``."""
    out_dir = Path(out_dir)
    stem = f"ds{dataset}_fold{fold}"
    return {
        "result": out_dir / f"{stem}.result.json",
        "trials": out_dir / f"trials_{stem}.pkl",
        "weights": out_dir / f"{stem}{model.weights_suffix}",
    }


def _current_result(paths: dict[str, Path], profile_hash: str, model: ModelSpec, config_hash: str) -> FoldResult | None:
    """The stored fold result if it is current and its weights exist, else ``None``."""
    try:
        result = read_fold_result(paths["result"], profile_hash, model.name)
    except ProductError:
        return None
    if result.config_hash != config_hash or not paths["weights"].exists():
        return None
    return result


def _check_counts(n_iter: int, inner_epochs: int, outer_epochs: int) -> None:
    for name, value in (("n_iter", n_iter), ("inner_epochs", inner_epochs), ("outer_epochs", outer_epochs)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise HPOError(f"{name} must be an integer ≥ 1, got {value!r}")


def _check_dataset_ids(dataset_ids: Iterable[int]) -> list[int]:
    ids = list(dataset_ids)
    unknown = [d for d in ids if d not in DATASET_IDS]
    if unknown or not ids:
        raise HPOError(f"unknown data set id(s) {unknown or '(none given)'}; choose from {list(DATASET_IDS)}")
    return ids


def check_fold(data: Dataset, fold: int) -> None:
    """Check that ``fold`` exists and that each of its four sets holds both classes.

    Raises
    ------
    HPOError
        Naming the data set, the fold and the set: a fold with too few samples for its split.
    """
    n_folds = data.splits.inner.shape[0]
    if not 0 <= fold < n_folds:
        raise HPOError(f"data set {data.spec.dataset} has folds 0 … {n_folds - 1}, not {fold}")
    for role, role_name in ROLE_NAMES.items():
        labels = data.labels[data.indices(fold, role)]
        if len(np.unique(labels)) < 2:
            raise HPOError(
                f"data set {data.spec.dataset}, fold {fold}: the {role_name} set holds "
                f"{len(labels)} configuration(s) of classes {sorted(set(labels.tolist()))} — a fold with too few "
                "samples for its split; ROC AUC needs both liquids and glasses (use more runs per schedule)"
            )


def _score(data: Dataset, indices: np.ndarray, result: TrainResult, model: str) -> tuple[float, float, np.ndarray]:
    """AUC, accuracy and probabilities of a job, recomputed from its probabilities and the data set's labels.

    Non-finite probabilities (a diverged training) give AUC and accuracy NaN.
    """
    probability = np.asarray(result.test_probability, dtype=float).ravel()
    if probability.shape != indices.shape:
        raise HPOError(
            f"model {model!r} returned {probability.size} test probabilities for {indices.size} test "
            "configurations (TrainResult.test_probability must follow request.test)"
        )
    labels = data.labels[indices]
    if not np.all(np.isfinite(probability)):
        return math.nan, math.nan, probability
    return stats.roc_auc(labels, probability), stats.accuracy(labels, probability), probability


def _objective(
    indices: Mapping[str, float], *, data: Dataset, model: ModelSpec, fold: int, iteration: int, seed: int, epochs: int, threads: int
) -> dict[str, Any]:
    """One inner trial: train on inner train, pick the epoch on validation, score the inner test set."""
    from hyperopt import STATUS_OK

    params = model.params(indices)
    trial_seed = derive_seed(seed, data.spec.dataset, fold, _INNER_STREAM, iteration)
    request = TrainRequest(
        train=data.indices(fold, TRAIN),
        validation=data.indices(fold, VALIDATION),
        test=data.indices(fold, TEST),
        params=params,
        epochs=epochs,
        seed=trial_seed,
        threads=threads,
    )
    result = model.train(data, request)
    auc, accuracy, _ = _score(data, request.test, result, model.name)
    loss = 1.0 if math.isnan(auc) else 1.0 - auc  # a diverged training is the worst possible trial
    return {
        "loss": loss,
        "status": STATUS_OK,
        "iteration": iteration,
        "params": params,
        "auc": auc,
        "accuracy": accuracy,
        "seed": trial_seed,
        "best_epoch": int(result.best_epoch),
        "seconds": float(result.seconds),
        "device": result.device,
        "worker": worker_name(),
        "curves": {k: [float(x) for x in v] for k, v in result.curves.items()},
    }


def _load_trials(path: Path, expected_hash: str, n_iter: int) -> Any:
    """Saved hyperopt Trials of this search (first ``n_iter``), or fresh ones if missing, stale or corrupt."""
    from hyperopt import Trials

    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)
        if saved["hash"] != expected_hash:
            return Trials()
        trials = saved["trials"]
    except Exception:
        return Trials()
    if len(trials.trials) <= n_iter:
        return trials
    shorter = Trials()  # a shorter search than the saved one: its first n_iter trials are exactly that
    shorter.insert_trial_docs([dict(doc) for doc in trials.trials[:n_iter]])
    shorter.refresh()
    return shorter


def _save_trials(path: Path, trials: Any, search: str) -> None:
    """Pickle the trials atomically (:func:`glasslib.atomic.atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        pickle.dump({"hash": search, "trials": trials}, handle)


def inner_search(
    data: Dataset,
    fold: int,
    model: ModelSpec,
    n_iter: int,
    inner_epochs: int,
    seed: int,
    trials_path: Path,
    search: str,
    threads: int = 1,
    n_startup_jobs: int | None = None,
) -> list[dict[str, Any]]:
    """Run (or resume) the TPE search of one fold; returns the ``n_iter`` trial records in order.

    Each iteration is one ``hyperopt.fmin`` step (``max_evals`` = trials so far + 1) on the saved
    Trials with a generator derived from (seed, data set, fold, iteration); the Trials are saved
    atomically to ``trials_path`` after each evaluation, so an interruption costs at most the
    evaluation in flight. (fmin's own ``trials_save_file`` is not used: hyperopt writes it in place,
    not atomically, and a resumed fmin would restart its generator and propose other points than an
    uninterrupted search.) With nothing to search (every range a single value) one trial is run,
    whatever ``n_iter`` says.
    """
    from hyperopt import fmin, tpe

    algo = tpe.suggest if n_startup_jobs is None else functools.partial(tpe.suggest, n_startup_jobs=n_startup_jobs)
    space = model.hyperopt_space()
    n_iter = n_iter if model.searched else 1
    trials = _load_trials(trials_path, search, n_iter)
    for iteration in range(len(trials.trials), n_iter):
        objective = functools.partial(
            _objective, data=data, model=model, fold=fold, iteration=iteration, seed=seed, epochs=inner_epochs, threads=threads
        )
        rstate = np.random.default_rng(derive_seed(seed, data.spec.dataset, fold, _TPE_STREAM, iteration))
        fmin(objective, space, algo=algo, max_evals=iteration + 1, trials=trials, rstate=rstate, show_progressbar=False, verbose=False)
        _save_trials(trials_path, trials, search)
    return [dict(trial["result"]) for trial in trials.trials[:n_iter]]


def best_trial(trials: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The trial of lowest loss (the first one on ties)."""
    return trials[int(np.argmin([t["loss"] for t in trials]))]


def _outer_training(
    data: Dataset, fold: int, model: ModelSpec, params: Mapping[str, Any], epochs: int, seed: int, weights_path: Path, threads: int
) -> tuple[TrainRequest, TrainResult]:
    """Train the chosen setting on inner train ∪ inner test, pick the epoch on validation, test on outer test."""
    request = TrainRequest(
        train=np.union1d(data.indices(fold, TRAIN), data.indices(fold, TEST)),
        validation=data.indices(fold, VALIDATION),
        test=data.indices(fold, OUTER_TEST),
        params=dict(params),
        epochs=epochs,
        seed=derive_seed(seed, data.spec.dataset, fold, _OUTER_STREAM),
        weights_path=weights_path,
        threads=threads,
    )
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    result = model.train(data, request)
    if not weights_path.exists():
        raise HPOError(
            f"model {model.name!r}: train did not save the weights to {weights_path} (TrainRequest.weights_path must be written when given)"
        )
    return request, result


def run_fold(
    run_dir: Path,
    profile_hash: str,
    dataset_id: int,
    fold: int,
    model: ModelSpec,
    n_iter: int,
    inner_epochs: int,
    outer_epochs: int,
    seed: int,
    out_dir: Path,
    threads: int = 1,
    n_startup_jobs: int | None = None,
) -> FoldResult:
    """One (data set × fold) of the nested cross-validation; a Dask task.

    Parameters
    ----------
    run_dir : Path — the profile's run directory (data sets from chapter 03).
    profile_hash : str — the hash the data sets were stored with (``rundir.product_hash(profile, "datasets")``).
    dataset_id : int — 1 … 6.
    fold : int — outer fold, 0 … 2.
    model : ModelSpec
    n_iter : int — TPE iterations of the inner search (paper: 15).
    inner_epochs, outer_epochs : int — epochs per inner trial and of the outer model (paper: 10, 10).
    seed : int — root of every random choice.
    out_dir : Path — where the trials, weights and result of the fold go (:func:`fold_paths`).
    threads : int — CPU threads each training may use.
    n_startup_jobs : int, optional — TPE's random start-up trials (hyperopt's default, 20, if None).

    Returns
    -------
    FoldResult
        Loaded from ``<out_dir>/ds{d}_fold{f}.json`` when that is current (same hash, weights
        present), else computed, resuming the inner search from its saved trials.
    """
    _check_counts(n_iter, inner_epochs, outer_epochs)
    _check_dataset_ids([dataset_id])
    paths = fold_paths(out_dir, model, dataset_id, fold)
    search = search_hash(profile_hash, model, dataset_id, fold, inner_epochs, seed, n_startup_jobs)
    config = fold_hash(search, n_iter, outer_epochs)
    current = _current_result(paths, profile_hash, model, config)
    if current is not None:
        return current
    data = model_inputs(Path(run_dir), dataset_id, profile_hash, input_kind(model))
    check_fold(data, fold)
    with training_slot():
        trials = inner_search(data, fold, model, n_iter, inner_epochs, seed, paths["trials"], search, threads, n_startup_jobs)
        chosen = best_trial(trials)
        request, outcome = _outer_training(data, fold, model, chosen["params"], outer_epochs, seed, paths["weights"], threads)
    auc, accuracy, probability = _score(data, request.test, outcome, model.name)
    result = FoldResult(
        dataset=dataset_id,
        fold=fold,
        model=model.name,
        params=dict(chosen["params"]),
        auc=auc,
        accuracy=accuracy,
        inner_auc=float(chosen["auc"]),
        test_indices=request.test,
        test_probability=probability,
        test_labels=data.labels[request.test],
        curves={k: [float(x) for x in v] for k, v in outcome.curves.items()},
        best_epoch=int(outcome.best_epoch),
        seconds=float(outcome.seconds),
        samples_per_second=float(outcome.samples_per_second),
        outer_seed=request.seed,
        n_train=len(request.train),
        n_validation=len(request.validation),
        trials=trials,
        weights_path=str(paths["weights"]),
        config_hash=config,
        device=outcome.device,
        worker=worker_name(),
    )
    write_fold_result(paths["result"], result, profile_hash)
    return result


def stored_fold(profile_hash: str, dataset_id: int, fold: int, model: ModelSpec, out_dir: Path | str, **settings: Any) -> FoldResult | None:
    """The stored result of one fold if it is current (same settings, weights present), else ``None``; JSON only.

    ``settings``: :func:`run_fold`'s ``n_iter``, ``inner_epochs``, ``outer_epochs``, ``seed`` and ``n_startup_jobs``.
    """
    paths = fold_paths(Path(out_dir), model, dataset_id, fold)
    keys = ("inner_epochs", "seed", "n_startup_jobs")
    search = search_hash(profile_hash, model, dataset_id, fold, *(settings.get(k) for k in keys))
    return _current_result(paths, profile_hash, model, fold_hash(search, settings["n_iter"], settings["outer_epochs"]))


def nested_cv(
    run_dir: Path,
    profile_hash: str,
    dataset_ids: Iterable[int],
    model: ModelSpec,
    n_iter: int,
    inner_epochs: int,
    outer_epochs: int,
    seed: int,
    out_dir: Path,
    client: Any = None,
    progress: bool = True,
    threads: int = 1,
    n_startup_jobs: int | None = None,
) -> NestedCVResult:
    """Nested cross-validation of ``model`` on every fold of every data set in ``dataset_ids``.

    Each (data set × fold) is one :func:`run_fold` task, submitted to ``client`` (a
    ``dask.distributed.Client``, e.g. from :func:`glasslib.cluster.dask_client`) or run here, one
    after another, when ``client`` is None. Finished folds are loaded from ``out_dir``. The other
    parameters are :func:`run_fold`'s; ``progress`` shows a tqdm bar.
    """
    ids = _check_dataset_ids(dataset_ids)
    _check_counts(n_iter, inner_epochs, outer_epochs)
    jobs = [(d, f) for d in ids for f in range(stored_splits(run_dir, profile_hash, d).shape[0])]
    kwargs = {
        "model": model,
        "n_iter": n_iter,
        "inner_epochs": inner_epochs,
        "outer_epochs": outer_epochs,
        "seed": seed,
        "out_dir": str(out_dir),
        "threads": threads,
        "n_startup_jobs": n_startup_jobs,
    }
    stored = stored_result(run_dir, profile_hash, ids, **kwargs)
    if stored is not None:  # every fold current: nothing to train
        return stored
    bar = _progress_bar(len(jobs), model.name, progress)
    results: dict[tuple[int, int], FoldResult] = {}
    if client is None:
        for d, f in jobs:
            results[(d, f)] = run_fold(str(run_dir), profile_hash, d, f, **kwargs)
            bar.update(1)
    else:
        results = _run_on_client(client, jobs, str(run_dir), profile_hash, kwargs, bar)
    bar.close()
    return NestedCVResult(model.name, {job: results[job] for job in jobs})


def stored_result(run_dir: Path, profile_hash: str, dataset_ids: Iterable[int], model: ModelSpec, **settings: Any) -> NestedCVResult | None:
    """The whole :func:`nested_cv` result if every fold's stored result is current, else ``None``.

    Takes :func:`nested_cv`'s arguments (execution ones ignored) and reads split roles and fold JSON
    files only, so a finished search is read back without a Dask cluster or a framework.
    """
    ids = _check_dataset_ids(dataset_ids)
    jobs = [(d, f) for d in ids for f in range(stored_splits(run_dir, profile_hash, d).shape[0])]
    kept = {k: settings.get(k) for k in ("out_dir", "n_iter", "inner_epochs", "outer_epochs", "seed", "n_startup_jobs")}
    found = {job: stored_fold(profile_hash, *job, model, **kept) for job in jobs}
    if any(result is None for result in found.values()):
        return None
    return NestedCVResult(model.name, {job: result for job, result in found.items() if result is not None})


def _progress_bar(total: int, name: str, progress: bool) -> Any:
    return progress_bar(total=total, desc=f"nested CV ({name})", unit="fold", disable=not progress, mininterval=5.0)


def _run_on_client(
    client: Any, jobs: list[tuple[int, int]], run_dir: str, profile_hash: str, kwargs: dict[str, Any], bar: Any
) -> dict[tuple[int, int], FoldResult]:
    """Submit every fold as a Dask task; collect results as they complete."""
    from dask.distributed import as_completed

    tag = _digest({"profile": profile_hash, **{k: v for k, v in kwargs.items() if k != "model"}, "model": kwargs["model"].describe()})[:10]
    futures = {
        client.submit(run_fold, run_dir, profile_hash, d, f, **kwargs, pure=False, key=f"hpo-{kwargs['model'].name}-ds{d}-fold{f}-{tag}"): (
            d,
            f,
        )
        for d, f in jobs
    }
    results = {}
    for future in as_completed(futures):
        results[futures[future]] = future.result()
        bar.update(1)
    return results
