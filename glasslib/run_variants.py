"""A run directory's variants: which settings each stored product was computed with, their sizes, and removing one.

Every product but the simulation store lives under its hash (:mod:`glasslib.rundir`, "Variants"):
the default run and every batch run with overrides sit side by side. ``glasslib runs`` lists them
(:func:`list_variants`, :func:`variants_table`) and removes one on request (:func:`remove_variant`):
the variant is first renamed to a hidden name, so a reader sees it whole or not at all, and no other
variant — the default run's included — is touched.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glasslib.profiles import Profile
from glasslib.rundir import PRODUCTS, product_hash
from glasslib.variant_paths import stored_variants

#: Marks a variant being removed (hidden, so no product pattern matches it).
REMOVING_MARK = ".removing-"


class VariantError(ValueError):
    """A variant that cannot be removed: unknown, or named ambiguously."""


@dataclass(frozen=True)
class Variant:
    """One stored variant of one product.

    Attributes
    ----------
    product : str — the product's name (:data:`glasslib.rundir.PRODUCTS`).
    variant : str — its name, the first hex digits of its hash.
    path : Path — the variant's file or folder.
    keys : dict — the product's keys (e.g. ``{"model": "cnn"}``).
    size_bytes : int — bytes on disk.
    provenance : dict or None — what it was computed with (None if no record could be read).
    """

    product: str
    variant: str
    path: Path
    keys: dict[str, str]
    size_bytes: int
    provenance: dict[str, Any] | None


def _variants_of(run_dir: Path, name: str, keys: dict[str, Any]) -> list[Variant]:
    return [
        Variant(name, v.variant, v.path, v.keys, _size(v.path), v.provenance)
        for v in stored_variants(run_dir, PRODUCTS[name].pattern, keys)
    ]


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def list_variants(run_dir: Path | str) -> list[Variant]:
    """Every stored variant of every product of ``run_dir`` (the simulation store has none)."""
    run_dir = Path(run_dir)
    return [v for name, spec in PRODUCTS.items() if spec.has_variants for v in _variants_of(run_dir, name, {})]


def _differences(variant: Variant, profile: Profile) -> str:
    """The recorded settings that differ from ``profile``'s, as ``key=value`` pairs ('' when none)."""
    settings, now = (variant.provenance or {}).get("settings", {}), profile.as_dict()
    return ", ".join(f"{k}={v}" for k, v in settings.items() if k in now and now[k] != v)


def describe(variant: Variant, profile: Profile) -> dict[str, Any]:
    """One row of ``glasslib runs``: product, keys, variant, size, and how it relates to ``profile``."""
    expected = product_hash(profile, variant.product, **variant.keys)
    recorded = (variant.provenance or {}).get("hash", "")
    if recorded == expected:
        status = f"current for {profile.label}"
    elif variant.provenance is None:
        status = "no provenance record"
    else:
        status = _differences(variant, profile) or "built from other upstream products"
    return {
        "product": variant.product + "".join(f" {k}={v}" for k, v in variant.keys.items()),
        "variant": variant.variant,
        "size": _human_bytes(variant.size_bytes),
        "settings": status,
    }


def _human_bytes(count: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def legacy_products(run_dir: Path | str) -> list[Path]:
    """Files a glasslib before variants (contract 1) wrote: read as stale, listed, never deleted by a listing."""
    run_dir = Path(run_dir)
    patterns = {re.sub(r"\{[^}]*\}", "*", spec.legacy) for spec in PRODUCTS.values() if spec.legacy}
    return sorted({path for pattern in patterns for path in run_dir.glob(pattern)})


def variants_table(run_dir: Path | str, profile: Profile) -> str:
    """``glasslib runs``: one line per variant, aligned, with the total size; a note when there are none."""
    rows = [describe(v, profile) for v in list_variants(run_dir)]
    old = legacy_products(run_dir)
    note = (
        f"\n{len(old)} file(s) written before products were stored under their variant (an older glasslib), e.g. "
        f"{old[0].relative_to(run_dir)}: stale, never read; rerun the book to rebuild them, delete them by hand when done"
        if old
        else ""
    )
    if not rows:
        return f"{run_dir}: no stored products{note}"
    widths = {k: max(len(k), *(len(r[k]) for r in rows)) for k in rows[0]}
    lines = ["  ".join(k.ljust(widths[k]) for k in widths)]
    lines += ["  ".join(r[k].ljust(widths[k]) for k in widths) for r in rows]
    total = sum(v.size_bytes for v in list_variants(run_dir))
    return "\n".join([*lines, f"{len(rows)} variants, {_human_bytes(total)} (the simulation store sim/ not counted){note}"])


def remove_variant(run_dir: Path | str, variant: str) -> list[Path]:
    """Remove every stored product of variant ``variant`` (its full name) from ``run_dir``; return what was removed.

    Each is renamed to a hidden name first (atomic on one file system), then deleted, so a reader
    of it sees all of it or nothing, and no other variant is touched.
    """
    matches = [v for v in list_variants(run_dir) if v.variant == variant]
    if not matches:
        known = sorted({v.variant for v in list_variants(run_dir)})
        raise VariantError(
            f"{run_dir} has no variant {variant!r}; its variants are {', '.join(known) or 'none'} (glasslib runs lists them)"
        )
    removed = []
    for match in matches:
        hidden = match.path.with_name(f"{REMOVING_MARK}{match.path.name}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
        os.replace(match.path, hidden)
        shutil.rmtree(hidden) if hidden.is_dir() else hidden.unlink()
        removed.append(match.path)
    return removed
