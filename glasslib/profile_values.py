"""Profile values: read from what users type, checked, and written back as text (:mod:`glasslib.profiles`).

An override arrives as a string from the command line (``--set classifier_datasets=1,6``,
``glasslib results --set``), as a Python value (``get_profile("quick", classifier_datasets=(1, 6))``)
or as a papermill parameter (``-y 'overrides: {classifier_datasets: [1, 6]}'``, ``{"classifier_datasets":
"1"}``, ``{"classifier_datasets": 1}``). :func:`convert` turns each into the field's type, named by
its annotation:

===============================  ==========================  ========================================================
annotation                       example value               accepted overrides
===============================  ==========================  ========================================================
``int``, ``float``, ``bool``     ``720``, ``0.5``, ``True``  the value or its text (``"2e5"``, ``"no"``)
``tuple[int, ...]``              ``(1, 6)``                  ``"1,6"``, ``[1, 6]``, ``1``
``tuple[float, ...]``            ``(0.7, 0.6)``              ``"0.7,0.6"``, ``[0.7, 0.6]``, ``0.7``
``tuple[tuple[str, int], ...]``  ``(("I", 20), ("II", 2))``  ``"I:20,II:2"``, ``{"I": 20, "II": 2}``, ``[["I", 20]]``
===============================  ==========================  ========================================================

:func:`check_profile` checks every value against its field's range or choices (each item, for a
tuple) and the rules that tie fields together (``t_end < t_start``, distinct data sets …);
:func:`as_text` writes a value back the way ``--set`` takes it, spaced for reading (``"1, 6"``,
``"I: 20, II: 2"``). Wrong values raise :class:`ProfileError` naming the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

#: The annotation of a list of (name, count) pairs, e.g. timed steps per model.
PAIRS = "tuple[tuple[str, int], ...]"
#: Profile fields that list data sets; each model's list is intersected with the first.
DATASET_LISTS = ("classifier_datasets", "cnn_paper_datasets", "dmpnn_paper_datasets", "dmpnn_invariant_datasets")


class ProfileError(ValueError):
    """A profile name, override key or value that is not valid."""


def convert(key: str, raw: Any, annotation: str) -> Any:
    """The override ``raw`` of field ``key`` as the type its ``annotation`` names (table in the module docstring).

    Raises
    ------
    ProfileError
        ``raw`` cannot be read as that type; the message names the key and gives an example.
    """
    if annotation == PAIRS:
        return _pairs(key, raw)
    if annotation.startswith("tuple["):
        element = annotation.removeprefix("tuple[").removesuffix(", ...]")
        try:
            return tuple(_scalar(item, element) for item in _items(raw))
        except (TypeError, ValueError):
            example = "1,6" if element == "int" else "0.1,0.2"
            raise ProfileError(f"override {key}={raw!r}: give comma-separated numbers, e.g. '{example}'") from None
    try:
        return _scalar(raw, annotation)
    except (TypeError, ValueError):
        raise ProfileError(f"override {key}={raw!r}: expected a value of type {annotation}") from None


def as_text(value: Any) -> str:
    """``value`` as ``--set`` takes it, spaced for reading: ``(1, 6)`` → ``"1, 6"``, ``(("I", 20),)`` → ``"I: 20"``."""
    if isinstance(value, tuple):
        return ", ".join(": ".join(map(str, item)) if isinstance(item, tuple) else str(item) for item in value)
    return str(value)


def check_profile(profile: Any) -> None:
    """Check that every field of ``profile`` lies in its range or among its choices, and that the fields agree.

    Parameters
    ----------
    profile : a :class:`glasslib.profiles.Profile` (typed ``Any``: this module sits below :mod:`glasslib.profiles`).

    Raises
    ------
    ProfileError
        The first value that does not, named with the rule it breaks.
    """
    for f in fields(profile):
        if f.name != "name":
            _check_field(f.name, getattr(profile, f.name), f.metadata)
    if profile.t_end >= profile.t_start:
        raise ProfileError(f"t_end={profile.t_end} must be below t_start={profile.t_start}")
    for key in DATASET_LISTS:
        ids = getattr(profile, key)
        if not ids or len(set(ids)) != len(ids):
            raise ProfileError(f"{key}={as_text(ids)!r}: give distinct data sets from 1-6, e.g. '1,2,3,4,5,6'")
    shares = profile.inner_split
    if len(shares) != 3 or min(shares) <= 0 or abs(sum(shares) - 1) > 1e-9:
        raise ProfileError(f"inner_split={as_text(shares)!r}: give three positive shares summing to 1, e.g. '0.8,0.1,0.1'")
    if profile.dmpnn_l_win_min > profile.dmpnn_l_win_max:
        raise ProfileError(f"dmpnn_l_win_min={profile.dmpnn_l_win_min} exceeds dmpnn_l_win_max={profile.dmpnn_l_win_max}")
    if not all(0 < v < 1 for v in profile.cost_l_wins):
        raise ProfileError(f"cost_l_wins={as_text(profile.cost_l_wins)!r}: window sides lie in (0, 1)")
    if any(steps < 0 for _, steps in profile.cost_steps):
        raise ProfileError(f"cost_steps={as_text(profile.cost_steps)!r}: give model:steps pairs with steps ≥ 0, e.g. 'I:20,II:2'")
    temperatures = profile.dynamics_temperatures
    if (
        not temperatures
        or len(set(temperatures)) != len(temperatures)
        or not all(profile.t_end < t < profile.t_start for t in temperatures)
    ):
        raise ProfileError(
            f"dynamics_temperatures={as_text(temperatures)!r}: give distinct temperatures between "
            f"t_end={profile.t_end} and t_start={profile.t_start} (the slow ramp passes them), e.g. '0.7,0.6'"
        )
    if profile.propensity_folds > profile.dynamics_configurations:
        raise ProfileError(
            f"propensity_folds={profile.propensity_folds} exceeds dynamics_configurations={profile.dynamics_configurations}: "
            "every fold needs a configuration to test on"
        )
    if profile.dynamics_configurations > profile.runs_per_schedule:
        raise ProfileError(
            f"dynamics_configurations={profile.dynamics_configurations} exceeds runs_per_schedule={profile.runs_per_schedule}: "
            "each configuration comes from its own slow run"
        )
    if profile.t_cool_fast > profile.t_cool_slow:
        raise ProfileError(
            f"t_cool_fast={profile.t_cool_fast} exceeds t_cool_slow={profile.t_cool_slow}: "
            "the slow schedule must not be faster than the fast one"
        )
    for name in ("slow", "fast"):
        t_cool = getattr(profile, f"t_cool_{name}")
        every = getattr(profile, f"snapshot_every_{name}")
        if t_cool % every or t_cool // every < 2:
            raise ProfileError(f"snapshot_every_{name}={every} must divide t_cool_{name}={t_cool} into at least 2 snapshots")


def _check_field(key: str, value: Any, info: Mapping[str, Any]) -> None:
    """The value of ``key`` (each item, for a tuple) lies in its range or among its choices (field metadata)."""
    low, high = info["range"]
    many = isinstance(value, tuple)
    shown = repr(as_text(value)) if many else repr(value)
    for item in value if many else (value,):
        item = item[0] if isinstance(item, tuple) else item  # a (name, count) pair: the name
        if low is not None and not low <= item <= high:
            raise ProfileError(f"{key}={shown} is out of range: {'each value' if many else 'it'} must lie in [{low}, {high}]")
        if info["choices"] and item not in info["choices"]:
            raise ProfileError(f"{key}={shown}: choose {'from' if many else 'one of'} {', '.join(info['choices'])}")


def _scalar(raw: Any, kind: str) -> Any:
    """``raw`` (possibly text) as an ``int``, ``float``, ``bool`` or ``str``; ``ValueError`` if it is none."""
    if kind == "bool":
        if not isinstance(raw, str):
            return bool(raw)
        if raw.lower() in {"1", "true", "yes", "on"}:
            return True
        if raw.lower() in {"0", "false", "no", "off"}:
            return False
        raise ValueError(raw)
    if kind == "int":
        value = float(raw)
        if not value.is_integer():
            raise ValueError(raw)
        return int(value)
    if kind == "float":
        return float(raw)
    if kind == "str":
        return str(raw)
    raise TypeError(f"no conversion to {kind}")


def _items(raw: Any) -> list[Any]:
    """The items of a list override: comma-separated text, a list or tuple, or one number."""
    if isinstance(raw, str):
        return [item.strip() for item in raw.split(",") if item.strip()]
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, int | float):
        return [raw]
    raise TypeError(type(raw).__name__)


def _pairs(key: str, raw: Any) -> tuple[tuple[str, int], ...]:
    """``(name, count)`` pairs from ``"I:20,II:2"``, ``{"I": 20}``, ``["I:20"]`` or ``[["I", 20]]``."""
    try:
        items = raw.items() if isinstance(raw, Mapping) else raw if isinstance(raw, list | tuple) else _items(raw)
        pairs = [item.split(":") if isinstance(item, str) else item for item in items]
        return tuple((str(name).strip(), _scalar(str(count).strip(), "int")) for name, count in pairs)
    except (TypeError, ValueError):
        raise ProfileError(f"override {key}={raw!r}: give name:steps pairs, e.g. 'I:20,II:2'") from None
