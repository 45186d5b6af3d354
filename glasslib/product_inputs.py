"""What each run-directory product's hash reads besides its upstream products (:mod:`glasslib.rundir`).

The profile settings a classifier's ``model`` product depends on (:func:`classifier_settings`), the code-level
inputs of a classifier (:func:`classifier_inputs`), of the inherent structures and of chapter 05b's baselines, and
every setting (the ``profile`` record). References are ``"module:NAME"`` strings, imported only when a hash is
computed, so no layer imports upwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from glasslib.profiles import Profile

#: Code-level inputs of the inherent structures (the rearrangement rule) and of chapter 05b's baselines.
QUENCH_RULE = ("glasslib.data.quench:REARRANGED_DISTANCE", "glasslib.data.quench:REARRANGED_TOLERANCE")
BASELINE_INPUTS = ("glasslib.structure.thermometer:FIRST_SHELL_AB", "glasslib.models.baselines:C_GRID") + tuple(
    f"glasslib.structure.classical_descriptors:{name}" for name in ("HISTOGRAM_RANGE", "HISTOGRAM_BIN")
)


def classifier_settings(keys: Mapping[str, Any]) -> tuple[str, ...]:
    """The profile settings a classifier's ``model`` product depends on (an inherent-input variant: its thermal one's)."""
    model = str(keys.get("model", "")).removesuffix("_inherent")  # the inherent-input variants share the budgets
    common = ("seed",)
    if model in ("cnn", "cnn_pooled"):
        return (*common, f"{model}_iterations", f"{model}_inner_epochs", f"{model}_outer_epochs", "cnn_batch_max")
    budgets = ("iterations", "inner_epochs", "outer_epochs", "hidden_max", "depth_max")
    windows = ("l_win_min", "l_win_max", "windows_per_epoch", "eval_windows")
    dmpnn = budgets + windows
    attention = ("attention_features",) if keys.get("model") == "dmpnn_attention" else ()
    radius = ("dmpnn_radius",) if keys.get("model") == "dmpnn_invariant_inherent" else ()  # selection.radius_option
    return (*common, *(f"dmpnn_{name}" for name in dmpnn), *attention, *radius)


def classifier_inputs(keys: Mapping[str, Any]) -> tuple[str, ...]:
    """What a classifier reads besides the profile: the CNN the renderer's image rules, a D-MPNN the graph rules."""
    cnn = str(keys.get("model", "")).startswith("cnn")
    return ("glasslib.data.render:IMAGE_INPUTS",) if cnn else ("glasslib.data.graphs:GRAPH_INPUTS",)


def every_setting(keys: Mapping[str, Any]) -> tuple[str, ...]:
    """Every field that changes what the book computes (the ``profile`` record depends on all of them)."""
    return tuple(f.name for f in fields(Profile) if f.name != "name" and not f.metadata.get("execution"))
