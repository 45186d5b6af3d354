"""``glasslib bench sim`` (glasslib.bench.sim): both throughputs and their ratio, for the truncated ramp it reports."""

from __future__ import annotations

import pytest

from glasslib.bench import sim
from glasslib.profiles import get_profile


@pytest.mark.slow
def test_main_prints_the_truncated_ramp_and_the_throughputs_it_returns(capsys, figure):
    profile = get_profile("smoke")
    every = profile.schedules["slow"].snapshot_every
    rates = sim.main(profile, steps=every)  # the fewest steps: one snapshot interval
    text = capsys.readouterr().out
    assert f"N = {profile.n_particles}, {every} steps, snapshot every {every} steps (1 snapshots)" in text
    glasslib = figure(text, "glasslib (LAMMPS Python module, chunked)", "M atom-steps/s")
    direct = figure(text, "LAMMPS directly (lmp -in, one run)", "M atom-steps/s")
    ratio = figure(text, "ratio glasslib / direct", "")
    assert glasslib == pytest.approx(rates["glasslib"] / 1e6, abs=0.006)
    assert direct == pytest.approx(rates["direct"] / 1e6, abs=0.006)
    assert ratio == pytest.approx(rates["glasslib"] / rates["direct"], abs=6e-4)
