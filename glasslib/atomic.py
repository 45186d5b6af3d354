"""One atomic write for every file the book stores, and the clean-up of what killed writers left.

A writer gets a temporary path beside the target (:func:`atomic_path`), writes it completely,
and the temporary file is fsynced and renamed over the target — POSIX-atomic on one file system.
A reader therefore sees the old file or the new one, never half of one. A writer that is killed
leaves only a temporary file, named ``.<stem>.tmp-<host>-<pid>-<random><suffix>`` (hidden, so no
product's name pattern matches it; the suffix is kept: Keras insists on ``.weights.h5``), which no
reader opens and which
:func:`remove_partial_files` deletes once its writer is gone.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

#: Marks a temporary file in its name.
TMP_MARK = ".tmp-"
#: A temporary file older than this (s) is removed even if its writer's pid looks alive (another host).
STALE_SECONDS = 24 * 3600


def _suffix(path: Path) -> str:
    """The file's full suffix as the formats want it: ``.weights.h5`` for Keras weights, else the last one."""
    return ".weights.h5" if path.name.endswith(".weights.h5") else path.suffix


def temporary_path(path: Path) -> Path:
    """A unique temporary name beside ``path`` that keeps its suffix."""
    suffix = _suffix(path)
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    host = socket.gethostname().replace(".", "_").replace("-", "_")
    # a hidden name: no pattern of a product (``run_*.h5``, ``*.json`` …) matches it
    return path.with_name(f".{stem}{TMP_MARK}{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}{suffix}")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is fsynced and renamed onto ``path``.

    On an exception the temporary file is removed and ``path`` is untouched. Parent folders are
    created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def write_json_atomic(path: Path | str, payload: Any) -> Path:
    """Write ``payload`` as indented JSON, atomically (numpy arrays and scalars become lists and numbers)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")
    return Path(path)


def _writer_alive(name: str) -> bool:
    """Whether the process that writes the temporary file ``name`` may still run."""
    try:
        host, pid = name.split(TMP_MARK, 1)[1].split("-")[:2]
        pid_number = int(pid)
    except (IndexError, ValueError):
        return False  # an old-style name (before the host was recorded): treat as orphaned
    if host != socket.gethostname().replace(".", "_").replace("-", "_"):
        return True  # another machine's writer: only age retires it
    try:
        os.kill(pid_number, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _zombie(pid_number)


def _zombie(pid: int) -> bool:
    """Whether ``pid`` has exited but is not yet reaped (Linux ``/proc``): it answers signals and can write nothing.

    A SIGKILLed worker whose parent died stays a zombie until the container's PID 1 reaps it, which
    may be late; its temporary files are orphans all the same.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux) or already gone: the signal check decides
    return stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"])


def remove_partial_files(folder: Path | str) -> list[Path]:
    """Delete temporary files under ``folder`` whose writer is gone (or that are a day old); return them."""
    removed = []
    now = time.time()
    for path in Path(folder).rglob(f"*{TMP_MARK}*"):
        if not path.is_file():
            continue
        if _writer_alive(path.name) and now - path.stat().st_mtime < STALE_SECONDS:
            continue
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed
