"""``glasslib bench dmpnn``: training time per sample of the reference models I, II, III vs window size."""

from __future__ import annotations

import contextlib
import io
import os
import resource
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from glasslib.bench.timing import matmul_gflops
from glasslib.data.graphs import random_window_batch
from glasslib.models.dmpnn.fit import default_device, synchronize, torch_state
from glasslib.models.dmpnn.network import DMPNN, forward_flops
from glasslib.profiles import Profile

#: Reference models of SPEC section 6: (k, hidden, depth T, ffn_layers f); dropout 0.5, batch 5.
REFERENCE_MODELS = {"I": (1, 300, 2, 1), "II": (3, 1000, 4, 2), "III": (5, 2400, 6, 3)}


def _matmul_rate(device: torch.device, size: int = 2048, repeats: int = 10) -> float:
    """Dense float32 matrix-multiply rate in PyTorch (GFLOP/s), best of ``repeats``, current thread count."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)

    def product() -> None:
        torch.matmul(a, b)
        synchronize(device)

    return matmul_gflops(product, size, repeats)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _time_training(
    model: DMPNN,
    configurations: Sequence[tuple[np.ndarray, np.ndarray]],
    l_win: float,
    k: int,
    rng: np.random.Generator,
    device: torch.device,
    warmup: int,
    steps: int,
) -> dict[str, Any]:
    """Time ``steps`` training steps (after ``warmup`` untimed ones) in three parts; see :func:`bench_dmpnn`."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    labels = torch.tensor([float(g % 2 == 0) for g in range(len(configurations))], device=device)
    parts = np.zeros((steps, 3))
    flops = nodes = edges = 0
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        graph = random_window_batch(configurations, l_win, k, rng).to_torch(device)
        t1 = time.perf_counter()
        loss = F.binary_cross_entropy_with_logits(model(graph).logits, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        synchronize(device)
        t2 = time.perf_counter()
        optimizer.step()
        synchronize(device)
        t3 = time.perf_counter()
        if step >= warmup:
            parts[step - warmup] = (t1 - t0, t2 - t1, t3 - t2)
            n, e = graph.node_features.shape[0], graph.edge_src.shape[0]
            nodes, edges, flops = nodes + n, edges + e, flops + 3 * forward_flops(model, n, e, graph.n_graphs)
    step_seconds = parts.sum(axis=1)
    return {
        "nodes": nodes / steps,
        "edges": edges / steps,
        "samples_per_second": len(configurations) * steps / step_seconds.sum(),
        "samples_per_second_median": len(configurations) / float(np.median(step_seconds)),
        "graph_share": parts[:, 0].sum() / step_seconds.sum(),
        "gflops": flops / parts[:, 1].sum() / 1e9,
        "step_seconds": float(step_seconds.mean()),
    }


def bench_dmpnn(
    n_particles: int = 4320,
    l_wins: Sequence[float] = (0.2, 0.3),
    threads: int = 2,
    steps: Mapping[str, int] | None = None,
    seed: int = 0,
    quiet: bool = False,
) -> list[dict[str, Any]]:
    """Time training steps of the reference models and print the figures (chapter 07, README).

    For each of models I, I with attention, II and III (SPEC section 6: dropout 0.5, batch 5) at
    each ``l_win``: batches of 5 windows from 5 configurations of ``n_particles`` **uniform random**
    positions (65 % A) — the timing depends on the number of particles per window and the graph,
    not on the structure. A training step is timed in three parts: windows + graphs
    (:func:`~glasslib.data.graphs.random_window_batch` and the copy to tensors, as in
    :func:`training_batch`), forward + backward, and the Adam update. Printed per row:

    - training samples per second over all three parts (mean over the timed steps, and from the
      median step, which is less sensitive to other jobs on a shared machine);
    - the share of the step spent on windows and graphs;
    - the arithmetic rate of forward + backward: matmul FLOPs of
      :func:`~glasslib.models.dmpnn.network.forward_flops` × 3 (a backward pass costs about two forwards)
      over the forward + backward time, and its ratio to the dense float32 matmul rate
      (``torch.matmul`` of 2048 × 2048, best of 10) measured in the same process with the same
      threads **just before the row** (so that both see the same load);
    - the peak resident memory of the process so far (``getrusage`` maxrss). The rows run from
      small to large, so the last row's figure is the peak of model III at the largest ``l_win``.

    Parameters
    ----------
    threads : CPU threads (``torch.set_num_threads``).
    steps : timed steps per model name (defaults I 100, I+attention 100, II 4, III 2); untimed
        warm-up steps (five for model I, one for II and III) precede them.

    Returns
    -------
    list of dict, one per row printed.
    """
    if quiet:  # the book's cost study shows a figure; the printed table is for the command line
        with contextlib.redirect_stdout(io.StringIO()):
            return bench_dmpnn(n_particles, l_wins, threads, steps, seed)
    steps = {"I": 100, "I+attention": 100, "II": 4, "III": 2, **dict(steps or {})}
    device = default_device()
    rng = np.random.default_rng(seed)
    configurations = [(rng.random((n_particles, 2)), np.where(rng.random(n_particles) < 0.65, 1, 2)) for _ in range(5)]
    rows = []
    with torch_state(threads, seed, device):
        print(
            f"D-MPNN training steps on {device} ({torch.get_num_threads()} threads, "
            f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, "
            f"GOMP_SPINCOUNT={os.environ.get('GOMP_SPINCOUNT', 'unset')}), batch 5, dropout 0.5, "
            f"uniform random configurations of N = {n_particles} (65 % A)"
        )
        print(
            f"{'model':<12}{'l_win':>6}{'nodes':>7}{'edges':>7}{'samples/s':>11}{'(median)':>10}{'graphs %':>10}"
            f"{'GFLOP/s':>9}{'matmul':>8}{'ratio':>7}{'peak RSS MB':>13}"
        )
        for l_win in l_wins:
            for name in ("I", "I+attention", "II", "III"):
                k, hidden, depth, ffn = REFERENCE_MODELS[name.split("+")[0]]
                model = DMPNN(hidden, depth, ffn, 0.5, attention=name.endswith("attention")).to(device)
                matmul = _matmul_rate(device)
                row = {
                    "model": name,
                    "l_win": l_win,
                    "threads": threads,
                    **_time_training(
                        model, configurations, l_win, k, rng, device, warmup=5 if name in ("I", "I+attention") else 1, steps=steps[name]
                    ),
                }
                row.update(matmul_gflops=matmul, ratio=row["gflops"] / matmul, peak_rss_mb=_peak_rss_mb())
                rows.append(row)
                print(
                    f"{name:<12}{l_win:>6}{row['nodes']:>7.0f}{row['edges']:>7.0f}{row['samples_per_second']:>11.1f}"
                    f"{row['samples_per_second_median']:>10.1f}{100 * row['graph_share']:>10.1f}{row['gflops']:>9.1f}"
                    f"{matmul:>8.1f}{row['ratio']:>7.2f}{row['peak_rss_mb']:>13.0f}"
                )
                del model
    return rows


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench dmpnn`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_dmpnn()
