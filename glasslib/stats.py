"""Every interval the book quotes, and the classifier statistics they are built on.

One home for the statistics of all chapters (a foundation: numpy, scipy and scikit-learn only):

- classifier statistics: :func:`roc_auc`, :func:`accuracy`, :func:`roc_curve`, and the AUC's
  bootstrap interval over folds and outer-test configurations, :func:`auc_interval` (chapters 04–07);
- intervals of a mean: :func:`t_interval` (Student t over folds), :func:`mean_with_ci` and
  :func:`interval_curve` (bootstrap over configurations, chapter 09);
- an exact binomial interval, :func:`clopper_pearson` (chapter 04's artificial images);
- rank correlations with configuration-level bootstrap intervals, :func:`correlation_with_ci`, and
  their wording, :func:`correlation_strength` (chapters 04b, 09).

Vocabulary (CONTRIBUTING.md): a classifier's *AUC* says how well it separates glasses from liquids;
a *correlation* (ρ) says how well a per-particle quantity follows another.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from scipy import stats
from sklearn import metrics


class AnalysisError(ValueError):
    """Positions, descriptors or values that an analysis cannot use; the message says which and why.

    Grad-CAM's :class:`glasslib.interpretation.gradcam.GradCAMError` is a subclass, so one
    ``except AnalysisError`` catches both without importing TensorFlow.
    """


#: Bootstrap resamples processed together in :func:`correlation_with_ci` (bounds memory: ≈ this many
#: resample × observation float64 cells per array).
BOOTSTRAP_CELLS = 2_000_000


def correlation_strength(rho: float) -> str:
    """Plain words for |ρ|: negligible (< 0.1), weak (< 0.3), moderate (< 0.5), strong (≥ 0.5)."""
    if not np.isfinite(rho):
        return "undefined"
    size = abs(rho)
    return "negligible" if size < 0.1 else "weak" if size < 0.3 else "moderate" if size < 0.5 else "strong"


def _tie_structure(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order, start (in sorted order) of each run of equal values, and each value's run index."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    new = np.r_[True, sorted_values[1:] != sorted_values[:-1]]
    run = np.empty(len(values), dtype=np.int64)
    run[order] = np.cumsum(new) - 1
    return order, np.flatnonzero(new), run


def _weighted_midranks(weights: np.ndarray, ties: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Mid-ranks of every observation in resamples given as (k, n) integer multiplicities."""
    order, starts, run = ties
    per_run = np.add.reduceat(weights[:, order], starts, axis=1)  # copies of each tied value, (k, runs)
    below = np.cumsum(per_run, axis=1) - per_run
    return (below + (per_run + 1) / 2)[:, run]


def _weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Row-wise Pearson correlation of (k, n) x and y with (k, n) weights; NaN for a constant row."""
    total = weights.sum(axis=1, keepdims=True)
    dx = x - (weights * x).sum(axis=1, keepdims=True) / total
    dy = y - (weights * y).sum(axis=1, keepdims=True) / total
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weights * dx * dy).sum(axis=1) / np.sqrt((weights * dx**2).sum(axis=1) * (weights * dy**2).sum(axis=1))


def _bootstrap_spearman(x: np.ndarray, y: np.ndarray, groups: np.ndarray, n_bootstrap: int, rng: np.random.Generator) -> np.ndarray:
    """Spearman ρ of ``n_bootstrap`` resamples (with replacement) of the groups; (n_bootstrap,)."""
    ties_x, ties_y = _tie_structure(x), _tie_structure(y)
    _, group = np.unique(groups, return_inverse=True)
    n_groups = int(group.max()) + 1
    chunk = max(1, BOOTSTRAP_CELLS // len(x))
    rhos = []
    for start in range(0, n_bootstrap, chunk):
        draws = rng.multinomial(n_groups, np.full(n_groups, 1.0 / n_groups), size=min(chunk, n_bootstrap - start))
        weights = draws[:, group].astype(np.float64)  # copies of each observation in each resample
        rhos.append(_weighted_pearson(_weighted_midranks(weights, ties_x), _weighted_midranks(weights, ties_y), weights))
    return np.concatenate(rhos)


def correlation_with_ci(
    x: np.ndarray,
    y: np.ndarray,
    n_bootstrap: int = 1000,
    seed: int = 0,
    *,
    groups: np.ndarray | None = None,
    confidence: float = 0.95,
    method: Literal["bootstrap", "fisher"] = "bootstrap",
) -> dict[str, Any]:
    """Pearson and Spearman correlation of two per-particle quantities, with an interval for Spearman's ρ.

    Pairs where either value is NaN or infinite are dropped first.

    Intervals (for Spearman's ρ)
    ----------------------------
    ``"bootstrap"`` (default): the percentile interval of ρ over ``n_bootstrap`` resamples with
    replacement — of the observations, or, with ``groups``, of whole groups (e.g. configurations:
    particles of one configuration are not independent, and resampling them one by one gives too
    narrow an interval). Ties get mid-ranks, as in :func:`scipy.stats.spearmanr`.
    ``"fisher"``: tanh(atanh ρ ± z / √(n − 3) · √1.06) (Fieller, Hartley and Pearson 1957), which
    assumes independent observations (no ``groups``).
    ``p_value`` is :func:`scipy.stats.spearmanr`'s (independent observations; optimistic for
    particles pooled from few configurations).

    Parameters
    ----------
    x, y : (n,) values.
    n_bootstrap : int — resamples of the bootstrap.
    seed : int — seed of the resampling.
    groups : (n,) labels, optional — resampling units of the bootstrap.
    confidence : float — coverage of the interval (0.95).
    method : ``"bootstrap"`` or ``"fisher"``.

    Returns
    -------
    dict with ``pearson``, ``pearson_p_value``, ``spearman``, ``p_value`` (Spearman's), ``ci_low``,
    ``ci_high`` (Spearman's ρ), ``n`` (pairs used), ``n_groups``, ``method``, ``strength``
    (:func:`correlation_strength` of ρ) and ``significant`` (the interval excludes 0). All
    statistics are NaN when x or y is constant.
    """
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise AnalysisError(f"x and y must have the same length, got {x.shape} and {y.shape}")
    groups = np.arange(len(x)) if groups is None else np.asarray(groups).ravel()
    if groups.shape != x.shape:
        raise AnalysisError(f"groups must have the length of x ({len(x)}), got {groups.shape}")
    if method not in ("bootstrap", "fisher") or (method == "fisher" and len(np.unique(groups)) != len(x)):
        raise AnalysisError(f"method must be 'bootstrap' or 'fisher' (the latter without groups), got {method!r}")
    if not 0 < confidence < 1 or n_bootstrap < 1:
        raise AnalysisError("confidence must lie in (0, 1) and n_bootstrap be ≥ 1")
    keep = np.isfinite(x) & np.isfinite(y)
    x, y, groups = x[keep], y[keep], groups[keep]
    n = len(x)
    if n < 4:
        raise AnalysisError(f"need at least 4 finite pairs, got {n}")
    result: dict[str, Any] = {"n": n, "n_groups": len(np.unique(groups)), "method": method}
    nan = float("nan")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        result.update(
            pearson=nan, pearson_p_value=nan, spearman=nan, p_value=nan, ci_low=nan, ci_high=nan, strength="undefined", significant=False
        )
        return result
    pearson = stats.pearsonr(x, y)
    spearman = stats.spearmanr(x, y)
    rho = float(spearman.statistic)
    tail = (1 - confidence) / 2
    if method == "fisher":
        half = stats.norm.ppf(1 - tail) * np.sqrt(1.06 / (n - 3))
        low, high = np.tanh(np.arctanh(np.clip(rho, -0.999999, 0.999999)) + np.array([-half, half]))
    else:
        rhos = _bootstrap_spearman(x, y, groups, int(n_bootstrap), np.random.default_rng(seed))
        low, high = np.nanquantile(rhos, [tail, 1 - tail])
    result.update(
        pearson=float(pearson.statistic),
        pearson_p_value=float(pearson.pvalue),
        spearman=rho,
        p_value=float(spearman.pvalue),
        ci_low=float(low),
        ci_high=float(high),
        strength=correlation_strength(rho),
        significant=bool(low > 0 or high < 0),
    )
    return result


def spearman_per_row(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Spearman ρ between ``x[c]`` and ``y[c]`` for every row c of two (C, N) arrays (mid-ranks); NaN for a constant row.

    Vectorised over rows: ranks along axis 1 (:func:`scipy.stats.rankdata`), then a row-wise Pearson
    correlation of the ranks.
    """
    from scipy.stats import rankdata

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise AnalysisError(f"x and y must be (configurations, particles) arrays of one shape, got {x.shape}, {y.shape}")
    rx, ry = rankdata(x, axis=1), rankdata(y, axis=1)
    return _weighted_pearson(rx, ry, np.ones_like(rx))


def pearson_per_row(x: np.ndarray, y: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Pearson r between ``x[c]`` and ``y[c]`` over the entries of ``mask`` (default all), for every row c.

    Parameters
    ----------
    x, y : (C, N) float — e.g. predicted and measured propensity of N particles in C configurations.
    mask : (N,) or (C, N) bool, optional — entries that count (e.g. the A particles).

    Returns
    -------
    (C,) float — NaN for a row that is constant over its masked entries.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise AnalysisError(f"x and y must be (configurations, particles) arrays of one shape, got {x.shape}, {y.shape}")
    weights = np.ones_like(x) if mask is None else np.broadcast_to(np.asarray(mask, dtype=np.float64), x.shape)
    if not np.all(weights.sum(axis=1) >= 2):
        raise AnalysisError("every row needs at least two masked entries for a correlation")
    return _weighted_pearson(x, y, weights)


def mean_with_ci(values: np.ndarray, n_bootstrap: int, seed: int, confidence: float = 0.95) -> dict[str, Any]:
    """Mean of the finite ``values`` with a percentile-bootstrap interval over them (e.g. configurations).

    Returns ``mean``, ``ci_low``, ``ci_high`` and ``n`` (finite values); NaNs with fewer than 2.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < 2:
        nan = float("nan")
        return {"mean": float(values.mean()) if values.size else nan, "ci_low": nan, "ci_high": nan, "n": values.size}
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, values.size, size=(n_bootstrap, values.size))
    means = values[draws].mean(axis=1)
    tail = 50 * (1 - confidence)
    low, high = np.percentile(means, [tail, 100 - tail])
    return {"mean": float(values.mean()), "ci_low": float(low), "ci_high": float(high), "n": int(values.size)}


def interval_curve(values: np.ndarray, seed: int, n_bootstrap: int = 1000) -> dict[str, list[float]]:
    """Mean over configurations (axis 0) with bootstrap intervals, for every time: (C, T) → three (T,) lists."""
    rows = [mean_with_ci(values[:, t], n_bootstrap, seed + t) for t in range(values.shape[1])]
    return {key: [row[key] for row in rows] for key in ("mean", "ci_low", "ci_high")}


def t_interval(values: np.ndarray, low: float = 0.0, high: float = 1.0) -> list[float]:
    """95 % Student-t interval of the mean of ``values`` (ddof = 1), clipped to [low, high]; NaNs for < 2 values."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return [math.nan, math.nan]
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    return [max(low, float(values.mean() - half)), min(high, float(values.mean() + half))]


def clopper_pearson(successes: int, trials: int, level: float = 0.95) -> list[float]:
    """Exact binomial interval of a proportion (Clopper–Pearson)."""
    tail = (1 - level) / 2
    low = 0.0 if successes == 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    high = 1.0 if successes == trials else float(stats.beta.ppf(1 - tail, successes + 1, trials - successes))
    return [low, high]


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


def paired_auc_difference(
    folds: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_bootstrap: int = AUC_BOOTSTRAP, seed: int = 0
) -> dict[str, Any]:
    """Fold-mean AUC of scorer a minus scorer b on the same test configurations, with a paired 95 % interval.

    The resampling of :func:`auc_interval` (folds, then each fold's configurations within each class),
    with the *same* draws for both scorers, so what they share — which configurations are hard —
    cancels in the difference.

    Parameters
    ----------
    folds : [(labels (n_f,), scores_a (n_f,), scores_b (n_f,))] — each fold's outer-test labels and both glass scores.

    Returns
    -------
    ``{"difference": mean AUC(a) − AUC(b), "ci95": [low, high]}``; NaNs for no folds.
    """
    if not folds:
        return {"difference": float("nan"), "ci95": [float("nan"), float("nan")]}
    rng = np.random.default_rng(seed)
    per_fold, observed = [], []
    for labels, a, b in folds:
        labels, a = _checked(labels, a)
        b = _checked(labels, b)[1]
        positive, negative = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
        p = positive[rng.integers(0, positive.size, (n_bootstrap, positive.size))]
        q = negative[rng.integers(0, negative.size, (n_bootstrap, negative.size))]
        per_fold.append(pairwise_auc(a[p], a[q]) - pairwise_auc(b[p], b[q]))
        observed.append(roc_auc(labels, a) - roc_auc(labels, b))
    stacked = np.stack(per_fold)  # (F, B)
    chosen = rng.integers(0, len(folds), (n_bootstrap, len(folds)))
    means = stacked[chosen, np.arange(n_bootstrap)[:, None]].mean(axis=1)
    return {"difference": float(np.mean(observed)), "ci95": np.percentile(means, [2.5, 97.5]).tolist()}
