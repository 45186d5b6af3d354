"""Figures of the classifier chapters (04 CNN, 05 D-MPNN): scores per data set, ROC and training
curves, cross-data-set matrices, size generalisation and training cost.

Colours are Okabe–Ito (colour-blind safe): CNN vermillion, D-MPNN blue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

MODEL_COLOURS = {"cnn": "#D55E00", "cnn_pooled": "#E69F00", "dmpnn": "#0072B2", "dmpnn_invariant": "#009E73", "dmpnn_attention": "#CC79A7"}
MODEL_COLOURS |= {f"{name}_inherent": colour for name, colour in MODEL_COLOURS.items()}


def _colour(name: str) -> str:
    return MODEL_COLOURS.get(name, "0.4")


#: How the figures name each stored model.
MODEL_LABELS = {
    "cnn": "CNN (paper's network)",
    "cnn_pooled": "CNN (reduced scale, pooled head)",
    "dmpnn": "D-MPNN (paper features)",
    "dmpnn_invariant": "D-MPNN (invariant features)",
    "dmpnn_attention": "D-MPNN with attention",
    "cnn_pooled_inherent": "CNN (reduced scale, pooled head) on inherent structures",
    "cnn_inherent": "CNN (paper's network) on inherent structures",
    "dmpnn_invariant_inherent": "D-MPNN (invariant features) on inherent structures",
    "dmpnn_inherent": "D-MPNN (paper features) on inherent structures",
    "dmpnn_attention_inherent": "D-MPNN with attention on inherent structures",
}


def figure_scores(scores: Mapping[str, pd.DataFrame], paper_floor: float | None = None, label: str = "") -> Figure:
    """AUC and accuracy per data set, mean ± std over folds, one bar per model (paper's Fig. 5 style).

    Parameters
    ----------
    scores : model name -> table indexed by data set with columns ``auc_mean, auc_std, accuracy_mean, accuracy_std``.
    paper_floor : draw the paper's "AUC above this on every data set" as a dashed line.
    label : the profile, written into the title so reduced-scale results are never mistaken for the paper's.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
    names = list(scores)
    width = 0.8 / max(len(names), 1)
    for ax, metric in zip(axes, ("auc", "accuracy")):
        for i, name in enumerate(names):
            table = scores[name]
            x = np.asarray(table.index, dtype=float) + (i - (len(names) - 1) / 2) * width
            ax.bar(
                x,
                table[f"{metric}_mean"],
                width,
                yerr=table[f"{metric}_std"],
                capsize=3,
                color=_colour(name),
                label=MODEL_LABELS.get(name, name),
            )
        if metric == "auc" and paper_floor is not None:
            ax.axhline(paper_floor, ls="--", color="k", lw=1, label=f"paper: > {paper_floor} on all sets")
        ax.axhline(0.5, ls=":", color="0.5", lw=1)
        ax.set_xlabel("data set")
        ax.set_ylabel("ROC AUC" if metric == "auc" else "accuracy at threshold 0.5")
        ax.set_ylim(0.0, 1.05)
        ax.set_xticks(range(1, 7))
        ax.set_title(f"{'ROC AUC' if metric == 'auc' else 'accuracy'} ({label}, mean ± std over 3 folds)")
    axes[0].legend(fontsize=8, loc="lower left")
    return fig


def figure_roc(curves: Mapping[int, Sequence[tuple[np.ndarray, np.ndarray]]], title: str) -> Figure:
    """ROC curves of every outer fold, one panel per data set; ``curves``: data set -> [(fpr, tpr), …]."""
    fig, axes = plt.subplots(1, len(curves), figsize=(2.6 * len(curves), 2.9), constrained_layout=True, squeeze=False)
    for ax, (number, folds) in zip(axes[0], curves.items()):
        for fold, (fpr, tpr) in enumerate(folds):
            ax.plot(fpr, tpr, lw=1.2, label=f"fold {fold}")
        ax.plot([0, 1], [0, 1], ls=":", color="0.5", lw=0.8)
        ax.set_aspect("equal")
        ax.set_title(f"data set {number}", fontsize=9)
        ax.set_xlabel("false-positive rate")
    axes[0, 0].set_ylabel("true-positive rate")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    return fig


def figure_training_curves(curves: pd.DataFrame, title: str, l2: bool = False) -> Figure:
    """Training loss and validation AUC per epoch of the outer models; ``l2``: the loss holds an L2 term (the paper's CNN).

    Parameters
    ----------
    curves : long table with columns ``dataset, fold, epoch, train_loss, validation_auc``.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), constrained_layout=True)
    cmap = plt.get_cmap("viridis")
    for (number, fold), group in curves.groupby(["dataset", "fold"]):
        colour = cmap((number - 1) / 5)
        kwargs = dict(color=colour, lw=1, alpha=0.8, label=f"data set {number}" if fold == 0 else None)
        axes[0].plot(group["epoch"] + 1, group["train_loss"], **kwargs)
        axes[1].plot(group["epoch"] + 1, group["validation_auc"], **kwargs)
    axes[0].set_ylabel("training loss (cross-entropy + L2)" if l2 else "training loss (cross-entropy)")
    axes[1].set_ylabel("validation ROC AUC")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[1].legend(fontsize=7, ncol=2)
    fig.suptitle(title, fontsize=10)
    return fig


def figure_cross_matrix(matrices: Mapping[str, np.ndarray], ids: Sequence[int]) -> Figure:
    """Cross-data-set AUC matrices (rows: trained on, columns: tested on), paper's Fig. 6 style."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(4.6 * len(matrices), 4.0), constrained_layout=True, squeeze=False)
    for ax, (name, matrix) in zip(axes[0], matrices.items()):
        image = ax.imshow(matrix, vmin=0.5, vmax=1.0, cmap="viridis")
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8, color="k" if value > 0.8 else "w")
        ax.set_xticks(range(len(ids)), ids)
        ax.set_yticks(range(len(ids)), ids)
        ax.set_xlabel("tested on data set")
        ax.set_ylabel("trained on data set")
        ax.set_title(name)
        fig.colorbar(image, ax=ax, label="mean ROC AUC", shrink=0.8)
    return fig


def figure_size_generalisation(l_wins: np.ndarray, auc: np.ndarray, trained_at: float, title: str) -> Figure:
    """AUC of one trained D-MPNN tested at several window sizes (paper's Fig. 7 style).

    Parameters
    ----------
    l_wins : (m,) window sides tested, box lengths.
    auc : (m,) or (folds, m) AUCs.
    trained_at : the window side the model was trained at.
    """
    auc = np.atleast_2d(auc)
    fig, ax = plt.subplots(figsize=(5.2, 3.6), constrained_layout=True)
    ax.errorbar(l_wins, auc.mean(axis=0), yerr=auc.std(axis=0) if len(auc) > 1 else None, fmt="o-", color=_colour("dmpnn"), capsize=3)
    ax.axvline(trained_at, ls="--", color="k", lw=1, label=f"trained at l_win = {trained_at:g}")
    ax.set_xlabel("test window side l_win [box lengths]")
    ax.set_ylabel("ROC AUC")
    ax.set_ylim(0.4, 1.02)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return fig


def figure_cost(table: pd.DataFrame, title: str) -> Figure:
    """Training time per sample vs window side for reference models (paper's SI Fig. 8 style).

    Parameters
    ----------
    table : columns ``model, l_win, ms_per_sample``.
    """
    fig, ax = plt.subplots(figsize=(5.2, 3.6), constrained_layout=True)
    for name, group in table.groupby("model"):
        ax.plot(group["l_win"], group["ms_per_sample"], "o-", label=f"model {name}")
    ax.set_yscale("log")
    ax.set_xlabel("window side l_win [box lengths]")
    ax.set_ylabel("training time per sample [ms]")
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    return fig
