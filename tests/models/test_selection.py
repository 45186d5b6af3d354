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
