"""Training, prediction, checkpoints and speed figures of the D-MPNN (chapters 05–07).

Implements the contract of :mod:`glasslib.models.contract` for :class:`glasslib.models.dmpnn.network.DMPNN`:
:func:`train_dmpnn` is a :data:`~glasslib.models.contract.TrainFunction` and :func:`predict_dmpnn` a
:data:`~glasslib.models.contract.PredictFunction`.

Hyperparameters (``request.params``, see :class:`DMPNNParams`): ``k``, ``l_win``, ``hidden``,
``depth``, ``dropout``, ``ffn_layers``, ``batch_size`` (5 in the paper), ``attention``,
``features`` (``"paper"`` or ``"invariant"``), ``eval_windows``, and ``attention_rescale`` and
``standardise_edges`` (options outside the paper, off by default).

Training (SPEC sections 6–7)
    Binary cross-entropy on the logits, Adam, and the per-batch learning rate of
    :func:`glasslib.models.lr_schedule.learning_rate` set on the optimiser before every batch. Every epoch
    shuffles the training configurations and draws **fresh random windows** (``windows_per_epoch``
    per configuration and epoch, 1 in the paper, each pass over the configurations shuffled anew) from a
    numpy Generator seeded with ``(request.seed, epoch)``; the weights are
    initialised, and dropout drawn, from torch's generator seeded with ``request.seed`` (inside
    :func:`torch.random.fork_rng`, so the caller's random state is left alone). After every epoch
    the model is scored on the validation set; the weights of the epoch with the best validation
    ROC AUC are kept (ties, common once a small validation set is separated perfectly, go to the
    lower validation cross-entropy), used on the test set and saved. With ``standardise_edges``,
    the mean and standard deviation of the edge lengths of one window per training configuration
    (windows drawn from ``(request.seed, 3)``) are fixed before the first step and saved with the
    weights.

Evaluation windows
    Evaluation is repeatable: configuration ``i`` of a data set is always seen through the same
    ``eval_windows`` windows (default 3), drawn from a Generator seeded with ``(seed, i)``, and
    its glass probability is the **mean of the probabilities of those windows**. The windows do not
    depend on which other configurations are evaluated with it, so a validation score, a test score
    and :func:`predict_dmpnn` agree configuration by configuration; the same seed gives the same AUC.

Checkpoints
    One file written with ``torch.save``: ``{"format", "hyperparameters", "state_dict",
    "metadata"}`` (plain values and tensors only), read back with ``torch.load(weights_only=True)``.
    A checkpoint that holds other pickled objects, lacks parts, or was trained with other
    architecture hyperparameters (``k``, ``hidden``, ``depth``, ``dropout``, ``ffn_layers``,
    ``attention``, ``features``, ``attention_rescale``) than those asked for raises
    :class:`CheckpointError` and loads nothing. ``l_win``, ``batch_size`` and ``eval_windows`` may differ: testing at another window
    size is the book's size-generalisation study (SPEC section 7).

Device: CUDA when available, CPU otherwise; ``torch.set_num_threads(request.threads)`` for the
duration of a job (restored afterwards).

:func:`bench_dmpnn` prints the speed figures of the reference models I, II and III.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from glasslib.data.datasets import Dataset
from glasslib.data.graph_batch import GraphBatch, TorchGraphBatch
from glasslib.models.contract import TrainRequest, TrainResult
from glasslib.models.dmpnn.batches import _EDGE_STATS_STREAM, _TRAIN_STREAM, evaluation_batches, training_batch
from glasslib.models.dmpnn.checkpoint import load_checkpoint, save_checkpoint
from glasslib.models.dmpnn.network import DMPNN
from glasslib.models.dmpnn.params import DMPNNParams
from glasslib.models.lr_schedule import INITIAL, learning_rate
from glasslib.models.torch_runtime import default_device, device_label, synchronize, torch_state
from glasslib.progress import progress_bar
from glasslib.stats import accuracy, roc_auc


def train_step(model: DMPNN, optimizer: torch.optim.Optimizer, batch: TorchGraphBatch, labels: torch.Tensor) -> torch.Tensor:
    """One optimisation step on one batch; returns the (detached) mean loss.

    Parameters
    ----------
    batch : TorchGraphBatch with G graphs; labels : (G,) float, 1 glass / 0 liquid.
    """
    logits = model(batch).logits
    loss = F.binary_cross_entropy_with_logits(logits, labels)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.detach()


def predict_batches(model: DMPNN, batches: Sequence[GraphBatch | TorchGraphBatch], windows: int) -> np.ndarray:
    """Glass probabilities averaged over each configuration's ``windows`` consecutive graphs.

    Runs in eval mode (no dropout) without gradients; the module's mode is restored afterwards.

    Returns
    -------
    (C,) float64 — one probability per configuration, ``C = total graphs / windows``.
    """
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    probabilities = []
    try:
        with torch.inference_mode():
            for batch in batches:
                tensors = batch.to_torch(device) if isinstance(batch, GraphBatch) else batch
                probabilities.append(torch.sigmoid(model(tensors).logits).double().cpu())
    finally:
        model.train(was_training)
    if not probabilities:
        return np.zeros(0)
    return torch.cat(probabilities).view(-1, windows).mean(dim=1).numpy()


def attention_weights(model: DMPNN, batch: GraphBatch | TorchGraphBatch, step: int = -1) -> np.ndarray:
    """Edge attention weights of a batch at one message-passing step (chapter 06).

    Parameters
    ----------
    model : DMPNN with ``attention=True``.
    batch : GraphBatch or TorchGraphBatch with E directed edges (e.g. from :func:`evaluation_batches`
        or :func:`glasslib.data.graphs.random_window_batch`).
    step : int
        Index into the ``T − 1`` attention steps; default −1, the paper's step ``T − 1``.

    Returns
    -------
    (E,) float64
        ``σ`` of every directed edge, in the batch's edge order (eval mode: no dropout); sums to 1
        over the edges of each graph.
    """
    if not model.attention or model.depth < 2:
        raise ValueError("this D-MPNN has no attention weights: it was built with attention=False or depth < 2")
    device = next(model.parameters()).device
    tensors = batch.to_torch(device) if isinstance(batch, GraphBatch) else batch
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            weights = model(tensors).attention
    finally:
        model.train(was_training)
    return weights[step].double().cpu().numpy()


def _checked_indices(dataset: Dataset, indices: Any, name: str) -> np.ndarray:
    indices = np.asarray(indices)
    if indices.ndim != 1 or (indices.size and not np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"{name} must be a 1-D array of configuration indices, got shape {indices.shape} and dtype {indices.dtype}")
    indices = indices.astype(np.int64)
    n = len(dataset.labels)
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        raise ValueError(f"{name} holds indices outside 0 … {n - 1} (the data set has {n} configurations)")
    return indices


def _require_both_classes(dataset: Dataset, indices: np.ndarray, name: str) -> None:
    if indices.size and np.unique(dataset.labels[indices]).size < 2:
        raise ValueError(f"the {name} set ({indices.size} configurations) holds only one class; ROC AUC needs both")


def _log_loss(labels: np.ndarray, probability: np.ndarray) -> float:
    """Mean binary cross-entropy of probabilities (clipped to [1e-7, 1 − 1e-7])."""
    p = np.clip(probability, 1e-7, 1 - 1e-7)
    return float(-np.mean(np.where(np.asarray(labels) == 1, np.log(p), np.log1p(-p))))


def fix_edge_standardisation(model: DMPNN, dataset: Dataset, train: np.ndarray, params: DMPNNParams, seed: int) -> None:
    """Set a ``standardise_edges`` model's edge mean and scale from one window per training configuration."""
    rng = np.random.default_rng(np.random.SeedSequence((int(seed), _EDGE_STATS_STREAM)))
    distances = training_batch(dataset, train, params, rng).edge_distance
    model.set_edge_standardisation(torch.as_tensor(distances, device=next(model.parameters()).device))


def _checked_request(dataset: Dataset, request: TrainRequest) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The request's train, validation and test indices, checked: (n_train,), (n_validation,), (n_test,) int64.

    Raises ``ValueError`` for an empty training set, fewer than one epoch, indices outside the data
    set, or a validation or test set that holds one class only.
    """
    train = _checked_indices(dataset, request.train, "train")
    validation = _checked_indices(dataset, request.validation, "validation")
    test = _checked_indices(dataset, request.test, "test")
    if train.size == 0:
        raise ValueError("the training set is empty")
    if int(request.epochs) < 1:
        raise ValueError(f"epochs must be ≥ 1, got {request.epochs}")
    _require_both_classes(dataset, validation, "validation")
    _require_both_classes(dataset, test, "test")
    return train, validation, test


def train_epoch(
    model: DMPNN,
    optimizer: torch.optim.Optimizer,
    dataset: Dataset,
    train: np.ndarray,
    params: DMPNNParams,
    labels: torch.Tensor,
    epoch: int,
    epochs: int,
    seed: int,
) -> tuple[float, float]:
    """One training epoch: ``windows_per_epoch`` shuffled passes over the training configurations, fresh windows per batch.

    Parameters
    ----------
    model, optimizer : the D-MPNN (set to training mode here) and its Adam optimiser, whose learning
        rate is set before every batch (:func:`glasslib.models.lr_schedule.learning_rate`).
    dataset : Dataset
    train : (n_train,) int64 — training configuration indices.
    params : DMPNNParams
    labels : (C,) float32 tensor on the model's device — 1 glass / 0 liquid for every configuration of ``dataset``.
    epoch, epochs : this epoch (from 0) and the number of epochs of the training.
    seed : the request's seed; the order and the windows come from a numpy Generator seeded with
        ``(seed, _TRAIN_STREAM, epoch)``.

    Returns
    -------
    train_loss : float — mean binary cross-entropy over the epoch's ``n_train · windows_per_epoch`` samples.
    rate : float — learning rate of the epoch's last batch.
    """
    device = labels.device
    rng = np.random.default_rng(np.random.SeedSequence((int(seed), _TRAIN_STREAM, epoch)))
    order = np.concatenate([rng.permutation(train) for _ in range(params.windows_per_epoch)])
    steps_per_epoch = math.ceil(order.size / params.batch_size)
    model.train()
    loss_sum = torch.zeros((), device=device)
    rate = math.nan
    for b in range(steps_per_epoch):
        chunk = order[b * params.batch_size : (b + 1) * params.batch_size]
        graph = training_batch(dataset, chunk, params, rng).to_torch(device)
        rate = float(learning_rate(epoch * steps_per_epoch + b, steps_per_epoch, epochs))
        for group in optimizer.param_groups:
            group["lr"] = rate
        loss_sum += train_step(model, optimizer, graph, labels[torch.as_tensor(chunk, device=device)]) * chunk.size
    return float(loss_sum) / order.size, rate


def validation_scores(model: DMPNN, batches: Sequence[TorchGraphBatch], truth: np.ndarray, windows: int) -> tuple[float, float]:
    """ROC AUC and cross-entropy of the window-averaged glass probabilities; both NaN without configurations.

    Parameters
    ----------
    batches : the validation configurations' evaluation batches (:func:`evaluation_batches`), ``windows`` graphs each.
    truth : (n_validation,) labels, 1 glass / 0 liquid.
    """
    if not truth.size:
        return math.nan, math.nan
    probability = predict_batches(model, batches, windows)
    return roc_auc(truth, probability), _log_loss(truth, probability)


@dataclass
class _History:
    """What the epochs of a training leave: per-epoch curves, the kept weights and the training time (s)."""

    curves: dict[str, list[float]] = field(
        default_factory=lambda: {k: [] for k in ("train_loss", "validation_auc", "validation_loss", "learning_rate", "epoch_seconds")}
    )
    best_epoch: int = 0
    best_auc: float = -math.inf
    best_loss: float = math.inf
    best_state: dict[str, torch.Tensor] | None = None
    train_seconds: float = 0.0

    def keep_if_best(self, model: DMPNN, epoch: int, auc: float, loss: float, scored: bool) -> None:
        """Keep ``model``'s weights if this epoch beats the kept one (higher AUC, then lower loss), or if nothing is ``scored``."""
        if self.best_state is None or not scored or (auc, -loss) > (self.best_auc, -self.best_loss):
            self.best_auc, self.best_loss, self.best_epoch = auc, loss, epoch
            self.best_state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}

    def record(self, **values: float) -> None:
        """Append one epoch's value to each named curve."""
        for key, value in values.items():
            self.curves[key].append(value)


def _fit(
    model: DMPNN, dataset: Dataset, train: np.ndarray, validation: np.ndarray, params: DMPNNParams, request: TrainRequest, progress: bool
) -> _History:
    """Every epoch of a training: train, score on the validation set, keep the best weights (module docstring).

    Parameters
    ----------
    model : the freshly initialised D-MPNN, on its device.
    train, validation : (n_train,), (n_validation,) int64 configuration indices of ``dataset``.
    params : DMPNNParams; request : TrainRequest (``epochs`` and ``seed`` are read).
    progress : show a tqdm bar over epochs.

    Returns
    -------
    _History
        ``curves`` with one value per epoch, the best epoch's weights and scores, and the seconds
        spent in the training batches.
    """
    device = next(model.parameters()).device
    epochs = int(request.epochs)
    optimizer = torch.optim.Adam(model.parameters(), lr=INITIAL)
    labels = torch.as_tensor(np.asarray(dataset.labels, dtype=np.float32), device=device)
    validation_batches = [b.to_torch(device) for b in evaluation_batches(dataset, validation, params, request.seed)]
    history = _History()
    epoch_range: Any = progress_bar(range(epochs), desc="D-MPNN epochs") if progress else range(epochs)
    for epoch in epoch_range:
        epoch_started = time.perf_counter()
        train_loss, rate = train_epoch(model, optimizer, dataset, train, params, labels, epoch, epochs, request.seed)
        synchronize(device)
        history.train_seconds += time.perf_counter() - epoch_started
        if not math.isfinite(train_loss):
            raise FloatingPointError(
                f"the training loss became {train_loss} in epoch {epoch}; lower the learning rate or check the input configurations"
            )
        auc, loss = validation_scores(model, validation_batches, dataset.labels[validation], params.eval_windows)
        history.keep_if_best(model, epoch, auc, loss, scored=validation.size > 0)
        seconds = time.perf_counter() - epoch_started
        history.record(train_loss=train_loss, validation_auc=auc, validation_loss=loss, learning_rate=rate, epoch_seconds=seconds)
    return history


def train_dmpnn(dataset: Dataset, request: TrainRequest, progress: bool = False) -> TrainResult:
    """Train a D-MPNN (a :data:`glasslib.models.contract.TrainFunction`; module docstring for the details).

    Parameters
    ----------
    dataset : Dataset
    request : TrainRequest
        ``params`` as in :class:`DMPNNParams`. An empty validation set keeps the last epoch
        (``validation_auc`` is NaN then); an empty test set gives NaN scores.
    progress : bool
        Show a tqdm bar over epochs.

    Returns
    -------
    TrainResult
        Scores of the best-validation epoch on ``request.test`` (probabilities averaged over
        ``eval_windows`` fixed windows per configuration); ``curves`` holds per epoch
        ``train_loss`` (mean over samples), ``validation_auc``, ``validation_loss`` (cross-entropy of
        the window-averaged probabilities), ``learning_rate`` (at the epoch's
        last batch) and ``epoch_seconds``; ``samples_per_second`` counts training samples over the
        time of the training batches (windows, graphs, forward, backward, update).
    """
    started = time.perf_counter()
    params = DMPNNParams.from_mapping(request.params)
    train, validation, test = _checked_request(dataset, request)
    device = default_device()
    with torch_state(request.threads, request.seed, device):
        model = DMPNN(**params.model_kwargs()).to(device)
        if params.standardise_edges:
            fix_edge_standardisation(model, dataset, train, params, request.seed)
        history = _fit(model, dataset, train, validation, params, request, progress)
        model.load_state_dict(history.best_state)
        probability = predict_batches(model, evaluation_batches(dataset, test, params, request.seed), params.eval_windows)
    labels_test = np.asarray(dataset.labels[test])
    if test.size:
        auc_test, accuracy_test = roc_auc(labels_test, probability), accuracy(labels_test, probability)
    else:
        auc_test = accuracy_test = math.nan
    if request.weights_path is not None:
        metadata = {"best_epoch": history.best_epoch, "validation_auc": float(history.best_auc), "seed": int(request.seed)}
        save_checkpoint(request.weights_path, history.best_state, params, metadata)
    return TrainResult(
        auc=auc_test,
        accuracy=accuracy_test,
        test_probability=probability,
        test_labels=labels_test,
        curves=history.curves,
        best_epoch=history.best_epoch,
        seconds=time.perf_counter() - started,
        samples_per_second=int(request.epochs) * train.size * params.windows_per_epoch / max(history.train_seconds, 1e-12),
        device=device_label(device),
    )


def predict_dmpnn(
    dataset: Dataset, indices: np.ndarray, weights_path: Path, params: Mapping[str, Any], seed: int, threads: int = 1
) -> np.ndarray:
    """Glass probabilities of configurations from saved weights (a :data:`~glasslib.models.contract.PredictFunction`).

    Parameters
    ----------
    dataset : Dataset
    indices : (n,) int — configurations to score.
    weights_path : a checkpoint written by :func:`train_dmpnn`.
    params : the hyperparameters it was trained with (``l_win`` may differ: size generalisation).
    seed : seed of the fixed evaluation windows (module docstring).
    threads : CPU threads.

    Returns
    -------
    (n,) float64 — mean glass probability over ``eval_windows`` fixed windows per configuration.

    Raises
    ------
    CheckpointError
        See :func:`load_checkpoint`.
    """
    indices = _checked_indices(dataset, indices, "indices")
    device = default_device()
    with torch_state(threads, seed, device):
        model, params = load_checkpoint(weights_path, params, device)
        return predict_batches(model, evaluation_batches(dataset, indices, params, seed), params.eval_windows)
