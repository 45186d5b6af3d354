"""Artificial probe configurations: every B ringed by five A; random configurations in the KA ratio."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from glasslib.data import artificial


def test_every_b_is_ringed_by_a_pentagon_of_a():
    length = 24.5
    positions, types = artificial.pentagon_motifs(length, np.random.default_rng(0), jitter=0.0)
    assert (types == 1).sum() == 5 * (types == 2).sum()
    xy = positions * length
    tree = cKDTree(xy, boxsize=length)
    distances, neighbours = tree.query(xy[types == 2], k=6)
    assert np.allclose(distances[:, 1:], artificial.RING_RADIUS)  # five nearest, all at the ring radius
    assert np.all(types[neighbours[:, 1:]] == 1)


def test_random_configuration_keeps_the_ka_ratio():
    positions, types = artificial.random_configuration(720, np.random.default_rng(1))
    assert positions.shape == (720, 2) and np.all((positions >= 0) & (positions < 1))
    assert (types == 1).sum() == 468
