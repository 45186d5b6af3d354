"""Did the inherent-structure minimisations converge? (chapter 02; SPEC section 2, step 5)

LAMMPS' ``minimize etol ftol maxiter maxeval`` stops at whichever comes first: the relative energy
change of an iteration below ``etol`` (1e-10), the force norm ‖F‖ below ``ftol`` (1e-5 ε/σ), or
``maxiter`` iterations. The first two are convergence; the cap is not. Every run file records, per
snapshot, the final ‖F‖ and the iterations (:mod:`glasslib.simulation.store`), so the check reads
them back: a minimisation **converged** when it stopped before the cap. It also reports how many met
the force tolerance itself — with FIRE in a glassy landscape the energy criterion is usually what
stops it, at ‖F‖ ~ 10⁻² ε/σ, where the energy per particle is settled to ~10⁻⁸ ε.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from glasslib.profiles import Profile
from glasslib.protocol import Protocol
from glasslib.simulation.store import Ensemble, StoreError

#: What stopped a minimisation (:func:`stop_criteria`).
STOPS = ("energy", "force", "cap")


class MinimisationError(StoreError):
    """Inherent-structure minimisations that stopped on the iteration cap; the message says how many and the fix."""


def minimisation_summary(ensembles: Mapping[str, Ensemble], profile: Profile) -> dict[str, dict[str, Any]]:
    """Per schedule: how the minimisations stopped.

    Returns
    -------
    {schedule: {"n", "capped", "force_tolerance_met", "fnorm_median", "fnorm_p99", "fnorm_max" (ε/σ),
    "iterations_median", "iterations_max", "iteration_cap"}}
    """
    out = {}
    for name, ensemble in ensembles.items():
        fnorm, iterations = ensemble.inherent_fnorm.ravel(), ensemble.inherent_iterations.ravel()
        stops = stop_criteria(fnorm, iterations, profile.fire_ftol, profile.is_fire_maxiter)
        out[name] = {
            "n": int(fnorm.size),
            "capped": int(np.sum(stops == "cap")),
            "force_tolerance_met": int(np.sum(fnorm <= profile.fire_ftol)),
            "stopped_on": {stop: int(np.sum(stops == stop)) for stop in STOPS},
            "fnorm_median": float(np.median(fnorm)),
            "fnorm_p99": float(np.percentile(fnorm, 99)),
            "fnorm_max": float(fnorm.max()),
            "iterations_median": float(np.median(iterations)),
            "iterations_max": int(iterations.max()),
            "iteration_cap": int(profile.is_fire_maxiter),
        }
    return out


def stop_criteria(fnorm: np.ndarray, iterations: np.ndarray, ftol: float, maxiter: int) -> np.ndarray:
    """Which criterion stopped each minimisation: ``"cap"`` (``maxiter`` iterations), ``"force"`` (‖F‖ ≤ ``ftol``,
    ε/σ) or else ``"energy"`` (relative energy change below ``etol``) — the only three ways LAMMPS' FIRE stops.

    ``fnorm``, ``iterations``: any shape, as stored per snapshot; returns the same shape of str.
    """
    fnorm, iterations = np.asarray(fnorm), np.asarray(iterations)
    return np.where(iterations >= maxiter, "cap", np.where(fnorm <= ftol, "force", "energy"))


def converged(iterations: np.ndarray, maxiter: int) -> np.ndarray:
    """Whether each minimisation stopped before the iteration cap (on the energy or the force criterion).

    ``iterations``: any shape, FIRE iterations as stored per snapshot; returns the same shape of bool.
    """
    return np.asarray(iterations) < maxiter


def converged_energy(ensemble: Ensemble, profile: Profile) -> np.ndarray:
    """(R, S) inherent-structure energy per particle (ε) with NaN where the minimisation stopped on the cap.

    What every mean over runs reads (Tg, chapter 02): a capped minimisation's energy is not a minimum's,
    so it is left out, and counted by :func:`minimisation_summary`.
    """
    keep = converged(ensemble.inherent_iterations, profile.is_fire_maxiter)
    return np.where(keep, ensemble.inherent_energy, np.nan)


def force_only(protocol: Protocol, ftol: float, maxiter: int) -> Protocol:
    """``protocol`` minimising on the force criterion alone: no energy criterion (``etol`` = 0), ‖F‖ ≤ ``ftol``
    (ε/σ), at most ``maxiter`` iterations."""
    return dataclasses.replace(protocol, fire_etol=0.0, fire_ftol=float(ftol), is_fire_maxiter=int(maxiter))


def criterion_check(protocol: Protocol, positions: np.ndarray, types: np.ndarray, ftol: float, maxiter: int) -> pd.DataFrame:
    """What the energy criterion leaves: each configuration minimised as ``protocol`` does, and again on the force alone.

    Parameters
    ----------
    positions : (M, N, 2) snapshots, σ; types : (N,).
    ftol, maxiter : the force-only minimisation's tolerance (ε/σ) and iteration cap (``etol`` = 0).

    Returns
    -------
    One row per snapshot: both final ‖F‖ (ε/σ) and iteration counts, the energy per particle the
    protocol's stop leaves above the force-converged minimum (ε), and the largest and RMS particle
    displacement between the two minima (σ, minimum image).
    """
    from glasslib.simulation.driver import inherent_structure

    strict = force_only(protocol, ftol, maxiter)
    rows = []
    for snapshot in np.asarray(positions):
        first, second = inherent_structure(protocol, snapshot, types), inherent_structure(strict, snapshot, types)
        delta = first["positions"] - second["positions"]
        delta -= protocol.box_length * np.round(delta / protocol.box_length)
        moved = np.hypot(*delta.T)
        rows.append(
            {
                "fnorm": first["fnorm"],
                "iterations": first["iterations"],
                "fnorm_force_only": second["fnorm"],
                "iterations_force_only": second["iterations"],
                "energy_excess": float(first["particle_energy"].mean() - second["particle_energy"].mean()),
                "displacement_max": float(moved.max()),
                "displacement_rms": float(np.sqrt(np.mean(moved**2))),
            }
        )
    return pd.DataFrame(rows)


def capped_sentence(summary: Mapping[str, Mapping[str, Any]]) -> str:
    """What the chapters do with minimisations that stopped on the iteration cap, as one sentence.

    Their energies are left out of every mean over runs (:func:`converged_energy`) and their
    configurations flagged in the data sets (``inherent_converged``); the sentence counts them and names
    the fix (a higher ``is_fire_maxiter``).
    """
    capped = {name: s["capped"] for name, s in summary.items() if s["capped"]}
    if not capped:
        return "None stopped on the iteration cap."
    detail = ", ".join(f"{n:,} of {summary[name]['n']:,} {name}" for name, n in capped.items())
    cap = summary[next(iter(capped))]["iteration_cap"]
    return (
        f"{detail} stopped on the iteration cap ({cap:,}) before converging: their energies are left out of "
        "the means Tg is fitted to, and their configurations are flagged in the data sets. "
        "A higher cap (`--set is_fire_maxiter=…`) and a rerun of chapter 01 would converge them."
    )


def check_minimisations(summary: Mapping[str, Mapping[str, Any]], least_share: float = 0.5) -> None:
    """Raise :class:`MinimisationError` when fewer than ``least_share`` of a schedule's minimisations converged.

    A few capped minimisations are left out and counted (:func:`capped_sentence`); a schedule where most
    stopped on the cap has no curve to fit, and the fix is a higher cap.
    """
    bad = {name: s for name, s in summary.items() if s["n"] - s["capped"] < least_share * s["n"]}
    if bad:
        detail = ", ".join(f"{s['capped']:,} of {s['n']:,} {name}" for name, s in bad.items())
        cap = next(iter(bad.values()))["iteration_cap"]
        raise MinimisationError(
            f"inherent-structure minimisations stopped on the iteration cap ({cap:,}) before converging: {detail}. "
            "Raise is_fire_maxiter (`--set is_fire_maxiter=…`) and rerun notebooks/01_simulation.ipynb"
        )


def minimisation_table(summary: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The summary as the book's table, one column per schedule."""
    rows = {
        "minimisations": lambda s: f"{s['n']:,}",
        "stopped on the energy / force / cap criterion": lambda s: (
            " / ".join(f"{s['stopped_on'][k]:,}" for k in STOPS) if "stopped_on" in s else "not recorded"
        ),
        "stopped on the iteration cap": lambda s: f"{s['capped']:,}",
        "force norm ≤ ftol": lambda s: f"{s['force_tolerance_met']:,}",
        "final ‖F‖, median [ε/σ]": lambda s: f"{s['fnorm_median']:.2g}",
        "final ‖F‖, 99th percentile [ε/σ]": lambda s: f"{s['fnorm_p99']:.2g}",
        "final ‖F‖, largest [ε/σ]": lambda s: f"{s['fnorm_max']:.2g}",
        "iterations, median (largest)": lambda s: f"{s['iterations_median']:,.0f} ({s['iterations_max']:,})",
        "iteration cap": lambda s: f"{s['iteration_cap']:,}",
    }
    return pd.DataFrame({name: {row: cell(s) for row, cell in rows.items()} for name, s in summary.items()}).rename_axis("")


def check_table(rows: list[Mapping[str, Any]]) -> pd.DataFrame:
    """The criterion check (rows of :func:`criterion_check` with ``schedule`` and ``T``) as the book's table."""
    table = pd.DataFrame(rows)
    columns = {
        "schedule": "schedule",
        "T": "T [ε/k_B]",
        "iterations": "iterations (energy criterion)",
        "iterations_force_only": "iterations (force only)",
        "fnorm": "final ‖F‖ (energy) [ε/σ]",
        "fnorm_force_only": "final ‖F‖ (force) [ε/σ]",
        "energy_excess": "E(energy) − E(force) [ε]",
        "displacement_rms": "RMS shift [σ]",
        "displacement_max": "largest shift [σ]",
    }
    shown = table[list(columns)].copy()
    for name in ("fnorm", "fnorm_force_only", "energy_excess", "displacement_rms", "displacement_max"):
        shown[name] = shown[name].map(lambda v: f"{v:.1e}")
    shown["T"] = shown["T"].map(lambda v: f"{v:.2f}")
    return shown.rename(columns=columns).set_index("schedule")
