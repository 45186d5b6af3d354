"""``glasslib bench graphs``: window + kNN graph batches built per second."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from glasslib.data.graphs import random_window_batch
from glasslib.profiles import Profile

if TYPE_CHECKING:  # torch is imported only when a batch is converted
    pass


def bench_graphs(
    n_particles: int = 4320, l_win: float = 0.2, k: int = 5, batch: int = 5, repeats: int = 200, seed: int = 0
) -> dict[str, Any]:
    """Time :func:`random_window_batch` end to end and print the figures.

    The configurations are uniform random positions with 65 % A / 35 % B (a liquid-like density
    of points is all the timing depends on); each repeat draws ``batch`` windows from ``batch``
    configurations and builds the batch (checks, windows, kNN, symmetrisation, reverse index,
    batching). One warm-up batch is not timed.

    Returns
    -------
    dict
        ``mean_ms`` and ``median_ms`` per batch, ``mean_particles_per_window``, ``mean_edges_per_batch``
        and the parameters.
    """
    rng = np.random.default_rng(seed)
    configurations = [(rng.random((n_particles, 2)), np.where(rng.random(n_particles) < 0.65, 1, 2)) for _ in range(batch)]
    random_window_batch(configurations, l_win, k, rng)
    seconds, particles, edges = np.empty(repeats), np.empty(repeats), np.empty(repeats)
    for r in range(repeats):
        started = time.perf_counter()
        graph = random_window_batch(configurations, l_win, k, rng)
        seconds[r] = time.perf_counter() - started
        particles[r], edges[r] = graph.n_nodes / batch, graph.n_edges
    result = {
        "mean_ms": 1e3 * float(seconds.mean()),
        "median_ms": 1e3 * float(np.median(seconds)),
        "mean_particles_per_window": float(particles.mean()),
        "mean_edges_per_batch": float(edges.mean()),
        "n_particles": n_particles,
        "l_win": l_win,
        "k": k,
        "batch": batch,
        "repeats": repeats,
    }
    print(
        f"graph batches: {batch} windows of l_win = {l_win} from uniform random configurations of "
        f"N = {n_particles}, k = {k}, {repeats} repeats, one process"
    )
    print(f"  mean   {result['mean_ms']:7.3f} ms per batch")
    print(f"  median {result['median_ms']:7.3f} ms per batch")
    print(
        f"  mean particles per window {result['mean_particles_per_window']:.1f} "
        f"(expected l_win² · N = {l_win**2 * n_particles:.1f}), "
        f"mean directed edges per batch {result['mean_edges_per_batch']:.0f}"
    )
    return result


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench graphs`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_graphs()
