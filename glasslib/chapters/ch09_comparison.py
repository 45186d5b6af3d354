"""Chapter 09's models compared at the same times: τ_α, a short and a long time, paired intervals.

Every table, verdict and glued number of the chapter reads ρ at fixed multiples of τ_α of its
temperature and displacement kind (:data:`glasslib.dynamics.at_times.TIME_FACTORS`), every model at
the same time, each beside its paired difference from the equivariant network (same configurations,
paired bootstrap). The headline is at τ_α; the ρ(t) curves stay in the figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from glasslib.dynamics import at_times

#: Every scored model, in the order the book shows them, with its label.
MODEL_LABELS = {
    "linear_thermal": "linear, thermal positions",
    "linear_inherent": "linear, inherent structure",
    "plain": "plain graph network",
    "equivariant": "equivariant graph network",
}
#: The model every other is compared with.
REFERENCE = "equivariant"
#: The displacement kind of the headline.
HEADLINE_KIND = "cage-relative"


def compared_at(result: dict[str, Any], kind: str, when: str = at_times.HEADLINE, seed: int = 0) -> dict[str, Any]:
    """Every model of one temperature at the comparison time ``when`` (a key of ``TIME_FACTORS``).

    Returns ``time`` (τ), ``tau_alpha`` (τ) and ``models``: model → score and paired difference
    (:func:`glasslib.dynamics.at_times.compare_models`); :class:`~glasslib.dynamics.at_times.UntrainedTimeError`
    when the time lies outside the recorded ones.
    """
    relax = result["relaxation"][kind]
    t = at_times.comparison_times(relax["tau_alpha"])[when]
    scores = {name: curve for name, curve in result["scores"][kind].items() if name in (*MODEL_LABELS, "noise_ceiling")}
    return {"time": t, "tau_alpha": relax["tau_alpha"], "models": at_times.compare_models(scores, relax["times"], t, REFERENCE, seed)}


def headline(result: dict[str, Any], kind: str = HEADLINE_KIND, seed: int = 0) -> dict[str, Any]:
    """The headline at τ_α: every model's score, the best other model, its paired difference and the verdict.

    "holds" only when the paired interval of (equivariant − best other) lies above 0.
    """
    found = compared_at(result, kind, at_times.HEADLINE, seed)
    other = at_times.best_other(found["models"], REFERENCE)
    difference = found["models"][other]["difference"]
    ceiling = found["models"]["noise_ceiling"]["score"]["mean"]
    reference = found["models"][REFERENCE]["score"]
    return {
        "time": found["time"],
        "scores": {name: _summary(row["score"]) for name, row in found["models"].items()},
        "differences": {name: _summary(row["difference"]) for name, row in found["models"].items() if row["difference"] is not None},
        "best_other": other,
        "difference": _summary(difference),
        "verdict": at_times.verdict(difference),
        "configurations": int(difference["n"]),
        "configurations_to_decide": at_times.configurations_to_decide(difference),
        "ceiling": ceiling,
        "ceiling_fraction": reference["mean"] / ceiling if ceiling > 0 else float("nan"),
    }


def _summary(score: dict[str, Any]) -> dict[str, float]:
    return {key: float(score[key]) for key in ("mean", "ci_low", "ci_high")}


def _shown(score: dict[str, Any], signed: bool = False) -> str:
    if not np.isfinite(score["mean"]):
        return "—"
    f = "{:+.2f}" if signed else "{:.2f}"
    interval = "" if not np.isfinite(score["ci_low"]) else f" [{f.format(score['ci_low'])}, {f.format(score['ci_high'])}]"
    return f.format(score["mean"]) + interval


def reachable_times(result: dict[str, Any], kind: str) -> dict[str, float]:
    """The comparison times (τ) of one kind that lie within the recorded times; the others are left out of tables."""
    times = result["relaxation"][kind]["times"]
    found = at_times.comparison_times(result["relaxation"][kind]["tau_alpha"])
    return {name: t for name, t in found.items() if times[0] <= t <= times[-1] * (1 + 1e-9)}


def headline_table(study: dict[str, Any], times: tuple[str, ...] = (at_times.HEADLINE,), seed: int = 0) -> pd.DataFrame:
    """One row per temperature, kind and model; per comparison time of ``times``: ρ [95 %] and the paired Δ (equivariant − model).

    A time beyond the recorded ones reads "beyond t_max".
    """
    rows = []
    for label, result in study.items():
        for kind in result["scores"]:
            reachable = reachable_times(result, kind)
            found = {when: compared_at(result, kind, when, seed) for when in times if when in reachable}
            for model in (*MODEL_LABELS, "noise_ceiling"):
                if model not in result["scores"][kind]:
                    continue
                row: dict[Any, str | float] = {
                    "T": float(label),
                    "displacements": kind,
                    "model": MODEL_LABELS.get(model, "noise ceiling √ρ_R"),
                }
                for when in times:
                    if when not in found:
                        row[(when, "ρ [95 %]")] = row[(when, "Δ = equivariant − this")] = "beyond t_max"
                        continue
                    entry = found[when]["models"][model]
                    row[(when, "ρ [95 %]")] = _shown(entry["score"])
                    row[(when, "Δ = equivariant − this")] = "" if entry["difference"] is None else _shown(entry["difference"], signed=True)
                rows.append(row)
    frame = pd.DataFrame(rows).set_index(["T", "displacements", "model"])
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["at", ""])
    return frame


def time_table(study: dict[str, Any]) -> pd.DataFrame:
    """The comparison times per temperature and kind (τ), and which lie beyond the recorded times."""
    rows = []
    for label, result in study.items():
        for kind in result["relaxation"]:
            relax = result["relaxation"][kind]
            found = at_times.comparison_times(relax["tau_alpha"])
            reachable = reachable_times(result, kind)
            row = {"T": float(label), "displacements": kind}
            row |= {f"{when} [τ]": f"{t:.3g}" if when in reachable else f"{t:.3g} (beyond t_max)" for when, t in found.items()}
            rows.append(row)
    return pd.DataFrame(rows).set_index(["T", "displacements"])


def transfer_table(study: dict[str, Any], kind: str = HEADLINE_KIND, seed: int = 0) -> pd.DataFrame:
    """Each network tested at each temperature, trained there (cross-validated) or at another: ρ at τ_α of the test temperature."""
    rows = []
    for label, result in study.items():
        relax = result["relaxation"][kind]
        t = at_times.comparison_times(relax["tau_alpha"])[at_times.HEADLINE]
        for name in ("equivariant", "plain"):
            if name not in result["scores"][kind]:
                continue
            sources = {label: result["scores"][kind][name], **{s: tr[kind][name] for s, tr in result.get("transfer", {}).items()}}
            home = sources[label]
            for source, curve in sources.items():
                score = at_times.score_at(curve, relax["times"], t, seed)
                difference = None if source == label else at_times.paired_at(curve, home, relax["times"], t, seed)
                rows.append(
                    {
                        "tested at T": float(label),
                        "network": MODEL_LABELS[name],
                        "trained at T": float(source),
                        "τ_α [τ]": f"{t:.3g}",
                        "ρ at τ_α [95 %]": _shown(score),
                        "Δ vs trained there": "" if difference is None else _shown(difference, signed=True),
                    }
                )
    return pd.DataFrame(rows).set_index(["tested at T", "network", "trained at T"])


def comparison_verdict(result: dict[str, Any], kind: str = HEADLINE_KIND, seed: int = 0) -> str:
    """Whether the equivariant network beats the best other model at τ_α, by their paired interval."""
    return headline(result, kind, seed)["verdict"]


def training_summary(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per network: its folds' best epochs, chosen learning rates and the epochs trained (from the stored training curves)."""
    out = {}
    for name, folds in result.get("training", {}).items():
        best = [fold["best_epoch"] for fold in folds if fold.get("best_epoch")]
        rates = [fold.get("learning_rate") for fold in folds]
        out[name] = {"best_epochs": best, "learning_rates": rates, "epochs": max((len(fold["loss"]) for fold in folds), default=0)}
    return out


def learning_points(result: dict[str, Any], kind: str = HEADLINE_KIND, seed: int = 0) -> dict[str, dict[int, dict[str, float]]]:
    """Each learning-curve model's held-out ρ at the time nearest τ_α per training size: mean and 95 % interval.

    Also ``"difference"``: equivariant − linear, paired over the same held-out configurations, at the sizes both have.
    """
    from glasslib.stats import mean_with_ci

    curves = result.get("learning_curve", {})
    values = {name: dict(zip(curve["sizes"], np.asarray(curve[kind], dtype=np.float64))) for name, curve in curves.items()}
    out: dict[str, dict[int, dict[str, float]]] = {
        name: {int(n): _summary(mean_with_ci(v, at_times.BOOTSTRAP, seed)) for n, v in by_size.items()} for name, by_size in values.items()
    }
    linear = next((name for name in values if name.startswith("linear_")), None)
    if REFERENCE in values and linear is not None:
        shared = sorted(set(values[REFERENCE]) & set(values[linear]))
        diff = {int(n): mean_with_ci(values[REFERENCE][n] - values[linear][n], at_times.BOOTSTRAP, seed) for n in shared}
        out["difference"] = {n: _summary(d) for n, d in diff.items()}
    return out


def learned(study: dict[str, Any]) -> dict[str, Any]:
    """The temperatures whose learning curve includes the equivariant network (the lowest, at the book's profiles)."""
    return {label: result for label, result in study.items() if REFERENCE in result.get("learning_curve", {})}


def learning_table(study: dict[str, Any], kind: str = HEADLINE_KIND, seed: int = 0) -> pd.DataFrame:
    """One row per temperature and training size: the equivariant network's and the linear baseline's held-out ρ, and their paired Δ."""
    rows = []
    for label, result in learned(study).items():
        points = learning_points(result, kind, seed)
        linear = next((name for name in points if name.startswith("linear_")), None)
        sizes = sorted({n for name, by_size in points.items() if name != "difference" for n in by_size})
        for n in sizes:
            row = {"T": float(label), "configurations trained on": n}
            row["equivariant ρ [95 %]"] = _shown(points[REFERENCE][n]) if n in points.get(REFERENCE, {}) else "—"
            if linear is not None:
                row[f"{MODEL_LABELS[linear]} ρ [95 %]"] = _shown(points[linear][n]) if n in points[linear] else "—"
            row["Δ equivariant − linear"] = _shown(points["difference"][n], signed=True) if n in points.get("difference", {}) else "—"
            rows.append(row)
    return pd.DataFrame(rows).set_index(["T", "configurations trained on"])


def inputs_comparison(result: dict[str, Any], propensity_input: str, kind: str = HEADLINE_KIND, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Each network at τ_α trained on thermal and on inherent-structure positions: both scores and the paired Δ (inherent − thermal)."""
    relax = result["relaxation"][kind]
    t = at_times.comparison_times(relax["tau_alpha"])[at_times.HEADLINE]
    other = result["other_input"]
    out = {}
    for name, curve in other["scores"][kind].items():
        by_input = {propensity_input: result["scores"][kind][name], other["input"]: curve}
        scores = {inputs: _summary(at_times.score_at(c, relax["times"], t, seed)) for inputs, c in by_input.items()}
        difference = at_times.paired_at(by_input["inherent"], by_input["thermal"], relax["times"], t, seed)
        verdict = at_times.verdict(difference)
        better = {"holds": "inherent", "fails": "thermal"}.get(verdict, "neither (not resolved at this scale)")
        out[name] = {"time": t, "scores": scores, "difference": _summary(difference), "better": better}
    return out


def inputs_table(study: dict[str, Any], propensity_input: str, kind: str = HEADLINE_KIND, seed: int = 0) -> pd.DataFrame:
    """One row per temperature and network: ρ at τ_α from thermal and from inherent-structure positions, their paired Δ, which is higher."""
    rows = []
    for label, result in study.items():
        for name, found in inputs_comparison(result, propensity_input, kind, seed).items():
            rows.append(
                {
                    "T": float(label),
                    "network": MODEL_LABELS[name],
                    "τ_α [τ]": f"{found['time']:.3g}",
                    "thermal ρ [95 %]": _shown(found["scores"]["thermal"]),
                    "inherent ρ [95 %]": _shown(found["scores"]["inherent"]),
                    "Δ inherent − thermal": _shown(found["difference"], signed=True),
                    "higher": found["better"],
                }
            )
    return pd.DataFrame(rows).set_index(["T", "network"])
