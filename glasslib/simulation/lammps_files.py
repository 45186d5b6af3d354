"""LAMMPS data and dump files: interchange with LAMMPS itself, OVITO and friends (book chapter 01).

:func:`write_data_file` writes a configuration LAMMPS can ``read_data``; :func:`write_dump` and
:func:`read_dump` write and read ``dump atom``-style text files (``id type x y z``, box
bounds), checking every frame and naming the file and line of whatever does not parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from glasslib.atomic import atomic_path
from glasslib.system import TYPE_A, TYPE_B


class DumpFormatError(ValueError):
    """A LAMMPS dump file that cannot be read as a configuration; the message names file and problem."""


def write_data_file(path: Path, positions: np.ndarray, types: np.ndarray, box_length: float) -> Path:
    """Write a LAMMPS ``atomic`` data file (2D box, z in [-0.5, 0.5]) of one configuration."""
    n = len(types)
    ids = np.arange(1, n + 1)
    table = np.column_stack([ids, types, positions[:, 0], positions[:, 1], np.zeros(n)])
    header = (
        "glasslib 2D Kob-Andersen configuration\n\n"
        f"{n} atoms\n2 atom types\n\n"
        f"0 {box_length!r} xlo xhi\n0 {box_length!r} ylo yhi\n-0.5 0.5 zlo zhi\n\n"
        "Masses\n\n1 1.0\n2 1.0\n\nAtoms # atomic\n"
    )
    with atomic_path(path) as tmp, open(tmp, "w") as handle:
        handle.write(header + "\n")
        np.savetxt(handle, table, fmt=["%d", "%d", "%.10g", "%.10g", "%.1f"])
    return Path(path)


@dataclass(frozen=True)
class DumpFrame:
    """One frame of a LAMMPS text dump: ``positions`` (N, 2) σ and ``types`` (N,) sorted by id."""

    step: int
    box_length: float
    ids: np.ndarray
    types: np.ndarray
    positions: np.ndarray

    def scaled_positions(self) -> np.ndarray:
        """Positions in the unit square, wrapped into [0, 1), shape (N, 2)."""
        return np.mod(self.positions / self.box_length, 1.0)


def write_dump(path: Path, frames: list[tuple[int, np.ndarray, np.ndarray]], box_length: float) -> Path:
    """Write frames ``(step, positions (N, 2), types (N,))`` as a LAMMPS text dump (OVITO reads it).

    Columns: ``id type x y z xs ys`` — unscaled and scaled coordinates. Written atomically.
    """
    with atomic_path(path) as tmp, open(tmp, "w") as handle:
        for step, positions, types in frames:
            n = len(types)
            scaled = np.mod(positions / box_length, 1.0)
            handle.write(
                f"ITEM: TIMESTEP\n{int(step)}\nITEM: NUMBER OF ATOMS\n{n}\n"
                f"ITEM: BOX BOUNDS pp pp pp\n0 {box_length!r}\n0 {box_length!r}\n-0.5 0.5\n"
                "ITEM: ATOMS id type x y z xs ys\n"
            )
            table = np.column_stack([np.arange(1, n + 1), types, positions, np.zeros(n), scaled])
            np.savetxt(handle, table, fmt=["%d", "%d", "%.10g", "%.10g", "%.1f", "%.10g", "%.10g"])
    return Path(path)


def _dump_error(path: Path, message: str) -> DumpFormatError:
    return DumpFormatError(f"{path}: {message}")


def _parse_frame(path: Path, lines: list[str], start: int, known_types: set[int]) -> tuple[DumpFrame, int]:
    """Parse one frame beginning at ``lines[start]``; return it and the index after it."""

    def expect(i: int, header: str) -> None:
        if i >= len(lines) or not lines[i].startswith(header):
            found = lines[i].strip() if i < len(lines) else "end of file"
            raise _dump_error(path, f"line {i + 1}: expected '{header}', found '{found}' (truncated or not a dump?)")

    expect(start, "ITEM: TIMESTEP")
    try:
        step = int(lines[start + 1])
        expect(start + 2, "ITEM: NUMBER OF ATOMS")
        n = int(lines[start + 3])
    except (IndexError, ValueError):
        raise _dump_error(path, f"line {start + 2}: timestep or atom count is not an integer") from None
    if start + 4 >= len(lines) or not lines[start + 4].startswith("ITEM: BOX BOUNDS"):
        raise _dump_error(path, f"line {start + 5}: missing 'ITEM: BOX BOUNDS' (the box is required)")
    try:
        bounds = np.array([lines[start + 5 + k].split()[:2] for k in range(3)], dtype=float)
    except (IndexError, ValueError):
        raise _dump_error(path, f"line {start + 6}: box bounds are not three lines of two numbers") from None
    lengths = bounds[:, 1] - bounds[:, 0]
    if not np.all(np.isfinite(bounds)) or lengths[0] <= 0 or not np.isclose(lengths[0], lengths[1]):
        raise _dump_error(path, f"box bounds {bounds[:2].tolist()} are not a finite square box")
    expect(start + 8, "ITEM: ATOMS")
    columns = lines[start + 8].split()[2:]
    if not {"id", "type"} <= set(columns) or not ({"x", "y"} <= set(columns) or {"xs", "ys"} <= set(columns)):
        raise _dump_error(path, f"ATOMS columns {columns} lack id, type and x y (or xs ys)")
    body = lines[start + 9 : start + 9 + n]
    if len(body) < n or (body and body[-1].startswith("ITEM:")) or any(line.startswith("ITEM:") for line in body):
        raise _dump_error(path, f"truncated: frame at step {step} announces {n} atoms but has fewer lines")
    try:
        table = np.array([row.split() for row in body], dtype=float)
    except ValueError:
        raise _dump_error(path, f"frame at step {step}: atom lines are not all numbers with {len(columns)} columns") from None
    if table.ndim != 2 or table.shape != (n, len(columns)):
        raise _dump_error(path, f"frame at step {step}: expected {n} rows of {len(columns)} columns")
    col = {name: table[:, k] for k, name in enumerate(columns)}
    if "x" in col:
        xy = np.column_stack([col["x"] - bounds[0, 0], col["y"] - bounds[1, 0]])
    else:
        xy = np.column_stack([col["xs"], col["ys"]]) * lengths[:2]
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise _dump_error(path, f"frame at step {step}: {bad.sum()} atoms have NaN/inf coordinates (first id {int(col['id'][bad][0])})")
    types = col["type"].astype(int)
    unknown = sorted(set(np.unique(types).tolist()) - known_types)
    if unknown:
        raise _dump_error(path, f"frame at step {step}: unknown atom types {unknown}; expected {sorted(known_types)}")
    order = np.argsort(col["id"])
    frame = DumpFrame(step, float(lengths[0]), col["id"][order].astype(np.int64), types[order], xy[order])
    return frame, start + 9 + n


def read_dump(path: Path, known_types: Iterable[int] = (TYPE_A, TYPE_B)) -> list[DumpFrame]:
    """Read every frame of a LAMMPS text dump of a 2D binary mixture.

    Raises
    ------
    DumpFormatError
        Naming the file and the problem: truncated frame, missing box, NaN coordinates, unknown
        atom types, or anything else that is not a dump.
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    if not lines:
        raise _dump_error(path, "empty file")
    frames, i = [], 0
    types = set(known_types)
    while i < len(lines):
        if not lines[i].strip():
            i += 1
            continue
        frame, i = _parse_frame(path, lines, i, types)
        frames.append(frame)
    return frames
