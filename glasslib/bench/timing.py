"""Timing helpers shared by the benchmarks: best-of-n wall time, and the machine's matmul rate."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


def best_seconds(work: Callable[[], object], repeats: int, warmup: int = 0) -> float:
    """Shortest wall time of ``repeats`` calls of ``work`` after ``warmup`` untimed calls, s.

    ``work`` must block until its result is ready (synchronise a GPU, convert a tensor to a float).
    """
    for _ in range(warmup):
        work()
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def matmul_gflops(product: Callable[[], object], size: int, repeats: int, warmup: int = 1) -> float:
    """Rate of one dense float32 ``size`` × ``size`` matrix product, GFLOP/s (2·size³ per product, best of ``repeats``).

    ``product`` computes one product with the framework under test and blocks until it is done, so
    the CNN (TensorFlow) and the D-MPNN (PyTorch) are each measured against their own library's rate.
    """
    return 2.0 * size**3 / best_seconds(product, repeats, warmup) / 1e9
