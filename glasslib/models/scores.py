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


#: Bootstrap resamples of :func:`auc_interval`.
AUC_BOOTSTRAP = 4000


def pairwise_auc(positive: np.ndarray, negative: np.ndarray) -> np.ndarray:
    """ROC AUC of each row: the fraction of (positive, negative) pairs ranked right, ties counting ½ (Mann–Whitney).

    ``positive`` (B, p) and ``negative`` (B, q) scores, e.g. B bootstrap resamples; returns (B,).
    """
    above = positive[:, :, None] > negative[:, None, :]
    tied = positive[:, :, None] == negative[:, None, :]
    return above.mean(axis=(1, 2)) + 0.5 * tied.mean(axis=(1, 2))


def _resampled_auc(labels: np.ndarray, scores: np.ndarray, rng: np.random.Generator, n: int) -> np.ndarray:
    """(n,) ROC AUCs of ``n`` class-stratified bootstrap resamples of one test set."""
    positive, negative = scores[labels == 1], scores[labels == 0]
    return pairwise_auc(
        positive[rng.integers(0, positive.size, (n, positive.size))], negative[rng.integers(0, negative.size, (n, negative.size))]
    )


def auc_interval(folds: list[tuple[np.ndarray, np.ndarray]], n_bootstrap: int = AUC_BOOTSTRAP, seed: int = 0) -> list[float]:
    """95 % interval of the fold-mean ROC AUC, bootstrapped over folds *and* test configurations.

    Each resample draws the folds with replacement, then each drawn fold's test configurations with
    replacement within each class, and averages the folds' AUCs; the interval is the 2.5 and 97.5
    percentiles. It carries both the spread between folds' models and the finite test sets (a fold of
    8 + 8 configurations alone spans about ±0.1 around a true 0.9).

    Parameters
    ----------
    folds : [(labels (n_f,), scores (n_f,))] — each fold's outer-test labels (0/1) and glass probabilities.
    n_bootstrap : resamples; seed : their generator's seed.

    Returns
    -------
    [low, high]; NaNs for no folds.
    """
    if not folds:
        return [float("nan"), float("nan")]
    checked = [_checked(labels, scores) for labels, scores in folds]
    rng = np.random.default_rng(seed)
    per_fold = np.stack([_resampled_auc(labels, scores, rng, n_bootstrap) for labels, scores in checked])  # (F, B)
    chosen = rng.integers(0, len(checked), (n_bootstrap, len(checked)))  # folds drawn with replacement
    means = per_fold[chosen, np.arange(n_bootstrap)[:, None]].mean(axis=1)
    return np.percentile(means, [2.5, 97.5]).tolist()
