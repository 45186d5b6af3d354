"""glasslib.chapters.ch08_conclusion (chapter 08): the results dict reshaped into glued names, the attention table, what is missing."""

from __future__ import annotations

import pytest

from glasslib.book.tables import count_comparison_table
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


def test_the_attention_counts_become_one_readable_row_per_count():
    counts = {
        "disjoint_graphs": {
            "glass_mean": 3.0,
            "glass_sem": 0.5,
            "liquid_mean": 5.0,
            "liquid_sem": 0.5,
            "n_glass": 8,
            "n_liquid": 8,
            "p_value": 0.01,
        },
        "isolated_a": {
            "glass_mean": 1.0,
            "glass_sem": 0.1,
            "liquid_mean": 2.5,
            "liquid_sem": 0.2,
            "n_glass": 8,
            "n_liquid": 7,
            "p_value": 0.2,
        },
    }
    table = count_comparison_table(ch08.attention_counts_table({"attention": {"counts": counts}}))
    assert list(table.index) == ["disjoint graphs", "isolated A"]
    assert table.loc["disjoint graphs", "liquid − glass [95 %]"] == "+2.00 [+0.61, +3.39]"  # 2 ± 1.96·√(0.5² + 0.5²)
    assert table.loc["isolated A", "configurations (glass / liquid)"] == "8 / 7"
    assert not any("_" in label for label in table.columns)


def test_a_complete_run_names_nothing_missing_and_a_partial_one_names_what_to_run():
    assert ch08.missing_note({"missing": {}}) is None
    note = ch08.missing_note({"missing": {"dynamics": "dynamics.json is missing: run notebooks/09_dynamics.ipynb first"}})
    assert note is not None and "dynamics" in note and "run notebooks/09_dynamics.ipynb first" in note
