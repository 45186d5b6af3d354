"""``glasslib bench campaign`` (glasslib.bench.campaign): runs per second with worker processes and with threads, and a verdict."""

from __future__ import annotations

import pytest

from glasslib.bench import campaign


@pytest.mark.slow
def test_both_worker_kinds_print_a_positive_rate_and_the_verdict_names_their_ratio(tiny_profile, capsys, figure):
    # main() runs 4 runs per schedule of the smoke profile twice (about 30 s here): one run of the tiny profile instead.
    rates = campaign.bench_campaign(tiny_profile, runs=1)
    text = capsys.readouterr().out
    assert f"campaign: 2 runs of profile {tiny_profile.label} (N = {tiny_profile.n_particles})" in text
    processes = figure(text, "worker processes", "runs/s")
    threads = figure(text, "worker threads", "runs/s")
    assert set(rates) == {"processes", "threads"}
    assert processes == pytest.approx(rates["processes"], abs=6e-4) and threads == pytest.approx(rates["threads"], abs=6e-4)
    assert f"processes/threads = {rates['processes'] / rates['threads']:.3f}" in text
    assert f"default dask_processes={tiny_profile.dask_processes}" in text
