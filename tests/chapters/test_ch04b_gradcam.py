"""Chapter 04b's numbers and panels from hand-built folds, maps and correlation tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glasslib.chapters import ch04b_gradcam as ch04b
from glasslib.models.fold_results import fold_auc_interval
from glasslib.profiles import get_profile


def test_model_numbers_name_the_model_its_fold_zero_auc_and_the_mean_with_its_interval(make_fold_result):
    folds = {(2, f): make_fold_result("cnn_pooled", 2, f, auc, 0.01 * f) for f, auc in enumerate((0.75, 0.5, 1.0))}
    numbers = ch04b.model_numbers("reduced CNN", 2, folds, seed=3)
    low, high = fold_auc_interval(list(folds.values()), seed=3)
    assert numbers == {
        "gradcam_model": "reduced CNN",
        "gradcam_dataset": 2,
        "gradcam_fold_auc": 0.75,
        "gradcam_auc": pytest.approx(0.75),
        "gradcam_auc_interval": f"[{low:.3f}, {high:.3f}]",
    }
    assert low <= high and numbers["gradcam_auc_interval"].startswith("[")


def test_flat_maps_are_counted_and_the_first_glass_and_liquid_shown():
    maps = np.zeros((3, 4, 4))
    maps[1, 2, 2] = 1.0  # one map with evidence somewhere; a zero and a constant map are flat
    maps[2] += 0.5
    assert ch04b.flat_map_count(maps) == 2
    images = np.arange(3)[:, None, None, None] * np.ones((3, 4, 4, 3))
    panels = ch04b.example_panels(images, maps, np.array([0, 1, 1], dtype=np.int8))
    assert [name for name, _, _ in panels] == ["glass", "liquid"]
    assert panels[0][1][0, 0, 0] == 1.0 and panels[1][1][0, 0, 0] == 0.0  # configurations 1 and 0
    assert panels[0][2][2, 2] == 1.0 and panels[1][2].max() == 0.0


def test_correlation_numbers_say_why_no_correlation_exists_when_every_map_is_flat():
    columns = ["glass mean ρ", "glass 95 % interval", "liquid mean ρ", "liquid 95 % interval"]
    table = pd.DataFrame([[np.nan, "[nan, nan]", np.nan, "[nan, nan]"]], index=["local density"], columns=columns)
    profile = get_profile("smoke")
    numbers = ch04b.correlation_numbers(profile, table, np.zeros((3, 4, 4)), temperature=0.42)
    assert set(numbers) == {"gradcam_verdict", "gradcam_steps", "gradcam_t"}
    assert numbers["gradcam_verdict"].startswith("No correlation can be computed: 3 of the 3 maps are constant")
    assert numbers["gradcam_steps"] == profile.continuation_steps and numbers["gradcam_t"] == 0.42


def test_correlation_numbers_name_the_strongest_indicator():
    columns = ["glass mean ρ", "glass 95 % interval", "liquid mean ρ", "liquid 95 % interval"]
    table = pd.DataFrame(
        [[0.1, "[0.0, 0.2]", -0.1, "[-0.2, 0.0]"], [-0.4, "[-0.5, -0.3]", 0.2, "[0.1, 0.3]"]], index=["|ψ5|", "|ψ6|"], columns=columns
    )
    verdict = ch04b.correlation_numbers(get_profile("smoke"), table, np.ones((2, 3, 3)), 0.4)["gradcam_verdict"]
    assert "with |ψ6| (mean ρ -0.400 in glasses" in verdict
