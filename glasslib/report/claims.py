"""The claims of the book against one run's results, decided by their intervals (the conclusion, ``glasslib results``).

:func:`evaluate_claims` reads the document of :func:`glasslib.report.results.collect_results` and returns
one row per claim whose inputs the run has — the paper's (Swanson *et al.*), Pezzicoli *et al.*'s and
the book's own — each with the chapter that measures it, the input and scale it is judged at, what
this run measured (every interval in full), the threshold, the verdict, and the measured points
the verdict reads (:mod:`glasslib.report.verdicts`: one point per data set, temperature or metric)::

    {"claim": "…", "chapter": "05", "source": "Swanson et al. (2020)", "input": "thermal", "scale": "quick",
     "this_run": "…", "threshold": "> 0.98", "verdict": "holds",
     "points": [{"label": "data set 1", "value": 0.99, "low": 0.98, "high": 1.0, "threshold": 0.98,
                 "verdict": "holds"}, …]}

A claim whose chapter has not run is left out, not guessed; one whose intervals are all NaN is
``not measured``. A new claim is one more :class:`Claim` in :data:`CLAIMS`: the conclusion's table
and figure read them all.

Comparisons between networks read the run's *reference* models (``results["reference"]``: the CNN
and the D-MPNN the book interprets at this profile, e.g. the reduced-scale CNN at ``quick``);
claim inputs written ``{cnn}`` / ``{dmpnn}`` stand for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from glasslib.interpretation.attention_counts import COUNT_LABELS
from glasslib.report.verdicts import FAILS, HOLDS, NOT_MEASURED, UNRESOLVED, combine, point, verdict_within
from glasslib.stats import t_interval
from glasslib.structure.bond_metrics import METRIC_LABELS

__all__ = ["CLAIMS", "Claim", "evaluate_claims", "FAILS", "HOLDS", "NOT_MEASURED", "UNRESOLVED"]

SWANSON, PEZZICOLI, BOOK = "Swanson et al. (2020)", "Pezzicoli et al. (2024)", "this book"


class Judged(NamedTuple):
    """A claim judged on one run: the text of what was measured, the verdict and its points."""

    text: str
    verdict: str
    points: list[dict[str, Any]]


def _judged(text: str, points: list[dict[str, Any]], verdict: str | None = None) -> Judged:
    """The claim's verdict combines its points' unless given (:func:`glasslib.report.verdicts.combine`)."""
    return Judged(text, combine([p["verdict"] for p in points]) if verdict is None else verdict, points)


def _interval(values: Sequence[float]) -> str:
    return f"[{values[0]:.3f}, {values[1]:.3f}]"


def _tg_lower(r: Mapping[str, Any]) -> Judged:
    tg = r["tg"]
    slow, fast = tg["slow"], tg["fast"]
    text = f"slow {slow['value']:.3f} {_interval(slow['ci95'])}, fast {fast['value']:.3f} {_interval(fast['ci95'])}"
    if "fast_minus_slow" not in tg:  # an older Tg record without bootstrap samples
        return _judged(text, [point("Tg(fast) − Tg(slow)", math.nan, None, 0.0)])
    gap = tg["fast_minus_slow"]
    return _judged(
        f"{text}; Tg(fast) − Tg(slow) 95 % {_interval(gap['ci95'])}", [point("Tg(fast) − Tg(slow)", gap["value"], gap["ci95"], 0.0)]
    )


def _glass_energy_lower(r: Mapping[str, Any]) -> Judged:
    gap = r["tg"]["glass_energy_fast_minus_slow"]
    text = f"E(fast) − E(slow) = {gap['value']:.4f} ε, 95 % {_interval(gap['ci95'])}"
    return _judged(text, [point("E(fast) − E(slow) [ε]", gap["value"], gap["ci95"], 0.0)])


def _equal_energy(r: Mapping[str, Any]) -> Judged:
    six = r["datasets"]["6"]
    gap, tolerance = six["energy_gap"], six["energy_tolerance"]
    text = f"glass − liquid {gap['value']:.4f} ε, 95 % {_interval(gap['ci95'])}, within ±{tolerance:.4f} ε (one class std)?"
    found = point("glass − liquid E_IS [ε]", gap["value"], gap["ci95"], tolerance, verdict_within(gap["ci95"], tolerance))
    return _judged(text, [{**found, "kind": "within"}])


def _auc_points(sets: Mapping[str, Mapping[str, Any]], threshold: float) -> list[dict[str, Any]]:
    return [point(f"data set {d}", s["auc_mean"], s["auc_ci95"], threshold) for d, s in sorted(sets.items())]


def _auc_floor(model: str) -> Callable[[Mapping[str, Any]], Judged]:
    def claim(r: Mapping[str, Any]) -> Judged:
        sets = r["classifiers"][model]
        text = "; ".join(f"{d}: {s['auc_mean']:.3f} {_interval(s['auc_ci95'])}" for d, s in sorted(sets.items()))
        return _judged(f"AUC by data set, {text}", _auc_points(sets, 0.98))

    return claim


#: Reference models when a results document names none: the paper's networks.
DEFAULT_REFERENCE = {"cnn": "cnn", "dmpnn": "dmpnn"}


def _reference(r: Mapping[str, Any]) -> Mapping[str, str]:
    return {**DEFAULT_REFERENCE, **r.get("reference", {})}


def _dmpnn_at_least_cnn(r: Mapping[str, Any]) -> Judged:
    ref = _reference(r)
    cnn, dmpnn = r["classifiers"][ref["cnn"]], r["classifiers"][ref["dmpnn"]]
    points, parts = [], []
    for d in sorted(set(cnn) & set(dmpnn)):
        difference = np.asarray(dmpnn[d]["auc_folds"]) - np.asarray(cnn[d]["auc_folds"])  # paired by fold
        interval = t_interval(difference, low=-1.0, high=1.0)
        # "at least as good": the difference is not below 0 (equal AUCs in every fold give [0, 0], which holds)
        points.append(point(f"data set {d}", float(difference.mean()), interval, -1e-12))
        parts.append(f"{d}: {difference.mean():+.3f} {_interval(interval)}")
    return _judged(f"D-MPNN − CNN AUC ({ref['dmpnn']} − {ref['cnn']}), paired by fold, " + "; ".join(parts), points)


def _dmpnn_generalises(r: Mapping[str, Any]) -> Judged:
    ref = _reference(r)
    cnn, dmpnn = r["cross_dataset"][ref["cnn"]], r["cross_dataset"][ref["dmpnn"]]
    if not cnn["off_diagonal_folds"]:
        return _judged("one data set only: nothing off the diagonal", [point("off-diagonal difference", math.nan, None, 0.0)])
    difference = np.asarray(dmpnn["off_diagonal_folds"]) - np.asarray(cnn["off_diagonal_folds"])
    interval = t_interval(difference, low=-1.0, high=1.0)
    text = (
        f"off-diagonal mean AUC D-MPNN {dmpnn['off_diagonal_mean']:.3f} vs CNN {cnn['off_diagonal_mean']:.3f}; "
        f"difference 95 % {_interval(interval)}"
    )
    return _judged(text, [point("D-MPNN − CNN", float(difference.mean()), interval, 0.0)])


def _beats(network: str, baseline: str) -> Callable[[Mapping[str, Any]], Judged]:
    """``network`` (chapter 05b's family name) beats ``baseline`` on inherent inputs of every data set (paired intervals)."""

    def claim(r: Mapping[str, Any]) -> Judged:
        rows = [p for p in r["reading"]["paired"] if p["network"] == network and p["input"] == "inherent" and p["baseline"] == baseline]
        if not rows:
            return _judged("not trained on inherent structures", [])
        text = "; ".join(f"{p['dataset']}: {p['difference']:+.3f} {_interval(p['ci95'])}" for p in rows)
        return _judged(
            f"AUC difference by data set, {text}", [point(f"data set {p['dataset']}", p["difference"], p["ci95"], 0.0) for p in rows]
        )

    return claim


def _equal_energy_floor(kind: str) -> Callable[[Mapping[str, Any]], Judged]:
    """The reference D-MPNN above 0.98 on data set 6 (equal energy), on ``kind`` inputs."""

    def claim(r: Mapping[str, Any]) -> Judged:
        name = r["reading"]["networks"].get("D-MPNN", {}).get(kind, "the reference D-MPNN")
        found = r.get("classifiers", {}).get(name, {}).get("6")
        if found is None:
            return _judged(f"{name} did not train on data set 6", [])
        text = f"AUC {found['auc_mean']:.3f} {_interval(found['auc_ci95'])}"
        return _judged(text, [point("data set 6", found["auc_mean"], found["auc_ci95"], 0.98)])

    return claim


def _artificial_liquid(r: Mapping[str, Any]) -> Judged:
    probe = r["artificial_images"]
    kinds = probe["kinds"]
    points = [
        point(kind, 1 - k["called_glass"] / max(k["n"], 1), [1 - k["glass_fraction_ci95"][1], 1 - k["glass_fraction_ci95"][0]], 0.5)
        for kind, k in kinds.items()
    ]
    text = "; ".join(
        f"{kind}: {k['called_glass']} of {k['n']} called glass, 95 % {_interval(k['glass_fraction_ci95'])}" for kind, k in kinds.items()
    )
    probed = probe["probed_model"]
    learned = r.get("classifiers", {}).get(probed.get("model", "cnn"), {}).get(str(probed["dataset"]))
    if learned is None or not learned["auc_ci95"][0] > 0.5:  # a network at chance calls everything one class
        auc = "unknown" if learned is None else f"{learned['auc_mean']:.3f} {_interval(learned['auc_ci95'])}"
        return _judged(f"{text}; but the probed CNN did not learn its data set (AUC {auc})", points, UNRESOLVED)
    return _judged(text, points)


def _kink(section: str) -> Callable[[Mapping[str, Any]], Judged]:
    def claim(r: Mapping[str, Any]) -> Judged:
        metrics = r[section]
        text = "; ".join(f"{METRIC_LABELS.get(name, name)} α3 {_interval(m['alpha3_ci95'])}" for name, m in metrics.items())
        return _judged(text, [point(METRIC_LABELS.get(name, name), m["alpha3"], m["alpha3_ci95"], 0.0) for name, m in metrics.items()])

    return claim


#: Chapter 06's counts the paper finds lower in glasses than in liquids.
FEWER_IN_GLASSES = ("disjoint_graphs", "bb_edges", "isolated_a")


def _fewer_in_glasses(kind: str) -> Callable[[Mapping[str, Any]], Judged]:
    """Liquid − glass mean of each attention count, ±1.96 combined standard errors, above 0 (``kind`` inputs)."""

    def claim(r: Mapping[str, Any]) -> Judged:
        counts = r["attention"].get("by_input", {}).get(kind, {}).get("counts")
        if counts is None:
            return _judged(f"no attention model on {kind} inputs", [])
        points, parts = [], []
        for name in FEWER_IN_GLASSES:
            c = counts[name]
            gap, se = c["liquid_mean"] - c["glass_mean"], math.hypot(c["liquid_sem"], c["glass_sem"])
            label = COUNT_LABELS.get(name, name)
            points.append(point(label, gap, [gap - 1.96 * se, gap + 1.96 * se], 0.0))
            parts.append(f"{label} {gap:+.2f} [{gap - 1.96 * se:.2f}, {gap + 1.96 * se:.2f}]")
        return _judged("liquid − glass per configuration, " + "; ".join(parts), points)

    return claim


def _equivariant_best(r: Mapping[str, Any]) -> Judged:
    """Chapter 09: at τ_α (cage-relative), the paired interval of equivariant − best other model lies above 0, per temperature."""
    points, parts = [], []
    for label, result in sorted(r["dynamics"].items()):
        found = result["cage-relative"]["headline"]
        difference, other = found["difference"], found["best_other"]
        interval = [difference["ci_low"], difference["ci_high"]]
        points.append(point(f"T = {float(label):.2f}", difference["mean"], interval, 0.0, found["verdict"]))
        equivariant, best = found["scores"]["equivariant"], found["scores"][other]
        parts.append(
            f"T = {float(label):.2f} at τ_α = {found['time']:.3g} τ: {equivariant['mean']:.2f} vs {other} {best['mean']:.2f}, "
            f"paired Δ {difference['mean']:+.2f} {_interval(interval)}"
        )
    return _judged("ρ at τ_α, cage-relative; " + "; ".join(parts), points)


def _propensity_input(r: Mapping[str, Any]) -> str:
    """What chapter 09's networks read (``thermal`` or ``inherent``), as its results record it."""
    found = {t.get("input", "—") for t in r["dynamics"].values()}
    return found.pop() if len(found) == 1 else "—"


@dataclass(frozen=True)
class Claim:
    """One claim of the conclusion: its text, where it comes from and how it is judged.

    Attributes
    ----------
    claim : str — the sentence judged.
    chapter : str — the chapter that measures it (``"02"``, ``"05b"``, …).
    source : str — whose claim it is (:data:`SWANSON`, :data:`PEZZICOLI`, :data:`BOOK`).
    input : str — what the models read: ``thermal`` or ``inherent`` snapshots, or ``—``; or a function of
        the results that says it (chapter 09's networks read the profile's ``propensity_input``).
    threshold : str — the threshold as printed (``> 0.98``, ``> 0``, ``within ± one class std``).
    needs : dotted results keys that must exist (``{cnn}`` / ``{dmpnn}``: the reference models).
    judge : results → :class:`Judged`.
    """

    claim: str
    chapter: str
    source: str
    input: str | Callable[[Mapping[str, Any]], str]
    threshold: str
    needs: tuple[str, ...]
    judge: Callable[[Mapping[str, Any]], Judged]


#: Every claim, in the book's order.
CLAIMS: tuple[Claim, ...] = (
    Claim("Slower cooling gives a lower Tg", "02", SWANSON, "—", "> 0", ("tg.slow", "tg.fast"), _tg_lower),
    Claim(
        "Slower cooling gives a lower glass energy", "02", SWANSON, "—", "> 0", ("tg.glass_energy_fast_minus_slow",), _glass_energy_lower
    ),
    Claim(
        "Data set 6: equal energy of both classes", "03", SWANSON, "—", "within ± one class std", ("datasets.6.energy_gap",), _equal_energy
    ),
    Claim(
        "CNN (the paper's network): AUC > 0.98 on every data set it trained on",
        "04",
        SWANSON,
        "thermal",
        "> 0.98",
        ("classifiers.cnn",),
        _auc_floor("cnn"),
    ),
    Claim(
        "CNN (reduced-scale, pooled head): AUC > 0.98 on every data set",
        "04",
        BOOK,
        "thermal",
        "> 0.98",
        ("classifiers.cnn_pooled",),
        _auc_floor("cnn_pooled"),
    ),
    Claim(
        "CNN calls motif-saturated and random images liquids (SI)",
        "04",
        SWANSON,
        "thermal",
        "liquid share > 0.5",
        ("artificial_images",),
        _artificial_liquid,
    ),
    Claim(
        "D-MPNN (paper features): AUC > 0.98 on every data set it trained on",
        "05",
        SWANSON,
        "thermal",
        "> 0.98",
        ("classifiers.dmpnn",),
        _auc_floor("dmpnn"),
    ),
    Claim(
        "D-MPNN (invariant features): AUC > 0.98 on every data set it trained on",
        "05",
        BOOK,
        "thermal",
        "> 0.98",
        ("classifiers.dmpnn_invariant",),
        _auc_floor("dmpnn_invariant"),
    ),
    Claim(
        "D-MPNN at least as good as the CNN everywhere",
        "05",
        SWANSON,
        "thermal",
        "≥ 0",
        ("classifiers.{cnn}", "classifiers.{dmpnn}"),
        _dmpnn_at_least_cnn,
    ),
    Claim(
        "D-MPNN generalises better across data sets",
        "05",
        SWANSON,
        "thermal",
        "> 0",
        ("cross_dataset.{cnn}", "cross_dataset.{dmpnn}"),
        _dmpnn_generalises,
    ),
    Claim(
        "D-MPNN: AUC > 0.98 at equal inherent-structure energy (data set 6), thermal inputs",
        "05b",
        SWANSON,
        "thermal",
        "> 0.98",
        ("reading.networks",),
        _equal_energy_floor("thermal"),
    ),
    Claim(
        "D-MPNN: AUC > 0.98 at equal inherent-structure energy (data set 6), inherent inputs",
        "05b",
        BOOK,
        "inherent",
        "> 0.98",
        ("reading.networks",),
        _equal_energy_floor("inherent"),
    ),
    Claim(
        "CNN beats the thermometer on inherent structures, every data set",
        "05b",
        BOOK,
        "inherent",
        "> 0",
        ("reading.paired",),
        _beats("CNN", "thermometer"),
    ),
    Claim(
        "CNN beats the structural baseline on inherent structures, every data set",
        "05b",
        BOOK,
        "inherent",
        "> 0",
        ("reading.paired",),
        _beats("CNN", "descriptors"),
    ),
    Claim(
        "D-MPNN beats the thermometer on inherent structures, every data set",
        "05b",
        BOOK,
        "inherent",
        "> 0",
        ("reading.paired",),
        _beats("D-MPNN", "thermometer"),
    ),
    Claim(
        "D-MPNN beats the structural baseline on inherent structures, every data set",
        "05b",
        BOOK,
        "inherent",
        "> 0",
        ("reading.paired",),
        _beats("D-MPNN", "descriptors"),
    ),
    Claim(
        "Glasses have fewer disjoint graphs, B–B edges and isolated A particles than liquids, thermal inputs",
        "06",
        SWANSON,
        "thermal",
        "liquid − glass > 0",
        ("attention.by_input",),
        _fewer_in_glasses("thermal"),
    ),
    Claim(
        "Glasses have fewer disjoint graphs, B–B edges and isolated A particles than liquids, inherent inputs",
        "06",
        BOOK,
        "inherent",
        "liquid − glass > 0",
        ("attention.by_input",),
        _fewer_in_glasses("inherent"),
    ),
    Claim("α3 > 0 for all three structural metrics", "07", SWANSON, "thermal", "> 0", ("structural_metrics",), _kink("structural_metrics")),
    Claim(
        "α3 > 0 for all three structural metrics, on inherent structures",
        "07",
        BOOK,
        "inherent",
        "> 0",
        ("structural_metrics_inherent",),
        _kink("structural_metrics_inherent"),
    ),
    Claim(
        "The equivariant network predicts propensity at τ_α better than the plain network and the linear baselines",
        "09",
        PEZZICOLI,
        _propensity_input,
        "paired Δ vs best other > 0",
        ("dynamics",),
        _equivariant_best,
    ),
)


def _has(results: Mapping[str, Any], dotted: str) -> bool:
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def evaluate_claims(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per claim whose inputs ``results`` holds (module docstring); ``scale`` is ``results["profile"]``."""
    rows, reference = [], _reference(results)
    for c in CLAIMS:
        if all(_has(results, need.format(**reference)) for need in c.needs):
            judged = c.judge(results)
            rows.append(
                {
                    "claim": c.claim,
                    "chapter": c.chapter,
                    "source": c.source,
                    "input": c.input if isinstance(c.input, str) else c.input(results),
                    "scale": str(results.get("profile", "—")),
                    "this_run": judged.text,
                    "threshold": c.threshold,
                    "verdict": judged.verdict,
                    "points": judged.points,
                }
            )
    return rows
