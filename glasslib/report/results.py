"""``glasslib results``: every headline number of a run as one JSON document.

The machine-readable conclusion of a run directory — what papermill batch runs collect and what
the conclusion chapter reads. Each section comes from one run-directory product through its
``load_*`` function; a chapter that has not run (or whose product is stale for the profile)
leaves its keys out and is listed under ``"missing"`` with the reason, never an error::

    {"profile": "quick", "profile_hash": "…", "run_dir": "…",
     "memory_decay": {"forgotten_tau": …, "equilibration_tau": …, "independent_band": …, "last": {…}},
     "tg": {"slow": {"value": 0.41, "std": 0.02, "ci95": [0.37, 0.45], "glass_energy": {…}}, "fast": {…},
            "fast_minus_slow": {"value": …, "ci95": […]}, "glass_energy_fast_minus_slow": {…}},
     "start_cue": {"6": {"shared start": {"auc": …, "ci95": […], "cue": false}, "own start": {…}}},
     "datasets": {"6": {"glass_energy": {"mean": …, "std": …, "n": …}, "energy_gap": {"value": …, "ci95": […]}, …}},
     "classifiers": {"cnn": {"1": {"auc_mean": …, "auc_std": …, "auc_ci95": […], "accuracy_mean": …,
                                   "n_test": …, "folds": 3}}},
     "cross_dataset": {"cnn": {"ids": […], "auc": [[…]], "off_diagonal_mean": …, "off_diagonal_ci95": […]}},
     "reading": {"networks": {"CNN": {"thermal": "cnn_pooled", "inherent": "cnn_pooled_inherent"}, …},
                 "baselines": {"inherent": {"6": {"thermometer": {"auc": …, "ci95": […], "auc_folds": […]}, …}}},
                 "paired": [{"network": "D-MPNN", "input": "inherent", "dataset": 6, "baseline": "descriptors",
                             "difference": …, "ci95": […], "verdict": …}, …]},
     "artificial_images": {"probed_model": {"model": "cnn", "dataset": 1, "fold": 0},
                           "kinds": {"random": {"n": 8, "called_glass": 0, "glass_fraction_ci95": [0, 0.37], …}}},
     "structural_metrics": {"components": {"alpha3": …, "alpha3_se": …, "alpha3_ci95": […], "p_value": …}},
     "attention": {"cutoffs": {"0": {"cutoff": …, "rule": …}}, "counts": {"disjoint_graphs": {"glass_mean": …, "liquid_mean": …, "p_value": …}}},
     "dynamics": {"0.600": {"equilibration_tau_alpha": …, "input": "thermal", "cage-relative": {"tau_alpha": …,
                  "linear_inherent": {"time": …, "rho": …, "ci_low": …, "ci_high": …, "ceiling": …}, …}, …}},
     "motion_readings": {"classifiers": {"cnn": {"model": …, "auc": …}, "attention": {…, "cutoff": …}},
                         "direction": {"glasses": …, "liquids": …, "readings": {"gradcam": {"auc": …, "ci_low": …,
                                                                                "ci_high": …, "sign": …}, …}},
                         "temperatures": {"0.600": {"cage-relative": {"gradcam": {"time": …, "rho": …, "ci_low": …,
                                                                        "ci_high": …, "verdict": …}, …}}},
                         "inherent": {the same, from the models trained on inherent structures; each temperature
                                      also has "quench": {"configurations": …, "usable": …, …}}},
     "claims": [{"claim": "…", "chapter": "05", "source": "…", "input": "thermal", "scale": "quick", "this_run": "…",
                 "threshold": "> 0.98", "verdict": "…", "points": [{"label": …, "value": …, "low": …, "high": …,
                                                                    "threshold": …, "verdict": …}, …]}],
     "missing": {"attention": "…/attention.json is missing: run notebooks/06_attention.ipynb first …"}}

Intervals (95 %): ``auc_ci95`` is the bootstrap over folds and outer-test configurations of
:func:`glasslib.stats.auc_interval` (``auc_ci95_folds_t``, the Student-t interval over the three
fold AUCs alone, is kept beside it); ``off_diagonal_ci95`` is mean ± t₀.₉₇₅,ₙ₋₁ · s / √n over the n
outer folds (s with ddof = 1), clipped to [0, 1] (``auc_std`` is the population std the tables
show); Tg's is the bootstrap percentile interval, and the Tg difference's comes from the paired
bootstrap draws; energy differences use ±1.96 standard errors; α3's uses the regression's t
quantile. :mod:`glasslib.report.claims` turns them into verdicts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.models.fold_results import fold_auc_interval
from glasslib.profiles import Profile
from glasslib.rundir import ProductError
from glasslib.stats import t_interval

#: Models each classifier chapter trains, by the name it stores them under.
CLASSIFIER_MODELS = (
    "cnn",
    "cnn_pooled",
    "dmpnn",
    "dmpnn_invariant",
    "dmpnn_attention",
    "cnn_pooled_inherent",
    "dmpnn_invariant_inherent",
    "dmpnn_attention_inherent",
)


def _tg_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.simulation.tg import load_minimisations, load_studies, load_tg

    records, out = load_tg(run_dir, profile), {}
    studies = load_studies(run_dir, profile)
    if minimisations := load_minimisations(run_dir, profile):
        out["minimisations"] = minimisations
    if "criterion_check" in studies:
        out["criterion_check"] = studies["criterion_check"]
    for name, record in records.items():
        out[name] = {
            "value": record["tg"],
            "std": record["tg_std"],
            "ci95": record["tg_interval_95"],
            "failed_resamples": record.get("failed_resamples", 0),
            "glass_energy": {"value": record["mean_energy"][0], "sem": record["sem_energy"][0]},
            "liquid_slope": record["slope_liquid"],
            "glass_slope": record["slope_glass"],
            "half_width": (record["tg_interval_95"][1] - record["tg_interval_95"][0]) / 2,
        }
        if "runs_for_tg_half_width" in studies.get("difference_by_runs", {}):  # runs at which ±0.05 would be reached
            out[name]["runs_for_half_width_0.05"] = studies["difference_by_runs"]["runs_for_tg_half_width"][name]
    if {"slow", "fast"} <= set(records):
        slow, fast = out["slow"]["glass_energy"], out["fast"]["glass_energy"]
        gap, se = fast["value"] - slow["value"], math.hypot(fast["sem"], slow["sem"])
        out["glass_energy_fast_minus_slow"] = {"value": gap, "ci95": [gap - 1.96 * se, gap + 1.96 * se]}
        if all("tg_bootstrap" in records[s] for s in ("slow", "fast")):
            # the two schedules' resamples share their seed: paired by bootstrap draw
            difference = np.asarray(records["fast"]["tg_bootstrap"]) - np.asarray(records["slow"]["tg_bootstrap"])
            failed = np.zeros(difference.shape, bool)
            for s in ("slow", "fast"):  # a pair counts only where both resamples found a transition
                failed |= np.asarray(records[s].get("tg_bootstrap_failed", failed), bool)
            out["fast_minus_slow"] = {
                "value": records["fast"]["tg"] - records["slow"]["tg"],
                "ci95": np.percentile(difference[~failed], [2.5, 97.5]).tolist(),
                "fraction_positive": float(np.mean(difference[~failed] > 0)),
                "failed_pairs": int(failed.sum()),
            }
            if "difference_by_runs" in studies:  # the interval against runs per schedule, and the runs that would decide it
                out["fast_minus_slow"]["by_runs"] = studies["difference_by_runs"]
                out["fast_minus_slow"]["runs_to_decide"] = studies["difference_by_runs"]["runs_to_decide"]
    return out


def _datasets_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.data.datasets import load_summaries

    out = {}
    for dataset, summary in load_summaries(run_dir, profile).items():
        glass, liquid = summary["glass_energy"], summary["liquid_energy"]
        gap = glass["mean"] - liquid["mean"]
        se = math.sqrt(glass["std"] ** 2 / glass["n"] + liquid["std"] ** 2 / liquid["n"])
        summary["energy_gap"] = {"value": gap, "ci95": [gap - 1.96 * se, gap + 1.96 * se]}
        summary["energy_tolerance"] = min(glass["std"], liquid["std"])  # data set 6's claim: within one std
        out[str(dataset)] = summary
    return out


def _memory_decay_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.data.memory_decay import load_decay

    decay = load_decay(run_dir, profile)
    low, high = decay.interval()
    return {
        "forgotten_tau": decay.forgotten_tau(),
        "equilibration_tau": profile.protocol.equilibration_tau,
        "independent_band": decay.independent_band,
        "last": {"time": float(decay.times[-1]), "overlap": float(decay.mean[-1]), "ci95": [float(low[-1]), float(high[-1])]},
    }


def _start_cue_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.data.start_memory import load_cue

    return load_cue(run_dir, profile)


def _classifiers_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.models import selection

    out: dict[str, Any] = {}
    for name in CLASSIFIER_MODELS:
        spec = selection.spec_by_name(profile, name)
        try:
            folds = selection.load_results(profile, run_dir, spec, only=selection.trained_ids(profile, name)).folds
        except ProductError:
            continue
        per_set: dict[str, Any] = {}
        for dataset in sorted({d for d, _ in folds}):
            results = [r for (d, _), r in sorted(folds.items()) if d == dataset]
            auc = np.array([r.auc for r in results])
            per_set[str(dataset)] = {
                "auc_mean": float(auc.mean()),
                "auc_std": float(auc.std()),
                "auc_ci95": fold_auc_interval(results, seed=profile.seed),
                "auc_ci95_folds_t": t_interval(auc),
                "accuracy_mean": float(np.mean([r.accuracy for r in results])),
                "accuracy_std": float(np.std([r.accuracy for r in results])),
                "n_test": int(sum(len(r.test_indices) for r in results)),
                "folds": len(results),
                "auc_folds": auc.tolist(),
            }
        out[name] = per_set
    if not out:
        raise ProductError("no classifier has stored results: run notebooks/04_cnn.ipynb and 05_dmpnn.ipynb first")
    return out


def _cross_dataset_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.chapters import classifiers
    from glasslib.models import selection

    out = {}
    for name in (*selection.CNN_NAMES, "dmpnn", "dmpnn_invariant"):
        try:
            ids, folds = classifiers.load_cross_dataset(profile, run_dir, selection.spec_by_name(profile, name))
        except ProductError:
            continue
        off = ~np.eye(len(ids), dtype=bool)
        per_fold = [float(fold[off].mean()) for fold in folds] if off.any() else []
        out[name] = {
            "ids": list(ids),
            "auc": folds.mean(axis=0).tolist(),
            "off_diagonal_mean": float(np.mean(per_fold)) if per_fold else None,
            "off_diagonal_folds": per_fold,
            "off_diagonal_ci95": t_interval(np.asarray(per_fold)) if per_fold else None,
        }
    if not out:
        raise ProductError("no cross-data-set matrix stored: run notebooks/04_cnn.ipynb and 05_dmpnn.ipynb first")
    return out


def _artificial_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.interpretation.artificial_probe import load_probe, probe_summary

    dataset, probabilities = load_probe(run_dir, profile)
    return {"probed_model": {"model": profile.reference_cnn, "dataset": dataset, "fold": 0}, "kinds": probe_summary(probabilities)}


def _metrics_section(profile: Profile, run_dir: Path, key: str = "kink") -> dict[str, Any]:
    from scipy import stats

    from glasslib.structure.kink import load_kink_table

    out = {}
    for row in load_kink_table(run_dir, profile, key):
        half = stats.t.ppf(0.975, row["df_resid"]) * row["se_alpha3"] if row["df_resid"] > 0 else math.inf
        out[row["metric"]] = {
            "alpha3": row["alpha3"],
            "alpha3_se": row["se_alpha3"],
            "alpha3_ci95": [row["alpha3"] - half, row["alpha3"] + half],
            "p_value": row["p_alpha3_positive"],
            "r_squared": row["r_squared"],
        }
    return out


def _attention_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.interpretation.attention_counts import load_attention_summary

    summary = load_attention_summary(run_dir, profile)

    def counts(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            row["count"]: {
                "glass_mean": row["mean_glass"],
                "glass_sem": row["sem_glass"],
                "liquid_mean": row["mean_liquid"],
                "liquid_sem": row["sem_liquid"],
                "p_value": row["p_value"],
                "n_glass": row["n_glass"],
                "n_liquid": row["n_liquid"],
            }
            for row in rows
        }

    by_input = {
        kind: {"cutoffs": found["cutoffs"], "counts": counts(found["comparison"])} for kind, found in summary.get("by_input", {}).items()
    }
    return {
        "inputs": summary.get("inputs", "thermal"),
        "cutoffs": summary["cutoffs"],
        "counts": counts(summary["comparison"]),
        "by_input": by_input,
    }


def _dynamics_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """Chapter 09 per temperature and kind: τ_α, every model's ρ at each comparison time within the recorded ones
    (with its paired difference from the equivariant network), the headline at τ_α, each network on thermal vs
    inherent positions at τ_α, the learning curve, and the networks' best epochs."""
    from glasslib.chapters.ch09_comparison import (
        compared_at,
        headline,
        inputs_comparison,
        learning_points,
        reachable_times,
        training_summary,
    )
    from glasslib.chapters.ch09_dynamics import KINDS, load_dynamics

    def at(result: dict[str, Any], kind: str, when: str) -> dict[str, Any]:
        found = compared_at(result, kind, when, profile.seed)
        models = {
            name: {key: row["score"][key] for key in ("mean", "ci_low", "ci_high")} | {"equivariant_minus_this": row["difference"]}
            for name, row in found["models"].items()
        }
        return {"time": found["time"], "models": models}

    out = {}
    for label, result in load_dynamics(run_dir, profile).items():
        out[label] = {
            "configurations": result["configurations"],
            "runs": result["runs"],
            "input": profile.propensity_input,
            "equilibration_tau_alpha": result["equilibration_tau_alpha"],
            "training": training_summary(result),
            **{
                kind: {
                    "tau_alpha": result["relaxation"][kind]["tau_alpha"],
                    "at": {when: at(result, kind, when) for when in reachable_times(result, kind)},
                    "headline": headline(result, kind, profile.seed),
                    "inputs": inputs_comparison(result, profile.propensity_input, kind, profile.seed),
                    "learning_curve": learning_points(result, kind, profile.seed),
                }
                for kind in KINDS
            },
        }
    return out


def _readings_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """Chapter 09's readings of the classifiers, each at τ_α of its temperature and kind (thermal and inherent inputs)."""
    from glasslib.chapters.ch09_dynamics import KINDS, load_dynamics
    from glasslib.chapters.ch09_readings import READINGS, expected_signs, load_readings, on_input, reading_at, tau_alpha_of

    study = load_dynamics(run_dir, profile)

    def at_tau(readings: dict[str, Any]) -> dict[str, Any]:
        signs = expected_signs(readings)
        temperatures = {
            label: {
                kind: {name: reading_at(result, kind, name, signs[name], tau_alpha_of(study, label, kind)) for name in READINGS}
                for kind in KINDS
            }
            | ({"quench": result["quench"]} if "quench" in result else {})
            for label, result in readings["temperatures"].items()
        }
        return {"classifiers": readings["classifiers"], "direction": readings["direction"], "temperatures": temperatures}

    readings = load_readings(run_dir, profile)
    return {**at_tau(readings), "inherent": at_tau(on_input(readings, "inherent"))}


def _reading_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """Chapter 05b: each baseline per input and data set, and each reference network minus each baseline (paired)."""
    from glasslib.chapters import ch05b_reading as ch05b

    base = ch05b.load_baselines(profile, run_dir)
    networks = ch05b.network_results(profile, run_dir)
    slim = {
        kind: {d: {name: {k: r[k] for k in ("auc", "ci95", "auc_folds")} for name, r in records.items()} for d, records in sets.items()}
        for kind, sets in base.items()
    }
    return {
        "networks": {family: {kind: result.model for kind, result in results.items()} for family, results in networks.items()},
        "baselines": slim,
        "paired": ch05b.paired_rows(base, networks, profile.seed),
    }


def _paper_plan_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.chapters.ch10_paper_scale import load_figures, plan_totals
    from glasslib.profiles import get_profile

    figures = load_figures(profile, run_dir)
    return {"figures": figures, "paper": plan_totals(get_profile("paper"), figures)}


#: Section name → the function reading it from the run directory (chapter order).
SECTIONS: dict[str, Callable[[Profile, Path], dict[str, Any]]] = {
    "memory_decay": _memory_decay_section,
    "tg": _tg_section,
    "datasets": _datasets_section,
    "start_cue": _start_cue_section,
    "classifiers": _classifiers_section,
    "cross_dataset": _cross_dataset_section,
    "reading": _reading_section,
    "artificial_images": _artificial_section,
    "structural_metrics": _metrics_section,
    "structural_metrics_inherent": lambda profile, run_dir: _metrics_section(profile, run_dir, "kink_inherent"),
    "attention": _attention_section,
    "dynamics": _dynamics_section,
    "motion_readings": _readings_section,
    "paper_plan": _paper_plan_section,
}


def collect_results(profile: Profile, run_dir: Path | str | None = None) -> dict[str, Any]:
    """The run's headline numbers (module docstring); sections whose products are missing or stale are left out."""
    from glasslib.report.claims import evaluate_claims

    run_dir = Path(run_dir) if run_dir else profile.run_dir()
    results: dict[str, Any] = {
        "profile": profile.label,
        "profile_hash": profile.settings_hash(),
        "run_dir": str(run_dir.resolve()),
        "reference": {"cnn": profile.reference_cnn, "dmpnn": profile.reference_dmpnn},
    }
    missing = {}
    for name, section in SECTIONS.items():
        try:
            results[name] = section(profile, run_dir)
        except (ProductError, OSError) as err:
            missing[name] = str(err).splitlines()[0]
    results["claims"] = evaluate_claims(results)
    results["missing"] = missing
    return results


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinities become null, numpy scalars and arrays plain Python."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def results_json(profile: Profile, run_dir: Path | str | None = None) -> str:
    """:func:`collect_results` as an indented, strictly valid JSON document (no NaN)."""
    return json.dumps(_plain(collect_results(profile, run_dir)), indent=2, allow_nan=False)
