"""The book's tables: each a DataFrame indexed by what its rows are (no integer index on a page)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from glasslib import published
from glasslib.profiles import PROFILES, Profile


def pair_table(pair_coeffs: Mapping[tuple[int, int], tuple[float, float, float]]) -> pd.DataFrame:
    """The Kob–Andersen pair coefficients, one row per pair (chapter 01)."""
    rows = {
        "AB"[a - 1] + "AB"[b - 1]: {"well depth [ε]": e, "diameter [σ]": s, "cut-off radius [σ]": c}
        for (a, b), (e, s, c) in pair_coeffs.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("pair")


def tg_table(results: Mapping[str, Any], profile: Profile) -> pd.DataFrame:
    """Tg with its bootstrap std and 95 % interval, the glass energy and both slopes, per schedule (chapter 02)."""
    rows = {}
    for name, res in results.items():
        low, high = res.tg_interval()
        energy, sem = res.glass_energy()
        rows[name] = {
            "cooling time [steps]": profile.schedules[name].t_cool,
            "Tg [ε/k_B]": round(res.tg, 3),
            "± (bootstrap std) [ε/k_B]": round(res.tg_std, 3),
            "95 % interval [ε/k_B]": f"[{low:.3f}, {high:.3f}]",
            "glass E_IS at T=0.05 [ε]": f"{energy:.4f} ± {sem:.4f}",
            "slope liquid / glass [k_B]": f"{res.fit.slope_liquid:.4f} / {res.fit.slope_glass:.4f}",
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("schedule")


def cooling_checks(results: Mapping[str, Any]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Slower cooling, lower Tg and lower glass energy: the checks and the numbers the prose quotes (chapter 02)."""
    slow, fast = results["slow"], results["fast"]
    both = ~(slow.failed | fast.failed)  # pairs where both resamples found a transition
    tg_lower = float(np.mean(slow.tg_bootstrap[both] < fast.tg_bootstrap[both]))
    gap = fast.glass_energy()[0] - slow.glass_energy()[0]
    gap_se = float(np.hypot(fast.glass_energy()[1], slow.glass_energy()[1]))
    table = pd.DataFrame.from_dict(
        {
            "Tg(slow) < Tg(fast)": {"holds": slow.tg < fast.tg, "evidence": f"in {100 * tg_lower:.0f} % of bootstrap pairs"},
            "E_glass(slow) < E_glass(fast)": {"holds": gap > 0, "evidence": f"gap {gap:.4f} ± {gap_se:.4f} ε ({gap / gap_se:.1f} s.e.)"},
        },
        orient="index",
    ).rename_axis("check")
    return table, {"tg_lower_pct": 100 * tg_lower, "energy_gap": float(gap), "energy_gap_z": float(gap / gap_se)}


def tg_versus_paper(results: Mapping[str, Any], label: str) -> pd.DataFrame:
    """This run's Tg and glass energies beside the paper's values and their sources (chapter 02)."""
    slow, fast = results["slow"], results["fast"]
    run = f"this run ({label})"
    rows = {
        "Tg, slow schedule [ε/k_B]": (f"{slow.tg:.3f} ± {slow.tg_std:.3f}", published.TG_SLOW),
        "Tg, fast schedule [ε/k_B]": (f"{fast.tg:.3f} ± {fast.tg_std:.3f}", published.TG_FAST),
        "glass E_IS, slow [ε]": (f"{slow.glass_energy()[0]:.4f}", published.GLASS_ENERGY_SLOW),
        "glass E_IS, fast [ε]": (f"{fast.glass_energy()[0]:.4f}", published.GLASS_ENERGY_FAST),
    }
    return pd.DataFrame.from_dict(
        {k: {run: v, "paper scale": ref.value, "source": ref.source} for k, (v, ref) in rows.items()}, orient="index"
    ).rename_axis("quantity")


def cnn_layer_table() -> pd.DataFrame:
    """The paper's CNN, layer by layer: output shape and parameter count (chapter 04)."""
    rows = {
        "input": ("250 × 250 × 3", 0),
        "conv 6 @ 10×10 + ReLU": ("241 × 241 × 6", 10 * 10 * 3 * 6 + 6),
        "conv 16 @ 5×5 + ReLU": ("237 × 237 × 16", 5 * 5 * 6 * 16 + 16),
        "dense 80 + ReLU, dropout": ("80", 237 * 237 * 16 * 80 + 80),
        "dense 2, softmax": ("2", 80 * 2 + 2),
    }
    return pd.DataFrame.from_dict({k: {"output": o, "parameters": p} for k, (o, p) in rows.items()}, orient="index").rename_axis("layer")


def cnn_budget_table(profile: Profile, n_configurations: int) -> pd.DataFrame:
    """The CNN's model-selection budget at this profile beside the paper's (chapter 04)."""
    paper = PROFILES["paper"]

    def column(p: Profile, model: str, configurations: int) -> dict[str, Any]:
        return {
            "TPE iterations per search": getattr(p, f"{model}_iterations"),
            "epochs per inner trial": getattr(p, f"{model}_inner_epochs"),
            "epochs of the outer model": getattr(p, f"{model}_outer_epochs"),
            "batch sizes searched": f"10 … {p.cnn_batch_max}",
            "data sets": ", ".join(map(str, p.model_ids("cnn_paper_datasets") if model == "cnn" else p.dataset_ids())),
            "configurations per data set": f"{configurations:,}",
        }

    return pd.DataFrame(
        {
            "paper's CNN, this run": column(profile, "cnn", n_configurations),
            "reduced-scale CNN, this run": column(profile, "cnn_pooled", n_configurations),
            "paper": column(paper, "cnn", 2 * paper.runs_per_schedule),
        }
    ).rename_axis("setting")


def classifier_auc_table(results: Mapping[str, Any], seed: int) -> pd.DataFrame:
    """Outer-test ROC AUC per data set (rows) and model (columns): mean over folds with the 95 % interval
    bootstrapped over folds and test configurations (:func:`glasslib.stats.auc_interval`).

    ``results``: column title -> :class:`~glasslib.models.fold_results.NestedCVResult`; "—" where a model
    did not train on a data set.
    """
    columns: dict[str, dict[int, str]] = {}
    for title, result in results.items():
        cells = {}
        for dataset in sorted({d for d, _ in result.folds}):
            folds = [r for (d, _), r in sorted(result.folds.items()) if d == dataset]
            low, high = result.auc_interval(dataset, seed)
            cells[dataset] = f"{np.mean([r.auc for r in folds]):.3f} [{low:.3f}, {high:.3f}]"
        columns[f"{title}: AUC [95 %]"] = cells
    return pd.DataFrame(columns).fillna("—").rename_axis("data set")


def dmpnn_budget_table(profile: Profile) -> pd.DataFrame:
    """The D-MPNN's model-selection budget and search caps at this profile beside the paper's (chapter 05)."""

    def column(p: Profile) -> dict[str, Any]:
        return {
            "TPE iterations per search": p.dmpnn_iterations,
            "epochs per inner trial": p.dmpnn_inner_epochs,
            "epochs of the outer model": p.dmpnn_outer_epochs,
            "fresh windows per configuration and epoch": p.dmpnn_windows_per_epoch,
            "windows averaged per configuration at evaluation": p.dmpnn_eval_windows,
            "hidden sizes": f"300 … {p.dmpnn_hidden_max}",
            "steps T": f"2 … {p.dmpnn_depth_max}",
            "window l_win": f"{p.dmpnn_l_win_min:g} … {p.dmpnn_l_win_max:g}",
            "particles per configuration": f"{p.n_particles:,}",
        }

    return pd.DataFrame({"this run": column(profile), "paper": column(PROFILES["paper"])}).rename_axis("setting")


def probe_table(probabilities: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Mean glass probability and share called glass, per probe set (chapter 04)."""
    return pd.DataFrame.from_dict(
        {
            name: {"mean glass probability": round(float(p.mean()), 3), "classified as glass": f"{(p >= 0.5).mean():.0%}"}
            for name, p in probabilities.items()
        },
        orient="index",
    ).rename_axis("images")


def claims_table(claims: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The conclusion's table, grouped by chapter: every claim row of ``glasslib results`` (chapter 08).

    Rows are indexed by (chapter, claim) in book order; the columns hold what this run measured with
    every interval in full, the threshold, the verdict, the input and scale it was judged at
    (``judged on``: ``inherent, quick``), and whose claim it is. A new claim in :data:`glasslib.report.claims.CLAIMS` appears without editing.
    """
    columns = {"this_run": "this run, with 95 % intervals", "threshold": "threshold", "verdict": "verdict"}
    rows = [
        {
            "chapter": _chapter_label(c.get("chapter", "—")),
            "claim": c["claim"],
            **{label: c.get(key, "—") for key, label in columns.items()},
            "judged on": ", ".join(str(c[k]) for k in ("input", "scale") if c.get(k, "—") != "—") or "—",
            "claim of": c.get("source", "—"),
        }
        for c in claims
    ]
    frame = pd.DataFrame(rows, columns=["chapter", "claim", *columns.values(), "judged on", "claim of"])
    return frame.set_index(["chapter", "claim"])


def _chapter_label(chapter: str) -> str:
    """``"05b"`` → ``"5b"``: a chapter as the book numbers it."""
    return chapter.lstrip("0") or chapter


def count_comparison_table(comparison: pd.DataFrame) -> pd.DataFrame:
    """Glasses vs liquids per attention count, for reading (chapters 06 and 08).

    ``comparison``: :func:`glasslib.interpretation.attention_counts.compare_classes`' frame (columns
    ``label``, ``mean_glass``, ``sem_glass``, ``mean_liquid``, ``sem_liquid``, ``n_glass``, ``n_liquid``,
    ``p_value``). One row per count, named as printed; means ± standard errors per configuration, the
    liquid − glass gap with its 95 % interval (±1.96 combined standard errors) and the one-sided test.
    """
    rows = {}
    for _, c in comparison.iterrows():
        gap, se = c["mean_liquid"] - c["mean_glass"], float(np.hypot(c["sem_glass"], c["sem_liquid"]))
        rows[c["label"]] = {
            "glasses, mean ± s.e.": f"{c['mean_glass']:.2f} ± {c['sem_glass']:.2f}",
            "liquids, mean ± s.e.": f"{c['mean_liquid']:.2f} ± {c['sem_liquid']:.2f}",
            "liquid − glass [95 %]": f"{gap:+.2f} [{gap - 1.96 * se:+.2f}, {gap + 1.96 * se:+.2f}]",
            "configurations (glass / liquid)": f"{int(c['n_glass'])} / {int(c['n_liquid'])}",
            "p, fewer in glasses (Mann–Whitney)": f"{c['p_value']:.3f}",
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("count per configuration")


def fold_results_table(result: Any) -> pd.DataFrame:
    """One row per (data set, fold) of a nested-CV result: its scores and, in one cell, the hyperparameters chosen (chapters 04, 05).

    ``result``: a :class:`~glasslib.models.fold_results.NestedCVResult` (its ``fold_table()``).
    """
    table = result.fold_table()
    scores = ["AUC", "accuracy", "inner AUC", "best epoch"]
    chosen = [c for c in table.columns if c not in scores]
    frame = table[scores].round(3)
    frame["hyperparameters chosen"] = [", ".join(f"{c} {_short(row[c])}" for c in chosen) for _, row in table.iterrows()]
    return frame


def _short(value: Any) -> str:
    """A hyperparameter as printed: floats to three significant figures."""
    return f"{value:.3g}" if isinstance(value, float) else str(value)


#: The kink regression's coefficients, as printed (chapter 07).
ALPHAS = ("α0", "α1", "α2", "α3")


def kink_fit_table(table: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The kink regression per metric, for reading: each αi ± its standard error, the one-sided p of α3 > 0, R² (chapter 07).

    ``table``: :func:`glasslib.structure.kink.kink_table`'s frame (``alpha0`` … ``alpha3``, ``se_alpha*``,
    ``p_alpha3_positive``, ``r_squared``), indexed by metric; ``labels``: metric → printed name.
    """
    rows = {}
    for metric, fit in table.iterrows():
        row = {f"{name} ± s.e.": f"{fit[f'alpha{i}']:.3g} ± {fit[f'se_alpha{i}']:.2g}" for i, name in enumerate(ALPHAS)}
        rows[labels.get(str(metric), str(metric))] = {
            **row,
            "p, α3 > 0 (one-sided)": f"{fit['p_alpha3_positive']:.3g}",
            "R²": f"{fit['r_squared']:.3f}",
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("metric")


def throughput_table(throughput: Mapping[str, float]) -> pd.DataFrame:
    """LAMMPS throughput per worker, million atom-steps per second, per schedule (chapter 01)."""
    return pd.DataFrame({"throughput per worker [M atom-steps/s]": {k: v / 1e6 for k, v in throughput.items()}}).rename_axis("schedule")
