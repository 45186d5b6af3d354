"""The attention explorer: live in JupyterLab, precomputed in the published book (chapter 06).

DESIGN.md, "Interactive pieces": ipywidgets for live exploration in a kernel, and for the HTML
book a kernel-free copy whose states are precomputed and switched in the browser.

- :func:`render_state` — **the one function both use**: draw a configuration's attention at a cutoff
  (:func:`glasslib.book.figures.attention.draw_attention`) to PNG bytes and compute its four counts
  (:func:`glasslib.interpretation.attention_counts.attention_counts`). Its output depends only on its arguments, so
  the static page shows, for a (configuration, cutoff) of its grid, exactly the bytes the live
  widget shows for the same cutoff.
- :func:`explorer` — ipywidgets: data set, class and configuration pickers, a ``FloatSlider`` for
  the cutoff, ``Checkbox`` toggles for the highlights, an ``Image`` and the counts, redrawn live.
  :func:`fold_explorer` opens it on chapter 06's folds (JupyterLab, and ``glasslib explore``).
- :func:`static_explorer_html` — self-contained HTML (PNG as base64 ``data:`` URIs, a few lines of
  vanilla JavaScript, no external script, no CDN): a range slider over a grid of cutoffs and a
  select over a few configurations swap the image and the counts.
  :func:`static_explorer` wraps it in ``IPython.display.HTML`` for a notebook cell.
  :func:`cutoff_grid` picks the grid around the automatic cutoff.

The static page reads an optional URL fragment on load, ``#cutoff=<i>&configuration=<j>`` (indices
into the grid and the select), so a link can open it at a given state; the headless-Chromium
test uses it to move the slider without DevTools. It applies to every explorer on the page.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import io
import json
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from glasslib.book.figures.attention import COLOUR_BB, draw_attention
from glasslib.book.figures.palette import COLOUR_A, COLOUR_B
from glasslib.interpretation.attention import AttentionGraph
from glasslib.interpretation.attention_counts import COUNT_LABELS, attention_counts
from glasslib.interpretation.attention_cutoff import high_attention_cutoff
from glasslib.progress import progress_bar

#: Limits of the precomputed page (its size grows with their product).
MAX_CONFIGURATIONS = 6


MAX_CUTOFFS = 15


#: Default image width in pixels (the figure is 10 % taller, for the legend).
SIZE_PX = 400


_DPI = 100


@dataclass(frozen=True)
class AttentionState:
    """One state of the explorer: the drawing as PNG bytes and the four counts."""

    png: bytes
    counts: dict[str, int]


def render_state(
    graph: AttentionGraph, cutoff: float, highlight_isolated: bool = True, highlight_bb: bool = True, size_px: int = SIZE_PX
) -> AttentionState:
    """Draw ``graph`` at ``cutoff`` to PNG and count (the state function shared by both explorers).

    Uses a pyplot-free Agg figure of ``size_px × 1.1 size_px`` pixels, so no figure is left open
    and repeated calls with the same arguments give the same bytes; the PNG is stored with a fixed
    8-bit palette (:func:`_compact_png`, ≈ 20 kB at 400 px) to keep the static page small.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    inches = size_px / _DPI
    figure = Figure(figsize=(inches, 1.1 * inches), dpi=_DPI)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.16, 0.2, 0.8, 0.72))
    draw_attention(
        ax, graph, cutoff, highlight_isolated, highlight_bb, max_width=3.0 * size_px / SIZE_PX, dot_size=14.0 * (size_px / SIZE_PX) ** 2
    )
    ax.tick_params(labelsize=7)
    ax.xaxis.label.set_size(8)
    ax.yaxis.label.set_size(8)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return AttentionState(_compact_png(buffer.getvalue()), attention_counts(graph, cutoff))


@functools.lru_cache(maxsize=1)
def _palette() -> Any:
    """A fixed 8-bit palette for the drawings: white-to-colour ramps of black, A orange, B blue and
    the B–B green, darkened A/B/green, and mixes of the three colours (98 entries)."""
    from matplotlib.colors import to_rgb
    from PIL import Image

    keys = [np.array(to_rgb(c)) for c in ("black", COLOUR_A, COLOUR_B, COLOUR_BB)]
    white = np.ones(3)
    colours = [white] + [white + (k - white) * s for k in keys for s in np.linspace(0, 1, 17)[1:]]
    colours += [k * (1 - s) for k in keys[1:] for s in np.linspace(0, 1, 9)[1:-1]]
    colours += [keys[a] * (1 - s) + keys[b] * s for a in range(1, 4) for b in range(a + 1, 4) for s in np.linspace(0, 1, 6)[1:-1]]
    flat = (np.array(colours) * 255).round().astype(np.uint8).ravel().tolist()
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat + flat[:3] * (256 - len(colours)))
    return palette


def _compact_png(png: bytes) -> bytes:
    """The PNG mapped onto :func:`_palette` without dithering: about a quarter of the RGBA bytes,
    the drawing's own colours kept exactly (antialiased edges go to the nearest palette entry)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(palette=_palette(), dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def counts_html(counts: Mapping[str, int], cutoff: float) -> str:
    """The counts as a small HTML table (the same layout in both explorers)."""
    rows = "".join(
        f'<tr><td>{html.escape(label)}</td><td class="gae-count" data-count="{name}" '
        f'style="text-align:right;padding-left:1em">{int(counts[name])}</td></tr>'
        for name, label in COUNT_LABELS.items()
    )
    return (
        f'<table style="font-size:0.9em"><tr><td>cutoff</td><td class="gae-cutoff" '
        f'style="text-align:right;padding-left:1em">{_format_cutoff(cutoff)}</td></tr>{rows}</table>'
    )


def _format_cutoff(cutoff: float) -> str:
    return f"{cutoff:.3e}"


def _option_label(graph: AttentionGraph) -> str:
    return f"{graph.class_name} {graph.configuration} (P(glass) = {graph.probability:.2f})"


class AttentionExplorer:
    """The live explorer's widgets (attributes) and its layout (``widget``); displays as ``widget``.

    Attributes
    ----------
    dataset, label, configuration : Dropdown, ToggleButtons, Dropdown — the pickers.
    cutoff : FloatSlider. isolated, bb : Checkbox — the highlights.
    image : Image — the current drawing (PNG of :func:`render_state`). counts : HTML — the counts.
    widget : VBox — everything, laid out.
    state : AttentionState — what is shown now.
    """

    def __init__(
        self,
        graphs_by_key: Mapping[Hashable, Sequence[AttentionGraph]],
        cutoffs: Mapping[Hashable, float] | float | None = None,
        size_px: int = SIZE_PX,
        slider_steps: int = 400,
    ) -> None:
        import ipywidgets as w

        if not graphs_by_key or any(len(graphs) == 0 for graphs in graphs_by_key.values()):
            raise ValueError("explorer needs at least one attention graph per data set")
        self.graphs_by_key = {key: list(graphs) for key, graphs in graphs_by_key.items()}
        self.size_px, self.slider_steps = size_px, slider_steps
        self.cutoffs = {
            key: (
                high_attention_cutoff(np.concatenate([g.weights for g in graphs]))
                if cutoffs is None
                else float(cutoffs)
                if np.isscalar(cutoffs)
                else float(cutoffs[key])
            )
            for key, graphs in self.graphs_by_key.items()
        }
        keys = list(self.graphs_by_key)
        self.dataset = w.Dropdown(options=[(str(key), key) for key in keys], value=keys[0], description="data set")
        self.label = w.ToggleButtons(options=[("glass", 1), ("liquid", 0)], value=1, description="class")
        self.configuration = w.Dropdown(description="configuration", layout=w.Layout(width="max-content"))
        self.cutoff = w.FloatSlider(description="cutoff", readout_format=".2e", continuous_update=False, layout=w.Layout(width="420px"))
        self.isolated = w.Checkbox(value=True, description="ring isolated A")
        self.bb = w.Checkbox(value=True, description="mark B–B high attention")
        self.image = w.Image(format="png", width=size_px)
        self.counts = w.HTML()
        self._busy = False
        self._on_dataset()
        self.dataset.observe(lambda _: self._on_dataset(), names="value")
        self.label.observe(lambda _: None if self._busy else self._on_class(), names="value")
        for control in (self.configuration, self.cutoff, self.isolated, self.bb):
            control.observe(lambda _: self.redraw(), names="value")
        self.widget = w.VBox(
            [
                w.HBox([self.dataset, self.label]),
                self.configuration,
                self.cutoff,
                w.HBox([self.isolated, self.bb]),
                w.HBox([self.image, self.counts]),
            ]
        )

    def _on_dataset(self) -> None:
        graphs = self.graphs_by_key[self.dataset.value]
        top = max(float(np.max(g.weights)) if g.weights.size else 0.0 for g in graphs)
        cutoff = self.cutoffs[self.dataset.value]
        top = max(top, cutoff) * 1.1 or 1.0  # the far end is above every weight: no high-attention edge
        self._busy = True
        try:  # widen first so that neither bound rejects the new value
            self.cutoff.max = max(self.cutoff.max, top)
            self.cutoff.min = 0.0
            self.cutoff.step = top / self.slider_steps
            self.cutoff.value = cutoff
            self.cutoff.max = top
            if not any(g.label == self.label.value for g in graphs):
                self.label.value = graphs[0].label
        finally:
            self._busy = False
        self._on_class()

    def _on_class(self) -> None:
        mine = [(_option_label(g), i) for i, g in enumerate(self.graphs_by_key[self.dataset.value]) if g.label == self.label.value]
        self._busy = True
        try:
            self.configuration.options = mine or [("(none of this class)", None)]
            self.configuration.value = mine[0][1] if mine else None
        finally:
            self._busy = False
        self.redraw()

    def current_graph(self) -> AttentionGraph | None:
        """The graph picked now (``None`` when the data set has none of the class picked)."""
        index = self.configuration.value
        return None if index is None else self.graphs_by_key[self.dataset.value][index]

    def redraw(self) -> None:
        """Render the current state (:func:`render_state`) into ``image`` and ``counts``."""
        if self._busy:
            return
        graph = self.current_graph()
        if graph is None:
            return
        self.state = render_state(graph, float(self.cutoff.value), self.isolated.value, self.bb.value, self.size_px)
        # counts first: a front end (or a test) that sees the new image has the new counts already
        self.counts.value = counts_html(self.state.counts, float(self.cutoff.value))
        self.image.value = self.state.png

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def explorer(
    graphs_by_key: Mapping[Hashable, Sequence[AttentionGraph]],
    cutoffs: Mapping[Hashable, float] | float | None = None,
    size_px: int = SIZE_PX,
) -> AttentionExplorer:
    """The live attention explorer for JupyterLab (needs a kernel; the book shows :func:`static_explorer`).

    Parameters
    ----------
    graphs_by_key : data-set name (e.g. ``"data set 1, l_win 0.2"``) → its attention graphs.
    cutoffs : the initial cutoff per data set, one for all, or ``None`` for
        :func:`~glasslib.interpretation.attention_cutoff.high_attention_cutoff` of each data set's pooled weights.
    size_px : image width, pixels.

    Returns
    -------
    AttentionExplorer — display it (last expression of a cell, or ``display(...)``).
    """
    return AttentionExplorer(graphs_by_key, cutoffs, size_px)


def fold_explorer(graphs: Sequence[AttentionGraph], dataset: int = 1, size_px: int = SIZE_PX) -> AttentionExplorer:
    """The live explorer over chapter 06's outer-test graphs, one entry per fold with that fold's cutoff.

    ``graphs``: :func:`glasslib.interpretation.attention.fold_attention_graphs` (each tagged with its fold);
    the cutoffs are :func:`glasslib.interpretation.attention_cutoff.fold_cutoffs` of those graphs, as the chapter draws them.
    """
    from glasslib.interpretation.attention_cutoff import fold_cutoffs

    cutoffs = fold_cutoffs(graphs)
    keys = {fold: f"data set {dataset}, fold {fold}" for fold in cutoffs}
    by_key = {keys[fold]: [g for g in graphs if g.fold == fold] for fold in cutoffs}
    return explorer(by_key, {keys[fold]: choice.cutoff for fold, choice in cutoffs.items()}, size_px)


def cutoff_grid(
    weights: np.ndarray, n: int = 11, cutoff: float | None = None, quantiles: tuple[float, float] = (0.05, 0.999)
) -> np.ndarray:
    """``n`` increasing cutoffs for the static explorer, geometric between two quantiles of the
    weights, with the automatic (or given) ``cutoff`` replacing its nearest grid point."""
    if not 2 <= n <= MAX_CUTOFFS:
        raise ValueError(f"n must lie in 2 … {MAX_CUTOFFS}, got {n}")
    weights = np.asarray(weights, dtype=float).ravel()
    weights = weights[np.isfinite(weights) & (weights > 0)]
    cutoff = high_attention_cutoff(weights) if cutoff is None else float(cutoff)
    low, high = np.quantile(weights, quantiles)
    low, high = min(low, cutoff), max(high, cutoff)
    grid = np.geomspace(low, high, n) if high > low else np.full(n, low)
    grid[int(np.argmin(np.abs(np.log(grid) - np.log(max(cutoff, 1e-300)))))] = cutoff
    return np.unique(grid)


def precompute_states(
    graphs: Sequence[AttentionGraph],
    cutoffs: Sequence[float],
    highlight_isolated: bool = True,
    highlight_bb: bool = True,
    size_px: int = SIZE_PX,
    progress: bool = False,
) -> list[list[AttentionState]]:
    """:func:`render_state` of every configuration (rows) at every cutoff (columns); ``progress``
    shows a tqdm bar (≈ 0.2 s per state at 400 px)."""
    bar = None
    if progress:
        bar = progress_bar(total=len(graphs) * len(cutoffs), desc="explorer states")
    states = []
    try:
        for g in graphs:
            row = []
            for c in cutoffs:
                row.append(render_state(g, float(c), highlight_isolated, highlight_bb, size_px))
                if bar is not None:
                    bar.update()
            states.append(row)
    finally:
        if bar is not None:
            bar.close()
    return states


_SCRIPT = """(function () {
  var root = document.getElementById(%(id)s), d = JSON.parse(root.querySelector("script.gae-data").textContent);
  var slider = root.querySelector("input.gae-slider"), select = root.querySelector("select.gae-select");
  var img = root.querySelector("img.gae-image"), shown = root.querySelector("span.gae-value");
  function show() {
    var c = +select.value, k = +slider.value, counts = d.counts[c][k];
    img.src = "data:image/png;base64," + d.images[d.state[c][k]];
    shown.textContent = d.labels[k];
    root.querySelector("td.gae-cutoff").textContent = d.labels[k];
    root.querySelectorAll("td.gae-count").forEach(function (cell, i) { cell.textContent = counts[i]; });
    root.setAttribute("data-state", c + "," + k);
  }
  slider.addEventListener("input", show);
  select.addEventListener("change", show);
  show();
  var hash = window.location.hash, m;  // #cutoff=<i>&configuration=<j>: moved as a reader would
  if ((m = /[#&]configuration=(\\d+)/.exec(hash)) && +m[1] < select.options.length) {
    select.value = m[1]; select.dispatchEvent(new Event("change"));
  }
  if ((m = /[#&]cutoff=(\\d+)/.exec(hash)) && +m[1] < d.labels.length) {
    slider.value = m[1]; slider.dispatchEvent(new Event("input"));
  }
})();"""


def static_explorer_html(
    graphs: Sequence[AttentionGraph] | Mapping[str, AttentionGraph],
    cutoffs: Sequence[float],
    initial_cutoff: int | None = None,
    highlight_isolated: bool = True,
    highlight_bb: bool = True,
    size_px: int = SIZE_PX,
    title: str | None = None,
    progress: bool = False,
) -> str:
    """A self-contained, kernel-free attention explorer (module docstring).

    Parameters
    ----------
    graphs : at most :data:`MAX_CONFIGURATIONS` attention graphs (or option label → graph).
    cutoffs : at most :data:`MAX_CUTOFFS` cutoff values (sorted increasingly; e.g. :func:`cutoff_grid`).
    initial_cutoff : index into ``cutoffs`` shown first (default the middle one).
    highlight_isolated, highlight_bb : as in :func:`~glasslib.book.figures.attention.draw_attention` (fixed here).
    size_px : image width, pixels.
    title : optional heading.
    progress : show a tqdm bar while the states are drawn.

    Returns
    -------
    str — one ``<div>`` with the controls, the first state rendered in place (readable without
    JavaScript), the states as JSON (identical images stored once) and an inline script. The
    element id is derived from the content, so the same input gives the same HTML.
    """
    labels = list(graphs) if isinstance(graphs, Mapping) else [_option_label(g) for g in graphs]
    graphs = list(graphs.values()) if isinstance(graphs, Mapping) else list(graphs)
    cutoffs = [float(c) for c in cutoffs]
    if not 1 <= len(graphs) <= MAX_CONFIGURATIONS:
        raise ValueError(f"the static explorer holds 1 … {MAX_CONFIGURATIONS} configurations, got {len(graphs)}")
    if not 1 <= len(cutoffs) <= MAX_CUTOFFS:
        raise ValueError(f"the static explorer holds 1 … {MAX_CUTOFFS} cutoffs, got {len(cutoffs)}")
    if any(b <= a for a, b in zip(cutoffs, cutoffs[1:])) or not np.all(np.isfinite(cutoffs)):
        raise ValueError("cutoffs must be finite and strictly increasing")
    k0 = len(cutoffs) // 2 if initial_cutoff is None else int(initial_cutoff)
    if not 0 <= k0 < len(cutoffs):
        raise ValueError(f"initial_cutoff must index the {len(cutoffs)} cutoffs, got {initial_cutoff}")
    states = precompute_states(graphs, cutoffs, highlight_isolated, highlight_bb, size_px, progress)
    where: dict[bytes, int] = {}
    table = [[where.setdefault(s.png, len(where)) for s in row] for row in states]
    images = [base64.b64encode(png).decode("ascii") for png in where]
    data = {
        "labels": [_format_cutoff(c) for c in cutoffs],
        "cutoffs": cutoffs,
        "images": images,
        "state": table,
        "counts": [[[s.counts[name] for name in COUNT_LABELS] for s in row] for row in states],
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")  # cannot close the <script>
    uid = "gae-" + hashlib.sha256(payload.encode()).hexdigest()[:12]
    first = states[0][k0]
    options = "".join(f'<option value="{i}"{" selected" if i == 0 else ""}>{html.escape(label)}</option>' for i, label in enumerate(labels))
    heading = f"<h4>{html.escape(title)}</h4>" if title else ""
    return (
        f'<div id="{uid}" class="glasslib-attention-explorer" data-state="0,{k0}" style="font-family:sans-serif">'
        f"{heading}"
        f'<div><label>configuration <select class="gae-select">{options}</select></label></div>'
        f'<div><label>cutoff <input class="gae-slider" type="range" min="0" max="{len(cutoffs) - 1}" step="1" '
        f'value="{k0}" style="width:{size_px}px;vertical-align:middle"></label> '
        f'<span class="gae-value">{data["labels"][k0]}</span></div>'
        f'<div style="display:flex;align-items:flex-start;gap:1em">'
        f'<img class="gae-image" alt="attention drawing" width="{size_px}" '
        f'src="data:image/png;base64,{images[table[0][k0]]}">'
        f"{counts_html(first.counts, cutoffs[k0])}</div>"
        f'<script type="application/json" class="gae-data">{payload}</script>'
        f"<script>{_SCRIPT % {'id': json.dumps(uid)}}</script>"
        "</div>"
    )


def static_explorer(graphs: Sequence[AttentionGraph] | Mapping[str, AttentionGraph], cutoffs: Sequence[float], **kwargs: Any) -> Any:
    """:func:`static_explorer_html` as an ``IPython.display.HTML`` object for a notebook cell."""
    from IPython.display import HTML

    return HTML(static_explorer_html(graphs, cutoffs, **kwargs))
