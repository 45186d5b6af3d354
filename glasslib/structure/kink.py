"""The kink at Tg: y = α0 + α1·T + α2·𝟙 + α3·𝟙·T by ordinary least squares (SPEC section 8; chapter 07)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from glasslib.profiles import Profile
from glasslib.rundir import StaleProductError, read_json_product, write_json_product
from glasslib.structure.bond_metrics import METRICS

KINK_NAMES = ("alpha0", "alpha1", "alpha2", "alpha3")


def _kink_design(temperature: np.ndarray, tg: float) -> np.ndarray:
    """Design matrix (n, 4): 1, T, 𝟙, 𝟙·T with 𝟙 = 1 for T > Tg."""
    above = (temperature > tg).astype(float)
    return np.column_stack([np.ones_like(temperature), temperature, above, above * temperature])


def kink_regression(temperature: np.ndarray, value: np.ndarray, tg: float, weights: np.ndarray | None = None) -> dict[str, Any]:
    """Least-squares fit of y = α0 + α1·T + α2·𝟙 + α3·𝟙·T, 𝟙 = 1 above Tg (T > Tg), 0 below.

    The data points are the per-temperature means of :func:`metrics_vs_temperature` (one point per
    recorded temperature). By default the fit is **unweighted** ordinary least
    squares; with ``weights`` w_i (e.g. 1/sem²) it is weighted least squares with the residual
    variance estimated from the weighted residuals (as statsmodels' WLS). Standard errors are
    √diag(σ̂²(XᵀWX)⁻¹), σ̂² = Σ w_i r_i² / (n − 4).

    Parameters
    ----------
    temperature : (n,) ε/k_B.
    value : (n,) the metric's mean at each temperature.
    tg : float, ε/k_B — the glass transition temperature of chapter 02.
    weights : (n,) positive, optional.

    Returns
    -------
    dict
        ``names`` (α0 … α3), ``coefficients``, ``standard_errors``, ``t_values``, ``p_values``
        (two-sided), each (4,); ``p_alpha3_positive`` (one-sided p for α3 > 0), ``df_resid``
        (n − 4), ``r_squared`` (weighted when weighted), ``n``, ``n_above``, ``tg``.

    Raises
    ------
    ValueError
        Fewer than 5 points, non-finite data, all temperatures on one side of Tg, or fewer than
        two distinct temperatures on either side (the slopes are then not determined).
    """
    t = np.asarray(temperature, dtype=float).ravel()
    y = np.asarray(value, dtype=float).ravel()
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float).ravel()
    if not (t.shape == y.shape == w.shape):
        raise ValueError(f"temperature, value and weights differ in length: {t.size}, {y.size}, {w.size}")
    if t.size < 5:
        raise ValueError(f"the kink regression has 4 coefficients and needs at least 5 points; got {t.size}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(y)) and np.all(np.isfinite(w)) and np.all(w > 0)):
        raise ValueError("temperature and value must be finite and weights finite and positive")
    above = t > tg
    if above.all() or not above.any():
        raise ValueError(
            f"all {t.size} temperatures lie on one side of Tg = {tg:g} (range {t.min():g} … {t.max():g}); the kink is not identifiable"
        )
    if min(np.unique(t[above]).size, np.unique(t[~above]).size) < 2:
        raise ValueError(
            f"need at least two distinct temperatures on each side of Tg = {tg:g}; got "
            f"{np.unique(t[~above]).size} at or below and {np.unique(t[above]).size} above"
        )
    design = _kink_design(t, tg)
    root = np.sqrt(w)
    coefficients, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
    residuals = y - design @ coefficients
    df_resid = t.size - design.shape[1]
    variance = float(np.sum(w * residuals**2) / df_resid)
    covariance = variance * np.linalg.inv(design.T @ (design * w[:, None]))
    errors = np.sqrt(np.diag(covariance))
    t_values = coefficients / errors
    centred = y - np.sum(w * y) / np.sum(w)
    return {
        "names": KINK_NAMES,
        "coefficients": coefficients,
        "standard_errors": errors,
        "t_values": t_values,
        "p_values": 2.0 * stats.t.sf(np.abs(t_values), df_resid),
        "p_alpha3_positive": float(stats.t.sf(t_values[3], df_resid)),
        "df_resid": df_resid,
        "r_squared": float(1.0 - np.sum(w * residuals**2) / np.sum(w * centred**2)),
        "n": int(t.size),
        "n_above": int(above.sum()),
        "tg": float(tg),
    }


def kink_table(frame: pd.DataFrame, tg: float) -> pd.DataFrame:
    """:func:`kink_regression` of each metric's mean in a :func:`metrics_vs_temperature` frame.

    Returns one row per metric: α0 … α3, their standard errors (``se_alpha*``) and two-sided
    p-values (``p_alpha*``), ``p_alpha3_positive``, ``r_squared`` and ``df_resid``.
    """
    rows = []
    for key in METRICS:
        fit = kink_regression(frame["temperature"].to_numpy(), frame[f"{key}_mean"].to_numpy(), tg)
        row: dict[str, Any] = {"metric": key}
        for i, name in enumerate(KINK_NAMES):
            row[name], row[f"se_{name}"], row[f"p_{name}"] = (fit["coefficients"][i], fit["standard_errors"][i], fit["p_values"][i])
        row.update(p_alpha3_positive=fit["p_alpha3_positive"], r_squared=fit["r_squared"], df_resid=fit["df_resid"])
        rows.append(row)
    return pd.DataFrame(rows).set_index("metric")


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.reset_index().to_dict(orient="records")


def save_kink_table(run_dir: Path, profile: Profile, table: pd.DataFrame, inherent: dict[str, Any] | None = None) -> Path:
    """Store chapter 07's :func:`kink_table` as the ``metrics`` product; ``inherent``, the ramp on inherent
    structures (:func:`glasslib.structure.inherent_ramp.inherent_metrics_vs_temperature`), is stored with the
    kink tables of both of its inputs (``kink_inherent``, ``kink_same_runs``), given ``tg``."""
    payload: dict[str, Any] = {"kink": _records(table)}
    if inherent is not None:
        tg = inherent["tg"]
        payload["kink_inherent"] = _records(kink_table(inherent["inherent"], tg))
        payload["kink_same_runs"] = _records(kink_table(inherent["thermal"], tg))
        payload["inherent_ramp"] = {
            "runs": inherent["runs"],
            "flagged": inherent["flagged"],
            **{kind: inherent[kind].to_dict(orient="records") for kind in ("thermal", "inherent")},
        }
    return write_json_product(run_dir, profile, "metrics", payload)


def load_kink_table(run_dir: Path, profile: Profile, key: str = "kink") -> list[dict[str, Any]]:
    """Chapter 07's stored kink regressions, one record per metric, checked for ``profile``: on thermal snapshots
    (``key="kink"``), on inherent structures (``"kink_inherent"``) or on the thermal snapshots of the same runs
    (``"kink_same_runs"``); a product without them is stale (rerun chapter 07)."""
    stored = read_json_product(run_dir, profile, "metrics")
    if key not in stored:
        raise StaleProductError(f"the stored metrics have no {key!r}: rerun notebooks/07_metrics.ipynb")
    return stored[key]
