"""The chapters' "Try it yourself" exercises: read from the notebooks, and run as a reader runs them.

Each chapter ends with a markdown cell headed ``## Try it yourself``. An exercise in it is a bold
title ``**Exercise 4.1 — Shift the picture** (`quick`)`` naming the profile at which its answer is
clearest, a question, one fenced ``python`` block to paste into a new cell at the end of the chapter
(it may use the chapter's ``prof`` and ``run_dir``), and a worked answer in a dropdown admonition,
which the HTML book shows behind a toggle.

``python -m glasslib.book.exercises --profile smoke --run-dir DIR`` runs every exercise of every
chapter against a run directory, each in the same fresh namespace a chapter's set-up gives
(``prof``, ``run_dir``), prints its time and exits non-zero if any fails; the test suite runs it
at ``smoke`` so that the exercises keep working as the library changes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

#: The heading of a chapter's exercise cell.
HEADING = "## Try it yourself"
#: The profiles an exercise may name.
EXERCISE_PROFILES = ("smoke", "quick")
#: An exercise's title line: number, title, profile.
_TITLE = re.compile(r"\*\*Exercise (?P<number>[0-9]+b?\.[0-9]+) — (?P<title>[^*]+)\*\* \(`(?P<profile>[a-z]+)`\)")
_CODE = re.compile(r"```python\n(?P<code>.*?)\n```", re.S)
_ANSWER = re.compile(r":::\{admonition\} Worked answer\n:class: dropdown\n(?P<answer>.*?)\n:::", re.S)


class ExerciseError(ValueError):
    """A chapter's exercise cell that does not follow the layout of the module docstring."""


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``chapter`` (notebook stem), ``number`` (e.g. ``"4.1"``), ``title``, ``profile``, ``code``, ``answer``."""

    chapter: str
    number: str
    title: str
    profile: str
    code: str
    answer: str


def exercise_cell(path: Path) -> str:
    """The text of the notebook's ``## Try it yourself`` cell; :class:`ExerciseError` if it has none."""
    for cell in json.loads(Path(path).read_text())["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown" and text.startswith(HEADING):
            return text
    raise ExerciseError(f"{Path(path).name} has no '{HEADING}' cell")


def exercises(path: Path) -> list[Exercise]:
    """The exercises of one chapter notebook, in order (module docstring)."""
    text = exercise_cell(path)
    starts = [m.start() for m in _TITLE.finditer(text)] + [len(text)]
    found = []
    for start, end in zip(starts[:-1], starts[1:]):
        block = text[start:end]
        title, code, answer = _TITLE.match(block), _CODE.search(block), _ANSWER.search(block)
        if code is None or answer is None:
            raise ExerciseError(f"{Path(path).name}, exercise {title['number']}: needs one ```python block and a dropdown worked answer")
        if title["profile"] not in EXERCISE_PROFILES:
            raise ExerciseError(
                f"{Path(path).name}, exercise {title['number']}: profile {title['profile']!r} is not one of {EXERCISE_PROFILES}"
            )
        found.append(
            Exercise(Path(path).stem, title["number"], title["title"].strip(), title["profile"], code["code"], answer["answer"].strip())
        )
    return found


def run_exercise(exercise: Exercise, profile: str, run_dir: Path) -> float:
    """Run one exercise's code as a chapter cell would (``prof``, ``run_dir`` defined); its wall time, s."""
    from glasslib.book.chapter import open_chapter

    prof, resolved = open_chapter(profile, {}, run_dir)
    namespace = {"__name__": "__main__", "prof": prof, "run_dir": resolved}
    started = time.perf_counter()
    exec(compile(exercise.code, f"<exercise {exercise.number}>", "exec"), namespace)  # the reader's own cell, as pasted
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run every exercise of the chapters against a run directory; print times, a JSON summary; 1 if any failed."""
    from glasslib.book.runner import chapter_paths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke")
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--only", nargs="*", default=None, help="notebook name prefixes")
    args = parser.parse_args(argv)
    summary = {}
    for path in chapter_paths(only=args.only):
        for exercise in exercises(path):
            name = f"{exercise.chapter} {exercise.number}"
            try:
                seconds = run_exercise(exercise, args.profile, args.run_dir)
                summary[name] = {"ok": True, "seconds": seconds}
            except Exception:  # report every failing exercise, not only the first
                summary[name] = {"ok": False, "error": traceback.format_exc(limit=4)}
            outcome = f"{summary[name]['seconds']:.1f} s" if summary[name]["ok"] else "FAILED"
            print(f"[exercises] {name} ({exercise.title}): {outcome}", flush=True)
    print(json.dumps(summary))
    return 0 if all(item["ok"] for item in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
