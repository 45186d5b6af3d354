"""Saved D-MPNNs: state dict and hyperparameters in one ``.pt`` file, checked on load."""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from glasslib.atomic import atomic_path
from glasslib.models.dmpnn.network import DMPNN
from glasslib.models.dmpnn.params import DMPNNParams, ParameterError
from glasslib.models.torch_runtime import default_device

#: Version tag of the checkpoint layout.
CHECKPOINT_FORMAT = "glasslib.dmpnn/1"


#: Hyperparameters a checkpoint must share with the parameters it is loaded for.
CHECKED_KEYS = (
    "k",
    "hidden",
    "depth",
    "dropout",
    "ffn_layers",
    "attention",
    "features",
    "attention_rescale",
    "standardise_edges",
    "radius",
)


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded for the parameters asked for; nothing was loaded."""


def save_checkpoint(
    path: Path, model: DMPNN | Mapping[str, torch.Tensor], params: DMPNNParams, metadata: Mapping[str, Any] | None = None
) -> Path:
    """Write weights and hyperparameters atomically (:func:`glasslib.atomic.atomic_path`).

    Parameters
    ----------
    model : the module or its ``state_dict``.
    metadata : plain values (numbers, strings) stored alongside, e.g. the best epoch.
    """
    path = Path(path)
    state = model.state_dict() if isinstance(model, torch.nn.Module) else model
    payload = {
        "format": CHECKPOINT_FORMAT,
        "hyperparameters": params.as_dict(),
        "state_dict": {name: tensor.detach().cpu() for name, tensor in state.items()},
        "metadata": {"torch": str(torch.__version__), **dict(metadata or {})},
    }
    with atomic_path(path) as temporary:
        torch.save(payload, temporary)
    return path


def load_checkpoint(
    path: Path, params: Mapping[str, Any] | DMPNNParams | None = None, device: torch.device | str | None = None
) -> tuple[DMPNN, DMPNNParams]:
    """A trained D-MPNN from a checkpoint of :func:`save_checkpoint`.

    Parameters
    ----------
    path : the checkpoint.
    params : the hyperparameters the caller expects (``None``: take the stored ones). The keys of
        :data:`CHECKED_KEYS` must match; ``l_win``, ``batch_size`` and ``eval_windows`` may differ.
    device : where to put the model (default :func:`default_device`).

    Returns
    -------
    (model, params)
        The model in eval mode, and the parameters to use it with (``params`` if given).

    Raises
    ------
    CheckpointError
        Missing or unreadable file, pickled objects other than tensors and plain containers,
        a wrong layout, or hyperparameters that differ from ``params``. Nothing is loaded then.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no D-MPNN checkpoint at {path}; train one with train_dmpnn(request.weights_path=...)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        reason = next((line for line in lines if "WeightsUnpickler error" in line), lines[0] if lines else "")
        raise CheckpointError(
            f"{path} holds pickled objects other than tensors and plain containers; refusing to "
            f"load it (torch.load(weights_only=True): {reason})"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{path} is not a readable PyTorch checkpoint: {err}") from None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != CHECKPOINT_FORMAT
        or not isinstance(payload.get("hyperparameters"), dict)
        or not isinstance(payload.get("state_dict"), dict)
    ):
        raise CheckpointError(
            f"{path} is not a D-MPNN checkpoint of format {CHECKPOINT_FORMAT!r} "
            "(expected a dict with 'format', 'hyperparameters' and 'state_dict')"
        )
    try:
        stored = DMPNNParams.from_mapping(payload["hyperparameters"])
    except ParameterError as err:
        raise CheckpointError(f"{path} holds invalid hyperparameters: {err}") from None
    wanted = stored if params is None else DMPNNParams.from_mapping(params)
    differ = [
        f"{key}: checkpoint {getattr(stored, key)!r}, asked {getattr(wanted, key)!r}"
        for key in CHECKED_KEYS
        if getattr(stored, key) != getattr(wanted, key)
    ]
    if differ:
        raise CheckpointError(
            f"{path} was trained with other hyperparameters than those asked for ("
            + "; ".join(differ)
            + "); pass the parameters it was trained with"
        )
    model = DMPNN(**stored.model_kwargs())
    _check_state(path, model, payload["state_dict"])
    model.load_state_dict(payload["state_dict"], strict=True)
    return model.to(device or default_device()).eval(), wanted


def _check_state(path: Path, model: DMPNN, state: Mapping[str, Any]) -> None:
    """Refuse a state dict whose names or shapes differ from the model's, before loading any."""
    expected = model.state_dict()
    if set(state) != set(expected):
        missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        raise CheckpointError(f"{path}: weights do not fit the model (missing {missing}, unexpected {extra})")
    for name, tensor in expected.items():
        if not isinstance(state[name], torch.Tensor) or state[name].shape != tensor.shape:
            got = tuple(state[name].shape) if isinstance(state[name], torch.Tensor) else type(state[name]).__name__
            raise CheckpointError(f"{path}: weight {name} has shape {got}, the model needs {tuple(tensor.shape)}")
