"""The learning-rate schedule both networks train with (SPEC sections 5–6; chapters 04 and 05).

Per batch: a linear rise from ``initial`` to ``peak`` over the first ``warmup_epochs`` epochs,
then an exponential decay from ``peak`` that reaches ``final`` at the very last batch. The
function is framework-neutral (numpy); Keras and PyTorch wrap it.
"""

from __future__ import annotations

import numpy as np

INITIAL, PEAK, FINAL = 1e-4, 1e-3, 1e-4


WARMUP_EPOCHS = 2


def learning_rate(
    step: int | np.ndarray,
    steps_per_epoch: int,
    epochs: int,
    initial: float = INITIAL,
    peak: float = PEAK,
    final: float = FINAL,
    warmup_epochs: float = WARMUP_EPOCHS,
) -> np.ndarray:
    """Learning rate at batch ``step`` (0-based) of a run of ``epochs`` × ``steps_per_epoch`` batches.

    Parameters
    ----------
    step : int or ndarray of int
        Batch index since the start of training, 0 … epochs·steps_per_epoch − 1.
    steps_per_epoch, epochs : int
        Both ≥ 1.
    initial, peak, final : float
        Rate at the first batch, at the end of the warm-up, and at the last batch.
    warmup_epochs : float
        Length of the linear rise, in epochs; shortened to the whole run if the run is shorter.

    Returns
    -------
    ndarray of float, the shape of ``step``.

    Raises
    ------
    ValueError
        Non-positive sizes or a step outside the run.
    """
    if steps_per_epoch < 1 or epochs < 1:
        raise ValueError(f"steps_per_epoch and epochs must be ≥ 1, got {steps_per_epoch} and {epochs}")
    step = np.asarray(step, dtype=float)
    total = epochs * steps_per_epoch
    if np.any(step < 0) or np.any(step >= total):
        raise ValueError(f"step must lie in [0, {total - 1}]")
    warmup = min(warmup_epochs * steps_per_epoch, total - 1)
    decay = max(total - 1 - warmup, 1)
    rising = initial + (peak - initial) * step / max(warmup, 1)
    falling = peak * (final / peak) ** ((step - warmup) / decay)
    return np.where(step < warmup, rising, falling)
