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

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from glasslib.profiles import Profile
from glasslib.simulation.store import Ensemble, StoreError


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
        out[name] = {
            "n": int(fnorm.size),
            "capped": int(np.sum(iterations >= profile.is_fire_maxiter)),
            "force_tolerance_met": int(np.sum(fnorm <= profile.fire_ftol)),
            "fnorm_median": float(np.median(fnorm)),
            "fnorm_p99": float(np.percentile(fnorm, 99)),
            "fnorm_max": float(fnorm.max()),
            "iterations_median": float(np.median(iterations)),
            "iterations_max": int(iterations.max()),
            "iteration_cap": int(profile.is_fire_maxiter),
        }
    return out


def check_minimisations(summary: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise :class:`MinimisationError` if any minimisation stopped on the iteration cap.

    Its inherent-structure energy is not a minimum's, and Tg and the data sets' energies read it.
    """
    capped = {name: s["capped"] for name, s in summary.items() if s["capped"]}
    if capped:
        detail = ", ".join(f"{n} of {summary[name]['n']} {name}" for name, n in capped.items())
        cap = next(iter(summary.values()))["iteration_cap"]
        raise MinimisationError(
            f"inherent-structure minimisations stopped on the iteration cap ({cap:,}) before converging: {detail}. "
            "Raise is_fire_maxiter (`--set is_fire_maxiter=…`) and rerun notebooks/01_simulation.ipynb"
        )


def minimisation_table(summary: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The summary as the book's table, one column per schedule."""
    rows = {
        "minimisations": lambda s: f"{s['n']:,}",
        "stopped on the iteration cap": lambda s: f"{s['capped']:,}",
        "force norm ≤ ftol": lambda s: f"{s['force_tolerance_met']:,}",
        "final ‖F‖, median [ε/σ]": lambda s: f"{s['fnorm_median']:.2g}",
        "final ‖F‖, 99th percentile [ε/σ]": lambda s: f"{s['fnorm_p99']:.2g}",
        "final ‖F‖, largest [ε/σ]": lambda s: f"{s['fnorm_max']:.2g}",
        "iterations, median (largest)": lambda s: f"{s['iterations_median']:,.0f} ({s['iterations_max']:,})",
        "iteration cap": lambda s: f"{s['iteration_cap']:,}",
    }
    return pd.DataFrame({name: {row: cell(s) for row, cell in rows.items()} for name, s in summary.items()}).rename_axis("")
