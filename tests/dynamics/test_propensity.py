"""Tests of glasslib.dynamics.propensity: propensity, split-half noise ceiling and per-configuration scores."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.dynamics.propensity import (
    PropensityError,
    correlation_over_time,
    correlation_per_configuration,
    noise_ceiling,
    propensity,
    spearman_brown,
    split_half_reliability,
)


def synthetic_ensemble(runs: int, noise: float, n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Runs whose |Δr_i| is a true propensity p_i (s.d. 0.3 σ) plus independent noise of s.d. ``noise``, one time."""
    rng = np.random.default_rng(seed)
    truth = 1.0 + rng.gamma(4.0, 0.15, n)
    magnitude = truth + rng.normal(0.0, noise, (runs, 1, n))
    angle = rng.uniform(0, 2 * np.pi, (runs, 1, n))
    return np.stack([magnitude * np.cos(angle), magnitude * np.sin(angle)], axis=-1), truth


def test_propensity_of_a_hand_built_ensemble():
    displacements = np.zeros((2, 1, 3, 2))
    displacements[0, 0] = [[3.0, 4.0], [0.0, 1.0], [0.0, 0.0]]
    displacements[1, 0] = [[0.0, 1.0], [-1.0, 0.0], [0.0, 2.0]]
    np.testing.assert_allclose(propensity(displacements), [[3.0, 1.0, 1.0]])


@pytest.mark.parametrize(("runs", "noise"), [(8, 0.3), (32, 0.6), (5, 0.2)])
def test_split_half_reliability_recovers_the_known_reliability(runs, noise):
    displacements, truth = synthetic_ensemble(runs, noise)
    expected = truth.var() / (truth.var() + noise**2 / runs)
    measured = split_half_reliability(displacements, seed=1)
    assert measured.shape == (1,)
    assert measured[0] == pytest.approx(expected, abs=0.03)
    # the ceiling is what the true propensity itself scores against the measured one
    score = correlation_per_configuration(truth[None], propensity(displacements))
    assert noise_ceiling(measured)[0] == pytest.approx(score[0], abs=0.03)


def test_spearman_brown_and_ceiling_limits():
    assert spearman_brown(0.5, 2.0) == pytest.approx(2 / 3)
    assert spearman_brown(1.0, 7.0) == pytest.approx(1.0)
    np.testing.assert_allclose(noise_ceiling(np.array([-0.1, 0.0, 0.81])), [0.0, 0.0, 0.9])


def test_scores_use_the_masked_particles_and_bad_input_is_clear():
    rng = np.random.default_rng(3)
    measured = rng.random((2, 50))
    predicted = measured.copy()
    mask = np.arange(50) < 30
    predicted[:, ~mask] = rng.random((2, 20))  # wrong only where the mask does not look
    np.testing.assert_allclose(correlation_per_configuration(predicted, measured, mask), [1.0, 1.0])
    assert np.all(correlation_per_configuration(predicted, measured) < 1.0)
    with pytest.raises(PropensityError, match="shape"):
        correlation_per_configuration(predicted[:, :10], measured)
    with pytest.raises(PropensityError, match="at least 2 runs"):
        split_half_reliability(np.zeros((1, 2, 5, 2)))
    with pytest.raises(PropensityError, match="runs, times, N, 2"):
        propensity(np.zeros((3, 5, 2)))


def test_correlation_over_time_is_the_per_time_correlation():
    rng = np.random.default_rng(7)
    predicted, measured = rng.random((3, 4, 30)), rng.random((3, 4, 30))
    mask = rng.random((3, 30)) < 0.7
    expected = np.stack([correlation_per_configuration(predicted[:, t], measured[:, t], mask) for t in range(4)], axis=1)
    np.testing.assert_allclose(correlation_over_time(predicted, measured, mask), expected)
