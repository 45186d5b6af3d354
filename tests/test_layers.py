"""The house's rules, checked: the import-linter layers, no import circles, modules under 500 lines, one hop to a chapter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "glasslib"


def _import_graph() -> nx.DiGraph:
    """Every glasslib module and what it imports (function-level imports included)."""
    graph = grimp.build_graph("glasslib")
    out = nx.DiGraph()
    for module in graph.modules:
        out.add_node(module)
        out.add_edges_from((module, imported) for imported in graph.find_modules_directly_imported_by(module))
    return out


def test_the_layer_contracts_of_pyproject_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_module_takes_part_in_an_import_circle():
    circles = [sorted(c) for c in nx.strongly_connected_components(_import_graph()) if len(c) > 1]
    assert circles == []


def test_every_module_stays_under_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}


def test_contributing_maps_every_chapter_to_one_chapter_module_that_exists():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    rows = re.findall(r"^\| `(\d\d[a-z]?)_\w+` \| `(glasslib\.[\w.]+)` \|", text, flags=re.M)
    chapters = {p.name.split("_")[0] for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert {chapter for chapter, _ in rows} == chapters
    for _, module in rows:
        assert (ROOT / Path(*module.split("."))).with_suffix(".py").is_file(), module
