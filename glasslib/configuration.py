"""Checks and conventions shared by everything that reads one configuration.

A configuration is ``positions`` (N, 2) scaled to the unit square and ``types`` (N,) with LAMMPS'
types 1 (A) and 2 (B). Scaled coordinates can fall slightly outside [0, 1] between neighbour-list
rebuilds; :func:`wrap_scaled` wraps them back, and refuses coordinates that lie further outside
than ``WRAP_TOLERANCE`` (a sign of unscaled or corrupted input) or are not finite.
"""

from __future__ import annotations

import numpy as np

from glasslib.sim import TYPE_A, TYPE_B

#: How far outside [0, 1] a scaled coordinate may lie and still be wrapped (box lengths).
WRAP_TOLERANCE = 0.05


class ConfigurationError(ValueError):
    """A configuration that cannot be used as it is; the message says what is wrong."""


def wrap_scaled(positions: np.ndarray, tolerance: float = WRAP_TOLERANCE) -> np.ndarray:
    """Check scaled positions and wrap them into [0, 1).

    Parameters
    ----------
    positions : (N, 2) or (..., N, 2)
        Scaled coordinates.
    tolerance : float
        Largest distance outside [0, 1] that is accepted, in box lengths.

    Raises
    ------
    ConfigurationError
        Non-finite coordinates, a wrong last dimension, or coordinates beyond the tolerance.
    """
    positions = np.asarray(positions, dtype=float)
    if positions.ndim < 2 or positions.shape[-1] != 2:
        raise ConfigurationError(f"positions must have shape (N, 2), got {positions.shape}")
    bad = ~np.isfinite(positions).all(axis=-1)
    if bad.any():
        raise ConfigurationError(f"{int(bad.sum())} particles have NaN or infinite coordinates")
    outside = np.maximum(-positions, positions - 1.0).max()
    if outside > tolerance:
        raise ConfigurationError(
            f"scaled coordinates reach {outside:.3g} outside [0, 1], beyond the wrap tolerance {tolerance}; "
            "are these unscaled positions (divide by the box length) or corrupted data?"
        )
    return np.mod(positions, 1.0)


def type_indicator(types: np.ndarray) -> np.ndarray:
    """0 for A and 1 for B, float32, shape (N,); any other type is an error."""
    types = np.asarray(types)
    unknown = np.setdiff1d(np.unique(types), [TYPE_A, TYPE_B])
    if unknown.size:
        raise ConfigurationError(f"unknown particle types {unknown.tolist()}; expected {TYPE_A} (A) and {TYPE_B} (B)")
    return (types == TYPE_B).astype(np.float32)
