"""Training, prediction and checkpoints of the propensity networks (chapter 09).

A network predicts, for every particle, its propensity at every recorded time (several kinds of
displacement may be stacked as more outputs). Targets are standardised per output with the mean
and standard deviation over the scored (type A) particles of the training configurations; the loss
is the mean squared error over those particles. Adam with a cosine-decaying learning rate, one
configuration per step, configurations reshuffled every epoch from a numpy Generator seeded with
``seed``; weights initialised from torch's generator seeded with ``seed``. With ``rotate``, every
step turns its configuration by a random angle (the augmentation a network without built-in
equivariance needs). CUDA when available, CPU otherwise.

**Training curves and early stopping.** Given a :class:`Monitor` — validation configurations and
the output columns that matter (the recorded times nearest τ_α) — every epoch records the training
loss, the validation ρ (Pearson over the scored particles, mean over those columns and
configurations) and, for the book's training-curve figure only, the same ρ on held-out
configurations; the network returned is the one of the epoch with the best validation ρ.

:func:`cross_validated_predictions` splits the configurations into ``folds`` groups and predicts
each group with a network trained on the others, so every configuration is scored by a network
that never saw it; inside each fold one training configuration (:func:`validation_split`) is set
aside to stop on, never the held-out ones.

Checkpoints hold the architecture (``name`` and keyword arguments), the target standardisation
and the state dict; loading one into another architecture raises :class:`PropensityModelError`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from glasslib.dynamics.folds import fold_groups
from glasslib.dynamics.networks.equivariant import EquivariantPropensityNet
from glasslib.dynamics.networks.graphs import RadiusGraph
from glasslib.dynamics.networks.plain import PlainPropensityNet
from glasslib.models.torch_runtime import default_device, torch_state
from glasslib.progress import progress_bar

#: The networks, by the name the book uses.
NETWORKS: dict[str, type[torch.nn.Module]] = {"equivariant": EquivariantPropensityNet, "plain": PlainPropensityNet}
#: Initial Adam learning rate (decays to zero along a cosine). On the structural toy law of the tests the
#: equivariant network reached ρ 0.40 / 0.69 / 0.86 on unseen configurations after 25 epochs at 2e-3 / 5e-3 / 1e-2.
LEARNING_RATE = 1e-2
CHECKPOINT_FORMAT = "glasslib-propensity-1"


class PropensityModelError(ValueError):
    """A propensity network asked for with settings, inputs or a checkpoint it cannot use."""


@dataclass
class TrainedPropensityNet:
    """A trained network and what it needs to predict: target ``mean`` and ``scale`` (outputs,), training ``losses``."""

    name: str
    kwargs: dict[str, Any]
    model: torch.nn.Module
    mean: np.ndarray
    scale: np.ndarray
    losses: list[float] = field(default_factory=list)
    history: dict[str, Any] = field(default_factory=dict)


@dataclass
class Monitor:
    """What a training run watches each epoch: ``columns`` (output indices) on validation and held-out configurations.

    ``validation``/``held_out``: (graphs, targets (C, outputs, N), mask (C, N)); the best validation epoch
    is kept, the held-out ρ is only recorded (it must not choose anything). Without validation
    configurations (``None``) the last epoch is kept and ``validation_rho`` stays empty.
    """

    columns: Sequence[int]
    validation: tuple[Sequence[RadiusGraph], np.ndarray, np.ndarray] | None
    held_out: tuple[Sequence[RadiusGraph], np.ndarray, np.ndarray] | None = None


def monitored_rho(model: torch.nn.Module, mean: np.ndarray, scale: np.ndarray, data: tuple, columns: Sequence[int]) -> float:
    """Mean Pearson ρ over configurations and ``columns`` of ``model``'s predictions of ``data`` (graphs, targets, mask)."""
    from glasslib.dynamics.propensity import correlation_over_time

    graphs, targets, mask = data
    columns = list(columns)
    predicted = predict(TrainedPropensityNet("", {}, model, mean, scale), graphs)[:, columns]
    return float(np.nanmean(correlation_over_time(predicted, np.asarray(targets, dtype=np.float64)[:, columns], mask)))


def build_network(name: str, outputs: int, **kwargs: Any) -> torch.nn.Module:
    """A fresh network ``name`` (one of :data:`NETWORKS`) with ``outputs`` values per particle."""
    if name not in NETWORKS:
        raise PropensityModelError(f"unknown propensity network {name!r}; choose one of {sorted(NETWORKS)}")
    return NETWORKS[name](outputs=outputs, **kwargs)


def parameter_count(model: torch.nn.Module) -> int:
    """Trainable parameters (a complex weight counts as two real ones, stored as two real tensors)."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def _check_targets(graphs: Sequence[RadiusGraph], targets: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    targets, mask = np.asarray(targets, dtype=np.float64), np.asarray(mask, dtype=bool)
    if targets.ndim != 3 or targets.shape[0] != len(graphs) or mask.shape != (targets.shape[0], targets.shape[2]):
        raise PropensityModelError(
            f"targets must be (configurations, outputs, N) and mask (configurations, N) for {len(graphs)} graphs, got {targets.shape}, {mask.shape}"
        )
    if not np.all(np.isfinite(targets)):
        raise PropensityModelError("propensity targets must be finite")
    return targets, mask


def train_network(
    name: str,
    graphs: Sequence[RadiusGraph],
    targets: np.ndarray,
    mask: np.ndarray,
    epochs: int,
    seed: int,
    rotate: bool = False,
    threads: int = 1,
    progress: bool = False,
    monitor: Monitor | None = None,
    learning_rate: float = LEARNING_RATE,
    **kwargs: Any,
) -> TrainedPropensityNet:
    """Train network ``name`` on configurations ``graphs`` with ``targets`` (C, outputs, N) on the particles of ``mask`` (C, N).

    With ``monitor``, the returned network is that of the epoch with the best validation ρ, and
    ``history`` holds per-epoch ``loss``, ``validation_rho``, ``held_out_rho`` and ``best_epoch`` (1-based).
    """
    targets, mask = _check_targets(graphs, targets, mask)
    if int(epochs) < 1:
        raise PropensityModelError(f"epochs must be ≥ 1, got {epochs}")
    scored = np.moveaxis(targets, 1, 2)[mask]  # (particles, outputs)
    mean, scale = scored.mean(axis=0), np.where(scored.std(axis=0) > 0, scored.std(axis=0), 1.0)
    device = default_device()
    standard = [torch.as_tensor(((t.T - mean) / scale)[m], dtype=torch.float32, device=device) for t, m in zip(targets, mask)]
    masks = [torch.as_tensor(m, device=device) for m in mask]
    on_device = [g.to(device) for g in graphs]
    rng = np.random.default_rng(seed)
    total = int(epochs) * len(graphs)
    losses: list[float] = []
    history: dict[str, Any] = {"loss": losses, "validation_rho": [], "held_out_rho": [], "best_epoch": None}
    best_state: dict[str, torch.Tensor] | None = None
    with torch_state(threads, seed, device):
        model = build_network(name, targets.shape[1], **kwargs).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
        step = 0
        for _ in progress_bar(range(int(epochs)), desc=f"{name} network epochs", disable=not progress):
            epoch_loss = 0.0
            for index in rng.permutation(len(graphs)):
                graph = on_device[index].rotated(float(rng.uniform(0, 2 * math.pi))) if rotate else on_device[index]
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate * 0.5 * (1 + math.cos(math.pi * step / total))
                loss = torch.mean((model(graph)[masks[index]] - standard[index]) ** 2)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                epoch_loss += float(loss.detach()) / len(graphs)
                step += 1
            losses.append(epoch_loss)
            if monitor is not None:
                best_state = _watch(model, mean, scale, monitor, history, best_state)
        if best_state is not None:
            model.load_state_dict(best_state)
    if not math.isfinite(losses[-1]):
        raise FloatingPointError(f"the {name} network's training loss became {losses[-1]}; lower the learning rate or check the inputs")
    if monitor is not None:
        history["learning_rate"] = float(learning_rate)
    return TrainedPropensityNet(name, dict(kwargs), model.eval(), mean, scale, losses, history if monitor is not None else {})


def _watch(model: torch.nn.Module, mean: np.ndarray, scale: np.ndarray, monitor: Monitor, history: dict[str, Any], best: Any) -> Any:
    """Record one epoch's validation (and held-out) ρ in ``history``; the state dict of the best validation epoch so far."""
    model.eval()
    if monitor.held_out is not None:
        history["held_out_rho"].append(monitored_rho(model, mean, scale, monitor.held_out, monitor.columns))
    if monitor.validation is None:
        model.train()
        history["best_epoch"] = len(history["loss"])
        return None
    rho = monitored_rho(model, mean, scale, monitor.validation, monitor.columns)
    history["validation_rho"].append(rho)
    model.train()
    previous = history["best_epoch"]
    if previous is None or (math.isfinite(rho) and not rho <= history["validation_rho"][previous - 1]):
        history["best_epoch"] = len(history["validation_rho"])
        return copy.deepcopy(model.state_dict())
    return best


def predict(trained: TrainedPropensityNet, graphs: Sequence[RadiusGraph]) -> np.ndarray:
    """Predicted propensity (C, outputs, N) of configurations ``graphs``, in the targets' units."""
    device = next(trained.model.parameters()).device
    with torch.no_grad():
        values = [trained.model(g.to(device)).cpu().double().numpy() for g in graphs]  # (N, outputs) each
    return np.stack([v * trained.scale + trained.mean for v in values]).transpose(0, 2, 1)


def cross_validated_predictions(
    name: str,
    graphs: Sequence[RadiusGraph],
    targets: np.ndarray,
    mask: np.ndarray,
    folds: int,
    epochs: int,
    seed: int,
    rotate: bool = False,
    threads: int = 1,
    columns: Sequence[int] | None = None,
    learning_rates: Sequence[float] = (LEARNING_RATE,),
    **kwargs: Any,
) -> tuple[np.ndarray, list[TrainedPropensityNet]]:
    """Each configuration predicted by the network trained on the other folds: (C, outputs, N) and the fold networks.

    With ``columns`` (the outputs that matter), each fold stops early on a validation configuration taken
    from its own training part (:func:`validation_split`; none when it has a single one) and records
    training curves (:class:`Monitor`). With several ``learning_rates``, each fold trains one network per
    rate and keeps the one whose best validation ρ is highest (the search sees only the fold's training
    part); its ``history`` records every rate's best validation ρ under ``"searched"``.
    """
    targets, mask = _check_targets(graphs, targets, mask)
    if len(learning_rates) > 1 and columns is None:
        raise PropensityModelError("a learning-rate search needs the output columns to validate on")
    out = np.empty_like(targets)
    trained = []
    for fold, held in enumerate(fold_groups(len(graphs), folds)):  # a loop over folds; each training is vectorised
        keep = np.setdiff1d(np.arange(len(graphs)), held)
        monitor = None
        if columns is not None:
            keep, check = validation_split(keep)
            monitor = Monitor(columns, _part(graphs, targets, mask, check) if check.size else None, _part(graphs, targets, mask, held))
        candidates = [
            train_network(
                name,
                [graphs[i] for i in keep],
                targets[keep],
                mask[keep],
                epochs,
                seed + fold,
                rotate,
                threads,
                monitor=monitor,
                learning_rate=rate,
                **kwargs,
            )  # fmt: skip
            for rate in learning_rates
        ]
        network = _best_on_validation(candidates)
        out[held] = predict(network, [graphs[i] for i in held])
        trained.append(network)
    return out, trained


def _best_on_validation(candidates: Sequence[TrainedPropensityNet]) -> TrainedPropensityNet:
    """The candidate with the highest best-epoch validation ρ (the first when none validated); records the search."""
    if len(candidates) == 1:
        return candidates[0]
    scores = [max(c.history.get("validation_rho") or [-math.inf]) for c in candidates]
    best = candidates[int(np.argmax(scores))]
    best.history["searched"] = {str(c.history["learning_rate"]): s for c, s in zip(candidates, scores)}
    return best


def validation_split(training: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A fold's training configurations split into those trained on and one validation configuration (the last).

    With a single training configuration there is nothing to validate on: it is trained on, the
    validation part is empty, and the fold trains its full epoch count (no early stopping).
    """
    training = np.asarray(training)
    return (training, training[:0]) if training.size < 2 else (training[:-1], training[-1:])


def _part(graphs: Sequence[RadiusGraph], targets: np.ndarray, mask: np.ndarray, index: np.ndarray) -> tuple:
    return [graphs[i] for i in index], targets[index], mask[index]


def save_network(path: Path, trained: TrainedPropensityNet) -> Path:
    """Write a checkpoint (``torch.save`` of plain values and tensors) atomically."""
    from glasslib.atomic import atomic_path

    payload = {
        "format": CHECKPOINT_FORMAT,
        "name": trained.name,
        "kwargs": trained.kwargs,
        "outputs": int(trained.mean.size),
        "mean": torch.as_tensor(trained.mean),
        "scale": torch.as_tensor(trained.scale),
        "state_dict": {k: v.detach().cpu() for k, v in trained.model.state_dict().items()},
    }
    with atomic_path(Path(path)) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def load_network(path: Path, name: str, **kwargs: Any) -> TrainedPropensityNet:
    """A checkpoint of network ``name`` with architecture ``kwargs``; :class:`PropensityModelError` if it holds another."""
    path = Path(path)
    if not path.is_file():
        raise PropensityModelError(f"no propensity network checkpoint at {path}")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != CHECKPOINT_FORMAT or payload.get("name") != name or payload.get("kwargs") != kwargs:
        raise PropensityModelError(
            f"{path} holds a {payload.get('name')!r} network with {payload.get('kwargs')} (format {payload.get('format')!r}), "
            f"not a {name!r} network with {kwargs}; retrain it or ask for the architecture it was trained with"
        )
    model = build_network(name, int(payload["outputs"]), **kwargs)
    model.load_state_dict(payload["state_dict"])
    return TrainedPropensityNet(name, dict(kwargs), model.to(default_device()).eval(), payload["mean"].numpy(), payload["scale"].numpy())
