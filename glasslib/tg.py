"""The glass transition temperature from inherent-structure energies (book chapter 02).

The rule (SPEC section 3), the same for every profile:

1. average the inherent-structure energy per particle over runs at each recorded temperature;
2. fit two straight lines that meet at a breakpoint — the glass line below it, the supercooled
   liquid line above it (continuous two-segment least squares, "hinge" regression):
   ``E(T) = a + b_glass·T + (b_liquid − b_glass)·max(T − Tg, 0)``;
3. the breakpoint minimising the sum of squared residuals is Tg, where the two lines cross. It
   is searched between the ``min_points``-th lowest and highest temperatures, so each regime
   holds at least ``min_points`` points; a fine grid is followed by a bounded scalar refinement;
4. the uncertainty of Tg is the spread of the same fit over bootstrap resamples of the runs.

No index is picked by hand: the regimes are whatever the least-squares breakpoint makes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from scipy.optimize import minimize_scalar

GRID_POINTS = 512


@dataclass(frozen=True)
class HingeFit:
    """Two lines meeting at ``tg``.

    Attributes
    ----------
    tg : float
        Breakpoint temperature, ε/k_B.
    intercept : float
        Glass line value at T = 0, ε.
    slope_glass, slope_liquid : float
        dE/dT below and above ``tg``, ε per (ε/k_B).
    sse : float
        Sum of squared residuals, ε².
    """

    tg: float
    intercept: float
    slope_glass: float
    slope_liquid: float
    sse: float

    def predict(self, temperature: np.ndarray) -> np.ndarray:
        """Fitted energy at ``temperature`` (any shape)."""
        t = np.asarray(temperature, dtype=float)
        return self.intercept + self.slope_glass * t + (self.slope_liquid - self.slope_glass) * np.maximum(t - self.tg, 0.0)

    def glass_line(self, temperature: np.ndarray) -> np.ndarray:
        """The glass-regime line extended over ``temperature``."""
        return self.intercept + self.slope_glass * np.asarray(temperature, dtype=float)

    def liquid_line(self, temperature: np.ndarray) -> np.ndarray:
        """The liquid-regime line extended over ``temperature``."""
        t = np.asarray(temperature, dtype=float)
        return self.intercept + self.slope_glass * self.tg + self.slope_liquid * (t - self.tg)


def _hinge_sse(temperature: np.ndarray, energy: np.ndarray, tg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares hinge fits for many breakpoints at once.

    Parameters
    ----------
    temperature, energy : (S,)
    tg : (G,) candidate breakpoints.

    Returns
    -------
    sse : (G,) residual sums of squares; coef : (G, 3) = (a, b_glass, b_liquid − b_glass).
    """
    hinge = np.maximum(temperature[None, :] - tg[:, None], 0.0)  # (G, S)
    design = np.stack([np.ones_like(hinge), np.broadcast_to(temperature, hinge.shape), hinge], axis=-1)  # (G, S, 3)
    gram = np.einsum("gsi,gsj->gij", design, design)
    rhs = np.einsum("gsi,s->gi", design, energy)
    coef = np.linalg.solve(gram + 1e-12 * np.eye(3), rhs[..., None])[..., 0]
    resid = energy[None, :] - np.einsum("gsi,gi->gs", design, coef)
    return np.einsum("gs,gs->g", resid, resid), coef


def fit_hinge(temperature: np.ndarray, energy: np.ndarray, min_points: int = 3) -> HingeFit:
    """Continuous two-segment least-squares fit; the breakpoint is Tg.

    Parameters
    ----------
    temperature : (S,)
        Recorded temperatures, any order.
    energy : (S,)
        Mean inherent-structure energy per particle at each temperature, ε.
    min_points : int
        Least number of temperatures on each side of the breakpoint.

    Raises
    ------
    ValueError
        Fewer than ``2 * min_points`` temperatures, or non-finite input.
    """
    t = np.asarray(temperature, dtype=float)
    e = np.asarray(energy, dtype=float)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError(f"temperature and energy must be 1-D of equal length, got {t.shape} and {e.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(e))):
        raise ValueError("temperature and energy must be finite")
    order = np.argsort(t)
    t, e = t[order], e[order]
    if len(t) < 2 * min_points:
        raise ValueError(
            f"a two-regime fit needs at least {2 * min_points} temperatures ({min_points} per regime), got {len(t)}; "
            "record more snapshots (lower snapshot_every_*) or lower tg_min_points"
        )
    low, high = t[min_points - 1], t[len(t) - min_points]
    grid = np.linspace(low, high, GRID_POINTS)
    sse, _ = _hinge_sse(t, e, grid)
    best = int(np.argmin(sse))
    bracket = (grid[max(best - 1, 0)], grid[min(best + 1, GRID_POINTS - 1)])
    refined = minimize_scalar(
        lambda x: float(_hinge_sse(t, e, np.array([x]))[0][0]), bounds=bracket, method="bounded",
        options={"xatol": 1e-9 * max(1.0, abs(high))},
    )
    tg = float(refined.x) if refined.fun <= sse[best] else float(grid[best])
    final_sse, coef = _hinge_sse(t, e, np.array([tg]))
    a, b_glass, b_delta = coef[0]
    return HingeFit(tg=tg, intercept=float(a), slope_glass=float(b_glass),
                    slope_liquid=float(b_glass + b_delta), sse=float(final_sse[0]))


@dataclass(frozen=True)
class TgResult:
    """Tg of one cooling schedule with its bootstrap uncertainty.

    Attributes
    ----------
    fit : HingeFit — fit to the mean curve of all runs.
    temperature : (S,) — recorded temperatures, ascending.
    mean_energy, sem_energy : (S,) — mean and standard error over runs, ε.
    tg_bootstrap : (B,) — Tg of each bootstrap resample of runs.
    """

    fit: HingeFit
    temperature: np.ndarray
    mean_energy: np.ndarray
    sem_energy: np.ndarray
    tg_bootstrap: np.ndarray

    @property
    def tg(self) -> float:
        """Tg of the mean curve."""
        return self.fit.tg

    @property
    def tg_std(self) -> float:
        """Bootstrap standard deviation of Tg."""
        return float(np.std(self.tg_bootstrap, ddof=1))

    def tg_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Percentile bootstrap confidence interval of Tg."""
        tail = 50 * (1 - level)
        low, high = np.percentile(self.tg_bootstrap, [tail, 100 - tail])
        return float(low), float(high)

    def glass_energy(self) -> tuple[float, float]:
        """Mean ± standard error of the inherent-structure energy at the lowest temperature, ε."""
        return float(self.mean_energy[0]), float(self.sem_energy[0])


def glass_transition(
    temperature: np.ndarray, inherent_energy: np.ndarray, n_bootstrap: int = 1000,
    min_points: int = 3, seed: int = 0,
) -> TgResult:
    """Tg of one schedule from its runs' inherent-structure energies.

    Parameters
    ----------
    temperature : (S,)
        Target temperature of each snapshot.
    inherent_energy : (R, S)
        Inherent-structure energy per particle of every run at every snapshot, ε.
    n_bootstrap : int
        Bootstrap resamples of the R runs (with replacement).
    min_points : int
        Least number of temperatures in each regime.
    seed : int
        Seed of the bootstrap's numpy Generator.
    """
    energy = np.asarray(inherent_energy, dtype=float)
    t = np.asarray(temperature, dtype=float)
    if energy.ndim != 2 or energy.shape[1] != t.shape[0]:
        raise ValueError(f"inherent_energy must be (runs, {t.shape[0]}), got {energy.shape}")
    if energy.shape[0] < 2:
        raise ValueError(f"need at least 2 runs for an uncertainty, got {energy.shape[0]}")
    order = np.argsort(t)
    t, energy = t[order], energy[:, order]
    runs = energy.shape[0]
    fit = fit_hinge(t, energy.mean(axis=0), min_points)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, runs, size=(n_bootstrap, runs))
    boot_means = energy[picks].mean(axis=1)  # (B, S)
    tg_boot = np.array([fit_hinge(t, curve, min_points).tg for curve in boot_means])
    return TgResult(fit, t, energy.mean(axis=0), energy.std(axis=0, ddof=1) / np.sqrt(runs), tg_boot)


TG_FILE = "tg.json"
TG_PRODUCER = "notebooks/02_tg.ipynb"


def save_tg(run_dir: Path, results: Mapping[str, TgResult], profile_hash: str) -> Path:
    """Store every schedule's Tg, its uncertainty and fit in ``run_dir/tg.json`` for later chapters."""
    from glasslib.store import write_json_atomic  # noqa: PLC0415

    payload: dict[str, Any] = {"profile_hash": profile_hash, "schedules": {}}
    for name, res in results.items():
        payload["schedules"][name] = {
            "tg": res.tg, "tg_std": res.tg_std, "tg_interval_95": list(res.tg_interval()),
            "intercept": res.fit.intercept, "slope_glass": res.fit.slope_glass,
            "slope_liquid": res.fit.slope_liquid, "temperature": res.temperature,
            "mean_energy": res.mean_energy, "sem_energy": res.sem_energy,
        }
    return write_json_atomic(Path(run_dir) / TG_FILE, payload)


def load_tg(run_dir: Path, profile_hash: str) -> dict[str, dict[str, Any]]:
    """Every schedule's stored Tg record (see :func:`save_tg`); a clear error if chapter 02 has not run."""
    from glasslib.store import read_json_checked  # noqa: PLC0415

    return read_json_checked(Path(run_dir) / TG_FILE, profile_hash, TG_PRODUCER)["schedules"]
