"""The kink regression of chapter 07 (glasslib.structure.kink) against its closed form, and the table of every metric."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from glasslib.structure import bond_metrics, kink


def closed_form(t: np.ndarray, y: np.ndarray, tg: float, w: np.ndarray) -> dict[str, np.ndarray]:
    above = (t > tg).astype(float)
    x = np.column_stack([np.ones_like(t), t, above, above * t])
    xtwx = x.T @ (w[:, None] * x)
    beta = np.linalg.solve(xtwx, x.T @ (w * y))
    residual = y - x @ beta
    df = len(t) - 4
    se = np.sqrt(np.diag(np.sum(w * residual**2) / df * np.linalg.inv(xtwx)))
    t_values = beta / se
    return {
        "coefficients": beta,
        "standard_errors": se,
        "t_values": t_values,
        "p_values": 2 * stats.t.sf(np.abs(t_values), df),
        "p_alpha3_positive": stats.t.sf(t_values[3], df),
    }


def kinked_data(seed: int = 0, noise: float = 0.05) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    rng = np.random.default_rng(seed)
    tg, truth = 0.5, np.array([1.0, 0.5, -0.8, 3.0])
    t = np.linspace(0.05, 2.0, 40)
    y = truth[0] + truth[1] * t + (t > tg) * (truth[2] + truth[3] * t) + noise * rng.standard_normal(t.size)
    return t, y, tg, truth


@pytest.mark.parametrize("weighted", [False, True])
def test_kink_regression_matches_closed_form(weighted):
    t, y, tg, _ = kinked_data()
    w = np.random.default_rng(1).uniform(0.5, 2.0, t.size) if weighted else np.ones_like(t)
    fit = kink.kink_regression(t, y, tg, weights=w if weighted else None)
    expected = closed_form(t, y, tg, w)
    for key, value in expected.items():
        np.testing.assert_allclose(fit[key], value, rtol=1e-9, atol=1e-300, err_msg=key)
    assert fit["df_resid"] == t.size - 4 and fit["n"] == t.size and fit["n_above"] == int(np.sum(t > tg))
    assert fit["names"] == ("alpha0", "alpha1", "alpha2", "alpha3")
    if not weighted:
        sse = np.sum((y - np.column_stack([np.ones_like(t), t, t > tg, (t > tg) * t]) @ fit["coefficients"]) ** 2)
        assert fit["r_squared"] == pytest.approx(1 - sse / np.sum((y - y.mean()) ** 2))


def test_kink_regression_recovers_alpha3():
    t, y, tg, truth = kinked_data(seed=2)
    fit = kink.kink_regression(t, y, tg)
    assert np.all(np.abs(fit["coefficients"] - truth) < 4 * fit["standard_errors"])
    assert fit["p_alpha3_positive"] < 1e-6 and fit["r_squared"] > 0.99
    no_kink = kink.kink_regression(t, 1.0 + 0.5 * t + 0.05 * np.random.default_rng(3).standard_normal(t.size), tg)
    assert no_kink["p_alpha3_positive"] > 0.001


def test_kink_regression_rejects_unusable_data():
    t, y, tg, _ = kinked_data()
    with pytest.raises(ValueError, match="at least 5 points"):
        kink.kink_regression(t[:4], y[:4], tg)
    with pytest.raises(ValueError, match="one side of Tg"):
        kink.kink_regression(t, y, 5.0)
    with pytest.raises(ValueError, match="two distinct temperatures"):
        kink.kink_regression(t, y, t[-2])
    with pytest.raises(ValueError, match="differ in length"):
        kink.kink_regression(t, y[:-1], tg)


def test_kink_table_fits_every_metric():
    t, y, tg, truth = kinked_data(seed=4)
    frame = pd.DataFrame({"temperature": t, **{f"{key}_mean": (k + 1) * y for k, key in enumerate(bond_metrics.METRICS)}})
    table = kink.kink_table(frame, tg)
    assert list(table.index) == list(bond_metrics.METRICS)
    for k, key in enumerate(bond_metrics.METRICS):
        fit = kink.kink_regression(t, (k + 1) * y, tg)
        assert table.loc[key, "alpha3"] == pytest.approx(fit["coefficients"][3])
        assert table.loc[key, "se_alpha3"] == pytest.approx(fit["standard_errors"][3])
        assert table.loc[key, "p_alpha3_positive"] == pytest.approx(fit["p_alpha3_positive"])
