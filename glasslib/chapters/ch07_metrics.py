"""Chapter 07 (notebooks/07_metrics.ipynb): the bond-graph metrics along the slow ramp, their kink at Tg, as classifiers.

What the chapter's cells compute beyond calling the library: the slow ramp's Tg it reads from
chapter 02 (:mod:`glasslib.simulation.tg`), its glued numbers, how many metrics kink at Tg
(:mod:`glasslib.structure.kink`'s table) and the networks' mean outer-test AUCs set beside the
metrics' (:mod:`glasslib.models.selection`'s stored results).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from glasslib.profiles import Profile
from glasslib.rundir import ProductError, read_json_product
from glasslib.simulation.tg import load_tg
from glasslib.structure import inherent_ramp

#: A metric kinks at Tg when the one-sided p-value of its slope change α₃ > 0 lies below this.
KINK_LEVEL = 0.05
#: The networks whose AUCs the chapter sets beside the metrics', by stored model name.
NETWORKS = ("cnn", "dmpnn")


def slow_tg(profile: Profile, run_dir: Path) -> float:
    """The slow ramp's glass-transition temperature of chapter 02's stored fit, ε/k_B."""
    return float(load_tg(run_dir, profile)["slow"]["tg"])


def tg_numbers(tg_slow: float) -> dict[str, float]:
    """``tg_slow``: the slow ramp's Tg (ε/k_B), by glue name."""
    return {"tg_slow": tg_slow}


def kink_numbers(table: pd.DataFrame) -> dict[str, int]:
    """``kink_holds``: how many metrics of ``table`` (:func:`glasslib.structure.kink.kink_table`, one row per metric)
    have ``p_alpha3_positive`` below :data:`KINK_LEVEL`."""
    return {"kink_holds": int((table["p_alpha3_positive"] < KINK_LEVEL).sum())}


def network_aucs(profile: Profile, run_dir: Path, names: tuple[str, ...] = NETWORKS) -> dict[str, pd.Series]:
    """Each network's mean outer-test AUC by data set (dimensionless), keyed by its upper-cased name (``"CNN"``, ``"DMPNN"``).

    Reads the stored nested cross-validation of chapters 04–05; raises the error naming the chapter to run first.
    """
    from glasslib.models import selection

    return {
        name.upper(): selection.load_results(profile, run_dir, selection.spec_by_name(profile, name)).summary()["AUC mean"]
        for name in names
    }


def inherent_metrics(profile: Profile, run_dir: Path, tg: float, scheduler: Any = None) -> dict[str, Any]:
    """The counts along the slow ramp on inherent structures and on the same runs' thermal snapshots
    (:func:`glasslib.structure.inherent_ramp.inherent_metrics_vs_temperature`), read back from the stored
    ``metrics`` product when it holds them for as many runs; ``tg`` (ε/k_B) travels with them."""
    runs = min(profile.runs_per_schedule, inherent_ramp.RAMP_QUENCH_RUNS)
    try:
        stored = read_json_product(run_dir, profile, "metrics").get("inherent_ramp")
    except ProductError:
        stored = None
    if stored is not None and stored["runs"] == runs:
        found = {"runs": runs, "flagged": stored["flagged"], **{k: pd.DataFrame(stored[k]) for k in ("thermal", "inherent")}}
    else:
        found = inherent_ramp.inherent_metrics_vs_temperature(run_dir, profile, scheduler=scheduler)
    return {**found, "tg": tg}


def inherent_numbers(found: dict[str, Any], table: pd.DataFrame) -> dict[str, Any]:
    """``ramp_runs`` (runs quenched), ``ramp_flagged`` (quenches left out) and ``kink_holds_inherent``: how many
    metrics kink at Tg on inherent structures (``table``: their :func:`glasslib.structure.kink.kink_table`)."""
    return {
        "ramp_runs": found["runs"],
        "ramp_flagged": found["flagged"],
        "kink_holds_inherent": int((table["p_alpha3_positive"] < KINK_LEVEL).sum()),
    }


def kink_comparison(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """α3 (its standard error) and the one-sided p-value of α3 > 0 per metric, one column pair per input."""
    return pd.concat({name: table[["alpha3", "se_alpha3", "p_alpha3_positive"]].round(4) for name, table in tables.items()}, axis=1).rename(
        columns={"alpha3": "α3", "se_alpha3": "se(α3)", "p_alpha3_positive": "p(α3 > 0)"}
    )
