"""Dynamic propensity of an iso-configurational ensemble, its noise ceiling, and scores against it (chapter 09).

An iso-configurational ensemble is R runs from one configuration with fresh velocities
(:func:`glasslib.simulation.fixed_temperature.run_at_temperature`). Particle i's **propensity** at time
t is the mean over the runs of how far it moved (the convention of DeepMind's glassy_dynamics):

    p_i(t) = (1 / R) Σ_r |Δr_i^(r)(t)|,

with absolute or cage-relative displacements (:func:`glasslib.dynamics.relaxation.cage_relative`).

A finite ensemble measures p_i with noise. Its **reliability** at time t is estimated from
split halves: the Pearson r between the propensities of two disjoint halves of the runs, over the
A particles of the configuration, averaged over random splits and lifted to all R runs by the
Spearman–Brown formula ρ_R = n r / (1 + (n − 1) r) with n = R / ⌊R/2⌋. A predictor that knew the
true propensity would correlate with the measured one at √ρ_R: the **noise ceiling** quoted beside
every model's score. Models are scored like the published ones: Pearson r between predicted and
measured propensity over the A particles of one configuration, then averaged over configurations.
"""

from __future__ import annotations

import numpy as np

from glasslib.stats import pearson_per_row

#: Random half splits of the runs averaged in :func:`split_half_reliability`.
HALF_SPLITS = 16


class PropensityError(ValueError):
    """An ensemble or a prediction that cannot give a propensity or a score."""


def _check_ensemble(displacements: np.ndarray) -> np.ndarray:
    displacements = np.asarray(displacements, dtype=np.float64)
    if displacements.ndim != 4 or displacements.shape[-1] != 2:
        raise PropensityError(f"an ensemble's displacements must have shape (runs, times, N, 2), got {displacements.shape}")
    if not np.all(np.isfinite(displacements)):
        raise PropensityError("an ensemble's displacements must be finite")
    return displacements


def propensity(displacements: np.ndarray) -> np.ndarray:
    """Mean over runs of |Δr_i(t)|.

    Parameters
    ----------
    displacements : (R, T, N, 2) float — run r's displacement of particle i at time t, σ.

    Returns
    -------
    (T, N) float — propensity, σ.
    """
    displacements = _check_ensemble(displacements)
    return np.hypot(displacements[..., 0], displacements[..., 1]).mean(axis=0)


def spearman_brown(r: np.ndarray | float, factor: float) -> np.ndarray:
    """Reliability of a measurement ``factor`` times as long as one of reliability ``r``: n r / (1 + (n − 1) r)."""
    r = np.asarray(r, dtype=np.float64)
    return factor * r / (1.0 + (factor - 1.0) * r)


def split_half_reliability(
    displacements: np.ndarray, mask: np.ndarray | None = None, splits: int = HALF_SPLITS, seed: int = 0
) -> np.ndarray:
    """ρ_R of the ensemble's propensity at every time (module docstring).

    Parameters
    ----------
    displacements : (R, T, N, 2) float — R ≥ 2 runs of one configuration, σ.
    mask : (N,) bool, optional — particles the correlation runs over (the book: type A).
    splits : int — random half splits averaged.
    seed : int — seed of the splits.

    Returns
    -------
    (T,) float — Spearman–Brown reliability of the R-run propensity; NaN where it is undefined.
    """
    displacements = _check_ensemble(displacements)
    runs = displacements.shape[0]
    if runs < 2:
        raise PropensityError(f"a split-half reliability needs at least 2 runs per configuration, got {runs}")
    magnitudes = np.hypot(displacements[..., 0], displacements[..., 1])  # (R, T, N)
    half = runs // 2
    rng = np.random.default_rng(seed)
    order = np.stack([rng.permutation(runs) for _ in range(int(splits))])  # (S, R)
    first = magnitudes[order[:, :half]].mean(axis=1)  # (S, T, N)
    second = magnitudes[order[:, half : 2 * half]].mean(axis=1)
    t, n = magnitudes.shape[1:]
    r = pearson_per_row(first.reshape(-1, n), second.reshape(-1, n), mask).reshape(-1, t).mean(axis=0)
    return spearman_brown(r, runs / half)


def noise_ceiling(reliability: np.ndarray) -> np.ndarray:
    """√ρ: the expected correlation of the true propensity with the measured one (0 where ρ ≤ 0)."""
    return np.sqrt(np.clip(np.asarray(reliability, dtype=np.float64), 0.0, None))


def correlation_per_configuration(predicted: np.ndarray, measured: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Pearson r between predicted and measured propensity over the masked particles of each configuration.

    Parameters
    ----------
    predicted, measured : (C, N) float — one value per particle of C configurations.
    mask : (N,) or (C, N) bool, optional — the particles scored (the book: type A).

    Returns
    -------
    (C,) float — NaN for a configuration whose prediction is constant.
    """
    predicted, measured = np.asarray(predicted, dtype=np.float64), np.asarray(measured, dtype=np.float64)
    if predicted.shape != measured.shape or predicted.ndim != 2:
        raise PropensityError(
            f"predicted and measured propensity must be (configurations, particles) of one shape, got {predicted.shape}, {measured.shape}"
        )
    if not (np.all(np.isfinite(predicted)) and np.all(np.isfinite(measured))):
        raise PropensityError("predicted and measured propensity must be finite")
    return pearson_per_row(predicted, measured, mask)


def correlation_over_time(predicted: np.ndarray, measured: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`correlation_per_configuration` at every time at once: (C, T, N) predictions and measurements → (C, T).

    ``mask`` is (C, N) (or (N,)): the particles scored, the same at every time.
    """
    predicted, measured = np.asarray(predicted, dtype=np.float64), np.asarray(measured, dtype=np.float64)
    if predicted.shape != measured.shape or predicted.ndim != 3:
        raise PropensityError(
            f"predicted and measured propensity must be (configurations, times, particles) of one shape, got {predicted.shape}, {measured.shape}"
        )
    count, times, n = predicted.shape
    rows = np.broadcast_to(
        np.asarray(mask, dtype=bool)[..., None, :] if np.ndim(mask) == 2 else np.asarray(mask, dtype=bool), predicted.shape
    )
    return correlation_per_configuration(predicted.reshape(-1, n), measured.reshape(-1, n), rows.reshape(-1, n)).reshape(count, times)
