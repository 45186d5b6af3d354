"""A linear model of propensity on per-particle descriptors: the descriptor baseline of chapter 09.

Ridge regression of the propensity at every recorded time at once, fitted on the scored (type A)
particles of the training configurations. Features are standardised with the training particles'
mean and standard deviation; the ridge penalty ``alpha`` acts on the standardised weights (no
penalty on the intercept). The closed form (XᵀX + αI) W = XᵀY is solved once for all times.

:func:`fold_predictions` predicts each configuration with a model fitted on the other folds of
:func:`glasslib.dynamics.folds.fold_groups` — the same splits the graph networks train on, so the
baseline sees exactly the configurations they see, and every configuration is a test
configuration once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from glasslib.dynamics.folds import fold_groups

#: Default ridge penalty on standardised weights (a small one: the baseline has 6 features).
RIDGE = 1e-3


class LinearPropensityModel(NamedTuple):
    """Fitted weights: ``mean``, ``scale`` (D,) of the features, ``weights`` (D, T), ``intercept`` (T,)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: np.ndarray


def _rows(features: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masked particles of all configurations: X (n, D) and Y (n, T)."""
    features, targets, mask = np.asarray(features, float), np.asarray(targets, float), np.asarray(mask, bool)
    if features.ndim != 3 or targets.ndim != 3 or features.shape[:2] != (targets.shape[0], targets.shape[2]):
        raise ValueError(f"features must be (C, N, D) and targets (C, T, N) for the same C and N, got {features.shape}, {targets.shape}")
    mask = np.broadcast_to(mask, features.shape[:2])
    return features[mask], np.moveaxis(targets, 1, 2)[mask]


def fit_linear(features: np.ndarray, targets: np.ndarray, mask: np.ndarray, alpha: float = RIDGE) -> LinearPropensityModel:
    """Fit the ridge model (module docstring).

    Parameters
    ----------
    features : (C, N, D) — descriptors of every particle of C training configurations.
    targets : (C, T, N) — propensity at T times.
    mask : (N,) or (C, N) bool — particles fitted (the book: type A).
    alpha : float ≥ 0 — ridge penalty on standardised weights.
    """
    x, y = _rows(features, targets, mask)
    if x.shape[0] <= x.shape[1]:
        raise ValueError(f"{x.shape[0]} fitted particles cannot determine {x.shape[1]} weights; give more configurations")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)  # a constant column (e.g. no motif anywhere) gets weight 0
    z = (x - mean) / scale
    centred = y - y.mean(axis=0)
    weights = np.linalg.solve(z.T @ z + alpha * np.eye(z.shape[1]), z.T @ centred)
    return LinearPropensityModel(mean, scale, weights, y.mean(axis=0))


def predict_linear(model: LinearPropensityModel, features: np.ndarray) -> np.ndarray:
    """Predicted propensity (C, T, N) of configurations with descriptors ``features`` (C, N, D)."""
    z = (np.asarray(features, float) - model.mean) / model.scale
    return np.moveaxis(z @ model.weights + model.intercept, 2, 1)


def fold_predictions(features: np.ndarray, targets: np.ndarray, mask: np.ndarray, folds: int, alpha: float = RIDGE) -> np.ndarray:
    """Predictions (C, T, N) of each configuration by a model fitted on the configurations of the other ``folds`` − 1 folds."""
    features = np.asarray(features, float)
    mask = np.broadcast_to(np.asarray(mask, bool), features.shape[:2])
    out = np.empty(np.asarray(targets).shape)
    for held in fold_groups(len(features), folds):  # a loop over folds, each fit vectorised over particles and times
        keep = np.setdiff1d(np.arange(len(features)), held)
        out[held] = predict_linear(fit_linear(features[keep], targets[keep], mask[keep], alpha), features[held])
    return out
