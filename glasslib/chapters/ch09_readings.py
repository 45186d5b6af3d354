"""What the classifiers of chapters 4–7 read in a configuration, scored against how its particles move (chapter 09).

No published work scores a liquid/glass classifier's interpretation against propensity on the
same configurations; this book can, because everything comes from one simulation store. Every
configuration of chapter 09's ensembles (its thermal starting positions, the input the classifiers
were trained on) gets six per-particle **readings**:

======================  ========  =============================================================
``gradcam``             04b       Grad-CAM glass-class score of the reference CNN (fold 0 of its
                                  first data set), read at the particle's dot, map scaled to [0, 1]
``attention_largest``   06        largest attention weight of a connection touching the particle
                                  (fold 0 of the attention D-MPNN on data set 1; windows that cover
                                  the box, :func:`glasslib.interpretation.attention.particle_attention`)
``attention_isolated``  06        1 for an A particle touching no connection above chapter 06's
                                  fold-0 high-attention cutoff
``chosen_by_b``         07        how many B particles chose it as one of their two nearest neighbours
``isolated_a``          07        1 for an A particle no B particle chose
``component_size``      07        particles of its component of the bond graph
======================  ========  =============================================================

Each reading is correlated with the measured propensity exactly as the models are (Pearson ρ over
the A particles of each configuration, at every recorded time, mean over configurations with a
95 % bootstrap interval; absolute and cage-relative). A reading is not fitted, so its ρ keeps its
sign; its best time is where |mean ρ| peaks.

**Which sign to expect.** The same readings are taken on data set 1's outer-test configurations of
fold 0 (which neither model trained on); each configuration's mean over its A particles, used as
a glass score, gives an ROC AUC with a 95 % interval (:func:`glass_direction`). A reading resolved
as higher in glasses (interval above 0.5) marks glass-like surroundings; if those move less, its ρ
with propensity is negative — and positive for a reading higher in liquids. The verdict says
whether ρ's interval at the best time lies on the expected side of zero, on the other (*opposite
sign*), includes zero (*not resolved at this scale*), or whether there is no direction to compare
with (the AUC interval includes 0.5). The paper reports glasses with fewer isolated A particles,
fewer components and fewer attention pieces; this run measures its own direction.

:func:`readings_study` computes all of it once per run and stores it as the ``readings`` product.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.chapters.ch09_dynamics import KINDS, displacements, interval_curve
from glasslib.dynamics import propensity as prop
from glasslib.profiles import Profile, dynamics_temperatures
from glasslib.rundir import ProductError, StaleProductError, product_path, read_json_product, write_json_product
from glasslib.simulation.isoconfigurational import IsoconfigurationalEnsemble, load_ensembles
from glasslib.structure.bond_metrics import particle_bond_graph
from glasslib.system import TYPE_A

#: Every reading: its printed name and the chapter it comes from.
READINGS: dict[str, tuple[str, str]] = {
    "gradcam": ("Grad-CAM glass score", "04b"),
    "attention_largest": ("largest attention weight", "06"),
    "attention_isolated": ("isolated at the attention cutoff", "06"),
    "chosen_by_b": ("times chosen by a B neighbour", "07"),
    "isolated_a": ("isolated A (no B chose it)", "07"),
    "component_size": ("size of its bond-graph component", "07"),
}
#: Layout version of the ``readings`` product; another layout reads as stale.
READINGS_FORMAT = 2
#: The notebooks whose models the readings need.
CNN_PRODUCER, ATTENTION_PRODUCER = "notebooks/04_cnn.ipynb", "notebooks/05_dmpnn.ipynb"


@dataclass(frozen=True)
class ReadingModels:
    """The trained classifiers the readings come from, and what the book says about them.

    ``cnn``: a Keras model; ``attention``: a D-MPNN with attention and its ``attention_params``;
    ``cutoff``: chapter 06's high-attention cutoff for that fold; ``held_out``: data set 1's
    configurations neither fold-0 model trained on; ``about``: names, data sets, folds and the
    outer-test AUC of each model (a reading is worth interpreting only if its model learned).
    """

    cnn: Any
    attention: Any
    attention_params: Any
    cutoff: float
    held_out: np.ndarray
    about: dict[str, Any]


def load_reading_models(profile: Profile, run_dir: Path) -> ReadingModels:
    """The reference CNN (fold 0 of its first data set, as Grad-CAM in chapter 04b) and the attention D-MPNN (fold 0, data set 1).

    Raises
    ------
    ProductError
        Naming the chapter to run when a model, its results or chapter 06's cutoffs are missing or stale.
    """
    from glasslib.interpretation.attention import load_attention_model
    from glasslib.interpretation.attention_counts import load_attention_summary
    from glasslib.models import cnn, selection

    spec = selection.spec_by_name(profile, profile.reference_cnn)
    first = selection.trained_ids(profile, spec.name)[0]
    fold = selection.load_results(profile, run_dir, spec, only=[first]).folds[(first, 0)]
    weights = selection.weights_path(profile, run_dir, spec, first, 0)
    if not weights.is_file():
        raise ProductError(f"the CNN weights {weights} are missing: run {CNN_PRODUCER} first, with the same profile")
    try:
        model, params, attention_fold = load_attention_model(profile, run_dir, dataset=1, fold=0)
    except ValueError as err:
        raise ProductError(str(err)) from None
    summary = load_attention_summary(run_dir, profile)  # the thermal model's own cutoffs (chapter 06 reads both)
    choice = summary.get("by_input", {}).get("thermal", summary)["cutoffs"]["0"]
    about = {
        "cnn": {"model": spec.name, "dataset": int(first), "fold": 0, "auc": float(fold.auc)},
        "attention": {"model": "dmpnn_attention", "dataset": 1, "fold": 0, "auc": float(attention_fold.auc), **choice},
    }
    held_out = np.asarray(attention_fold.test_indices, dtype=np.int64)
    if first == 1:
        held_out = np.intersect1d(held_out, fold.test_indices)
    return ReadingModels(cnn.load_cnn(weights), model, params, float(choice["cutoff"]), held_out, about)


def scaled_positions(ensemble: IsoconfigurationalEnsemble) -> np.ndarray:
    """(N, 2) thermal starting positions of an ensemble in box lengths, wrapped into [0, 1)."""
    return np.mod(ensemble.start_positions / ensemble.box_length, 1.0)


def particle_readings(positions: np.ndarray, types: np.ndarray, models: ReadingModels) -> dict[str, np.ndarray]:
    """Every reading of :data:`READINGS` for every particle of a batch of configurations.

    Parameters
    ----------
    positions : (C, N, 2) — scaled coordinates (box lengths) in [0, 1).
    types : (C, N) or (N,) — LAMMPS types, 1 (A) or 2 (B).
    models : the trained classifiers (:func:`load_reading_models`).

    Returns
    -------
    dict name → (C, N) float64 (booleans as 0/1).
    """
    from glasslib.data import datasets, render
    from glasslib.interpretation import attention, gradcam

    positions = np.asarray(positions, dtype=np.float64)
    types = np.broadcast_to(np.asarray(types), positions.shape[:2])
    images = render.render_batch(positions, types, size=int(models.cnn.input_shape[1]))
    maps = gradcam.normalise_maps(gradcam.grad_cam(models.cnn, images, class_index=datasets.GLASS))
    largest = np.stack([attention.particle_attention(models.attention, models.attention_params, p, t) for p, t in zip(positions, types)])
    bonds = [particle_bond_graph(p, t, 1.0) for p, t in zip(positions, types)]  # nearest neighbours: the same in box lengths
    out = {
        "gradcam": gradcam.particle_scores(maps, positions),
        "attention_largest": largest,
        "attention_isolated": (types == TYPE_A) & (largest <= models.cutoff),
        **{key: np.stack([b[key] for b in bonds]) for key in ("chosen_by_b", "isolated_a", "component_size")},
    }
    return {key: np.asarray(value, dtype=np.float64) for key, value in out.items()}


def glass_direction(readings: Mapping[str, np.ndarray], types: np.ndarray, labels: np.ndarray, seed: int) -> dict[str, dict[str, Any]]:
    """Whether each reading is higher in glasses or in liquids: AUC of its per-configuration mean over A particles.

    Parameters
    ----------
    readings : name → (C, N), on labelled configurations (:func:`particle_readings`).
    types : (C, N) or (N,) LAMMPS types; labels : (C,) 1 glass, 0 liquid.

    Returns
    -------
    name → ``{"auc", "ci_low", "ci_high", "sign"}``: ``sign`` is the sign of ρ with propensity to
    expect (−1 higher in glasses, +1 higher in liquids, 0 when the 95 % interval includes 0.5).
    """
    from glasslib.stats import auc_interval, roc_auc

    labels = np.asarray(labels)
    out = {}
    for name, values in readings.items():
        a = np.broadcast_to(np.asarray(types) == TYPE_A, values.shape)
        score = (values * a).sum(axis=1) / a.sum(axis=1)
        low, high = auc_interval([(labels, score)], seed=seed)
        sign = -1 if low > 0.5 else 1 if high < 0.5 else 0
        out[name] = {"auc": roc_auc(labels, score), "ci_low": low, "ci_high": high, "sign": sign}
    return out


def held_out_direction(profile: Profile, run_dir: Path, models: ReadingModels) -> dict[str, Any]:
    """:func:`glass_direction` on data set 1's configurations that neither fold-0 model trained on."""
    from glasslib.data.datasets import load_dataset
    from glasslib.rundir import product_hash

    data = load_dataset(run_dir, 1, product_hash(profile, "datasets"))
    chosen = models.held_out
    readings = particle_readings(np.asarray(data.positions)[chosen], data.types, models)
    labels = np.asarray(data.labels)[chosen]
    return {
        "glasses": int((labels == 1).sum()),
        "liquids": int((labels == 0).sum()),
        "readings": glass_direction(readings, data.types, labels, profile.seed),
    }


def reading_scores(readings: Mapping[str, np.ndarray], measured: np.ndarray, mask: np.ndarray, seed: int) -> dict[str, Any]:
    """ρ(t) of every reading with one kind of measured propensity (C, T, N), A particles ``mask`` (C, N); intervals over configurations.

    A reading constant over a configuration's A particles (e.g. no isolated A there) gives that
    configuration no ρ; the mean and interval use the others.
    """
    out = {}
    for name, values in readings.items():
        predicted = np.broadcast_to(values[:, None, :], measured.shape)
        out[name] = interval_curve(prop.correlation_over_time(predicted, measured, mask), seed)
    return out


def temperature_readings(ensembles: Sequence[IsoconfigurationalEnsemble], models: ReadingModels, seed: int) -> dict[str, Any]:
    """Readings of one temperature's configurations scored against absolute and cage-relative propensity."""
    readings = particle_readings(np.stack([scaled_positions(e) for e in ensembles]), np.stack([e.types for e in ensembles]), models)
    mask = np.stack([e.types == TYPE_A for e in ensembles])
    scores = {}
    for kind in KINDS:
        measured = np.stack([prop.propensity(displacements(e, kind)) for e in ensembles])
        scores[kind] = reading_scores(readings, measured, mask, seed)
    isolated = readings["attention_isolated"][mask].mean(), readings["isolated_a"][mask].mean()
    return {
        "times": ensembles[0].times.tolist(),
        "scores": scores,
        "isolated_fraction": {"attention": float(isolated[0]), "bond_graph": float(isolated[1])},
    }


def readings_study(profile: Profile, run_dir: Path, progress: bool = True) -> dict[str, Any]:
    """Every reading at every temperature of the profile (module docstring); read back if stored and current.

    Returns ``{"classifiers": ReadingModels.about, "direction": held_out_direction(…),
    "temperatures": {"0.600": temperature_readings(…)}}``.
    """
    from glasslib.progress import progress_bar

    try:
        return load_readings(run_dir, profile)
    except ProductError:
        pass
    models = load_reading_models(profile, run_dir)
    temperatures = dynamics_temperatures(profile)
    study = {}
    for temperature in progress_bar(temperatures, desc="readings vs motion", unit="T", disable=not progress):
        study[f"{temperature:.3f}"] = temperature_readings(load_ensembles(profile, run_dir, temperature), models, profile.seed)
    payload = {"classifiers": models.about, "direction": held_out_direction(profile, run_dir, models), "temperatures": study}
    save_readings(run_dir, profile, payload)
    return payload


def _keys(profile: Profile) -> dict[str, str]:
    """The keys that name the readings' upstream CNN model in the run-directory contract."""
    return {"model": profile.reference_cnn}


def save_readings(run_dir: Path, profile: Profile, payload: Mapping[str, Any]) -> Path:
    """Write the ``readings`` product (JSON with provenance)."""
    return write_json_product(run_dir, profile, "readings", {"format": READINGS_FORMAT, **payload}, **_keys(profile))


def load_readings(run_dir: Path, profile: Profile) -> dict[str, Any]:
    """Read the ``readings`` product; missing, stale or of another layout raise errors naming chapter 09."""
    payload = read_json_product(run_dir, profile, "readings", **_keys(profile))
    if payload.get("format") != READINGS_FORMAT:
        raise StaleProductError(
            f"{product_path(run_dir, 'readings', profile, **_keys(profile))} has layout {payload.get('format')}, this glasslib writes "
            f"{READINGS_FORMAT}: rerun notebooks/09_dynamics.ipynb"
        )
    return {key: payload[key] for key in ("classifiers", "direction", "temperatures")}


def best_reading(result: Mapping[str, Any], kind: str, name: str, expected: int) -> dict[str, Any]:
    """A reading's signed ρ at the time where |mean ρ| peaks, its interval, and the verdict against the ``expected`` sign.

    ``expected``: −1, +1, or 0 for no direction (:func:`glass_direction`). Every value is ``None``
    when no configuration gave the reading a ρ.
    """
    curve = result["scores"][kind][name]
    means = np.array([np.nan if m is None else m for m in curve["mean"]], dtype=np.float64)
    if not np.isfinite(means).any():
        return {"time": None, "time_index": None, "rho": None, "ci_low": None, "ci_high": None, "verdict": "no ρ (constant reading)"}
    best = int(np.nanargmax(np.abs(means)))
    low, high = curve["ci_low"][best], curve["ci_high"][best]
    return {
        "time": result["times"][best],
        "time_index": best,
        "rho": float(means[best]),
        "ci_low": low,
        "ci_high": high,
        "verdict": sign_verdict(low, high, expected),
    }


def sign_verdict(low: float | None, high: float | None, expected: int) -> str:
    """Verdict on ρ's interval: on the ``expected`` side of zero, on the other, including zero, or no direction (``expected`` 0)."""
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return "not resolved at this scale"
    side = 1 if low > 0 else -1 if high < 0 else 0
    if side == 0:
        return "not resolved at this scale"
    if expected == 0:
        return "correlated, no glass direction to compare"
    return "as expected" if side == expected else "opposite sign"


def expected_signs(readings: Mapping[str, Any]) -> dict[str, int]:
    """The sign of ρ each reading should have, from its measured glass direction (:func:`glass_direction`)."""
    return {name: int(readings["direction"]["readings"][name]["sign"]) for name in READINGS}


#: How each expected sign is printed.
SIGN_NAMES = {-1: "−", 1: "+", 0: "none"}


def direction_table(readings: Mapping[str, Any]) -> pd.DataFrame:
    """Each reading's per-configuration mean (A particles) as a glass score on held-out data set 1: AUC [95 %] and the sign it implies."""
    rows = []
    for name, (printed, chapter) in READINGS.items():
        found = readings["direction"]["readings"][name]
        higher = {-1: "glasses", 1: "liquids", 0: "not resolved"}[found["sign"]]
        rows.append(
            {
                "reading": printed,
                "chapter": chapter,
                "glass AUC [95 %]": f"{found['auc']:.2f} [{found['ci_low']:.2f}, {found['ci_high']:.2f}]",
                "higher in": higher,
                "expected sign of ρ": SIGN_NAMES[found["sign"]],
            }
        )
    return pd.DataFrame(rows).set_index("reading")


def readings_table(readings: Mapping[str, Any], study: Mapping[str, Any], kind: str = "cage-relative") -> pd.DataFrame:
    """One row per temperature and reading: chapter, expected sign, best signed ρ [95 %], its time, the noise ceiling there, the verdict.

    ``study``: the chapter's :func:`glasslib.chapters.ch09_dynamics.dynamics_study` (the ceiling; same ensembles, same times).
    """
    rows = []
    signs = expected_signs(readings)
    for label, result in readings["temperatures"].items():
        for name, (printed, chapter) in READINGS.items():
            best = best_reading(result, kind, name, signs[name])
            ceiling = study[label]["scores"][kind]["noise_ceiling"]["mean"]
            shown = "—" if best["rho"] is None else f"{best['rho']:+.2f} [{best['ci_low']:+.2f}, {best['ci_high']:+.2f}]"
            rows.append(
                {
                    "T": float(label),
                    "reading": printed,
                    "chapter": chapter,
                    "expected sign": SIGN_NAMES[signs[name]],
                    "best ρ [95 %]": shown,
                    "at t [τ]": "—" if best["time"] is None else f"{best['time']:.3g}",
                    "noise ceiling there": "—" if best["time"] is None else f"{ceiling[best['time_index']]:.2f}",
                    "verdict": best["verdict"],
                }
            )
    return pd.DataFrame(rows).set_index(["T", "reading"])


def strength_interval(best: Mapping[str, Any]) -> tuple[float, float]:
    """The 95 % interval of |ρ| at a reading's best time (ρ's interval reflected when ρ < 0)."""
    low, high = best["ci_low"], best["ci_high"]
    return (low, high) if best["rho"] >= 0 else (-high, -low)


def glued_readings(readings: Mapping[str, Any], study: Mapping[str, Any], kind: str = "cage-relative") -> dict[str, Any]:
    """The numbers chapter 09's readings section quotes, by glue name (at the lowest temperature).

    ``study``: the chapter's :func:`glasslib.chapters.ch09_dynamics.dynamics_study`, for the
    equivariant network the strongest reading is compared with (by their 95 % intervals).
    """
    from glasslib.chapters.ch09_dynamics import best_score

    lowest = min(readings["temperatures"], key=float)
    result = readings["temperatures"][lowest]
    signs = expected_signs(readings)
    best = {name: best_reading(result, kind, name, signs[name]) for name in READINGS}
    verdicts = [b["verdict"] for b in best.values()]
    resolved = [name for name in READINGS if signs[name] != 0]
    scored = {name: b for name, b in best.items() if b["rho"] is not None}
    if not scored:
        raise ValueError(f"no reading gave a correlation at T = {lowest} (every reading constant over the A particles)")
    strongest = max(scored, key=lambda name: abs(scored[name]["rho"]))
    network = best_score(study[lowest], kind, "equivariant")
    low, high = strength_interval(scored[strongest])
    if not all(math.isfinite(v) for v in (low, high, network["ci_low"], network["ci_high"])):
        versus = "not resolved from"
    elif high < network["ci_low"]:
        versus = "below"
    elif low > network["ci_high"]:
        versus = "above"
    else:
        versus = "not resolved from"
    about = readings["classifiers"]
    return {
        "readings_cnn_model": about["cnn"]["model"],
        "readings_cnn_dataset": about["cnn"]["dataset"],
        "readings_cnn_auc": about["cnn"]["auc"],
        "readings_attention_auc": about["attention"]["auc"],
        "readings_cutoff": about["attention"]["cutoff"],
        "readings_isolated_attention": result["isolated_fraction"]["attention"],
        "readings_isolated_bonds": result["isolated_fraction"]["bond_graph"],
        "readings_as_expected": verdicts.count("as expected"),
        "readings_opposite": verdicts.count("opposite sign"),
        "readings_unresolved": verdicts.count("not resolved at this scale"),
        "readings_no_direction": len(READINGS) - len(resolved),
        "readings_direction_glasses": readings["direction"]["glasses"],
        "readings_direction_liquids": readings["direction"]["liquids"],
        "readings_count": len(verdicts),
        "readings_strongest": READINGS[strongest][0],
        "readings_strongest_abs": abs(scored[strongest]["rho"]),
        "readings_versus_network": versus,
        **{f"reading_{name}_rho": "—" if b["rho"] is None else f"{b['rho']:+.2f}" for name, b in best.items()},
        **{f"reading_{name}_ci": "" if b["rho"] is None else f"[{b['ci_low']:+.2f}, {b['ci_high']:+.2f}]" for name, b in best.items()},
        **{f"reading_{name}_verdict": b["verdict"] for name, b in best.items()},
    }
