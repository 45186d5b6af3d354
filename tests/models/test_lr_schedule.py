"""glasslib.models.lr_schedule: the learning-rate schedule at its corners."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.models.lr_schedule import learning_rate


def test_learning_rate_schedule_corners():
    spe, epochs = 10, 6
    steps = np.arange(spe * epochs)
    lr = learning_rate(steps, spe, epochs)
    assert lr[0] == pytest.approx(1e-4)
    assert lr[2 * spe] == pytest.approx(1e-3)  # end of the two-epoch warm-up
    assert lr[-1] == pytest.approx(1e-4)  # exponential decay reaches 1e-4 at the last batch
    assert np.all(np.diff(lr[: 2 * spe + 1]) > 0) and np.all(np.diff(lr[2 * spe :]) < 0)
    ratios = lr[2 * spe + 1 :] / lr[2 * spe : -1]
    assert np.allclose(ratios, ratios[0])  # exponential: constant ratio per batch
    with pytest.raises(ValueError):
        learning_rate(spe * epochs, spe, epochs)
