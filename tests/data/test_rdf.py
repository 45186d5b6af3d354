"""Partial RDFs: ideal gas ≈ 1, a hand-made pair at a known distance, the half-box limit."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data.rdf import mean_rdf, partial_rdf


def test_ideal_gas_rdf_is_one():
    rng = np.random.default_rng(0)
    length, n = 40.0, 2000
    types = np.where(rng.random(n) < 0.65, 1, 2)
    configs = rng.uniform(0, length, size=(20, n, 2))
    rdf = mean_rdf(configs, types, length, r_max=10.0, n_bins=50)
    far = rdf.r > 2.0
    for pair in ("AA", "AB", "BB"):
        assert np.mean(rdf.g[pair][far]) == pytest.approx(1.0, abs=0.02)
        assert np.all(np.abs(rdf.g[pair][far] - 1.0) < 0.15)


def test_a_single_pair_lands_in_its_bin_across_the_boundary():
    positions = np.array([[0.2, 5.0], [19.7, 5.0], [10.0, 15.0]])  # A and B 0.5 apart through x = 0
    rdf = partial_rdf(positions, np.array([1, 2, 1], dtype=np.int8), 20.0, r_max=5.0, n_bins=50)  # int8, as stored
    peak_r, _ = rdf.first_peak("AB")
    assert peak_r == pytest.approx(0.55, abs=1e-9)  # centre of bin [0.5, 0.6)
    assert rdf.g["AB"].sum() > 0 and np.all(np.isnan(rdf.g["BB"]))  # one B particle: no BB pairs


def test_r_max_beyond_half_the_box_is_refused():
    with pytest.raises(ValueError, match="half the box"):
        partial_rdf(np.zeros((2, 2)), np.array([1, 2]), 10.0, r_max=6.0)
