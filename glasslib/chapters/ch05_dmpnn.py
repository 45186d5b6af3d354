"""Chapter 05 (``notebooks/05_dmpnn.ipynb``): the D-MPNNs' searches, scores beside the CNN's, generalisation and cost.

What the chapter computes and the numbers its prose quotes, by glue name. It calls
:mod:`glasslib.chapters.classifiers` (nested cross-validation, cross-data-set matrices),
:mod:`glasslib.models` (``selection``; ``dmpnn.fit`` and ``torch_runtime``, imported only by the
functions that need PyTorch), :mod:`glasslib.bench.dmpnn` (training cost), :mod:`glasslib.stats`,
and :func:`glasslib.chapters.ch04_cnn.roc_curves` (the same ROC curves as chapter 04). Model labels
(``MODEL_LABELS`` of the book's figures) come from the notebook: this layer does not import the book.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from glasslib import stats
from glasslib.chapters import classifiers
from glasslib.chapters.ch04_cnn import off_diagonal_mean
from glasslib.chapters.ch04_cnn import roc_curves as roc_curves
from glasslib.data import datasets
from glasslib.models import selection
from glasslib.models.fold_results import NestedCVResult
from glasslib.profiles import Profile, cost_settings

#: A bond, σ (about the first peak of g(r)), for the prose's "a bond of about 1.1 σ is 1.1 / L box lengths".
BOND_LENGTH = 1.1
#: Window sides tried in the size-generalisation test.
SIZE_POINTS = 5


def nested_cv(profile: Profile, run_dir: Path, scheduler: Any = None) -> tuple[NestedCVResult, NestedCVResult]:
    """The nested cross-validation of the paper-feature D-MPNN, then of the invariant one (:func:`classifiers.run_nested_cv`)."""
    result = classifiers.run_nested_cv(profile, run_dir, selection.dmpnn_spec(profile), scheduler)
    invariant = classifiers.run_nested_cv(profile, run_dir, selection.spec_by_name(profile, "dmpnn_invariant"), scheduler)
    return result, invariant


def reference_result(profile: Profile, result: NestedCVResult, invariant: NestedCVResult) -> NestedCVResult:
    """The D-MPNN compared with the CNN (``reference_dmpnn``): the invariant or the paper-feature one."""
    return invariant if profile.reference_dmpnn == "dmpnn_invariant" else result


def score_numbers(reference: NestedCVResult, cnn_result: NestedCVResult, labels: Mapping[str, str]) -> dict[str, Any]:
    """On how many of the data sets both trained on the reference D-MPNN's mean outer-test AUC is at least the
    reference CNN's, the D-MPNN's AUC range, and both models' labels (``labels``: model name → label)."""
    summary, cnn_summary = reference.summary(), cnn_result.summary()
    common = [i for i in summary.index if i in cnn_summary.index]
    at_least = summary.loc[common, "AUC mean"] >= cnn_summary.loc[common, "AUC mean"]
    return {
        "dmpnn_at_least_cnn": int(at_least.sum()),
        "n_sets": len(common),
        "dmpnn_auc_min": float(summary["AUC mean"].min()),
        "dmpnn_auc_max": float(summary["AUC mean"].max()),
        "reference_dmpnn": labels[reference.model],
        "reference_cnn": labels[cnn_result.model],
    }


def by_label(labels: Mapping[str, str], results: Sequence[NestedCVResult]) -> dict[str, NestedCVResult]:
    """``results`` keyed by their models' labels, in the given order (the AUC table's columns)."""
    return {labels[r.model]: r for r in results}


def scores_by_model(results: Sequence[NestedCVResult]) -> dict[str, pd.DataFrame]:
    """Each result's per-data-set scores (:meth:`NestedCVResult.scores`), keyed by model name, in the given order."""
    return {r.model: r.scores() for r in results}


def cross_matrices(profile: Profile, run_dir: Path) -> dict[str, np.ndarray]:
    """(i, j) mean outer-test AUC trained on i, tested on j, of the reference CNN (stored by chapter 04) and D-MPNN."""
    cnn_spec = selection.spec_by_name(profile, profile.reference_cnn)
    dmpnn_spec = selection.spec_by_name(profile, profile.reference_dmpnn)
    return {"CNN": classifiers.cross_dataset(profile, run_dir, cnn_spec), "D-MPNN": classifiers.cross_dataset(profile, run_dir, dmpnn_spec)}


def cross_numbers(cross: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Each matrix's mean off the diagonal, glued as ``cross_cnn`` and ``cross_dmpnn``."""
    return {f"cross_{name.replace('-', '').lower()}": off_diagonal_mean(matrix) for name, matrix in cross.items()}


class SizeGeneralisation(NamedTuple):
    """A fold-0 model scored at window sides other than the one it trained at.

    Attributes
    ----------
    dataset : int — the data set.
    sizes : (SIZE_POINTS,) window sides tried, box lengths.
    auc : (SIZE_POINTS,) outer-test ROC AUC at each side.
    trained_l_win : float — the side it trained at, box lengths.
    """

    dataset: int
    sizes: np.ndarray
    auc: np.ndarray
    trained_l_win: float


def window_sizes(profile: Profile) -> np.ndarray:
    """(SIZE_POINTS,) window sides (box lengths, 2 decimals) from 0.1 below the search range to 0.2 above it, within [0.1, 0.9]."""
    low, high = max(0.1, profile.dmpnn_l_win_min - 0.1), min(0.9, profile.dmpnn_l_win_max + 0.2)
    return np.round(np.linspace(low, high, SIZE_POINTS), 2)


def size_generalisation(
    profile: Profile, run_dir: Path, data: Mapping[int, datasets.Dataset], reference: NestedCVResult
) -> SizeGeneralisation:
    """The reference D-MPNN's fold-0 model of its first data set, on its outer test set at every :func:`window_sizes` side."""
    from glasslib.models.dmpnn import fit

    spec = selection.spec_by_name(profile, reference.model)
    first = selection.trained_ids(profile, spec.name)[0]
    trained = reference.folds[(first, 0)]
    weights = selection.weights_path(profile, run_dir, spec, first, 0)
    sizes = window_sizes(profile)
    labels = data[first].labels[trained.test_indices]
    auc = []
    for side in sizes:
        params = {**trained.params, "l_win": float(side)}
        auc.append(stats.roc_auc(labels, fit.predict_dmpnn(data[first], trained.test_indices, weights, params, trained.outer_seed)))
    return SizeGeneralisation(first, sizes, np.array(auc), trained.params["l_win"])


def size_numbers(study: SizeGeneralisation) -> dict[str, Any]:
    """The data set of the size-generalisation test."""
    return {"size_dataset": study.dataset}


def feature_comparison(profile: Profile, result: NestedCVResult, invariant: NestedCVResult) -> pd.DataFrame:
    """AUC (mean ± std text) of both node-feature options on the data sets both trained on."""
    both = [i for i in selection.trained_ids(profile, "dmpnn") if i in selection.trained_ids(profile, "dmpnn_invariant")]
    paper, types_only = result.summary().loc[both, "AUC"], invariant.summary().loc[both, "AUC"]
    return pd.DataFrame({"paper features (x, y, type)": paper, "invariant features (type)": types_only})


def training_cost(profile: Profile) -> tuple[pd.DataFrame, str]:
    """The reference models' training throughput on this machine (:func:`glasslib.bench.dmpnn.bench_dmpnn`, with
    ``ms_per_sample`` added, ms) and the device type it ran on (``"cpu"``, ``"cuda"``)."""
    from glasslib.bench.dmpnn import bench_dmpnn
    from glasslib.models.torch_runtime import default_device

    cost = pd.DataFrame(bench_dmpnn(**cost_settings(profile), quiet=True))
    cost["ms_per_sample"] = 1000.0 / cost["samples_per_second"]
    return cost, default_device().type


def attention_nested_cv(profile: Profile, run_dir: Path, scheduler: Any = None) -> NestedCVResult:
    """The nested cross-validation of the attention D-MPNN on data set 1 (chapter 06 reads its fold models)."""
    return classifiers.run_nested_cv(profile, run_dir, selection.spec_by_name(profile, "dmpnn_attention"), scheduler)


def attention_numbers(profile: Profile, attention: NestedCVResult) -> dict[str, Any]:
    """The attention D-MPNN's mean outer-test AUC on data set 1, and a bond (:data:`BOND_LENGTH`) in box lengths."""
    return {"attention_auc": float(attention.summary().loc[1, "AUC mean"]), "bond_box_lengths": BOND_LENGTH / profile.protocol.box_length}
