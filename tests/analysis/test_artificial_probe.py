"""glasslib.analysis.artificial_probe: the exact binomial interval and the SI's artificial-image claim."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.analysis.artificial_probe import clopper_pearson, probe_summary
from glasslib.book.claims import evaluate_claims


def test_clopper_pearson_matches_its_closed_forms():
    assert clopper_pearson(0, 8) == pytest.approx([0.0, 1 - 0.025 ** (1 / 8)])  # 0.369
    assert clopper_pearson(8, 8) == pytest.approx([0.025 ** (1 / 8), 1.0])
    low, high = clopper_pearson(3, 8)
    assert low < 3 / 8 < high


@pytest.mark.parametrize(("called", "verdict"), [(0, "holds"), (8, "fails"), (3, "not resolved at this scale")])
def test_the_artificial_image_claim_follows_the_interval(called, verdict):
    p = np.r_[np.full(called, 0.9), np.full(8 - called, 0.1)]
    summary = probe_summary({"five-fold motifs": p, "random": np.full(8, 0.1) if called != 8 else p})
    rows = evaluate_claims({"artificial_images": summary})
    assert rows[0]["claim"].startswith("CNN calls motif-saturated") and rows[0]["verdict"] == verdict
