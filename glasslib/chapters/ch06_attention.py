"""Chapter 06 (notebooks/06_attention.ipynb): the attention D-MPNN's high-attention connections, glass vs liquid.

What the chapter's cells compute beyond calling the library: its glued numbers, the glass-vs-liquid
comparison of the attention counts, the larger windows of the size check and the graphs the
explorer shows. It calls :mod:`glasslib.interpretation` (``attention``, ``attention_cutoff``,
``attention_counts``), :mod:`glasslib.data.datasets` (the class labels) and :mod:`glasslib.stats`
(the AUC).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.data.datasets import GLASS, LIQUID
from glasslib.interpretation import attention, attention_counts, attention_cutoff
from glasslib.interpretation.attention import AttentionGraph
from glasslib.interpretation.attention_cutoff import CutoffChoice
from glasslib.profiles import Profile
from glasslib.stats import roc_auc

#: The size check reads windows this many times the trained side (never above :data:`LARGEST_WINDOW`).
WINDOW_FACTOR = 1.5
#: The largest window side the size check reads, box lengths.
LARGEST_WINDOW = 0.95


def pooled_weights(graphs: Sequence[AttentionGraph]) -> np.ndarray:
    """(P,) attention weights of every connection of every graph, pooled over folds (dimensionless, in (0, 1])."""
    return np.concatenate([g.weights for g in graphs])


def cutoff_numbers(graphs: Sequence[AttentionGraph], cutoffs: Mapping[int, CutoffChoice]) -> dict[str, Any]:
    """The graphs read and the per-fold cutoffs with the rules that placed them, by glue name.

    Parameters
    ----------
    graphs : the outer-test attention graphs (:func:`glasslib.interpretation.attention.fold_attention_graphs`).
    cutoffs : fold → :class:`~glasslib.interpretation.attention_cutoff.CutoffChoice` (weights, dimensionless).

    Returns
    -------
    dict
        ``n_graphs`` (int), ``cutoff_list`` (the cutoffs to 3 figures, fold order, comma-separated) and
        ``cutoff_rules`` (the distinct rules, sorted, semicolon-separated).
    """
    rules = {choice.rule for choice in cutoffs.values()}
    return {
        "n_graphs": len(graphs),
        "cutoff_list": ", ".join(f"{c.cutoff:.3g}" for c in cutoffs.values()),
        "cutoff_rules": "; ".join(sorted(rules)),
    }


def first_of_each_class(graphs: Sequence[AttentionGraph]) -> tuple[AttentionGraph, AttentionGraph]:
    """The first glass and the first liquid graph of ``graphs`` (the chapter's two drawn examples)."""
    glass = next(g for g in graphs if g.label == GLASS)
    liquid = next(g for g in graphs if g.label == LIQUID)
    return glass, liquid


def class_comparison(graphs: Sequence[AttentionGraph], cutoffs: Mapping[int, CutoffChoice]) -> pd.DataFrame:
    """Glasses vs liquids for each attention count (:func:`~glasslib.interpretation.attention_counts.compare_classes`).

    Parameters
    ----------
    graphs : attention graphs of both classes, each tagged with its fold.
    cutoffs : fold → cutoff of the fold's model, applied to that fold's graphs.

    Returns
    -------
    DataFrame
        One row per count: class means, standard errors, sizes and the one-sided Mann–Whitney test.
    """
    counts = attention_counts.count_table(graphs, cutoffs)
    labels = np.array([g.label for g in graphs])
    return attention_counts.compare_classes(counts[labels == GLASS], counts[labels == LIQUID])


#: The AUC an attention model's interval must lie above before the chapter reads it as having learned (chance).
LEARNED_AUC = 0.5


def larger_window(graphs: Sequence[AttentionGraph]) -> float:
    """Window side of the size check: :data:`WINDOW_FACTOR` × the largest trained side, at most :data:`LARGEST_WINDOW` (box lengths)."""
    return min(LARGEST_WINDOW, max(g.l_win for g in graphs) * WINDOW_FACTOR)


def larger_window_graphs(
    profile: Profile, run_dir: Path, graphs: Sequence[AttentionGraph], dataset: int = 1, inputs: str = "thermal"
) -> tuple[float, list[AttentionGraph]]:
    """The size check's window side (box lengths) and the outer-test graphs each fold's model reads at it."""
    side = larger_window(graphs)
    return side, attention.fold_attention_graphs(profile, run_dir, dataset=dataset, l_win=side, inputs=inputs)


def model_numbers(profile: Profile, run_dir: Path, dataset: int = 1) -> dict[str, Any]:
    """Outer-test AUC (fold mean) and its 95 % interval of both attention models on ``dataset``: ``auc_<kind>``,
    ``auc_<kind>_low``, ``auc_<kind>_high`` for kind thermal and inherent, and ``learned_<kind>``, whether the
    interval lies above chance (:data:`LEARNED_AUC`)."""
    from glasslib.models import selection
    from glasslib.models.fold_results import fold_auc_interval

    out: dict[str, Any] = {}
    for kind, name in (("thermal", "dmpnn_attention"), ("inherent", "dmpnn_attention_inherent")):
        folds = list(selection.load_results(profile, run_dir, selection.spec_by_name(profile, name), only=[dataset]).folds.values())
        low, high = fold_auc_interval(folds, seed=profile.seed)
        out |= {f"auc_{kind}": float(np.mean([r.auc for r in folds])), f"auc_{kind}_low": low, f"auc_{kind}_high": high}
        out[f"learned_{kind}"] = (
            "learned the task (interval above chance)" if low > LEARNED_AUC else "did not learn the task beyond chance at this scale"
        )
    return out


def larger_window_comparison(graphs: Sequence[AttentionGraph]) -> pd.DataFrame:
    """:func:`class_comparison` of the larger windows, each fold at the cutoff its own larger windows place."""
    return class_comparison(graphs, attention_cutoff.fold_cutoffs(graphs))


def larger_window_numbers(side: float, graphs: Sequence[AttentionGraph]) -> dict[str, float]:
    """``big_l_win``, the larger window's side (box lengths), and ``big_auc``, the ROC AUC of its glass probabilities."""
    labels = np.array([g.label for g in graphs])
    return {"big_l_win": float(side), "big_auc": roc_auc(labels, np.array([g.probability for g in graphs]))}


def explorer_graphs(graphs: Sequence[AttentionGraph], per_class: int = 3) -> list[AttentionGraph]:
    """The first ``per_class`` glasses, then the first ``per_class`` liquids: the graphs the static explorer shows."""
    glasses = [g for g in graphs if g.label == GLASS][:per_class]
    liquids = [g for g in graphs if g.label == LIQUID][:per_class]
    return glasses + liquids


def earned_numbers(profile: Profile, run_dir: Path, dataset: int = 1) -> dict[str, Any]:
    """Whether the inherent attention model beats chapter 05b's baselines on inherent inputs of ``dataset`` (SPEC
    section 12: a network earns an interpretation where it does): ``beats_<baseline>`` difference text with its
    paired 95 % interval, and ``earned``, a sentence."""
    from glasslib.chapters import ch05b_reading as ch05b
    from glasslib.models import selection

    base = ch05b.load_baselines(profile, run_dir)["inherent"][str(dataset)]
    result = selection.load_results(profile, run_dir, selection.spec_by_name(profile, "dmpnn_attention_inherent"), only=[dataset])
    out: dict[str, Any] = {}
    beaten = []
    for name in ch05b.BASELINE_LABELS:
        found = ch05b.paired(result, base[name], dataset, profile.seed)
        low, high = found["ci95"]
        out[f"beats_{name}"] = f"{found['difference']:+.3f} [{low:+.3f}, {high:+.3f}]"
        if low > 0:
            beaten.append(ch05b.BASELINE_LABELS[name])
    missing = [ch05b.BASELINE_LABELS[n] for n in ch05b.BASELINE_LABELS if ch05b.BASELINE_LABELS[n] not in beaten]
    out["earned"] = (
        "It beats all three baselines, so what it attends to is more than they hold."
        if not missing
        else f"It does not beat the {' or the '.join(missing)} beyond doubt, so what it attends to is read here as a "
        "description of what separates the classes, not as evidence that the network found more than those baselines hold."
    )
    return out
