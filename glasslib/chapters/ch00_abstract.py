"""The abstract (notebooks/00_abstract.ipynb): what the run that built the book found, in a few sentences.

Every number comes from the results dict of :func:`glasslib.report.results.collect_results` and its
claim rows (:func:`glasslib.report.claims.evaluate_claims`), which the notebook passes in: this module
sits below :mod:`glasslib.report` (the layers of DESIGN.md) and only reshapes that dict into prose.
A sentence whose chapter has not run is left out, and the abstract ends by naming what is missing,
so a partial run still gives a page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from glasslib.chapters.ch08_conclusion import missing_note

#: The claims the abstract's sentences and figure read, by their text in the claim registry.
TG = "Slower cooling gives a lower Tg"
ENERGY = "Slower cooling gives a lower glass energy"
BEATS_THERMOMETER = "D-MPNN beats the thermometer on inherent structures, every data set"
BEATS_DESCRIPTORS = "D-MPNN beats the structural baseline on inherent structures, every data set"
FEWER = "Glasses have fewer disjoint graphs, B–B edges and isolated A particles than liquids, inherent inputs"
KINK_THERMAL = "α3 > 0 for all three structural metrics"
KINK_INHERENT = "α3 > 0 for all three structural metrics, on inherent structures"
EQUIVARIANT = "The equivariant network predicts propensity at τ_α better than the plain network and the linear baselines"
#: The abstract's figure: the claims above, in this order.
HEADLINE_CLAIMS = (TG, ENERGY, BEATS_THERMOMETER, BEATS_DESCRIPTORS, FEWER, KINK_INHERENT, EQUIVARIANT)


def value_text(value: float, interval: Sequence[float], digits: int = 2) -> str:
    """``0.39 [0.29, 0.50]``: a value with its 95 % interval, ``digits`` decimals."""
    return f"{value:.{digits}f} [{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def _by_claim(claims: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {row["claim"]: row for row in claims}


def _verdict(claims: Mapping[str, Mapping[str, Any]], claim: str) -> str:
    return f"*{claims[claim]['verdict']}*"


def _auc_range(sets: Mapping[str, Mapping[str, Any]]) -> str:
    """``from 0.47 [0.20, 0.73] (data set 5) to 0.99 [0.94, 1.00] (data set 1)``; one AUC when all print alike."""
    ordered = sorted(sets.items(), key=lambda item: item[1]["auc_mean"])
    (d_low, low), (d_high, high) = ordered[0], ordered[-1]
    lowest, highest = value_text(low["auc_mean"], low["auc_ci95"]), value_text(high["auc_mean"], high["auc_ci95"])
    if d_low == d_high:
        return f"{lowest} (data set {d_low})"
    if lowest == highest:
        return f"{lowest} on each of its {len(sets)} data sets"
    return (
        f"from {value_text(low['auc_mean'], low['auc_ci95'])} (data set {d_low}) "
        f"to {value_text(high['auc_mean'], high['auc_ci95'])} (data set {d_high})"
    )


def tg_sentence(results: Mapping[str, Any], claims: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Tg of both schedules and the verdicts of chapter 02's two claims."""
    if "tg" not in results or TG not in claims:
        return None
    tg = results["tg"]
    sentence = (
        f"Two-dimensional Kob–Andersen liquids cooled at two rates fall out of equilibrium at "
        f"Tg = {value_text(tg['slow']['value'], tg['slow']['ci95'], 3)} on the slow ramp and "
        f"{value_text(tg['fast']['value'], tg['fast']['ci95'], 3)} on the fast one (reduced units, 95 % intervals): "
        f"that slower cooling gives a lower Tg is {_verdict(claims, TG)}"
    )
    if ENERGY in claims:
        gap = tg["glass_energy_fast_minus_slow"]
        sentence += f", and a lower glass energy {_verdict(claims, ENERGY)} (fast − slow {value_text(gap['value'], gap['ci95'], 4)} ε)"
    return sentence + "."


def thermal_sentence(results: Mapping[str, Any]) -> str | None:
    """The reference networks on thermal snapshots, beside the thermometer."""
    classifiers, reference = results.get("classifiers", {}), results.get("reference", {})
    dmpnn, cnn = classifiers.get(reference.get("dmpnn", "")), classifiers.get(reference.get("cnn", ""))
    if not dmpnn:
        return None
    sentence = f"On thermal snapshots the message-passing network tells glass from liquid with ROC AUC {_auc_range(dmpnn)}"
    if cnn:
        sentence += f", the convolutional network {_auc_range(cnn)}"
    thermometer = results.get("reading", {}).get("baselines", {}).get("thermal")
    if thermometer:
        sets = {d: {"auc_mean": b["thermometer"]["auc"], "auc_ci95": b["thermometer"]["ci95"]} for d, b in thermometer.items()}
        sentence += f"; but so does a one-number thermometer, the spread of first-shell distances ({_auc_range(sets)})"
    return sentence + "."


def inherent_sentence(results: Mapping[str, Any], claims: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The D-MPNN on inherent structures and its two 'beats' claims."""
    name = results.get("reading", {}).get("networks", {}).get("D-MPNN", {}).get("inherent")
    sets = results.get("classifiers", {}).get(name or "")
    if not sets:
        return None
    sentence = (
        f"Trained on inherent structures, where vibrations are quenched away, its AUC runs {_auc_range(sets)}; "
        "that it beats the thermometer on every data set is "
    )
    sentence += _verdict(claims, BEATS_THERMOMETER) if BEATS_THERMOMETER in claims else "*not measured*"
    if BEATS_DESCRIPTORS in claims:
        sentence += f", and that it beats a linear model on classical descriptors {_verdict(claims, BEATS_DESCRIPTORS)}"
    return sentence + "."


def interpretation_sentence(claims: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Chapter 06's attention counts and chapter 07's kinks."""
    parts = []
    if FEWER in claims:
        parts.append(
            "read from the attention of the model trained on inherent structures, glasses have fewer disjoint "
            f"graphs, B–B edges and isolated A particles than liquids: {_verdict(claims, FEWER)}"
        )
    if KINK_THERMAL in claims:
        kink = f"the three structural metrics change slope at Tg (α3 > 0): {_verdict(claims, KINK_THERMAL)} on thermal snapshots"
        if KINK_INHERENT in claims:
            kink += f", {_verdict(claims, KINK_INHERENT)} on inherent structures"
        parts.append(kink)
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def dynamics_sentence(claims: Mapping[str, Mapping[str, Any]]) -> str | None:
    """Chapter 09's comparison at τ_α of the equivariant network with the best other model, per temperature (paired Δρ)."""
    if EQUIVARIANT not in claims:
        return None
    row = claims[EQUIVARIANT]
    measured = [p for p in row["points"] if p["low"] is not None]
    each = "; ".join(f"Δρ = {value_text(p['value'], (p['low'], p['high']))} at {p['label']}" for p in measured)
    return (
        "In the supercooled liquid, a rotation-equivariant graph network predicts each particle's dynamic propensity at the "
        "structural relaxation time τ_α; that it does better there than the best of a plain network and linear models on "
        f"classical descriptors (paired {each}, cage-relative) is {_verdict(claims, EQUIVARIANT)}."
    )


def tally_sentence(claims: Sequence[Mapping[str, Any]]) -> str | None:
    """How many of the run's claims hold, fail, are not resolved or not measured."""
    if not claims:
        return None
    counts: dict[str, int] = {}
    for row in claims:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    found = ", ".join(f"{n} *{verdict}*" for verdict, n in sorted(counts.items(), key=lambda item: -item[1]))
    return f"Of the {len(claims)} claims this run judges by their intervals (the conclusion lists them all): {found}."


def abstract_markdown(results: Mapping[str, Any], claims: Sequence[Mapping[str, Any]]) -> str:
    """The abstract as Markdown: paragraphs of the sentences the run supports (Tg; the classifiers; what they read
    and what predicts motion; the tally), its scale, then what is missing.

    Parameters
    ----------
    results : the results dict (``glasslib results``).
    claims : its claim rows (``results["claims"]``).
    """
    by_claim = _by_claim(claims)
    sentences = [
        tg_sentence(results, by_claim),
        thermal_sentence(results),
        inherent_sentence(results, by_claim),
        interpretation_sentence(by_claim),
        dynamics_sentence(by_claim),
        tally_sentence(claims),
    ]
    paragraphs = [" ".join(s for s in group if s) for group in (sentences[:1], sentences[1:3], sentences[3:5], sentences[5:])]
    body = "\n\n".join(p for p in paragraphs if p) or "This run has not produced any results yet: run the book's chapters first."
    scale = f"Measured at the `{results.get('profile', '—')}` profile of this book, a reduced scale unless it is `paper`."
    missing = missing_note(results)
    return "\n\n".join(part for part in (body, scale, missing and f"*{missing}*") if part)


def headline_claims(claims: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The claim rows of the abstract's figure, in :data:`HEADLINE_CLAIMS` order (those the run has)."""
    by_claim = _by_claim(claims)
    return [by_claim[c] for c in HEADLINE_CLAIMS if c in by_claim]
