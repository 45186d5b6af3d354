"""glasslib.models.specs: the model specs follow the profile's caps."""

from __future__ import annotations

from glasslib.models import specs
from glasslib.profiles import get_profile


def test_model_specs_follow_the_profile_caps():
    quick = get_profile("quick")
    space = {p.name: p for p in specs.dmpnn_spec(quick).space}
    assert space["hidden"].high == quick.dmpnn_hidden_max and space["l_win"].low == quick.dmpnn_l_win_min
    assert specs.dmpnn_spec(quick).fixed["batch_size"] == 5
    assert {p.name: p.high for p in specs.cnn_spec(quick).space}["batch_size"] == quick.cnn_batch_max
    assert specs.dataset_ids(get_profile("smoke")) == (1,)
