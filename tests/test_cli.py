"""The `glasslib` command: bad input stops early with a clear message; bench prints its figures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from glasslib.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "glasslib", *args], capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["simulate", "--profile", "huge"], "unknown profile 'huge'; choose one of: paper, quick, smoke"),
        (["simulate", "--set", "n_atoms=5"], "unknown profile key 'n_atoms'; valid keys:"),
        (["simulate", "--set", "fraction_a=2"], "fraction_a=2.0 is out of range"),
        (["book", "--set", "timestep"], "--set expects key=value"),
    ],
)
def test_bad_profile_input_is_refused_before_anything_starts(tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert main([*args, "--out", str(out)] if args[0] == "simulate" else args) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_profiles_command_lists_every_parameter_beside_the_paper(capsys):
    assert main(["profiles", "--profile", "quick"]) == 0
    text = capsys.readouterr().out
    assert "t_cool_slow" in text and "20,000,000" in text and "quick" in text


@pytest.mark.slow
def test_bench_sim_prints_both_throughputs_and_their_ratio():
    done = run_cli("bench", "sim", "--profile", "smoke", "--steps", "4000")
    assert done.returncode == 0, done.stderr
    assert "M atom-steps/s" in done.stdout and "ratio glasslib / direct" in done.stdout
    ratio = float(done.stdout.split("ratio glasslib / direct:")[1].split()[0])
    assert 0.3 < ratio < 3.0  # a sanity range on a busy test machine; `glasslib bench sim` measures it properly
