"""glasslib.interpretation.attention_cutoff (chapter 06): the automatic high-attention cutoff in the trough of
bimodal weights, robust to a stray weight, with an override and degenerate inputs."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.interpretation.attention import AttentionError
from glasslib.interpretation.attention_cutoff import high_attention_cutoff


def bimodal_weights(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 10.0 ** np.r_[rng.normal(-3.0, 0.15, 3000), rng.normal(-1.8, 0.1, 300)]


@pytest.mark.parametrize("method", ["kde", "gap"])
def test_automatic_cutoff_lands_in_the_trough(method):
    weights = bimodal_weights()
    cutoff = high_attention_cutoff(weights, method=method)
    assert -2.6 < np.log10(cutoff) < -2.1
    low, high = weights[:3000], weights[3000:]
    assert np.mean(low > cutoff) < 0.005 and np.mean(high <= cutoff) < 0.005


def test_kde_cutoff_is_not_pulled_by_a_stray_weight():
    """A single weight far above the rest opens the largest gap; the density minimum ignores it."""
    weights = np.r_[bimodal_weights(1), 0.5]
    assert high_attention_cutoff(weights, method="gap") > 0.05
    assert -2.6 < np.log10(high_attention_cutoff(weights)) < -2.1


def test_cutoff_override_and_degenerate_inputs():
    weights = bimodal_weights()
    assert high_attention_cutoff(weights, override=0.0123) == 0.0123
    with pytest.raises(AttentionError, match="override"):
        high_attention_cutoff(weights, override=float("nan"))
    with pytest.raises(AttentionError, match="positive"):
        high_attention_cutoff(np.zeros(5))
    equal = high_attention_cutoff(np.full(10, 0.1))
    assert equal == pytest.approx(0.1) and not np.any(np.full(10, 0.1) > equal)
    unimodal = high_attention_cutoff(10.0 ** np.random.default_rng(2).normal(-3, 0.2, 500))
    assert 1e-5 < unimodal < 1e-1  # falls back to the largest gap: still a value inside the data


def test_each_fold_model_gets_its_own_cutoff_in_its_own_trough():
    """Two fold models whose weights differ tenfold in scale: one pooled cutoff would split neither."""
    from types import SimpleNamespace

    from glasslib.interpretation.attention_cutoff import NO_TROUGH, TROUGH, choose_cutoff, cutoff_of, fold_cutoffs

    rng = np.random.default_rng(3)

    def bimodal(low, high):  # log10-normal modes around the two levels
        return 10 ** np.r_[rng.normal(np.log10(low), 0.1, 4000), rng.normal(np.log10(high), 0.1, 400)]

    graphs = [SimpleNamespace(fold=0, weights=bimodal(1e-3, 1e-1)), SimpleNamespace(fold=1, weights=bimodal(1e-2, 1.0))]
    cutoffs = fold_cutoffs(graphs)
    assert 1e-3 * 3 < cutoffs[0].cutoff < 1e-1 / 3 and 1e-2 * 3 < cutoffs[1].cutoff < 1.0 / 3
    assert {c.rule for c in cutoffs.values()} == {TROUGH}
    assert cutoff_of(graphs[1], cutoffs) == cutoffs[1].cutoff and cutoff_of(graphs[1], 0.5) == 0.5
    one_mode = choose_cutoff(10 ** rng.normal(-2, 0.2, 3000))
    assert one_mode.rule == NO_TROUGH and np.isfinite(one_mode.cutoff)


def test_one_mode_fallback_ignores_a_vanishing_weight_in_the_low_tail():
    weights = np.r_[10 ** np.random.default_rng(5).normal(-3.0, 0.3, 2000), 1e-16]
    from glasslib.interpretation import attention_cutoff

    choice = attention_cutoff.choose_cutoff(weights)
    assert choice.rule == attention_cutoff.NO_TROUGH
    assert np.median(weights) <= choice.cutoff <= weights.max()
