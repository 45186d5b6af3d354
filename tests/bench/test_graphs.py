"""``glasslib bench graphs`` (glasslib.bench.graphs): milliseconds per graph batch and the window's size beside its expectation."""

from __future__ import annotations

import pytest

from glasslib.bench import graphs
from glasslib.profiles import get_profile


def test_main_prints_milliseconds_per_batch_and_particles_per_window_near_l_win_squared_n(capsys, figure):
    result = graphs.main(get_profile("smoke"))  # its defaults: 200 batches of 5 windows, under a second
    text = capsys.readouterr().out
    mean, median = figure(text, "mean", "ms per batch"), figure(text, "median", "ms per batch")
    assert mean == pytest.approx(result["mean_ms"], abs=6e-4) and median == pytest.approx(result["median_ms"], abs=6e-4)
    particles = figure(text, "mean particles per window", "(expected")
    expected = figure(text, "expected l_win² · N =", ")")
    assert expected == pytest.approx(0.2**2 * 4320, abs=0.06)
    assert particles == pytest.approx(expected, rel=0.1)  # uniform points: l_win² · N per window on average
    assert figure(text, "mean directed edges per batch", "\n") >= 5 * 5 * particles  # k = 5 edges per node at least, 5 windows
