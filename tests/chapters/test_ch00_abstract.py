"""glasslib.chapters.ch00_abstract: the abstract's sentences from a results dict, and what a partial run leaves out."""

from __future__ import annotations

from glasslib.chapters import ch00_abstract as ch00


def _tg(value, low, high):
    return {"value": value, "ci95": [low, high]}


RESULTS = {
    "profile": "quick",
    "tg": {"slow": _tg(0.401, 0.319, 0.489), "fast": _tg(0.481, 0.288, 0.784), "glass_energy_fast_minus_slow": _tg(0.0185, 0.0157, 0.0213)},
    "missing": {},
}
CLAIMS = [
    {"claim": ch00.TG, "verdict": "not resolved at this scale", "points": []},
    {"claim": ch00.ENERGY, "verdict": "holds", "points": []},
]


def test_the_tg_sentence_quotes_both_schedules_with_intervals_and_verdicts():
    text = ch00.abstract_markdown(RESULTS, CLAIMS)
    assert "Tg = 0.401 [0.319, 0.489] on the slow ramp and 0.481 [0.288, 0.784]" in text
    assert "is *not resolved at this scale*" in text and "a lower glass energy *holds* (fast − slow 0.0185 [0.0157, 0.0213] ε)" in text
    assert "Of the 2 claims" in text and "`quick` profile" in text


def test_a_run_with_chapters_missing_names_them_and_leaves_their_sentences_out():
    partial = {**RESULTS, "missing": {"dynamics": "dynamics.json is missing: run notebooks/09_dynamics.ipynb first"}}
    text = ch00.abstract_markdown(partial, CLAIMS)
    assert "propensity" not in text and "run notebooks/09_dynamics.ipynb first" in text
    empty = ch00.abstract_markdown({"missing": {"tg": "run notebooks/02_tg.ipynb first"}}, [])
    assert "has not produced any results yet" in empty and "02_tg" in empty


def test_equal_aucs_print_once_and_different_ones_as_a_range():
    same = {str(d): {"auc_mean": 1.0, "auc_ci95": [1.0, 1.0]} for d in (1, 2, 3)}
    assert ch00._auc_range(same) == "1.00 [1.00, 1.00] on each of its 3 data sets"
    spread = {"1": {"auc_mean": 0.99, "auc_ci95": [0.94, 1.0]}, "5": {"auc_mean": 0.47, "auc_ci95": [0.2, 0.73]}}
    assert ch00._auc_range(spread) == "from 0.47 [0.20, 0.73] (data set 5) to 0.99 [0.94, 1.00] (data set 1)"


def test_the_figure_reads_the_headline_claims_in_order():
    rows = [{"claim": ch00.ENERGY}, {"claim": "something else"}, {"claim": ch00.TG}]
    assert [r["claim"] for r in ch00.headline_claims(rows)] == [ch00.TG, ch00.ENERGY]
