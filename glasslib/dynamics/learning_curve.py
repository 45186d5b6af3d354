"""Learning curves of chapter 09: ρ at τ_α on held-out configurations against the number of training configurations.

For every fold of :func:`glasslib.dynamics.folds.fold_groups`, a model is trained on the first n
configurations of the fold's training part and scored on the fold's held-out configurations — the
same held-out configurations for every n, so the points of one model are paired. Networks keep the
fold's last training configuration for early stopping, as in the main run
(:func:`glasslib.dynamics.networks.fit.validation_split`); the linear baseline has nothing to stop
and fits on n configurations. Scores are Pearson ρ per held-out configuration over its A particles
at the output ``columns`` (the recorded times nearest τ_α of each displacement kind).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from glasslib.dynamics.folds import fold_groups
from glasslib.dynamics.linear_baseline import fit_linear, predict_linear
from glasslib.dynamics.propensity import correlation_over_time


def learning_sizes(configurations: int, folds: int) -> tuple[list[int], int]:
    """The smaller training sizes of the learning curve (1, 2, 4, … below the main run's) and the main run's own.

    The main run trains each fold's network on its training part less one validation configuration;
    the smallest fold's part sets that size.
    """
    part = configurations - max(len(held) for held in fold_groups(configurations, folds))
    main = max(part - 1, 1)
    return [n for n in (2**k for k in range(31)) if n < main], main


def _scored(predicted: np.ndarray, targets: np.ndarray, mask: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """(C, K) ρ per configuration at the K ``columns``."""
    columns = list(columns)
    return correlation_over_time(predicted[:, columns], np.asarray(targets, np.float64)[:, columns], mask)


def network_curve(
    name: str,
    graphs: Sequence[Any],
    targets: np.ndarray,
    mask: np.ndarray,
    folds: int,
    sizes: Sequence[int],
    columns: Sequence[int],
    epochs: int,
    seed: int,
    rotate: bool = False,
    threads: int = 1,
    fold_learning_rates: Sequence[float | None] | None = None,
    **kwargs: Any,
) -> dict[int, np.ndarray]:
    """Held-out ρ (C, K) of network ``name`` trained on n configurations, for every n of ``sizes`` that each fold can give.

    Settings as :func:`glasslib.dynamics.networks.fit.cross_validated_predictions` (same seeds per fold);
    every fold keeps its last training configuration to stop on, so n ≤ (training part) − 1.
    ``fold_learning_rates``: each fold's learning rate (the main run's choice); default the networks' own.
    """
    from glasslib.dynamics.networks.fit import LEARNING_RATE, Monitor, predict, train_network

    groups = fold_groups(len(graphs), folds)
    out = {}
    for n in sizes:
        if any(len(graphs) - len(held) - 1 < n for held in groups):
            continue
        values = np.full((len(graphs), len(columns)), np.nan)
        for fold, held in enumerate(groups):  # a loop over sizes and folds; each training is vectorised
            part = np.setdiff1d(np.arange(len(graphs)), held)
            used, check = part[:n], part[-1:]
            monitor = Monitor(columns, ([graphs[i] for i in check], targets[check], mask[check]))
            rate = LEARNING_RATE if fold_learning_rates is None or fold_learning_rates[fold] is None else fold_learning_rates[fold]
            network = train_network(
                name, [graphs[i] for i in used], targets[used], mask[used], epochs, seed + fold, rotate, threads,
                monitor=monitor, learning_rate=rate, **kwargs,
            )  # fmt: skip
            values[held] = _scored(predict(network, [graphs[i] for i in held]), targets[held], mask[held], columns)
        out[int(n)] = values
    return out


def linear_curve(
    features: np.ndarray, targets: np.ndarray, mask: np.ndarray, folds: int, sizes: Sequence[int], columns: Sequence[int]
) -> dict[int, np.ndarray]:
    """Held-out ρ (C, K) of the linear baseline fitted on the first n training configurations of each fold."""
    groups = fold_groups(len(features), folds)
    out = {}
    for n in sizes:
        if any(len(features) - len(held) < n for held in groups):
            continue
        values = np.full((len(features), len(columns)), np.nan)
        for held in groups:
            used = np.setdiff1d(np.arange(len(features)), held)[:n]
            model = fit_linear(features[used], targets[used], mask[used])
            values[held] = _scored(predict_linear(model, features[held]), targets[held], mask[held], columns)
        out[int(n)] = values
    return out
