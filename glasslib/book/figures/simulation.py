"""Figures of chapters 01-02: configurations, the ramps, energies and the Tg fit."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from glasslib.book.figures.palette import COLOUR_A, COLOUR_B, SCHEDULE_COLOURS, SCHEDULE_MARKERS
from glasslib.data.memory_decay import MemoryDecay
from glasslib.simulation.store import Ensemble
from glasslib.simulation.tg import TgResult
from glasslib.system import TYPE_A


def draw_configuration(
    ax: Axes, positions: np.ndarray, types: np.ndarray, box_length: float, title: str = "", dot_size: float = 6.0
) -> Axes:
    """Scatter one configuration: A orange, B blue, in σ, with the periodic box drawn.

    Parameters
    ----------
    positions : (N, 2), σ, inside [0, box_length).
    types : (N,), LAMMPS types (1 = A, 2 = B).
    """
    is_a = np.asarray(types) == TYPE_A
    ax.scatter(*positions[is_a].T, s=dot_size, c=COLOUR_A, label="A", linewidths=0)
    ax.scatter(*positions[~is_a].T, s=dot_size, c=COLOUR_B, label="B", linewidths=0)
    ax.set_xlim(0, box_length)
    ax.set_ylim(0, box_length)
    ax.set_aspect("equal")
    ax.set_xlabel("x [σ]")
    ax.set_ylabel("y [σ]")
    ax.set_title(title)
    return ax


def figure_configurations(panels: list[tuple[np.ndarray, np.ndarray, float, str]]) -> Figure:
    """Side-by-side configurations; ``panels`` holds (positions, types, box length, title)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.2), constrained_layout=True)
    for ax, (positions, types, length, title) in zip(np.atleast_1d(axes), panels):
        draw_configuration(ax, positions, types, length, title)
    np.atleast_1d(axes)[0].legend(loc="upper right", markerscale=2, framealpha=0.9)
    return fig


def figure_ramp(ensembles: Mapping[str, Ensemble], timestep: float) -> Figure:
    """Target temperature and the instantaneous temperature (mean ± std over runs) vs time, per schedule."""
    fig, axes = plt.subplots(1, len(ensembles), figsize=(5.2 * len(ensembles), 3.8), constrained_layout=True)
    for ax, (name, ens) in zip(np.atleast_1d(axes), ensembles.items()):
        time_tau = ens.step * timestep
        mean, std = ens.temperature.mean(axis=0), ens.temperature.std(axis=0)
        ax.plot(time_tau, ens.target_temperature, color="k", lw=1.5, label="thermostat target")
        ax.errorbar(
            time_tau,
            mean,
            yerr=std,
            fmt=SCHEDULE_MARKERS[name],
            color=SCHEDULE_COLOURS[name],
            ms=4,
            capsize=2,
            label=f"instantaneous T ({len(ens.run_index)} runs, mean ± std)",
        )
        ax.set_xlabel("time [τ]")
        ax.set_ylabel("temperature [ε/k$_B$]")
        ax.set_title(f"{name} schedule")
        ax.legend(fontsize=8)
    return fig


def figure_energies(ensembles: Mapping[str, Ensemble]) -> Figure:
    """Potential and inherent-structure energy per particle vs temperature, both schedules."""
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.9), constrained_layout=True)
    for name, ens in ensembles.items():
        for ax, values, label in (
            (axes[0], ens.potential_energy, "potential energy"),
            (axes[1], ens.inherent_energy, "inherent-structure energy"),
        ):
            ax.errorbar(
                ens.target_temperature,
                values.mean(axis=0),
                yerr=values.std(axis=0),
                fmt=SCHEDULE_MARKERS[name] + "-",
                color=SCHEDULE_COLOURS[name],
                ms=4,
                lw=1,
                capsize=2,
                label=f"{name}",
            )
            ax.set_xlabel("temperature [ε/k$_B$]")
            ax.set_ylabel(f"{label} per particle [ε]")
    axes[0].set_title("at the snapshot (mean ± std over runs)")
    axes[1].set_title("after FIRE minimisation (mean ± std)")
    axes[0].legend(title="schedule")
    return fig


def figure_tg(results: Mapping[str, TgResult], reference: Mapping[str, float] | None = None) -> Figure:
    """Mean inherent-structure energy vs T with the two-regime fits and Tg (paper Fig. 1 style).

    Parameters
    ----------
    results : schedule name -> TgResult.
    reference : optional schedule name -> published Tg, drawn as a dotted line.
    """
    fig, ax = plt.subplots(figsize=(6.4, 4.6), constrained_layout=True)
    for name, res in results.items():
        colour = SCHEDULE_COLOURS[name]
        ax.errorbar(
            res.temperature,
            res.mean_energy,
            yerr=res.sem_energy,
            fmt=SCHEDULE_MARKERS[name],
            color=colour,
            ms=4,
            capsize=2,
            label=f"{name}: mean ± s.e. over runs",
        )
        span = np.ptp(res.temperature)
        upper = res.fit.breaks[res.fit.tg_index + 1] if res.fit.tg_index + 1 < len(res.fit.breaks) else res.temperature.max()
        grid_glass = np.linspace(res.temperature.min(), res.tg + 0.2 * span, 50)
        grid_liquid = np.linspace(res.tg - 0.2 * span, min(upper + 0.2 * span, res.temperature.max()), 50)
        ax.plot(grid_glass, res.fit.glass_line(grid_glass), ls="--", color=colour, lw=1)
        ax.plot(grid_liquid, res.fit.liquid_line(grid_liquid), ls="--", color=colour, lw=1)
        grid_all = np.linspace(res.temperature.min(), res.temperature.max(), 200)
        ax.plot(grid_all, res.fit.predict(grid_all), ls=":", color="0.5", lw=0.8)
        low, high = res.tg_interval()
        ax.axvspan(low, high, color=colour, alpha=0.12, lw=0)
        ax.axvline(res.tg, color=colour, lw=1.2, label=f"{name}: $T_g$ = {res.tg:.3f} ± {res.tg_std:.3f}")
    for name, tg in (reference or {}).items():
        ax.axvline(tg, color=SCHEDULE_COLOURS[name], ls="-.", lw=1.5, label=f"{name}: published $T_g$ ≈ {tg} (paper scale)")
    energies = np.concatenate([r.mean_energy for r in results.values()])
    pad = 0.15 * np.ptp(energies)
    ax.set_ylim(energies.min() - pad, energies.max() + pad)
    ax.set_xlabel("temperature [ε/k$_B$]")
    ax.set_ylabel("inherent-structure energy per particle [ε]")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def figure_memory_decay(decay: MemoryDecay, equilibration_tau: float) -> Figure:
    """Overlap with the start against time held at ``t_start``: each run, their mean with its 95 % interval, the band
    of independent liquids, when the start is forgotten and where the profile's equilibration ends (τ; 0: none)."""
    fig, ax = plt.subplots(figsize=(6.4, 3.9), constrained_layout=True)
    low, high = decay.interval()
    band = decay.independent_band
    ax.axhspan(-band, band, color="0.85", label=f"independent liquids (mean of {decay.overlaps.shape[0]} runs)")
    ax.plot(decay.times, decay.overlaps.T, color=SCHEDULE_COLOURS["slow"], lw=0.6, alpha=0.4)
    ax.fill_between(decay.times, low, high, color=SCHEDULE_COLOURS["slow"], alpha=0.25, lw=0)
    ax.plot(decay.times, decay.mean, "o-", color=SCHEDULE_COLOURS["slow"], ms=3, label="mean over runs, 95 % interval")
    forgotten = decay.forgotten_tau()
    if np.isfinite(forgotten):
        ax.axvline(forgotten, color="k", ls=":", lw=1, label=f"start forgotten ({forgotten:.0f} τ)")
    if equilibration_tau > 0:
        ax.axvline(equilibration_tau, color="k", lw=1.2, label=f"equilibration of this profile ({equilibration_tau:.0f} τ)")
    ax.set_xscale("log")
    ax.set_xlabel("time at T = 2.0 [τ]")
    ax.set_ylabel("overlap with the start")
    ax.legend(fontsize=8)
    return fig


def figure_minimisations(ensembles: Mapping[str, Ensemble], ftol: float) -> Figure:
    """Where every inherent-structure minimisation stopped: final force norm ‖F‖ (ε/σ, log) and FIRE iterations,
    one histogram per schedule, the force tolerance marked."""
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.6), constrained_layout=True)
    fnorms = np.concatenate([ens.inherent_fnorm.ravel() for ens in ensembles.values()])
    positive = fnorms[fnorms > 0]
    low = min(ftol, positive.min()) if positive.size else ftol
    bins = np.geomspace(low / 2, max(fnorms.max(), 10 * ftol) * 2, 40)
    for name, ens in ensembles.items():
        style = {"histtype": "step", "color": SCHEDULE_COLOURS[name], "lw": 1.5, "label": f"{name} ({ens.inherent_fnorm.size:,})"}
        axes[0].hist(np.clip(ens.inherent_fnorm.ravel(), bins[0], None), bins=bins, **style)
        axes[1].hist(ens.inherent_iterations.ravel(), bins=40, **style)
    axes[0].axvline(ftol, color="k", ls=":", lw=1, label=f"force tolerance {ftol:g} ε/σ")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("final force norm ‖F‖ [ε/σ]")
    axes[1].set_xlabel("FIRE iterations")
    for ax in axes:
        ax.set_ylabel("minimisations")
        ax.legend(fontsize=8)
    return fig


def figure_difference_by_runs(curve: Mapping[str, list]) -> Figure:
    """Tg(fast) − Tg(slow) (ε/k_B) against runs per schedule: median and 95 % interval of resampled subsets, and
    the c/√n envelope those intervals follow, drawn on to the runs that would exclude 0."""
    fig, ax = plt.subplots(figsize=(6.4, 3.9), constrained_layout=True)
    runs, median = np.asarray(curve["runs"], float), np.asarray(curve["median"], float)
    low, high = np.asarray(curve["low"], float), np.asarray(curve["high"], float)
    ax.axhline(0, color="0.5", lw=1)
    ax.errorbar(runs, median, yerr=[median - low, high - median], fmt="o", color="k", capsize=3, label="resampled runs: median, 95 %")
    needed = curve.get("runs_to_decide")
    reach = max(runs.max(), min(needed or 0, 100 * runs.max()))
    n = np.geomspace(runs.min(), reach, 60)
    centre, half = curve.get("difference", float(np.nanmedian(median))), curve["half_width_scale"] / np.sqrt(n)
    ax.fill_between(n, centre - half, centre + half, color=SCHEDULE_COLOURS["fast"], alpha=0.2, lw=0, label="95 % ∝ 1/√runs")
    if needed and needed <= reach:
        ax.axvline(needed, color="k", ls=":", lw=1, label=f"decides the order: ≈ {needed:,} runs")
    ax.set_xscale("log")
    ax.set_xlabel("runs per schedule")
    ax.set_ylabel("Tg(fast) − Tg(slow) [ε/k$_B$]")
    ax.legend(fontsize=8)
    return fig
