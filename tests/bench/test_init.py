"""The benchmark registry (glasslib.bench.BENCHES): every entry has a ``main(profile, steps=None)`` and a test of its figures."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from glasslib.bench import BENCHES, bench_module

TESTS = Path(__file__).parent
#: Benchmarks whose tests live elsewhere: the GPU one measures nothing without CUDA.
ELSEWHERE = {"gpu": TESTS.parent / "test_bench_gpu.py"}


@pytest.mark.parametrize("name", BENCHES)
def test_every_benchmark_has_a_main_taking_a_profile_and_optional_steps(name):
    main = bench_module(name).main
    parameters = list(inspect.signature(main).parameters.values())
    assert [p.name for p in parameters] == ["profile", "steps"] and parameters[1].default is None


@pytest.mark.parametrize("name", BENCHES)
def test_every_benchmark_has_a_test_of_what_it_prints(name):
    module = BENCHES[name][0]
    assert ELSEWHERE.get(name, TESTS / f"test_{module}.py").is_file(), f"no test of `glasslib bench {name}`"


def test_an_unknown_benchmark_is_refused_with_the_list_of_known_ones():
    with pytest.raises(KeyError, match="unknown benchmark 'nope'; choose one of: sim, campaign"):
        bench_module("nope")
