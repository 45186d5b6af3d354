"""glasslib.chapters.ch06_attention (chapter 06): the glued numbers, the class comparison and the graphs shown, on hand-built graphs."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.chapters import ch06_attention as ch06
from glasslib.data.datasets import GLASS, LIQUID
from glasslib.interpretation.attention import AttentionGraph
from glasslib.interpretation.attention_cutoff import CutoffChoice


def chain(label: int, high: int, fold: int = 0, configuration: int = 0, l_win: float = 0.2, probability: float = 0.5) -> AttentionGraph:
    """Six A particles in a ring of six connections, the first ``high`` of them above any cutoff in (0.1, 0.5)."""
    pairs = np.array([(i, (i + 1) % 6) for i in range(6)], dtype=np.int64)
    weights = np.where(np.arange(6) < high, 0.6, 0.05)
    angle = np.linspace(0, 2 * np.pi, 6, endpoint=False)
    positions = 0.5 + 0.1 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    directed = np.stack([weights, weights / 2], axis=1)
    types = np.zeros(6, dtype=np.int8)
    return AttentionGraph(configuration, label, positions, types, np.arange(6), pairs, directed, weights, probability, l_win, fold)


CUTOFFS = {0: CutoffChoice(0.25, "trough of the density"), 1: CutoffChoice(0.123456, "largest gap (asked for)")}


def test_cutoff_numbers_list_the_folds_cutoffs_and_their_distinct_rules():
    graphs = [chain(GLASS, 1), chain(LIQUID, 2, fold=1)]
    assert ch06.cutoff_numbers(graphs, CUTOFFS) == {
        "n_graphs": 2,
        "cutoff_list": "0.25, 0.123",
        "cutoff_rules": "largest gap (asked for); trough of the density",
    }
    same = {0: CutoffChoice(0.2, "override"), 1: CutoffChoice(0.3, "override")}
    assert ch06.cutoff_numbers(graphs, same)["cutoff_rules"] == "override"


def test_the_comparison_counts_fewer_isolated_particles_in_the_glasses():
    graphs = [chain(GLASS, 5, configuration=i) for i in range(3)] + [chain(LIQUID, 1, configuration=i) for i in range(3, 6)]
    comparison = ch06.class_comparison(graphs, CUTOFFS)
    # five of six ring edges high touch all six particles; one high edge leaves four isolated
    assert comparison.loc["isolated_a", "mean_glass"] == 0 and comparison.loc["isolated_a", "mean_liquid"] == 4
    assert comparison.loc["disjoint_graphs", ["n_glass", "n_liquid"]].tolist() == [3, 3]
    assert comparison.loc["isolated_a", "p_value"] < 0.1


def test_the_larger_window_is_half_again_the_trained_one_and_capped():
    assert ch06.larger_window([chain(GLASS, 1, l_win=0.1), chain(LIQUID, 1, l_win=0.2)]) == pytest.approx(0.3)
    assert ch06.larger_window([chain(GLASS, 1, l_win=0.8)]) == ch06.LARGEST_WINDOW


def test_the_larger_window_numbers_give_its_side_and_the_auc_of_its_probabilities():
    graphs = [chain(GLASS, 1, probability=p) for p in (0.9, 0.8)] + [chain(LIQUID, 1, probability=p) for p in (0.85, 0.1)]
    numbers = ch06.larger_window_numbers(np.float64(0.3), graphs)
    assert numbers == {"big_l_win": 0.3, "big_auc": 0.75} and type(numbers["big_l_win"]) is float


def test_the_examples_are_the_first_of_each_class_in_order():
    graphs = [chain(LIQUID, 1, configuration=i) for i in range(4)] + [chain(GLASS, 1, configuration=i) for i in range(4, 9)]
    glass, liquid = ch06.first_of_each_class(graphs)
    assert (glass.configuration, liquid.configuration) == (4, 0)
    assert [g.configuration for g in ch06.explorer_graphs(graphs)] == [4, 5, 6, 0, 1, 2]
    assert ch06.pooled_weights(graphs[:2]).shape == (12,)
