"""Run the book: execute the notebooks with papermill, then build the HTML with jupyter-book.

Source notebooks in ``notebooks/`` carry no outputs. :func:`build_book` executes each, in order,
into a staging copy of the book (``_build/stage``) with the profile as papermill parameters, and
jupyter-book (``execute_notebooks: off``) renders the executed copies into ``_build/html``.
Finished work is reused: every chapter caches its products in the run directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from glasslib.atomic import write_json_atomic
from glasslib.book.console import quiet_runtime_chatter, strip_progress_bars, strip_runtime_noise, ticking_bars
from glasslib.cluster import SHARED_LOCAL_ENV
from glasslib.console_scripts import console_script
from glasslib.profiles import Profile
from glasslib.progress import CONSOLE_ENV, QUIET

BOOK_FILES = ("_config.yml", "_toc.yml", "book", "_static")


def project_root() -> Path:
    """The folder holding ``_toc.yml`` and ``notebooks/``: beside the glasslib package, else upwards from cwd."""
    candidates = [Path(__file__).resolve().parent.parent, *Path.cwd().resolve().parents, Path.cwd().resolve()]
    for folder in candidates:
        if (folder / "_toc.yml").exists() and (folder / "notebooks").is_dir():
            return folder
    raise FileNotFoundError("cannot find the book (a folder with _toc.yml and notebooks/); run from the project")


#: Pages that read every chapter's results (``glasslib results``): they run after all the others, in this order.
READS_EVERY_CHAPTER = ("08_conclusion", "00_abstract")
#: The landing page: not a chapter (no exercises).
ABSTRACT = "00_abstract"


def notebook_paths(root: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """Source notebooks in the order they run (``notebooks/NN_*.ipynb``), optionally those whose name starts with ``only``.

    Chapters run in book order; the conclusion and the abstract (:data:`READS_EVERY_CHAPTER`) run last,
    since they read every chapter's results.
    """
    paths = sorted((root or project_root()).joinpath("notebooks").glob("[0-9][0-9]*.ipynb"))
    paths.sort(key=lambda p: READS_EVERY_CHAPTER.index(p.stem) + 1 if p.stem in READS_EVERY_CHAPTER else 0)
    if only:
        paths = [p for p in paths if any(p.name.startswith(prefix) for prefix in only)]
    return paths


def chapter_paths(root: Path | None = None, only: list[str] | None = None) -> list[Path]:
    """The chapters among :func:`notebook_paths`: every notebook but the abstract (a landing page has no exercises)."""
    return [p for p in notebook_paths(root, only) if p.stem != ABSTRACT]


def notebook_parameters(
    profile: Profile, overrides: Mapping[str, Any] | None, run_dir: Path | None, scheduler: str | None = None
) -> dict[str, Any]:
    """The papermill parameters every chapter takes; the run directory is always explicit (never a ``glasslib lab`` session's).

    ``scheduler`` (a Dask scheduler address or scheduler file, :mod:`glasslib.cluster`) is where the
    chapters' heavy steps run; a scheduler file is passed as an absolute path (kernels run in ``notebooks/``).
    """
    if scheduler is not None and "://" not in scheduler:
        scheduler = str(Path(scheduler).resolve())
    return {
        "profile": profile.name,
        "overrides": dict(overrides or {}),
        "run_dir": str(Path(run_dir or profile.run_dir()).resolve()),
        "scheduler": scheduler,
    }


def parametrise_notebooks(
    profile: Profile, out_dir: Path, overrides: Mapping[str, Any] | None = None, run_dir: Path | None = None
) -> list[Path]:
    """Write copies of the notebooks with the profile injected but not executed (for nbval)."""
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in notebook_paths():
        notebook = load_notebook_node(str(source))  # gives every cell a tags list, as papermill expects
        notebook = parameterize_notebook(notebook, notebook_parameters(profile, overrides, run_dir))
        target = out_dir / source.name
        nbformat.write(notebook, target)
        written.append(target)
    return written


def execute_notebooks(
    profile: Profile,
    stage: Path,
    overrides: Mapping[str, Any] | None = None,
    run_dir: Path | None = None,
    only: list[str] | None = None,
    scheduler: str | None = None,
    verbose: bool = False,
) -> list[tuple[str, float]]:
    """Execute the notebooks in order with papermill into ``stage/notebooks``; return (name, seconds).

    With ``scheduler`` the chapters' heavy steps run on that Dask cluster (see :func:`notebook_parameters`).
    The console shows one bar (the chapter's cells) and one time per chapter; ``verbose`` adds every heavy
    step's own bar (simulations, folds, ensembles).
    """
    import papermill

    root = project_root()
    (stage / "notebooks").mkdir(parents=True, exist_ok=True)
    timings = []
    # The kernels inherit these: step bars on the console (verbose) or nowhere, never in pages; one LocalCluster per chapter.
    kernel_environment = {CONSOLE_ENV: "1" if verbose else QUIET, SHARED_LOCAL_ENV: "1"}
    with quiet_runtime_chatter(), environment(kernel_environment), ticking_bars():
        for source in notebook_paths(root, only):
            started = time.perf_counter()
            papermill.execute_notebook(
                str(source),
                str(stage / "notebooks" / source.name),
                parameters=notebook_parameters(profile, overrides, run_dir, scheduler),
                cwd=str(root / "notebooks"),
                kernel_name="python3",
                progress_bar={"desc": f"[glasslib book] {source.stem} ({profile.label})", "unit": "cell"},
            )
            tidy_executed_notebook(stage / "notebooks" / source.name)
            seconds = time.perf_counter() - started
            timings.append((source.name, seconds))
            print(f"[glasslib book] {source.stem}: {seconds:.1f} s", flush=True)
    return timings


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set these environment variables (inherited by the kernels started meanwhile), restoring the previous ones after."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def tidy_executed_notebook(path: Path) -> None:
    """Prepare an executed notebook for the book, in place.

    Tags the ``parameters`` cell and the one papermill injects ``remove-cell`` (plumbing: each chapter's
    tables name the profile beside the paper's values) and removes TensorFlow's runtime start-up chatter and progress bars from stderr outputs (streams left
    empty are dropped); every other output, warnings included, stays.
    """
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = cell.metadata.setdefault("tags", [])
        if {"parameters", "injected-parameters"} & set(tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = strip_progress_bars(strip_runtime_noise(output["text"]))
                if not output["text"].strip():
                    continue
            outputs.append(output)
        cell["outputs"] = outputs
    nbformat.write(notebook, path)


def stage_book_files(stage: Path) -> None:
    """Copy the book's configuration and prose chapters into the staging folder."""
    root = project_root()
    stage.mkdir(parents=True, exist_ok=True)
    for name in BOOK_FILES:
        source, target = root / name, stage / name
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)


def jupyter_book_build(stage: Path, html_dir: Path) -> Path:
    """Build ``stage`` with jupyter-book, warnings as errors; copy the HTML to ``html_dir``."""
    done = subprocess.run(
        [console_script("jupyter-book"), "build", str(stage), "--warningiserror", "--keep-going", "--quiet"], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}")
    if html_dir.exists():
        shutil.rmtree(html_dir)
    shutil.copytree(stage / "_build" / "html", html_dir)
    return html_dir


def record_timings(path: Path, label: str, timings: dict[str, float]) -> dict[str, Any]:
    """Merge this execution's notebook times (s) into ``path``; a different profile starts afresh."""
    record: dict[str, Any] = {"profile": label, "notebooks": {}}
    if path.exists():
        previous = json.loads(path.read_text())
        if previous.get("profile") == label:
            record = previous
    record["notebooks"].update(timings)
    record["total_seconds"] = sum(record["notebooks"].values())
    write_json_atomic(path, record)
    return record


def build_book(
    profile: Profile,
    overrides: Mapping[str, Any] | None = None,
    run_dir: Path | None = None,
    build_dir: Path | None = None,
    only: list[str] | None = None,
    execute: bool = True,
    scheduler: str | None = None,
    verbose: bool = False,
) -> Path:
    """Execute the notebooks (unless ``execute=False``) and build the HTML book; return the HTML folder.

    Parameters
    ----------
    profile : Profile
        Scale to run at; its name and ``overrides`` become the notebooks' papermill parameters.
    run_dir : Path, optional
        Run directory the notebooks use (default ``runs/<profile label>``).
    build_dir : Path, optional
        Output root (default ``<project>/_build``): ``stage/`` holds the executed book, ``html/`` the result.
    only : list of str, optional
        Execute only the notebooks whose names start with these prefixes (others keep their last executed copy).
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``) or scheduler file: the simulations, the
        nested-CV searches and the ensembles run there (default: one LocalCluster per chapter, shared by its steps).
    verbose : bool
        Show every heavy step's progress bar on the console, not only each chapter's.
    """
    build_dir = Path(build_dir or project_root() / "_build").resolve()
    stage = build_dir / "stage"
    stage_book_files(stage)
    if execute:
        timings = execute_notebooks(profile, stage, overrides, run_dir, only, scheduler, verbose)
        record_timings(build_dir / "timings.json", profile.label, dict(timings))
    missing = [p.name for p in notebook_paths() if not (stage / "notebooks" / p.name).exists()]
    if missing:
        raise FileNotFoundError(f"no executed copy of {missing} in {stage}; run `glasslib book` without --no-execute")
    return jupyter_book_build(stage, build_dir / "html")
