"""Where and how PyTorch runs: the device (CUDA when present, else CPU), threads and seeds for one job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


def default_device() -> torch.device:
    """CUDA when available, CPU otherwise."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def torch_state(threads: int, seed: int, device: torch.device) -> Iterator[None]:
    """CPU threads set and torch's generators seeded for a job; both restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, int(threads)))
    devices = [device.index or 0] if device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(int(seed))
            yield
    finally:
        torch.set_num_threads(previous)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
