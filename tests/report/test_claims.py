"""Verdicts from intervals, NaN intervals shown as "not measured", and every claim row's points."""

from __future__ import annotations

import math

import pytest

from glasslib.report.claims import CLAIMS, evaluate_claims
from glasslib.report.verdicts import (
    FAILS,
    HOLDS,
    NOT_MEASURED,
    UNRESOLVED,
    VERDICTS,
    combine,
    interval_text,
    point,
    verdict_above,
    verdict_within,
)


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ((0.99, 1.0), HOLDS),
        ((0.5, 0.9), FAILS),
        ((0.9, 0.99), UNRESOLVED),
        ((math.nan, 1.0), NOT_MEASURED),
        (None, NOT_MEASURED),
        ((1.0, 0.9), NOT_MEASURED),
    ],
)
def test_a_verdict_reads_where_the_interval_lies_and_nan_or_empty_is_not_measured(interval, expected):
    assert verdict_above(interval, 0.98) == expected


def test_an_equivalence_claim_holds_only_inside_the_tolerance():
    assert verdict_within((-0.01, 0.02), 0.05) == HOLDS
    assert verdict_within((0.06, 0.1), 0.05) == FAILS
    assert verdict_within((-0.01, 0.1), 0.05) == UNRESOLVED
    assert verdict_within((math.nan, math.nan), 0.05) == NOT_MEASURED


def test_combining_points_fails_on_one_failure_and_is_not_measured_only_when_nothing_was():
    assert combine([HOLDS, HOLDS]) == HOLDS
    assert combine([HOLDS, FAILS, NOT_MEASURED]) == FAILS
    assert combine([HOLDS, NOT_MEASURED]) == UNRESOLVED  # one point missing: "every data set" is not shown
    assert combine([NOT_MEASURED, NOT_MEASURED]) == NOT_MEASURED
    assert combine([]) == NOT_MEASURED


def test_a_point_without_a_finite_interval_carries_no_verdict_whatever_is_passed():
    found = point("data set 1", math.nan, (math.nan, math.nan), 0.98, verdict=HOLDS)
    assert found == {"label": "data set 1", "value": None, "low": None, "high": None, "threshold": 0.98, "verdict": NOT_MEASURED}
    assert interval_text(found["low"], found["high"]) == NOT_MEASURED
    assert point("x", 0.5, (0.4, 0.6), 0.3)["verdict"] == HOLDS


def _sets(auc, ci):
    return {str(d): {"auc_mean": auc, "auc_ci95": ci, "auc_folds": [auc] * 3} for d in (1, 2)}


def test_a_claim_whose_intervals_are_all_nan_is_not_measured_and_lists_its_points():
    rows = evaluate_claims({"profile": "quick", "classifiers": {"dmpnn": _sets(math.nan, [math.nan, math.nan])}})
    row = next(r for r in rows if r["claim"].startswith("D-MPNN (paper features)"))
    assert row["verdict"] == NOT_MEASURED and row["scale"] == "quick" and row["chapter"] == "05"
    assert [p["label"] for p in row["points"]] == ["data set 1", "data set 2"]
    assert all(p["verdict"] == NOT_MEASURED for p in row["points"])


def _counts(gap, sem):
    return {
        n: {"glass_mean": 1.0, "liquid_mean": 1.0 + gap, "glass_sem": sem, "liquid_sem": sem}
        for n in ("disjoint_graphs", "bb_edges", "isolated_a")
    }


def test_fewer_in_glasses_reads_the_liquid_minus_glass_gap_of_each_count_per_input():
    def verdict(gap, sem):
        results = {"attention": {"by_input": {"inherent": {"counts": _counts(gap, sem)}}}}
        rows = {r["claim"]: r for r in evaluate_claims(results)}
        found = [r for name, r in rows.items() if "fewer" in name and r["input"] == "inherent"]
        assert len(found) == 1 and len(found[0]["points"]) == 3
        return found[0]["verdict"]

    assert verdict(1.0, 0.1) == HOLDS
    assert verdict(0.1, 0.1) == UNRESOLVED  # 0.1 ± 1.96·0.14 straddles 0
    assert verdict(-1.0, 0.1) == FAILS


def _dynamics(difference):
    mean, low, high = difference
    verdict = HOLDS if low > 0 else FAILS if high < 0 else UNRESOLVED
    found = {
        "time": 30.0,
        "scores": {"equivariant": {"mean": 0.5}, "plain": {"mean": 0.5 - mean}},
        "best_other": "plain",
        "difference": {"mean": mean, "ci_low": low, "ci_high": high},
        "verdict": verdict,
    }
    return {"0.7": {"input": "inherent", "cage-relative": {"headline": found}}}


@pytest.mark.parametrize(
    ("difference", "expected"), [((0.2, 0.1, 0.3), HOLDS), ((0.1, -0.05, 0.25), UNRESOLVED), ((-0.2, -0.3, -0.1), FAILS)]
)
def test_the_equivariant_claim_reads_the_paired_difference_at_tau_alpha_and_states_its_input(difference, expected):
    row = next(r for r in evaluate_claims({"dynamics": _dynamics(difference)}) if r["chapter"] == "09")
    assert row["verdict"] == expected and row["input"] == "inherent" and row["source"].startswith("Pezzicoli")
    assert row["points"][0]["threshold"] == 0.0 and row["points"][0]["value"] == pytest.approx(difference[0])
    assert "τ_α = 30 τ" in row["this_run"]


def test_every_claim_is_registered_once_with_a_known_source_and_a_verdict_vocabulary():
    texts = [c.claim for c in CLAIMS]
    assert len(texts) == len(set(texts))
    assert {c.source for c in CLAIMS} <= {"Swanson et al. (2020)", "Pezzicoli et al. (2024)", "this book"}
    assert NOT_MEASURED in VERDICTS and len(VERDICTS) == 4
