"""Figure of chapter 05b: AUC by data set of the networks and their baselines, thermal vs inherent inputs.

Colours are Okabe–Ito (colour-blind safe); baselines are open markers, networks filled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

#: Colour and marker of each reader (chapter 05b's names).
READER_STYLE = {
    "thermometer (bond-length spread)": ("#D55E00", "v", False),
    "inherent-structure energy": ("#999999", "s", False),
    "classical descriptors (linear)": ("#CC79A7", "D", False),
    "CNN": ("#E69F00", "o", True),
    "D-MPNN": ("#009E73", "o", True),
}


def figure_reading(rows: Sequence[Mapping[str, Any]], inputs: Mapping[str, str], label: str) -> Figure:
    """Outer-test ROC AUC with 95 % intervals per data set, one panel per input.

    Parameters
    ----------
    rows : :func:`glasslib.chapters.ch05b_reading.auc_rows` — reader, input, dataset, auc, ci95.
    inputs : input kind → panel title (e.g. ``{"thermal": "thermal snapshots", …}``).
    label : the profile, written into the titles so reduced-scale results are never mistaken for the paper's.
    """
    fig, axes = plt.subplots(1, len(inputs), figsize=(11, 3.9), sharey=True, constrained_layout=True, squeeze=False)
    readers = list(dict.fromkeys(r["reader"] for r in rows))
    offsets = dict(zip(readers, np.linspace(-0.3, 0.3, len(readers)), strict=True))
    for ax, (kind, title) in zip(axes[0], inputs.items(), strict=True):
        for reader in readers:
            mine = [r for r in rows if r["reader"] == reader and r["input"] == kind]
            if not mine:
                continue
            colour, marker, filled = READER_STYLE.get(reader, ("0.3", "o", True))
            x = np.array([r["dataset"] for r in mine], float) + offsets[reader]
            auc = np.array([r["auc"] for r in mine])
            low, high = (np.array([r["ci95"][i] for r in mine]) for i in (0, 1))
            ax.errorbar(
                x,
                auc,
                yerr=[auc - low, high - auc],
                fmt=marker,
                color=colour,
                mfc=colour if filled else "white",
                capsize=2,
                ms=5,
                lw=1,
                label=reader,
            )
        ax.axhline(0.5, ls=":", color="0.5", lw=1)
        ax.set_xticks(range(1, 7))
        ax.set_xlabel("data set (liquid ever closer to Tg; 6: equal energy)")
        ax.set_title(f"{title} ({label})")
        ax.set_ylim(0.0, 1.05)
    axes[0, 0].set_ylabel("outer-test ROC AUC (95 % interval)")
    axes[0, 0].legend(fontsize=7, loc="lower left")
    return fig
