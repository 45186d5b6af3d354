"""The book as one PDF (``make pdf``): reading order, clear errors, and the smoke book printed whole."""

from __future__ import annotations

import re
import time

import pytest

from glasslib.book import pdf
from glasslib.book.runner import notebook_paths, project_root

#: `make pdf` at smoke, after the smoke book (issue: ≤ 3 minutes).
PDF_BUDGET_SECONDS = 180
#: What a printed page must never show: TeX source that MathJax did not typeset, or a progress bar.
RAW_LATEX = re.compile(r"\$\$|\\\(|\\\[|\\(frac|begin|mathrm|langle|sigma)\b")
PROGRESS_BAR = re.compile(r"\d+%\|[█▏▎▍▌▋▊▉ ]*\||\d+(\.\d+)?\s?(it|cell|fold|run)/s\]")


def test_the_reading_order_is_the_table_of_contents_with_the_abstract_first():
    pages = pdf.toc_pages(project_root() / "_toc.yml")
    assert pages[0] == "notebooks/00_abstract"
    assert pages.index("book/intro") < pages.index("notebooks/01_simulation") < pages.index("notebooks/10_paper_scale")
    assert pages.index("notebooks/09_dynamics") < pages.index("notebooks/08_conclusion")
    assert {f"notebooks/{p.stem}" for p in notebook_paths()} <= set(pages)
    assert len(pages) == len(set(pages))


def test_nested_sections_follow_their_chapter(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text(
        "format: jb-book\nroot: intro\nparts:\n  - chapters:\n    - file: a.md\n      sections:\n        - file: a1\n    - file: b\n"
    )
    assert pdf.toc_pages(toc) == ["intro", "a", "a1", "b"]


def test_the_page_title_drops_the_book_s_name(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><head><title>2. The glass transition temperature &#8212; Glasses, from MD</title></head></html>")
    assert pdf.page_title(page) == "2. The glass transition temperature"


def test_a_book_that_was_not_built_or_lacks_a_page_is_named(tmp_path):
    with pytest.raises(pdf.PdfError, match="build the book first"):
        pdf.build_pdf(tmp_path)
    (tmp_path / "stage").mkdir()
    (tmp_path / "stage" / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: a\n")
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "intro.html").write_text("<title>Intro</title>")
    with pytest.raises(pdf.PdfError, match=r"lacks \['a.html'\].*make book"):
        pdf.build_pdf(tmp_path)


def test_no_chromium_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("GLASSLIB_CHROMIUM", raising=False)
    with pytest.raises(pdf.PdfError, match="apt-get install chromium"):
        pdf.find_chromium()


def _chapter_text(reader, outline_starts: list[int], index: int) -> str:
    end = outline_starts[index + 1] if index + 1 < len(outline_starts) else len(reader.pages)
    return " ".join(reader.pages[i].extract_text() for i in range(outline_starts[index], end))


@pytest.mark.slow
def test_the_smoke_book_prints_whole_with_figures_numbers_and_math(smoke_book, chromium, tmp_path):
    from pypdf import PdfReader

    root, html, _ = smoke_book
    started = time.perf_counter()
    out = pdf.build_pdf(root / "build", tmp_path / "book.pdf")
    seconds = time.perf_counter() - started
    assert seconds < PDF_BUDGET_SECONDS, f"make pdf took {seconds:.0f} s at smoke"

    reader = PdfReader(out)
    pages = pdf.book_pages(html, root / "build" / "stage" / "_toc.yml")
    outline = reader.outline
    assert [item.title for item in outline] == [pdf.page_title(p) for p in pages]  # one bookmark per document, in order
    starts = [reader.get_destination_page_number(item) for item in outline]
    assert starts == sorted(starts) and len(reader.pages) >= len(pages)
    for index, page in enumerate(pages):
        text = _chapter_text(reader, starts, index)
        flat = re.sub(r"\s+", "", text)
        assert not RAW_LATEX.search(text), f"{page.name}: raw TeX in the PDF: {RAW_LATEX.search(text)[0]!r}"
        assert not PROGRESS_BAR.search(text), f"{page.name}: progress-bar text in the PDF: {PROGRESS_BAR.search(text)[0]!r}"
        source = page.read_text()
        glued = [v for v in re.findall(r'class="pasted-text">([^<]+)<', source) if re.fullmatch(r"[−\-]?\d[\d,.]*", v)]
        assert all(re.sub(r"\s+", "", v) in flat for v in glued), f"{page.name}: glued numbers missing from the PDF"
        figures = len(re.findall(r'<img[^>]+src="[^"]*_images/', source))
        images = sum(
            len(reader.pages[i].images) for i in range(starts[index], starts[index + 1] if index + 1 < len(starts) else len(reader.pages))
        )
        assert images >= figures, f"{page.name}: {figures} figures in the HTML, {images} images in the PDF"
    assert sum(len(p.images) for p in reader.pages) >= 10
