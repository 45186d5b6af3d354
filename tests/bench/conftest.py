"""What the benchmark tests share: reading a figure and its unit off a benchmark's printed output."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import pytest

#: A printed number: digits with optional thousands commas, decimals and exponent (or nan / inf, which must fail).
NUMBER = r"[-+]?(?:nan|inf|\d[\d,]*(?:\.\d*)?(?:[eE][-+]?\d+)?)"


def _figure(text: str, label: str, unit: str, zero_allowed: bool = False) -> float:
    """The number printed after ``label`` (and an optional colon) and followed by ``unit``; asserted positive and finite
    (or ≥ 0 with ``zero_allowed``: a difference of timings or a share that rounds to zero when small)."""
    match = re.search(rf"{re.escape(label)}\s*:?\s*({NUMBER})\s*{re.escape(unit)}", text, flags=re.IGNORECASE)
    assert match is not None, f"no figure {label!r} in {unit!r} in the output:\n{text}"
    value = float(match.group(1).replace(",", ""))
    assert math.isfinite(value) and (value >= 0 if zero_allowed else value > 0), f"{label}: {value} {unit} is not a positive finite figure"
    return value


@pytest.fixture(scope="session")
def figure() -> Callable[..., float]:
    """``figure(output, label, unit, zero_allowed=False)``: the positive finite number a benchmark printed as ``label … number unit``."""
    return _figure
