"""JSON products of the run directory, written atomically."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from glasslib.simulation.store import StoreError


def write_json_atomic(path: Path, payload: dict[str, Any]) -> Path:
    """Write a JSON product atomically (temporary name, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")
    os.replace(tmp, path)
    return path


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def read_json_checked(path: Path, expected_hash: str, producer: str) -> dict[str, Any]:
    """Read a chapter's JSON product, checking it exists, parses and matches the profile.

    Parameters
    ----------
    producer : str
        The notebook that writes it, named in the error so the reader knows what to run.
    """
    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path} is missing: run {producer} first, with the same profile and overrides")
    try:
        payload = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise StoreError(f"{path}: corrupt JSON ({err}); delete it and rerun {producer}") from None
    if payload.get("profile_hash") != expected_hash:
        raise StoreError(f"{path}: stale, written for another profile or overrides; rerun {producer}")
    return payload
