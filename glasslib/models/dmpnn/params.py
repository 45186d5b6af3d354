"""The D-MPNN's hyperparameters, checked: :class:`DMPNNParams` (SPEC section 6)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from glasslib.models.dmpnn.network import FEATURE_COLUMNS


class ParameterError(ValueError):
    """A D-MPNN hyperparameter that is unknown, of the wrong type or out of range."""


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
    windows_per_epoch : int — passes over the training configurations per epoch, each through fresh
        random windows (1 in the paper, where an epoch of 16,000 configurations is ~3,200 steps; a
        reduced profile uses more so that an epoch is enough optimiser steps to learn from).
    attention_rescale : bool — not in the paper: scale attended states by ``E_g σ`` instead of
        ``σ`` (see :class:`~glasslib.models.dmpnn.network.DMPNN`).
    standardise_edges : bool — not in the paper: standardise edge lengths by their mean and
        standard deviation over the training windows (see :class:`~glasslib.models.dmpnn.network.DMPNN`).
    radius : float — not in the paper: cut-off, σ, of the radius-graph option (every pair closer
        than it connected as well as the k nearest, :mod:`glasslib.data.graphs`); 0, the default,
        is the paper's kNN graph.
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
    windows_per_epoch: int = 1
    attention_rescale: bool = False
    standardise_edges: bool = False
    radius: float = 0.0

    @classmethod
    def from_mapping(cls, params: Mapping[str, Any] | DMPNNParams | None) -> DMPNNParams:
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
        for name in ("k", "hidden", "depth", "ffn_layers", "batch_size", "eval_windows", "windows_per_epoch"):
            if getattr(self, name) < 1:
                raise ParameterError(f"{name}={getattr(self, name)!r} must be ≥ 1")
        if not 0.0 < self.l_win < 1.0:
            raise ParameterError(f"l_win={self.l_win!r} must lie in (0, 1) box lengths")
        if not 0.0 <= self.radius <= 5.0:
            raise ParameterError(f"radius={self.radius!r} must lie in [0, 5] σ (0: the kNN graph alone)")
        if not 0.0 <= self.dropout < 1.0:
            raise ParameterError(f"dropout={self.dropout!r} must lie in [0, 1)")
        if self.features not in FEATURE_COLUMNS:
            raise ParameterError(f"features={self.features!r} must be one of {sorted(FEATURE_COLUMNS)}")

    def as_dict(self) -> dict[str, Any]:
        """Plain ``{name: value}`` (JSON- and ``weights_only``-safe)."""
        return dataclasses.asdict(self)

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`DMPNN`."""
        return {
            "hidden": self.hidden,
            "depth": self.depth,
            "ffn_layers": self.ffn_layers,
            "dropout": self.dropout,
            "attention": self.attention,
            "features": self.features,
            "attention_rescale": self.attention_rescale,
            "standardise_edges": self.standardise_edges,
        }


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
        if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, (bool, np.bool_)) and math.isfinite(float(raw)):
            return float(raw)
    elif kind is str and isinstance(raw, str):
        return raw
    raise ParameterError(f"D-MPNN parameter {name}={raw!r}: expected a value of type {kind.__name__}")
