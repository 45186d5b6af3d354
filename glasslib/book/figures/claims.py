"""The conclusion's and the abstract's forest plot: every claim's measured points against its threshold.

Drawn from the claim rows of :func:`glasslib.report.claims.evaluate_claims` alone, so a claim a
chapter adds appears without editing a page. One small panel per claim (its points share a scale:
AUCs, energies, counts, slopes), each point its 95 % interval, the threshold dashed, the colour
its verdict; a point the run could not measure is named at the threshold as "not measured".
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from glasslib.report.verdicts import FAILS, HOLDS, NOT_MEASURED, UNRESOLVED, VERDICTS

#: Okabe–Ito: holds blue-green, fails vermilion, not resolved orange, not measured grey.
VERDICT_COLOURS = {HOLDS: "#009E73", FAILS: "#D55E00", UNRESOLVED: "#E69F00", NOT_MEASURED: "#999999"}


def _panel(ax: plt.Axes, row: Mapping[str, Any], width: int) -> None:
    """One claim: its points top to bottom, intervals as bars, the threshold dashed."""
    points = row["points"]
    threshold = points[0]["threshold"] if points else 0.0
    for y, p in enumerate(points):
        colour = VERDICT_COLOURS[p["verdict"]]
        if p["low"] is None:
            ax.text(threshold, y, " not measured", va="center", ha="left", fontsize=7, color=colour)
            continue
        value = p["value"] if p["value"] is not None else (p["low"] + p["high"]) / 2
        ax.errorbar(value, y, xerr=[[value - p["low"]], [p["high"] - value]], fmt="o", ms=3.5, color=colour, capsize=2, lw=1.2)
    if points and points[0].get("kind") == "within":  # an equivalence claim: the band ± tolerance
        ax.axvspan(-threshold, threshold, color="0.9", zorder=0)
    elif len({p["threshold"] for p in points}) == 1:
        ax.axvline(threshold, color="k", ls="--", lw=0.8)
    else:  # each point against its own threshold (e.g. the best other model's interval)
        for y, p in enumerate(points):
            ax.plot([p["threshold"]] * 2, [y - 0.4, y + 0.4], color="k", ls="--", lw=0.8)
    ax.set_yticks(range(len(points)), [p["label"] for p in points], fontsize=8)  # the points name themselves
    ax.set_xlabel("this run, 95 % interval", fontsize=7)
    ax.set_ylim(len(points) - 0.5, -0.5)
    ax.tick_params(axis="x", labelsize=8)
    title = f"ch. {row['chapter']} · {row['claim']} ({row['input']})" if row["input"] != "—" else f"ch. {row['chapter']} · {row['claim']}"
    ax.set_title("\n".join(textwrap.wrap(title, width)), fontsize=8.5, loc="left", color=VERDICT_COLOURS[row["verdict"]])


def figure_claims(rows: Sequence[Mapping[str, Any]], columns: int = 2, width_inches: float = 9.0) -> Figure:
    """Forest plot of claim rows (``points`` each), ``columns`` panels across, in the rows' (book) order.

    Parameters
    ----------
    rows : claim rows of :func:`glasslib.report.claims.evaluate_claims`; one without points is skipped.
    columns : panels per figure row.
    width_inches : figure width; the height follows the number of points.

    Returns
    -------
    The figure, with a legend of the verdict colours; an empty run gives one panel that says so.
    """
    rows = [r for r in rows if r["points"]]
    if not rows:
        fig, ax = plt.subplots(figsize=(width_inches, 1.2))
        ax.text(0.5, 0.5, "no claim measured yet: run the chapters first", ha="center", va="center")
        ax.set_axis_off()
        return fig
    n_rows = -(-len(rows) // columns)
    heights = [max(len(r["points"]) for r in rows[i * columns : (i + 1) * columns]) * 0.24 + 0.9 for i in range(n_rows)]
    fig = plt.figure(figsize=(width_inches, sum(heights) + 0.6), layout="constrained")
    grid = fig.add_gridspec(n_rows, columns, height_ratios=heights)
    for i, row in enumerate(rows):
        _panel(fig.add_subplot(grid[i // columns, i % columns]), row, width=int(80 / columns))
    handles = [Line2D([], [], marker="o", ls="", color=VERDICT_COLOURS[v], label=v) for v in VERDICTS]
    fig.legend(handles=handles, loc="outside upper center", ncols=len(VERDICTS), fontsize=8, frameon=False)
    return fig
