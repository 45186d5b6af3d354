"""Which device a training uses: CUDA when the process sees a GPU, else the CPU; ``GLASSLIB_DEVICE`` decides otherwise.

Set ``GLASSLIB_DEVICE`` in the environment of whatever process trains (the book's kernel, a Dask
worker, a jobqueue job):

- ``auto`` (default) — the GPU when the framework sees one, the CPU otherwise;
- ``cpu`` — always the CPU (e.g. to reproduce CPU results bit for bit on a GPU node);
- ``cuda`` — the GPU; a process that sees none trains on the CPU, warns, and the training's result
  says so (its ``device`` reads ``CPU (GLASSLIB_DEVICE=cuda, no CUDA GPU visible)``) — never an error
  that stops a search, never a hang.

On a node with several GPUs, give each worker process one (``dask_cuda.LocalCUDACluster`` sets
``CUDA_VISIBLE_DEVICES`` per worker; a jobqueue job asks for one GPU): every framework then sees
one GPU as device 0, and :func:`glasslib.cluster.training_slot` keeps one training on it at a time.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)

#: The environment variable that chooses the device.
DEVICE_VARIABLE = "GLASSLIB_DEVICE"
#: Its values.
DEVICE_CHOICES = ("auto", "cpu", "cuda")


class DeviceError(ValueError):
    """``GLASSLIB_DEVICE`` set to something else than one of :data:`DEVICE_CHOICES`."""


def requested_device() -> str:
    """The value of ``GLASSLIB_DEVICE`` (lower case), ``auto`` when unset; a clear error for anything else."""
    value = os.environ.get(DEVICE_VARIABLE, "auto").strip().lower() or "auto"
    if value not in DEVICE_CHOICES:
        raise DeviceError(
            f"{DEVICE_VARIABLE}={value!r} is not one of {', '.join(DEVICE_CHOICES)}; unset it to train on a GPU when one is present"
        )
    return value


def choose_device(gpu_names: list[str]) -> tuple[str, str]:
    """The kind (``"cuda"`` or ``"cpu"``) and a label of the device a training uses, given the GPUs the framework sees.

    The label is what the training's result records, e.g. ``"GPU (NVIDIA H200)"`` or ``"CPU"``.
    """
    requested = requested_device()
    if requested == "cpu":
        return "cpu", "CPU"
    if gpu_names:
        return "cuda", f"GPU ({gpu_names[0]})"
    if requested == "cuda":
        logger.warning("%s=cuda, but this process sees no CUDA GPU: training on the CPU", DEVICE_VARIABLE)
        return "cpu", f"CPU ({DEVICE_VARIABLE}=cuda, no CUDA GPU visible)"
    return "cpu", "CPU"


def device_report() -> list[str]:
    """What each framework of this environment sees and would train on, one line each (``glasslib devices``).

    Imports torch and TensorFlow; lines give the build (CUDA or CPU only), the GPUs visible and
    the device :func:`choose_device` picks under the current ``GLASSLIB_DEVICE``.
    """
    import tensorflow as tf
    import torch

    torch_gpus = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    tf_gpus = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in tf.config.list_physical_devices("GPU")]
    tf_package = "tensorflow-cpu" if _installed("tensorflow-cpu") else "tensorflow"
    return [
        f"{DEVICE_VARIABLE}={requested_device()}",
        f"torch {torch.__version__}: {'CUDA ' + torch.version.cuda if torch.version.cuda else 'CPU-only build'}; "
        f"GPUs visible: {', '.join(torch_gpus) or 'none'}; the D-MPNN and propensity networks train on {choose_device(torch_gpus)[1]}",
        f"{tf_package} {tf.__version__}: {'CUDA build' if tf.test.is_built_with_cuda() else 'CPU-only build'}; "
        f"GPUs visible: {', '.join(tf_gpus) or 'none'}; the CNN trains on {choose_device(tf_gpus)[1]}",
    ]


def _installed(distribution: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True
