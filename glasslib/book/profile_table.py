"""Every profile parameter beside the paper's value, for the book and ``glasslib profiles``."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pandas as pd

from glasslib.profile_values import as_text
from glasslib.profiles import PROFILES, Profile


def profile_table(profile: Profile) -> pd.DataFrame:
    """Every parameter of ``profile`` beside the paper's value, with its meaning and units (index: parameter)."""
    paper = PROFILES["paper"]
    rows = []
    for field in fields(profile):
        if field.name == "name":
            continue
        ours, theirs = getattr(profile, field.name), getattr(paper, field.name)
        rows.append(
            {
                "parameter": field.name,
                "meaning": _meaning(field.metadata),
                profile.label: _format_value(ours),
                "paper": _format_value(theirs),
                "reduced": "yes" if ours != theirs else "",
            }
        )
    return pd.DataFrame(rows).set_index("parameter")


def _meaning(metadata: Any) -> str:
    """A field's meaning with its unit in brackets, from the profile's field metadata."""
    unit = metadata.get("unit", "")
    return f"{metadata.get('meaning', '')} [{unit}]" if unit else metadata.get("meaning", "")


def _format_value(value: Any) -> str:
    """Compact text for a parameter value (1e-10 stays 1e-10, 20000000 becomes 20,000,000, (1, 6) becomes 1, 6)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, tuple):
        return as_text(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
