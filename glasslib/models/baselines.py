"""Baselines a network must beat, through the networks' own nested-CV splits (SPEC section 12).

Two kinds, both scored on each fold's outer test set exactly as a network is, so their AUCs and
intervals (:func:`glasslib.stats.auc_interval`) compare like with like:

- a **scalar** (the thermometer, the inherent-structure energy): nothing is fitted but its sign, read
  on the fold's outer training runs (a higher value means glass, or a lower one);
- a **linear classifier** on a feature matrix (classical descriptors): standardised on the inner
  training runs, an L2-regularised logistic regression for each strength of :data:`C_GRID`, the one
  with the best validation AUC kept (the strongest regularisation among ties), then refitted on the
  fold's outer training runs.

Splits act on runs: both configurations of a run are always in the same role.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from glasslib.data.datasets import Dataset
from glasslib.data.splits import N_OUTER, OUTER_TEST, TRAIN, VALIDATION
from glasslib.stats import AnalysisError, auc_interval, roc_auc

#: Inverse regularisation strengths the linear baseline searches, strongest first.
C_GRID = tuple(float(c) for c in np.logspace(-3, 3, 13))


@dataclass(frozen=True)
class BaselineResult:
    """One baseline on one data set.

    Attributes
    ----------
    name : what it reads ("thermometer", "inherent-structure energy", "descriptors (linear)").
    folds : [(labels (n_f,), scores (n_f,))] of each fold's outer test set, a higher score meaning glass.
    settings : per fold, what was chosen on the training runs (the sign, or the regularisation C).
    """

    name: str
    folds: list[tuple[np.ndarray, np.ndarray]]
    settings: list[float]

    @property
    def fold_aucs(self) -> np.ndarray:
        """(folds,) ROC AUC of each outer test set."""
        return np.array([roc_auc(labels, scores) for labels, scores in self.folds])

    @property
    def auc(self) -> float:
        """Fold-mean ROC AUC, as the networks report theirs."""
        return float(self.fold_aucs.mean())

    def interval(self, seed: int = 0) -> list[float]:
        """95 % interval of the fold-mean AUC over folds and test configurations (:func:`glasslib.stats.auc_interval`)."""
        return auc_interval(self.folds, seed=seed)


def _roles(data: Dataset, fold: int) -> dict[int, np.ndarray]:
    """Configuration indices of each role in ``fold``: TRAIN, VALIDATION, OUTER_TEST, and the outer training set (None)."""
    outer_train = np.flatnonzero(np.isin(data.run_index, data.splits.outer_train(fold)))
    return {role: data.indices(fold, role) for role in (TRAIN, VALIDATION, OUTER_TEST)} | {None: outer_train}


def scalar_baseline(data: Dataset, values: np.ndarray, name: str) -> BaselineResult:
    """A scalar per configuration (``values`` (2R,)) as a classifier: its sign read on each fold's outer training runs."""
    values = np.asarray(values, dtype=float)
    if values.shape != data.labels.shape or not np.all(np.isfinite(values)):
        raise AnalysisError(f"{name}: need one finite value per configuration ({data.labels.shape}), got {values.shape}")
    folds, signs = [], []
    for fold in range(N_OUTER):
        roles = _roles(data, fold)
        sign = 1.0 if roc_auc(data.labels[roles[None]], values[roles[None]]) >= 0.5 else -1.0
        test = roles[OUTER_TEST]
        folds.append((data.labels[test], sign * values[test]))
        signs.append(sign)
    return BaselineResult(name, folds, signs)


def linear_baseline(data: Dataset, features: np.ndarray, name: str, seed: int = 0) -> BaselineResult:
    """An L2 logistic regression on ``features`` (2R, F), its strength chosen on validation (module docstring)."""
    features = np.asarray(features, dtype=float)
    if features.ndim != 2 or len(features) != len(data.labels) or not np.all(np.isfinite(features)):
        raise AnalysisError(f"{name}: need a finite (configurations {len(data.labels)}, features) matrix, got {features.shape}")
    folds, chosen = [], []
    for fold in range(N_OUTER):
        roles = _roles(data, fold)
        scores = []
        for c in C_GRID:
            model = _model(c, seed).fit(features[roles[TRAIN]], data.labels[roles[TRAIN]])
            scores.append(roc_auc(data.labels[roles[VALIDATION]], model.predict_proba(features[roles[VALIDATION]])[:, 1]))
        best = C_GRID[int(np.argmax(scores))]  # argmax: the first, strongest regularisation among ties
        model = _model(best, seed).fit(features[roles[None]], data.labels[roles[None]])
        test = roles[OUTER_TEST]
        folds.append((data.labels[test], model.predict_proba(features[test])[:, 1]))
        chosen.append(best)
    return BaselineResult(name, folds, chosen)


def _model(c: float, seed: int) -> Pipeline:
    """Standardise, then an L2 logistic regression of strength ``c``."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000, random_state=seed))
