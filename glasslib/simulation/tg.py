"""The glass transition temperature from inherent-structure energies (book chapter 02).

The rule (SPEC section 3), the same for every profile:

1. average the inherent-structure energy per particle over runs at each recorded temperature;
2. fit a **continuous piecewise-linear curve with three segments** to the mean curve by least
   squares: ``E(T) = a + b·T + c₁·max(T − T₁, 0) + c₂·max(T − T₂, 0)``. Two segments are the
   regimes of the SPEC — the glass (flat) and the supercooled liquid (steep) — and the third
   absorbs the flattening of the liquid's inherent-structure energy at high temperature, which
   would otherwise tilt a single liquid line and move its crossing with the glass line (the
   paper's Fig. 1 likewise draws its liquid line as a tangent near Tg);
3. the breakpoints are found by a grid search followed by a Nelder–Mead refinement, each
   segment holding at least ``min_points`` recorded temperatures;
4. **Tg is the breakpoint where the slope increases the most**: there the flat glass line meets
   the steep liquid line (the other breakpoint, where the slope falls, is the high-temperature
   flattening). Tg is where the glass and liquid lines cross, by construction;
5. the uncertainty of Tg is the spread of the same fit over bootstrap resamples of the runs, each
   read at the breakpoint the fit of all runs calls Tg (:func:`aligned`): a resample follows the
   same feature of the curve, never swaps to the high-temperature break because noise there is
   larger;
6. a fit **fails** when it finds no glass transition: the slope above its Tg is not at least
   :data:`MIN_KINK` (25 %) steeper than the slope below (one straight line, or noise). A failed
   resample is counted and reported (``failed``), and left out of Tg's interval, never silently
   kept: its breakpoint would be anywhere in the ramp.

No index or temperature range is picked by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from glasslib.profiles import Profile
from glasslib.rundir import read_json_product, write_json_product

GRID_POINTS = 96
#: Least relative slope increase, (liquid − glass) / liquid slope, for a fit to show a glass transition.
MIN_KINK = 0.25


N_BREAKS = 2
#: The half-width of Tg's 95 % interval the book asks of a schedule (issue 22: quick's fast ramp), ε/k_B.
TG_HALF_WIDTH = 0.05


@dataclass(frozen=True)
class PiecewiseFit:
    """A continuous piecewise-linear fit with K breakpoints, and which of them is Tg.

    Attributes
    ----------
    breaks : (K,) ascending breakpoint temperatures, ε/k_B.
    intercept : value of the first segment's line at T = 0, ε.
    slopes : (K + 1,) slope of each segment, ascending in T, ε per (ε/k_B).
    sse : sum of squared residuals, ε².
    tg_index : index into ``breaks`` of the glass transition (largest slope increase).
    """

    breaks: np.ndarray
    intercept: float
    slopes: np.ndarray
    sse: float
    tg_index: int

    @property
    def tg(self) -> float:
        """The glass transition temperature."""
        return float(self.breaks[self.tg_index])

    @property
    def slope_glass(self) -> float:
        """Slope of the segment just below Tg."""
        return float(self.slopes[self.tg_index])

    @property
    def slope_liquid(self) -> float:
        """Slope of the segment just above Tg."""
        return float(self.slopes[self.tg_index + 1])

    @property
    def kink(self) -> float:
        """Relative slope increase at Tg, (liquid − glass) / liquid slope; −inf when the liquid slope is not positive."""
        return (self.slope_liquid - self.slope_glass) / self.slope_liquid if self.slope_liquid > 0 else -np.inf

    @property
    def found(self) -> bool:
        """Whether the fit shows a glass transition (:data:`MIN_KINK`; module docstring, point 6)."""
        return bool(self.kink >= MIN_KINK)

    def predict(self, temperature: np.ndarray) -> np.ndarray:
        """Fitted energy at ``temperature`` (any shape)."""
        t = np.asarray(temperature, dtype=float)
        increments = np.diff(self.slopes)
        return self.intercept + self.slopes[0] * t + sum(c * np.maximum(t - b, 0.0) for c, b in zip(increments, self.breaks))

    def glass_line(self, temperature: np.ndarray) -> np.ndarray:
        """The glass-regime line (segment below Tg) extended over ``temperature``."""
        t = np.asarray(temperature, dtype=float)
        return self.predict(self.tg) + self.slope_glass * (t - self.tg)

    def liquid_line(self, temperature: np.ndarray) -> np.ndarray:
        """The liquid-regime line (segment above Tg) extended over ``temperature``."""
        t = np.asarray(temperature, dtype=float)
        return self.predict(self.tg) + self.slope_liquid * (t - self.tg)


def _piecewise_sse(t: np.ndarray, e: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares continuous piecewise-linear fits for many breakpoint sets at once.

    Parameters
    ----------
    t, e : (S,) temperatures and energies.
    breaks : (G, K) candidate breakpoints.

    Returns
    -------
    sse : (G,); coef : (G, K + 2) = (a, b, c₁ … c_K) with c_k the slope increment at break k.
    """
    hinges = np.maximum(t[None, None, :] - breaks[:, :, None], 0.0)  # (G, K, S)
    base = np.broadcast_to(np.stack([np.ones_like(t), t]), (len(breaks), 2, len(t)))
    design = np.concatenate([base, hinges], axis=1)  # (G, K + 2, S)
    gram = design @ design.transpose(0, 2, 1)
    rhs = design @ e
    scale = np.trace(gram, axis1=1, axis2=2)[:, None, None] * 1e-13
    coef = np.linalg.solve(gram + scale * np.eye(gram.shape[1]), rhs[..., None])[..., 0]
    resid = e[None, :] - np.einsum("gks,gk->gs", design, coef)
    return np.einsum("gs,gs->g", resid, resid), coef


def _segment_counts_ok(t: np.ndarray, breaks: np.ndarray, min_points: int) -> np.ndarray:
    """(G,) whether every segment between sorted ``breaks`` (G, K) holds ≥ ``min_points`` temperatures."""
    edges = np.concatenate([np.full((len(breaks), 1), -np.inf), breaks, np.full((len(breaks), 1), np.inf)], axis=1)
    counts = np.diff(np.searchsorted(t, edges, side="right"), axis=1)
    return np.all(counts >= min_points, axis=1) & np.all(np.diff(breaks, axis=1) > 0, axis=1)


def _check(t: np.ndarray, e: np.ndarray, n_breaks: int, min_points: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(t, dtype=float)
    e = np.asarray(e, dtype=float)
    if t.shape != e.shape or t.ndim != 1:
        raise ValueError(f"temperature and energy must be 1-D of equal length, got {t.shape} and {e.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(e))):
        raise ValueError("temperature and energy must be finite")
    need = (n_breaks + 1) * min_points
    if len(t) < need:
        raise ValueError(
            f"a fit with {n_breaks + 1} regimes needs at least {need} temperatures ({min_points} per regime), "
            f"got {len(t)}; record more snapshots (lower snapshot_every_*) or lower tg_min_points"
        )
    order = np.argsort(t)
    return t[order], e[order]


def fit_piecewise(temperature: np.ndarray, energy: np.ndarray, n_breaks: int = N_BREAKS, min_points: int = 3) -> PiecewiseFit:
    """Continuous piecewise-linear least squares with ``n_breaks`` breakpoints (1 or 2).

    Parameters
    ----------
    temperature, energy : (S,)
        Recorded temperatures (any order) and mean inherent-structure energies per particle, ε.
    n_breaks : int
        1 — two lines meeting at Tg; 2 — the book's rule (see the module docstring).
    min_points : int
        Least number of temperatures per segment.

    Raises
    ------
    ValueError
        Too few temperatures for the segments, or non-finite input.
    """
    if n_breaks not in (1, 2):
        raise ValueError(f"n_breaks must be 1 or 2, got {n_breaks}")
    t, e = _check(temperature, energy, n_breaks, min_points)
    grid = np.linspace(t[min_points - 1], t[len(t) - min_points], GRID_POINTS)
    if n_breaks == 1:
        candidates = grid[:, None]
    else:
        i, j = np.triu_indices(GRID_POINTS, 1)
        candidates = np.stack([grid[i], grid[j]], axis=1)
    candidates = candidates[_segment_counts_ok(t, candidates, min_points)]
    if len(candidates) == 0:
        raise ValueError("no breakpoints leave every segment enough temperatures; lower tg_min_points")
    sse, _ = _piecewise_sse(t, e, candidates)
    best = candidates[int(np.argmin(sse))]
    step = grid[1] - grid[0]

    def objective(x: np.ndarray) -> float:
        breaks = np.sort(np.atleast_1d(x))[None, :]
        if not _segment_counts_ok(t, breaks, min_points)[0]:
            return float(sse.max() * 10 + 1.0)
        return float(_piecewise_sse(t, e, breaks)[0][0])

    if n_breaks == 1:
        refined = minimize_scalar(objective, bounds=(best[0] - step, best[0] + step), method="bounded", options={"xatol": 1e-10})
        x = np.array([refined.x])
    else:
        refined = minimize(
            objective,
            best,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-16, "initial_simplex": [best, best + [step, 0], best + [0, step]]},
        )
        x = np.sort(refined.x)
    breaks = x if objective(x) <= objective(best) else best
    final_sse, coef = _piecewise_sse(t, e, breaks[None, :])
    coef = coef[0]
    slopes = coef[1] + np.concatenate([[0.0], np.cumsum(coef[2:])])
    return PiecewiseFit(
        breaks=np.asarray(breaks, dtype=float),
        intercept=float(coef[0]),
        slopes=slopes,
        sse=float(final_sse[0]),
        tg_index=int(np.argmax(coef[2:])),
    )


def aligned(resample: PiecewiseFit, reference: PiecewiseFit) -> PiecewiseFit:
    """``resample``'s fit read at the breakpoint the ``reference`` fit (all runs) calls Tg (module docstring, point 5).

    Without this a resample whose noise makes the high-temperature break the larger slope increase would
    report that break as its Tg, a different feature of the curve, and widen the interval with it.
    """
    return replace(resample, tg_index=reference.tg_index)


def fit_hinge(temperature: np.ndarray, energy: np.ndarray, min_points: int = 3) -> PiecewiseFit:
    """Two lines meeting at a breakpoint (the SPEC's plain two-regime fit)."""
    return fit_piecewise(temperature, energy, n_breaks=1, min_points=min_points)


def fit_tg(temperature: np.ndarray, energy: np.ndarray, min_points: int = 3) -> PiecewiseFit:
    """The book's rule: three segments, Tg at the largest slope increase (module docstring)."""
    return fit_piecewise(temperature, energy, n_breaks=N_BREAKS, min_points=min_points)


@dataclass(frozen=True)
class TgResult:
    """Tg of one cooling schedule with its bootstrap uncertainty.

    Attributes
    ----------
    fit : PiecewiseFit — fit to the mean curve of all runs.
    temperature : (S,) — recorded temperatures, ascending.
    mean_energy, sem_energy : (S,) — mean and standard error over runs, ε.
    tg_bootstrap : (B,) — Tg of each bootstrap resample of runs (failed ones included, for pairing).
    failed : (B,) bool — resamples whose fit found no transition (:attr:`PiecewiseFit.found`).
    """

    fit: PiecewiseFit
    temperature: np.ndarray
    mean_energy: np.ndarray
    sem_energy: np.ndarray
    tg_bootstrap: np.ndarray
    failed: np.ndarray

    @property
    def tg_found(self) -> np.ndarray:
        """Tg of the resamples whose fit found a transition, (B − failures,)."""
        return self.tg_bootstrap[~self.failed]

    @property
    def tg(self) -> float:
        """Tg of the mean curve."""
        return self.fit.tg

    @property
    def tg_std(self) -> float:
        """Bootstrap standard deviation of Tg (resamples that found a transition)."""
        return float(np.std(self.tg_found, ddof=1))

    def tg_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Percentile bootstrap confidence interval of Tg (resamples that found a transition)."""
        tail = 50 * (1 - level)
        low, high = np.percentile(self.tg_found, [tail, 100 - tail])
        return float(low), float(high)

    def glass_energy(self) -> tuple[float, float]:
        """Mean ± standard error of the inherent-structure energy at the lowest temperature, ε."""
        return float(self.mean_energy[0]), float(self.sem_energy[0])


def _mean_over_runs(energy: np.ndarray, axis: int) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN (minimisations that stopped on the cap); NaN where every value is NaN."""
    counts = np.sum(np.isfinite(energy), axis=axis)
    total = np.nansum(energy, axis=axis)
    return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)


def _fit_or_fail(t: np.ndarray, curve: np.ndarray, reference: PiecewiseFit, min_points: int) -> PiecewiseFit | None:
    """The resample's fit read at the reference's Tg (:func:`aligned`); None when a temperature has no energy left."""
    return aligned(fit_tg(t, curve, min_points), reference) if np.all(np.isfinite(curve)) else None


def glass_transition(
    temperature: np.ndarray, inherent_energy: np.ndarray, n_bootstrap: int = 1000, min_points: int = 3, seed: int = 0
) -> TgResult:
    """Tg of one schedule from its runs' inherent-structure energies.

    Parameters
    ----------
    temperature : (S,)
        Target temperature of each snapshot.
    inherent_energy : (R, S)
        Inherent-structure energy per particle of every run at every snapshot, ε; NaN where the
        minimisation did not converge (left out of the means; a resample left with no energy at a
        temperature counts as failed).
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
    mean = _mean_over_runs(energy, axis=0)
    if not np.all(np.isfinite(mean)):
        missing = ", ".join(f"{x:.3g}" for x in t[~np.isfinite(mean)])
        raise ValueError(f"no run has a converged inherent-structure energy at T = {missing}; raise is_fire_maxiter")
    fit = fit_tg(t, mean, min_points)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, runs, size=(n_bootstrap, runs))
    fits = [_fit_or_fail(t, curve, fit, min_points) for curve in _mean_over_runs(energy[picks], axis=1)]  # (B, S) curves
    tg_boot = np.array([f.tg if f else np.nan for f in fits])
    failed = np.array([not (f and f.found) for f in fits])
    if failed.all():
        raise ValueError(
            f"no bootstrap resample of the {runs} runs shows a glass transition (slope increase ≥ {MIN_KINK:.0%}): "
            "the ramp has no liquid regime at this scale; cool more slowly (t_cool_*) or record more runs"
        )
    counts = np.sum(np.isfinite(energy), axis=0)
    squares = np.nansum((energy - mean) ** 2, axis=0)
    sem = np.where(counts > 1, np.sqrt(squares / np.maximum(counts - 1, 1) / counts), np.nan)  # NaN from one run only
    return TgResult(fit, t, mean, sem, tg_boot, failed)


def save_tg(
    run_dir: Path,
    results: Mapping[str, TgResult],
    profile: Profile,
    minimisations: Mapping[str, Any] | None = None,
    studies: Mapping[str, Any] | None = None,
) -> Path:
    """Store every schedule's Tg, its uncertainty and fit as the run directory's ``tg`` product (chapter 02),
    with how the inherent-structure minimisations stopped
    (:func:`glasslib.simulation.minimisation_check.minimisation_summary`) when given, and the chapter's
    ``studies`` (JSON-ready: :func:`difference_by_runs`' ``"difference_by_runs"``, the ``"criterion_check"``)."""
    schedules: dict[str, Any] = {}
    for name, res in results.items():
        schedules[name] = {
            "tg": res.tg,
            "tg_std": res.tg_std,
            "tg_interval_95": list(res.tg_interval()),
            "tg_bootstrap": res.tg_bootstrap,
            "tg_bootstrap_failed": res.failed,
            "failed_resamples": int(res.failed.sum()),
            "kink": res.fit.kink,
            "breaks": res.fit.breaks,
            "slopes": res.fit.slopes,
            "intercept": res.fit.intercept,
            "slope_glass": res.fit.slope_glass,
            "slope_liquid": res.fit.slope_liquid,
            "temperature": res.temperature,
            "mean_energy": res.mean_energy,
            "sem_energy": res.sem_energy,
        }
    payload = {"schedules": schedules, "minimisations": dict(minimisations or {}), **dict(studies or {})}
    return write_json_product(run_dir, profile, "tg", payload)


def load_studies(run_dir: Path, profile: Profile) -> dict[str, Any]:
    """The chapter's studies stored with Tg by :func:`save_tg` (``difference_by_runs``, ``criterion_check``; empty if not recorded)."""
    record = read_json_product(run_dir, profile, "tg")
    return {key: record[key] for key in ("difference_by_runs", "criterion_check") if key in record}


def load_minimisations(run_dir: Path, profile: Profile) -> dict[str, dict[str, Any]]:
    """How each schedule's minimisations stopped, as stored by :func:`save_tg` (empty if not recorded)."""
    return read_json_product(run_dir, profile, "tg").get("minimisations", {})


def load_tg(run_dir: Path, profile: Profile) -> dict[str, dict[str, Any]]:
    """Every schedule's stored Tg record (see :func:`save_tg`); a clear error if chapter 02 has not run for ``profile``."""
    return read_json_product(run_dir, profile, "tg")["schedules"]


def difference_by_runs(
    slow: tuple[np.ndarray, np.ndarray],
    fast: tuple[np.ndarray, np.ndarray],
    run_counts: np.ndarray,
    n_bootstrap: int = 200,
    min_points: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """How the 95 % interval of Tg(fast) − Tg(slow) narrows with the number of runs per schedule.

    For each count ``n`` in ``run_counts``, ``n_bootstrap`` times: draw ``n`` runs of each schedule with
    replacement from the runs there are, fit both mean curves (:func:`fit_tg`) and take the difference;
    each read at the breakpoint of its schedule's fit of all runs (:func:`aligned`); a draw where either fit
    fails (:attr:`PiecewiseFit.found`) is counted, not used. A count above the
    runs there are reads how the interval *would* be at that many runs, were the runs like these.

    Parameters
    ----------
    slow, fast : each (temperature (S,) ε/k_B, inherent-structure energy per particle (R, S) ε) of one schedule.
    run_counts : (K,) runs per schedule to draw.

    Returns
    -------
    ``runs`` (K,), ``low``, ``high``, ``median`` (K,) of the difference (ε/k_B), ``failed`` (K,) counts,
    ``difference``: Tg(fast) − Tg(slow) of the fits of all runs, and ``runs_to_decide``: the least number of
    runs whose interval would exclude 0 about that difference, from the half-widths fitted as c/√n (``None``
    when the difference is 0); ``tg_half_width`` {schedule: (K,)}: the half-width of each schedule's own 95 %
    interval of Tg from the same draws, and ``runs_for_tg_half_width`` {schedule: runs}: the runs at which that
    half-width, fitted as c/√n, would reach :data:`TG_HALF_WIDTH`.
    """
    schedules = []
    for temperature, energy in (slow, fast):
        order = np.argsort(np.asarray(temperature, float))
        t, e = np.asarray(temperature, float)[order], np.asarray(energy, float)[:, order]
        schedules.append((t, e, fit_tg(t, _mean_over_runs(e, axis=0), min_points)))
    rng = np.random.default_rng(seed)
    rows, each = [], []
    for n in np.asarray(run_counts, dtype=int):
        draws, failed = [], 0
        for _ in range(n_bootstrap):
            fits = [_fit_or_fail(t, _mean_over_runs(e[rng.integers(0, len(e), n)], axis=0), full, min_points) for t, e, full in schedules]
            if all(f and f.found for f in fits):
                draws.append((fits[0].tg, fits[1].tg))
            else:
                failed += 1
        tgs = np.array(draws).reshape(-1, 2)  # (draws, schedule)
        low, median, high = np.percentile(tgs[:, 1] - tgs[:, 0], [2.5, 50, 97.5]) if draws else (np.nan,) * 3
        rows.append((int(n), low, median, high, failed))
        each.append(np.diff(np.percentile(tgs, [2.5, 97.5], axis=0), axis=0)[0] / 2 if draws else np.full(2, np.nan))
    runs, low, median, high, failed = (np.array(c) for c in zip(*rows))
    half = (high - low) / 2
    scale = float(np.nanmean(half * np.sqrt(runs)))  # half-width ≈ scale / √n
    centre = schedules[1][2].tg - schedules[0][2].tg  # the difference of the fits of all runs
    needed = int(np.ceil((scale / abs(centre)) ** 2)) if centre != 0 and np.isfinite(scale) else None
    tg_half = np.array(each)  # (K, 2) half-width of each schedule's Tg interval
    tg_scale = np.nanmean(tg_half * np.sqrt(runs)[:, None], axis=0)
    return {
        "tg_half_width": {"slow": tg_half[:, 0].tolist(), "fast": tg_half[:, 1].tolist()},
        "runs_for_tg_half_width": {
            name: int(np.ceil((c / TG_HALF_WIDTH) ** 2)) if np.isfinite(c) else None for name, c in zip(("slow", "fast"), tg_scale)
        },
        "runs": runs.tolist(),
        "low": low.tolist(),
        "median": median.tolist(),
        "high": high.tolist(),
        "failed": failed.tolist(),
        "half_width_scale": scale,
        "difference": centre,
        "runs_to_decide": needed,
    }
