"""``glasslib bench equivariant``: training speed of chapter 09's propensity networks beside the matmul rate.

For the equivariant and the plain network at the architectures chapter 09 uses, one random
configuration of the profile's N particles at its density: training steps per second (one
configuration per step: forward, backward, Adam), particles per second, and the rate of the
matrix products counted by :class:`torch.utils.flop_counter.FlopCounterMode` (complex products
count as one; elementwise products and the edges' gather and scatter are not counted) beside
PyTorch's dense float32 matmul rate on the same device.
CUDA when present, CPU otherwise.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from glasslib.bench.dmpnn import _matmul_rate
from glasslib.dynamics.network_scores import ARCHITECTURES
from glasslib.dynamics.networks.fit import build_network, parameter_count
from glasslib.dynamics.networks.graphs import radius_graph
from glasslib.models.torch_runtime import default_device, synchronize
from glasslib.profiles import Profile
from glasslib.system import TYPE_A, TYPE_B


def _counted_flops(model: torch.nn.Module, graph: Any) -> int:
    """FLOPs of one training step's matrix products (forward and backward)."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        model(graph).square().mean().backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def bench_equivariant(profile: Profile, steps: int = 10, warmup: int = 2, outputs: int = 32) -> dict[str, dict[str, float]]:
    """Figures of every network (module docstring); ``outputs`` per particle (2 kinds × 16 times at ``quick``)."""
    device = default_device()
    rng = np.random.default_rng(0)
    protocol = profile.protocol
    n, length = protocol.n_particles, protocol.box_length
    types = np.where(np.arange(n) < protocol.n_type_a, TYPE_A, TYPE_B)
    graph = radius_graph([(rng.random((n, 2)) * length, types)], length).to(device)
    figures = {}
    for name, architecture in ARCHITECTURES.items():
        torch.manual_seed(0)
        model = build_network(name, outputs, **architecture).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        flops = _counted_flops(model, graph)
        for step in range(warmup + steps):
            if step == warmup:
                synchronize(device)
                started = time.perf_counter()
            loss = model(graph).square().mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        synchronize(device)
        seconds = (time.perf_counter() - started) / steps
        figures[name] = {
            "parameters": parameter_count(model),
            "step_seconds": seconds,
            "configurations_per_second": 1.0 / seconds,
            "particles_per_second": n / seconds,
            "counted_gflops_per_second": flops / seconds / 1e9,
        }
    figures["device"] = {"name": str(device), "matmul_gflops_per_second": _matmul_rate(device), "edges": int(graph.edge_src.numel())}
    return figures


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench equivariant`` at its defaults: the profile's N (quick: 720), 10 timed steps per network."""
    figures = bench_equivariant(profile, steps or 10)
    device = figures.pop("device")
    print(
        f"device {device['name']}: dense float32 matmul {device['matmul_gflops_per_second']:.1f} GFLOP/s; graph of {device['edges']} edges"
    )
    for name, f in figures.items():
        print(
            f"{name:12s} {f['parameters']:7d} parameters  {f['step_seconds'] * 1e3:8.1f} ms/step  "
            f"{f['particles_per_second']:9.0f} particles/s  counted matmul FLOPs {f['counted_gflops_per_second']:.2f} GFLOP/s"
        )
    return figures
