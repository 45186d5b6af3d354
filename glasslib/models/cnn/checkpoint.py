"""Saved CNNs: weights (``*.weights.h5``) with a JSON of architecture and hyperparameters beside them.

Loading checks the architecture against the JSON and every weight's shape against the file, so
weights of another architecture are refused with a message, never loaded as garbage.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np
import tensorflow as tf

from glasslib.atomic import atomic_path, write_json_atomic
from glasslib.models.cnn.network import DEFAULT_DROPOUT, CNNArchitecture, CNNError, WeightsError, _dropout_of, architecture_of, build_cnn

WEIGHTS_SUFFIX = ".weights.h5"


FORMAT = "glasslib-cnn/2"  # 2: the ink input layer (files of format 1 fed the pixels themselves)


def metadata_path(weights_path: Path) -> Path:
    """The JSON beside ``x.weights.h5``: ``x.json``."""
    weights_path = Path(weights_path)
    return weights_path.with_name(weights_path.name[: -len(WEIGHTS_SUFFIX)] + ".json")


def _check_suffix(weights_path: Path) -> Path:
    weights_path = Path(weights_path)
    if not weights_path.name.endswith(WEIGHTS_SUFFIX) or weights_path.name == WEIGHTS_SUFFIX:
        raise WeightsError(f"CNN weights files must be named '<name>{WEIGHTS_SUFFIX}' (Keras 3), got {weights_path}")
    return weights_path


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (Path, np.ndarray)):
        return str(value) if isinstance(value, Path) else value.tolist()
    raise TypeError(f"not JSON serialisable: {value!r}")


def save_cnn(model: keras.Model, weights_path: Path, metadata: Mapping[str, Any] | None = None) -> Path:
    """Save the weights (no optimiser state) and, beside them, a JSON of the architecture.

    Both files are written atomically (:func:`glasslib.atomic.atomic_path`): a crash leaves no half file.

    Parameters
    ----------
    model : keras.Model from :func:`build_cnn`.
    weights_path : path ending in ``.weights.h5``.
    metadata : extra JSON-able facts to store (hyperparameters, scores, seed …).

    Returns
    -------
    The weights path.
    """
    weights_path = _check_suffix(weights_path)
    architecture = architecture_of(model)
    clean = build_cnn(architecture, _dropout_of(model))  # uncompiled: no optimiser state in the file
    clean.set_weights(model.get_weights())
    record = {
        "format": FORMAT,
        "architecture": asdict(architecture),
        "dropout": _dropout_of(model),
        "parameter_count": architecture.parameter_count(),
        "weights_file": weights_path.name,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        **dict(metadata or {}),
    }
    with atomic_path(weights_path) as tmp_weights, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Keras 3.1x + numpy 2: "__array__ ... copy", harmless
        clean.save_weights(tmp_weights)
    write_json_atomic(metadata_path(weights_path), json.loads(json.dumps(record, default=_json_value)))
    return weights_path


def read_metadata(weights_path: Path) -> dict[str, Any]:
    """The JSON saved beside a weights file by :func:`save_cnn`.

    Raises
    ------
    WeightsError
        Missing, unreadable or not written by :func:`save_cnn`.
    """
    path = metadata_path(_check_suffix(weights_path))
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise WeightsError(
            f"no architecture file {path} beside {weights_path}: these weights were not saved by "
            "glasslib.models.cnn.checkpoint.save_cnn, or the file was moved without it"
        ) from None
    except (OSError, json.JSONDecodeError) as err:
        raise WeightsError(f"cannot read {path}: {err}") from None
    if not isinstance(record, dict) or not str(record.get("format", "")).startswith("glasslib-cnn/"):
        raise WeightsError(f"{path} is not a glasslib CNN record (format {FORMAT!r} expected)")
    if record["format"] != FORMAT:
        raise WeightsError(
            f"{weights_path} was saved in format {record['format']!r} by an older glasslib, whose "
            f"network took the pixels themselves; this one reads {FORMAT!r}. Train it again "
            "(rerun the chapter: stale fold results are retrained automatically)."
        )
    return record


def _saved_shapes(weights_path: Path) -> list[tuple[int, ...]]:
    """Shapes of every layer variable stored in a Keras 3 ``.weights.h5`` file (file order)."""
    shapes: list[tuple[int, ...]] = []
    try:
        with h5py.File(weights_path, "r") as h5:
            if "layers" not in h5:
                raise WeightsError(f"{weights_path} is not a Keras weights file (no 'layers' group)")
            h5["layers"].visititems(lambda name, item: shapes.append(tuple(item.shape)) if isinstance(item, h5py.Dataset) else None)
    except FileNotFoundError:
        raise WeightsError(f"no weights file {weights_path}") from None
    except OSError as err:
        raise WeightsError(f"cannot read weights file {weights_path}: {err}") from None
    return shapes


def _difference(saved: CNNArchitecture, expected: CNNArchitecture) -> str:
    return ", ".join(
        f"{f.name} {getattr(saved, f.name)} (expected {getattr(expected, f.name)})"
        for f in fields(CNNArchitecture)
        if getattr(saved, f.name) != getattr(expected, f.name)
    )


def load_cnn(weights_path: Path, expected: CNNArchitecture | None = None) -> keras.Model:
    """Rebuild the saved network and load its weights (uncompiled, ready to predict).

    Parameters
    ----------
    weights_path : a ``.weights.h5`` file written by :func:`save_cnn` (with its JSON beside it).
    expected : the architecture the caller means to use; default: whatever was saved.

    Raises
    ------
    WeightsError
        The saved architecture differs from ``expected`` (the message lists the differences),
        the weight shapes in the file do not match the architecture, or a file is missing/corrupt.
    """
    weights_path = _check_suffix(weights_path)
    record = read_metadata(weights_path)
    try:
        saved = CNNArchitecture(**record["architecture"])
    except (KeyError, TypeError, CNNError) as err:
        raise WeightsError(f"{metadata_path(weights_path)} holds no valid architecture: {err}") from None
    if expected is not None and saved != expected:
        raise WeightsError(f"the weights in {weights_path} belong to another architecture: {_difference(saved, expected)}")
    model = build_cnn(saved, float(record.get("dropout", DEFAULT_DROPOUT)))
    want = sorted(tuple(w.shape) for w in model.weights)
    have = sorted(_saved_shapes(weights_path))
    if want != have:
        raise WeightsError(
            f"the weights in {weights_path} do not fit the architecture in its JSON "
            f"({saved}): stored shapes {have}, the network needs {want}"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Keras 3.1x: spurious "Skipping nested container"
            model.load_weights(weights_path)
    except (ValueError, OSError) as err:
        raise WeightsError(f"cannot load {weights_path} into {saved}: {err}") from None
    return model
