"""glasslib.interpretation.artificial_probe: the exact binomial interval and the SI's artificial-image claim."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.interpretation.artificial_probe import probe_summary
from glasslib.report.claims import evaluate_claims
from glasslib.stats import clopper_pearson


def test_clopper_pearson_matches_its_closed_forms():
    assert clopper_pearson(0, 8) == pytest.approx([0.0, 1 - 0.025 ** (1 / 8)])  # 0.369
    assert clopper_pearson(8, 8) == pytest.approx([0.025 ** (1 / 8), 1.0])
    low, high = clopper_pearson(3, 8)
    assert low < 3 / 8 < high


@pytest.mark.parametrize(("called", "verdict"), [(0, "holds"), (8, "fails"), (3, "not resolved at this scale")])
def test_the_artificial_image_claim_follows_the_interval(called, verdict):
    p = np.r_[np.full(called, 0.9), np.full(8 - called, 0.1)]
    summary = probe_summary({"five-fold motifs": p, "random": np.full(8, 0.1) if called != 8 else p})
    learned = {"1": {"auc_mean": 0.99, "auc_ci95": [0.97, 1.0]}}
    probe = {"probed_model": {"model": "cnn", "dataset": 1, "fold": 0}, "kinds": summary}
    rows = evaluate_claims({"artificial_images": probe, "classifiers": {"cnn": learned}})
    claim = next(r for r in rows if r["claim"].startswith("CNN calls motif-saturated"))
    assert claim["verdict"] == verdict
    # a CNN at chance calls everything one class: its probe says nothing
    at_chance = {"1": {"auc_mean": 0.5, "auc_ci95": [0.3, 0.7]}}
    rows = evaluate_claims({"artificial_images": probe, "classifiers": {"cnn": at_chance}})
    claim = next(r for r in rows if r["claim"].startswith("CNN calls motif-saturated"))
    assert claim["verdict"] == "not resolved at this scale" and "did not learn" in claim["this_run"]
