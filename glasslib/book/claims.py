"""The paper's claims against one run's results (chapter 08, and ``glasslib results``).

:func:`evaluate_claims` reads the document of :func:`glasslib.results.collect_results` and returns
one row per claim of Swanson *et al.* whose inputs the run has: the claim, what this run
measured, and the verdict. A claim whose chapter has not run is left out, not guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

HOLDS, FAILS = "holds", "does not hold here"


def _verdict(ok: bool) -> str:
    return HOLDS if ok else FAILS


def _tg_lower(r: Mapping[str, Any]) -> tuple[str, str]:
    slow, fast = r["tg"]["slow"], r["tg"]["fast"]
    return (
        f"slow {slow['value']:.3f} ± {slow['std']:.3f}, fast {fast['value']:.3f} ± {fast['std']:.3f}",
        _verdict(slow["value"] < fast["value"]),
    )


def _glass_energy_lower(r: Mapping[str, Any]) -> tuple[str, str]:
    slow, fast = r["tg"]["slow"]["glass_energy"]["value"], r["tg"]["fast"]["glass_energy"]["value"]
    return f"{slow:.4f} vs {fast:.4f} ε", _verdict(slow < fast)


def _equal_energy(r: Mapping[str, Any]) -> tuple[str, str]:
    six = r["datasets"]["6"]
    glass, liquid = six["glass_energy"], six["liquid_energy"]
    spread = min(glass["std"], liquid["std"])
    return (
        f"{glass['mean']:.4f} vs {liquid['mean']:.4f} ε (std {spread:.4f})",
        _verdict(abs(glass["mean"] - liquid["mean"]) < spread),
    )


def _auc_floor(model: str) -> Callable[[Mapping[str, Any]], tuple[str, str]]:
    def claim(r: Mapping[str, Any]) -> tuple[str, str]:
        lowest = min(s["auc_mean"] for s in r["classifiers"][model].values())
        return f"lowest mean AUC {lowest:.3f}", _verdict(lowest > 0.98)

    return claim


def _dmpnn_at_least_cnn(r: Mapping[str, Any]) -> tuple[str, str]:
    cnn, dmpnn = r["classifiers"]["cnn"], r["classifiers"]["dmpnn"]
    shared = sorted(set(cnn) & set(dmpnn))
    better = sum(dmpnn[d]["auc_mean"] >= cnn[d]["auc_mean"] for d in shared)
    return f"on {better} of {len(shared)} data sets", _verdict(better == len(shared))


def _dmpnn_generalises(r: Mapping[str, Any]) -> tuple[str, str]:
    cnn, dmpnn = (r["cross_dataset"][m]["off_diagonal_mean"] for m in ("cnn", "dmpnn"))
    cnn, dmpnn = (np.nan if v is None else v for v in (cnn, dmpnn))
    return f"off-diagonal mean AUC {dmpnn:.3f} vs CNN {cnn:.3f}", _verdict(dmpnn > cnn)


def _kink(r: Mapping[str, Any]) -> tuple[str, str]:
    ok = [m["p_value"] < 0.05 and m["alpha3"] > 0 for m in r["structural_metrics"].values()]
    return f"{sum(ok)} of {len(ok)}", _verdict(all(ok))


#: (claim, the results sections it needs, how it is judged), in the paper's order.
CLAIMS: tuple[tuple[str, tuple[str, ...], Callable[[Mapping[str, Any]], tuple[str, str]]], ...] = (
    ("Slower cooling gives a lower Tg", ("tg",), _tg_lower),
    ("Slower cooling gives a lower glass energy", ("tg",), _glass_energy_lower),
    ("Data set 6: equal energy of both classes", ("datasets",), _equal_energy),
    ("CNN: AUC > 0.98 on every data set", ("classifiers.cnn",), _auc_floor("cnn")),
    ("D-MPNN: AUC > 0.98 on every data set", ("classifiers.dmpnn",), _auc_floor("dmpnn")),
    ("D-MPNN at least as good as the CNN everywhere", ("classifiers.cnn", "classifiers.dmpnn"), _dmpnn_at_least_cnn),
    ("D-MPNN generalises better across data sets", ("cross_dataset.cnn", "cross_dataset.dmpnn"), _dmpnn_generalises),
    ("α3 > 0 at p < 0.05 for all three structural metrics", ("structural_metrics",), _kink),
)


def _has(results: Mapping[str, Any], dotted: str) -> bool:
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def evaluate_claims(results: Mapping[str, Any]) -> list[dict[str, str]]:
    """One ``{"claim", "this_run", "verdict"}`` per claim whose inputs ``results`` holds."""
    rows = []
    for claim, needs, judge in CLAIMS:
        if claim == "Data set 6: equal energy of both classes" and not _has(results, "datasets.6"):
            continue
        if all(_has(results, need) for need in needs):
            this_run, verdict = judge(results)
            rows.append({"claim": claim, "this_run": this_run, "verdict": verdict})
    return rows
