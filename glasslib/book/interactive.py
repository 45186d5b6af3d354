"""The book in a browser with a live kernel: JupyterLab on the chapters, and the attention explorer on a page of its own.

- ``glasslib lab`` (``make lab``) starts JupyterLab on ``notebooks/`` for one profile: the kernels it
  starts find the profile and its run directory in :data:`PROFILE_VARIABLE` and
  :data:`RUN_DIR_VARIABLE`, which :func:`glasslib.book.chapter.open_chapter` reads when a chapter
  runs with its parameter cell untouched. So every chapter runs top to bottom in the browser on what
  ``make book`` (or ``make book PROFILE=smoke``) computed, and a chapter whose inputs are missing says
  which chapter to run first.
- ``glasslib explore`` serves :data:`EXPLORER_NOTEBOOK` with Voilà: the live attention explorer of
  chapter 06 without the code around it.

Both print the local address, run until Ctrl-C and then stop their server (SIGTERM, then SIGKILL
after :data:`STOP_SECONDS`). A port already in use is refused before anything starts.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from glasslib.console_scripts import console_script
from glasslib.profiles import DEFAULT_PROFILE, Profile

#: Environment variables a ``glasslib lab`` or ``glasslib explore`` session hands its kernels.
PROFILE_VARIABLE, RUN_DIR_VARIABLE = "GLASSLIB_PROFILE", "GLASSLIB_RUN_DIR"
#: The standalone explorer's notebook (shipped with glasslib).
EXPLORER_NOTEBOOK = Path(__file__).with_name("explorer.ipynb")
#: Seconds a server has to stop after SIGTERM before it is killed.
STOP_SECONDS = 10.0
#: Default ports: JupyterLab's usual one, and the next.
LAB_PORT, EXPLORE_PORT = 8888, 8866


class SessionError(RuntimeError):
    """A server that cannot be started: port taken, tool missing; the message says what to do."""


def session_defaults(
    profile: str | Profile, overrides: Mapping | None, run_dir: str | Path | None
) -> tuple[str | Profile, str | Path | None]:
    """The profile and run directory a chapter uses: its parameters, or the session's when they are untouched.

    Parameters are *untouched* when the profile is the notebooks' default, there are no overrides and
    no run directory (papermill runs always pass a run directory, so they never read the session).
    """
    label = profile if isinstance(profile, str) else None
    session = os.environ.get(PROFILE_VARIABLE)
    if session and label == DEFAULT_PROFILE and not overrides and run_dir is None:
        return session, os.environ.get(RUN_DIR_VARIABLE) or None
    return profile, run_dir


def session_environment(profile: Profile, run_dir: Path) -> dict[str, str]:
    """The environment of a server whose kernels run chapters at ``profile`` on ``run_dir``."""
    return {**os.environ, PROFILE_VARIABLE: profile.name, RUN_DIR_VARIABLE: str(Path(run_dir).resolve())}


def check_port(port: int, host: str = "127.0.0.1") -> None:
    """:class:`SessionError` unless ``port`` is free on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise SessionError(f"port {port} on {host} is already in use: pass another one with --port") from None


def free_port(host: str = "127.0.0.1") -> int:
    """A port the system says is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _tool(name: str) -> str:
    """:func:`glasslib.console_scripts.console_script`, a missing one as a :class:`SessionError`."""
    try:
        return console_script(name)
    except FileNotFoundError as err:
        raise SessionError(str(err)) from None


def lab_command(notebooks: Path, port: int, token: str, open_browser: bool = False, extra: Sequence[str] = ()) -> list[str]:
    """``jupyter lab`` on ``notebooks`` at ``http://127.0.0.1:<port>/lab?token=<token>``; ``extra`` options appended."""
    return [
        _tool("jupyter"),
        "lab",
        f"--notebook-dir={notebooks}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--ServerApp.answer_yes=True",
        *_as_root(),
        *([] if open_browser else ["--no-browser"]),
        *extra,
    ]


def _as_root() -> list[str]:
    """Jupyter refuses to serve as root unless told (containers, CI): the flag, when root."""
    return ["--allow-root"] if os.geteuid() == 0 else []


def explore_command(port: int) -> list[str]:
    """``voila`` on :data:`EXPLORER_NOTEBOOK` at ``http://127.0.0.1:<port>/``."""
    return [_tool("voila"), str(EXPLORER_NOTEBOOK), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0"]


def wait_until_serving(port: int, process: subprocess.Popen, timeout: float, host: str = "127.0.0.1") -> float:
    """Seconds until ``port`` accepts connections; :class:`SessionError` if the process ends or ``timeout`` passes."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise SessionError(f"the server stopped before serving (exit code {process.returncode}); its messages are above")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex((host, port)) == 0:
                return time.perf_counter() - started
        time.sleep(0.2)
    raise SessionError(f"nothing answered on {host}:{port} within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> int:
    """Stop a server: SIGTERM, then SIGKILL after :data:`STOP_SECONDS`; its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return int(process.returncode)


def serve(command: Sequence[str], environment: Mapping[str, str], port: int, address: str, what: str) -> int:
    """Run a server until Ctrl-C (or until it ends), printing ``address`` once it answers; 0 after Ctrl-C."""
    process = subprocess.Popen(list(command), env=dict(environment))
    try:
        seconds = wait_until_serving(port, process, timeout=120)
        print(f"\n{what} is ready after {seconds:.1f} s: {address}\n(Ctrl-C stops it)", flush=True)
        return process.wait()
    except KeyboardInterrupt:
        print(f"\nstopping {what} …", flush=True)
        stop(process)
        return 0
    finally:
        stop(process)


def token() -> str:
    """A fresh access token for a JupyterLab session."""
    return secrets.token_hex(16)
