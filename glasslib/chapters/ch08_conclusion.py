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


def reference_numbers(results: Mapping[str, Any], labels: Mapping[str, str]) -> dict[str, str]:
    """``reference_<kind>``: the printed name of the reference model of each kind (``cnn``, ``dmpnn``), by glue name.

    Parameters
    ----------
    results : the results dict; its ``"reference"`` maps a kind to a stored model name.
    labels : stored model name → printed name (the figures' ``MODEL_LABELS``).
    """
    return {f"reference_{kind}": labels[name] for kind, name in results["reference"].items()}


def attention_counts_table(results: Mapping[str, Any]) -> pd.DataFrame:
    """Chapter 06's glass-vs-liquid attention counts from ``results["attention"]["counts"]``: one row per count."""
    return pd.DataFrame.from_dict(results["attention"]["counts"], orient="index").rename_axis("count")
