"""``glasslib bench dmpnn`` (glasslib.bench.dmpnn): one table row per model and window, every figure positive, in its unit."""

from __future__ import annotations

import math

import pytest

from glasslib.bench import dmpnn

pytestmark = pytest.mark.slow

#: The printed table's columns, as in its header (their units in the names).
COLUMNS = ("model", "l_win", "nodes", "edges", "samples/s", "(median)", "graphs %", "GFLOP/s", "matmul", "ratio", "peak RSS MB")


@pytest.fixture
def small_matmul(monkeypatch):
    """The reference matmul of every row on 256 × 256 matrices, best of 2 (the bench's 2048, best of 10, takes seconds per row)."""
    measure = dmpnn._matmul_rate
    monkeypatch.setattr(dmpnn, "_matmul_rate", lambda device: measure(device, size=256, repeats=2))


@pytest.fixture
def narrow_models(monkeypatch):
    """Models II and III at widths 250 and 300 (their k, T and f kept): at 1000 and 2400 one step of III takes seconds here."""
    monkeypatch.setitem(dmpnn.REFERENCE_MODELS, "II", (3, 250, 4, 2))
    monkeypatch.setitem(dmpnn.REFERENCE_MODELS, "III", (5, 300, 6, 3))


def test_every_model_prints_one_row_of_positive_figures_under_a_header_with_their_units(small_matmul, narrow_models, capsys):
    # main() trains models I-III at N = 4320 for up to 100 steps each: one step each of narrower models on N = 300 here.
    rows = dmpnn.bench_dmpnn(n_particles=300, l_wins=(0.3,), threads=1, steps=dict.fromkeys(("I", "I+attention", "II", "III"), 1))
    lines = capsys.readouterr().out.splitlines()
    assert "uniform random configurations of N = 300 (65 % A)" in lines[0]
    for column in COLUMNS:
        assert column in lines[1]
    assert [line.split()[0] for line in lines[2:]] == ["I", "I+attention", "II", "III"] == [row["model"] for row in rows]
    for line, row in zip(lines[2:], rows):
        printed = dict(zip(COLUMNS[1:], map(float, line.split()[1:])))
        assert len(printed) == len(COLUMNS) - 1 and all(math.isfinite(v) for v in printed.values()), line
        assert all(v > 0 for column, v in printed.items() if column != "graphs %"), line  # a share of the step, 0.0 when tiny
        assert printed["l_win"] == 0.3 and printed["nodes"] == pytest.approx(row["nodes"], abs=0.5)
        assert printed["samples/s"] == pytest.approx(row["samples_per_second"], abs=0.06)
        assert printed["graphs %"] == pytest.approx(100 * row["graph_share"], abs=0.06) and printed["graphs %"] < 100
        assert printed["GFLOP/s"] == pytest.approx(row["gflops"], abs=0.06)
        assert printed["ratio"] == pytest.approx(printed["GFLOP/s"] / printed["matmul"], rel=0.1, abs=0.01)
        assert printed["nodes"] == pytest.approx(0.3**2 * 300 * 5, rel=0.5)  # 5 windows of l_win² · N particles
