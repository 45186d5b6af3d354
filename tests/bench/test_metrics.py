"""``glasslib bench metrics`` (glasslib.bench.metrics): seconds and milliseconds per configuration of both implementations, and speed-ups."""

from __future__ import annotations

import pytest

from glasslib.bench import metrics


def _line(text: str, start: str) -> str:
    lines = [line for line in text.splitlines() if line.strip().startswith(start)]
    assert len(lines) == 1, f"expected one line starting {start!r} in:\n{text}"
    return lines[0]


def test_both_implementations_print_their_time_per_configuration_and_the_speed_ups(capsys, figure):
    # main() times 1000 configurations of N = 4320 (about 17 s here): 100 of N = 1000 instead, enough for totals above 0.01 s.
    result = metrics.bench_metrics(n_configurations=100, n_particles=1000, n_reference=2)
    text = capsys.readouterr().out
    threads = result["threads"]
    assert "structural metrics: 100 jittered-lattice configurations of N = 1000" in text
    rows = {
        f"vectorised, {threads} threads": ("seconds", "ms_per_configuration"),
        "vectorised, 1 thread": ("seconds_one_thread", "ms_one_thread"),
        "networkx,   1 thread": ("reference_seconds_scaled", None),
    }
    for start, (seconds, ms) in rows.items():
        line = _line(text, start)
        assert figure(line, start, "s") == pytest.approx(result[seconds], abs=0.006)
        per_configuration = figure(line, "", "ms per configuration")
        if ms is not None:
            assert per_configuration == pytest.approx(result[ms], abs=0.006)
    # the neighbour search and the rest (total minus search, in ms per configuration): the vectorised rest may round to 0.00
    for start, rest in (("vectorised, 1 thread", "graph_ms"), ("networkx,   1 thread", "reference_graph_ms")):
        line = _line(text, start)
        assert figure(line, "neighbour search", ",") > 0
        assert figure(line, "graph and counts", "", zero_allowed=rest == "graph_ms") == pytest.approx(result[rest], abs=0.006)
    line = _line(text, "speed-up")
    assert figure(line, "speed-up", f"x ({threads} threads)") == pytest.approx(result["speedup"], abs=0.06)
    assert figure(line, f"({threads} threads),", "x (1 thread)") == pytest.approx(result["speedup_one_thread"], abs=0.06)
    assert figure(line, "(1 thread),", "x on graph and counts") == pytest.approx(result["graph_speedup"], abs=0.06)
