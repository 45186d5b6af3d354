"""An SO(2)-equivariant graph network for per-particle propensity in 2D (chapter 09).

After Pezzicoli, Charpiat and Landes (SciPost Phys. 2024), written for the plane. Each particle
carries ``channels`` complex features of every circular-harmonic order m = −M … M (``max_order``
M ≥ 6 so that hexatic order is reachable): x ∈ ℂ^(n × C × (2M+1)). Rotating the configuration by φ
turns a feature of order m into e^{imφ} times itself. One layer:

1. **Filters.** For the edge j → i with relative vector r_j − r_i of length d and angle θ, the filter
   of channel c and order m_f is f_{c,m_f} = R_{c,m_f}(d) e^{i m_f θ}: a learnt radial profile (an MLP
   of a Gaussian radial basis, times a cosine envelope that vanishes at the cut-off) times a circular
   harmonic.
2. **Messages combine orders as complex products do**: the message of order m_out sums
   x_{j,c,m_in} f_{c,m_out − m_in} over the orders with |m_in|, |m_out|, |m_out − m_in| ≤ M; a
   product of orders m_in and m_f has order m_in + m_f, so messages turn like their order.
   That sum is the order-m_out Fourier coefficient of the product of the two band-limited functions
   x(φ) = Σ_m x_m e^{imφ} and f(φ), so it is computed exactly on P = 3M + 1 sampled angles
   (products of band-M functions reach order 2M; with P > 3M no aliased order lands on |m| ≤ M):
   features and filters are sampled by one matrix product each, multiplied pointwise, summed over
   the arriving edges *in angle space* (projection is linear, so it commutes with the sum) and
   projected back to orders once per particle. Per edge this costs two dense products and no FFT.
3. **Aggregation** over the edges arriving at i, divided by ``mean_degree``; **mixing** of channels
   by a complex C × C matrix per order (complex scalars commute with rotations); a residual update.
4. **Gates.** The invariants of each particle — real and imaginary parts of order 0 and the moduli
   |x_m| of the others — go through an MLP whose sigmoid outputs scale every feature (real scalars
   commute with rotations too).

The node input is the particle type (A or B) as order-0 features. The head reads the invariants
after the last layer and predicts ``outputs`` values per particle at once (the propensity at every
recorded time), so the outputs are invariant under rotations of the configuration — exactly, up to
floating point: :mod:`tests` checks outputs and turns of every hidden order. Same code on CUDA and CPU.
Everything is vectorised over particles, edges and orders; the only Python loop runs over layers.
``glasslib bench equivariant`` times one training step.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from glasslib.dynamics.networks.graphs import EDGE_CUTOFF, RadiusGraph

#: Neighbours within 2 σ at ρ = 1.2 (π · 2² · 1.2 ≈ 15): messages are sums over about this many edges.
MEAN_DEGREE = 15.0


def radial_basis(distance: torch.Tensor, count: int, cutoff: float) -> torch.Tensor:
    """(E, count) Gaussians of the edge length on [0, cutoff] times a cosine envelope that is 0 at the cut-off."""
    centres = torch.linspace(0.0, cutoff, count, device=distance.device, dtype=distance.dtype)
    width = cutoff / count
    envelope = 0.5 * (torch.cos(math.pi * torch.clamp(distance / cutoff, max=1.0)) + 1.0)
    return torch.exp(-(((distance[:, None] - centres) / width) ** 2)) * envelope[:, None]


def angle_grid(
    max_order: int, dtype: torch.dtype = torch.complex64, device: torch.device | str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Matrices between orders −M … M and P = 3M + 1 sampled angles φ_p = 2πp/P.

    Returns ``to_angles`` (2M+1, P), e^{i m φ_p}, so that ``x @ to_angles`` samples x(φ) = Σ_m x_m e^{imφ}, and
    ``to_orders`` (P, 2M+1), e^{−i m φ_p} / P, so that ``y @ to_orders`` gives the coefficients of orders −M … M of
    a sampled function of band ≤ 2M, exactly (module docstring, step 2).
    """
    count = 3 * max_order + 1
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    angles = 2.0 * math.pi * torch.arange(count, dtype=real, device=device) / count
    orders = torch.arange(-max_order, max_order + 1, dtype=real, device=device)
    phase = orders[:, None] * angles[None, :]
    to_angles = torch.polar(torch.ones_like(phase), phase).to(dtype)
    to_orders = torch.polar(torch.full_like(phase.T, 1.0 / count), -phase.T).to(dtype)
    return to_angles, to_orders


def combine_orders(x: torch.Tensor, filters: torch.Tensor, max_order: int) -> torch.Tensor:
    """Messages of every order m_out: Σ_{m_in} x_{m_in} f_{m_out − m_in} over |m_in|, |m_out − m_in| ≤ M, for |m_out| ≤ M.

    The product of the two sampled functions, projected back onto orders (:func:`angle_grid`).
    ``x``, ``filters``: (..., 2M+1) complex, orders −M … M; returns (..., 2M+1).
    """
    to_angles, to_orders = angle_grid(max_order, x.dtype, x.device)
    return ((x @ to_angles) * (filters @ to_angles)) @ to_orders


def invariants(x: torch.Tensor, max_order: int) -> torch.Tensor:
    """Rotation invariants of features x (n, C, 2M+1): Re and Im of order 0 and |x_m| of the others, (n, C (2M+2))."""
    zero = x[:, :, max_order]
    others = torch.cat([x[:, :, :max_order], x[:, :, max_order + 1 :]], dim=2)
    modulus = torch.sqrt(others.real**2 + others.imag**2 + 1e-12)
    return torch.cat([zero.real, zero.imag, modulus.flatten(1)], dim=1)


class EquivariantLayer(nn.Module):
    """One message-passing layer (module docstring, steps 1–4)."""

    def __init__(self, channels: int, max_order: int, basis: int, radial_hidden: int, cutoff: float) -> None:
        super().__init__()
        self.channels, self.max_order, self.basis, self.cutoff = channels, max_order, basis, cutoff
        orders = 2 * max_order + 1
        self.radial = nn.Sequential(nn.Linear(basis, radial_hidden), nn.SiLU(), nn.Linear(radial_hidden, channels * orders))
        scale = 1.0 / math.sqrt(2 * channels)
        self.mix_real = nn.Parameter(torch.randn(orders, channels, channels) * scale)
        self.mix_imag = nn.Parameter(torch.randn(orders, channels, channels) * scale)
        width = channels * (orders + 1)
        self.gate = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, channels * orders))

    def forward(
        self, x: torch.Tensor, graph: RadiusGraph, harmonics: torch.Tensor, basis: torch.Tensor, grid: tuple[torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        """x (n, C, 2M+1) complex → the next layer's features, same shape.

        ``harmonics`` (E, 2M+1) e^{i m θ} of the edges, ``basis`` (E, K) their radial basis, ``grid`` the
        :func:`angle_grid` matrices; messages are summed over arriving edges in angle space (module docstring).
        """
        n, channels, orders = x.shape
        to_angles, to_orders = grid
        radial = self.radial(basis).view(-1, channels, orders)  # (E, C, 2M+1): R_{c, m_f}(d)
        filters = (radial * harmonics[:, None, :]) @ to_angles  # (E, C, P): f(φ_p) of every edge
        messages = (x @ to_angles).index_select(0, graph.edge_src) * filters  # (E, C, P)
        arriving = messages.new_zeros((n, channels, to_angles.shape[1])).index_add_(0, graph.edge_dst, messages)
        arriving = (arriving @ to_orders) / MEAN_DEGREE  # (n, C, 2M+1)
        mix = torch.complex(self.mix_real, self.mix_imag)  # (2M+1, C, C)
        updated = x + torch.einsum("ncm,mcd->ndm", arriving, mix)
        gates = torch.sigmoid(self.gate(invariants(updated, self.max_order))).view(n, channels, orders)
        return updated * gates


class EquivariantPropensityNet(nn.Module):
    """The SO(2)-equivariant propensity network (module docstring).

    Parameters
    ----------
    outputs : int — values predicted per particle (e.g. the propensity at T recorded times).
    channels : int — complex channels C per order.
    max_order : int — highest circular-harmonic order M (≥ 6 reaches hexatic order).
    layers : int — message-passing layers.
    basis : int — Gaussians of the radial basis.
    radial_hidden : int — hidden width of each radial MLP.
    head_hidden : int — hidden width of the output head.
    cutoff : float — edge cut-off of the graphs it reads, σ.
    """

    def __init__(
        self,
        outputs: int,
        channels: int = 8,
        max_order: int = 6,
        layers: int = 3,
        basis: int = 12,
        radial_hidden: int = 32,
        head_hidden: int = 64,
        cutoff: float = EDGE_CUTOFF,
    ) -> None:
        super().__init__()
        if max_order < 0 or channels < 1 or layers < 1 or outputs < 1:
            raise ValueError(f"need outputs, channels, layers ≥ 1 and max_order ≥ 0; got {outputs}, {channels}, {layers}, {max_order}")
        self.channels, self.max_order, self.basis, self.cutoff = channels, max_order, basis, cutoff
        self.embed = nn.Embedding(2, channels)
        self.layers = nn.ModuleList(EquivariantLayer(channels, max_order, basis, radial_hidden, cutoff) for _ in range(layers))
        width = channels * (2 * max_order + 2)
        self.head = nn.Sequential(nn.Linear(width, head_hidden), nn.SiLU(), nn.Linear(head_hidden, outputs))
        self.register_buffer("orders", torch.arange(-max_order, max_order + 1, dtype=torch.float32), persistent=False)

    def features(self, graph: RadiusGraph) -> torch.Tensor:
        """The complex features (n, C, 2M+1) after the last layer; order m turns by e^{imφ} under a rotation by φ."""
        vector = graph.edge_vector
        distance = torch.linalg.vector_norm(vector, dim=1)
        angle = torch.atan2(vector[:, 1], vector[:, 0])
        harmonics = torch.polar(
            torch.ones_like(angle)[:, None].expand(-1, self.orders.numel()), angle[:, None] * self.orders.to(angle.dtype)
        )
        basis = radial_basis(distance, self.basis, self.cutoff)
        n = graph.node_type.shape[0]
        x = torch.zeros((n, self.channels, 2 * self.max_order + 1), dtype=harmonics.dtype, device=vector.device)
        x[:, :, self.max_order] = self.embed(graph.node_type).to(vector.dtype)
        grid = angle_grid(self.max_order, harmonics.dtype, vector.device)
        for layer in self.layers:
            x = layer(x, graph, harmonics, basis, grid)
        return x

    def forward(self, graph: RadiusGraph) -> torch.Tensor:
        """Per-particle predictions (n, outputs), invariant under rotations of the configuration."""
        return self.head(invariants(self.features(graph), self.max_order))
