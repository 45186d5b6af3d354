"""glasslib.chapters.ch08_conclusion (chapter 08): the results dict reshaped into glued names and the attention table."""

from __future__ import annotations

import pytest

from glasslib.chapters import ch08_conclusion as ch08

LABELS = {"cnn": "CNN (paper's network)", "cnn_pooled": "CNN (reduced scale, pooled head)", "dmpnn": "D-MPNN (paper features)"}


def test_the_reference_models_are_glued_by_kind_with_their_printed_names():
    results = {"reference": {"cnn": "cnn_pooled", "dmpnn": "dmpnn"}, "claims": []}
    assert ch08.reference_numbers(results, LABELS) == {
        "reference_cnn": "CNN (reduced scale, pooled head)",
        "reference_dmpnn": "D-MPNN (paper features)",
    }
    with pytest.raises(KeyError):
        ch08.reference_numbers({"reference": {"cnn": "unknown"}}, LABELS)


def test_the_attention_counts_become_one_row_per_count():
    counts = {
        "disjoint_graphs": {"glass_mean": 3.0, "liquid_mean": 5.0, "p_value": 0.01},
        "isolated_a": {"glass_mean": 1.0, "liquid_mean": 2.5, "p_value": 0.2},
    }
    table = ch08.attention_counts_table({"attention": {"counts": counts}})
    assert table.index.name == "count" and list(table.index) == ["disjoint_graphs", "isolated_a"]
    assert list(table.columns) == ["glass_mean", "liquid_mean", "p_value"]
    assert table.loc["isolated_a", "liquid_mean"] == 2.5
