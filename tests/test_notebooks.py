"""The source notebooks: committed without outputs, a literal-only parameters cell first, thin cells."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(ROOT.glob("notebooks/*.ipynb"))
MAX_CELL_LINES = 15
MAX_LINE_CHARS = 100


def code_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_there_are_chapters():
    assert len(NOTEBOOKS) >= 9


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    for cell in code_cells(path):
        assert cell.get("outputs") == [] and cell.get("execution_count") is None, f"{path.name}: strip outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_cell_has_a_unique_id(path):
    """nbformat 4.5 cell ids: a cell without one draws a warning in every book build, and will be an error."""
    ids = [cell.get("id") for cell in json.loads(path.read_text())["cells"]]
    assert None not in ids, f"{path.name}: cells {[i for i, x in enumerate(ids) if x is None]} have no id"
    assert len(set(ids)) == len(ids), f"{path.name}: repeated cell ids"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_is_parameters_with_literals_only(path):
    first = code_cells(path)[0]
    assert "parameters" in first["metadata"].get("tags", []), f"{path.name}: first code cell must be tagged parameters"
    for node in ast.parse("".join(first["source"])).body:
        assert isinstance(node, ast.Assign), f"{path.name}: only assignments in the parameters cell"
        ast.literal_eval(node.value)  # raises on anything but a literal
    assert {t.id for n in ast.parse("".join(first["source"])).body for t in n.targets} == {"profile", "overrides", "run_dir", "scheduler"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_cells_are_thin_and_plumbing_is_hidden(path):
    cells = code_cells(path)
    for cell in cells:
        lines = "".join(cell["source"]).strip().splitlines()
        assert len(lines) <= MAX_CELL_LINES, f"{path.name}: a code cell of {len(lines)} lines: move logic to glasslib"
        long = [line for line in lines if len(line) > MAX_LINE_CHARS]
        assert not long, f"{path.name}: code lines over {MAX_LINE_CHARS} characters: {long[0][:60]}…"
        assert "glue_numbers({" not in "".join(cell["source"]), f"{path.name}: glue through a chapter function, not an inline dict"
    setup = cells[1]
    assert "open_chapter(profile, overrides, run_dir)" in "".join(setup["source"]), f"{path.name}: set-up cell"
    assert "remove-cell" in setup["metadata"].get("tags", []), f"{path.name}: the set-up cell is plumbing: hide it"
    module = f"ch{path.stem}"
    assert f"from glasslib.chapters import {module}" in "".join(setup["source"]), f"{path.name}: import its chapter module {module}"
    assert (ROOT / "glasslib" / "chapters" / f"{module}.py").is_file(), f"{path.name}: glasslib/chapters/{module}.py is missing"
    for cell in cells[1:]:
        source = "".join(cell["source"])
        if "import " in source:
            assert "remove-cell" in cell["metadata"].get("tags", []), f"{path.name}: imports belong to the set-up cell"
