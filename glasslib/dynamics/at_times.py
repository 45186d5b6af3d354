"""Propensity scores compared at fixed times: every model at the same t, with paired intervals (chapter 09).

A model's score is a Pearson ρ per configuration at every recorded time, a (C, T) array
(:func:`glasslib.dynamics.propensity.correlation_over_time`). The field compares models at fixed
times — at the structural relaxation time τ_α and at a few others — never each at its own best
time, since a model that predicts the cage vibrations of the first fraction of τ can look better
than one that predicts structural relaxation 1,000 times later.

:func:`values_at` reads ρ at any time t inside the recorded (and trained) range by interpolating
each configuration's ρ linearly in log t between the two recorded times that bracket it (exact
at a recorded time); a time outside that range is refused with :class:`UntrainedTimeError`, never
extrapolated — the networks predict exactly the recorded times they trained on.
:func:`score_at` gives the mean over configurations with a bootstrap interval; :func:`paired_at`
the mean difference of two models on the same configurations with a paired bootstrap interval;
:func:`verdict` reads "holds" / "fails" / "not resolved at this scale" from that interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glasslib.dynamics.relaxation import RelaxationError
from glasslib.stats import interval_curve, mean_with_ci

#: The comparison times, as multiples of τ_α of the temperature and displacement kind: short, τ_α, long.
TIME_FACTORS: dict[str, float] = {"0.1 τ_α": 0.1, "τ_α": 1.0, "2 τ_α": 2.0}
#: The headline time (a key of :data:`TIME_FACTORS`).
HEADLINE = "τ_α"
#: Bootstrap resamples of every interval at a time.
BOOTSTRAP = 1000
HOLDS, FAILS, UNRESOLVED = "holds", "fails", "not resolved at this scale"


class UntrainedTimeError(RelaxationError):
    """A score asked for at a time outside the recorded times its model was trained and scored on."""


def stored_curve(values: np.ndarray, seed: int) -> dict[str, Any]:
    """ρ per configuration and time (C, T) as stored: mean with bootstrap intervals per time, and the ``values`` themselves."""
    values = np.asarray(values, dtype=np.float64)
    return {**interval_curve(values, seed), "values": values.tolist()}


def values_at(times: Sequence[float], values: np.ndarray, t: float, setting: str = "dynamics_t_max") -> np.ndarray:
    """Each configuration's ρ at time ``t``, interpolated linearly in log t between recorded times.

    Parameters
    ----------
    times : (T,) float — the recorded times, increasing, τ.
    values : (C, T) float — ρ per configuration at each recorded time.
    t : float — the time asked for, τ; it must lie within [times[0], times[-1]].
    setting : str — the profile field to name when ``t`` lies beyond the last recorded time.

    Returns
    -------
    (C,) float.
    """
    times, values = np.asarray(times, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != times.size:
        raise ValueError(f"values must be (configurations, {times.size} times), got {values.shape}")
    if not np.isfinite(t) or t <= 0:
        raise UntrainedTimeError(f"a comparison time must be a positive number of τ, got {t}")
    tolerance = 1e-9 * times[-1]
    if t > times[-1] + tolerance:
        raise UntrainedTimeError(
            f"t = {t:.4g} τ lies beyond the last recorded time {times[-1]:.4g} τ: no model was trained or scored there, and scores are "
            f"not extrapolated; raise {setting}"
        )
    if t < times[0] - tolerance:
        raise UntrainedTimeError(
            f"t = {t:.4g} τ lies before the first recorded time {times[0]:.4g} τ: no model was trained or scored there; "
            "record more times (dynamics_records)"
        )
    upper = int(np.clip(np.searchsorted(times, t), 1, times.size - 1))
    lower = upper - 1
    weight = np.clip((np.log(t) - np.log(times[lower])) / (np.log(times[upper]) - np.log(times[lower])), 0.0, 1.0)
    return (1 - weight) * values[:, lower] + weight * values[:, upper]


def score_at(curve: Mapping[str, Any], times: Sequence[float], t: float, seed: int) -> dict[str, Any]:
    """A stored curve (its ``values``, (C, T)) at time ``t``: mean ρ over configurations with a 95 % bootstrap interval."""
    values = values_at(times, np.asarray(curve["values"], dtype=np.float64), t)
    return {"time": float(t), **mean_with_ci(values, BOOTSTRAP, seed), "values": values.tolist()}


def paired_at(first: Mapping[str, Any], second: Mapping[str, Any], times: Sequence[float], t: float, seed: int) -> dict[str, Any]:
    """Mean over configurations of ρ_first − ρ_second at ``t``, with a paired 95 % bootstrap interval (same configurations)."""
    a = values_at(times, np.asarray(first["values"], dtype=np.float64), t)
    b = values_at(times, np.asarray(second["values"], dtype=np.float64), t)
    if a.shape != b.shape:
        raise ValueError(f"a paired comparison needs the same configurations, got {a.shape} and {b.shape}")
    return mean_with_ci(a - b, BOOTSTRAP, seed)


def verdict(difference: Mapping[str, Any]) -> str:
    """ "holds" when the paired interval lies above 0, "fails" below 0, otherwise "not resolved at this scale"."""
    low, high = difference["ci_low"], difference["ci_high"]
    if not (np.isfinite(low) and np.isfinite(high)):
        return UNRESOLVED
    return HOLDS if low > 0 else FAILS if high < 0 else UNRESOLVED


def configurations_to_decide(difference: Mapping[str, Any]) -> int | None:
    """How many configurations would resolve a paired difference of this size from zero, if it held.

    The interval's half-width shrinks as 1/√C over C configurations, so a mean difference Δ with
    half-width h over n configurations is resolved at about n (h / |Δ|)² of them. ``None`` when Δ is 0
    or not finite; the count of an already resolved difference is at most n.
    """
    mean, low, high, n = difference["mean"], difference["ci_low"], difference["ci_high"], difference.get("n")
    if not all(np.isfinite(v) for v in (mean, low, high)) or mean == 0 or not n:
        return None
    half = (high - low) / 2
    return int(np.ceil(n * (half / abs(mean)) ** 2))


def comparison_times(tau_alpha: float | None, factors: Mapping[str, float] = TIME_FACTORS) -> dict[str, float]:
    """The comparison times (τ) of one temperature and displacement kind; τ_α unknown is a :class:`RelaxationError`."""
    if tau_alpha is None or not np.isfinite(tau_alpha):
        raise RelaxationError("τ_α is unknown (F_s did not fall to 1/e within the recorded times): raise dynamics_t_max")
    return {name: factor * float(tau_alpha) for name, factor in factors.items()}


def nearest_columns(times: Sequence[float], tau_alpha: Mapping[str, float | None], kinds: Sequence[str]) -> list[int]:
    """Output column of the recorded time nearest (in log t) each kind's τ_α, in the stacked (kinds × times) layout."""
    log_times = np.log(np.asarray(times, dtype=np.float64))
    columns = []
    for k, kind in enumerate(kinds):
        tau = comparison_times(tau_alpha[kind], {HEADLINE: 1.0})[HEADLINE]
        columns.append(k * len(log_times) + int(np.argmin(np.abs(log_times - np.log(tau)))))
    return columns


def compare_models(
    scores: Mapping[str, Mapping[str, Any]], times: Sequence[float], t: float, reference: str, seed: int
) -> dict[str, dict[str, Any]]:
    """Every model of ``scores`` at time ``t``, and each other model's paired difference from ``reference`` (reference − model).

    ``scores``: model name → stored curve (``values`` (C, T)); the noise ceiling is scored like a model.
    Returns model → {score (:func:`score_at`), ``difference`` (None for the reference and the ceiling)}.
    """
    out = {}
    for name, curve in scores.items():
        row = {"score": score_at(curve, times, t, seed), "difference": None}
        if name not in (reference, "noise_ceiling"):
            row["difference"] = paired_at(scores[reference], curve, times, t, seed)
        out[name] = row
    return out


def best_other(compared: Mapping[str, Mapping[str, Any]], reference: str) -> str:
    """The model other than ``reference`` (and the noise ceiling) with the highest mean ρ at the compared time."""
    others = [name for name in compared if name not in (reference, "noise_ceiling")]
    if not others:
        raise ValueError(f"nothing to compare {reference!r} with")
    return max(others, key=lambda name: np.nan_to_num(compared[name]["score"]["mean"], nan=-np.inf))
