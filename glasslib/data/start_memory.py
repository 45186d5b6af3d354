"""Do configurations remember the shared start? (chapter 03; issue: a classifier must not read the protocol)

Every run of the campaign starts from one FIRE-minimised configuration (SPEC section 2) and only the
velocities differ. A liquid recorded soon after the start (data set 1's at ``quick``: 25 τ) may
still carry the start's arrangement; a glass recorded at the end of the ramp much less so. Then a
classifier could tell the classes apart by their likeness to one template instead of by their
structure. This module measures that likeness.

Composition field
    The box is cut into ``cells × cells`` square cells of about :data:`CELL_SIDE` σ; a
    configuration's field is each cell's fraction of B particles minus the overall fraction (the
    pattern a rendered image shows in its colours). Computed for many configurations at once with one
    ``np.bincount`` over (configuration, cell) labels — no loop over particles.

Overlap with the start
    The Pearson correlation, over cells, between a configuration's field and the start's: 0 for a
    configuration that has forgotten the start (up to the ±1/cells scatter of independent fields),
    1 for the start itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.profiles import Profile
from glasslib.rundir import read_json_product, write_json_product
from glasslib.stats import pairwise_auc
from glasslib.system import TYPE_B, wrap_scaled

#: Target side of a cell, σ: a few particle diameters, the scale of a composition fluctuation.
CELL_SIDE = 3.0


def cells_for(box_length: float) -> int:
    """Cells per side for a box of ``box_length`` σ (≈ :data:`CELL_SIDE` σ each, at least 2)."""
    return max(2, int(round(box_length / CELL_SIDE)))


def composition_field(positions: np.ndarray, types: np.ndarray, cells: int) -> np.ndarray:
    """Each cell's fraction of B particles minus the overall fraction.

    Parameters
    ----------
    positions : (M, N, 2) or (N, 2) scaled coordinates in [0, 1); types : (N,) LAMMPS types.
    cells : cells per side.

    Returns
    -------
    (M, cells, cells) float64 (M = 1 for a single configuration); cells without particles hold 0.
    """
    positions = wrap_scaled(np.asarray(positions, dtype=float).reshape(-1, len(types), 2))
    m, n = positions.shape[:2]
    cell = np.minimum((positions * cells).astype(np.int64), cells - 1)  # (M, N, 2)
    label = (np.arange(m)[:, None] * cells + cell[..., 0]) * cells + cell[..., 1]  # (M, N)
    is_b = np.broadcast_to(np.asarray(types) == TYPE_B, (m, n))
    count = np.bincount(label.ravel(), minlength=m * cells * cells)
    b = np.bincount(label.ravel(), weights=is_b.ravel().astype(float), minlength=m * cells * cells)
    fraction = np.divide(b, count, out=np.zeros_like(b), where=count > 0) - is_b[0].mean()
    return np.where(count > 0, fraction, 0.0).reshape(m, cells, cells)


def start_overlap(positions: np.ndarray, types: np.ndarray, start: np.ndarray, cells: int) -> np.ndarray:
    """(M,) Pearson correlation of each configuration's composition field with the start's (module docstring)."""
    fields = composition_field(positions, types, cells).reshape(-1, cells * cells)
    return _correlation(fields, composition_field(start, types, cells).reshape(1, cells * cells))


def _correlation(fields: np.ndarray, references: np.ndarray) -> np.ndarray:
    """(M,) Pearson correlation of each row of ``fields`` (M, C) with ``references`` (M, C) or (1, C)."""
    fields = fields - fields.mean(axis=1, keepdims=True)
    references = references - references.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(fields, axis=1) * np.linalg.norm(references, axis=1)
    return np.divide(np.sum(fields * references, axis=1), norm, out=np.zeros(len(fields)), where=norm > 0)


def memory_table(overlaps: Mapping[int, tuple[np.ndarray, np.ndarray]], cells: int, n_bootstrap: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Overlap with the start per data set and class, and the glass − liquid difference, with 95 % intervals.

    Parameters
    ----------
    overlaps : data set -> (overlaps (2R,), labels (2R,) 1 glass / 0 liquid).
    cells : cells per side (for the chance level ±1/cells).
    n_bootstrap, seed : bootstrap over configurations within each class.

    Returns
    -------
    Table indexed by data set: liquid and glass means, the difference with its percentile interval,
    ``differs``: whether that interval excludes 0, and the **cue AUC**: how well the overlap alone
    tells glasses from liquids, the ROC AUC of the overlap read as a glass score (0.5: no cue; above:
    glasses overlap more with the start; below: liquids do), with its bootstrap interval and
    ``cue``: whether that interval excludes 0.5.
    """
    rng = np.random.default_rng(seed)
    rows: dict[int, dict[str, Any]] = {}
    for dataset, (overlap, labels) in overlaps.items():
        glass, liquid = overlap[labels == 1], overlap[labels == 0]
        resampled = [x[rng.integers(0, x.size, (n_bootstrap, x.size))] for x in (glass, liquid)]
        low, high = np.percentile(resampled[0].mean(axis=1) - resampled[1].mean(axis=1), [2.5, 97.5])
        cue = np.percentile(pairwise_auc(*resampled), [2.5, 97.5])
        rows[dataset] = {
            "liquid overlap": liquid.mean(),
            "glass overlap": glass.mean(),
            "glass − liquid": glass.mean() - liquid.mean(),
            "95 % interval": f"[{low:+.3f}, {high:+.3f}]",
            "differs": bool(low > 0 or high < 0),
            "cue AUC": float(pairwise_auc(glass[None], liquid[None])[0]),
            "cue AUC 95 %": "[{:.2f}, {:.2f}]".format(*cue),
            "cue AUC low": float(cue[0]),
            "cue AUC high": float(cue[1]),
            "cue": bool(cue[0] > 0.5 or cue[1] < 0.5),
        }
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("data set")
    table.attrs["chance"] = 1.0 / cells
    return table


def memory_verdict(table: pd.DataFrame, start: str = "this start") -> str:
    """One sentence for the book: whether the overlap with ``start`` alone tells the classes apart, and where most."""
    worst = int((table["cue AUC"] - 0.5).abs().idxmax())
    cued = [int(d) for d in table.index[table["cue"]]]
    where = f"a cue in data set{'s' if len(cued) > 1 else ''} {', '.join(map(str, cued))}" if cued else "no cue in any data set"
    return (
        f"The overlap with {start} gives {where}: its AUC as a glass score is furthest from 0.5 in data set {worst}, "
        f"{table.loc[worst, 'cue AUC']:.2f} (95 % {table.loc[worst, 'cue AUC 95 %']}; 0.5 is no cue), to be read beside "
        "the networks' AUCs of chapters 4 and 5."
    )


def own_start_overlap(data: Any, run_dir: Any, expected_hash: str, cells: int) -> np.ndarray:
    """(2R,) overlap of each configuration of a data set with the start *its own run* began from.

    Reads each run's stored start (:func:`glasslib.simulation.store.read_start`): the shared start,
    or the run's own at profiles with ``shared_start=False``. One file read per configuration.
    """
    from glasslib.simulation import store

    schedules = np.where(data.labels == 1, data.spec.glass_schedule, data.spec.liquid_schedule)
    starts = np.stack([store.read_start(store.run_path(run_dir, str(s), int(i)), expected_hash) for s, i in zip(schedules, data.run_index)])
    fields = composition_field(data.positions, data.types, cells).reshape(len(starts), -1)
    return _correlation(fields, composition_field(np.mod(starts / data.box_length, 1.0), data.types, cells).reshape(len(starts), -1))


def memory_comparison(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Several :func:`memory_table` s side by side, one column group per reference start (the book's table)."""
    shown = ["liquid overlap", "glass overlap", "glass − liquid", "95 % interval", "cue AUC", "cue AUC 95 %"]
    return pd.concat({name: table[shown] for name, table in tables.items()}, axis=1).round(3)


def cue_record(tables: Mapping[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Per data set and reference start (``tables``' keys): the cue AUC, its 95 % interval and whether it excludes 0.5."""
    out: dict[str, dict[str, Any]] = {}
    for start, table in tables.items():
        for dataset, row in table.iterrows():
            out.setdefault(str(dataset), {})[start] = {
                "auc": float(row["cue AUC"]),
                "ci95": [float(row["cue AUC low"]), float(row["cue AUC high"])],
                "cue": bool(row["cue"]),
            }
    return out


def save_cue(run_dir: Path, profile: Profile, tables: Mapping[str, pd.DataFrame]) -> Path:
    """Store :func:`cue_record` of the memory tables as the run directory's ``start_cue`` product (chapter 03)."""
    return write_json_product(run_dir, profile, "start_cue", {"datasets": cue_record(tables)})


def load_cue(run_dir: Path, profile: Profile) -> dict[str, dict[str, Any]]:
    """The stored start cue per data set and reference start (a clear error if chapter 03 has not stored it)."""
    return read_json_product(run_dir, profile, "start_cue")["datasets"]
