"""Counting what the high-attention graph shows, per configuration, and glass against liquid (chapter 06).

Disjoint graphs (connected components), B–B high-attention edges, isolated A and isolated B
particles; :func:`compare_classes` tests each count one-sided (Mann–Whitney U, scipy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from glasslib.interpretation.attention import AttentionError, AttentionGraph
from glasslib.interpretation.attention_cutoff import CutoffChoice, cutoff_of
from glasslib.profiles import Profile
from glasslib.rundir import read_json_product, write_json_product

if TYPE_CHECKING:  # torch, networkx and matplotlib load when used
    pass


#: The four counts of :func:`attention_counts`, in order, with the labels the book prints.
COUNT_LABELS = {
    "disjoint_graphs": "disjoint graphs",
    "bb_edges": "B–B high-attention edges",
    "isolated_a": "isolated A",
    "isolated_b": "isolated B",
}


def high_attention_graph(graph: AttentionGraph, cutoff: float) -> Any:
    """The :class:`networkx.Graph` of the connections with weight > ``cutoff``.

    Nodes are the window's node indices that touch such a connection, with attribute ``type``
    (0 A, 1 B); edges carry ``weight``.
    """
    import networkx as nx

    high = graph.weights > cutoff
    result = nx.Graph()
    ends = np.unique(graph.pairs[high])
    result.add_nodes_from((int(v), {"type": int(graph.types[v])}) for v in ends)
    result.add_weighted_edges_from((int(v), int(w), float(x)) for (v, w), x in zip(graph.pairs[high], graph.weights[high]))
    return result


def attention_counts(graph: AttentionGraph, cutoff: float) -> dict[str, int]:
    """The four counts of one configuration at ``cutoff`` (module docstring for the definitions).

    Returns
    -------
    dict
        ``disjoint_graphs`` (components with at least one high-attention edge), ``bb_edges``,
        ``isolated_a``, ``isolated_b``, as ints. A cutoff above every weight gives 0, 0, all A, all B.
    """
    import networkx as nx

    high = high_attention_graph(graph, cutoff)
    touched = np.zeros(graph.n_particles, dtype=bool)
    touched[np.fromiter(high.nodes, dtype=np.int64, count=high.number_of_nodes())] = True
    is_b = graph.types == 1
    bb = sum(1 for v, w in high.edges if is_b[v] and is_b[w])
    return {
        "disjoint_graphs": int(nx.number_connected_components(high)),
        "bb_edges": int(bb),
        "isolated_a": int(np.count_nonzero(~is_b & ~touched)),
        "isolated_b": int(np.count_nonzero(is_b & ~touched)),
    }


def count_table(graphs: Sequence[AttentionGraph], cutoff: float | Mapping[int, Any]) -> pd.DataFrame:
    """The counts of many configurations: one row each, with ``configuration``, ``fold``, ``label``,
    ``probability``, ``n_particles`` and the four counts of :data:`COUNT_LABELS`.

    ``cutoff``: one for all graphs, or one per fold model (:func:`~glasslib.interpretation.attention_cutoff.fold_cutoffs`).
    """
    rows = [
        {
            "configuration": g.configuration,
            "fold": g.fold,
            "label": g.label,
            "probability": g.probability,
            "n_particles": g.n_particles,
            **attention_counts(g, cutoff_of(g, cutoff)),
        }
        for g in graphs
    ]
    return pd.DataFrame(rows, columns=["configuration", "fold", "label", "probability", "n_particles", *COUNT_LABELS])


def compare_classes(
    counts_glass: Sequence[Mapping[str, float]] | pd.DataFrame, counts_liquid: Sequence[Mapping[str, float]] | pd.DataFrame
) -> pd.DataFrame:
    """Glasses vs liquids for each count: means ± standard errors and one-sided Mann–Whitney U tests.

    The counts are small integers with ties, the samples are small (tens of outer-test
    configurations per class at reduced scale) and nothing makes them normal, so a rank test —
    which needs only that the two samples are independent — is used instead of a t-test.

    Parameters
    ----------
    counts_glass, counts_liquid : the counts of each configuration (dicts from
        :func:`attention_counts`, or a :func:`count_table`), at least one of each class.

    Returns
    -------
    DataFrame
        Index: the counts present in both (in :data:`COUNT_LABELS` order). Columns ``label`` (printed
        name), ``mean_glass``, ``sem_glass``, ``mean_liquid``, ``sem_liquid`` (standard error
        ``std(ddof=1)/√n``; NaN for one configuration), ``n_glass``, ``n_liquid``, ``u_statistic`` (U of
        the glasses) and ``p_value`` of ``scipy.stats.mannwhitneyu(glass, liquid, alternative="less")``:
        small when glasses have fewer.
    """
    from scipy.stats import mannwhitneyu

    glass, liquid = pd.DataFrame(counts_glass), pd.DataFrame(counts_liquid)
    if glass.empty or liquid.empty:
        raise AttentionError(f"need counts of both classes, got {len(glass)} glasses and {len(liquid)} liquids")
    names = [name for name in COUNT_LABELS if name in glass and name in liquid]
    names += [
        name
        for name in glass.columns
        if name in liquid.columns and name not in names and name not in ("configuration", "fold", "label", "probability", "n_particles")
    ]
    if not names:
        raise AttentionError(f"no count is present in both tables (expected {list(COUNT_LABELS)})")
    rows = {}
    for name in names:
        a, b = glass[name].to_numpy(dtype=float), liquid[name].to_numpy(dtype=float)
        test = mannwhitneyu(a, b, alternative="less")
        rows[name] = {
            "label": COUNT_LABELS.get(name, name),
            "mean_glass": a.mean(),
            "sem_glass": _sem(a),
            "mean_liquid": b.mean(),
            "sem_liquid": _sem(b),
            "n_glass": a.size,
            "n_liquid": b.size,
            "u_statistic": float(test.statistic),
            "p_value": float(test.pvalue),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _sem(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(values.size)) if values.size > 1 else float("nan")


def _summary(cutoffs: Mapping[int, CutoffChoice], comparison: pd.DataFrame) -> dict[str, Any]:
    records = comparison.rename_axis("count").reset_index().to_dict(orient="records")
    folds = {str(fold): {"cutoff": float(choice.cutoff), "rule": choice.rule} for fold, choice in cutoffs.items()}
    return {"cutoffs": folds, "comparison": records}


def save_attention_summary(
    run_dir: Path,
    profile: Profile,
    cutoffs: Mapping[int, CutoffChoice],
    comparison: pd.DataFrame,
    inputs: str = "thermal",
    beside: Mapping[str, tuple[Mapping[int, CutoffChoice], pd.DataFrame]] | None = None,
) -> Path:
    """Store chapter 06's per-fold cutoffs (with the rule that placed each) and the glass-vs-liquid comparison
    (:func:`compare_classes`) of the model it reads (trained on ``inputs``) as the ``attention`` product, and
    under ``by_input`` the same for every model read beside it (``beside``: input kind → cutoffs, comparison)."""
    main = _summary(cutoffs, comparison)
    by_input = {inputs: main} | {kind: _summary(*found) for kind, found in (beside or {}).items()}
    return write_json_product(run_dir, profile, "attention", {**main, "inputs": inputs, "by_input": by_input})


def load_attention_summary(run_dir: Path, profile: Profile) -> dict[str, Any]:
    """Chapter 06's stored cutoffs and comparison (``{"cutoffs": {fold: …}, "comparison": [row, …]}``), checked."""
    return read_json_product(run_dir, profile, "attention")
