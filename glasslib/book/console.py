"""The console while ``glasslib book`` runs: chapter progress, no runtime chatter.

Kernels that papermill starts inherit the runner's standard error, so whatever they print there —
progress bars (:mod:`glasslib.progress`) but also TensorFlow's C++ start-up notices, which
``TF_CPP_MIN_LOG_LEVEL`` cannot silence, and ipykernel's warning about its unencrypted local TCP
connection — reaches the console. :func:`quiet_runtime_chatter`
points file descriptor 2 at a pipe for its duration; a thread forwards what arrives to the real
console, dropping lines that match :data:`RUNTIME_NOISE`. Progress bars redraw with carriage
returns, so text up to the last ``\\r`` of an unfinished line is forwarded at once.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Start-up chatter that says nothing to a reader: TensorFlow's C++ runtime (absl logging before it is
#: initialised, oneDNN and CPU-feature notices), which ``TF_CPP_MIN_LOG_LEVEL`` cannot silence, and every
#: kernel's notice that papermill's local TCP connection is not encrypted, and asyncio's report of a
#: kernel control task cut off when papermill shuts the kernel down.
_NOISE = (
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:.]+\s+\d+ \S+:\d+\] .*"
    r"|To enable the following instructions: .* in other operations, rebuild TensorFlow .*"
    r"|\[IPKernelApp\] WARNING \| Kernel is running over TCP without encryption\..*"
    r"|Task was destroyed but it is pending!|task: <Task pending name='Task-\d+' coro=<Kernel\.dispatch_control\(\).*"
    # a Dask worker that trains one new CNN after another traces each network's own step function once:
    # TensorFlow counts those as retracing, but no network is traced twice
    r"|WARNING:tensorflow:\d+ out of the last \d+ calls to <function .*> triggered tf\.function retracing\..*"
)
#: Whole lines of that chatter.
RUNTIME_NOISE = re.compile(f"^({_NOISE})$")
#: The same notices where they start mid-line: after a progress bar's last redraw on the console.
RUNTIME_NOISE_TAIL = re.compile(f"({_NOISE})$")


#: A progress bar's line as tqdm draws it (``label:  56%|█████▋    | 18/32 [00:05<00:03,  3.58run/s]``).
PROGRESS_BAR = re.compile(r"^.*\d+%\|.*\| *\d+/\d+ \[.*\]\s*$")


def strip_progress_bars(text: str) -> str:
    """``text`` without progress-bar lines or redraws (a page shows results, not how long they took to draw)."""
    lines = re.split(r"(?<=\n)|\r", text)
    return "".join(line for line in lines if not PROGRESS_BAR.match(line.rstrip("\n")))


def strip_runtime_noise(text: str) -> str:
    """``text`` without the lines matching :data:`RUNTIME_NOISE`."""
    return "".join(line for line in text.splitlines(keepends=True) if not RUNTIME_NOISE.match(line.rstrip("\n")))


def _console_line(line: str) -> str | None:
    """A complete console line without runtime notices (also one glued to a progress bar); None if nothing is left."""
    if RUNTIME_NOISE.match(line):
        return None
    kept = RUNTIME_NOISE_TAIL.sub("", line)
    return kept if kept.strip() or not line.strip() else None


def _forward(read_fd: int, write_fd: int) -> None:
    """Copy ``read_fd`` to ``write_fd`` until end of file, without the runtime-noise lines."""
    pending = ""
    while chunk := os.read(read_fd, 65536):
        pending += chunk.decode("utf-8", errors="replace")
        *lines, pending = pending.split("\n")
        kept = "".join(f"{shown}\n" for shown in map(_console_line, lines) if shown is not None)
        if "\r" in pending:  # a progress bar redrawing: show it now
            cut = pending.rindex("\r") + 1
            kept, pending = kept + pending[:cut], pending[cut:]
        if kept:
            os.write(write_fd, kept.encode())
    if pending and (shown := _console_line(pending)) is not None:
        os.write(write_fd, shown.encode())


@contextmanager
def quiet_runtime_chatter() -> Iterator[None]:
    """Filter this process's (and its children's) standard error through :func:`_forward` while active."""
    console = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    thread = threading.Thread(target=_forward, args=(read_fd, console), daemon=True)
    thread.start()
    try:
        yield
    finally:
        os.dup2(console, 2)  # closes the pipe's last write end held by fd 2: the thread sees end of file
        thread.join(timeout=10)
        os.close(read_fd)
        os.close(console)


@contextmanager
def ticking_bars(every: float = 5.0) -> Iterator[None]:
    """Redraw this process's progress bars every ``every`` s while active.

    A chapter's bar advances when a cell finishes; a cell that computes for ten minutes would
    otherwise leave the console still, as if the book had hung. Redrawn, its elapsed time moves.
    """
    from tqdm import tqdm

    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(every):
            for bar in list(getattr(tqdm, "_instances", ())):
                with contextlib.suppress(Exception):  # a bar closing meanwhile
                    bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 1)
