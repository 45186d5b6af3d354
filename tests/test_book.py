"""The whole book at the smoke profile: papermill executes every chapter, jupyter-book builds it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from glasslib.book import runner
from glasslib.profiles import get_profile

pytestmark = pytest.mark.slow

SMOKE_BUDGET_SECONDS = 300


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The smoke book, built into a temporary folder. `make test` points GLASSLIB_TEST_RUN_DIR at the
    run directory the nbval pass uses afterwards, so the notebooks' products are computed once."""
    root = tmp_path_factory.mktemp("book")
    run_dir = Path(os.environ.get("GLASSLIB_TEST_RUN_DIR", root / "runs"))
    html = runner.build_book(get_profile("smoke"), run_dir=run_dir, build_dir=root / "build")
    return root, html


def test_every_chapter_is_rendered_with_glued_numbers(built):
    _, html = built
    assert (html / "index.html").exists()
    for source in runner.notebook_paths():
        page = html / "notebooks" / (source.stem + ".html")
        assert page.exists(), f"{page} was not built"
        text = page.read_text()
        assert "Traceback" not in text
        assert "absl::InitializeLog" not in text and "oneDNN custom operations" not in text, page
    tg_page = (html / "notebooks" / "02_tg.html").read_text()
    # the glued Tg appears as a number in the prose
    assert re.search(r"The slow schedule gives Tg = <span[^>]*>[^<]*\d\.\d{3}", tg_page) or re.search(
        r"Tg = \d\.\d{3}", re.sub(r"<[^>]+>", "", tg_page))


@pytest.mark.parametrize("line, noise", [
    ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n", True),
    ("I0000 00:00:1795251656.934949   11058 port.cc:153] oneDNN custom operations are on.\n", True),
    ("E0000 00:00:1795249595.969395    2839 util.cc:131] oneDNN supports DT_UINT8 only on AVX-512.\n", True),
    ("To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with flags.\n", True),
    ("UserWarning: the fit did not converge\n", False),
    ("100%|██████████| 18/18 [00:10<00:00]\n", False),
])
def test_runtime_noise_is_stripped_and_nothing_else(line, noise):
    kept = runner.strip_runtime_noise("before\n" + line + "after\n")
    assert kept == ("before\nafter\n" if noise else "before\n" + line + "after\n")


def test_smoke_book_fits_its_time_budget(built):
    root, _ = built
    timings = json.loads((root / "build" / "timings.json").read_text())
    assert timings["profile"] == "smoke"
    assert timings["total_seconds"] < SMOKE_BUDGET_SECONDS, timings


def test_a_chapter_run_without_its_predecessor_says_what_to_run(tmp_path):
    import papermill

    source = runner.notebook_paths(only=["02"])[0]
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(str(source), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   parameters=runner.notebook_parameters(get_profile("smoke"), {}, tmp_path / "empty"),
                                   cwd=str(source.parent), progress_bar=False)
    assert "run notebooks/01_simulation.ipynb first" in str(info.value)


def test_built_attention_page_moves_its_slider_in_headless_chromium(built):
    """The published chapter 06 page: its kernel-free explorer swaps the picture when the cutoff moves."""
    import shutil

    from test_widgets import CHROMIUM, dump_dom, shown

    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (Debian's chromium; .ci/run installs it)")
    _, html = built
    page = html / "notebooks" / "06_attention.html"
    low, high = (shown(dump_dom(page, f"#cutoff={k}&configuration=0")) for k in (0, 9))
    assert low[0] == "0,0" and high[0] == "0,9"  # the page's script ran and read the slider position
    assert low[1] != high[1] and low[2] != high[2]  # another picture, other counts
