"""glasslib.book.attention_explorer (chapter 06): the live explorer and the kernel-free HTML show the same states,
the HTML is self-contained, and in headless Chromium its slider switches the shown state."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest

from glasslib.book.attention_explorer import (
    MAX_CONFIGURATIONS,
    MAX_CUTOFFS,
    cutoff_grid,
    explorer,
    render_state,
    static_explorer,
    static_explorer_html,
)
from glasslib.data.graphs import build_graph
from glasslib.interpretation.attention import AttentionGraph
from glasslib.interpretation.attention_counts import attention_counts

SIZE = 200  # small images keep the tests fast


def knn_attention_graph(seed: int, label: int, n: int = 40) -> AttentionGraph:
    """A kNN window with bimodal weights: a fifth of the connections get ~10× the others."""
    rng = np.random.default_rng(seed)
    positions = 0.3 + 0.2 * rng.random((n, 2))
    types = np.where(rng.random(n) < 0.65, 1, 2)
    graph = build_graph(positions, types, 3)
    pairs = np.stack([graph.edge_src[::2], graph.edge_dst[::2]], axis=1)
    weights = np.where(rng.random(pairs.shape[0]) < 0.2, 10.0, 1.0) * rng.uniform(0.8, 1.2, pairs.shape[0])
    directed = np.stack([weights, weights * rng.uniform(0.2, 1.0, weights.size)], axis=1)
    directed /= directed.sum()
    return AttentionGraph(
        seed,
        label,
        graph.node_features[:, :2].astype(float),
        graph.node_features[:, 2].astype(np.int8),
        graph.node_particle,
        pairs,
        directed,
        directed.max(axis=1),
        0.8 if label else 0.3,
        0.2,
    )


@pytest.fixture(scope="module")
def graphs() -> list[AttentionGraph]:
    return [knn_attention_graph(1, 1), knn_attention_graph(2, 0)]


@pytest.fixture(scope="module")
def cutoffs(graphs) -> list[float]:
    top = max(g.weights.max() for g in graphs)
    low = min(g.weights.min() for g in graphs)
    return [0.5 * low, float(np.sqrt(low * top)) * 1.5, 1.05 * top]  # everything high, some, nothing


@pytest.fixture(scope="module")
def page(graphs, cutoffs) -> str:
    return static_explorer_html(graphs, cutoffs, initial_cutoff=1, size_px=SIZE)


def page_data(page: str) -> dict:
    raw = re.search(r'<script type="application/json" class="gae-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(raw.replace("<\\/", "</"))


def test_render_state_is_deterministic_and_counts_match(graphs, cutoffs):
    first, second = render_state(graphs[0], cutoffs[1], size_px=SIZE), render_state(graphs[0], cutoffs[1], size_px=SIZE)
    assert first.png == second.png and first.png.startswith(b"\x89PNG")
    assert first.counts == attention_counts(graphs[0], cutoffs[1])
    assert render_state(graphs[0], cutoffs[2], size_px=SIZE).png != first.png


def test_live_widget_and_static_html_show_the_same_states(graphs, cutoffs, page):
    data = page_data(page)
    assert data["cutoffs"] == cutoffs and len(data["state"]) == 2
    live = explorer({"synthetic": graphs}, cutoffs=cutoffs[0], size_px=SIZE)
    for c, graph in enumerate(graphs):
        live.label.value = graph.label
        live.configuration.value = c
        assert live.current_graph() is graph
        for k, cutoff in enumerate(cutoffs):
            live.cutoff.value = cutoff
            assert live.cutoff.value == cutoff
            assert live.image.value == base64.b64decode(data["images"][data["state"][c][k]])
            assert list(live.state.counts.values()) == data["counts"][c][k]
            assert f">{live.state.counts['isolated_a']}</td>" in live.counts.value
    # toggles redraw: without highlights the image changes (rings and green lines gone)
    before = live.image.value
    live.isolated.value = False
    assert live.image.value != before


def test_static_html_is_self_contained(graphs, cutoffs, page):
    assert not re.search(r"<script[^>]*\bsrc=", page) and "<link" not in page
    assert not re.search(r"https?://", page)
    data = page_data(page)
    first = re.search(r'<img class="gae-image"[^>]*src="data:image/png;base64,([^"]+)"', page).group(1)
    assert first == data["images"][data["state"][0][1]]  # readable without JavaScript
    assert static_explorer_html(graphs, cutoffs, initial_cutoff=1, size_px=SIZE) == page  # deterministic
    assert static_explorer(graphs, cutoffs, size_px=SIZE).data.startswith('<div id="gae-')
    with pytest.raises(ValueError, match="configurations"):
        static_explorer_html(graphs * (MAX_CONFIGURATIONS // 2 + 1), cutoffs, size_px=SIZE)
    with pytest.raises(ValueError, match="cutoffs"):
        static_explorer_html(graphs[:1], np.linspace(0.01, 0.02, MAX_CUTOFFS + 1), size_px=SIZE)
    with pytest.raises(ValueError, match="increasing"):
        static_explorer_html(graphs[:1], cutoffs[::-1], size_px=SIZE)


def test_cutoff_grid_holds_the_cutoff(graphs):
    weights = np.concatenate([g.weights for g in graphs])
    grid = cutoff_grid(weights, n=9, cutoff=0.01)
    assert 0.01 in grid and np.all(np.diff(grid) > 0) and grid.size <= 9


def test_slider_switches_the_state_in_headless_chromium(chromium, page, tmp_path):
    data = page_data(page)
    path = tmp_path / "explorer.html"
    path.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{page}</body></html>")
    states = {k: chromium.shown(chromium.dump_dom(path, f"#cutoff={k}&configuration=1")) for k in (0, 2)}
    for k, (state, image, counts, label) in states.items():
        assert state == f"1,{k}"  # the script ran and read the fragment
        assert image == data["images"][data["state"][1][k]]
        assert counts == data["counts"][1][k] and label == data["labels"][k]
    assert states[0][1] != states[2][1] and states[0][2] != states[2][2]
    assert chromium.shown(chromium.dump_dom(path, ""))[0] == "0,1"  # no fragment: the initial state
    assert states[2][2][:2] == [0, 0]  # cutoff above every weight: no disjoint graph, no B–B edge
