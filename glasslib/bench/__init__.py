"""``glasslib bench X``: one module per benchmark, each printing its figures.

:data:`BENCHES` is the registry the command line reads: name → (module, what it measures). Each
module's ``main(profile, steps=None)`` runs its benchmark at its defaults and prints the figures
(quoted in issue notes and the README); ``make bench`` runs them all.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: name → (module under :mod:`glasslib.bench`, one line on what it measures).
BENCHES: dict[str, tuple[str, str]] = {
    "sim": ("sim", "LAMMPS throughput of one ramp via glasslib vs LAMMPS directly"),
    "campaign": ("campaign", "a short campaign with Dask worker processes vs threads"),
    "render": ("render", "the fast image renderer vs matplotlib"),
    "graphs": ("graphs", "window + kNN graph batches built per second"),
    "cnn": ("cnn", "CNN training and inference per sample beside the TensorFlow matmul rate"),
    "dmpnn": ("dmpnn", "D-MPNN models I-III, training per sample vs window size"),
    "metrics": ("metrics", "vectorised structural metrics vs networkx"),
    "equivariant": ("equivariant", "chapter 09's propensity networks, training per configuration beside the matmul rate"),
    "gpu": ("gpu", "on a CUDA GPU: D-MPNN models I-III (bench and a short paper-size training), propensity networks, CNN"),
}


def bench_module(name: str) -> ModuleType:
    """The module of benchmark ``name`` (imported on demand: TensorFlow and torch load only when needed)."""
    if name not in BENCHES:
        raise KeyError(f"unknown benchmark {name!r}; choose one of: {', '.join(BENCHES)}")
    return importlib.import_module(f"glasslib.bench.{BENCHES[name][0]}")
