"""Tests of glasslib.dynamics.relaxation: cage-relative displacements, F_s(k, t) and τ_α."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import j0

from glasslib.dynamics.relaxation import (
    RELAXED_LEVEL,
    RelaxationError,
    cage_relative,
    neighbour_average_matrix,
    relaxation_time,
    self_intermediate_scattering,
)


def lattice(side: int = 10) -> np.ndarray:
    """A square lattice of spacing 1 σ in a box of side ``side`` σ: 4 neighbours within 1.4 σ each."""
    return np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) + 0.5


def test_neighbour_average_is_the_mean_over_the_periodic_shell():
    positions = lattice()
    average = neighbour_average_matrix(positions, 10.0, cutoff=1.2)
    np.testing.assert_allclose(np.asarray(average.sum(axis=1)).ravel(), 1.0)
    assert (average.getnnz(axis=1) == 4).all()  # periodic: corners have 4 neighbours too
    values = np.arange(100.0)
    assert (average @ values)[0] == pytest.approx(np.mean([1, 10, 9, 90]))  # particle 0 at (0.5, 0.5)


def test_a_collective_drift_is_no_cage_relative_motion():
    positions = lattice()
    rng = np.random.default_rng(0)
    local = rng.normal(0, 0.1, (3, 100, 2))
    drift = np.array([2.0, -1.0])  # a long-wavelength fluctuation carries everything along
    relative = cage_relative(local + drift, positions, 10.0, cutoff=1.2)
    np.testing.assert_allclose(relative, cage_relative(local, positions, 10.0, cutoff=1.2), atol=1e-12)
    single = np.zeros((100, 2))
    single[0] = [1.0, 0.0]  # one particle hops: its neighbours see it leave a quarter of their cage
    moved = cage_relative(single, positions, 10.0, cutoff=1.2)
    np.testing.assert_allclose(moved[0], [1.0, 0.0])
    np.testing.assert_allclose(moved[1], [-0.25, 0.0])
    with pytest.raises(RelaxationError, match="shape"):
        cage_relative(single[:-1], positions, 10.0)


def test_self_intermediate_scattering_is_the_bessel_average():
    displacements = np.zeros((2, 3, 2))
    displacements[1, :, 0] = [0.1, 0.2, 0.3]
    fs = self_intermediate_scattering(displacements)
    assert fs[0] == 1.0
    assert fs[1] == pytest.approx(np.mean(j0(2 * np.pi * np.array([0.1, 0.2, 0.3]))))
    # isotropic: the average over many directions of cos(k·Δr) tends to J0(k|Δr|)
    angles = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    assert np.mean(np.cos(2 * np.pi * 0.3 * np.cos(angles))) == pytest.approx(float(j0(2 * np.pi * 0.3)), abs=1e-9)
    masked = self_intermediate_scattering(displacements, mask=np.array([True, False, False]))
    assert masked[1] == pytest.approx(float(j0(2 * np.pi * 0.1)))
    with pytest.raises(RelaxationError, match="mask"):
        self_intermediate_scattering(displacements, mask=np.zeros(3, bool))


def test_relaxation_time_of_an_exponential_and_clear_errors():
    times = np.geomspace(0.01, 100, 200)
    assert relaxation_time(times, np.exp(-times / 7.0)) == pytest.approx(7.0, rel=1e-3)
    assert relaxation_time(times, np.exp(-((times / 3.0) ** 0.6))) == pytest.approx(3.0, rel=1e-3)  # stretched
    with pytest.raises(RelaxationError, match="record longer runs"):
        relaxation_time(times, np.full(times.size, 0.9))
    with pytest.raises(RelaxationError, match="record earlier times"):
        relaxation_time(times, np.full(times.size, RELAXED_LEVEL / 2))
    with pytest.raises(RelaxationError, match="increasing"):
        relaxation_time(times[::-1], np.exp(-times))
