"""A batch of graphs as flat index arrays, in the style of chemprop's BatchMolGraph (chapters 03, 05).

:class:`GraphBatch` holds numpy arrays (node features, directed edges with their reverse-edge
index, node-to-graph map); :meth:`GraphBatch.to_torch` gives the :class:`TorchGraphBatch` the
D-MPNN consumes; :func:`batch_graphs` joins graphs into one disconnected graph with shifted
indices — no Python loop over nodes or edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # torch is imported only when a batch is converted
    import torch


#: Names of the columns of ``GraphBatch.node_features``.
NODE_FEATURES = ("x", "y", "type")


class GraphError(ValueError):
    """A graph that cannot be built with the parameters asked for; the message says why."""


@dataclass(frozen=True)
class TorchGraphBatch:
    """:class:`GraphBatch` as torch tensors on one device (same fields, same shapes)."""

    node_features: torch.Tensor
    edge_src: torch.Tensor
    edge_dst: torch.Tensor
    edge_rev: torch.Tensor
    edge_distance: torch.Tensor
    node_graph: torch.Tensor
    edge_graph: torch.Tensor
    node_particle: torch.Tensor
    n_graphs: int


@dataclass(frozen=True)
class GraphBatch:
    """One or more graphs as one disconnected graph (chemprop ``BatchMolGraph`` style).

    A single graph is a batch with ``n_graphs == 1``. Treat the arrays as read-only: the
    builders never share them with their inputs, and :meth:`to_torch` copies them.

    Attributes
    ----------
    node_features : (n, 3) float32
        ``(x, y, type)`` per node: scaled coordinates (box lengths) and 0 for A, 1 for B.
    edge_src, edge_dst : (E,) int64
        Directed edge ``e`` goes from node ``edge_src[e]`` to node ``edge_dst[e]``.
    edge_rev : (E,) int64
        Index of the reverse edge: ``edge_src[edge_rev] == edge_dst`` and vice versa.
    edge_distance : (E,) float32
        Length of each edge in scaled units (minimum image for periodic graphs).
    node_graph : (n,) int64
        Graph of each node, ``0 … n_graphs - 1``, non-decreasing.
    edge_graph : (E,) int64
        Graph of each edge (that of both of its ends).
    node_particle : (n,) int64
        Index of each node's particle in its original configuration (for the attention chapter).
    n_graphs : int
        Number of graphs in the batch.
    """

    node_features: np.ndarray
    edge_src: np.ndarray
    edge_dst: np.ndarray
    edge_rev: np.ndarray
    edge_distance: np.ndarray
    node_graph: np.ndarray
    edge_graph: np.ndarray
    node_particle: np.ndarray
    n_graphs: int

    @property
    def n_nodes(self) -> int:
        """Number of nodes in the batch."""
        return int(self.node_features.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of directed edges in the batch (twice the number of connections)."""
        return int(self.edge_src.shape[0])

    def nodes_per_graph(self) -> np.ndarray:
        """Number of nodes of each graph, shape (n_graphs,) int64."""
        return np.bincount(self.node_graph, minlength=self.n_graphs).astype(np.int64)

    def validate(self) -> None:
        """Check the invariants of the structure; raise :class:`GraphError` naming the broken one.

        Not called when batches are built (they hold by construction); meant for tests and for
        hand-built graphs.
        """
        n, n_edges = self.n_nodes, self.n_edges
        self._validate_shapes(n, n_edges)
        src, dst, rev = self.edge_src, self.edge_dst, self.edge_rev
        _require(
            n_edges == 0 or (min(src.min(), dst.min()) >= 0 and max(src.max(), dst.max()) < n), "edge endpoints outside 0 … n_nodes - 1"
        )
        _require(bool(np.all(src != dst)), "the graph has self-loops")
        _require(np.unique(src * max(n, 1) + dst).size == n_edges, "the graph has duplicate directed edges")
        _require(n_edges == 0 or (rev.min() >= 0 and rev.max() < n_edges), "edge_rev outside 0 … n_edges - 1")
        _require(np.array_equal(src[rev], dst) and np.array_equal(dst[rev], src), "edge_rev does not point at reverse edges")
        _require(np.array_equal(rev[rev], np.arange(n_edges)), "edge_rev is not an involution")
        _require(
            np.array_equal(self.edge_graph, self.node_graph[src]) and np.array_equal(self.edge_graph, self.node_graph[dst]),
            "an edge connects two graphs, or edge_graph is not the graph of its ends",
        )
        _require(
            bool(np.all(np.diff(self.node_graph) >= 0)) and (n == 0 or (self.node_graph[0] >= 0 and self.node_graph[-1] < self.n_graphs)),
            "node_graph is not non-decreasing within 0 … n_graphs - 1",
        )

    def _validate_shapes(self, n: int, n_edges: int) -> None:
        expected = {
            "node_features": (n, len(NODE_FEATURES)),
            "node_graph": (n,),
            "node_particle": (n,),
            **{name: (n_edges,) for name in ("edge_src", "edge_dst", "edge_rev", "edge_distance", "edge_graph")},
        }
        for name, shape in expected.items():
            _require(getattr(self, name).shape == shape, f"{name} has shape {getattr(self, name).shape}, expected {shape}")

    def to_torch(self, device: str | torch.device = "cpu") -> TorchGraphBatch:
        """The same batch as torch tensors on ``device`` (float32 features, int64 indices)."""
        import torch

        tensors = {
            field.name: torch.tensor(np.asarray(getattr(self, field.name)), device=device)
            for field in fields(self)
            if field.name != "n_graphs"
        }
        return TorchGraphBatch(**tensors, n_graphs=self.n_graphs)


def _require(condition: Any, message: str) -> None:
    if not bool(condition):
        raise GraphError(message)


def batch_graphs(graphs: Sequence[GraphBatch]) -> GraphBatch:
    """Concatenate graphs (or batches) into one disconnected graph.

    Parameters
    ----------
    graphs : sequence of GraphBatch
        At least one. Their node indices are offset by the nodes before them and their graph
        indices by the graphs before them.

    Returns
    -------
    GraphBatch
        ``n_graphs`` is the sum over the inputs.
    """
    if len(graphs) == 0:
        raise GraphError("batch_graphs needs at least one graph")
    node_counts = np.array([g.n_nodes for g in graphs], dtype=np.int64)
    edge_counts = np.array([g.n_edges for g in graphs], dtype=np.int64)
    graph_counts = np.array([g.n_graphs for g in graphs], dtype=np.int64)
    node_shift = np.repeat(np.cumsum(node_counts) - node_counts, edge_counts)
    edge_shift = np.repeat(np.cumsum(edge_counts) - edge_counts, edge_counts)
    graph_shift_nodes = np.repeat(np.cumsum(graph_counts) - graph_counts, node_counts)
    graph_shift_edges = np.repeat(np.cumsum(graph_counts) - graph_counts, edge_counts)

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(g, name) for g in graphs])

    return GraphBatch(
        node_features=cat("node_features"),
        edge_src=cat("edge_src") + node_shift,
        edge_dst=cat("edge_dst") + node_shift,
        edge_rev=cat("edge_rev") + edge_shift,
        edge_distance=cat("edge_distance"),
        node_graph=cat("node_graph") + graph_shift_nodes,
        edge_graph=cat("edge_graph") + graph_shift_edges,
        node_particle=cat("node_particle"),
        n_graphs=int(graph_counts.sum()),
    )
