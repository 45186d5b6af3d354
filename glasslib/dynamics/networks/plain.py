"""A graph network of similar size without built-in rotation equivariance (chapter 09's baseline).

In the style of DeepMind's glassy_dynamics network: node states from the particle type; each
layer computes an edge state from the two node states and the edge's relative vector (x, y) and
length, sums the edge states arriving at each node (divided by the mean degree), and updates the
node state with an MLP of (node state, sum), residually. A head maps the last node states to the
``outputs`` values per particle. Rotations of the configuration change its inputs, so the network
must learn to ignore them: training rotates every configuration by a random angle
(:mod:`glasslib.dynamics.networks.fit`). Vectorised over nodes and edges; the only loop runs over layers.
"""

from __future__ import annotations

import torch
from torch import nn

from glasslib.dynamics.networks.equivariant import MEAN_DEGREE
from glasslib.dynamics.networks.graphs import RadiusGraph


def _mlp(width_in: int, hidden: int, width_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(width_in, hidden), nn.SiLU(), nn.Linear(hidden, width_out))


class PlainPropensityNet(nn.Module):
    """The non-equivariant propensity network (module docstring).

    Parameters
    ----------
    outputs : int — values predicted per particle.
    hidden : int — width of node and edge states.
    layers : int — message-passing layers.
    head_hidden : int — hidden width of the output head.
    """

    def __init__(self, outputs: int, hidden: int = 64, layers: int = 3, head_hidden: int = 64) -> None:
        super().__init__()
        if outputs < 1 or hidden < 1 or layers < 1:
            raise ValueError(f"need outputs, hidden, layers ≥ 1; got {outputs}, {hidden}, {layers}")
        self.embed = nn.Embedding(2, hidden)
        self.edge_mlps = nn.ModuleList(_mlp(2 * hidden + 3, hidden, hidden) for _ in range(layers))
        self.node_mlps = nn.ModuleList(_mlp(2 * hidden, hidden, hidden) for _ in range(layers))
        self.head = _mlp(hidden, head_hidden, outputs)

    def forward(self, graph: RadiusGraph) -> torch.Tensor:
        """Per-particle predictions (n, outputs)."""
        h = self.embed(graph.node_type).to(graph.edge_vector.dtype)
        geometry = torch.cat([graph.edge_vector, torch.linalg.vector_norm(graph.edge_vector, dim=1, keepdim=True)], dim=1)
        dst = graph.edge_dst.unsqueeze(1)
        for edge_mlp, node_mlp in zip(self.edge_mlps, self.node_mlps):
            edges = edge_mlp(torch.cat([h.index_select(0, graph.edge_src), h.index_select(0, graph.edge_dst), geometry], dim=1))
            arriving = h.new_zeros(h.shape).scatter_add_(0, dst.expand_as(edges), edges) / MEAN_DEGREE
            h = h + node_mlp(torch.cat([h, arriving], dim=1))
        return self.head(h)
