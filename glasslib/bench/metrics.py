"""``glasslib bench metrics``: the vectorised structural metrics against networkx, configurations per second."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from glasslib.profiles import Profile
from glasslib.structure.bond_metrics import METRICS, NEIGHBOURS, _nearest_two, _threads, structural_metrics, structural_metrics_networkx
from glasslib.system import TYPE_A, TYPE_B


def jittered_lattice(
    n_configurations: int, n_particles: int, rng: np.random.Generator, density: float = 1.2, fraction_a: float = 0.65, jitter: float = 0.15
) -> tuple[np.ndarray, np.ndarray, float]:
    """Random-but-realistic configurations for timing: positions (M, N, 2) σ, types (N,), box side σ.

    Each configuration occupies N randomly chosen sites of a square lattice at ``density`` (as
    :func:`glasslib.simulation.driver.lattice_start`), displaced by Gaussian noise of ``jitter`` lattice
    spacings, so no two particles overlap and distance ties do not occur; 65 % A by default.
    """
    length = float(np.sqrt(n_particles / density))
    per_side = int(np.ceil(np.sqrt(n_particles)))
    spacing = length / per_side
    sites = np.argsort(rng.random((n_configurations, per_side * per_side)), axis=1)[:, :n_particles]
    lattice = np.stack([sites % per_side, sites // per_side], axis=-1) + 0.5
    positions = np.mod(spacing * (lattice + jitter * rng.standard_normal(lattice.shape)), length)
    types = np.full(n_particles, TYPE_B, dtype=np.int8)
    types[: int(round(fraction_a * n_particles))] = TYPE_A
    return positions, rng.permutation(types), length


def _search_seconds(positions: np.ndarray, types: np.ndarray, box_length: float, vectorised: bool) -> float:
    """Wall time of the neighbour search alone, one thread, as each implementation does it, all configurations."""
    senders = np.flatnonzero(types == TYPE_B)
    started = time.perf_counter()
    for config in positions:
        if vectorised:
            _nearest_two(config, box_length, senders)
        else:
            cKDTree(config, boxsize=box_length).query(config[senders], k=NEIGHBOURS + 1)
    return time.perf_counter() - started


def _timed(positions: np.ndarray, types: np.ndarray, length: float, workers: int) -> tuple[dict[str, np.ndarray], float]:
    started = time.perf_counter()
    counts = structural_metrics(positions, types, length, workers)
    return counts, time.perf_counter() - started


def bench_metrics(n_configurations: int = 1000, n_particles: int = 4320, seed: int = 0, n_reference: int = 20) -> dict[str, Any]:
    """Time :func:`structural_metrics` on a batch and compare with the networkx reference; print figures.

    The configurations come from :func:`jittered_lattice` (density 1.2, 65 % A). The vectorised
    version runs on all ``n_configurations`` (after a one-configuration warm-up) twice: on one
    thread and on every core (``workers=-1``, its default); the reference (networkx, one thread
    by nature) runs on the first ``n_reference`` of them and its time is scaled linearly to the
    whole batch. All must agree on that subset. Both implementations spend part of their time in
    a KD-tree neighbour search; it is timed alone as well (one thread), so the figures also show
    the graph-and-count part that the vectorised version replaces (total minus search).

    Returns
    -------
    dict
        ``seconds`` and ``ms_per_configuration`` (every core), ``speedup`` (reference / every
        core); ``seconds_one_thread``, ``ms_one_thread``, ``speedup_one_thread``;
        ``reference_seconds`` (on the subset), ``reference_seconds_scaled`` (whole batch);
        ``search_ms`` and ``reference_search_ms`` (neighbour search per configuration, one
        thread), ``graph_ms`` and ``reference_graph_ms`` (the rest), ``graph_speedup``; the
        parameters and ``threads``.
    """
    rng = np.random.default_rng(seed)
    positions, types, length = jittered_lattice(n_configurations, n_particles, rng)
    n_reference = min(n_reference, n_configurations)
    structural_metrics(positions[:1], types, length, 1)  # warm-up
    one, seconds_one = _timed(positions, types, length, 1)
    fast, seconds = _timed(positions, types, length, -1)
    started = time.perf_counter()
    reference = structural_metrics_networkx(positions[:n_reference], types, length)
    reference_seconds = time.perf_counter() - started
    for counts in (one, fast):
        if any(not np.array_equal(counts[key][:n_reference], reference[key]) for key in METRICS):
            raise AssertionError("vectorised and networkx metrics disagree on the benchmark configurations")
    if any(not np.array_equal(one[key], fast[key]) for key in METRICS):
        raise AssertionError("the metrics depend on the number of threads")
    ms, ms_one = 1e3 * seconds / n_configurations, 1e3 * seconds_one / n_configurations
    reference_ms = 1e3 * reference_seconds / n_reference
    search_ms = 1e3 * _search_seconds(positions, types, length, True) / n_configurations
    reference_search_ms = 1e3 * _search_seconds(positions[:n_reference], types, length, False) / n_reference
    graph_ms, reference_graph_ms = max(ms_one - search_ms, 1e-6), max(reference_ms - reference_search_ms, 1e-6)
    threads = _threads(-1)
    result = {
        "seconds": seconds,
        "ms_per_configuration": ms,
        "speedup": reference_ms / ms,
        "seconds_one_thread": seconds_one,
        "ms_one_thread": ms_one,
        "speedup_one_thread": reference_ms / ms_one,
        "reference_seconds": reference_seconds,
        "reference_seconds_scaled": reference_ms * n_configurations / 1e3,
        "search_ms": search_ms,
        "reference_search_ms": reference_search_ms,
        "graph_ms": graph_ms,
        "reference_graph_ms": reference_graph_ms,
        "graph_speedup": reference_graph_ms / graph_ms,
        "n_configurations": n_configurations,
        "n_particles": n_particles,
        "n_reference": n_reference,
        "threads": threads,
    }
    print(f"structural metrics: {n_configurations} jittered-lattice configurations of N = {n_particles} (65 % A)")
    print(f"  vectorised, {threads} threads {seconds:8.2f} s   {ms:7.2f} ms per configuration")
    print(
        f"  vectorised, 1 thread  {seconds_one:8.2f} s   {ms_one:7.2f} ms per configuration "
        f"(neighbour search {search_ms:.2f}, graph and counts {graph_ms:.2f})"
    )
    print(
        f"  networkx,   1 thread  {result['reference_seconds_scaled']:8.2f} s   {reference_ms:7.2f} ms per "
        f"configuration (neighbour search {reference_search_ms:.2f}, graph and counts {reference_graph_ms:.2f}; "
        f"{n_reference} configurations, scaled)"
    )
    print(
        f"  speed-up    {result['speedup']:6.1f} x ({threads} threads), {result['speedup_one_thread']:.1f} x "
        f"(1 thread), {result['graph_speedup']:.1f} x on graph and counts"
    )
    return result


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench metrics`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_metrics()
