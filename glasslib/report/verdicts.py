"""Verdicts read from intervals, and the measured points a claim is judged on (``glasslib results``' claims).

A claim is judged on one or more **points**: a measured value with its 95 % interval and the
threshold it is compared with (one point per data set, temperature or metric, or just one). A
point's verdict is

- ``holds`` — the whole interval lies on the claim's side of the threshold;
- ``fails`` — the whole interval lies on the other side;
- ``not resolved at this scale`` — the interval straddles the threshold;
- ``not measured`` — the interval is NaN or empty (the run could not measure it).

A claim about every point fails if one fails, holds if all hold, and is ``not measured`` only when
no point was measured at all (:func:`combine`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

HOLDS, FAILS, UNRESOLVED, NOT_MEASURED = "holds", "fails", "not resolved at this scale", "not measured"
#: Every verdict a claim or point can carry, in the order the conclusion's figure lists them.
VERDICTS = (HOLDS, FAILS, UNRESOLVED, NOT_MEASURED)


def measured(interval: Sequence[float] | None) -> bool:
    """True when ``interval`` is two finite numbers, low ≤ high."""
    if interval is None or len(interval) != 2:
        return False
    low, high = (float("nan") if v is None else float(v) for v in interval)
    return math.isfinite(low) and math.isfinite(high) and low <= high


def verdict_above(interval: Sequence[float] | None, threshold: float) -> str:
    """``holds`` if the interval lies above ``threshold``, ``fails`` if below, not resolved if it straddles it."""
    if not measured(interval):
        return NOT_MEASURED
    low, high = interval  # type: ignore[misc]
    if low > threshold:
        return HOLDS
    if high < threshold:
        return FAILS
    return UNRESOLVED


def verdict_within(interval: Sequence[float] | None, tolerance: float) -> str:
    """An equivalence claim: ``holds`` if the interval lies inside ±``tolerance``, ``fails`` if wholly outside."""
    if not measured(interval):
        return NOT_MEASURED
    low, high = interval  # type: ignore[misc]
    if -tolerance < low and high < tolerance:
        return HOLDS
    if low >= tolerance or high <= -tolerance:
        return FAILS
    return UNRESOLVED


def combine(verdicts: Sequence[str]) -> str:
    """A claim about every item: fails if one fails, holds if all hold, not measured if none was, else not resolved."""
    found = [v for v in verdicts if v != NOT_MEASURED]
    if not found:
        return NOT_MEASURED
    if FAILS in found:
        return FAILS
    return HOLDS if len(found) == len(verdicts) and all(v == HOLDS for v in found) else UNRESOLVED


def point(label: str, value: float, interval: Sequence[float] | None, threshold: float, verdict: str | None = None) -> dict[str, Any]:
    """One measured point of a claim: ``{"label", "value", "low", "high", "threshold", "verdict"}``.

    ``verdict`` defaults to :func:`verdict_above` of the interval against ``threshold``; a point
    without a finite interval is ``not measured`` whatever is passed (NaN bounds become ``None``).
    """
    low, high = (None, None) if not measured(interval) else (float(interval[0]), float(interval[1]))  # type: ignore[index]
    if low is None:
        verdict = NOT_MEASURED
    elif verdict is None:
        verdict = verdict_above((low, high), threshold)
    value = float(value) if value is not None and math.isfinite(float(value)) else None
    return {"label": str(label), "value": value, "low": low, "high": high, "threshold": float(threshold), "verdict": verdict}


def interval_text(low: float | None, high: float | None, digits: int = 3) -> str:
    """``[low, high]`` with ``digits`` decimals, or ``not measured``."""
    if low is None or high is None:
        return NOT_MEASURED
    return f"[{low:.{digits}f}, {high:.{digits}f}]"
