"""Where and how PyTorch runs: the device (CUDA when present, else CPU; ``GLASSLIB_DEVICE``), threads and seeds for one job."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from glasslib.models.devices import choose_device


def default_device() -> torch.device:
    """CUDA when available, CPU otherwise, unless ``GLASSLIB_DEVICE`` says otherwise (:mod:`glasslib.models.devices`)."""
    return torch.device(_choice()[0])


def device_label(device: torch.device) -> str:
    """What a training's result records about ``device``: ``"GPU (<name>)"`` or ``"CPU"`` (with the reason when CUDA was asked for)."""
    if device.type == "cuda":
        return f"GPU ({torch.cuda.get_device_name(device)})"
    kind, label = _choice()
    return label if kind == "cpu" else "CPU"


def _choice() -> tuple[str, str]:
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    return choose_device(names)


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
