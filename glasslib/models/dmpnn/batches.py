"""The D-MPNN's inputs: fresh random windows of configurations as graph batches (SPEC section 6).

Training draws new windows at every step; evaluation averages the predictions over several
seeded windows per configuration.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from glasslib.data.datasets import Dataset
from glasslib.data.graph_batch import GraphBatch, GraphError, batch_graphs
from glasslib.data.graphs import random_window_batch
from glasslib.models.dmpnn.params import DMPNNParams
from glasslib.system import ConfigurationError

#: Streams of the SeedSequence ``(seed, stream, ...)``: training windows and evaluation windows.
_TRAIN_STREAM, _EVAL_STREAM, _EDGE_STATS_STREAM = 1, 2, 3


def _radius(dataset: Dataset, params: DMPNNParams) -> float:
    """The radius-graph cut-off in box lengths (``params.radius`` is in σ; 0 keeps the kNN graph alone)."""
    return float(params.radius) / float(dataset.box_length)


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


def training_batch(dataset: Dataset, indices: Sequence[int], params: DMPNNParams, rng: np.random.Generator) -> GraphBatch:
    """One fresh random window per configuration, as one batch (a training step's input).

    Parameters
    ----------
    dataset : Dataset
    indices : (B,) int — configurations of the batch.
    params : DMPNNParams — ``l_win``, ``k`` and ``radius``.
    rng : numpy Generator — draws the window corners.

    Raises
    ------
    GraphError, ConfigurationError
        From :func:`glasslib.data.graphs.random_window_batch`, with the configurations named.
    """
    with _context(dataset, indices, "cannot build the training windows"):
        return random_window_batch(_configurations(dataset, indices), params.l_win, params.k, rng, _radius(dataset, params))


def evaluation_batches(
    dataset: Dataset, indices: Sequence[int], params: DMPNNParams, seed: int, graphs_per_batch: int | None = None
) -> list[GraphBatch]:
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
    batches, radius = [], _radius(dataset, params)
    for start in range(0, indices.size, per_batch):
        chunk = indices[start : start + per_batch]
        graphs = []
        for i in chunk:  # one batched kNN query per configuration (its `windows` windows)
            rng = np.random.default_rng(np.random.SeedSequence((int(seed), _EVAL_STREAM, int(i))))
            with _context(dataset, [i] * windows, "cannot build the evaluation windows"):
                graphs.append(random_window_batch(_configurations(dataset, [i]) * windows, params.l_win, params.k, rng, radius))
        batches.append(batch_graphs(graphs))
    return batches
