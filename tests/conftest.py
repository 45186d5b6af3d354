"""Shared fixtures: small physical systems and a tiny profile for LAMMPS-backed tests."""

from __future__ import annotations

import pytest

from glasslib.profiles import get_profile
from glasslib.simulation.protocol import Protocol


@pytest.fixture(scope="session")
def tiny_profile():
    """A profile small enough for a whole campaign in seconds (60 particles, short ramps)."""
    return get_profile("smoke", n_particles=60, t_cool_slow=2000, t_cool_fast=1000,
                       snapshot_every_slow=500, snapshot_every_fast=250, runs_per_schedule=2,
                       is_fire_maxiter=5000, workers=2)


@pytest.fixture(scope="session")
def small_protocol() -> Protocol:
    """200 particles at the paper's density and protocol constants."""
    return get_profile("smoke").protocol
