"""Figures of chapter 07: the structural metrics along the slow ramp, with Tg marked."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from glasslib.book.figures.palette import SCHEDULE_COLOURS
from glasslib.structure.bond_metrics import METRIC_LABELS


def figure_metrics_vs_temperature(frame: pd.DataFrame, tg: float) -> Figure:
    """One panel per metric: mean per configuration ± standard error against temperature, Tg dashed."""
    fig, axes = plt.subplots(1, len(METRIC_LABELS), figsize=(13, 3.8), constrained_layout=True)
    for ax, (key, label) in zip(axes, METRIC_LABELS.items()):
        ax.errorbar(
            frame["temperature"], frame[f"{key}_mean"], yerr=frame[f"{key}_sem"], fmt="o", ms=4, color=SCHEDULE_COLOURS["slow"], capsize=2
        )
        ax.axvline(tg, color="k", ls="--", lw=1, label=f"$T_g$ = {tg:.3f}")
        ax.set_xlabel("temperature [ε/k$_B$]")
        ax.set_ylabel(f"{label} per configuration")
    axes[0].legend()
    return fig
