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
from glasslib.rundir import product_hash
from glasslib.simulation.tg import load_tg

#: Bootstrap resamples of the correlations' intervals over configurations.
CORRELATION_BOOTSTRAP = 300
#: The class whose evidence the maps show: 1, glass.
GLASS_CLASS = 1


def model_numbers(
    label: str, dataset: int, folds: Mapping[tuple[int, int], FoldResult], seed: int, prefix: str = "gradcam"
) -> dict[str, Any]:
    """Which model the maps come from and how well it separates the classes (glue names start with ``prefix``).

    ``folds``: the model's three outer folds of ``dataset``, keyed (data set, fold); the fold-0 AUC,
    the mean over folds and its 95 % interval (:func:`fold_auc_interval`, seeded) as ``"[a, b]"`` text.
    """
    interval = fold_auc_interval(list(folds.values()), seed=seed)
    return {
        f"{prefix}_model": label,
        f"{prefix}_dataset": dataset,
        f"{prefix}_fold_auc": folds[(dataset, 0)].auc,
        f"{prefix}_auc": float(np.mean([r.auc for r in folds.values()])),
        f"{prefix}_auc_interval": f"[{interval[0]:.3f}, {interval[1]:.3f}]",
    }


def reading_model(
    profile: Profile, run_dir: Path, inputs: str = "thermal"
) -> tuple[Any, int, datasets.Dataset, dict[tuple[int, int], FoldResult], Any, np.ndarray]:
    """The reference CNN trained on ``inputs`` (``"thermal"``, chapter 04's, or ``"inherent"``): its spec, first data
    set, that data set as the model reads it, its fold results, the fold-0 Keras model and that fold's outer-test indices."""
    from glasslib.data.inherent_inputs import model_inputs
    from glasslib.models import cnn, selection

    name = profile.reference_cnn + ("" if inputs == "thermal" else selection.INHERENT_SUFFIX)
    spec = selection.spec_by_name(profile, name)
    first = selection.trained_ids(profile, name)[0]
    data = model_inputs(run_dir, first, product_hash(profile, "datasets"), inputs)
    folds = selection.load_results(profile, run_dir, spec, only=[first]).folds
    model = cnn.load_cnn(selection.weights_path(profile, run_dir, spec, first, 0))
    return spec, first, data, folds, model, folds[(first, 0)].test_indices


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


def correlation_numbers(
    profile: Profile, correlations: pd.DataFrame, maps: np.ndarray, temperature: float, prefix: str = "gradcam"
) -> dict[str, Any]:
    """The verdict sentence on the correlations (:func:`descriptor_correlations.correlation_verdict`), the
    continuation runs' length (MD steps) and temperature (ε/k_B); glue names start with ``prefix``."""
    verdict = descriptor_correlations.correlation_verdict(correlations, flat_map_count(maps), len(maps))
    return {f"{prefix}_verdict": verdict, f"{prefix}_steps": profile.continuation_steps, f"{prefix}_t": temperature}
