"""Chapter 09's numbers from the stored ensembles: relaxation, propensity, noise ceiling, descriptor baseline.

Per temperature of the profile (:func:`temperature_study`):

- **Relaxation.** F_s(k = 2π, t) of the A particles, averaged over runs and configurations, from
  absolute and from cage-relative displacements, and τ_α where each crosses 1/e (``None`` when it
  does not within the recorded times). The equilibration before the ensembles is checked against
  the absolute τ_α: at least :data:`EQUILIBRATION_TAUS` τ_α, else :class:`RelaxationError` says
  how many steps to ask for.
- **Propensity and its noise ceiling** (:mod:`glasslib.analysis.propensity`), absolute and
  cage-relative, A particles scored.
- **Descriptor baseline.** The linear model of :mod:`glasslib.models.linear_propensity` on the
  descriptors of :mod:`glasslib.analysis.structural_descriptors`, computed on thermal positions and
  on inherent structures, each configuration predicted by a model fitted on the others; its Pearson
  ρ per configuration at every time, mean with a bootstrap interval over configurations.

:func:`dynamics_study` runs all temperatures and :func:`save_dynamics` / :func:`load_dynamics`
store the result as the ``dynamics`` product that ``glasslib results`` reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.analysis import propensity as prop
from glasslib.analysis.relaxation import RelaxationError, cage_relative, relaxation_time, self_intermediate_scattering
from glasslib.analysis.statistics import mean_with_ci
from glasslib.analysis.structural_descriptors import particle_descriptors
from glasslib.models.linear_propensity import leave_one_out_predictions
from glasslib.profiles import Profile, dynamics_temperatures
from glasslib.published import PROPENSITY_3D
from glasslib.rundir import read_json_product, write_json_product
from glasslib.simulation.isoconfigurational import IsoconfigurationalEnsemble, load_ensembles
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


def relaxation(ensembles: Sequence[IsoconfigurationalEnsemble], kind: str) -> dict[str, Any]:
    """F_s of the A particles (T,) averaged over runs and configurations, and τ_α (None if not reached), τ."""
    times = ensembles[0].times
    fs = np.mean([self_intermediate_scattering(displacements(e, kind), e.types == TYPE_A).mean(axis=0) for e in ensembles], axis=0)
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


def _interval_curve(values: np.ndarray, seed: int) -> dict[str, list[float]]:
    """Mean over configurations (axis 0) with bootstrap intervals, for every time: (C, T) → three (T,) lists."""
    rows = [mean_with_ci(values[:, t], BOOTSTRAP, seed + t) for t in range(values.shape[1])]
    return {key: [row[key] for row in rows] for key in ("mean", "ci_low", "ci_high")}


def descriptor_features(ensembles: Sequence[IsoconfigurationalEnsemble], positions: str) -> np.ndarray:
    """(C, N, D) descriptors of every configuration, from thermal or inherent-structure positions."""
    if positions not in INPUTS:
        raise ValueError(f"positions must be one of {INPUTS}, got {positions!r}")
    return np.stack(
        [
            particle_descriptors(
                e.start_positions if positions == "thermal" else e.inherent_positions, e.types, e.box_length, e.inherent_particle_energy
            )
            for e in ensembles
        ]
    )


def baseline_predictions(ensembles: Sequence[IsoconfigurationalEnsemble], kind: str, positions: str) -> dict[str, np.ndarray]:
    """The descriptor baseline on one displacement kind and one kind of positions, leave one configuration out.

    Returns ``measured`` and ``predicted`` propensity (C, T, N), ``rho`` (C, T) per configuration and
    time over the A particles, and the A ``mask`` (C, N).
    """
    mask = np.stack([e.types == TYPE_A for e in ensembles])
    measured = np.stack([prop.propensity(displacements(e, kind)) for e in ensembles])
    predicted = leave_one_out_predictions(descriptor_features(ensembles, positions), measured, mask)
    rho = np.stack([prop.correlation_per_configuration(predicted[:, t], measured[:, t], mask) for t in range(measured.shape[1])], axis=1)
    return {"measured": measured, "predicted": predicted, "rho": rho, "mask": mask}


def propensity_scores(ensembles: Sequence[IsoconfigurationalEnsemble], kind: str, seed: int) -> dict[str, Any]:
    """Noise ceiling and descriptor-baseline ρ(t) of one displacement kind, each with intervals over configurations."""
    ceilings = np.stack(
        [prop.noise_ceiling(prop.split_half_reliability(displacements(e, kind), e.types == TYPE_A, seed=seed)) for e in ensembles]
    )
    out: dict[str, Any] = {"noise_ceiling": _interval_curve(ceilings, seed)}
    for positions in INPUTS:
        out[f"linear_{positions}"] = _interval_curve(baseline_predictions(ensembles, kind, positions)["rho"], seed)
    return out


def temperature_study(profile: Profile, run_dir: Path, temperature: float) -> dict[str, Any]:
    """Everything chapter 09 reports at one temperature (module docstring)."""
    ensembles = load_ensembles(profile, run_dir, temperature)
    if len(ensembles) < 2:
        raise ValueError(f"the descriptor baseline needs ≥ 2 configurations per temperature; dynamics_configurations = {len(ensembles)}")
    relax = {kind: relaxation(ensembles, kind) for kind in KINDS}
    result: dict[str, Any] = {
        "temperature": temperature,
        "configurations": len(ensembles),
        "runs": int(ensembles[0].displacements.shape[0]),
        "relaxation": relax,
        "equilibration_tau_alpha": check_equilibration(profile, temperature, relax["absolute"]["tau_alpha"]),
        "scores": {kind: propensity_scores(ensembles, kind, profile.seed) for kind in KINDS},
    }
    return result


def dynamics_study(profile: Profile, run_dir: Path) -> dict[str, Any]:
    """:func:`temperature_study` at every temperature of the profile, keyed by ``"0.600"``-style labels."""
    return {f"{t:.3f}": temperature_study(profile, run_dir, t) for t in dynamics_temperatures(profile)}


def save_dynamics(run_dir: Path, profile: Profile, study: dict[str, Any]) -> Path:
    """Write the ``dynamics`` product (JSON with provenance)."""
    return write_json_product(run_dir, profile, "dynamics", {"temperatures": study})


def load_dynamics(run_dir: Path, profile: Profile) -> dict[str, Any]:
    """Read the ``dynamics`` product; missing or stale raise errors naming chapter 09."""
    return read_json_product(run_dir, profile, "dynamics")["temperatures"]


def best_score(result: dict[str, Any], kind: str, model: str) -> dict[str, float]:
    """A model's ρ at the recorded time where its mean over configurations peaks, with that time's interval and ceiling."""
    curve = result["scores"][kind][model]
    best = int(np.nanargmax(curve["mean"]))
    ceiling = result["scores"][kind]["noise_ceiling"]
    return {
        "time": result["relaxation"][kind]["times"][best],
        "rho": curve["mean"][best],
        "ci_low": curve["ci_low"][best],
        "ci_high": curve["ci_high"][best],
        "ceiling": ceiling["mean"][best],
    }


def headline_table(study: dict[str, Any]) -> pd.DataFrame:
    """One row per temperature and displacement kind: τ_α, and each baseline's best ρ [95 % interval] beside the ceiling."""
    rows = []
    for label, result in study.items():
        for kind in KINDS:
            tau = result["relaxation"][kind]["tau_alpha"]
            times = result["relaxation"][kind]["times"]
            row: dict[str, Any] = {
                "T": float(label),
                "displacements": kind,
                "τ_α [τ]": f"{tau:.3g}" if tau is not None else f"> {times[-1]:.3g}",
            }
            for positions in INPUTS:
                best = best_score(result, kind, f"linear_{positions}")
                row[f"linear, {positions}: ρ [95 %]"] = (
                    f"{best['rho']:.2f} [{best['ci_low']:.2f}, {best['ci_high']:.2f}] at t = {best['time']:.3g} τ"
                )
                row[f"ceiling at that t ({positions})"] = f"{best['ceiling']:.2f}"
            rows.append(row)
    return pd.DataFrame(rows).set_index(["T", "displacements"])


def example_map(profile: Profile, run_dir: Path, temperature: float, kind: str, positions: str = "inherent") -> dict[str, Any]:
    """Measured and leave-one-out predicted propensity of configuration 0 at the baseline's best time (for a map)."""
    ensembles = load_ensembles(profile, run_dir, temperature)
    baseline = baseline_predictions(ensembles, kind, positions)
    measured, predicted, rho = baseline["measured"], baseline["predicted"], baseline["rho"]
    best = int(np.nanargmax(np.nanmean(rho, axis=0)))
    first = ensembles[0]
    return {
        "positions": np.mod(first.start_positions, first.box_length),
        "measured": measured[0, best],
        "predicted": predicted[0, best],
        "box_length": first.box_length,
        "time": float(first.times[best]),
        "rho": float(rho[0, best]),
    }


def check_above_tg(temperatures: Sequence[float], tg: float) -> None:
    """A supercooled liquid must be above the glass transition: :class:`ValueError` naming any temperature at or below ``tg``."""
    below = [t for t in temperatures if t <= tg]
    if below:
        raise ValueError(
            f"dynamics_temperatures {below} lie at or below this run's slow-ramp Tg = {tg:.3f}: they would be glasses, "
            "not supercooled liquids; choose temperatures above Tg (profile field dynamics_temperatures)"
        )


def _listing(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def glued_numbers(profile: Profile, study: dict[str, Any], tg: float) -> dict[str, Any]:
    """The numbers chapter 09's prose quotes, by glue name."""
    lowest = min(study, key=float)
    best = best_score(study[lowest], "cage-relative", "linear_inherent")
    published = [f"{name} {ref.value:.2f}" for name, ref in PROPENSITY_3D.items()]
    return {
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
        "rho_low": best["rho"],
        "rho_low_ci": f"[{best['ci_low']:.2f}, {best['ci_high']:.2f}]",
        "ceiling_low": best["ceiling"],
        "published_3d": _listing(published),
    }
