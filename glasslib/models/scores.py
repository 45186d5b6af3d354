"""Scores of a binary liquid (0) / glass (1) classifier (SPEC section 7; chapters 04–07).

ROC AUC (primary) and accuracy at threshold 0.5, from scikit-learn, with input checks that say what
is wrong instead of failing deep inside.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics


def _checked(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).ravel()
    scores = np.asarray(scores, dtype=float).ravel()
    if labels.shape != scores.shape:
        raise ValueError(f"labels and scores differ in length: {labels.shape[0]} vs {scores.shape[0]}")
    if not np.all(np.isin(labels, (0, 1))):
        raise ValueError("labels must be 0 (liquid) or 1 (glass)")
    if len(np.unique(labels)) < 2:
        raise ValueError(
            f"ROC AUC needs both classes; got only label {int(labels[0]) if labels.size else 'none'} "
            f"in {labels.size} samples (a split too small, or a data set with one class)"
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values")
    return labels, scores


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve; ``scores`` (n,) are glass probabilities or any monotone score."""
    labels, scores = _checked(labels, scores)
    return float(metrics.roc_auc_score(labels, scores))


def accuracy(labels: np.ndarray, probabilities: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction classified right when glass is predicted for probability ≥ ``threshold``."""
    labels, probabilities = _checked(labels, probabilities)
    return float(np.mean((probabilities >= threshold) == (labels == 1)))


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False- and true-positive rates, each (m,), for drawing the ROC curve."""
    labels, scores = _checked(labels, scores)
    fpr, tpr, _ = metrics.roc_curve(labels, scores)
    return fpr, tpr
