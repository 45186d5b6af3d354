"""``glasslib bench render``: the fast image renderer against matplotlib's, images per second."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from glasslib.data.render import IMAGE_SIZE, random_configurations, render_batch, render_fast
from glasslib.data.render_reference import compare_images, render_matplotlib
from glasslib.profiles import Profile


def _best_rates(works: dict[str, Callable[[], object]], n_images: int, repeats: int) -> dict[str, float]:
    """Images per second of each ``work`` (each renders ``n_images`` images), best of ``repeats``.

    The works take turns within every repeat, so a change in the machine's load hits all alike.
    """
    best = dict.fromkeys(works, np.inf)
    for _ in range(repeats):
        for name, work in works.items():
            start = time.perf_counter()
            work()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: n_images / seconds for name, seconds in best.items()}


def bench_render(n_images: int = 20, n_particles: int = 4320, seed: int = 0, repeats: int = 3) -> dict[str, float]:
    """Time both renderers on random configurations, check they agree, and print a table.

    Parameters
    ----------
    n_images : int
        Configurations rendered per timing.
    n_particles : int
        Particles per configuration (the paper's N = 4,320), 65 % A, uniform random positions.
    seed : int
        Seed of the random configurations.
    repeats : int
        Timings per renderer; the best is kept.

    Returns
    -------
    dict with ``matplotlib_images_per_second``, ``fast_images_per_second`` (one
    :func:`render_fast` call per image), ``batch_images_per_second`` (one :func:`render_batch`
    call for all images), ``speedup`` and ``batch_speedup`` (each over matplotlib), and the mean
    ``iou`` and ``colour_agreement`` of :func:`compare_images` over the images.
    """
    positions, types = random_configurations(n_images, n_particles, seed=seed)
    rates = _best_rates(
        {
            "matplotlib": lambda: [render_matplotlib(p, t) for p, t in zip(positions, types)],
            "fast": lambda: [render_fast(p, t) for p, t in zip(positions, types)],
            "batch": lambda: render_batch(positions, types),
        },
        n_images,
        repeats,
    )
    scores = [compare_images(render_matplotlib(p, t), image) for p, t, image in zip(positions, types, render_batch(positions, types))]
    result = {
        "matplotlib_images_per_second": rates["matplotlib"],
        "fast_images_per_second": rates["fast"],
        "batch_images_per_second": rates["batch"],
        "speedup": rates["fast"] / rates["matplotlib"],
        "batch_speedup": rates["batch"] / rates["matplotlib"],
        "iou": float(np.mean([score["iou"] for score in scores])),
        "colour_agreement": float(np.mean([score["colour_agreement"] for score in scores])),
    }
    _print_bench(result, n_images, n_particles)
    return result


def _print_bench(result: dict[str, float], n_images: int, n_particles: int) -> None:
    """Print the table of :func:`bench_render`."""
    print(f"render: {n_images} images of N = {n_particles} particles, {IMAGE_SIZE}×{IMAGE_SIZE} px")
    print(f"  matplotlib (Agg scatter)              {result['matplotlib_images_per_second']:9.1f} img/s")
    print(f"  fast, render_fast (one image/call)    {result['fast_images_per_second']:9.1f} img/s")
    print(f"  fast, render_batch (all in one call)  {result['batch_images_per_second']:9.1f} img/s")
    print(f"  speed-up render_fast / matplotlib     {result['speedup']:9.1f} ×")
    print(f"  speed-up render_batch / matplotlib    {result['batch_speedup']:9.1f} ×")
    print(f"  IoU of non-white masks (mean)         {result['iou']:9.4f}")
    print(f"  colour agreement (mean)               {result['colour_agreement']:9.4f}")


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench render`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_render()
