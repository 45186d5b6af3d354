"""What a nested cross-validation produces: one :class:`FoldResult` per (data set × fold), and their summary.

:class:`NestedCVResult` gathers the folds of one model and gives the book's tables (mean ± std
over folds of ROC AUC and accuracy, chosen hyperparameters, training curves). Fold results are
JSON files written atomically, carrying the hash of everything they depend on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.atomic import write_json_atomic
from glasslib.data.splits import OUTER_TEST, TEST, TRAIN, VALIDATION
from glasslib.rundir import ProductError, read_hashed_json

ROLE_NAMES = {TRAIN: "inner train", VALIDATION: "validation", TEST: "inner test", OUTER_TEST: "outer test"}


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
        best_epoch, seconds, device, worker, curves.
    weights_path : str
    config_hash : str — :func:`fold_hash`.
    device : str — where the outer model trained (``"CPU"``, ``"GPU (<name>)"``; each trial records its own).
    worker : str — the Dask worker that trained it (``"local"`` outside Dask).
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
    device: str = "not recorded"
    worker: str = "not recorded"

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
    notebook = "notebooks/04_cnn.ipynb" if model_name.startswith("cnn") else "notebooks/05_dmpnn.ipynb"
    return f"{notebook} (the nested cross-validation of {model_name!r})"


def write_fold_result(path: Path, result: FoldResult, profile_hash: str) -> Path:
    """Store a fold result atomically as JSON with its profile hash and config hash."""
    payload = {"profile_hash": profile_hash, "config_hash": result.config_hash, "result": result.to_dict()}
    return write_json_atomic(path, payload)


def read_fold_result(path: Path, profile_hash: str, model_name: str) -> FoldResult:
    """A stored fold result; :class:`glasslib.rundir.ProductError` if missing, corrupt or stale."""
    payload = read_hashed_json(path, profile_hash, _producer(model_name))
    try:
        return FoldResult.from_dict(payload["result"])
    except (KeyError, TypeError) as err:
        raise ProductError(f"{path}: corrupt fold result ({err}); delete it and rerun") from None


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
        rows = [
            {
                "data set": d,
                "fold": f,
                "AUC": r.auc,
                "accuracy": r.accuracy,
                "inner AUC": r.inner_auc,
                "best epoch": r.best_epoch,
                **r.params,
            }
            for (d, f), r in self.folds.items()
        ]
        return pd.DataFrame(rows).set_index(["data set", "fold"])

    def summary(self) -> pd.DataFrame:
        """Per data set: AUC and accuracy mean ± std over folds (``ddof=0``) and the chosen parameters per fold."""
        rows = []
        for dataset in self.dataset_ids():
            results = [r for (d, _), r in self.folds.items() if d == dataset]
            auc = np.array([r.auc for r in results])
            acc = np.array([r.accuracy for r in results])
            row = {
                "data set": dataset,
                "folds": len(results),
                "AUC mean": auc.mean(),
                "AUC std": auc.std(),
                "accuracy mean": acc.mean(),
                "accuracy std": acc.std(),
                "AUC": f"{auc.mean():.3f} ± {auc.std():.3f}",
                "accuracy": f"{acc.mean():.3f} ± {acc.std():.3f}",
            }
            row.update({f"params fold {r.fold}": _format_params(r.params) for r in results})
            rows.append(row)
        return pd.DataFrame(rows).set_index("data set")

    def scores(self) -> pd.DataFrame:
        """Per data set: ``auc_mean``, ``auc_std``, ``accuracy_mean``, ``accuracy_std`` (the scores figure's input)."""
        summary = self.summary()
        return pd.DataFrame(
            {
                "auc_mean": summary["AUC mean"],
                "auc_std": summary["AUC std"],
                "accuracy_mean": summary["accuracy mean"],
                "accuracy_std": summary["accuracy std"],
            }
        )

    def auc_interval(self, dataset: int, seed: int = 0) -> list[float]:
        """95 % interval of ``dataset``'s fold-mean AUC, bootstrapped over folds and outer-test configurations
        (:func:`glasslib.stats.auc_interval`)."""
        return fold_auc_interval([r for (d, _), r in sorted(self.folds.items()) if d == dataset], seed)

    def curves(self, dataset: int, fold: int) -> dict[str, list[float]]:
        """The outer training curves of one (data set, fold)."""
        return self.folds[(dataset, fold)].curves

    def curves_table(self) -> pd.DataFrame:
        """All outer training curves in long form: data set, fold, curve, epoch, value."""
        rows = [
            {"data set": d, "fold": f, "curve": name, "epoch": epoch, "value": value}
            for (d, f), r in self.folds.items()
            for name, values in r.curves.items()
            for epoch, value in enumerate(values)
        ]
        return pd.DataFrame(rows, columns=["data set", "fold", "curve", "epoch", "value"])

    def curves_wide(self) -> pd.DataFrame:
        """The training curves with one column per curve: ``dataset``, ``fold``, ``epoch``, then each curve."""
        wide = self.curves_table().pivot_table(index=["data set", "fold", "epoch"], columns="curve", values="value")
        return wide.reset_index().rename(columns={"data set": "dataset"})


def _format_params(params: Mapping[str, Any]) -> str:
    """``k=3, dropout=0.25, …`` for a table cell."""
    return ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in params.items())


def fold_auc_interval(folds: list[FoldResult], seed: int = 0) -> list[float]:
    """95 % interval of the mean AUC of ``folds`` (one data set's outer folds), over folds and test configurations."""
    from glasslib.stats import auc_interval

    return auc_interval([(r.test_labels, r.test_probability) for r in folds], seed=seed)
