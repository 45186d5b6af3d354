"""The paper's claims against one run's results, decided by their intervals (chapter 08, ``glasslib results``).

:func:`evaluate_claims` reads the document of :func:`glasslib.report.results.collect_results` and returns
one row per claim of Swanson *et al.* whose inputs the run has: the claim, what this run measured
(with its 95 % interval), and the verdict:

- ``holds`` — the whole interval lies on the claim's side;
- ``fails`` — the whole interval lies on the other side;
- ``not resolved at this scale`` — the interval straddles the threshold (or the run cannot test it).

A claim whose chapter has not run is left out, not guessed.

Comparisons between networks read the run's *reference* models (``results["reference"]``: the CNN
and the D-MPNN the book interprets at this profile, e.g. the reduced-scale CNN at ``quick``);
claim inputs written ``{cnn}`` / ``{dmpnn}`` stand for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from glasslib.stats import t_interval

HOLDS, FAILS, UNRESOLVED = "holds", "fails", "not resolved at this scale"
Judgement = tuple[str, str]


def verdict_above(interval: Sequence[float], threshold: float) -> str:
    """``holds`` if the interval lies above ``threshold``, ``fails`` if below, else not resolved."""
    low, high = interval
    if not np.isfinite(low) or not np.isfinite(high):
        return UNRESOLVED
    if low > threshold:
        return HOLDS
    if high < threshold:
        return FAILS
    return UNRESOLVED


def verdict_within(interval: Sequence[float], tolerance: float) -> str:
    """An equivalence claim: ``holds`` if the interval lies inside ±``tolerance``, ``fails`` if wholly outside."""
    low, high = interval
    if -tolerance < low and high < tolerance:
        return HOLDS
    if low >= tolerance or high <= -tolerance:
        return FAILS
    return UNRESOLVED


def combine(verdicts: Sequence[str]) -> str:
    """A claim about every item: fails if one fails, holds if all hold, else not resolved."""
    if FAILS in verdicts:
        return FAILS
    return HOLDS if verdicts and all(v == HOLDS for v in verdicts) else UNRESOLVED


def _interval(values: Sequence[float]) -> str:
    return f"[{values[0]:.3f}, {values[1]:.3f}]"


def _tg_lower(r: Mapping[str, Any]) -> Judgement:
    tg = r["tg"]
    slow, fast = tg["slow"], tg["fast"]
    text = f"slow {slow['value']:.3f} {_interval(slow['ci95'])}, fast {fast['value']:.3f} {_interval(fast['ci95'])}"
    if "fast_minus_slow" not in tg:  # an older Tg record without bootstrap samples
        return text, UNRESOLVED
    gap = tg["fast_minus_slow"]
    return f"{text}; Tg(fast) − Tg(slow) 95 % {_interval(gap['ci95'])}", verdict_above(gap["ci95"], 0.0)


def _glass_energy_lower(r: Mapping[str, Any]) -> Judgement:
    gap = r["tg"]["glass_energy_fast_minus_slow"]
    return (f"E(fast) − E(slow) = {gap['value']:.4f} ε, 95 % {_interval(gap['ci95'])}", verdict_above(gap["ci95"], 0.0))


def _equal_energy(r: Mapping[str, Any]) -> Judgement:
    six = r["datasets"]["6"]
    gap, tolerance = six["energy_gap"], six["energy_tolerance"]
    text = f"glass − liquid {gap['value']:.4f} ε, 95 % {_interval(gap['ci95'])}, within ±{tolerance:.4f} ε (one class std)?"
    return text, verdict_within(gap["ci95"], tolerance)


def _auc_floor(model: str) -> Callable[[Mapping[str, Any]], Judgement]:
    def claim(r: Mapping[str, Any]) -> Judgement:
        sets = r["classifiers"][model]
        worst = min(sets, key=lambda d: sets[d]["auc_mean"])
        text = f"lowest: data set {worst}, AUC {sets[worst]['auc_mean']:.3f} {_interval(sets[worst]['auc_ci95'])}"
        return text, combine([verdict_above(s["auc_ci95"], 0.98) for s in sets.values()])

    return claim


#: Reference models when a results document names none: the paper's networks.
DEFAULT_REFERENCE = {"cnn": "cnn", "dmpnn": "dmpnn"}


def _reference(r: Mapping[str, Any]) -> Mapping[str, str]:
    return {**DEFAULT_REFERENCE, **r.get("reference", {})}


def _dmpnn_at_least_cnn(r: Mapping[str, Any]) -> Judgement:
    ref = _reference(r)
    cnn, dmpnn = r["classifiers"][ref["cnn"]], r["classifiers"][ref["dmpnn"]]
    verdicts, parts = [], []
    for d in sorted(set(cnn) & set(dmpnn)):
        difference = np.asarray(dmpnn[d]["auc_folds"]) - np.asarray(cnn[d]["auc_folds"])  # paired by fold
        interval = t_interval(difference, low=-1.0, high=1.0)
        verdicts.append(verdict_above(interval, -1e-12))  # "at least as good": the difference is not below 0
        parts.append(f"{d}: {difference.mean():+.3f} {_interval(interval)}")
    return f"{ref['dmpnn']} − {ref['cnn']} AUC, " + "; ".join(parts), combine(verdicts)


def _dmpnn_generalises(r: Mapping[str, Any]) -> Judgement:
    ref = _reference(r)
    cnn, dmpnn = r["cross_dataset"][ref["cnn"]], r["cross_dataset"][ref["dmpnn"]]
    if not cnn["off_diagonal_folds"]:
        return "one data set only: nothing off the diagonal", UNRESOLVED
    difference = np.asarray(dmpnn["off_diagonal_folds"]) - np.asarray(cnn["off_diagonal_folds"])
    interval = t_interval(difference, low=-1.0, high=1.0)
    text = (
        f"off-diagonal mean AUC {ref['dmpnn']} {dmpnn['off_diagonal_mean']:.3f} vs {ref['cnn']} {cnn['off_diagonal_mean']:.3f}; "
        f"difference 95 % {_interval(interval)}"
    )
    return text, verdict_above(interval, 0.0)


def _beats(network: str, baseline: str) -> Callable[[Mapping[str, Any]], Judgement]:
    """``network`` (chapter 05b's family name) beats ``baseline`` on inherent inputs of every data set (paired intervals)."""

    def claim(r: Mapping[str, Any]) -> Judgement:
        rows = [p for p in r["reading"]["paired"] if p["network"] == network and p["input"] == "inherent" and p["baseline"] == baseline]
        if not rows:
            return "not trained on inherent structures", UNRESOLVED
        text = "; ".join(f"{p['dataset']}: {p['difference']:+.3f} {_interval(p['ci95'])}" for p in rows)
        return f"inherent inputs, AUC difference: {text}", combine([verdict_above(p["ci95"], 0.0) for p in rows])

    return claim


def _equal_energy_floor(kind: str) -> Callable[[Mapping[str, Any]], Judgement]:
    """The reference D-MPNN above 0.98 on data set 6 (equal energy), on ``kind`` inputs."""

    def claim(r: Mapping[str, Any]) -> Judgement:
        name = r["reading"]["networks"].get("D-MPNN", {}).get(kind, "the reference D-MPNN")
        found = r.get("classifiers", {}).get(name, {}).get("6")
        if found is None:
            return f"{name} did not train on data set 6", UNRESOLVED
        return f"{kind} inputs ({name}): AUC {found['auc_mean']:.3f} {_interval(found['auc_ci95'])}", verdict_above(found["auc_ci95"], 0.98)

    return claim


def _artificial_liquid(r: Mapping[str, Any]) -> Judgement:
    probe = r["artificial_images"]
    kinds = probe["kinds"]
    verdicts = [verdict_above([1 - k["glass_fraction_ci95"][1], 1 - k["glass_fraction_ci95"][0]], 0.5) for k in kinds.values()]
    text = "; ".join(
        f"{kind}: {k['called_glass']} of {k['n']} called glass, 95 % {_interval(k['glass_fraction_ci95'])}" for kind, k in kinds.items()
    )
    probed = probe["probed_model"]
    learned = r.get("classifiers", {}).get(probed.get("model", "cnn"), {}).get(str(probed["dataset"]))
    if learned is None or not learned["auc_ci95"][0] > 0.5:  # a network at chance calls everything one class
        auc = "unknown" if learned is None else f"{learned['auc_mean']:.3f} {_interval(learned['auc_ci95'])}"
        return f"{text}; but the probed CNN did not learn its data set (AUC {auc})", UNRESOLVED
    return text, combine(verdicts)


def _kink(r: Mapping[str, Any], section: str = "structural_metrics") -> Judgement:
    metrics = r[section]
    verdicts = [verdict_above(m["alpha3_ci95"], 0.0) for m in metrics.values()]
    text = "; ".join(f"{name} α3 {_interval(m['alpha3_ci95'])}" for name, m in metrics.items())
    return text, combine(verdicts)


#: (claim, the results sections it needs, how it is judged), in the paper's order.
CLAIMS: tuple[tuple[str, tuple[str, ...], Callable[[Mapping[str, Any]], Judgement]], ...] = (
    ("Slower cooling gives a lower Tg", ("tg.slow", "tg.fast"), _tg_lower),
    ("Slower cooling gives a lower glass energy", ("tg.glass_energy_fast_minus_slow",), _glass_energy_lower),
    ("Data set 6: equal energy of both classes", ("datasets.6.energy_gap",), _equal_energy),
    ("CNN (the paper's network): AUC > 0.98 on every data set it trained on", ("classifiers.cnn",), _auc_floor("cnn")),
    ("CNN (reduced-scale, pooled head): AUC > 0.98 on every data set", ("classifiers.cnn_pooled",), _auc_floor("cnn_pooled")),
    ("D-MPNN (paper features): AUC > 0.98 on every data set it trained on", ("classifiers.dmpnn",), _auc_floor("dmpnn")),
    (
        "D-MPNN (invariant features): AUC > 0.98 on every data set it trained on",
        ("classifiers.dmpnn_invariant",),
        _auc_floor("dmpnn_invariant"),
    ),
    ("D-MPNN at least as good as the CNN everywhere", ("classifiers.{cnn}", "classifiers.{dmpnn}"), _dmpnn_at_least_cnn),
    ("D-MPNN generalises better across data sets", ("cross_dataset.{cnn}", "cross_dataset.{dmpnn}"), _dmpnn_generalises),
    (
        "D-MPNN: AUC > 0.98 at equal inherent-structure energy (data set 6), thermal inputs",
        ("reading.networks",),
        _equal_energy_floor("thermal"),
    ),
    (
        "D-MPNN: AUC > 0.98 at equal inherent-structure energy (data set 6), inherent inputs",
        ("reading.networks",),
        _equal_energy_floor("inherent"),
    ),
    ("CNN beats the thermometer on inherent structures, every data set", ("reading.paired",), _beats("CNN", "thermometer")),
    ("CNN beats the structural baseline on inherent structures, every data set", ("reading.paired",), _beats("CNN", "descriptors")),
    ("D-MPNN beats the thermometer on inherent structures, every data set", ("reading.paired",), _beats("D-MPNN", "thermometer")),
    ("D-MPNN beats the structural baseline on inherent structures, every data set", ("reading.paired",), _beats("D-MPNN", "descriptors")),
    ("CNN calls motif-saturated and random images liquids (SI)", ("artificial_images",), _artificial_liquid),
    ("α3 > 0 for all three structural metrics", ("structural_metrics",), _kink),
    (
        "α3 > 0 for all three structural metrics, on inherent structures",
        ("structural_metrics_inherent",),
        lambda r: _kink(r, "structural_metrics_inherent"),
    ),
)


def _has(results: Mapping[str, Any], dotted: str) -> bool:
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def evaluate_claims(results: Mapping[str, Any]) -> list[dict[str, str]]:
    """One ``{"claim", "this_run", "verdict"}`` per claim whose inputs ``results`` holds."""
    rows, reference = [], _reference(results)
    for claim, needs, judge in CLAIMS:
        if all(_has(results, need.format(**reference)) for need in needs):
            this_run, verdict = judge(results)
            rows.append({"claim": claim, "this_run": this_run, "verdict": verdict})
    return rows
