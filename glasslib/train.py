"""Training, prediction, checkpoints and speed figures of the D-MPNN (chapters 05–07).

Implements the contract of :mod:`glasslib.training` for :class:`glasslib.models.dmpnn.DMPNN`:
:func:`train_dmpnn` is a :data:`~glasslib.training.TrainFunction` and :func:`predict_dmpnn` a
:data:`~glasslib.training.PredictFunction`.

Hyperparameters (``request.params``, see :class:`DMPNNParams`): ``k``, ``l_win``, ``hidden``,
``depth``, ``dropout``, ``ffn_layers``, ``batch_size`` (5 in the paper), ``attention``,
``features`` (``"paper"`` or ``"invariant"``), ``eval_windows`` and ``attention_rescale`` (an
option outside the paper, off by default).

Training (SPEC sections 6–7)
    Binary cross-entropy on the logits, Adam, and the per-batch learning rate of
    :func:`glasslib.lr_schedule.learning_rate` set on the optimiser before every batch. Every epoch
    shuffles the training configurations and draws **fresh random windows** (one per configuration
    and epoch) from a numpy Generator seeded with ``(request.seed, epoch)``; the weights are
    initialised, and dropout drawn, from torch's generator seeded with ``request.seed`` (inside
    :func:`torch.random.fork_rng`, so the caller's random state is left alone). After every epoch
    the model is scored on the validation set; the weights of the epoch with the best validation
    ROC AUC are kept (ties, common once a small validation set is separated perfectly, go to the
    lower validation cross-entropy), used on the test set and saved.

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

import dataclasses
import math
import os
import pickle
import resource
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from glasslib.configuration import ConfigurationError
from glasslib.datasets import Dataset
from glasslib.evaluation import accuracy, roc_auc
from glasslib.graphs import GraphBatch, GraphError, TorchGraphBatch, batch_graphs, random_window_batch
from glasslib.lr_schedule import INITIAL, learning_rate
from glasslib.models.dmpnn import FEATURE_COLUMNS, DMPNN, forward_flops
from glasslib.training import TrainRequest, TrainResult

#: Version tag of the checkpoint layout.
CHECKPOINT_FORMAT = "glasslib.dmpnn/1"
#: Hyperparameters a checkpoint must share with the parameters it is loaded for.
CHECKED_KEYS = ("k", "hidden", "depth", "dropout", "ffn_layers", "attention", "features", "attention_rescale")
#: Streams of the SeedSequence ``(seed, stream, ...)``: training windows and evaluation windows.
_TRAIN_STREAM, _EVAL_STREAM = 1, 2


class ParameterError(ValueError):
    """A D-MPNN hyperparameter that is unknown, of the wrong type or out of range."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded for the parameters asked for; nothing was loaded."""


# --------------------------------------------------------------------------------------------
# Hyperparameters
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DMPNNParams:
    """Hyperparameters of one D-MPNN job (SPEC section 6; the paper's search ranges in brackets).

    Attributes
    ----------
    k : int — nearest neighbours per particle [1 … 5].
    l_win : float — window side, box lengths [0.1 … 0.3].
    hidden : int — hidden size h [300 … 2400].
    depth : int — message-passing steps T [2 … 6].
    dropout : float — dropout probability [0 … 0.5].
    ffn_layers : int — layers f of the feed-forward head [1 … 3].
    batch_size : int — graphs per training batch (fixed at 5 in the paper).
    attention : bool — edge self-attention.
    features : str — ``"paper"`` (x, y, type) or ``"invariant"`` (type only).
    eval_windows : int — fixed windows averaged per configuration at evaluation.
    attention_rescale : bool — not in the paper: scale attended states by ``E_g σ`` instead of
        ``σ`` (see :class:`~glasslib.models.dmpnn.DMPNN`).
    """

    k: int = 3
    l_win: float = 0.2
    hidden: int = 300
    depth: int = 3
    dropout: float = 0.0
    ffn_layers: int = 2
    batch_size: int = 5
    attention: bool = False
    features: str = "paper"
    eval_windows: int = 3
    attention_rescale: bool = False

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any] | "DMPNNParams" | None) -> "DMPNNParams":
        """Validated parameters from a mapping (missing keys take the defaults above).

        Integral floats (as hyperopt returns them) are accepted for integer parameters.

        Raises
        ------
        ParameterError
            Unknown keys, wrong types, out-of-range values; the message names the key.
        """
        if isinstance(params, DMPNNParams):
            return params
        params = dict(params or {})
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ParameterError(f"unknown D-MPNN parameter(s) {unknown}; known: {names}")
        values = {}
        for name in names:
            default = getattr(cls, name)
            raw = params.get(name, default)
            values[name] = _convert(name, raw, type(default))
        checked = cls(**values)
        checked._check_ranges()
        return checked

    def _check_ranges(self) -> None:
        for name in ("k", "hidden", "depth", "ffn_layers", "batch_size", "eval_windows"):
            if getattr(self, name) < 1:
                raise ParameterError(f"{name}={getattr(self, name)!r} must be ≥ 1")
        if not 0.0 < self.l_win < 1.0:
            raise ParameterError(f"l_win={self.l_win!r} must lie in (0, 1) box lengths")
        if not 0.0 <= self.dropout < 1.0:
            raise ParameterError(f"dropout={self.dropout!r} must lie in [0, 1)")
        if self.features not in FEATURE_COLUMNS:
            raise ParameterError(f"features={self.features!r} must be one of {sorted(FEATURE_COLUMNS)}")

    def as_dict(self) -> dict[str, Any]:
        """Plain ``{name: value}`` (JSON- and ``weights_only``-safe)."""
        return dataclasses.asdict(self)

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`DMPNN`."""
        return {"hidden": self.hidden, "depth": self.depth, "ffn_layers": self.ffn_layers, "dropout": self.dropout,
                "attention": self.attention, "features": self.features, "attention_rescale": self.attention_rescale}


def _convert(name: str, raw: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(raw, (bool, np.bool_)) or (isinstance(raw, (int, np.integer, float)) and raw in (0, 1)):
            return bool(raw)
    elif kind is int:
        if isinstance(raw, (int, np.integer)) and not isinstance(raw, (bool, np.bool_)):
            return int(raw)
        if isinstance(raw, (float, np.floating)) and float(raw).is_integer():
            return int(raw)
    elif kind is float:
        if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, (bool, np.bool_)) \
                and math.isfinite(float(raw)):
            return float(raw)
    elif kind is str and isinstance(raw, str):
        return raw
    raise ParameterError(f"D-MPNN parameter {name}={raw!r}: expected a value of type {kind.__name__}")


# --------------------------------------------------------------------------------------------
# Windows and batches
# --------------------------------------------------------------------------------------------


def _configurations(dataset: Dataset, indices: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(dataset.positions[i], dataset.types) for i in indices]


@contextmanager
def _context(dataset: Dataset, indices: Sequence[int], what: str) -> Iterator[None]:
    """Re-raise graph and configuration errors naming the data-set configurations involved."""
    try:
        yield
    except (GraphError, ConfigurationError) as err:
        name = getattr(getattr(dataset, "spec", None), "dataset", "?")
        listed = ", ".join(f"window {g} = configuration {int(i)}" for g, i in enumerate(indices))
        raise type(err)(f"{what} of data set {name} ({listed}): {err}") from err


def training_batch(dataset: Dataset, indices: Sequence[int], params: DMPNNParams,
                   rng: np.random.Generator) -> GraphBatch:
    """One fresh random window per configuration, as one batch (a training step's input).

    Parameters
    ----------
    dataset : Dataset
    indices : (B,) int — configurations of the batch.
    params : DMPNNParams — ``l_win`` and ``k``.
    rng : numpy Generator — draws the window corners.

    Raises
    ------
    GraphError, ConfigurationError
        From :func:`glasslib.graphs.random_window_batch`, with the configurations named.
    """
    with _context(dataset, indices, "cannot build the training windows"):
        return random_window_batch(_configurations(dataset, indices), params.l_win, params.k, rng)


def evaluation_batches(dataset: Dataset, indices: Sequence[int], params: DMPNNParams, seed: int,
                       graphs_per_batch: int | None = None) -> list[GraphBatch]:
    """The fixed evaluation windows of ``indices``, in batches (module docstring).

    Configuration ``i`` gets ``params.eval_windows`` windows drawn from
    ``default_rng(SeedSequence((seed, 2, i)))``; its windows are consecutive graphs of a batch.

    Parameters
    ----------
    graphs_per_batch : int, optional
        About how many graphs a batch holds (rounded down to whole configurations, at least one);
        default ``2 · batch_size``, so that evaluation batches stay about the size of training ones.

    Returns
    -------
    list of GraphBatch
        Covering ``indices`` in order; graph ``c · eval_windows + w`` of the concatenation is
        window ``w`` of ``indices[c]``.
    """
    windows = params.eval_windows
    per_batch = max(1, (graphs_per_batch or 2 * params.batch_size) // windows)
    indices = np.asarray(indices, dtype=np.int64)
    batches = []
    for start in range(0, indices.size, per_batch):
        chunk = indices[start:start + per_batch]
        graphs = []
        for i in chunk:  # one batched kNN query per configuration (its `windows` windows)
            rng = np.random.default_rng(np.random.SeedSequence((int(seed), _EVAL_STREAM, int(i))))
            with _context(dataset, [i] * windows, "cannot build the evaluation windows"):
                graphs.append(random_window_batch(_configurations(dataset, [i]) * windows, params.l_win, params.k, rng))
        batches.append(batch_graphs(graphs))
    return batches


# --------------------------------------------------------------------------------------------
# Devices, threads, random state
# --------------------------------------------------------------------------------------------


def default_device() -> torch.device:
    """CUDA when available, CPU otherwise."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextmanager
def _torch_state(threads: int, seed: int, device: torch.device) -> Iterator[None]:
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


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --------------------------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------------------------


def train_step(model: DMPNN, optimizer: torch.optim.Optimizer, batch: TorchGraphBatch,
               labels: torch.Tensor) -> torch.Tensor:
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
        or :func:`glasslib.graphs.random_window_batch`).
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


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------


def save_checkpoint(path: Path, model: DMPNN | Mapping[str, torch.Tensor], params: DMPNNParams,
                    metadata: Mapping[str, Any] | None = None) -> Path:
    """Write weights and hyperparameters atomically (temporary file, then rename).

    Parameters
    ----------
    model : the module or its ``state_dict``.
    metadata : plain values (numbers, strings) stored alongside, e.g. the best epoch.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = model.state_dict() if isinstance(model, torch.nn.Module) else model
    payload = {"format": CHECKPOINT_FORMAT, "hyperparameters": params.as_dict(),
               "state_dict": {name: tensor.detach().cpu() for name, tensor in state.items()},
               "metadata": {"torch": str(torch.__version__), **dict(metadata or {})}}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        torch.save(payload, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def load_checkpoint(path: Path, params: Mapping[str, Any] | DMPNNParams | None = None,
                    device: torch.device | str | None = None) -> tuple[DMPNN, DMPNNParams]:
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
        raise CheckpointError(f"{path} holds pickled objects other than tensors and plain containers; refusing to "
                              f"load it (torch.load(weights_only=True): {reason})") from None
    except (RuntimeError, EOFError, OSError, ValueError, TypeError, AttributeError) as err:
        raise CheckpointError(f"{path} is not a readable PyTorch checkpoint: {err}") from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT \
            or not isinstance(payload.get("hyperparameters"), dict) or not isinstance(payload.get("state_dict"), dict):
        raise CheckpointError(f"{path} is not a D-MPNN checkpoint of format {CHECKPOINT_FORMAT!r} "
                              "(expected a dict with 'format', 'hyperparameters' and 'state_dict')")
    try:
        stored = DMPNNParams.from_mapping(payload["hyperparameters"])
    except ParameterError as err:
        raise CheckpointError(f"{path} holds invalid hyperparameters: {err}") from None
    wanted = stored if params is None else DMPNNParams.from_mapping(params)
    differ = [f"{key}: checkpoint {getattr(stored, key)!r}, asked {getattr(wanted, key)!r}"
              for key in CHECKED_KEYS if getattr(stored, key) != getattr(wanted, key)]
    if differ:
        raise CheckpointError(f"{path} was trained with other hyperparameters than those asked for ("
                              + "; ".join(differ) + "); pass the parameters it was trained with")
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


# --------------------------------------------------------------------------------------------
# Training and prediction (the glasslib.training contract)
# --------------------------------------------------------------------------------------------


def _checked_indices(dataset: Dataset, indices: Any, name: str) -> np.ndarray:
    indices = np.asarray(indices)
    if indices.ndim != 1 or (indices.size and not np.issubdtype(indices.dtype, np.integer)):
        raise ValueError(f"{name} must be a 1-D array of configuration indices, got shape {indices.shape} "
                         f"and dtype {indices.dtype}")
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


def train_dmpnn(dataset: Dataset, request: TrainRequest, progress: bool = False) -> TrainResult:
    """Train a D-MPNN (a :data:`glasslib.training.TrainFunction`; module docstring for the details).

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
    train = _checked_indices(dataset, request.train, "train")
    validation = _checked_indices(dataset, request.validation, "validation")
    test = _checked_indices(dataset, request.test, "test")
    if train.size == 0:
        raise ValueError("the training set is empty")
    if int(request.epochs) < 1:
        raise ValueError(f"epochs must be ≥ 1, got {request.epochs}")
    _require_both_classes(dataset, validation, "validation")
    _require_both_classes(dataset, test, "test")
    epochs, device = int(request.epochs), default_device()
    steps_per_epoch = math.ceil(train.size / params.batch_size)
    labels_all = torch.as_tensor(np.asarray(dataset.labels, dtype=np.float32), device=device)
    curves: dict[str, list[float]] = {"train_loss": [], "validation_auc": [], "validation_loss": [],
                                      "learning_rate": [], "epoch_seconds": []}
    train_seconds, best_auc, best_loss, best_epoch, best_state = 0.0, -math.inf, math.inf, 0, None

    with _torch_state(request.threads, request.seed, device):
        model = DMPNN(**params.model_kwargs()).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=INITIAL)
        validation_batches = [b.to_torch(device) for b in evaluation_batches(dataset, validation, params, request.seed)]
        epoch_range: Any = range(epochs)
        if progress:
            from tqdm.auto import tqdm  # noqa: PLC0415
            epoch_range = tqdm(epoch_range, desc="D-MPNN epochs")
        for epoch in epoch_range:
            epoch_started = time.perf_counter()
            rng = np.random.default_rng(np.random.SeedSequence((int(request.seed), _TRAIN_STREAM, epoch)))
            order = rng.permutation(train)
            model.train()
            loss_sum = torch.zeros((), device=device)
            for b in range(steps_per_epoch):
                chunk = order[b * params.batch_size:(b + 1) * params.batch_size]
                graph = training_batch(dataset, chunk, params, rng).to_torch(device)
                rate = float(learning_rate(epoch * steps_per_epoch + b, steps_per_epoch, epochs))
                for group in optimizer.param_groups:
                    group["lr"] = rate
                labels = labels_all[torch.as_tensor(chunk, device=device)]
                loss_sum += train_step(model, optimizer, graph, labels) * chunk.size
            train_loss = float(loss_sum) / train.size
            _synchronize(device)
            train_seconds += time.perf_counter() - epoch_started
            if not math.isfinite(train_loss):
                raise FloatingPointError(f"the training loss became {train_loss} in epoch {epoch}; "
                                         "lower the learning rate or check the input configurations")
            if validation.size:
                probability = predict_batches(model, validation_batches, params.eval_windows)
                truth = dataset.labels[validation]
                auc, loss = roc_auc(truth, probability), _log_loss(truth, probability)
            else:
                auc = loss = math.nan
            if best_state is None or not validation.size or (auc, -loss) > (best_auc, -best_loss):
                best_auc, best_loss, best_epoch = auc, loss, epoch
                best_state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
            curves["train_loss"].append(train_loss)
            curves["validation_auc"].append(auc)
            curves["validation_loss"].append(loss)
            curves["learning_rate"].append(rate)
            curves["epoch_seconds"].append(time.perf_counter() - epoch_started)

        model.load_state_dict(best_state)
        test_batches = evaluation_batches(dataset, test, params, request.seed)
        probability = predict_batches(model, test_batches, params.eval_windows)
    labels_test = np.asarray(dataset.labels[test])
    if test.size:
        auc_test, accuracy_test = roc_auc(labels_test, probability), accuracy(labels_test, probability)
    else:
        auc_test = accuracy_test = math.nan
    if request.weights_path is not None:
        save_checkpoint(request.weights_path, best_state, params,
                        {"best_epoch": best_epoch, "validation_auc": float(best_auc), "seed": int(request.seed)})
    return TrainResult(auc=auc_test, accuracy=accuracy_test, test_probability=probability, test_labels=labels_test,
                       curves=curves, best_epoch=best_epoch, seconds=time.perf_counter() - started,
                       samples_per_second=epochs * train.size / max(train_seconds, 1e-12))


def predict_dmpnn(dataset: Dataset, indices: np.ndarray, weights_path: Path, params: Mapping[str, Any],
                  seed: int, threads: int = 1) -> np.ndarray:
    """Glass probabilities of configurations from saved weights (a :data:`~glasslib.training.PredictFunction`).

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
    with _torch_state(threads, seed, device):
        model, params = load_checkpoint(weights_path, params, device)
        return predict_batches(model, evaluation_batches(dataset, indices, params, seed), params.eval_windows)


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------

#: Reference models of SPEC section 6: (k, hidden, depth T, ffn_layers f); dropout 0.5, batch 5.
REFERENCE_MODELS = {"I": (1, 300, 2, 1), "II": (3, 1000, 4, 2), "III": (5, 2400, 6, 3)}


def _matmul_rate(device: torch.device, size: int = 2048, repeats: int = 10) -> float:
    """Dense float32 matrix-multiply rate (GFLOP/s), best of ``repeats``, current thread count."""
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best = math.inf
    for _ in range(repeats + 1):
        _synchronize(device)
        started = time.perf_counter()
        torch.matmul(a, b)
        _synchronize(device)
        best = min(best, time.perf_counter() - started)
    return 2.0 * size ** 3 / best / 1e9


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _time_training(model: DMPNN, configurations: Sequence[tuple[np.ndarray, np.ndarray]], l_win: float, k: int,
                   rng: np.random.Generator, device: torch.device, warmup: int, steps: int) -> dict[str, Any]:
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
        _synchronize(device)
        t2 = time.perf_counter()
        optimizer.step()
        _synchronize(device)
        t3 = time.perf_counter()
        if step >= warmup:
            parts[step - warmup] = (t1 - t0, t2 - t1, t3 - t2)
            n, e = graph.node_features.shape[0], graph.edge_src.shape[0]
            nodes, edges, flops = nodes + n, edges + e, flops + 3 * forward_flops(model, n, e, graph.n_graphs)
    step_seconds = parts.sum(axis=1)
    return {"nodes": nodes / steps, "edges": edges / steps,
            "samples_per_second": len(configurations) * steps / step_seconds.sum(),
            "samples_per_second_median": len(configurations) / float(np.median(step_seconds)),
            "graph_share": parts[:, 0].sum() / step_seconds.sum(),
            "gflops": flops / parts[:, 1].sum() / 1e9, "step_seconds": float(step_seconds.mean())}


def bench_dmpnn(n_particles: int = 4320, l_wins: Sequence[float] = (0.2, 0.3), threads: int = 2,
                steps: Mapping[str, int] | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Time training steps of the reference models and print the figures (chapter 07, README).

    For each of models I, I with attention, II and III (SPEC section 6: dropout 0.5, batch 5) at
    each ``l_win``: batches of 5 windows from 5 configurations of ``n_particles`` **uniform random**
    positions (65 % A) — the timing depends on the number of particles per window and the graph,
    not on the structure. A training step is timed in three parts: windows + graphs
    (:func:`~glasslib.graphs.random_window_batch` and the copy to tensors, as in
    :func:`training_batch`), forward + backward, and the Adam update. Printed per row:

    - training samples per second over all three parts (mean over the timed steps, and from the
      median step, which is less sensitive to other jobs on a shared machine);
    - the share of the step spent on windows and graphs;
    - the arithmetic rate of forward + backward: matmul FLOPs of
      :func:`~glasslib.models.dmpnn.forward_flops` × 3 (a backward pass costs about two forwards)
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
    steps = {"I": 100, "I+attention": 100, "II": 4, "III": 2, **dict(steps or {})}
    device = default_device()
    rng = np.random.default_rng(seed)
    configurations = [(rng.random((n_particles, 2)), np.where(rng.random(n_particles) < 0.65, 1, 2)) for _ in range(5)]
    rows = []
    with _torch_state(threads, seed, device):
        print(f"D-MPNN training steps on {device} ({torch.get_num_threads()} threads, "
              f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, "
              f"GOMP_SPINCOUNT={os.environ.get('GOMP_SPINCOUNT', 'unset')}), batch 5, dropout 0.5, "
              f"uniform random configurations of N = {n_particles} (65 % A)")
        print(f"{'model':<12}{'l_win':>6}{'nodes':>7}{'edges':>7}{'samples/s':>11}{'(median)':>10}{'graphs %':>10}"
              f"{'GFLOP/s':>9}{'matmul':>8}{'ratio':>7}{'peak RSS MB':>13}")
        for l_win in l_wins:
            for name in ("I", "I+attention", "II", "III"):
                k, hidden, depth, ffn = REFERENCE_MODELS[name.split("+")[0]]
                model = DMPNN(hidden, depth, ffn, 0.5, attention=name.endswith("attention")).to(device)
                matmul = _matmul_rate(device)
                row = {"model": name, "l_win": l_win, "threads": threads,
                       **_time_training(model, configurations, l_win, k, rng, device,
                                        warmup=5 if name in ("I", "I+attention") else 1, steps=steps[name])}
                row.update(matmul_gflops=matmul, ratio=row["gflops"] / matmul, peak_rss_mb=_peak_rss_mb())
                rows.append(row)
                print(f"{name:<12}{l_win:>6}{row['nodes']:>7.0f}{row['edges']:>7.0f}{row['samples_per_second']:>11.1f}"
                      f"{row['samples_per_second_median']:>10.1f}{100 * row['graph_share']:>10.1f}{row['gflops']:>9.1f}"
                      f"{matmul:>8.1f}{row['ratio']:>7.2f}{row['peak_rss_mb']:>13.0f}")
                del model
    return rows
