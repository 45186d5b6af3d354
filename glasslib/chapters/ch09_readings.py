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
sign. It is read at τ_α of its temperature and kind (:func:`reading_at`), the time chapter 09 compares
its models at, never at the time where it happens to peak.

**Which sign to expect.** The same readings are taken on data set 1's outer-test configurations of
fold 0 (which neither model trained on); each configuration's mean over its A particles, used as
a glass score, gives an ROC AUC with a 95 % interval (:func:`glass_direction`). A reading resolved
as higher in glasses (interval above 0.5) marks glass-like surroundings; if those move less, its ρ
with propensity is negative — and positive for a reading higher in liquids. The verdict says
whether ρ's interval at τ_α lies on the expected side of zero, on the other (*opposite
sign*), includes zero (*not resolved at this scale*), or whether there is no direction to compare
with (the AUC interval includes 0.5). The paper reports glasses with fewer isolated A particles,
fewer components and fewer attention pieces; this run measures its own direction.

**On both inputs.** Chapter 05b showed that on thermal snapshots a thermometer separates the data
sets, so a model trained on them may read vibrations rather than structure. Every reading is therefore
also taken from the models trained on inherent structures (chapter 05b's CNN and attention D-MPNN,
chapter 06's cutoff of that model), on the inherent structures of the same starting configurations:
each is FIRE-quenched on the force criterion exactly as the data sets were
(:func:`glasslib.data.quench.quench`); a quench that is capped or rearranges beyond
:data:`glasslib.data.quench.REARRANGED_TOLERANCE` is left out and counted (:func:`quenched_starts`).
The bond-graph readings are then those of chapter 07's metrics on inherent structures. Propensity is
the same measured one.

:func:`readings_study` computes all of it once per run and stores it as the ``readings`` product.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.chapters.ch09_dynamics import KINDS, displacements
from glasslib.dynamics import propensity as prop
from glasslib.dynamics.at_times import BOOTSTRAP, stored_curve, values_at
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
#: The inputs the classifiers are read on: the paper's thermal snapshots and inherent structures.
READING_INPUTS = ("thermal", "inherent")
#: Layout version of the ``readings`` product; another layout reads as stale.
READINGS_FORMAT = 4
#: The notebooks whose models the readings need.
CNN_PRODUCER = {"thermal": "notebooks/04_cnn.ipynb", "inherent": "notebooks/05b_reading.ipynb"}


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


def load_reading_models(profile: Profile, run_dir: Path, inputs: str = "thermal") -> ReadingModels:
    """The reference CNN (fold 0 of its first data set, as Grad-CAM in chapter 04b) and the attention D-MPNN (fold 0,
    data set 1), trained on ``inputs``: ``"thermal"`` (chapters 04 and 05) or ``"inherent"`` (chapter 05b).

    Raises
    ------
    ProductError
        Naming the chapter to run when a model, its results or chapter 06's cutoffs are missing or stale.
    """
    from glasslib.interpretation.attention import load_attention_model
    from glasslib.interpretation.attention_counts import load_attention_summary
    from glasslib.models import cnn, selection

    if inputs not in READING_INPUTS:
        raise ValueError(f"readings are taken on {READING_INPUTS}, got {inputs!r}")
    suffix = "" if inputs == "thermal" else selection.INHERENT_SUFFIX
    spec = selection.spec_by_name(profile, profile.reference_cnn + suffix)
    first = selection.trained_ids(profile, spec.name)[0]
    fold = selection.load_results(profile, run_dir, spec, only=[first]).folds[(first, 0)]
    weights = selection.weights_path(profile, run_dir, spec, first, 0)
    if not weights.is_file():
        raise ProductError(f"the CNN weights {weights} are missing: run {CNN_PRODUCER[inputs]} first, with the same profile")
    try:
        model, params, attention_fold = load_attention_model(profile, run_dir, dataset=1, fold=0, inputs=inputs)
    except ValueError as err:
        raise ProductError(str(err)) from None
    summary = load_attention_summary(run_dir, profile)  # chapter 06 stores the cutoffs of the models on both inputs
    if inputs not in summary.get("by_input", {}):
        raise ProductError(f"chapter 06's attention summary has no {inputs} model: rerun notebooks/06_attention.ipynb")
    choice = summary["by_input"][inputs]["cutoffs"]["0"]
    about = {
        "inputs": inputs,
        "cnn": {"model": spec.name, "dataset": int(first), "fold": 0, "auc": float(fold.auc)},
        "attention": {"model": "dmpnn_attention" + suffix, "dataset": 1, "fold": 0, "auc": float(attention_fold.auc), **choice},
    }
    held_out = np.asarray(attention_fold.test_indices, dtype=np.int64)
    if first == 1:
        held_out = np.intersect1d(held_out, fold.test_indices)
    return ReadingModels(cnn.load_cnn(weights), model, params, float(choice["cutoff"]), held_out, about)


def scaled_positions(ensemble: IsoconfigurationalEnsemble) -> np.ndarray:
    """(N, 2) thermal starting positions of an ensemble in box lengths, wrapped into [0, 1)."""
    return np.mod(ensemble.start_positions / ensemble.box_length, 1.0)


def quenched_starts(
    profile: Profile, ensembles: Sequence[IsoconfigurationalEnsemble], scheduler: Any = None, progress: bool = True
) -> tuple[np.ndarray, dict[str, Any]]:
    """The inherent structures of the ensembles' starting configurations, quenched as the data sets' were.

    Returns
    -------
    positions : (C, N, 2) box lengths in [0, 1); the rows of unusable quenches (capped, or rearranged
        beyond the tolerance) are NaN.
    record : ``{"configurations", "usable", "rearranged_max", "fnorm_max"}`` — what the chapter counts.
    """
    from glasslib.data.quench import quench

    types = np.stack([e.types for e in ensembles])
    if not (types == types[0]).all():
        raise ValueError("the ensembles' starting configurations do not share one particle order; quench them one by one")
    box = float(ensembles[0].box_length)
    done = quench(profile, np.stack([e.start_positions for e in ensembles]), types[0], scheduler, progress)
    positions = np.mod(done.positions / box, 1.0)
    positions[~done.usable] = np.nan
    record = {
        "configurations": len(ensembles),
        "usable": int(done.usable.sum()),
        "rearranged_max": float(done.rearranged.max()),
        "fnorm_max": float(done.fnorm.max()),
    }
    return positions, record


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
    """:func:`glass_direction` on data set 1's configurations that neither fold-0 model trained on, as those models read them."""
    from glasslib.data.inherent_inputs import model_inputs
    from glasslib.rundir import product_hash

    data = model_inputs(run_dir, 1, product_hash(profile, "datasets"), models.about["inputs"])
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
        out[name] = stored_curve(prop.correlation_over_time(predicted, measured, mask), seed)
    return out


def temperature_readings(
    ensembles: Sequence[IsoconfigurationalEnsemble], models: ReadingModels, seed: int, positions: np.ndarray | None = None
) -> dict[str, Any]:
    """Readings of one temperature's configurations scored against absolute and cage-relative propensity.

    ``positions``: (C, N, 2) box lengths the models read (default: the thermal starts); configurations
    whose rows are NaN (:func:`quenched_starts`) are left out.
    """
    positions = np.stack([scaled_positions(e) for e in ensembles]) if positions is None else np.asarray(positions, float)
    keep = np.isfinite(positions).all(axis=(1, 2))
    if not keep.any():
        raise ValueError("no configuration of this temperature has usable positions to read")
    ensembles = [e for e, kept in zip(ensembles, keep) if kept]
    readings = particle_readings(positions[keep], np.stack([e.types for e in ensembles]), models)
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


def readings_study(profile: Profile, run_dir: Path, scheduler: Any = None, progress: bool = True) -> dict[str, Any]:
    """Every reading at every temperature of the profile, on both inputs (module docstring); read back if stored and current.

    Returns the thermal readings ``{"classifiers": ReadingModels.about, "direction": held_out_direction(…),
    "temperatures": {"0.600": temperature_readings(…)}}`` and the same under ``"inherent"``, each of
    whose temperatures also carries its ``"quench"`` record (:func:`quenched_starts`).
    """
    from glasslib.progress import progress_bar

    try:
        return load_readings(run_dir, profile)
    except ProductError:
        pass
    models = {inputs: load_reading_models(profile, run_dir, inputs) for inputs in READING_INPUTS}
    study: dict[str, dict[str, Any]] = {inputs: {} for inputs in READING_INPUTS}
    for temperature in progress_bar(dynamics_temperatures(profile), desc="readings vs motion", unit="T", disable=not progress):
        label, ensembles = f"{temperature:.3f}", load_ensembles(profile, run_dir, temperature)
        study["thermal"][label] = temperature_readings(ensembles, models["thermal"], profile.seed)
        positions, record = quenched_starts(profile, ensembles, scheduler, progress)
        study["inherent"][label] = {**temperature_readings(ensembles, models["inherent"], profile.seed, positions), "quench": record}
    by_input = {
        inputs: {"classifiers": m.about, "direction": held_out_direction(profile, run_dir, m), "temperatures": study[inputs]}
        for inputs, m in models.items()
    }
    payload = {**by_input["thermal"], "inherent": by_input["inherent"]}
    save_readings(run_dir, profile, payload)
    return payload


def on_input(readings: Mapping[str, Any], inputs: str) -> Mapping[str, Any]:
    """The readings of the models trained on ``inputs`` (``"thermal"`` or ``"inherent"``), in the thermal layout."""
    if inputs not in READING_INPUTS:
        raise ValueError(f"readings are taken on {READING_INPUTS}, got {inputs!r}")
    return readings if inputs == "thermal" else readings["inherent"]


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
    return {key: payload[key] for key in ("classifiers", "direction", "temperatures", "inherent")}


def tau_alpha_of(study: Mapping[str, Any], label: str, kind: str) -> float:
    """τ_α (τ) of temperature ``label`` and displacement kind from chapter 09's study: the time every reading is scored at."""
    from glasslib.dynamics.at_times import HEADLINE, comparison_times

    return comparison_times(study[label]["relaxation"][kind]["tau_alpha"])[HEADLINE]


def reading_at(result: Mapping[str, Any], kind: str, name: str, expected: int, t: float, seed: int = 0) -> dict[str, Any]:
    """A reading's signed ρ at time ``t`` (τ; interpolated in log t, never extrapolated), its interval, and the verdict.

    ``expected``: −1, +1, or 0 for no direction (:func:`glass_direction`). Every value is ``None``
    when no configuration gave the reading a ρ.
    """
    from glasslib.stats import mean_with_ci

    values = values_at(result["times"], np.asarray(result["scores"][kind][name]["values"], dtype=np.float64), t)
    if not np.isfinite(values).any():
        return {"time": t, "rho": None, "ci_low": None, "ci_high": None, "verdict": "no ρ (constant reading)"}
    found = mean_with_ci(values, BOOTSTRAP, seed)
    return {
        "time": float(t),
        "rho": found["mean"],
        "ci_low": found["ci_low"],
        "ci_high": found["ci_high"],
        "verdict": sign_verdict(found["ci_low"], found["ci_high"], expected),
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


def strength_interval(best: Mapping[str, Any]) -> tuple[float, float]:
    """The 95 % interval of |ρ| of a reading at its time (ρ's interval reflected when ρ < 0)."""
    low, high = best["ci_low"], best["ci_high"]
    return (low, high) if best["rho"] >= 0 else (-high, -low)


def glued_readings(
    readings: Mapping[str, Any], study: Mapping[str, Any], kind: str = "cage-relative", inputs: str = "thermal"
) -> dict[str, Any]:
    """The numbers chapter 09's readings section quotes, by glue name (at the lowest temperature).

    ``study``: the chapter's :func:`glasslib.chapters.ch09_dynamics.dynamics_study`, for the
    equivariant network the strongest reading is compared with (by their 95 % intervals). With
    ``inputs="inherent"`` the names carry ``_inherent`` after their first word
    (``readings_inherent_cnn_auc``, ``reading_inherent_gradcam_rho``); the quench's counts are added, and
    how many readings get the same verdict on both inputs (``readings_inherent_same_verdict``).
    """
    chosen = on_input(readings, inputs)
    numbers = _glued(chosen, study, kind)
    if inputs == "thermal":
        return numbers
    records = [result["quench"] for result in chosen["temperatures"].values()]
    thermal = _glued(readings, study, kind)
    same = sum(numbers[f"reading_{name}_verdict"] == thermal[f"reading_{name}_verdict"] for name in READINGS)
    numbers |= {
        "readings_same_verdict": int(same),
        "readings_quench_configurations": sum(r["configurations"] for r in records),
        "readings_quench_usable": sum(r["usable"] for r in records),
        "readings_quench_rearranged_max": max(r["rearranged_max"] for r in records),
    }
    return {name.replace("_", "_inherent_", 1): value for name, value in numbers.items()}


def _glued(readings: Mapping[str, Any], study: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """:func:`glued_readings` of one input's readings (the thermal layout)."""
    from glasslib.chapters.ch09_comparison import compared_at

    lowest = min(readings["temperatures"], key=float)
    result = readings["temperatures"][lowest]
    signs = expected_signs(readings)
    tau = tau_alpha_of(study, lowest, kind)
    best = {name: reading_at(result, kind, name, signs[name], tau) for name in READINGS}
    verdicts = [b["verdict"] for b in best.values()]
    resolved = [name for name in READINGS if signs[name] != 0]
    scored = {name: b for name, b in best.items() if b["rho"] is not None}
    if not scored:
        raise ValueError(f"no reading gave a correlation at T = {lowest} (every reading constant over the A particles)")
    strongest = max(scored, key=lambda name: abs(scored[name]["rho"]))
    network = compared_at(study[lowest], kind)["models"]["equivariant"]["score"]
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
