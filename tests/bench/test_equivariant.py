"""``glasslib bench equivariant`` (glasslib.bench.equivariant): the matmul rate, then ms per step and particles per second per network."""

from __future__ import annotations

import pytest

from glasslib.bench import equivariant
from glasslib.profiles import get_profile

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("torch_one_thread")]


@pytest.fixture
def small_matmul(monkeypatch):
    """The reference matmul on 256 × 256 matrices, best of 2 (the bench's 2048, best of 10, takes seconds here)."""
    measure = equivariant._matmul_rate
    monkeypatch.setattr(equivariant, "_matmul_rate", lambda device: measure(device, size=256, repeats=2))


def test_main_prints_the_matmul_rate_and_every_networks_figures_with_units(small_matmul, capsys, figure):
    profile = get_profile("smoke")
    figures = equivariant.main(profile, steps=1)  # the fewest timed steps
    lines = capsys.readouterr().out.splitlines()
    assert figure(lines[0], "dense float32 matmul", "GFLOP/s") > 0
    assert figure(lines[0], "graph of", "edges") > profile.n_particles  # every particle has neighbours
    names = [line.split()[0] for line in lines[1:]]
    assert names and names == list(figures)
    for line, (name, f) in zip(lines[1:], figures.items()):
        assert figure(line, name, "parameters") == f["parameters"]
        assert figure(line, "parameters", "ms/step") == pytest.approx(1e3 * f["step_seconds"], abs=0.06)
        assert figure(line, "ms/step", "particles/s") == pytest.approx(f["particles_per_second"], abs=0.6)
        assert figure(line, "counted matmul FLOPs", "GFLOP/s") == pytest.approx(f["counted_gflops_per_second"], abs=0.006)
        assert f["particles_per_second"] == pytest.approx(profile.n_particles / f["step_seconds"])
