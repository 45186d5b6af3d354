"""Directed message passing neural network (D-MPNN) with optional edge self-attention (chapter 05).

SPEC section 6, after Swanson et al. (2020) and chemprop's ``MPNEncoder``. The input is a
:class:`glasslib.data.graph_batch.TorchGraphBatch`: many kNN graphs of configuration windows as one
disconnected graph, with ``n`` nodes, ``E`` directed edges and ``G`` graphs. Hidden size ``h``,
``T`` message-passing steps (``depth``), ``f`` feed-forward layers:

1. Edge states: ``h⁰_vw = ReLU(W_i · cat(x_v, e_vw))`` for every directed edge v→w, from the
   source node's features ``x_v`` and the edge's length ``e_vw`` (box lengths; with
   ``standardise_edges``, ``(e_vw − μ) / s`` with the mean μ and standard deviation s of the edge
   lengths of the training windows, fixed before training and stored with the weights).
2. For ``t = 0 … T−2``: the message into v→w sums all states arriving at v except the one
   coming back from w, ``m_vw = Σ_{k∈N(v)\\{w}} h_kv = (Σ_{k∈N(v)} h_kv) − h_wv``, computed for
   all edges at once as a scatter-add of edge states onto their destination nodes, gathered at
   each edge's source, minus the state of the reverse edge (``edge_rev``). Then
   ``h^{t+1}_vw = ReLU(h⁰_vw + W_m · m_vw)`` and dropout.
3. Optional edge self-attention after each of these ``T − 1`` steps:
   ``σ = softmax(ReLU(H · W_attn) · v_attn)`` over the edges **of each graph** (a segment softmax,
   so a configuration's weights do not depend on the other configurations in its batch), and
   each edge state is replaced by ``σ_e · H_e``. The forward pass returns the ``σ`` of every step;
   chapter 06 reads the last one (step ``T − 1``).
4. Node states ``m_v = Σ_{k∈N(v)} h_kv``, ``h_v = ReLU(W_a · cat(x_v, m_v))`` (then dropout);
   readout ``Σ_v h_v`` per graph; a feed-forward head of ``f`` layers (``f − 1`` hidden layers of
   width ``h`` with ReLU and dropout) ending in one logit, the log-odds of *glass*.

Node features (``features``):

``"paper"``
    ``(x, y, type)``: absolute scaled window coordinates and 0 (A) / 1 (B), as in the published
    model. Not exactly invariant to translating or rotating the window, although the paper says so.
``"invariant"``
    ``(type,)`` only. All geometry then enters through the edge lengths, so the output is invariant
    to rotating and translating the window (and to permuting the particles, as in both variants).

Edge lengths (``standardise_edges``, not in the paper, default off): a nearest-neighbour distance
is ≈ 1.1 σ, 0.045 box lengths at ``quick`` (0.018 at paper scale), and what tells a glass at
T = 0.05 from a liquid at T ≈ 0.55 is its thermal spread, ≈ 0.002 box lengths: ``W_i`` must grow
to ~10³ to read it. The invariant model, which sees geometry only through edge lengths, reached
outer-fold AUCs 0.80 / 1.00 / 0.84 on the ``quick`` data set 4 with raw lengths (0.94 / 0.75 / 1.00
on data set 5) and 1.00 on every fold of all six data sets with standardised ones (measured with
the quick book of issue 11, same seeds).

As in chemprop, ``W_i`` and ``W_m`` have no bias; nor have the attention layers (``W_attn`` is
h × h and ``v_attn`` a vector, as in the SPEC); ``W_a`` and the head's layers have one.

On CUDA, ``scatter_add_`` accumulates with atomics, so sums (and results) may differ in the last
bits from run to run; on a CPU a run is reproducible from its seed.

Everything is vectorised over nodes, edges and graphs with index tensors (``scatter_add_``,
``gather``, ``index_select``, ``scatter_reduce``); the only Python loop runs over the ``T − 1``
steps. The module runs on whatever device its parameters and the batch live on.

Speed on a CPU (``bench_dmpnn`` in :mod:`glasslib.models.dmpnn.fit`): the sums over edges use ``scatter_add_``
/ ``gather`` with an index broadcast over the hidden dimension, which PyTorch runs as a sorted
segment reduction (about ten times faster than ``index_add_`` on a CPU); ReLU and dropout run in
place on the output of each linear layer; the dropout mask is drawn as 16-bit integers
(:func:`dropout_mask`) because ``bernoulli_`` costs more than the update's matrix product.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

import torch  # OpenMP's spin count was set when glasslib was imported: glasslib.GOMP_SPINCOUNT
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from glasslib.data.graph_batch import NODE_FEATURES, TorchGraphBatch

FeatureSet = Literal["paper", "invariant"]


#: Columns of ``TorchGraphBatch.node_features`` each feature set reads (a contiguous slice).
FEATURE_COLUMNS: dict[str, slice] = {"paper": slice(0, 3), "invariant": slice(2, 3)}
assert NODE_FEATURES == ("x", "y", "type")  # the slices above rely on this column order


class DMPNNOutput(NamedTuple):
    """What :meth:`DMPNN.forward` returns.

    Attributes
    ----------
    logits : (G,) float
        Log-odds of *glass* for each graph of the batch.
    attention : tuple of (E,) float
        Edge attention weights ``σ`` after message-passing steps ``1 … T − 1`` (in order); empty
        without attention. Each sums to 1 over the edges of every graph.
    """

    logits: torch.Tensor
    attention: tuple[torch.Tensor, ...]


def segment_softmax(scores: torch.Tensor, segment: torch.Tensor, n_segments: int) -> torch.Tensor:
    """Softmax of ``scores`` within each segment (numerically stable).

    Parameters
    ----------
    scores : (E,) float
    segment : (E,) int64
        Segment of each entry, in ``0 … n_segments − 1`` (need not be sorted).
    n_segments : int

    Returns
    -------
    (E,) float
        Non-negative; sums to 1 over the entries of every non-empty segment.

    Notes
    -----
    Each segment's maximum (``scatter_reduce`` amax, treated as a constant: the softmax does not
    depend on it) is subtracted before exponentiation, so no ``exp`` overflows.
    """
    maximum = torch.full((n_segments,), float("-inf"), dtype=scores.dtype, device=scores.device)
    maximum = maximum.scatter_reduce(0, segment, scores.detach(), reduce="amax", include_self=True)
    exponent = torch.exp(scores - maximum.index_select(0, segment))
    total = exponent.new_zeros(n_segments).index_add_(0, segment, exponent)
    return exponent / total.index_select(0, segment)


def dropout_mask(like: torch.Tensor, p: float) -> torch.Tensor:
    """Inverted-dropout mask shaped like ``like``: ``1/(1 − p')`` with probability ``1 − p'``, else 0.

    ``p'`` is ``p`` rounded to a multiple of 2⁻¹⁶. The mask is drawn as 16-bit random integers
    (four per 64-bit draw of the global torch generator) compared with a threshold, because
    ``torch.bernoulli_`` costs ~20 ns per element on a CPU (more than the ``W_m`` update it follows
    at h = 1000) while this costs ~1 ns. Works on any device.
    """
    threshold, scale = _dropout_threshold(p)
    numel = like.numel()
    bits = torch.empty((numel + 3) // 4, dtype=torch.int64, device=like.device)
    bits = bits.random_(-(2**63), 2**63 - 1).view(torch.int16)[:numel].view(like.shape)
    keep = torch.ge(bits, threshold, out=torch.empty(like.shape, dtype=like.dtype, device=like.device))
    return keep.mul_(scale)


def _dropout_threshold(p: float) -> tuple[int, float]:
    """int16 threshold below which a draw is dropped, and the scale 1/(1 − p') of kept values."""
    threshold = min(int(round(p * 65536)) - 32768, 32767)
    return threshold, 65536.0 / (32768 - threshold)


class _ReLUDropout(torch.autograd.Function):
    """``ReLU(z · mask)`` in place on ``z``, keeping only the output for the backward pass.

    With a mask of zeros and ``scale`` = 1/(1 − p), ``∂out/∂z = scale · [out > 0]``, so neither
    the mask nor ``z`` has to be stored: one (E, h) tensor per step instead of three.
    """

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, mask: torch.Tensor, scale: float) -> torch.Tensor:
        z.mul_(mask).relu_()
        ctx.mark_dirty(z)
        ctx.save_for_backward(z)
        ctx.scale = scale
        return z

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (out,) = ctx.saved_tensors
        return torch.ops.aten.threshold_backward(grad, out, 0).mul_(ctx.scale), None, None


def relu_dropout_(z: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    """``dropout(ReLU(z))``, computed **in place** on ``z``.

    ``z`` must be a fresh intermediate that its producer does not keep for its own backward pass
    (e.g. the output of a linear layer). Equal in distribution to ``F.dropout(F.relu(z), p,
    training)``; the mask is applied before the ReLU (the same, since the mask is non-negative)
    and only the output is kept for the backward pass (:class:`_ReLUDropout`).
    """
    if training and p > 0.0:
        mask = dropout_mask(z, p)
        if torch.is_grad_enabled() and z.requires_grad:
            return _ReLUDropout.apply(z, mask, _dropout_threshold(p)[1])
        return z.mul_(mask).relu_()
    return torch.relu_(z)


def _arriving(states: torch.Tensor, dst: torch.Tensor, n_nodes: int) -> torch.Tensor:
    """Σ of the states of the edges arriving at each node, (n, h); ``dst`` is (E, h) expanded."""
    return states.new_zeros((n_nodes, states.shape[1])).scatter_add_(0, dst, states)


def _messages(states: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, rev: torch.Tensor, n_nodes: int) -> torch.Tensor:
    """``m_vw = Σ_{k∈N(v)} h_kv − h_wv`` for every edge, (E, h); indices (E, h) expanded."""
    return torch.gather(_arriving(states, dst, n_nodes), 0, src).sub_(torch.gather(states, 0, rev))


def directed_messages(
    states: torch.Tensor, edge_src: torch.Tensor, edge_dst: torch.Tensor, edge_rev: torch.Tensor, n_nodes: int
) -> torch.Tensor:
    r"""The D-MPNN message of every directed edge (the update of :class:`DMPNN` uses the same code).

    Parameters
    ----------
    states : (E, h) float — edge states ``h_e``.
    edge_src, edge_dst, edge_rev : (E,) int64 — ends and reverse of every edge.
    n_nodes : int

    Returns
    -------
    (E, h) float
        ``m_vw = Σ_{k∈N(v)\{w}} h_kv``: the states arriving at v, except the one from w.
    """
    shape = states.shape
    return _messages(
        states, edge_src.unsqueeze(1).expand(shape), edge_dst.unsqueeze(1).expand(shape), edge_rev.unsqueeze(1).expand(shape), n_nodes
    )


class EdgeAttention(nn.Module):
    """Self-attention over the directed edges of each graph (SPEC section 6).

    ``σ = softmax_graph(ReLU(H · W_attn) · v_attn)``; returns ``(σ[:, None] · H, σ)``, or with
    ``rescale`` ``(E_g σ[:, None] · H, σ)`` where ``E_g`` is the number of edges of the edge's graph.

    Parameters
    ----------
    hidden : int
        Width ``h`` of the edge states.
    rescale : bool
        Multiply the weights by the graph's edge count before scaling the states (mean factor 1
        instead of 1/E_g). Not in the paper; see :class:`DMPNN`.
    """

    def __init__(self, hidden: int, rescale: bool = False) -> None:
        super().__init__()
        self.W_attn = nn.Linear(hidden, hidden, bias=False)
        self.v_attn = nn.Linear(hidden, 1, bias=False)
        self.rescale = rescale

    def forward(self, states: torch.Tensor, edge_graph: torch.Tensor, n_graphs: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Weight the edge states.

        Parameters
        ----------
        states : (E, h) float — edge states ``H``.
        edge_graph : (E,) int64 — graph of each edge.
        n_graphs : int

        Returns
        -------
        weighted : (E, h) float — ``σ_e · H_e`` (times ``E_g`` with ``rescale``).
        weights : (E,) float — ``σ``, summing to 1 within every graph.
        """
        scores = self.v_attn(F.relu(self.W_attn(states))).squeeze(-1)
        weights = segment_softmax(scores, edge_graph, n_graphs)
        factor = weights
        if self.rescale:
            edges = torch.zeros(n_graphs, dtype=weights.dtype, device=weights.device)
            edges = edges.index_add_(0, edge_graph, torch.ones_like(weights))
            factor = weights * edges.index_select(0, edge_graph)
        return states * factor.unsqueeze(-1), weights


def _check_int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer ≥ {low}, got {value!r}")
    return value


class DMPNN(nn.Module):
    """The D-MPNN classifier of SPEC section 6 (module docstring for the equations).

    Parameters
    ----------
    hidden : int
        Hidden size ``h`` of edge, node and head states (paper's search: 300 … 2400).
    depth : int
        Number of message-passing steps ``T`` ≥ 1; ``T − 1`` updates follow the initial ``h⁰``
        (paper's search: 2 … 6).
    ffn_layers : int
        Layers ``f`` ≥ 1 of the feed-forward head (paper's search: 1 … 3).
    dropout : float
        Dropout probability in [0, 1) after every edge update, the node states and the head's
        hidden layers.
    attention : bool
        Edge self-attention after each of the ``T − 1`` updates.
    features : ``"paper"`` or ``"invariant"``
        Node features: ``(x, y, type)`` as published, or ``(type,)`` for an output invariant to
        rotating and translating the window.
    standardise_edges : bool
        Not in the paper (default off): feed ``(e − edge_shift) / edge_scale`` instead of the edge
        length ``e``; the two buffers are set by :meth:`set_edge_standardisation` before training
        and saved in the state dict (a model without the option has neither buffer).
    attention_rescale : bool
        Not in the paper (default off). The published attention multiplies each edge state by
        ``σ_e``, whose mean over a graph is 1/E_g (E_g ≈ 650 directed edges in a paper-scale window
        at l_win = 0.2, k = 3): later messages and node states shrink by that factor and, with few optimisation
        steps, the model sees little more than node features (on the ``quick`` data set 1 the
        attention model stayed at chance after 20 epochs while the one without attention reached
        AUC 1). With ``attention_rescale`` the states are multiplied by ``E_g σ_e`` instead (mean
        1); the weights ``σ`` themselves, their ranking and their per-graph normalisation are
        unchanged, so the attention analysis reads them the same way.
    """

    def __init__(
        self,
        hidden: int = 300,
        depth: int = 3,
        ffn_layers: int = 2,
        dropout: float = 0.0,
        attention: bool = False,
        features: FeatureSet = "paper",
        attention_rescale: bool = False,
        standardise_edges: bool = False,
    ) -> None:
        super().__init__()
        self.hidden = _check_int("hidden", hidden, 1)
        self.depth = _check_int("depth", depth, 1)
        self.ffn_layers = _check_int("ffn_layers", ffn_layers, 1)
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout!r}")
        if features not in FEATURE_COLUMNS:
            raise ValueError(f"features must be one of {sorted(FEATURE_COLUMNS)}, got {features!r}")
        for name, flag in (("attention", attention), ("attention_rescale", attention_rescale), ("standardise_edges", standardise_edges)):
            if not isinstance(flag, bool):
                raise ValueError(f"{name} must be True or False, got {flag!r}")
        self.dropout_p, self.attention, self.features = float(dropout), attention, features
        self.attention_rescale, self.standardise_edges = attention_rescale, standardise_edges
        if standardise_edges:
            self.register_buffer("edge_shift", torch.zeros(()))
            self.register_buffer("edge_scale", torch.ones(()))
        self._columns = FEATURE_COLUMNS[features]
        node_dim = self._columns.stop - self._columns.start
        self.W_i = nn.Linear(node_dim + 1, hidden, bias=False)
        self.W_m = nn.Linear(hidden, hidden, bias=False)
        self.W_a = nn.Linear(node_dim + hidden, hidden)
        self.attend = nn.ModuleList(EdgeAttention(hidden, attention_rescale) for _ in range(depth - 1)) if attention else None
        layers: list[nn.Module] = []
        for _ in range(ffn_layers - 1):
            layers += [nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(self.dropout_p)]
        self.head = nn.Sequential(*layers, nn.Linear(hidden, 1))

    def extra_repr(self) -> str:
        return (
            f"depth={self.depth}, dropout={self.dropout_p}, attention={self.attention}, "
            f"attention_rescale={self.attention_rescale}, features={self.features!r}, standardise_edges={self.standardise_edges}"
        )

    def set_edge_standardisation(self, distances: torch.Tensor) -> None:
        """Fix the edge standardisation from the edge lengths ``distances`` (E,) of training windows.

        Raises
        ------
        ValueError
            The model was built without ``standardise_edges``, or the lengths have no spread (fewer
            than two edges, or all equal): nothing to standardise with.
        """
        if not self.standardise_edges:
            raise ValueError("this D-MPNN was built with standardise_edges=False; it reads raw edge lengths")
        distances = distances.detach().to(torch.float64).flatten()
        scale = distances.std() if distances.numel() > 1 else distances.new_zeros(())
        if not bool(torch.isfinite(scale)) or float(scale) <= 0.0:
            raise ValueError(
                f"cannot standardise edge lengths from {distances.numel()} edges without spread; give training windows with edges"
            )
        self.edge_shift.fill_(float(distances.mean()))
        self.edge_scale.fill_(float(scale))

    def edge_inputs(self, batch: TorchGraphBatch) -> torch.Tensor:
        """The edge feature the model reads, (E, 1): the length, standardised if the model says so."""
        distance = batch.edge_distance.unsqueeze(1)
        if self.standardise_edges:
            distance = (distance - self.edge_shift) / self.edge_scale
        return distance

    def node_inputs(self, batch: TorchGraphBatch) -> torch.Tensor:
        """The node features the model reads, (n, 3) for ``"paper"`` or (n, 1) for ``"invariant"``."""
        return batch.node_features[:, self._columns]

    def forward(self, batch: TorchGraphBatch) -> DMPNNOutput:
        """Logits of a batch of graphs.

        Parameters
        ----------
        batch : TorchGraphBatch
            ``n`` nodes, ``E`` directed edges, ``G`` graphs, on the module's device:
            ``node_features`` (n, 3) float32, ``edge_src``/``edge_dst``/``edge_rev``/``edge_graph``
            (E,) int64, ``edge_distance`` (E,) float32, ``node_graph`` (n,) int64.

        Returns
        -------
        DMPNNOutput
            ``logits`` (G,) and the attention weights of every update step, each (E,).
        """
        x = self.node_inputs(batch)
        n_nodes, n_edges, n_graphs, hidden = x.shape[0], batch.edge_src.shape[0], batch.n_graphs, self.hidden
        # Indices broadcast over the hidden dimension (stride-0 views, no copies): scatter_add_ and
        # gather with such an index take PyTorch's fast sorted-segment path on CPU.
        src = batch.edge_src.unsqueeze(1).expand(n_edges, hidden)
        dst = batch.edge_dst.unsqueeze(1).expand(n_edges, hidden)
        rev = batch.edge_rev.unsqueeze(1).expand(n_edges, hidden)
        edge_inputs = torch.cat([x.index_select(0, batch.edge_src), self.edge_inputs(batch)], dim=1)
        initial = F.relu(self.W_i(edge_inputs))  # (E, h): h⁰
        states, weights = initial, []
        for step in range(self.depth - 1):
            message = _messages(states, src, dst, rev, n_nodes)  # (E, h): m_vw
            update = torch.addmm(initial, message, self.W_m.weight.t())  # h⁰ + W_m m
            states = relu_dropout_(update, self.dropout_p, self.training)
            if self.attend is not None:
                states, sigma = self.attend[step](states, batch.edge_graph, n_graphs)
                weights.append(sigma)
        arriving = _arriving(states, dst, n_nodes)  # (n, h): m_v
        nodes = relu_dropout_(self.W_a(torch.cat([x, arriving], dim=1)), self.dropout_p, self.training)
        node_graph = batch.node_graph.unsqueeze(1).expand(n_nodes, hidden)
        graphs = nodes.new_zeros((n_graphs, hidden)).scatter_add_(0, node_graph, nodes)  # (G, h): Σ_v h_v
        return DMPNNOutput(self.head(graphs).squeeze(-1), tuple(weights))


def forward_flops(model: DMPNN, n_nodes: int, n_edges: int, n_graphs: int) -> int:
    """Floating-point operations of the matrix multiplications of one forward pass.

    Counts ``2 · rows · fan_in · fan_out`` for every linear layer applied to ``rows`` edges, nodes
    or graphs: ``W_i`` on E edges, ``W_m`` (and ``W_attn``, ``v_attn``) on E edges at each of the
    ``T − 1`` steps, ``W_a`` on n nodes, the head on G graphs. Element-wise work (ReLU, dropout,
    scatter and gather) is not counted. A backward pass costs about twice as much.
    """
    h = model.hidden
    node_dim = model._columns.stop - model._columns.start
    per_step = 2 * n_edges * h * h + (2 * n_edges * h * h + 2 * n_edges * h if model.attention else 0)
    return (
        2 * n_edges * (node_dim + 1) * h
        + (model.depth - 1) * per_step
        + 2 * n_nodes * (node_dim + h) * h
        + (model.ffn_layers - 1) * 2 * n_graphs * h * h
        + 2 * n_graphs * h
    )
