"""The book in a browser with a live kernel: JupyterLab on the chapters, and the attention explorer on a page of its own.

- ``glasslib lab`` (``make lab``) starts JupyterLab on ``notebooks/`` for one profile: the kernels it
  starts find the profile and its run directory in :data:`PROFILE_VARIABLE` and
  :data:`RUN_DIR_VARIABLE`, which :func:`glasslib.book.chapter.open_chapter` reads when a chapter
  runs with its parameter cell untouched. So every chapter runs top to bottom in the browser on what
  ``make book`` (or ``make book PROFILE=smoke``) computed, and a chapter whose inputs are missing says
  which chapter to run first.
- ``glasslib explore`` serves :data:`EXPLORER_NOTEBOOK` with Voilà: the live attention explorer of
  chapter 06 without the code around it.

Both print the local address and run until Ctrl-C, SIGTERM or SIGHUP (:data:`STOP_SIGNALS`, whatever
dispositions they inherited: a background job ignores SIGINT, ``nohup`` SIGHUP), then stop their server
and every process it started, kernels included (SIGTERM, then SIGKILL after :data:`STOP_SECONDS`; see
:func:`stop`). A port already in use is refused before anything starts.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
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
#: The signals that stop a server: Ctrl-C, and what ``kill``, ``timeout``, systemd, batch systems and a closing terminal send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class SessionError(RuntimeError):
    """A server that cannot be started: port taken, tool missing; the message says what to do."""


class Stopped(BaseException):
    """One of :data:`STOP_SIGNALS` arrived while a server ran (a :class:`BaseException`, as :class:`KeyboardInterrupt` is)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopSignals:
    """Handlers for :data:`STOP_SIGNALS`, installed on creation over any inherited disposition (SIG_IGN included).

    They raise :class:`Stopped` once :attr:`armed`, and only once: a signal is kept while unarmed (while the
    server starts, so that ``Popen`` never loses its child half-way; while it stops) and :meth:`arm` raises it
    then. Main thread only, as :func:`signal.signal` is.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.armed = False
        self.previous = {number: signal.signal(number, self._caught) for number in STOP_SIGNALS}

    def _caught(self, signum: int, frame: object) -> None:
        self.received = self.received or signum
        if self.armed:
            self.armed = False
            raise Stopped(signum)

    def arm(self) -> None:
        """Raise :class:`Stopped` on the next signal; at once if one came already."""
        self.armed = True  # before the look: a signal in between is raised by the handler
        if self.received:
            self.armed = False
            raise Stopped(self.received)

    def restore(self) -> None:
        """Disarm, and put the previous handlers back."""
        self.armed = False
        for number, handler in self.previous.items():
            signal.signal(number, handler)


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
    """Stop a server and every process it started, and reap it: SIGTERM, then SIGKILL after :data:`STOP_SECONDS`.

    The signals go to the server's process group (:func:`serve` starts it as a session of its own), so its
    helpers get them too. Processes it started in sessions of their own (Jupyter starts each kernel so) are
    found through /proc before (:func:`process_family`); those still running once the server has ended
    get SIGTERM, then SIGKILL after :data:`STOP_SECONDS`.

    Returns
    -------
    int
        The server's exit code (negative: the signal that ended it).
    """
    if process.poll() is None:
        family = process_family(process.pid)
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
        _end(family)
    return int(process.wait())


def _signal_group(process: subprocess.Popen, number: int) -> None:
    """Signal ``number`` to the process group ``process`` leads, or to ``process`` alone when it leads none."""
    with suppress(ProcessLookupError):
        if os.getpgid(process.pid) == process.pid:
            os.killpg(process.pid, number)
        else:
            process.send_signal(number)


def _end(family: Mapping[int, str]) -> None:
    """SIGTERM to what still runs of ``family`` (:func:`process_family`), SIGKILL to what still runs :data:`STOP_SECONDS` later."""
    for number in (signal.SIGTERM, signal.SIGKILL):
        deadline = time.monotonic() + STOP_SECONDS
        for pid in still_running(family):
            with suppress(ProcessLookupError):
                os.kill(pid, number)
        while still_running(family) and time.monotonic() < deadline:
            time.sleep(0.1)


def _process_table() -> dict[int, tuple[int, int, str, str]]:
    """Every process in /proc: pid → (parent pid, process group, start time, state); empty without /proc."""
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, IndexError, ValueError):  # ended meanwhile
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after the command name, which may hold anything
            table[int(stat.parent.name)] = (int(fields[1]), int(fields[2]), fields[19], fields[0])
    return table


def process_family(pid: int) -> dict[int, str]:
    """The processes ``pid`` started, however deep, and the other members of its process group: pid → start time.

    Read from /proc (empty where there is none); the start time tells a process from a later one that got its pid.
    """
    table = _process_table()
    family, todo = {other for other, row in table.items() if row[1] == pid}, [pid]
    while todo:
        parent = todo.pop()
        children = [other for other, row in table.items() if row[0] == parent and other not in family]
        family.update(children)
        todo.extend(children)
    family.discard(pid)
    return {member: table[member][2] for member in family}


def still_running(family: Mapping[int, str]) -> list[int]:
    """The pids of ``family`` (:func:`process_family`) still running: same start time, and not a zombie."""
    table = _process_table()
    return [pid for pid, started in family.items() if pid in table and table[pid][2] == started and table[pid][3] != "Z"]


def _say(text: str) -> None:
    """Print ``text`` now; a terminal that has gone (SIGHUP as it closes) does not stop the stop."""
    with suppress(OSError):
        print(text, flush=True)


def serve(command: Sequence[str], environment: Mapping[str, str], port: int, address: str, what: str) -> int:
    """Run a server until one of :data:`STOP_SIGNALS` (or until it ends), printing ``address`` once it answers.

    The server runs in a session of its own and :func:`stop` ends it, and what it started, however the call
    ends. The handlers for :data:`STOP_SIGNALS` (:class:`StopSignals`) hold for the call, over whatever
    dispositions were inherited, and the previous ones come back after. Call it from the main thread.

    Parameters
    ----------
    command : the server's command line.
    environment : its environment.
    port : the port it serves on; ``address`` is printed once that port answers.
    address : the address to print.
    what : the server's name in messages.

    Returns
    -------
    int
        0 after a stop by SIGINT (Ctrl-C), SIGTERM or SIGHUP alike, as a stop asked for is no failure;
        otherwise the server's own exit code.
    """
    signals, process = StopSignals(), None
    try:
        process = subprocess.Popen(list(command), env=dict(environment), start_new_session=True)
        signals.arm()
        seconds = wait_until_serving(port, process, timeout=120)
        _say(f"\n{what} is ready after {seconds:.1f} s: {address}\n(Ctrl-C stops it)")
        return process.wait()
    except Stopped:
        _say(f"\nstopping {what} …")
        return 0
    finally:
        signals.armed = False  # first, with no call before it: no signal can interrupt the stop
        if process is not None:
            stop(process)
        signals.restore()


def token() -> str:
    """A fresh access token for a JupyterLab session."""
    return secrets.token_hex(16)
