"""The hyperparameters a nested cross-validation searches, and the model it trains (SPEC sections 5-7).

A :class:`SearchParam` is one grid (low, high, step); :data:`DMPNN_SPACE` and :data:`CNN_SPACE` are
the paper's; :func:`narrow_space` shrinks them for a reduced profile. A :class:`ModelSpec` binds a
model's name, its module-level ``train`` and ``predict`` functions, its search space and its fixed
hyperparameters: what :mod:`glasslib.models.nested_cv` needs to know about a network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from glasslib.models.contract import PredictFunction, TrainFunction

_NOTHING = "_nothing_to_search"


class HPOError(ValueError):
    """A nested cross-validation that cannot run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class SearchParam:
    """One hyperparameter searched on the grid ``low, low + step, …, high`` (``hp.quniform``).

    Attributes
    ----------
    name : str — the key the model reads from ``TrainRequest.params``.
    low, high : float — inclusive bounds; ``low == high`` makes the parameter fixed.
    step : float — grid spacing, > 0; ``high − low`` must be a whole number of steps.

    Values are ``int`` when ``low``, ``high`` and ``step`` are all ``int``, else ``float`` rounded
    to the grid. The prior is hyperopt's ``quniform``: uniform on [low, high], rounded to the grid
    (the two end points have half the weight of the others), exactly as chemprop's search space.
    """

    name: str
    low: float
    high: float
    step: float

    def __post_init__(self) -> None:
        values = (self.low, self.high, self.step)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
            raise HPOError(f"search parameter {self.name!r}: low, high and step must be finite numbers, got {values}")
        if self.step <= 0:
            raise HPOError(f"search parameter {self.name!r}: step must be positive, got {self.step}")
        if self.low > self.high:
            raise HPOError(f"search parameter {self.name!r}: low {self.low} is above high {self.high}")
        steps = (self.high - self.low) / self.step
        if abs(steps - round(steps)) > 1e-6:
            raise HPOError(
                f"search parameter {self.name!r}: high − low = {self.high - self.low:g} is not a whole number of steps of {self.step:g}"
            )

    @property
    def is_integer(self) -> bool:
        """Whether values are ``int`` (low, high and step all ``int``)."""
        return all(isinstance(v, int) for v in (self.low, self.high, self.step))

    @property
    def n_steps(self) -> int:
        """Number of steps between ``low`` and ``high`` (grid points − 1)."""
        return int(round((self.high - self.low) / self.step))

    def value(self, index: int) -> int | float:
        """Grid value number ``index`` (0 … n_steps), clipped to the grid."""
        index = min(max(int(index), 0), self.n_steps)
        if self.is_integer:
            return int(self.low + index * self.step)
        return round(float(self.low + index * self.step), 10)

    def values(self) -> tuple[int | float, ...]:
        """All grid values, low to high."""
        return tuple(self.value(i) for i in range(self.n_steps + 1))

    def hyperopt(self) -> Any:
        """The hyperopt expression: the grid *index*, ``hp.quniform(name, 0, n_steps, 1)``.

        ``low + step · round(U(0, n))`` has the same law as ``round(U(low, high)/step) · step``
        whenever ``low`` is a multiple of ``step``, and stays on the grid when it is not.
        """
        from hyperopt import hp

        return hp.quniform(self.name, 0, self.n_steps, 1)


def narrow_space(space: Sequence[SearchParam], **ranges: tuple[float, float]) -> tuple[SearchParam, ...]:
    """A copy of ``space`` with some ranges replaced, e.g. ``narrow_space(DMPNN_SPACE, hidden=(300, 600))``.

    A profile uses it to shrink the search; ``(v, v)`` fixes a parameter at ``v``.
    """
    names = {p.name for p in space}
    unknown = sorted(set(ranges) - names)
    if unknown:
        raise HPOError(f"narrow_space: no search parameter(s) {unknown}; the space has {sorted(names)}")
    return tuple(replace(p, low=ranges[p.name][0], high=ranges[p.name][1]) if p.name in ranges else p for p in space)


#: SPEC section 6: the D-MPNN's search space (batch size fixed at 5 graphs, :data:`DMPNN_FIXED`).
DMPNN_SPACE = (
    SearchParam("k", 1, 5, 1),
    SearchParam("l_win", 0.1, 0.3, 0.05),
    SearchParam("hidden", 300, 2400, 100),
    SearchParam("depth", 2, 6, 1),
    SearchParam("dropout", 0.0, 0.5, 0.05),
    SearchParam("ffn_layers", 1, 3, 1),
)


DMPNN_FIXED = {"batch_size": 5}


#: SPEC section 5: the CNN's search space.
CNN_SPACE = (SearchParam("dropout", 0.0, 0.5, 0.05), SearchParam("batch_size", 10, 100, 10))


def _check_module_level(function: Any, role: str, model: str) -> None:
    """Refuse lambdas and nested functions, which Dask cannot send to a worker process."""
    if not callable(function):
        raise HPOError(f"model {model!r}: {role} must be callable, got {type(function).__name__}")
    qualname = getattr(function, "__qualname__", "")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise HPOError(f"model {model!r}: {role} {qualname!r} must be a module-level function (Dask pickles it by name)")


@dataclass(frozen=True)
class ModelSpec:
    """A model as the nested cross-validation sees it.

    Attributes
    ----------
    name : str — e.g. ``"cnn"``, ``"dmpnn"``; part of task keys and of the result hash.
    train : TrainFunction — module-level ``train(dataset, request) -> TrainResult``.
    predict : PredictFunction — module-level ``predict(dataset, indices, weights_path, params, seed)``.
    space : tuple of SearchParam — the searched hyperparameters.
    fixed : dict — hyperparameters passed unchanged to every training job.
    weights_suffix : str — ending of the weights file name (format is the model's business,
        e.g. ``".weights.h5"`` for Keras, ``".pt"`` for PyTorch).
    inputs : str — what the model reads of each configuration: ``"thermal"`` (the recorded snapshot) or
        ``"inherent"`` (its inherent structure, :mod:`glasslib.data.inherent_inputs`).
    """

    name: str
    train: TrainFunction
    predict: PredictFunction
    space: tuple[SearchParam, ...] = ()
    fixed: dict[str, Any] = field(default_factory=dict)
    weights_suffix: str = ".weights"
    inputs: str = "thermal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "space", tuple(self.space))
        object.__setattr__(self, "fixed", dict(self.fixed))
        if not all(isinstance(p, SearchParam) for p in self.space):
            raise HPOError(f"model {self.name!r}: the space must hold SearchParam objects")
        names = [p.name for p in self.space]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise HPOError(f"model {self.name!r}: search parameter(s) {duplicates} appear twice")
        both = sorted(set(names) & set(self.fixed))
        if both:
            raise HPOError(f"model {self.name!r}: {both} are both searched and fixed")
        _check_module_level(self.train, "train", self.name)
        _check_module_level(self.predict, "predict", self.name)

    @property
    def searched(self) -> tuple[SearchParam, ...]:
        """Parameters with more than one grid value (the others count as fixed)."""
        return tuple(p for p in self.space if p.n_steps > 0)

    def hyperopt_space(self) -> dict[str, Any]:
        """The hyperopt search space: grid indices of the searched parameters.

        hyperopt cannot search an empty space; with nothing to search it gets one dummy choice.
        """
        from hyperopt import hp

        return {p.name: p.hyperopt() for p in self.searched} or {_NOTHING: hp.choice(_NOTHING, [0])}

    def params(self, indices: Mapping[str, float]) -> dict[str, Any]:
        """Hyperparameters of one trial: grid values of ``indices`` (name → grid index), then the fixed ones."""
        values = {p.name: p.value(round(indices[p.name])) if p.n_steps else p.value(0) for p in self.space}
        return {**values, **self.fixed}

    def describe(self) -> dict[str, Any]:
        """What identifies the model in result hashes: name, functions, space, fixed values."""

        def qualified(function: Any) -> str:
            # The function's name, not its module: moving code between modules keeps results valid.
            return str(getattr(function, "__qualname__", repr(function)))

        return {
            "name": self.name,
            "train": qualified(self.train),
            "predict": qualified(self.predict),
            "space": [asdict(p) for p in self.space],
            "fixed": self.fixed,
            "weights_suffix": self.weights_suffix,
            **({} if self.inputs == "thermal" else {"inputs": self.inputs}),
        }


def search_space_table(model: ModelSpec) -> pd.DataFrame:
    """The search space as a table for the book: low, high, step and number of values per parameter."""
    rows = [{"parameter": p.name, "low": p.low, "high": p.high, "step": p.step, "values": p.n_steps + 1} for p in model.space]
    rows += [{"parameter": k, "low": v, "high": v, "step": None, "values": 1} for k, v in model.fixed.items()]
    return pd.DataFrame(rows).set_index("parameter")
