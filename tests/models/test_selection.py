"""glasslib.models.selection: the model specs follow the profile's caps."""

from __future__ import annotations

from glasslib.models import selection
from glasslib.profiles import get_profile


def test_model_specs_follow_the_profile_caps():
    quick = get_profile("quick")
    space = {p.name: p for p in selection.dmpnn_spec(quick).space}
    assert space["hidden"].high == quick.dmpnn_hidden_max and space["l_win"].low == quick.dmpnn_l_win_min
    assert selection.dmpnn_spec(quick).fixed["batch_size"] == 5
    assert {p.name: p.high for p in selection.cnn_spec(quick).space}["batch_size"] == quick.cnn_batch_max
    assert selection.dataset_ids(get_profile("smoke")) == (1,)


def test_the_radius_option_is_searched_only_where_the_profile_asks_and_only_stales_that_model():
    from glasslib.rundir import product_hash

    quick, wide = get_profile("quick"), get_profile("quick", dmpnn_radius=1.45)
    name = "dmpnn_invariant_inherent"
    assert "radius" not in {p.name for p in selection.spec_by_name(quick, name).space}
    option = {p.name: p for p in selection.spec_by_name(wide, name).space}["radius"]
    assert option.values() == (0.0, 1.45)  # the paper's kNN graph, or the radius graph
    for other in ("dmpnn_invariant", "dmpnn_attention_inherent", "dmpnn_attention"):
        assert "radius" not in {p.name for p in selection.spec_by_name(wide, other).space}
        assert product_hash(quick, "model", model=other) == product_hash(wide, "model", model=other)
    assert product_hash(quick, "model", model=name) != product_hash(wide, "model", model=name)
    assert product_hash(quick, "datasets") == product_hash(wide, "datasets")
