"""``glasslib results``: every headline number of a run as one JSON document.

The machine-readable conclusion of a run directory — what papermill batch runs collect and what
the conclusion chapter reads. Each section comes from one run-directory product through its
``load_*`` function; a chapter that has not run (or whose product is stale for the profile)
leaves its keys out and is listed under ``"missing"`` with the reason, never an error::

    {"profile": "quick", "profile_hash": "…", "run_dir": "…",
     "tg": {"slow": {"value": 0.41, "std": 0.02, "ci95": [0.37, 0.45], "glass_energy": {…}}, "fast": {…}},
     "datasets": {"6": {"glass_energy": {"mean": …, "std": …}, "liquid_energy": {…}, …}},
     "classifiers": {"cnn": {"1": {"auc_mean": …, "auc_std": …, "auc_ci95": […], "accuracy_mean": …,
                                   "n_test": …, "folds": 3}}},
     "cross_dataset": {"cnn": {"ids": […], "auc": [[…]], "off_diagonal_mean": …}},
     "structural_metrics": {"components": {"alpha3": …, "alpha3_se": …, "p_value": …}},
     "attention": {"cutoff": …, "counts": {"disjoint_graphs": {"glass_mean": …, "liquid_mean": …, "p_value": …}}},
     "claims": [{"claim": "…", "this_run": "…", "verdict": "…"}],
     "missing": {"attention": "…/attention.json is missing: run notebooks/06_attention.ipynb first …"}}

Fold-to-fold intervals: ``auc_ci95`` is mean ± t₀.₉₇₅,ₙ₋₁ · s / √n over the n outer folds (s with
ddof = 1), clipped to [0, 1]; ``auc_std`` is the population std (ddof = 0) the book's tables show.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.profiles import Profile
from glasslib.rundir import ProductError

#: Models each classifier chapter trains, by the name it stores them under.
CLASSIFIER_MODELS = ("cnn", "dmpnn", "dmpnn_invariant", "dmpnn_attention")


def t_interval(values: np.ndarray, low: float = 0.0, high: float = 1.0) -> list[float]:
    """95 % Student-t interval of the mean of ``values`` (ddof = 1), clipped to [low, high]; NaNs for < 2 values."""
    from scipy import stats

    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return [math.nan, math.nan]
    half = stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / math.sqrt(values.size)
    return [max(low, float(values.mean() - half)), min(high, float(values.mean() + half))]


def _tg_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.simulation.tg import load_tg

    out = {}
    for name, record in load_tg(run_dir, profile).items():
        out[name] = {
            "value": record["tg"],
            "std": record["tg_std"],
            "ci95": record["tg_interval_95"],
            "glass_energy": {"value": record["mean_energy"][0], "sem": record["sem_energy"][0]},
            "liquid_slope": record["slope_liquid"],
            "glass_slope": record["slope_glass"],
        }
    return out


def _datasets_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.data.datasets import load_summaries

    return {str(d): summary for d, summary in load_summaries(run_dir, profile).items()}


def _classifiers_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.models import specs

    out: dict[str, Any] = {}
    for name in CLASSIFIER_MODELS:
        spec = specs.spec_by_name(profile, name)
        try:
            folds = specs.load_results(profile, run_dir, spec, only=specs.trained_ids(profile, name)).folds
        except ProductError:
            continue
        per_set: dict[str, Any] = {}
        for dataset in sorted({d for d, _ in folds}):
            results = [r for (d, _), r in sorted(folds.items()) if d == dataset]
            auc = np.array([r.auc for r in results])
            per_set[str(dataset)] = {
                "auc_mean": float(auc.mean()),
                "auc_std": float(auc.std()),
                "auc_ci95": t_interval(auc),
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
    from glasslib.models import specs

    out = {}
    for name in ("cnn", "dmpnn"):
        try:
            ids, matrix = specs.load_cross_dataset(profile, run_dir, specs.spec_by_name(profile, name))
        except ProductError:
            continue
        off = ~np.eye(len(ids), dtype=bool)
        out[name] = {
            "ids": list(ids),
            "auc": np.asarray(matrix).tolist(),
            "off_diagonal_mean": float(np.asarray(matrix)[off].mean()) if off.any() else None,
        }
    if not out:
        raise ProductError("no cross-data-set matrix stored: run notebooks/04_cnn.ipynb and 05_dmpnn.ipynb first")
    return out


def _metrics_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.analysis.kink import load_kink_table

    table = load_kink_table(run_dir, profile)
    return {
        row["metric"]: {
            "alpha3": row["alpha3"],
            "alpha3_se": row["se_alpha3"],
            "p_value": row["p_alpha3_positive"],
            "r_squared": row["r_squared"],
        }
        for row in table
    }


def _attention_section(profile: Profile, run_dir: Path) -> dict[str, Any]:
    from glasslib.analysis.attention_counts import load_attention_summary

    summary = load_attention_summary(run_dir, profile)
    counts = {
        row["count"]: {
            "glass_mean": row["mean_glass"],
            "glass_sem": row["sem_glass"],
            "liquid_mean": row["mean_liquid"],
            "liquid_sem": row["sem_liquid"],
            "p_value": row["p_value"],
            "n_glass": row["n_glass"],
            "n_liquid": row["n_liquid"],
        }
        for row in summary["comparison"]
    }
    return {"cutoff": summary["cutoff"], "counts": counts}


#: Section name → the function reading it from the run directory (chapter order).
SECTIONS: dict[str, Callable[[Profile, Path], dict[str, Any]]] = {
    "tg": _tg_section,
    "datasets": _datasets_section,
    "classifiers": _classifiers_section,
    "cross_dataset": _cross_dataset_section,
    "structural_metrics": _metrics_section,
    "attention": _attention_section,
}


def collect_results(profile: Profile, run_dir: Path | str | None = None) -> dict[str, Any]:
    """The run's headline numbers (module docstring); sections whose products are missing or stale are left out."""
    from glasslib.book.claims import evaluate_claims

    run_dir = Path(run_dir) if run_dir else profile.run_dir()
    results: dict[str, Any] = {
        "profile": profile.label,
        "profile_hash": profile.settings_hash(),
        "run_dir": str(run_dir.resolve()),
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
