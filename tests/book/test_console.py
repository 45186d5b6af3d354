"""glasslib.book.console: the console of `glasslib book` keeps progress and warnings, drops runtime chatter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from glasslib.progress import CONSOLE_ENV, QUIET


def test_chatter_is_dropped_even_when_glued_to_a_progress_bar():
    code = textwrap.dedent(
        """
        import os
        from glasslib.book.console import quiet_runtime_chatter
        with quiet_runtime_chatter():
            os.write(2, b"\\r  04_cnn cells:  4%| | 1/26 [00:00<00:11]WARNING: All log messages before "
                        b"absl::InitializeLog() is called are written to STDERR\\n")
            os.write(2, b"I0000 00:00:1795251656.934949   11058 port.cc:153] oneDNN custom operations are on.\\n")
            os.write(2, b"\\r  01_simulation cells:   0%| | 0/24 [00:00<?, ?cell/s][IPKernelApp] WARNING | Kernel is running "
                        b"over TCP without encryption. All communication (including code and outputs) is sent in plain "
                        b"text and is susceptible to eavesdropping. Use IPC transport or launch with kernel "
                        b"manager-provisioned CurveZMQ keys to enable transport encryption.\\n")
            os.write(2, b"\\r  04_cnn cells: 100%| | 27/27 [15:28<00:00]Task was destroyed but it is pending!\\n")
            os.write(2, b"task: <Task pending name='Task-138618' coro=<Kernel.dispatch_control() running at kernelbase.py:372>>\\n")
            os.write(2, b"UserWarning: a warning the reader should see\\n")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    console = done.stderr.decode()
    assert done.returncode == 0
    assert "absl" not in console and "oneDNN" not in console and "encryption" not in console and "Task" not in console
    assert (
        "04_cnn cells:  4%" in console
        and "01_simulation cells:   0%" in console
        and "27/27" in console
        and "UserWarning: a warning the reader should see" in console
    )


def test_a_step_s_bar_is_silent_at_the_book_s_default_verbosity_and_on_the_console_when_verbose():
    code = textwrap.dedent(
        """
        from glasslib.progress import progress_bar
        for _ in progress_bar(range(3), desc="nested CV (cnn)", mininterval=0):
            pass
        """
    )

    def console(value: str) -> str:
        env = {**os.environ, CONSOLE_ENV: value}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
        return done.stderr.decode()

    assert "nested CV" not in console(QUIET)
    assert "nested CV (cnn): 100%" in console("1")


def test_a_chapter_bar_is_redrawn_while_a_long_cell_computes():
    code = textwrap.dedent(
        """
        import time
        from tqdm import tqdm
        from glasslib.book.console import ticking_bars
        with ticking_bars(every=0.1):
            bar = tqdm(total=3, desc="02_tg cells")
            time.sleep(0.75)  # one long cell: no update
            bar.close()
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().count("02_tg cells") >= 4  # drawn at the start and close, and redrawn meanwhile
