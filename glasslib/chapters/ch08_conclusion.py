"""Chapter 08 (notebooks/08_conclusion.ipynb): the run's conclusion, read from ``glasslib results``.

The chapter reads the results dict of :func:`glasslib.report.results.collect_results`; this module
sits below :mod:`glasslib.report` (the layers of DESIGN.md), so its functions take that dict as an
argument and the notebook passes it in. It calls no subpackage: it only reshapes the dict into
the chapter's glued numbers and tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from glasslib.interpretation.attention_counts import COUNT_LABELS


def reference_numbers(results: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, str]:
    """``reference_<kind>``: the printed name of the reference model of each kind (``cnn``, ``dmpnn``), by glue name.

    Parameters
    ----------
    results : the results dict; its ``"reference"`` maps a kind to a stored model name.
    labels : stored model name → printed name (the figures' ``MODEL_LABELS``).
    """
    return {f"reference_{kind}": labels[name] for kind, name in results["reference"].items()}


def attention_counts_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """Chapter 06's glass-vs-liquid attention counts from ``results["attention"]["counts"]``, as chapter 06 shows them.

    Returns the frame of :func:`glasslib.interpretation.attention_counts.compare_classes` (one row per
    count, its printed ``label``), for :func:`glasslib.book.tables.count_comparison_table`.
    """
    rows = {
        name: {
            "label": COUNT_LABELS.get(name, name),
            **{f"{stat}_{cls}": c.get(f"{cls}_{stat}", float("nan")) for stat in ("mean", "sem") for cls in ("glass", "liquid")},
            **{f"n_{cls}": c.get(f"n_{cls}", 0) for cls in ("glass", "liquid")},
            "p_value": c.get("p_value", float("nan")),
        }
        for name, c in results["attention"]["counts"].items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("count")


def missing_note(results: Mapping[str, Any]) -> str | None:
    """What the run has not produced yet (``results["missing"]``), each with what to run; None when complete."""
    missing = results.get("missing", {})
    if not missing:
        return None
    return "Not in this run yet, so left out: " + "; ".join(f"{name} ({why})" for name, why in sorted(missing.items())) + "."
