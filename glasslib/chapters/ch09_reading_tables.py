"""Chapter 09's tables of the classifiers' readings against motion (:mod:`glasslib.chapters.ch09_readings`).

Three tables: the glass direction of each reading on held-out data set 1 (:func:`direction_table`), each
reading's signed ρ with propensity at τ_α and its verdict by temperature (:func:`readings_table`), and the
two inputs side by side at the lowest temperature (:func:`input_table`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from glasslib.chapters.ch09_readings import READING_INPUTS, READINGS, expected_signs, on_input, reading_at, tau_alpha_of

#: How each expected sign is printed.
SIGN_NAMES = {-1: "−", 1: "+", 0: "none"}
#: Where a reading is higher, by the sign of ρ it implies.
HIGHER_IN = {-1: "glasses", 1: "liquids", 0: "not resolved"}


def direction_table(readings: Mapping[str, Any], inputs: str = "thermal") -> pd.DataFrame:
    """Each reading's per-configuration mean (A particles) as a glass score on held-out data set 1: AUC [95 %] and the sign it implies."""
    rows = []
    for name, (printed, chapter) in READINGS.items():
        found = on_input(readings, inputs)["direction"]["readings"][name]
        rows.append(
            {
                "reading": printed,
                "chapter": chapter,
                "glass AUC [95 %]": f"{found['auc']:.2f} [{found['ci_low']:.2f}, {found['ci_high']:.2f}]",
                "higher in": HIGHER_IN[found["sign"]],
                "expected sign of ρ": SIGN_NAMES[found["sign"]],
            }
        )
    return pd.DataFrame(rows).set_index("reading")


def _shown(best: Mapping[str, Any]) -> str:
    """A reading's signed ρ and its interval, or a dash when no configuration gave one."""
    return "—" if best["rho"] is None else f"{best['rho']:+.2f} [{best['ci_low']:+.2f}, {best['ci_high']:+.2f}]"


def readings_table(
    readings: Mapping[str, Any], study: Mapping[str, Any], kind: str = "cage-relative", inputs: str = "thermal"
) -> pd.DataFrame:
    """One row per temperature and reading: chapter, expected sign, signed ρ [95 %] at τ_α, the noise ceiling there, the verdict.

    ``study``: the chapter's :func:`glasslib.chapters.ch09_dynamics.dynamics_study` (τ_α and the ceiling; same ensembles, same times).
    """
    from glasslib.dynamics.at_times import score_at

    chosen = on_input(readings, inputs)
    rows = []
    signs = expected_signs(chosen)
    for label, result in chosen["temperatures"].items():
        tau = tau_alpha_of(study, label, kind)
        ceiling = score_at(study[label]["scores"][kind]["noise_ceiling"], result["times"], tau, 0)["mean"]
        for name, (printed, chapter) in READINGS.items():
            best = reading_at(result, kind, name, signs[name], tau)
            rows.append(
                {
                    "T": float(label),
                    "reading": printed,
                    "chapter": chapter,
                    "expected sign": SIGN_NAMES[signs[name]],
                    "τ_α [τ]": f"{tau:.3g}",
                    "ρ at τ_α [95 %]": _shown(best),
                    "noise ceiling there": f"{ceiling:.2f}",
                    "verdict": best["verdict"],
                }
            )
    return pd.DataFrame(rows).set_index(["T", "reading"])


def input_table(readings: Mapping[str, Any], study: Mapping[str, Any], kind: str = "cage-relative") -> pd.DataFrame:
    """Each reading at the lowest temperature, from the models trained on each input: where it is higher, ρ at τ_α [95 %], verdict."""
    columns = {}
    for inputs in READING_INPUTS:
        chosen = on_input(readings, inputs)
        lowest = min(chosen["temperatures"], key=float)
        signs = expected_signs(chosen)
        tau = tau_alpha_of(study, lowest, kind)
        best = {name: reading_at(chosen["temperatures"][lowest], kind, name, signs[name], tau) for name in READINGS}
        columns[(inputs, "higher in")] = [HIGHER_IN[signs[name]] for name in READINGS]
        columns[(inputs, "ρ at τ_α [95 %]")] = [_shown(best[name]) for name in READINGS]
        columns[(inputs, "verdict")] = [best[name]["verdict"] for name in READINGS]
    index = pd.Index([printed for printed, _ in READINGS.values()], name="reading")
    return pd.DataFrame(columns, index=index)
