"""Nested cross-validation with hyperopt's TPE, for any model (chapters 04 CNN and 05 D-MPNN).

The protocol (SPEC section 7), identical for both networks:

* **Outer loop** — the data set's three stored folds (:class:`glasslib.datasets.Splits`, shared by
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
(:mod:`glasslib.training`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import pickle
import sys
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from glasslib import datasets, evaluation, store
from glasslib.datasets import DATASET_IDS, OUTER_TEST, TEST, TRAIN, VALIDATION, Dataset, load_dataset
from glasslib.training import PredictFunction, TrainFunction, TrainRequest, TrainResult

#: Bump when the protocol changes so that stored fold results become stale.
PROTOCOL_VERSION = 1
ROLE_NAMES = {TRAIN: "inner train", VALIDATION: "validation", TEST: "inner test", OUTER_TEST: "outer test"}
_INNER_STREAM, _OUTER_STREAM, _TPE_STREAM = 0, 1, 2
_NOTHING = "_nothing_to_search"


class HPOError(ValueError):
    """A nested cross-validation that cannot run as asked; the message says why and what to do."""


# --------------------------------------------------------------------------- search space
@dataclass(frozen=True)
class SearchParam:
    """One hyperparameter searched on the grid ``low, low + step, …, high`` (``hp.quniform``).

    Attributes
    ----------
    name : str — the key the model reads from ``TrainRequest.params``.
    low, high : float — inclusive bounds; ``low == high`` makes the parameter fixed.
    step : float — grid spacing, > 0; ``high − low`` must be a whole number of steps.

    Values are ``int`` when ``low``, ``high`` and ``step`` are all ``int``, else ``float`` rounded
    to the grid. The prior is hyperopt's ``quniform``: uniform on [low, high], rounded to the grid
    (the two end points have half the weight of the others), exactly as chemprop's search space.
    """

    name: str
    low: float
    high: float
    step: float

    def __post_init__(self) -> None:
        values = (self.low, self.high, self.step)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise HPOError(f"search parameter {self.name!r}: low, high and step must be finite numbers, got {values}")
        if self.step <= 0:
            raise HPOError(f"search parameter {self.name!r}: step must be positive, got {self.step}")
        if self.low > self.high:
            raise HPOError(f"search parameter {self.name!r}: low {self.low} is above high {self.high}")
        steps = (self.high - self.low) / self.step
        if abs(steps - round(steps)) > 1e-6:
            raise HPOError(f"search parameter {self.name!r}: high − low = {self.high - self.low:g} is not a whole "
                           f"number of steps of {self.step:g}")

    @property
    def is_integer(self) -> bool:
        """Whether values are ``int`` (low, high and step all ``int``)."""
        return all(isinstance(v, int) for v in (self.low, self.high, self.step))

    @property
    def n_steps(self) -> int:
        """Number of steps between ``low`` and ``high`` (grid points − 1)."""
        return int(round((self.high - self.low) / self.step))

    def value(self, index: int) -> int | float:
        """Grid value number ``index`` (0 … n_steps), clipped to the grid."""
        index = min(max(int(index), 0), self.n_steps)
        if self.is_integer:
            return int(self.low + index * self.step)
        return round(float(self.low + index * self.step), 10)

    def values(self) -> tuple[int | float, ...]:
        """All grid values, low to high."""
        return tuple(self.value(i) for i in range(self.n_steps + 1))

    def hyperopt(self) -> Any:
        """The hyperopt expression: the grid *index*, ``hp.quniform(name, 0, n_steps, 1)``.

        ``low + step · round(U(0, n))`` has the same law as ``round(U(low, high)/step) · step``
        whenever ``low`` is a multiple of ``step``, and stays on the grid when it is not.
        """
        from hyperopt import hp  # noqa: PLC0415

        return hp.quniform(self.name, 0, self.n_steps, 1)


def narrow_space(space: Sequence[SearchParam], **ranges: tuple[float, float]) -> tuple[SearchParam, ...]:
    """A copy of ``space`` with some ranges replaced, e.g. ``narrow_space(DMPNN_SPACE, hidden=(300, 600))``.

    A profile uses it to shrink the search; ``(v, v)`` fixes a parameter at ``v``.
    """
    names = {p.name for p in space}
    unknown = sorted(set(ranges) - names)
    if unknown:
        raise HPOError(f"narrow_space: no search parameter(s) {unknown}; the space has {sorted(names)}")
    return tuple(replace(p, low=ranges[p.name][0], high=ranges[p.name][1]) if p.name in ranges else p for p in space)


#: SPEC section 6: the D-MPNN's search space (batch size fixed at 5 graphs, :data:`DMPNN_FIXED`).
DMPNN_SPACE = (
    SearchParam("k", 1, 5, 1),
    SearchParam("l_win", 0.1, 0.3, 0.05),
    SearchParam("hidden", 300, 2400, 100),
    SearchParam("depth", 2, 6, 1),
    SearchParam("dropout", 0.0, 0.5, 0.05),
    SearchParam("ffn_layers", 1, 3, 1),
)
DMPNN_FIXED = {"batch_size": 5}
#: SPEC section 5: the CNN's search space.
CNN_SPACE = (
    SearchParam("dropout", 0.0, 0.5, 0.05),
    SearchParam("batch_size", 10, 100, 10),
)


def _check_module_level(function: Any, role: str, model: str) -> None:
    """Refuse lambdas and nested functions, which Dask cannot send to a worker process."""
    if not callable(function):
        raise HPOError(f"model {model!r}: {role} must be callable, got {type(function).__name__}")
    qualname = getattr(function, "__qualname__", "")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise HPOError(f"model {model!r}: {role} {qualname!r} must be a module-level function (Dask pickles it by name)")


@dataclass(frozen=True)
class ModelSpec:
    """A model as the nested cross-validation sees it.

    Attributes
    ----------
    name : str — e.g. ``"cnn"``, ``"dmpnn"``; part of task keys and of the result hash.
    train : TrainFunction — module-level ``train(dataset, request) -> TrainResult``.
    predict : PredictFunction — module-level ``predict(dataset, indices, weights_path, params, seed)``.
    space : tuple of SearchParam — the searched hyperparameters.
    fixed : dict — hyperparameters passed unchanged to every training job.
    weights_suffix : str — ending of the weights file name (format is the model's business,
        e.g. ``".weights.h5"`` for Keras, ``".pt"`` for PyTorch).
    """

    name: str
    train: TrainFunction
    predict: PredictFunction
    space: tuple[SearchParam, ...] = ()
    fixed: dict[str, Any] = field(default_factory=dict)
    weights_suffix: str = ".weights"

    def __post_init__(self) -> None:
        object.__setattr__(self, "space", tuple(self.space))
        object.__setattr__(self, "fixed", dict(self.fixed))
        if not all(isinstance(p, SearchParam) for p in self.space):
            raise HPOError(f"model {self.name!r}: the space must hold SearchParam objects")
        names = [p.name for p in self.space]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise HPOError(f"model {self.name!r}: search parameter(s) {duplicates} appear twice")
        both = sorted(set(names) & set(self.fixed))
        if both:
            raise HPOError(f"model {self.name!r}: {both} are both searched and fixed")
        _check_module_level(self.train, "train", self.name)
        _check_module_level(self.predict, "predict", self.name)

    @property
    def searched(self) -> tuple[SearchParam, ...]:
        """Parameters with more than one grid value (the others count as fixed)."""
        return tuple(p for p in self.space if p.n_steps > 0)

    def hyperopt_space(self) -> dict[str, Any]:
        """The hyperopt search space: grid indices of the searched parameters.

        hyperopt cannot search an empty space; with nothing to search it gets one dummy choice.
        """
        from hyperopt import hp  # noqa: PLC0415

        return {p.name: p.hyperopt() for p in self.searched} or {_NOTHING: hp.choice(_NOTHING, [0])}

    def params(self, indices: Mapping[str, float]) -> dict[str, Any]:
        """Hyperparameters of one trial: grid values of ``indices`` (name → grid index), then the fixed ones."""
        values = {p.name: p.value(round(indices[p.name])) if p.n_steps else p.value(0) for p in self.space}
        return {**values, **self.fixed}

    def describe(self) -> dict[str, Any]:
        """What identifies the model in result hashes: name, functions, space, fixed values."""
        def qualified(function: Any) -> str:
            return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"

        return {"name": self.name, "train": qualified(self.train), "predict": qualified(self.predict),
                "space": [asdict(p) for p in self.space], "fixed": self.fixed, "weights_suffix": self.weights_suffix}


def search_space_table(model: ModelSpec) -> pd.DataFrame:
    """The search space as a table for the book: low, high, step and number of values per parameter."""
    rows = [{"parameter": p.name, "low": p.low, "high": p.high, "step": p.step, "values": p.n_steps + 1}
            for p in model.space]
    rows += [{"parameter": k, "low": v, "high": v, "step": None, "values": 1} for k, v in model.fixed.items()]
    return pd.DataFrame(rows).set_index("parameter")


# --------------------------------------------------------------------------- seeds, hashes, paths
def derive_seed(seed: int, dataset: int, fold: int, stream: int, iteration: int = 0) -> int:
    """A positive 31-bit seed from ``SeedSequence((seed, dataset, fold, stream, iteration))``.

    ``stream`` separates the inner trainings (0), the outer training (1) and the TPE generator (2).
    """
    sequence = np.random.SeedSequence((seed, dataset, fold, stream, iteration))
    return int(sequence.generate_state(1)[0] % (2**31 - 2)) + 1


def _digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 of a JSON-able mapping (keys sorted)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def search_hash(profile_hash: str, model: ModelSpec, dataset: int, fold: int, inner_epochs: int, seed: int,
                n_startup_jobs: int | None) -> str:
    """Hash of what an inner search's trials depend on (not ``n_iter``: a longer search extends a shorter one)."""
    return _digest({"protocol": PROTOCOL_VERSION, "profile_hash": profile_hash, "model": model.describe(),
                    "dataset": dataset, "fold": fold, "inner_epochs": inner_epochs, "seed": seed,
                    "n_startup_jobs": n_startup_jobs})


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
    return {"result": out_dir / f"{stem}.result.json", "trials": out_dir / f"trials_{stem}.pkl",
            "weights": out_dir / f"{stem}{model.weights_suffix}"}


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)  # arrays inside: compare with to_dict()
class FoldResult:
    """The outcome of one (data set × fold) nested search.

    Attributes
    ----------
    dataset, fold : int
    model : str — model name.
    params : dict — chosen hyperparameters (searched and fixed).
    auc, accuracy : float — outer-test ROC AUC and accuracy at threshold 0.5.
    inner_auc : float — inner-test AUC of the chosen setting.
    test_indices : (n,) int — outer-test configuration indices.
    test_probability, test_labels : (n,) — glass probabilities and labels, in ``test_indices`` order.
    curves : dict of per-epoch lists — the outer training's curves.
    best_epoch : int — 0-based epoch of the outer model's kept weights.
    seconds : float — wall time of the outer training, s.
    samples_per_second : float — outer training throughput.
    outer_seed : int — seed of the outer training (also passed to ``predict``).
    n_train, n_validation : int — outer training and validation set sizes (configurations).
    trials : list of dict — every inner trial: iteration, params, auc, accuracy, loss, seed,
        best_epoch, seconds, curves.
    weights_path : str
    config_hash : str — :func:`fold_hash`.
    """

    dataset: int
    fold: int
    model: str
    params: dict[str, Any]
    auc: float
    accuracy: float
    inner_auc: float
    test_indices: np.ndarray
    test_probability: np.ndarray
    test_labels: np.ndarray
    curves: dict[str, list[float]]
    best_epoch: int
    seconds: float
    samples_per_second: float
    outer_seed: int
    n_train: int
    n_validation: int
    trials: list[dict[str, Any]]
    weights_path: str
    config_hash: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (arrays as lists)."""
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> FoldResult:
        """Inverse of :meth:`to_dict`."""
        values = dict(payload)
        values["test_indices"] = np.asarray(values["test_indices"], dtype=np.int64)
        values["test_probability"] = np.asarray(values["test_probability"], dtype=float)
        values["test_labels"] = np.asarray(values["test_labels"], dtype=np.int8)
        return cls(**values)


def _producer(model_name: str) -> str:
    notebook = "notebooks/04_cnn.ipynb" if model_name == "cnn" else "notebooks/05_dmpnn.ipynb"
    return f"{notebook} (the nested cross-validation of {model_name!r})"


def write_fold_result(path: Path, result: FoldResult, profile_hash: str) -> Path:
    """Store a fold result atomically as JSON with its profile hash and config hash."""
    payload = {"profile_hash": profile_hash, "config_hash": result.config_hash, "result": result.to_dict()}
    return store.write_json_atomic(path, payload)


def read_fold_result(path: Path, profile_hash: str, model_name: str) -> FoldResult:
    """A stored fold result; :class:`glasslib.store.StoreError` if missing, corrupt or stale."""
    payload = store.read_json_checked(path, profile_hash, _producer(model_name))
    try:
        return FoldResult.from_dict(payload["result"])
    except (KeyError, TypeError) as err:
        raise store.StoreError(f"{path}: corrupt fold result ({err}); delete it and rerun") from None


def _current_result(paths: dict[str, Path], profile_hash: str, model: ModelSpec, config_hash: str) -> FoldResult | None:
    """The stored fold result if it is current and its weights exist, else ``None``."""
    try:
        result = read_fold_result(paths["result"], profile_hash, model.name)
    except store.StoreError:
        return None
    if result.config_hash != config_hash or not paths["weights"].exists():
        return None
    return result


# --------------------------------------------------------------------------- checks
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


# --------------------------------------------------------------------------- one training job, scored
def _score(data: Dataset, indices: np.ndarray, result: TrainResult, model: str) -> tuple[float, float, np.ndarray]:
    """AUC, accuracy and probabilities of a job, recomputed from its probabilities and the data set's labels.

    Non-finite probabilities (a diverged training) give AUC and accuracy NaN.
    """
    probability = np.asarray(result.test_probability, dtype=float).ravel()
    if probability.shape != indices.shape:
        raise HPOError(f"model {model!r} returned {probability.size} test probabilities for {indices.size} test "
                       "configurations (TrainResult.test_probability must follow request.test)")
    labels = data.labels[indices]
    if not np.all(np.isfinite(probability)):
        return math.nan, math.nan, probability
    return evaluation.roc_auc(labels, probability), evaluation.accuracy(labels, probability), probability


def _objective(indices: Mapping[str, float], *, data: Dataset, model: ModelSpec, fold: int, iteration: int,
               seed: int, epochs: int, threads: int) -> dict[str, Any]:
    """One inner trial: train on inner train, pick the epoch on validation, score the inner test set."""
    from hyperopt import STATUS_OK  # noqa: PLC0415

    params = model.params(indices)
    trial_seed = derive_seed(seed, data.spec.dataset, fold, _INNER_STREAM, iteration)
    request = TrainRequest(train=data.indices(fold, TRAIN), validation=data.indices(fold, VALIDATION),
                           test=data.indices(fold, TEST), params=params, epochs=epochs, seed=trial_seed,
                           threads=threads)
    result = model.train(data, request)
    auc, accuracy, _ = _score(data, request.test, result, model.name)
    loss = 1.0 if math.isnan(auc) else 1.0 - auc  # a diverged training is the worst possible trial
    return {"loss": loss, "status": STATUS_OK, "iteration": iteration, "params": params, "auc": auc,
            "accuracy": accuracy, "seed": trial_seed, "best_epoch": int(result.best_epoch),
            "seconds": float(result.seconds), "curves": {k: [float(x) for x in v] for k, v in result.curves.items()}}


# --------------------------------------------------------------------------- the inner search
def _load_trials(path: Path, expected_hash: str, n_iter: int) -> Any:
    """Saved hyperopt Trials of this search (first ``n_iter``), or fresh ones if missing, stale or corrupt."""
    from hyperopt import Trials  # noqa: PLC0415

    try:
        with open(path, "rb") as handle:
            saved = pickle.load(handle)
        if saved["hash"] != expected_hash:
            return Trials()
        trials = saved["trials"]
    except Exception:  # noqa: BLE001 — missing, truncated or foreign file: start over
        return Trials()
    if len(trials.trials) <= n_iter:
        return trials
    shorter = Trials()  # a shorter search than the saved one: its first n_iter trials are exactly that
    shorter.insert_trial_docs([dict(doc) for doc in trials.trials[:n_iter]])
    shorter.refresh()
    return shorter


def _save_trials(path: Path, trials: Any, search: str) -> None:
    """Pickle the trials atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as handle:
            pickle.dump({"hash": search, "trials": trials}, handle)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def inner_search(data: Dataset, fold: int, model: ModelSpec, n_iter: int, inner_epochs: int, seed: int,
                 trials_path: Path, search: str, threads: int = 1, n_startup_jobs: int | None = None) -> list[dict[str, Any]]:
    """Run (or resume) the TPE search of one fold; returns the ``n_iter`` trial records in order.

    Each iteration is one ``hyperopt.fmin`` step (``max_evals`` = trials so far + 1) on the saved
    Trials with a generator derived from (seed, data set, fold, iteration); the Trials are saved
    atomically to ``trials_path`` after each evaluation, so an interruption costs at most the
    evaluation in flight. (fmin's own ``trials_save_file`` is not used: hyperopt writes it in place,
    not atomically, and a resumed fmin would restart its generator and propose other points than an
    uninterrupted search.) With nothing to search (every range a single value) one trial is run,
    whatever ``n_iter`` says.
    """
    from hyperopt import fmin, tpe  # noqa: PLC0415

    algo = tpe.suggest if n_startup_jobs is None else functools.partial(tpe.suggest, n_startup_jobs=n_startup_jobs)
    space = model.hyperopt_space()
    n_iter = n_iter if model.searched else 1
    trials = _load_trials(trials_path, search, n_iter)
    for iteration in range(len(trials.trials), n_iter):
        objective = functools.partial(_objective, data=data, model=model, fold=fold, iteration=iteration,
                                      seed=seed, epochs=inner_epochs, threads=threads)
        rstate = np.random.default_rng(derive_seed(seed, data.spec.dataset, fold, _TPE_STREAM, iteration))
        fmin(objective, space, algo=algo, max_evals=iteration + 1, trials=trials, rstate=rstate,
             show_progressbar=False, verbose=False)
        _save_trials(trials_path, trials, search)
    return [dict(trial["result"]) for trial in trials.trials[:n_iter]]


def best_trial(trials: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The trial of lowest loss (the first one on ties)."""
    return trials[int(np.argmin([t["loss"] for t in trials]))]


# --------------------------------------------------------------------------- one fold
def _outer_training(data: Dataset, fold: int, model: ModelSpec, params: Mapping[str, Any], epochs: int, seed: int,
                    weights_path: Path, threads: int) -> tuple[TrainRequest, TrainResult]:
    """Train the chosen setting on inner train ∪ inner test, pick the epoch on validation, test on outer test."""
    request = TrainRequest(
        train=np.union1d(data.indices(fold, TRAIN), data.indices(fold, TEST)),
        validation=data.indices(fold, VALIDATION), test=data.indices(fold, OUTER_TEST), params=dict(params),
        epochs=epochs, seed=derive_seed(seed, data.spec.dataset, fold, _OUTER_STREAM), weights_path=weights_path,
        threads=threads,
    )
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    result = model.train(data, request)
    if not weights_path.exists():
        raise HPOError(f"model {model.name!r}: train did not save the weights to {weights_path} "
                       "(TrainRequest.weights_path must be written when given)")
    return request, result


def run_fold(run_dir: Path, profile_hash: str, dataset_id: int, fold: int, model: ModelSpec, n_iter: int,
             inner_epochs: int, outer_epochs: int, seed: int, out_dir: Path, threads: int = 1,
             n_startup_jobs: int | None = None) -> FoldResult:
    """One (data set × fold) of the nested cross-validation; a Dask task.

    Parameters
    ----------
    run_dir : Path — the profile's run directory (data sets from chapter 03).
    profile_hash : str — the hash the data sets were stored with (``profile.simulation_hash()``).
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
    data = load_dataset(Path(run_dir), dataset_id, profile_hash)
    check_fold(data, fold)
    trials = inner_search(data, fold, model, n_iter, inner_epochs, seed, paths["trials"], search, threads,
                          n_startup_jobs)
    chosen = best_trial(trials)
    request, outcome = _outer_training(data, fold, model, chosen["params"], outer_epochs, seed, paths["weights"], threads)
    auc, accuracy, probability = _score(data, request.test, outcome, model.name)
    result = FoldResult(
        dataset=dataset_id, fold=fold, model=model.name, params=dict(chosen["params"]), auc=auc, accuracy=accuracy,
        inner_auc=float(chosen["auc"]), test_indices=request.test, test_probability=probability,
        test_labels=data.labels[request.test], curves={k: [float(x) for x in v] for k, v in outcome.curves.items()},
        best_epoch=int(outcome.best_epoch), seconds=float(outcome.seconds),
        samples_per_second=float(outcome.samples_per_second), outer_seed=request.seed, n_train=len(request.train),
        n_validation=len(request.validation), trials=trials, weights_path=str(paths["weights"]), config_hash=config,
    )
    write_fold_result(paths["result"], result, profile_hash)
    return result


# --------------------------------------------------------------------------- all data sets and folds
@dataclass
class NestedCVResult:
    """Fold results of a nested cross-validation over several data sets.

    Attributes
    ----------
    model : str
    folds : dict (data set, fold) → FoldResult, sorted by data set then fold.
    """

    model: str
    folds: dict[tuple[int, int], FoldResult]

    def dataset_ids(self) -> list[int]:
        """Data sets present, ascending."""
        return sorted({d for d, _ in self.folds})

    def fold_table(self) -> pd.DataFrame:
        """One row per (data set, fold): AUC, accuracy, inner AUC, best epoch and each chosen hyperparameter."""
        rows = [{"data set": d, "fold": f, "AUC": r.auc, "accuracy": r.accuracy, "inner AUC": r.inner_auc,
                 "best epoch": r.best_epoch, **r.params} for (d, f), r in self.folds.items()]
        return pd.DataFrame(rows).set_index(["data set", "fold"])

    def summary(self) -> pd.DataFrame:
        """Per data set: AUC and accuracy mean ± std over folds (``ddof=0``) and the chosen parameters per fold."""
        rows = []
        for dataset in self.dataset_ids():
            results = [r for (d, _), r in self.folds.items() if d == dataset]
            auc = np.array([r.auc for r in results])
            acc = np.array([r.accuracy for r in results])
            row = {"data set": dataset, "folds": len(results), "AUC mean": auc.mean(), "AUC std": auc.std(),
                   "accuracy mean": acc.mean(), "accuracy std": acc.std(),
                   "AUC": f"{auc.mean():.3f} ± {auc.std():.3f}", "accuracy": f"{acc.mean():.3f} ± {acc.std():.3f}"}
            row.update({f"params fold {r.fold}": _format_params(r.params) for r in results})
            rows.append(row)
        return pd.DataFrame(rows).set_index("data set")

    def curves(self, dataset: int, fold: int) -> dict[str, list[float]]:
        """The outer training curves of one (data set, fold)."""
        return self.folds[(dataset, fold)].curves

    def curves_table(self) -> pd.DataFrame:
        """All outer training curves in long form: data set, fold, curve, epoch, value."""
        rows = [{"data set": d, "fold": f, "curve": name, "epoch": epoch, "value": value}
                for (d, f), r in self.folds.items() for name, values in r.curves.items()
                for epoch, value in enumerate(values)]
        return pd.DataFrame(rows, columns=["data set", "fold", "curve", "epoch", "value"])


def _format_params(params: Mapping[str, Any]) -> str:
    """``k=3, dropout=0.25, …`` for a table cell."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in params.items())


def stored_splits(run_dir: Path, profile_hash: str, dataset_id: int) -> np.ndarray:
    """The (n_folds, R) split roles of a stored data set, read without its positions.

    Raises the chapter-03 error (:class:`glasslib.store.StoreError`) if the data set is missing or stale.
    """
    path = datasets.dataset_path(Path(run_dir), dataset_id)
    try:
        with store.open_checked(path, profile_hash, ("inner",)) as h5:
            return np.asarray(h5["inner"][()])
    except store.StoreError as err:
        raise store.StoreError(f"{err}\nRun {datasets.PRODUCER} first, with the same profile and overrides.") from None


def nested_cv(run_dir: Path, profile_hash: str, dataset_ids: Iterable[int], model: ModelSpec, n_iter: int,
              inner_epochs: int, outer_epochs: int, seed: int, out_dir: Path, client: Any = None,
              progress: bool = True, threads: int = 1, n_startup_jobs: int | None = None) -> NestedCVResult:
    """Nested cross-validation of ``model`` on every fold of every data set in ``dataset_ids``.

    Each (data set × fold) is one :func:`run_fold` task, submitted to ``client`` (a
    ``dask.distributed.Client``, e.g. from :func:`glasslib.campaign.dask_client`) or run here, one
    after another, when ``client`` is None. Finished folds are loaded from ``out_dir``. The other
    parameters are :func:`run_fold`'s; ``progress`` shows a tqdm bar.
    """
    ids = _check_dataset_ids(dataset_ids)
    _check_counts(n_iter, inner_epochs, outer_epochs)
    jobs = [(d, f) for d in ids for f in range(stored_splits(run_dir, profile_hash, d).shape[0])]
    kwargs = {"model": model, "n_iter": n_iter, "inner_epochs": inner_epochs, "outer_epochs": outer_epochs,
              "seed": seed, "out_dir": str(out_dir), "threads": threads, "n_startup_jobs": n_startup_jobs}
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


def _progress_bar(total: int, name: str, progress: bool) -> Any:
    from tqdm import tqdm  # noqa: PLC0415

    return tqdm(total=total, desc=f"nested CV ({name})", unit="fold", disable=not progress, mininterval=5.0,
                file=sys.stderr)


def _run_on_client(client: Any, jobs: list[tuple[int, int]], run_dir: str, profile_hash: str,
                   kwargs: dict[str, Any], bar: Any) -> dict[tuple[int, int], FoldResult]:
    """Submit every fold as a Dask task; collect results as they complete."""
    from dask.distributed import as_completed  # noqa: PLC0415

    tag = _digest({"profile": profile_hash, **{k: v for k, v in kwargs.items() if k != "model"},
                   "model": kwargs["model"].describe()})[:10]
    futures = {client.submit(run_fold, run_dir, profile_hash, d, f, **kwargs, pure=False,
                             key=f"hpo-{kwargs['model'].name}-ds{d}-fold{f}-{tag}"): (d, f) for d, f in jobs}
    results = {}
    for future in as_completed(futures):
        results[futures[future]] = future.result()
        bar.update(1)
    return results


# --------------------------------------------------------------------------- cross-data-set generalisation
def _trained_fold(out_dir: Path, profile_hash: str, model: ModelSpec, dataset: int, fold: int) -> tuple[FoldResult, Path]:
    """The stored outer model of (data set, fold) and its weights file; a clear error if either is missing."""
    paths = fold_paths(out_dir, model, dataset, fold)
    advice = (f"run the nested cross-validation of {model.name!r} on data set {dataset} first "
              f"(nested_cv, or run_fold(dataset_id={dataset}, fold={fold}))")
    try:
        result = read_fold_result(paths["result"], profile_hash, model.name)
    except store.StoreError as err:
        raise HPOError(f"data set {dataset}, fold {fold} has no trained {model.name!r} model: {err}; {advice}") from None
    if not paths["weights"].exists():
        raise HPOError(f"data set {dataset}, fold {fold}: the weights file {paths['weights']} is missing; {advice}")
    return result, paths["weights"]


def _check_shared_splits(run_dir: Path, profile_hash: str, ids: Sequence[int]) -> int:
    """Check that all data sets share their splits (no run of a test set was seen in training); number of folds."""
    reference = stored_splits(run_dir, profile_hash, ids[0])
    for d in ids[1:]:
        if not np.array_equal(stored_splits(run_dir, profile_hash, d), reference):
            raise HPOError(f"data sets {ids[0]} and {d} do not share their cross-validation splits; the "
                           "cross-data-set matrix would test on runs seen in training. Rebuild the data sets (chapter 03)")
    return int(reference.shape[0])


def cross_dataset_auc(run_dir: Path, profile_hash: str, model: ModelSpec, train_ids: Sequence[int],
                      test_ids: Sequence[int], out_dir: Path) -> np.ndarray:
    """Cross-data-set generalisation matrix (SPEC section 7).

    Returns
    -------
    (len(train_ids), len(test_ids)) ndarray
        Entry (i, j): mean over folds f of the ROC AUC, on data set ``test_ids[j]``'s fold-f outer
        test set, of the outer model trained on data set ``train_ids[i]`` fold f (its stored weights
        and hyperparameters, ``predict`` called with the outer training's seed). The diagonal
        (same data set) equals the nested-CV outer AUCs when ``predict`` reproduces ``train``'s
        test-set scoring for the same seed.

    Raises
    ------
    HPOError
        If a fold result or weights file is missing (naming what to run first), or if two data sets
        do not share their splits (the matrix would leak training runs into test sets).
    """
    ids = _check_dataset_ids([*train_ids, *test_ids])
    n_folds = _check_shared_splits(run_dir, profile_hash, list(dict.fromkeys(ids)))
    trained = {(d, f): _trained_fold(out_dir, profile_hash, model, d, f) for d in train_ids for f in range(n_folds)}
    matrix = np.zeros((len(train_ids), len(test_ids)))
    for j, test_id in enumerate(test_ids):  # one data set in memory at a time
        data = load_dataset(Path(run_dir), test_id, profile_hash)
        for i, train_id in enumerate(train_ids):
            aucs = [_transfer_auc(data, f, model, *trained[(train_id, f)]) for f in range(n_folds)]
            matrix[i, j] = float(np.mean(aucs))
    return matrix


def _transfer_auc(data: Dataset, fold: int, model: ModelSpec, trained: FoldResult, weights: Path) -> float:
    """AUC of a stored outer model on ``data``'s fold-``fold`` outer test set."""
    indices = data.indices(fold, OUTER_TEST)
    probability = model.predict(data, indices, weights, trained.params, trained.outer_seed)
    probability = np.asarray(probability, dtype=float).ravel()
    if probability.shape != indices.shape:
        raise HPOError(f"model {model.name!r}: predict returned {probability.size} probabilities for {indices.size} configurations")
    return evaluation.roc_auc(data.labels[indices], probability)
