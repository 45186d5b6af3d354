"""Figures of chapter 09: relaxation, propensity scores against the noise ceiling and at τ_α, training curves, propensity maps."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from glasslib.chapters.ch09_dynamics import KINDS
from glasslib.dynamics.at_times import TIME_FACTORS
from glasslib.dynamics.relaxation import RELAXED_LEVEL

#: Colours of the temperatures (Okabe–Ito, hottest first) and of the curves of a score panel.
TEMPERATURE_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#56B4E9")
SCORE_STYLES = {
    "noise_ceiling": ("noise ceiling √ρ_R", "#000000"),
    "linear_thermal": ("linear, thermal positions", "#E69F00"),
    "linear_inherent": ("linear, inherent structure", "#009E73"),
    "plain": ("plain graph network", "#56B4E9"),
    "equivariant": ("equivariant graph network", "#D55E00"),
}


def figure_relaxation(study: Mapping[str, Any]) -> Figure:
    """F_s(k = 2π, t) of the A particles per temperature, absolute and cage-relative; 1/e dotted, τ_α marked."""
    fig, axes = plt.subplots(1, len(KINDS), figsize=(11, 3.8), sharey=True, constrained_layout=True)
    for ax, kind in zip(axes, KINDS):
        for colour, (label, result) in zip(TEMPERATURE_COLOURS, study.items()):
            curve = result["relaxation"][kind]
            ax.plot(curve["times"], curve["fs"], "o-", ms=3, color=colour, label=f"T = {float(label):g}")
            if curve["tau_alpha"] is not None:
                ax.axvline(curve["tau_alpha"], color=colour, ls="--", lw=1)
        ax.axhline(RELAXED_LEVEL, color="k", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("time t [τ]")
        ax.set_title(f"{kind} displacements")
    axes[0].set_ylabel("F$_s$(k = 2π/σ, t), A particles")
    axes[0].legend()
    return fig


def figure_propensity_scores(study: Mapping[str, Any], kind: str) -> Figure:
    """Pearson ρ(t) of every model with the measured propensity, and the noise ceiling; 95 % bands over configurations."""
    fig, axes = plt.subplots(1, len(study), figsize=(5.5 * len(study), 3.8), sharey=True, constrained_layout=True, squeeze=False)
    for ax, (label, result) in zip(axes[0], study.items()):
        times = result["relaxation"][kind]["times"]
        for key, (name, colour) in SCORE_STYLES.items():
            if key not in result["scores"][kind]:
                continue
            curve = result["scores"][kind][key]
            ax.plot(times, curve["mean"], "o-", ms=3, color=colour, label=name)
            ax.fill_between(times, curve["ci_low"], curve["ci_high"], color=colour, alpha=0.2, lw=0)
        tau = result["relaxation"][kind]["tau_alpha"]
        if tau is not None:
            ax.axvline(tau, color="grey", ls="--", lw=1, label="τ$_α$ (the comparison time)")
            for factor in (f for f in TIME_FACTORS.values() if f != 1.0 and f * tau <= times[-1] * (1 + 1e-9)):
                ax.axvline(factor * tau, color="grey", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("time t [τ]")
        ax.set_title(f"T = {float(label):g}, {kind}")
    axes[0, 0].set_ylabel("Pearson ρ per configuration (A particles)")
    axes[0, 0].legend(fontsize=8)
    return fig


def figure_scores_at_tau(study: Mapping[str, Any], kind: str = "cage-relative") -> Figure:
    """Every model's ρ at τ_α of each temperature with its 95 % interval over configurations, beside the noise ceiling."""
    from glasslib.chapters.ch09_comparison import compared_at

    fig, ax = plt.subplots(figsize=(7.5, 1.1 + 0.9 * len(study)), constrained_layout=True)
    names = [k for k in SCORE_STYLES if k != "noise_ceiling"]
    for row, result in enumerate(study.values()):
        found = compared_at(result, kind)
        for offset, key in enumerate(names):
            if key not in found["models"]:
                continue
            score = found["models"][key]["score"]
            y = row + (offset - (len(names) - 1) / 2) * 0.16
            name, colour = SCORE_STYLES[key]
            error = [[score["mean"] - score["ci_low"]], [score["ci_high"] - score["mean"]]]
            ax.errorbar(score["mean"], y, xerr=error, fmt="o", color=colour, capsize=3, label=name if row == 0 else None)
        ceiling = found["models"]["noise_ceiling"]["score"]["mean"]
        ax.plot([ceiling, ceiling], [row - 0.4, row + 0.4], color="k", lw=2, label="noise ceiling √ρ$_R$" if row == 0 else None)
    ax.set_yticks(
        range(len(study)), [f"T = {float(label):g}\nτ$_α$ = {study[label]['relaxation'][kind]['tau_alpha']:.3g} τ" for label in study]
    )
    ax.axvline(0.0, color="grey", lw=0.8)
    ax.set_ylabel("temperature T [ε/k$_B$]")
    ax.set_xlabel(f"Pearson ρ with {kind} propensity at t = τ$_α$ (A particles, mean over configurations)")
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(1.0, 0.0))
    return fig


def figure_learning_curve(study: Mapping[str, Any], kind: str = "cage-relative") -> Figure:
    """Held-out ρ at the time nearest τ_α against training configurations per fold, where the network's curve was measured; 95 % intervals."""
    from glasslib.chapters.ch09_comparison import learned, learning_points

    study = learned(study)
    fig, axes = plt.subplots(1, len(study), figsize=(6.5 * len(study), 3.8), sharey=True, constrained_layout=True, squeeze=False)
    for ax, (label, result) in zip(axes[0], study.items()):
        for name, by_size in learning_points(result, kind).items():
            if name == "difference":
                continue
            sizes = sorted(by_size)
            mean = np.array([by_size[n]["mean"] for n in sizes])
            low, high = (np.array([by_size[n][key] for n in sizes]) for key in ("ci_low", "ci_high"))
            label_text, colour = SCORE_STYLES[name]
            ax.errorbar(sizes, mean, yerr=[mean - low, high - mean], fmt="o-", color=colour, capsize=3, label=label_text)
        ax.set_xscale("log", base=2)
        shown = sorted({n for name, by_size in learning_points(result, kind).items() if name != "difference" for n in by_size})
        ax.set_xticks(shown, [str(n) for n in shown])
        ax.minorticks_off()
        ax.set_xlabel("training configurations per fold")
        ax.set_title(f"T = {float(label):g}, {kind}, t ≈ τ$_α$")
        ax.axhline(0.0, color="grey", lw=0.8)
    axes[0, 0].set_ylabel("held-out Pearson ρ (A particles)")
    axes[0, 0].legend(fontsize=8)
    return fig


def figure_training_curves(study: Mapping[str, Any]) -> Figure:
    """Per temperature and network: training loss and ρ at τ_α on validation and held-out configurations, per epoch (mean over folds)."""
    fig, axes = plt.subplots(2, len(study), figsize=(5.5 * len(study), 5.6), sharex=True, constrained_layout=True, squeeze=False)
    for column, (label, result) in enumerate(study.items()):
        for name, folds in result.get("training", {}).items():
            colour = SCORE_STYLES[name][1]
            loss = np.mean([fold["loss"] for fold in folds], axis=0)
            epochs = np.arange(1, loss.size + 1)
            axes[0, column].plot(epochs, loss, color=colour, label=f"{name}, training loss")
            held = [fold["held_out_rho"] for fold in folds if len(fold["held_out_rho"])]
            if held:
                axes[1, column].plot(epochs, np.mean(held, axis=0), color=colour, label=f"{name}, held-out configurations")
            validation = [fold["validation_rho"] for fold in folds if len(fold["validation_rho"])]
            if validation:
                axes[1, column].plot(epochs, np.mean(validation, axis=0), color=colour, ls="--", label=f"{name}, validation (stops)")
            for fold in folds:
                axes[1, column].axvline(fold["best_epoch"], color=colour, ls=":", lw=0.8)
        axes[0, column].set_yscale("log")
        axes[0, column].set_title(f"T = {float(label):g}")
        axes[0, column].set_ylabel("training loss (standardised MSE)")
        axes[1, column].set_ylabel("ρ at the times nearest τ$_α$")
        axes[1, column].set_xlabel("epoch")
    axes[0, 0].legend(fontsize=8)
    axes[1, 0].legend(fontsize=8)
    return fig


def figure_propensity_map(positions: np.ndarray, measured: np.ndarray, predicted: np.ndarray, box_length: float, title: str) -> Figure:
    """Measured and predicted propensity of every particle of one configuration (σ), each on its own colour scale.

    A correlation compares rankings, so each panel spans its own 2nd–98th percentile.
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), constrained_layout=True)
    for ax, values, name in zip(axes, (measured, predicted), ("measured", "predicted")):
        low, high = np.percentile(values, [2, 98])
        points = ax.scatter(positions[:, 0], positions[:, 1], c=values, s=14, cmap="viridis", vmin=low, vmax=high)
        ax.set_aspect("equal")
        ax.set_xlim(0, box_length)
        ax.set_ylim(0, box_length)
        ax.set_xlabel("x [σ]")
        ax.set_title(f"{name} propensity")
        fig.colorbar(points, ax=ax, label=f"{name} propensity [σ]", shrink=0.85)
    axes[0].set_ylabel("y [σ]")
    fig.suptitle(title)
    return fig


#: Colours and markers of the readings of earlier chapters (Okabe–Ito; one colour per chapter, a marker per reading).
READING_STYLES = {
    "gradcam": ("#CC79A7", "o"),
    "attention_largest": ("#0072B2", "s"),
    "attention_isolated": ("#0072B2", "^"),
    "chosen_by_b": ("#009E73", "s"),
    "isolated_a": ("#009E73", "^"),
    "component_size": ("#009E73", "D"),
}


def figure_reading_scores(readings: Mapping[str, Any], study: Mapping[str, Any], kind: str = "cage-relative") -> Figure:
    """Signed Pearson ρ(t) of every reading of chapters 4–7 with propensity, beside the equivariant network.

    ``readings``: :func:`glasslib.chapters.ch09_readings.readings_study`; ``study``: the chapter's
    :func:`glasslib.chapters.ch09_dynamics.dynamics_study`. Bands are 95 % intervals over configurations.
    The noise ceiling (far above every reading) is left to the table, so that the small signed
    correlations stay readable.
    """
    from glasslib.chapters.ch09_readings import READINGS

    temperatures = readings["temperatures"]
    fig, axes = plt.subplots(
        1, len(temperatures), figsize=(5.5 * len(temperatures), 4.2), sharey=True, constrained_layout=True, squeeze=False
    )
    for ax, (label, result) in zip(axes[0], temperatures.items()):
        times = result["times"]
        for name, (colour, marker) in READING_STYLES.items():
            curve = result["scores"][kind][name]
            mean = np.array(curve["mean"], dtype=np.float64)
            ax.plot(times, mean, marker=marker, ms=3, color=colour, label=f"{READINGS[name][0]} ({READINGS[name][1]})")
            ax.fill_between(times, curve["ci_low"], curve["ci_high"], color=colour, alpha=0.12, lw=0)
        scores = study[label]["scores"][kind]
        if "equivariant" in scores:
            ax.plot(times, scores["equivariant"]["mean"], "-", lw=2, color=SCORE_STYLES["equivariant"][1], label="equivariant network (09)")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("time t [τ]")
        ax.set_title(f"T = {float(label):g}, {kind}")
    axes[0, 0].set_ylabel("Pearson ρ with propensity (A particles)")
    axes[0, 0].legend(fontsize=7, ncol=1)
    return fig
