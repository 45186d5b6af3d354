"""Where "high attention" starts: a cutoff in the clear trough of the weight distribution (chapter 06).

Each fold's model has its own k, window and scale of weights, so :func:`fold_cutoffs` places one
cutoff per fold model, on that model's weights only, and says which rule placed it: the trough
between the two most prominent modes of the density of log₁₀(weight), or — when the density has
a single mode (no trough) — the largest gap between sorted weights above their median (the
authors' rule, kept to the upper half, where high attention lives).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from glasslib.interpretation.attention import AttentionError

if TYPE_CHECKING:
    from glasslib.interpretation.attention import AttentionGraph

#: How a cutoff was placed (:class:`CutoffChoice`).
TROUGH, NO_TROUGH, SINGULAR, EQUAL, GAP, OVERRIDE = (
    "trough between the two main modes",
    "largest gap above the median (one mode, no trough)",
    "largest gap (density undefined)",
    "all weights equal",
    "largest gap (asked for)",
    "override",
)


class CutoffChoice(NamedTuple):
    """A high-attention cutoff and the rule that placed it."""

    cutoff: float
    rule: str


#: A second mode counts (and with it a trough) only if its prominence is at least this share of the
#: density's maximum: the tails of a one-mode density carry tiny ripples that are no trough.
MIN_PROMINENCE = 0.05
#: Weights used for the density of :func:`high_attention_cutoff` at most (evenly spaced quantiles).
KDE_MAX_POINTS = 20_000


def _largest_gap(logs: np.ndarray, upper: bool = False) -> float:
    """Midpoint (as a weight) of the largest gap between consecutive distinct sorted log-weights; ``upper``:
    among the weights at or above the median only — "high" attention is a property of the upper tail, and
    one vanishing weight (measured at ``quick``: 10⁻¹⁶ beside a mode near 10⁻³) must not set the cutoff."""
    values = np.unique(logs[logs >= np.median(logs)] if upper else logs)
    if values.size < 2:
        values = np.unique(logs)
    gap = int(np.argmax(np.diff(values)))
    return float(10.0 ** (0.5 * (values[gap] + values[gap + 1])))


def choose_cutoff(
    weights: np.ndarray | Iterable[float], override: float | None = None, method: str = "kde", grid_points: int = 1024
) -> CutoffChoice:
    """The weight above which a connection counts as high attention (module docstring).

    Parameters
    ----------
    weights : array of positive floats — e.g. the pooled ``AttentionGraph.weights`` of a chapter.
    override : float, optional — return this value (checked to be finite and ≥ 0) instead.
    method : ``"kde"`` (default: density minimum between the two most prominent modes of
        ``log10(weight)``) or ``"gap"`` (the largest gap between consecutive sorted weights in log scale).
    grid_points : int — evaluation points of the density.

    Returns
    -------
    CutoffChoice — the cutoff (a weight is high attention when it is strictly greater) and the rule used.

    Raises
    ------
    AttentionError
        Without a finite positive weight, with a bad ``override`` or an unknown ``method``.
    """
    from scipy.signal import find_peaks
    from scipy.stats import gaussian_kde

    if override is not None:
        if not np.isfinite(override) or override < 0:
            raise AttentionError(f"the cutoff override must be a finite weight ≥ 0, got {override!r}")
        return CutoffChoice(float(override), OVERRIDE)
    if method not in ("kde", "gap"):
        raise AttentionError(f"method must be 'kde' or 'gap', got {method!r}")
    values = np.asarray(list(weights) if not isinstance(weights, np.ndarray) else weights, dtype=np.float64).ravel()
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        raise AttentionError("no finite positive attention weight to place a cutoff among")
    logs = np.sort(np.log10(values))
    if logs[0] == logs[-1]:
        return CutoffChoice(float(values.max()), EQUAL)
    if method == "gap":
        return CutoffChoice(_largest_gap(logs), GAP)
    if logs.size > KDE_MAX_POINTS:  # evenly spaced order statistics: same distribution, bounded cost
        logs_kde = logs[np.linspace(0, logs.size - 1, KDE_MAX_POINTS).round().astype(np.int64)]
    else:
        logs_kde = logs
    try:
        kde = gaussian_kde(logs_kde)
    except np.linalg.LinAlgError:
        return CutoffChoice(_largest_gap(logs), SINGULAR)
    bandwidth = float(np.sqrt(kde.covariance[0, 0]))
    grid = np.linspace(logs[0] - 3 * bandwidth, logs[-1] + 3 * bandwidth, int(grid_points))
    density = kde(grid)
    peaks, properties = find_peaks(density, prominence=MIN_PROMINENCE * float(density.max()))
    if peaks.size < 2:
        return CutoffChoice(_largest_gap(logs, upper=True), NO_TROUGH)
    two = np.sort(peaks[np.argsort(properties["prominences"])[-2:]])
    trough = two[0] + int(np.argmin(density[two[0] : two[1] + 1]))
    return CutoffChoice(float(10.0 ** grid[trough]), TROUGH)


def high_attention_cutoff(
    weights: np.ndarray | Iterable[float], override: float | None = None, method: str = "kde", grid_points: int = 1024
) -> float:
    """The cutoff of :func:`choose_cutoff`, without the rule."""
    return choose_cutoff(weights, override, method, grid_points).cutoff


def fold_cutoffs(graphs: Sequence[AttentionGraph], override: float | None = None) -> dict[int, CutoffChoice]:
    """One :class:`CutoffChoice` per fold model, from the weights of that model's graphs only."""
    folds = sorted({int(g.fold) for g in graphs})
    return {fold: choose_cutoff(np.concatenate([g.weights for g in graphs if g.fold == fold]), override) for fold in folds}


def cutoff_of(graph: AttentionGraph, cutoffs: float | Mapping[int, CutoffChoice | float]) -> float:
    """The cutoff that applies to ``graph``: one for all, or its fold model's."""
    if isinstance(cutoffs, Mapping):
        choice = cutoffs[int(graph.fold)]
        return float(choice.cutoff if isinstance(choice, CutoffChoice) else choice)
    return float(cutoffs)
