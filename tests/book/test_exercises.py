"""The chapters' "Try it yourself" exercises (glasslib.book.exercises): every chapter has them, laid out so a
reader can run them, and every one still runs against the smoke book's run directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from glasslib.book import exercises as ex
from glasslib.book.runner import chapter_paths

CHAPTERS = chapter_paths()
#: The longest an exercise may take at the profile it names (the issue: under two minutes).
EXERCISE_SECONDS = 120


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_ends_with_two_or_three_exercises_with_worked_answers(path):
    found = ex.exercises(path)
    assert 2 <= len(found) <= 3, f"{path.name}: {len(found)} exercises"
    chapter = path.stem.split("_")[0].lstrip("0")
    for n, exercise in enumerate(found, 1):
        assert exercise.number == f"{chapter}.{n}"
        assert exercise.profile in ex.EXERCISE_PROFILES and len(exercise.answer) > 100
        compile(exercise.code, exercise.number, "exec")  # a syntax error is caught here, not in class
        assert "print(" in exercise.code, f"{path.name} {exercise.number}: an exercise shows its result"


def test_a_malformed_exercise_cell_is_refused(tmp_path):
    cell = {
        "cell_type": "markdown",
        "metadata": {},
        "source": [f"{ex.HEADING}\n\n**Exercise 1.1 — x** (`quick`). Why?\n\nno code, no answer"],
    }
    notebook = tmp_path / "01_x.ipynb"
    notebook.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ex.ExerciseError, match="python block and a dropdown worked answer"):
        ex.exercises(notebook)
    notebook.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(ex.ExerciseError, match="no '## Try it yourself' cell"):
        ex.exercises(notebook)


@pytest.mark.slow
def test_every_exercise_runs_on_the_smoke_book(smoke_book):
    _, _, run_dir = smoke_book
    done = subprocess.run(
        [sys.executable, "-m", "glasslib.book.exercises", "--profile", "smoke", "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=Path(__file__).resolve().parents[2],
    )
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    failed = {name: item["error"] for name, item in summary.items() if not item["ok"]}
    assert not failed and done.returncode == 0, failed
    assert len(summary) == sum(len(ex.exercises(p)) for p in CHAPTERS)
    slow = {name: item["seconds"] for name, item in summary.items() if item["seconds"] > EXERCISE_SECONDS}
    assert not slow, f"exercises over {EXERCISE_SECONDS} s at smoke: {slow}"
