"""Where a product's variants sit on disk: the file or folder a variant occupies, and the variants stored under a pattern.

The run-directory contract (:mod:`glasslib.rundir`) names every product but the simulation store by a
pattern holding ``{variant}``; this module knows nothing of the products themselves, only of their
patterns, so both the contract and ``glasslib runs`` (:mod:`glasslib.run_variants`) build on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

#: Hex digits of a product's hash that name its variant folder or file.
VARIANT_CHARS = 12
#: The provenance record in a folder-valued variant.
PROVENANCE_FILE = "provenance.json"


class StoredVariant(NamedTuple):
    """One variant found on disk: its name, its file or folder, the keys its path spells, its provenance (or None)."""

    variant: str
    path: Path
    keys: dict[str, str]
    provenance: dict[str, Any] | None


def root_pattern(pattern: str) -> str:
    """``pattern`` cut after the part holding ``{variant}``: the variant's own file or folder."""
    parts = pattern.split("/")
    cut = next(i for i, part in enumerate(parts) if "{variant}" in part)
    return "/".join(parts[: cut + 1])


def _wildcards(pattern: str, keys: dict[str, Any]) -> str:
    """``pattern`` with the given keys filled and every other placeholder (the variant's included) a ``*``."""
    out, rest = "", pattern
    while "{" in rest:
        head, _, tail = rest.partition("{")
        field, _, rest = tail.partition("}")
        key = field.split(":")[0]
        out += head + (str(keys[key]) if key in keys and key != "variant" else "*")
    return out + rest


def _keys_of(pattern: str, relative: Path) -> dict[str, str]:
    """The keys (``model`` …) a variant's path spells, read back against its root pattern."""
    return {
        part[1:-1]: value
        for part, value in zip(pattern.split("/"), relative.parts)
        if part.startswith("{") and part.endswith("}") and part[1:-1] != "variant"
    }


def recorded_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance a variant records: inside its JSON file, or in its folder's :data:`PROVENANCE_FILE`."""
    record = path / PROVENANCE_FILE if path.is_dir() else path
    if record.suffix != ".json" or not record.is_file():
        return None
    try:
        payload = json.loads(record.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return payload.get("provenance") if isinstance(payload, dict) else None


def _is_variant_name(name: str) -> bool:
    return len(name) == VARIANT_CHARS and all(c in "0123456789abcdef" for c in name)


def stored_variants(run_dir: Path, pattern: str, keys: dict[str, Any]) -> list[StoredVariant]:
    """The variants stored under product ``pattern`` in ``run_dir`` whose keys match ``keys`` (unnamed keys: any)."""
    root = root_pattern(pattern)
    found = []
    for path in sorted(Path(run_dir).glob(_wildcards(root, keys))):
        name = path.name.removesuffix(path.suffix) if path.is_file() else path.name
        if _is_variant_name(name):
            found.append(StoredVariant(name, path, _keys_of(root, path.relative_to(run_dir)), recorded_provenance(path)))
    return found
