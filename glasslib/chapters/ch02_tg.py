"""Chapter 02's Tg of both schedules and the numbers its prose quotes (notebooks/02_tg.ipynb).

The chapter fits Tg with :func:`glasslib.simulation.tg.glass_transition` on the ensembles of
:mod:`glasslib.simulation.store`, checks the minimisations with
:mod:`glasslib.simulation.minimisation_check` and stores both with :func:`glasslib.simulation.tg.save_tg`;
this module runs those fits at the profile's settings, how the interval of the difference narrows with runs,\nthe check of the minimisations' stopping criterion, and returns the glued numbers (one
``*_numbers`` function per glue call, keys = glue names). It calls :mod:`glasslib.simulation` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.profiles import Profile
from glasslib.simulation import minimisation_check, store, tg
from glasslib.simulation.store import Ensemble
from glasslib.simulation.tg import TgResult


def tg_results(profile: Profile, ensembles: Mapping[str, Ensemble]) -> dict[str, TgResult]:
    """Tg of every schedule from its runs' inherent-structure energies (R runs × S snapshots), with the
    profile's bootstrap resamples, least points per regime and seed; minimisations that stopped on the
    iteration cap are left out (:func:`glasslib.simulation.minimisation_check.converged_energy`)."""
    return {
        name: tg.glass_transition(
            ens.target_temperature,
            minimisation_check.converged_energy(ens, profile),
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
    """Minimisations in all and how many stopped on the book's criterion, energy or force, not the cap (``"1,234"``,
    and in %), how many met the force tolerance (``"1,234"``), the largest per-schedule median final ‖F‖ (ε/σ), and
    ``min_capped``: what became of those that stopped on the cap
    (:func:`glasslib.simulation.minimisation_check.capped_sentence`).

    ``minimisations``: per schedule, :func:`glasslib.simulation.minimisation_check.minimisation_summary`.
    """
    total = sum(s["n"] for s in minimisations.values())
    converged = total - sum(s.get("capped", 0) for s in minimisations.values())
    return {
        "min_total": f"{total:,}",
        "min_converged": f"{converged:,}",
        "min_converged_pct": 100 * converged / total,
        "min_force_met": f"{sum(s['force_tolerance_met'] for s in minimisations.values()):,}",
        "min_fnorm_median": max(s["fnorm_median"] for s in minimisations.values()),
        "min_capped": minimisation_check.capped_sentence(minimisations),
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


#: Fractions of the runs per schedule at which the chapter reads the interval of Tg(fast) − Tg(slow).
RUN_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
#: Snapshots per schedule (of run 0: first, middle, last) that the criterion check minimises again on the force alone.
CHECK_SNAPSHOTS = 3


def difference_curve(profile: Profile, ensembles: Mapping[str, Ensemble]) -> dict[str, Any]:
    """:func:`glasslib.simulation.tg.difference_by_runs` at :data:`RUN_FRACTIONS` of the runs, a third of the
    profile's bootstrap resamples per count (at least 20)."""
    slow, fast = ensembles["slow"], ensembles["fast"]
    runs = min(len(slow.run_index), len(fast.run_index))
    counts = np.unique(np.maximum(2, np.round(np.asarray(RUN_FRACTIONS) * runs).astype(int)))
    return tg.difference_by_runs(
        (slow.target_temperature, minimisation_check.converged_energy(slow, profile)),
        (fast.target_temperature, minimisation_check.converged_energy(fast, profile)),
        counts,
        n_bootstrap=max(20, profile.tg_bootstrap // 3),
        min_points=profile.tg_min_points,
        seed=profile.seed,
    )


def difference_numbers(curve: Mapping[str, Any]) -> dict[str, Any]:
    """The runs-needed paragraph: runs per schedule and the interval at the most of them (ε/k_B), the runs
    that would decide the order (``"more than 10⁴"`` written out when it is huge; ``"—"`` when undefined), and per
    schedule the half-width of Tg's own interval at all runs (``hw_<schedule>``, ε/k_B) and the runs that would
    bring it to :data:`glasslib.simulation.tg.TG_HALF_WIDTH` (``runs_hw_<schedule>``)."""
    needed = curve["runs_to_decide"]
    for_half = curve.get("runs_for_tg_half_width", {})
    return {
        **{f"hw_{name}": curve["tg_half_width"][name][-1] for name in curve.get("tg_half_width", {})},
        **{f"runs_hw_{name}": "—" if n is None else f"{n:,}" for name, n in for_half.items()},
        "diff_runs": curve["runs"][-1],
        "diff_low": curve["low"][-1],
        "diff_high": curve["high"][-1],
        "diff_decided": "excludes" if curve["low"][-1] > 0 or curve["high"][-1] < 0 else "contains",
        "runs_to_decide": "—" if needed is None else (f"{needed:,}" if needed <= 10_000 else "more than 10,000"),
    }


def criterion_check(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """What the energy criterion leaves, on :data:`CHECK_SNAPSHOTS` snapshots of run 0 of each schedule
    (:func:`glasslib.simulation.minimisation_check.criterion_check`, force-only at the profile's ``fire_ftol``).

    Returns JSON-ready ``rows`` (one per snapshot: schedule, T, both ‖F‖ and iteration counts, the energy per particle
    of the protocol's minimum minus the force-converged one ε, the largest and RMS displacement σ) and their ``summary``
    (largest and median; the energy difference as its absolute value).
    """
    rows = []
    for schedule in profile.schedules:
        run = store.read_run(store.run_path(run_dir, schedule, 0), profile.simulation_hash())
        picks = np.unique(np.linspace(0, len(run.step) - 1, CHECK_SNAPSHOTS).round().astype(int))
        table = minimisation_check.criterion_check(
            profile.protocol, run.positions[picks], run.types, profile.fire_ftol, profile.is_fire_maxiter
        )
        table.insert(0, "T", run.target_temperature[picks])
        table.insert(0, "schedule", schedule)
        rows += table.to_dict(orient="records")
    excess = np.abs([r["energy_excess"] for r in rows])  # either sign: FIRE's inertia can settle the longer run a hair higher
    rms = np.array([r["displacement_rms"] for r in rows])
    summary = {
        "n": len(rows),
        "force_only_met": int(sum(r["fnorm_force_only"] <= profile.fire_ftol for r in rows)),
        "energy_excess_median": float(np.median(excess)),
        "energy_excess_max": float(excess.max()),
        "displacement_rms_median": float(np.median(rms)),
        "displacement_rms_max": float(rms.max()),
        "displacement_max_max": float(max(r["displacement_max"] for r in rows)),
        "iterations_ratio_median": float(np.median([r["iterations_force_only"] / r["iterations"] for r in rows])),
    }
    return {"rows": rows, "summary": summary}


#: A displacement this large (σ) between the two minima means the force-only run ended in another minimum.
OTHER_MINIMUM = 0.1


def check_numbers(check: Mapping[str, Any]) -> dict[str, Any]:
    """The criterion-check paragraph from :func:`criterion_check`: snapshots, energy left (ε), RMS displacement (σ),
    the iteration ratio, and a sentence on the largest single displacement."""
    summary, rows = check["summary"], check["rows"]
    other = sum(r["displacement_max"] > OTHER_MINIMUM for r in rows)
    largest = max((r["displacement_max"] for r in rows if r["displacement_max"] <= OTHER_MINIMUM), default=0.0)
    sentence = f"No particle moved more than {largest:.1g} σ"
    if other:
        sentence += (
            f" in {len(rows) - other} of them; in the other {other} the longer force-only run crossed into a neighbouring"
            " minimum (a particle moved more than 0.1 σ), a different inherent structure rather than a less converged one"
        )
    return {
        "check_n": summary["n"],
        "check_force_met": summary["force_only_met"],
        "check_excess_median": summary["energy_excess_median"],
        "check_excess_max": summary["energy_excess_max"],
        "check_rms_median": summary["displacement_rms_median"],
        "check_ratio": summary["iterations_ratio_median"],
        "check_largest": sentence + ".",
    }
