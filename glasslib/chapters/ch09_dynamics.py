"""Chapter 09's numbers from the stored ensembles: relaxation, propensity, noise ceiling, descriptor baseline.

Per temperature of the profile (:func:`temperature_study`):

- **Relaxation.** F_s(k = 2π, t) of the A particles, averaged over runs and configurations, from
  absolute and from cage-relative displacements, and τ_α where each crosses 1/e (``None`` when it
  does not within the recorded times). The equilibration before the ensembles is checked against
  the absolute τ_α: at least :data:`EQUILIBRATION_TAUS` τ_α, else :class:`RelaxationError` says
  how many steps to ask for.
- **Propensity and its noise ceiling** (:mod:`glasslib.dynamics.propensity`), absolute and
  cage-relative, A particles scored.
- **Descriptor baseline.** The linear model of :mod:`glasslib.dynamics.linear_baseline` on the
  descriptors of :mod:`glasslib.structure.descriptors`, computed on thermal positions and
  on inherent structures, each configuration predicted by a model fitted on the other folds (the
  networks' splits); its Pearson ρ per configuration at every time, stored per configuration, mean
  with a bootstrap interval over configurations.

:func:`dynamics_study` runs all temperatures and :func:`save_dynamics` / :func:`load_dynamics`
store the result as the ``dynamics`` product that ``glasslib results`` reads. Every score is stored
per configuration and time, so that :mod:`glasslib.chapters.ch09_comparison` can compare the models
at the same times (τ_α first) by paired intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.chapters.ch07_metrics import slow_tg
from glasslib.dynamics import propensity as prop
from glasslib.dynamics.at_times import stored_curve
from glasslib.dynamics.folds import fold_groups
from glasslib.dynamics.linear_baseline import fold_predictions
from glasslib.dynamics.relaxation import RelaxationError, cage_relative, relaxation_time, self_intermediate_scattering
from glasslib.profiles import Profile, dynamics_temperatures
from glasslib.published import PROPENSITY_3D
from glasslib.rundir import read_json_product, write_json_product
from glasslib.simulation.isoconfigurational import IsoconfigurationalEnsemble, load_ensembles
from glasslib.structure.descriptors import particle_descriptors
from glasslib.system import TYPE_A

#: The equilibration before an ensemble must last at least this many (absolute) τ_α.
EQUILIBRATION_TAUS = 5.0
#: Displacement kinds, in the order the book shows them.
KINDS = ("absolute", "cage-relative")
#: Positions the descriptor baseline reads.
INPUTS = ("thermal", "inherent")
#: Bootstrap resamples of every interval over configurations.
BOOTSTRAP = 1000


def displacements(ensemble: IsoconfigurationalEnsemble, kind: str) -> np.ndarray:
    """(R, T, N, 2) displacements of one ensemble, absolute or cage-relative (neighbours in its start), σ."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    values = ensemble.displacements.astype(np.float64)
    return values if kind == "absolute" else cage_relative(values, ensemble.start_positions, ensemble.box_length)


def relaxation(ensembles: Sequence[IsoconfigurationalEnsemble], moves: Sequence[np.ndarray]) -> dict[str, Any]:
    """F_s of the A particles (T,) averaged over runs and configurations, and τ_α (None if not reached), τ.

    ``moves``: each ensemble's (R, T, N, 2) displacements of one kind (:func:`displacements`).
    """
    times = ensembles[0].times
    fs = np.mean([self_intermediate_scattering(m, e.types == TYPE_A).mean(axis=0) for e, m in zip(ensembles, moves)], axis=0)
    try:
        tau: float | None = relaxation_time(times, fs)
    except RelaxationError:
        tau = None
    return {"times": times.tolist(), "fs": fs.tolist(), "tau_alpha": tau}


def check_equilibration(profile: Profile, temperature: float, tau_alpha: float | None) -> float:
    """Equilibration length in units of τ_α; :class:`RelaxationError` if below :data:`EQUILIBRATION_TAUS` or τ_α unknown."""
    length = profile.dynamics_equilibration * profile.timestep
    if tau_alpha is None:
        raise RelaxationError(
            f"at T = {temperature:g}, F_s does not fall to 1/e within dynamics_t_max = {profile.dynamics_t_max} steps: "
            "τ_α is unknown, so the equilibration cannot be checked; raise dynamics_t_max (or choose a higher temperature)"
        )
    ratio = length / tau_alpha
    if ratio < EQUILIBRATION_TAUS:
        needed = int(np.ceil(EQUILIBRATION_TAUS * tau_alpha / profile.timestep))
        raise RelaxationError(
            f"at T = {temperature:g} the equilibration of {length:g} τ is only {ratio:.1f} τ_α (τ_α = {tau_alpha:.3g} τ); "
            f"set dynamics_equilibration ≥ {needed} steps"
        )
    return float(ratio)


def descriptor_features(ensembles: Sequence[IsoconfigurationalEnsemble], positions: str) -> np.ndarray:
    """(C, N, D) descriptors of every configuration, from thermal or inherent-structure positions."""
    if positions not in INPUTS:
        raise ValueError(f"positions must be one of {INPUTS}, got {positions!r}")
    return np.stack([particle_descriptors(e.positions(positions), e.types, e.box_length, e.inherent_particle_energy) for e in ensembles])


def propensity_scores(
    moves: Sequence[np.ndarray], measured: np.ndarray, features: dict[str, np.ndarray], mask: np.ndarray, seed: int, folds: int
) -> dict[str, Any]:
    """Noise ceiling and descriptor-baseline ρ(t) of one displacement kind, each with intervals over configurations.

    ``moves``: each configuration's (R, T, N, 2) displacements; ``measured``: their propensity (C, T, N);
    ``features``: descriptors (C, N, D) by positions (:data:`INPUTS`); ``mask``: the A particles (C, N);
    ``folds``: the cross-validation folds the networks use (``propensity_folds``), so every model sees the same splits.
    """
    ceilings = np.stack([prop.noise_ceiling(prop.split_half_reliability(m, a, seed=seed)) for m, a in zip(moves, mask)])
    out: dict[str, Any] = {"noise_ceiling": stored_curve(ceilings, seed)}
    for positions, table in features.items():
        predicted = fold_predictions(table, measured, mask, folds)
        out[f"linear_{positions}"] = stored_curve(prop.correlation_over_time(predicted, measured, mask), seed)
    return out


def temperature_study(
    profile: Profile, temperature: float, ensembles: Sequence[IsoconfigurationalEnsemble]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Relaxation, equilibration check, noise ceiling and descriptor baselines at one temperature (module docstring).

    Returns the result and the measured propensity (C, T, N) of each kind, which the networks train on.
    Each kind's displacements, propensities and each set of descriptors are computed once.
    """
    if len(ensembles) < 2:
        raise ValueError(f"the descriptor baseline needs ≥ 2 configurations per temperature; dynamics_configurations = {len(ensembles)}")
    mask = np.stack([e.types == TYPE_A for e in ensembles])
    features = {positions: descriptor_features(ensembles, positions) for positions in INPUTS}
    relax, scores, measured = {}, {}, {}
    for kind in KINDS:
        moves = [displacements(e, kind) for e in ensembles]
        measured[kind] = np.stack([prop.propensity(m) for m in moves])
        relax[kind] = relaxation(ensembles, moves)
        scores[kind] = propensity_scores(moves, measured[kind], features, mask, profile.seed, profile.propensity_folds)
    result = {
        "temperature": temperature,
        "configurations": len(ensembles),
        "runs": int(ensembles[0].displacements.shape[0]),
        "relaxation": relax,
        "equilibration_tau_alpha": check_equilibration(profile, temperature, relax["absolute"]["tau_alpha"]),
        "scores": scores,
    }
    result["learning_curve"] = {f"linear_{profile.propensity_input}": linear_learning(profile, result, features, measured, mask)}
    return result, measured


def linear_learning(
    profile: Profile, result: dict[str, Any], features: dict[str, np.ndarray], measured: dict[str, np.ndarray], mask: np.ndarray
) -> dict[str, Any]:
    """The linear baseline on the networks' positions fitted on 1, 2, … configurations per fold, and on the whole training part.

    Held-out ρ per configuration at the recorded time nearest τ_α of each kind (:mod:`glasslib.dynamics.learning_curve`).
    """
    from glasslib.dynamics.at_times import nearest_columns
    from glasslib.dynamics.learning_curve import learning_sizes, linear_curve

    count, folds = len(mask), profile.propensity_folds
    sizes, main = learning_sizes(count, folds)
    part = count - max(len(held) for held in fold_groups(count, folds))
    name = f"linear_{profile.propensity_input}"
    out: dict[str, Any] = {"sizes": sorted({*sizes, main, part})}
    times = result["relaxation"][KINDS[0]]["times"]
    for kind in KINDS:
        column = nearest_columns(times, {kind: result["relaxation"][kind]["tau_alpha"]}, [kind])[0]
        curve = linear_curve(
            features[profile.propensity_input], measured[kind], mask, folds, [n for n in out["sizes"] if n < part], [column]
        )
        full = np.asarray(result["scores"][kind][name]["values"], dtype=np.float64)[:, column]
        out[kind] = [curve[n][:, 0].tolist() for n in curve] + [full.tolist()]
    return out


def dynamics_study(profile: Profile, run_dir: Path, progress: bool = True, scheduler: Any = None) -> dict[str, Any]:
    """Everything chapter 09 reports, keyed by ``"0.600"``-style temperature labels; read back if already stored and current.

    The networks train as Dask tasks on ``scheduler`` (:func:`glasslib.cluster.dask_client`; default a LocalCluster).

    Per temperature: :func:`temperature_study`, then the networks of
    :mod:`glasslib.dynamics.network_scores` — their cross-validated ρ(t) joins the baselines under
    ``scores``, transfer from the other temperatures goes under ``transfer``, sizes under ``parameters``.
    """
    from glasslib.dynamics.network_scores import network_study
    from glasslib.rundir import ProductError

    try:
        return load_dynamics(run_dir, profile)
    except ProductError:
        pass
    ensembles = {f"{t:.3f}": load_ensembles(profile, run_dir, t) for t in dynamics_temperatures(profile)}
    study, measured = {}, {}
    for label, group in ensembles.items():
        study[label], measured[label] = temperature_study(profile, float(label), group)
    tau_alpha = {label: {kind: result["relaxation"][kind]["tau_alpha"] for kind in KINDS} for label, result in study.items()}
    for label, networks in network_study(profile, ensembles, measured, tau_alpha, progress, scheduler).items():
        for kind in KINDS:
            for name, curves in networks["scores"].items():
                study[label]["scores"][kind][name] = curves[kind]
        study[label]["transfer"] = {
            source: {kind: {name: curves[kind] for name, curves in by_name.items()} for kind in KINDS}
            for source, by_name in networks["transfer"].items()
        }
        study[label]["parameters"] = networks["parameters"]
        study[label]["training"] = networks["training"]
        other = networks["other_input"]
        study[label]["other_input"] = {
            "input": other["input"],
            "scores": {kind: {name: curves[kind] for name, curves in other["scores"].items()} for kind in KINDS},
        }
        study[label]["learning_curve"].update(networks.get("learning_curve", {}))
        study[label]["example"] = networks["example"]
    save_dynamics(run_dir, profile, study)
    return study


#: Layout version of the ``dynamics`` product; a file of another layout reads as stale and is recomputed.
DYNAMICS_FORMAT = 6


def save_dynamics(run_dir: Path, profile: Profile, study: dict[str, Any]) -> Path:
    """Write the ``dynamics`` product (JSON with provenance)."""
    return write_json_product(run_dir, profile, "dynamics", {"format": DYNAMICS_FORMAT, "temperatures": study})


def load_dynamics(run_dir: Path, profile: Profile) -> dict[str, Any]:
    """Read the ``dynamics`` product; missing, stale or of another layout raise errors naming chapter 09."""
    from glasslib.rundir import StaleProductError, product_path

    payload = read_json_product(run_dir, profile, "dynamics")
    if payload.get("format") != DYNAMICS_FORMAT:
        raise StaleProductError(
            f"{product_path(run_dir, 'dynamics', profile)} was written by an older glasslib (layout {payload.get('format')}, now "
            f"{DYNAMICS_FORMAT}): rerun notebooks/09_dynamics.ipynb"
        )
    return payload["temperatures"]


def example_map(profile: Profile, run_dir: Path, study: dict[str, Any], temperature: float, network: str = "equivariant") -> dict[str, Any]:
    """Configuration 0 at ``temperature``: measured propensity and the cross-validated prediction of ``network``, for a map."""
    result = study[f"{temperature:.3f}"]
    stored = result["example"][network]
    first = load_ensembles(profile, run_dir, temperature)[0]
    measured, predicted = np.asarray(stored["measured"]), np.asarray(stored["predicted"])
    a = first.types == TYPE_A
    return {
        "positions": np.mod(first.start_positions, first.box_length),
        "measured": measured,
        "predicted": predicted,
        "box_length": first.box_length,
        "kind": stored["kind"],
        "time": float(result["relaxation"][stored["kind"]]["times"][stored["time_index"]]),
        "rho": float(np.corrcoef(measured[a], predicted[a])[0, 1]),
    }


def check_above_tg(temperatures: Sequence[float], tg: float) -> None:
    """A supercooled liquid must be above the glass transition: :class:`ValueError` naming any temperature at or below ``tg``."""
    below = [t for t in temperatures if t <= tg]
    if below:
        raise ValueError(
            f"dynamics_temperatures {below} lie at or below this run's slow-ramp Tg = {tg:.3f}: they would be glasses, "
            "not supercooled liquids; choose temperatures above Tg (profile field dynamics_temperatures)"
        )


def checked_temperatures(profile: Profile, run_dir: Path) -> tuple[tuple[float, ...], float]:
    """The profile's dynamics temperatures and the slow ramp's Tg of chapter 02 (both ε/k_B), checked by :func:`check_above_tg`."""
    temperatures = dynamics_temperatures(profile)
    tg = slow_tg(profile, run_dir)
    check_above_tg(temperatures, tg)
    return temperatures, tg


def example_title(example: dict[str, Any], temperature: float, network: str = "equivariant") -> str:
    """The propensity map's title: temperature (ε/k_B), displacement kind, time (τ) and the network's ρ over the A particles.

    ``example``: :func:`example_map`'s dict (keys ``kind``, ``time``, ``rho``) for ``network`` at ``temperature``.
    """
    return f"T = {temperature:g}, {example['kind']}, t = {example['time']:.3g} τ, {network} network: ρ = {example['rho']:.2f} (A particles)"


def _listing(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def glued_numbers(profile: Profile, study: dict[str, Any], tg: float) -> dict[str, Any]:
    """The numbers chapter 09's prose quotes, by glue name; every score at τ_α of the lowest temperature (cage-relative)."""
    from glasslib.chapters.ch09_comparison import MODEL_LABELS, headline, inputs_comparison, learning_points, training_summary

    lowest = min(study, key=float)
    result = study[lowest]
    found = headline(result, seed=profile.seed)
    scores, differences = found["scores"], found["differences"]
    published = [f"{name} {ref.value:.2f}" for name, ref in PROPENSITY_3D.items()]
    highest = max(study, key=float)
    high = headline(study[highest], seed=profile.seed)
    trained = training_summary(result)
    learned = learning_points(result, seed=profile.seed)
    gaps = learned.get("difference", {})
    largest = max(gaps) if gaps else None
    inputs = inputs_comparison(result, profile.propensity_input, seed=profile.seed)
    inputs_glue = {}
    for name, compared in inputs.items():
        for positions, score in compared["scores"].items():
            inputs_glue[f"inputs_{name}_{positions}"] = f"{score['mean']:.2f} {_interval(score)}"
        inputs_glue[f"inputs_{name}_delta"] = f"{compared['difference']['mean']:+.2f} {_interval(compared['difference'], signed=True)}"
        inputs_glue[f"inputs_{name}_better"] = compared["better"]
    return {
        **inputs_glue,
        "learning_sizes": _listing([str(n) for n in sorted(learned.get("equivariant", {}))] or ["—"]),
        "learning_largest": largest if largest is not None else "—",
        "learning_delta": "—" if largest is None else f"{gaps[largest]['mean']:+.2f} {_interval(gaps[largest], signed=True)}",
        "learning_delta_smallest": "—" if not gaps else f"{gaps[min(gaps)]['mean']:+.2f} {_interval(gaps[min(gaps)], signed=True)}",
        "tg_slow": tg,
        "temperatures": "T = " + _listing([f"{float(t):g}" for t in study]),
        "configurations": profile.dynamics_configurations,
        "runs": profile.dynamics_runs,
        "records": profile.dynamics_records,
        "equilibration_tau": profile.dynamics_equilibration * profile.timestep,
        "t_max_tau": profile.dynamics_t_max * profile.timestep,
        "equilibration_min": min(r["equilibration_tau_alpha"] for r in study.values()),
        "equilibration_required": EQUILIBRATION_TAUS,
        "t_low": float(lowest),
        "t_high": float(highest),
        "tau_low": found["time"],
        "tau_high": high["time"],
        "folds": profile.propensity_folds,
        "epochs": profile.propensity_epochs,
        "best_epochs_equivariant": _listing([str(e) for e in trained.get("equivariant", {}).get("best_epochs", [])] or ["—"]),
        "best_epochs_plain": _listing([str(e) for e in trained.get("plain", {}).get("best_epochs", [])] or ["—"]),
        "learning_rates": _listing([f"{r:g}" for r in profile.propensity_learning_rates]),
        "rates_equivariant": _listing([f"{r:g}" for r in trained.get("equivariant", {}).get("learning_rates", []) if r] or ["—"]),
        "rates_plain": _listing([f"{r:g}" for r in trained.get("plain", {}).get("learning_rates", []) if r] or ["—"]),
        "network_input": "inherent structures" if profile.propensity_input == "inherent" else "thermal positions",
        "parameters_equivariant": result["parameters"]["equivariant"],
        "parameters_plain": result["parameters"]["plain"],
        **{f"rho_{model}": scores[model]["mean"] for model in MODEL_LABELS},
        **{f"rho_{model}_ci": _interval(scores[model]) for model in MODEL_LABELS},
        **{f"delta_{model}": f"{differences[model]['mean']:+.2f} {_interval(differences[model], signed=True)}" for model in differences},
        "best_other": MODEL_LABELS[found["best_other"]],
        "delta_best": f"{found['difference']['mean']:+.2f} {_interval(found['difference'], signed=True)}",
        "ceiling_low": found["ceiling"],
        "ceiling_fraction_low": found["ceiling_fraction"],
        "ceiling_fraction_high": high["ceiling_fraction"],
        "rho_equivariant_high": high["scores"]["equivariant"]["mean"],
        "ceiling_high": high["ceiling"],
        "verdict_equivariant": found["verdict"],
        "verdict_equivariant_high": high["verdict"],
        "best_other_high": MODEL_LABELS[high["best_other"]],
        "delta_best_high": f"{high['difference']['mean']:+.2f} {_interval(high['difference'], signed=True)}",
        "decide_low": _count(found["configurations_to_decide"]),
        "decide_high": _count(high["configurations_to_decide"]),
        "compared_configurations": found["configurations"],
        "published_3d": _listing(published),
        "published_3d_source": next(iter(PROPENSITY_3D.values())).source,
        **method_constants(),
        **paper_scale(),
    }


def _count(value: int | None) -> str:
    return "no finite number (a zero gap)" if value is None else f"about {value}"


def _interval(score: dict[str, float], signed: bool = False) -> str:
    f = "{:+.2f}" if signed else "{:.2f}"
    return f"[{f.format(score['ci_low'])}, {f.format(score['ci_high'])}]"


def paper_scale() -> dict[str, Any]:
    """The ``paper`` profile's ensembles (configurations, runs, temperatures), for the chapter to quote beside its own."""
    from glasslib.profiles import get_profile

    paper = get_profile("paper")
    return {
        "paper_configurations": paper.dynamics_configurations,
        "paper_runs": paper.dynamics_runs,
        "paper_temperatures": "T = " + _listing([f"{t:g}" for t in dynamics_temperatures(paper)]),
    }


def method_constants() -> dict[str, Any]:
    """The chapter's fixed method settings, as the code uses them: cut-offs (σ) and the highest harmonic order."""
    from glasslib.dynamics.network_scores import ARCHITECTURES
    from glasslib.dynamics.networks.graphs import EDGE_CUTOFF
    from glasslib.structure.local_order import BOND_CUTOFF, DENSITY_RADIUS

    return {
        "cage_cutoff": BOND_CUTOFF,
        "density_radius": DENSITY_RADIUS,
        "edge_cutoff": EDGE_CUTOFF,
        "max_order": ARCHITECTURES["equivariant"]["max_order"],
    }
