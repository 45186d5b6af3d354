"""The whole book as one PDF, built offline from the HTML book (``make pdf``, ``glasslib pdf``).

Every page of the built HTML, in the order of the book's ``_toc.yml``, is printed by headless Chromium
(Debian's ``chromium`` package, which ``.ci/run`` installs) with the book's print stylesheet
(``_static/print.css``: no sidebars, no code toggles), after MathJax has typeset the math; the pages
are joined with pypdf into one file with a bookmark per chapter. Figures, glued numbers and math come
out as the HTML shows them: nothing is downloaded and nothing is executed again.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

#: Virtual time (ms) Chromium gives a page before printing: MathJax and the figures finish well within it.
VIRTUAL_TIME_MS = 20_000
#: Seconds one page may take to print before the build stops with an error.
PAGE_TIMEOUT_S = 120


class PdfError(RuntimeError):
    """The PDF cannot be built: what is missing and how to get it."""


def find_chromium() -> str:
    """Path of a Chromium to print with: ``$GLASSLIB_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on the PATH."""
    for candidate in (os.environ.get("GLASSLIB_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    raise PdfError(
        "no Chromium to print the book with: install Debian's package (`apt-get install chromium`, as .ci/run does) "
        "or point GLASSLIB_CHROMIUM at a Chromium or Chrome binary"
    )


def toc_pages(toc: Path) -> list[str]:
    """The book's documents in reading order (root first, then each part's chapters and their sections), as in ``_toc.yml``.

    Read with sphinx-external-toc, the parser jupyter-book builds the book with.
    """
    from sphinx_external_toc.api import FileItem
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(str(toc))
    pages: list[str] = []

    def walk(docname: str) -> None:
        pages.append(re.sub(r"\.(ipynb|md)$", "", docname))  # a file named with its suffix is the same page
        for subtree in site_map[docname].subtrees:
            for item in subtree.items:
                if isinstance(item, FileItem):
                    walk(str(item))

    walk(site_map.root.docname)
    return pages


def page_title(html: Path) -> str:
    """The page's own title: its ``<title>`` without the book's name after the separator."""
    found = re.search(r"<title>(.*?)</title>", html.read_text(errors="replace"), flags=re.S)
    title = found.group(1).strip() if found else html.stem
    return re.split(r"\s+[—|–-]\s+|&#8212;", title)[0].strip()


def print_page(chromium: str, html: Path, pdf: Path) -> Path:
    """Print one HTML page to ``pdf`` with headless Chromium (A4, no header or footer)."""
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--virtual-time-budget={VIRTUAL_TIME_MS}",
        "--run-all-compositor-stages-before-draw",
        f"--print-to-pdf={pdf}",
        html.resolve().as_uri(),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PAGE_TIMEOUT_S)
    except subprocess.TimeoutExpired as error:
        raise PdfError(f"Chromium did not print {html.name} within {PAGE_TIMEOUT_S} s") from error
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise PdfError(f"Chromium could not print {html.name} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return pdf


def book_pages(html_dir: Path, toc: Path) -> list[Path]:
    """The HTML file of every document of the book in reading order; a clear error if the book is not built."""
    html_dir = Path(html_dir)
    if not html_dir.is_dir():
        raise PdfError(f"no built book at {html_dir}: build it first (`make book`, or `glasslib book --build-dir …`)")
    pages = [html_dir / f"{page}.html" for page in toc_pages(toc)]
    missing = [str(p.relative_to(html_dir)) for p in pages if not p.is_file()]
    if missing:
        raise PdfError(f"the built book at {html_dir} lacks {missing}: rebuild it (`make book`) before `make pdf`")
    return pages


def build_pdf(build_dir: Path, out: Path | None = None, workers: int = 2) -> Path:
    """Print the book built in ``build_dir`` (``html/`` and the ``stage/_toc.yml`` it was built from) to one PDF.

    Parameters
    ----------
    build_dir : Path
        The book's build folder (``glasslib book --build-dir``; default project ``_build``).
    out : Path, optional
        Where the PDF goes (default ``<build_dir>/glasslib-book.pdf``).
    workers : int
        Pages printed at once (one Chromium each).

    Returns
    -------
    Path of the PDF: one bookmark per document, in the order of the table of contents.
    """
    from pypdf import PdfWriter

    build_dir = Path(build_dir).resolve()
    toc = build_dir / "stage" / "_toc.yml"
    if not toc.is_file():
        raise PdfError(f"no {toc}: build the book first (`make book`, or `glasslib book --build-dir {build_dir}`)")
    pages = book_pages(build_dir / "html", toc)
    chromium = find_chromium()
    out = Path(out or build_dir / "glasslib-book.pdf").resolve()
    with tempfile.TemporaryDirectory(prefix="glasslib-pdf-") as scratch:
        targets = [Path(scratch) / f"{index:03d}.pdf" for index in range(len(pages))]
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            printed = list(pool.map(lambda pair: print_page(chromium, *pair), zip(pages, targets)))
        writer = PdfWriter()
        for html, pdf in zip(pages, printed):
            first = len(writer.pages)
            writer.append(str(pdf))
            writer.add_outline_item(title=page_title(html), page_number=first)
        writer.add_metadata({"/Title": book_title(build_dir / "stage" / "_config.yml")})
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_suffix(".pdf.partial")
        with open(partial, "wb") as handle:
            writer.write(handle)
        partial.replace(out)  # a failed build never leaves half a PDF under the final name
    return out


def book_title(config: Path) -> str:
    """The book's title from its ``_config.yml``."""
    return str(yaml.safe_load(config.read_text()).get("title", "glasslib")) if config.is_file() else "glasslib"
