"""Chapter 02's Tg of both schedules and the numbers its prose quotes (notebooks/02_tg.ipynb).

The chapter fits Tg with :func:`glasslib.simulation.tg.glass_transition` on the ensembles of
:mod:`glasslib.simulation.store`, checks the minimisations with
:mod:`glasslib.simulation.minimisation_check` and stores both with :func:`glasslib.simulation.tg.save_tg`;
this module runs those fits at the profile's settings and returns the glued numbers (one
``*_numbers`` function per glue call, keys = glue names). It calls :mod:`glasslib.simulation` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from glasslib.profiles import Profile
from glasslib.simulation import tg
from glasslib.simulation.store import Ensemble
from glasslib.simulation.tg import TgResult


def tg_results(profile: Profile, ensembles: Mapping[str, Ensemble]) -> dict[str, TgResult]:
    """Tg of every schedule from its runs' inherent-structure energies (R runs × S snapshots), with the
    profile's bootstrap resamples, least points per regime and seed."""
    return {
        name: tg.glass_transition(
            ens.target_temperature,
            ens.inherent_energy,
            n_bootstrap=profile.tg_bootstrap,
            min_points=profile.tg_min_points,
            seed=profile.seed,
        )
        for name, ens in ensembles.items()
    }


def method_numbers(profile: Profile) -> dict[str, Any]:
    """The fit's settings: least recorded temperatures per segment, and bootstrap resamples of the runs."""
    return {"min_points": profile.tg_min_points, "n_boot": profile.tg_bootstrap}


def tg_numbers(results: Mapping[str, TgResult]) -> dict[str, float]:
    """Per schedule: ``tg_<schedule>`` and its bootstrap standard deviation ``tg_std_<schedule>`` (ε/k_B),
    and ``glass_<schedule>``, the mean inherent-structure energy per particle at the lowest temperature (ε)."""
    return {
        f"{key}_{name}": value
        for name, res in results.items()
        for key, value in (("tg", res.tg), ("tg_std", res.tg_std), ("glass", res.glass_energy()[0]))
    }


def minimisation_numbers(minimisations: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Minimisations in all (``"1,234"``), how many met the force tolerance (``"1,234"``), and the largest
    per-schedule median final force norm (ε/σ).

    ``minimisations``: per schedule, :func:`glasslib.simulation.minimisation_check.minimisation_summary`.
    """
    total = sum(s["n"] for s in minimisations.values())
    return {
        "min_total": f"{total:,}",
        "min_force_met": f"{sum(s['force_tolerance_met'] for s in minimisations.values()):,}",
        "min_fnorm_median": max(s["fnorm_median"] for s in minimisations.values()),
    }


def cooling_numbers(results: Mapping[str, TgResult]) -> dict[str, float]:
    """Slower cooling, lower Tg and lower glass energy, as the prose quotes them.

    ``tg_lower_pct``: % of paired bootstrap resamples with Tg(slow) < Tg(fast); ``energy_gap``: fast
    minus slow glass energy per particle (ε); ``energy_gap_z``: that gap in standard errors. The same
    numbers as the second value of :func:`glasslib.book.tables.cooling_checks`, which this layer may not import.
    """
    slow, fast = results["slow"], results["fast"]
    both = ~(slow.failed | fast.failed)  # pairs where both resamples found a transition
    tg_lower = float(np.mean(slow.tg_bootstrap[both] < fast.tg_bootstrap[both]))
    gap = fast.glass_energy()[0] - slow.glass_energy()[0]
    gap_se = float(np.hypot(fast.glass_energy()[1], slow.glass_energy()[1]))
    return {"tg_lower_pct": 100 * tg_lower, "energy_gap": float(gap), "energy_gap_z": float(gap / gap_se)}
