"""Chapter 04b (``notebooks/04b_gradcam.ipynb``): Grad-CAM maps of the reference CNN, per-particle scores and their correlations.

What the chapter computes and the numbers its prose quotes, by glue name. It calls
:mod:`glasslib.interpretation` (``gradcam``, ``descriptor_correlations``), :mod:`glasslib.data.render`,
:mod:`glasslib.models.fold_results` and :mod:`glasslib.simulation.tg`. The model's label
(``MODEL_LABELS`` of the book's figures) comes from the notebook: this layer does not import the book.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.data import datasets, render
from glasslib.interpretation import descriptor_correlations
from glasslib.models.fold_results import FoldResult, fold_auc_interval
from glasslib.profiles import Profile
from glasslib.simulation.tg import load_tg

#: Bootstrap resamples of the correlations' intervals over configurations.
CORRELATION_BOOTSTRAP = 300
#: The class whose evidence the maps show: 1, glass.
GLASS_CLASS = 1


def model_numbers(label: str, dataset: int, folds: Mapping[tuple[int, int], FoldResult], seed: int) -> dict[str, Any]:
    """Which model the maps come from and how well it separates the classes.

    ``folds``: the model's three outer folds of ``dataset``, keyed (data set, fold); the fold-0 AUC,
    the mean over folds and its 95 % interval (:func:`fold_auc_interval`, seeded) as ``"[a, b]"`` text.
    """
    interval = fold_auc_interval(list(folds.values()), seed=seed)
    return {
        "gradcam_model": label,
        "gradcam_dataset": dataset,
        "gradcam_fold_auc": folds[(dataset, 0)].auc,
        "gradcam_auc": float(np.mean([r.auc for r in folds.values()])),
        "gradcam_auc_interval": f"[{interval[0]:.3f}, {interval[1]:.3f}]",
    }


def glass_maps(model: Any, data: datasets.Dataset, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rendered images (B, S, S, 3) uint8 of configurations ``indices`` and their Grad-CAM maps for the glass class (B, S, S)."""
    from glasslib.interpretation import gradcam

    images = render.render_batch(data.positions[indices], data.types, size=int(model.input_shape[1]))
    return images, gradcam.grad_cam(model, images, class_index=GLASS_CLASS)


def flat_map_count(maps: np.ndarray) -> int:
    """How many of the (B, H, W) maps are constant (no glass evidence anywhere, or the same everywhere)."""
    return int(np.sum(np.ptp(maps.reshape(len(maps), -1), axis=1) == 0))


def example_panels(images: np.ndarray, maps: np.ndarray, labels: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(class, image, map) of the first glass and the first liquid among the (B,) ``labels``, glass first."""
    shown = {name: int(np.flatnonzero(labels == label)[0]) for name, label in (("glass", datasets.GLASS), ("liquid", datasets.LIQUID))}
    return [(name, images[k], maps[k]) for name, k in shown.items()]


def slow_tg(profile: Profile, run_dir: Path) -> float:
    """The slow schedule's Tg of chapter 02, ε/k_B: the continuation runs' temperature."""
    return float(load_tg(run_dir, profile)["slow"]["tg"])


def score_correlations(profile: Profile, data: datasets.Dataset, indices: np.ndarray, maps: np.ndarray, temperature: float) -> pd.DataFrame:
    """Within-configuration rank correlation of each particle indicator with the per-particle Grad-CAM score, per class.

    ``maps``: the (B, S, S) glass maps of configurations ``indices``; the indicators include the
    displacement in a continuation run of ``continuation_steps`` MD steps at ``temperature``
    (:func:`descriptor_correlations.particle_indicators`), the table is
    :func:`descriptor_correlations.correlation_table`.
    """
    from glasslib.interpretation import gradcam

    scores = gradcam.particle_scores(gradcam.normalise_maps(maps), data.positions[indices])
    indicators = descriptor_correlations.particle_indicators(
        data, indices, profile.protocol, temperature, profile.continuation_steps, seed=profile.seed
    )
    return descriptor_correlations.correlation_table(scores, indicators, data.labels[indices], CORRELATION_BOOTSTRAP, profile.seed)


def correlation_numbers(profile: Profile, correlations: pd.DataFrame, maps: np.ndarray, temperature: float) -> dict[str, Any]:
    """The verdict sentence on the correlations (:func:`descriptor_correlations.correlation_verdict`), the
    continuation runs' length (MD steps) and temperature (ε/k_B)."""
    verdict = descriptor_correlations.correlation_verdict(correlations, flat_map_count(maps), len(maps))
    return {"gradcam_verdict": verdict, "gradcam_steps": profile.continuation_steps, "gradcam_t": temperature}
