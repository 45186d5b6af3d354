"""Run-level nested cross-validation splits shared by all six data sets (SPEC section 7; chapter 03).

Three disjoint outer test sets of 20 % of the runs; inside each remaining 80 %, an 80/10/10 split
into inner train, validation and inner test. Splits are drawn over *runs*, so both
configurations a run contributes (its liquid and its glass) always fall in the same role, and
every data set uses the same runs in the same roles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


class DatasetError(ValueError):
    """A data set that cannot be built as asked; the message says why and what to do."""


N_OUTER = 3


OUTER_FRACTION = 0.2


INNER_FRACTIONS = (0.8, 0.1, 0.1)


TRAIN, VALIDATION, TEST, OUTER_TEST = 0, 1, 2, -1


@dataclass(frozen=True)
class Splits:
    """Run-level cross-validation splits shared by all data sets.

    Attributes
    ----------
    outer_test : (3, n_test) run indices of the three disjoint outer test sets.
    inner : (3, R) role of every run in fold f: 0 train, 1 validation, 2 inner test, −1 outer test.
    """

    outer_test: np.ndarray
    inner: np.ndarray

    def runs(self, fold: int, role: int) -> np.ndarray:
        """Run indices with ``role`` (TRAIN, VALIDATION, TEST or OUTER_TEST) in ``fold``."""
        return np.flatnonzero(self.inner[fold] == role)

    def outer_train(self, fold: int) -> np.ndarray:
        """Run indices of fold ``fold``'s outer training set (everything but its outer test set)."""
        return np.flatnonzero(self.inner[fold] != OUTER_TEST)


def _split_sizes(n: int, fractions: tuple[float, ...]) -> list[int]:
    """Integer sizes of ``n`` items in ``fractions``, every part at least 1, summing to ``n``."""
    sizes = [max(1, int(round(f * n))) for f in fractions[1:]]
    return [n - sum(sizes), *sizes]


def make_splits(n_runs: int, seed: int, inner_fractions: tuple[float, float, float] = INNER_FRACTIONS) -> Splits:
    """Draw the nested cross-validation splits of ``n_runs`` runs from ``seed``; ``inner_fractions``:
    inner train, validation and inner test shares of the runs outside each outer test set (the paper's 80/10/10).

    Raises
    ------
    DatasetError
        If there are too few runs for three outer test sets and three non-empty inner parts.
    """
    n_test = int(round(OUTER_FRACTION * n_runs))
    rest = n_runs - n_test
    if n_test < 1 or N_OUTER * n_test > n_runs or rest < 5:
        raise DatasetError(
            f"{n_runs} runs are too few for three disjoint 20 % outer test sets and an 80/10/10 inner split "
            "(at least 8 runs per schedule are needed); raise runs_per_schedule"
        )
    rng = np.random.default_rng(np.random.SeedSequence((seed, 3)))
    order = rng.permutation(n_runs)
    outer = order[: N_OUTER * n_test].reshape(N_OUTER, n_test)
    inner = np.full((N_OUTER, n_runs), OUTER_TEST, dtype=np.int8)
    for fold in range(N_OUTER):
        remaining = rng.permutation(np.setdiff1d(np.arange(n_runs), outer[fold]))
        train, validation, _ = _split_sizes(len(remaining), inner_fractions)
        inner[fold, remaining[:train]] = TRAIN
        inner[fold, remaining[train : train + validation]] = VALIDATION
        inner[fold, remaining[train + validation :]] = TEST
    return Splits(np.sort(outer, axis=1), inner)


def split_table(splits: Splits) -> pd.DataFrame:
    """Runs per role in each outer fold."""
    names = {TRAIN: "inner train", VALIDATION: "validation", TEST: "inner test", OUTER_TEST: "outer test"}
    return pd.DataFrame({f"fold {f}": {names[r]: int((splits.inner[f] == r).sum()) for r in names} for f in range(splits.inner.shape[0])})
