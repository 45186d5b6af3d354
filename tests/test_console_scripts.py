"""glasslib.console_scripts: the environment's own tools are found first, a missing one says what to run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from glasslib.console_scripts import console_script


def test_the_script_beside_this_python_comes_first():
    assert Path(console_script("jupyter-book")).parent == Path(sys.executable).parent


def test_a_missing_script_says_to_run_make_env():
    with pytest.raises(FileNotFoundError, match="no-such-tool-here is not installed.*make env"):
        console_script("no-such-tool-here")
