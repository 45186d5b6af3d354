"""Cross-validation folds over configurations, shared by every model of chapter 09 so that all see the same splits."""

from __future__ import annotations

import numpy as np


class FoldError(ValueError):
    """A fold count the configurations cannot support."""


def fold_groups(count: int, folds: int) -> list[np.ndarray]:
    """Configurations 0 … count − 1 in ``folds`` interleaved groups (configuration c in group c mod folds)."""
    if not 2 <= folds <= count:
        raise FoldError(f"cross-validation needs 2 ≤ folds ≤ configurations ({count}), got {folds}; set propensity_folds")
    return [np.arange(f, count, folds) for f in range(folds)]
