"""Radius graphs of periodic 2D configurations, batched for the propensity networks (chapter 09).

Every ordered pair (i, j) of particles closer than ``cutoff`` (minimum image, the DeepMind
glassy_dynamics convention: 2 σ) is a directed edge j → i carrying the relative vector
r_j − r_i (σ). Many configurations form one disconnected graph, node indices offset, as in the
D-MPNN's :class:`glasslib.data.graph_batch.GraphBatch`. Built with one periodic KD-tree query per
configuration; no loop over particles or edges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.spatial import cKDTree

from glasslib.system import TYPE_A

#: Edge cut-off, σ (DeepMind's glassy_dynamics uses d < 2 σ).
EDGE_CUTOFF = 2.0


@dataclass(frozen=True)
class RadiusGraph:
    """Configurations as one graph: ``n`` nodes, ``E`` directed edges, ``G`` configurations.

    Attributes
    ----------
    node_type : (n,) int64 — 0 for A, 1 for B.
    edge_src, edge_dst : (E,) int64 — edge j → i has src j, dst i.
    edge_vector : (E, 2) float32 — r_src − r_dst under the minimum image, σ.
    node_graph : (n,) int64 — configuration of each node.
    """

    node_type: torch.Tensor
    edge_src: torch.Tensor
    edge_dst: torch.Tensor
    edge_vector: torch.Tensor
    node_graph: torch.Tensor

    def to(self, device: torch.device | str) -> RadiusGraph:
        """The same graph on ``device``."""
        return RadiusGraph(*(t.to(device) for t in (self.node_type, self.edge_src, self.edge_dst, self.edge_vector, self.node_graph)))

    def rotated(self, angle: float) -> RadiusGraph:
        """The graph of the configuration rotated by ``angle`` (radians): every edge vector turned."""
        c, s = float(np.cos(angle)), float(np.sin(angle))
        rotation = torch.tensor([[c, -s], [s, c]], dtype=self.edge_vector.dtype, device=self.edge_vector.device)
        return RadiusGraph(self.node_type, self.edge_src, self.edge_dst, self.edge_vector @ rotation.T, self.node_graph)


def configuration_edges(
    positions_sigma: np.ndarray, box_length: float, cutoff: float = EDGE_CUTOFF
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Directed edges (src, dst) of one configuration and their vectors r_src − r_dst (E, 2), σ."""
    positions = np.mod(np.asarray(positions_sigma, dtype=np.float64), box_length)
    positions[positions >= box_length] = 0.0
    if not 0 < cutoff < box_length / 2:
        raise ValueError(f"the edge cut-off {cutoff} σ must lie in (0, L/2 = {box_length / 2:.3g} σ)")
    pairs = cKDTree(positions, boxsize=box_length).query_pairs(cutoff, output_type="ndarray")
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    vector = positions[src] - positions[dst]
    return src, dst, vector - box_length * np.round(vector / box_length)


def radius_graph(configurations: Sequence[tuple[np.ndarray, np.ndarray]], box_length: float, cutoff: float = EDGE_CUTOFF) -> RadiusGraph:
    """One :class:`RadiusGraph` of ``(positions (N, 2) σ, LAMMPS types (N,))`` configurations."""
    types, src, dst, vectors, graph = [], [], [], [], []
    offset = 0
    for g, (positions, kinds) in enumerate(configurations):  # a loop over configurations; each is vectorised
        s, d, v = configuration_edges(positions, box_length, cutoff)
        types.append((np.asarray(kinds) != TYPE_A).astype(np.int64))
        src.append(s + offset)
        dst.append(d + offset)
        vectors.append(v)
        graph.append(np.full(len(kinds), g, dtype=np.int64))
        offset += len(kinds)
    return RadiusGraph(
        torch.as_tensor(np.concatenate(types)),
        torch.as_tensor(np.concatenate(src), dtype=torch.int64),
        torch.as_tensor(np.concatenate(dst), dtype=torch.int64),
        torch.as_tensor(np.concatenate(vectors), dtype=torch.float32),
        torch.as_tensor(np.concatenate(graph)),
    )
