"""What a trained CNN calls artificial images: five-fold motifs and random configurations (chapter 04; SI IV).

The paper's CNN classified every motif-saturated image and every random configuration as a
**liquid**. :func:`probe_cnn` renders a few of each and records the model's glass probabilities;
:func:`save_probe` / :func:`load_probe` store them as the run directory's ``probe`` product, which
``glasslib results`` turns into the claim's verdict with a Clopper–Pearson interval on the share
called glass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from glasslib.data import artificial
from glasslib.data.render import render_batch
from glasslib.profiles import Profile
from glasslib.rundir import StaleProductError, read_json_product, write_json_product
from glasslib.stats import clopper_pearson

#: Images of each kind the book shows the network.
N_IMAGES = 8
KINDS = ("five-fold motifs", "random")


def probe_configurations(
    n_particles: int, box_length: float, seed: int, n_images: int = N_IMAGES
) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """``n_images`` motif-saturated and ``n_images`` random configurations (scaled positions, types), seeded."""
    rng = np.random.default_rng(seed)
    motifs = [artificial.pentagon_motifs(box_length, rng) for _ in range(n_images)]
    randoms = [artificial.random_configuration(n_particles, rng) for _ in range(n_images)]
    return {"five-fold motifs": motifs, "random": randoms}


def probe_cnn(model: Any, configurations: dict[str, list[tuple[np.ndarray, np.ndarray]]]) -> dict[str, np.ndarray]:
    """The CNN's glass probability of every configuration, per kind (each rendered as the data sets are)."""
    from glasslib.models.cnn import predict_images

    size = int(model.input_shape[1])
    return {
        kind: predict_images(model, np.concatenate([render_batch(p[None], t, size=size) for p, t in configs]))
        for kind, configs in configurations.items()
    }


def save_probe(run_dir: Path, profile: Profile, probabilities: dict[str, np.ndarray], dataset: int) -> Path:
    """Store the glass probabilities of the artificial images, and the data set whose model made them (``probe``)."""
    payload = {"dataset": int(dataset), "glass_probability": {kind: np.asarray(p, dtype=float) for kind, p in probabilities.items()}}
    return write_json_product(run_dir, profile, "probe", payload, model="cnn")


def load_probe(run_dir: Path, profile: Profile) -> tuple[int, dict[str, np.ndarray]]:
    """The data set whose CNN was probed and the stored glass probabilities per kind, checked for ``profile``."""
    stored = read_json_product(run_dir, profile, "probe", model="cnn")
    if "dataset" not in stored:
        raise StaleProductError(f"the CNN probe of {run_dir} does not say which model it probed: rerun notebooks/04_cnn.ipynb")
    return int(stored["dataset"]), {kind: np.asarray(p) for kind, p in stored["glass_probability"].items()}


def probe_summary(probabilities: dict[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Per kind: images, how many called glass (p ≥ 0.5), its 95 % interval, and the mean glass probability."""
    out = {}
    for kind, p in probabilities.items():
        called = int((np.asarray(p) >= 0.5).sum())
        out[kind] = {
            "n": int(len(p)),
            "called_glass": called,
            "glass_fraction_ci95": clopper_pearson(called, len(p)),
            "mean_glass_probability": float(np.mean(p)),
        }
    return out
