"""The book's figures (glasslib.book.figures): every panel that shows data names both axes, and dimensional ones carry a unit.

Each figure is drawn (Agg) from small synthetic stand-ins with the attributes it reads (ensembles,
Tg results, RDFs, graphs, attention graphs, study dictionaries); none needs a trained model.
"""

from __future__ import annotations

import re
from collections import defaultdict
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from glasslib.book.figures import attention, claims, classifiers, cnn, data, dynamics, metrics, simulation
from glasslib.data.memory_decay import MemoryDecay

#: A label naming a dimensional quantity: temperature, energy, time, a distance, a window side, a propensity; or x, y, r, t first.
DIMENSIONAL = re.compile(r"\b(?:temperature|energy|time|distance|displacement|window side|l_win|propensity)\b|^(?:[xyrt])\b", re.IGNORECASE)
#: Statistics of a dimensional quantity that are themselves pure numbers (a correlation, an AUC, a logarithm).
DIMENSIONLESS = re.compile(r"^(?:Pearson|ROC|log|accuracy|validation)", re.IGNORECASE)
#: A unit: in brackets or parentheses (σ, ε, ε/k_B, τ, ms, steps, box lengths, pixels), or after a slash ("t / τ").
UNIT = re.compile(r"[\[(][^\])]*(?:σ|ε|τ|k_B|k\$_B\$|\bm?s\b|\bsteps?\b|box lengths?|pixels?)[^\])]*[\])]|/\s*(?:σ|ε|τ)\b")

RNG = np.random.default_rng(0)
TEMPERATURES = np.linspace(0.1, 1.0, 10)


@pytest.fixture(autouse=True)
def agg_and_closed():
    """Draw off screen; close every figure a test opened."""
    plt.switch_backend("Agg")
    yield
    plt.close("all")


# --------------------------------------------------------------------------- stand-ins
def _ensemble(runs: int = 3) -> SimpleNamespace:
    """What the ramp and energy figures read of a :class:`Ensemble`: steps, temperatures and energies per run."""
    target = TEMPERATURES[::-1]
    noise = 0.01 * RNG.standard_normal((runs, len(target)))
    return SimpleNamespace(
        step=np.arange(len(target)) * 400,
        target_temperature=target,
        temperature=target + noise,
        potential_energy=-2.0 + 0.9 * target + noise,
        inherent_energy=-2.6 + 0.3 * target + noise,
        run_index=np.arange(runs),
    )


def _minimised(runs: int = 3) -> SimpleNamespace:
    """What :func:`figure_minimisations` reads of an :class:`Ensemble`: final ‖F‖ and iterations per snapshot."""
    shape = (runs, len(TEMPERATURES))
    return SimpleNamespace(inherent_fnorm=10 ** RNG.uniform(-6, -1, shape), inherent_iterations=RNG.integers(500, 5000, shape))


def _decay() -> MemoryDecay:
    """A memory study: four runs whose overlap with the start decays over 20 τ into the scatter of independent fields."""
    times = np.geomspace(0.5, 200, 20)
    return MemoryDecay(times, np.exp(-times / 20)[None] + RNG.normal(0, 0.1, (4, 20)), 8)


_DIFFERENCE = {
    "runs": [10, 20, 30, 40],
    "low": [-0.2, -0.12, -0.09, -0.07],
    "median": [0.04, 0.04, 0.04, 0.04],
    "high": [0.3, 0.2, 0.16, 0.14],
    "failed": [0, 0, 0, 0],
    "half_width_scale": 0.65,
    "difference": 0.04,
    "runs_to_decide": 265,
}


def _tg_result(tg: float) -> SimpleNamespace:
    """What :func:`figure_tg` reads of a :class:`TgResult`: the mean curve, the two-line fit and the bootstrap of Tg."""

    def glass(t):
        return -2.7 + 0.2 * np.asarray(t)

    def liquid(t):
        return glass(tg) + 0.8 * (np.asarray(t) - tg)

    def predict(t):
        return np.where(np.asarray(t) < tg, glass(t), liquid(t))

    fit = SimpleNamespace(breaks=[0.1, tg, 1.0], tg_index=1, glass_line=glass, liquid_line=liquid, predict=predict)
    return SimpleNamespace(
        temperature=TEMPERATURES,
        mean_energy=fit.predict(TEMPERATURES),
        sem_energy=np.full(len(TEMPERATURES), 0.003),
        fit=fit,
        tg=tg,
        tg_std=0.01,
        tg_interval=lambda: (tg - 0.02, tg + 0.02),
    )


def _rdf() -> SimpleNamespace:
    """What :func:`figure_rdf` reads of an :class:`RDF`: radii and one g(r) per pair (any pair)."""
    r = np.linspace(0.05, 4.0, 80)
    g = 1 + np.exp(-((r - 1.0) ** 2) / 0.02)
    return SimpleNamespace(r=r, g=defaultdict(lambda: g))


def _window_graph(k: int) -> SimpleNamespace:
    """What :func:`figure_window_graphs` reads of a one-window :class:`GraphBatch`: node features (x, y, is B) and edges."""
    n = 12
    features = np.column_stack([0.3 + 0.2 * RNG.random((n, 2)), np.arange(n) % 3 == 0]).astype(np.float32)
    src = np.repeat(np.arange(n), k)
    dst = (src + np.tile(np.arange(1, k + 1), n)) % n
    return SimpleNamespace(node_features=features, edge_src=src, edge_dst=dst, n_nodes=n, n_edges=len(src))


def _attention_graph(class_name: str) -> SimpleNamespace:
    """What the attention figures read of an :class:`AttentionGraph` (types: 0 = A, 1 = B)."""
    n = 15
    pairs = np.array([(i, j) for i in range(n) for j in range(i + 1, n) if (j - i) in (1, 4)])
    return SimpleNamespace(
        positions=RNG.random((n, 2)) * 0.2,
        pairs=pairs,
        weights=RNG.random(len(pairs)),
        types=(np.arange(n) % 3 == 0).astype(int),
        n_particles=n,
        l_win=0.2,
        class_name=class_name,
        configuration=3,
        probability=0.8,
        fold=0,
    )


def _curve(times: np.ndarray, level: float) -> dict[str, np.ndarray]:
    mean = level * np.ones_like(times)
    values = mean + np.linspace(-0.05, 0.05, 5)[:, None]  # five configurations
    return {"mean": mean, "ci_low": mean - 0.05, "ci_high": mean + 0.05, "values": values}


TIMES = np.geomspace(0.1, 100, 8)


def _study() -> dict[str, dict]:
    """Chapter 09's study at two temperatures: relaxation functions and propensity scores per kind of displacement."""
    study = {}
    for temperature in ("0.9", "0.6"):
        relaxation = {kind: {"times": TIMES, "fs": np.exp(-TIMES / 10), "tau_alpha": 10.0} for kind in dynamics.KINDS}
        scores = {kind: {key: _curve(TIMES, 0.3) for key in dynamics.SCORE_STYLES} for kind in dynamics.KINDS}
        epochs = np.arange(1, 11)
        fold = {"loss": 1.0 / epochs, "validation_rho": 0.3 - 0.3 / epochs, "held_out_rho": 0.25 - 0.3 / epochs, "best_epoch": 9}
        training = {name: [fold, fold] for name in ("equivariant", "plain")}
        learning = {
            "equivariant": {"sizes": [1, 2, 3], **{kind: [[0.1] * 4, [0.2, 0.3] * 2, [0.3, 0.35] * 2] for kind in dynamics.KINDS}},
            "linear_thermal": {"sizes": [1, 2, 3, 4], **{kind: [[0.2, 0.25] * 2] * 4 for kind in dynamics.KINDS}},
        }
        study[temperature] = {"relaxation": relaxation, "scores": scores, "training": training, "learning_curve": learning}
    return study


def _readings() -> dict[str, dict]:
    """The readings of chapters 4–7 against propensity, at the study's temperatures."""
    scores = {kind: {name: _curve(TIMES, 0.05) for name in dynamics.READING_STYLES} for kind in dynamics.KINDS}
    return {"temperatures": {temperature: {"times": TIMES, "scores": scores} for temperature in ("0.9", "0.6")}}


def _scores() -> pd.DataFrame:
    sets = pd.Index(range(1, 7), name="data set")
    return pd.DataFrame({"auc_mean": 0.9, "auc_std": 0.02, "accuracy_mean": 0.8, "accuracy_std": 0.03}, index=sets)


def _training_curves() -> pd.DataFrame:
    rows = [(d, f, e, 0.7 - 0.01 * e, 0.6 + 0.02 * e) for d in (1, 2) for f in (0, 1) for e in range(5)]
    return pd.DataFrame(rows, columns=["dataset", "fold", "epoch", "train_loss", "validation_auc"])


def _metrics_frame() -> pd.DataFrame:
    columns = {"temperature": TEMPERATURES}
    for key in metrics.METRIC_LABELS:
        columns[f"{key}_mean"], columns[f"{key}_sem"] = 10 + TEMPERATURES, np.full(len(TEMPERATURES), 0.5)
    return pd.DataFrame(columns)


def _draw_attention():
    fig, ax = plt.subplots()
    attention.draw_attention(ax, _attention_graph("glass"), cutoff=0.5)
    return fig


def _draw_configuration():
    fig, ax = plt.subplots()
    simulation.draw_configuration(ax, *_configuration())
    return fig


def _configuration() -> tuple[np.ndarray, np.ndarray, float, str]:
    return RNG.random((60, 2)) * 7.0, np.where(np.arange(60) < 39, 1, 2), 7.0, "a configuration"


IMAGE = RNG.integers(0, 256, (32, 32, 3), dtype=np.uint8)

#: figure → how to draw it from small synthetic inputs.
FIGURES = {
    "simulation.figure_configurations": lambda: simulation.figure_configurations([_configuration(), _configuration()]),
    "simulation.figure_ramp": lambda: simulation.figure_ramp({"slow": _ensemble(), "fast": _ensemble()}, timestep=0.005),
    "simulation.figure_energies": lambda: simulation.figure_energies({"slow": _ensemble(), "fast": _ensemble()}),
    "simulation.figure_memory_decay": lambda: simulation.figure_memory_decay(_decay(), 150.0),
    "simulation.figure_minimisations": lambda: simulation.figure_minimisations({"slow": _minimised(), "fast": _minimised()}, 1e-5),
    "simulation.figure_difference_by_runs": lambda: simulation.figure_difference_by_runs(_DIFFERENCE),
    "simulation.figure_tg": lambda: simulation.figure_tg({"slow": _tg_result(0.40), "fast": _tg_result(0.45)}, reference={"slow": 0.43}),
    "data.figure_rdf": lambda: data.figure_rdf({1: {"glass": _rdf(), "liquid": _rdf()}, 2: {"glass": _rdf(), "liquid": _rdf()}}),
    "data.figure_images": lambda: data.figure_images([("glass", IMAGE), ("liquid", IMAGE)]),
    "data.figure_window_graphs": lambda: data.figure_window_graphs(
        RNG.random((200, 2)), np.where(np.arange(200) < 130, 1, 2), {1: _window_graph(1), 5: _window_graph(5)}, (0.3, 0.3), 0.2
    ),
    "cnn.figure_gradcam": lambda: cnn.figure_gradcam([("glass", IMAGE, RNG.random((32, 32))), ("liquid", IMAGE, RNG.random((32, 32)))]),
    "metrics.figure_metrics_vs_temperature": lambda: metrics.figure_metrics_vs_temperature(_metrics_frame(), tg=0.42),
    "classifiers.figure_scores": lambda: classifiers.figure_scores({"cnn": _scores(), "dmpnn": _scores()}, paper_floor=0.9, label="smoke"),
    "classifiers.figure_roc": lambda: classifiers.figure_roc(
        {1: [(np.linspace(0, 1, 5), np.linspace(0, 1, 5) ** 0.5)], 2: [(np.r_[0, 1], np.r_[0, 1])]}, "ROC"
    ),
    "classifiers.figure_training_curves": lambda: classifiers.figure_training_curves(_training_curves(), "curves", l2=True),
    "classifiers.figure_cross_matrix": lambda: classifiers.figure_cross_matrix({"CNN": 0.5 + 0.5 * RNG.random((3, 3))}, [1, 2, 3]),
    "classifiers.figure_size_generalisation": lambda: classifiers.figure_size_generalisation(
        np.array([0.1, 0.2, 0.3]), 0.8 + 0.1 * RNG.random((3, 3)), 0.2, "sizes"
    ),
    "classifiers.figure_cost": lambda: classifiers.figure_cost(
        pd.DataFrame({"model": ["I", "I", "II", "II"], "l_win": [0.2, 0.3] * 2, "ms_per_sample": [1.0, 2.0, 10.0, 20.0]}), "cost"
    ),
    "dynamics.figure_relaxation": lambda: dynamics.figure_relaxation(_study()),
    "dynamics.figure_propensity_scores": lambda: dynamics.figure_propensity_scores(_study(), dynamics.KINDS[-1]),
    "dynamics.figure_scores_at_tau": lambda: dynamics.figure_scores_at_tau(_study()),
    "dynamics.figure_training_curves": lambda: dynamics.figure_training_curves(_study()),
    "dynamics.figure_learning_curve": lambda: dynamics.figure_learning_curve(_study()),
    "dynamics.figure_propensity_map": lambda: dynamics.figure_propensity_map(
        RNG.random((50, 2)) * 6.0, RNG.random(50), RNG.random(50), 6.0, "map"
    ),
    "dynamics.figure_reading_scores": lambda: dynamics.figure_reading_scores(_readings(), _study(), dynamics.KINDS[-1]),
    "simulation.draw_configuration": _draw_configuration,
    "attention.draw_attention": _draw_attention,
    "attention.figure_weight_histogram": lambda: attention.figure_weight_histogram(
        [_attention_graph("glass"), _attention_graph("liquid")], {0: SimpleNamespace(cutoff=0.5)}
    ),
    "attention.figure_glass_and_liquid": lambda: attention.figure_glass_and_liquid(
        _attention_graph("glass"), _attention_graph("liquid"), {0: 0.5}
    ),
}


def _claim_rows():
    """Two claim rows as ``glasslib results`` gives them: AUCs with one point not measured, and an equivalence claim."""
    auc = [
        {"label": "data set 1", "value": 0.99, "low": 0.95, "high": 1.0, "threshold": 0.98, "verdict": "not resolved at this scale"},
        {"label": "data set 2", "value": None, "low": None, "high": None, "threshold": 0.98, "verdict": "not measured"},
    ]
    within = [
        {
            "label": "glass − liquid E_IS [ε]",
            "value": 0.0,
            "low": -0.001,
            "high": 0.001,
            "threshold": 0.005,
            "verdict": "holds",
            "kind": "within",
        }
    ]
    return [
        {"claim": "AUC > 0.98", "chapter": "05", "input": "thermal", "verdict": "not resolved at this scale", "points": auc},
        {"claim": "equal energy", "chapter": "03", "input": "—", "verdict": "holds", "points": within},
        {"claim": "not run", "chapter": "09", "input": "—", "verdict": "not measured", "points": []},
    ]


FIGURES["claims.figure_claims"] = lambda: claims.figure_claims(_claim_rows())

#: Figures whose panels name their rows by tick labels (one per measured point), so they need no y label.
TICK_LABELLED = {"claims.figure_claims"}

#: Figures with no axes to label: grids of pixel maps (checked by the feature-map test instead).
WITHOUT_AXES = {"cnn.figure_feature_maps"}

LABEL_DEFECTS = {
    "classifiers.figure_roc": "figure_roc: only the first panel has a y label ('true-positive rate'); the other panels do not share its y axis",
    "dynamics.figure_propensity_map": "figure_propensity_map: the 'predicted' panel has no y label ('y [σ]' is on the measured panel only, axes not shared)",
}


def _colorbar_axes(fig) -> set[Axes]:
    mappables = [artist for ax in fig.axes for artist in (*ax.images, *ax.collections)]
    return {m.colorbar.ax for m in mappables if getattr(m, "colorbar", None) is not None}


def _data_axes(fig) -> list[Axes]:
    """The panels that show data: visible axes holding lines, collections, images or patches, colour bars aside."""
    bars = _colorbar_axes(fig)
    return [ax for ax in fig.axes if ax.axison and ax not in bars and (ax.lines or ax.collections or ax.images or ax.patches)]


def _label(ax: Axes, axis: str, fig) -> str:
    """The axis label of ``ax``, or of a panel sharing that axis with it (shared axes are labelled once)."""
    own = ax.get_xlabel() if axis == "x" else ax.get_ylabel()
    if own.strip():
        return own
    shared = ax.get_shared_x_axes() if axis == "x" else ax.get_shared_y_axes()
    for other in fig.axes:
        if other is not ax and shared.joined(ax, other):
            label = other.get_xlabel() if axis == "x" else other.get_ylabel()
            if label.strip():
                return label
    return ""


def _draw(name: str):
    return FIGURES[name]()


def _cases(defects: dict[str, str]) -> list:
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=defects[name])) if name in defects else name for name in FIGURES]


def test_every_public_figure_function_is_drawn_here():
    public = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in (attention, claims, classifiers, cnn, data, dynamics, metrics, simulation)
        for name, value in vars(module).items()
        if callable(value) and getattr(value, "__module__", None) == module.__name__ and not name.startswith("_")
    }
    assert public == set(FIGURES) | WITHOUT_AXES


@pytest.mark.parametrize("name", _cases(LABEL_DEFECTS))
def test_every_panel_showing_data_names_its_x_and_y_axes(name):
    fig = _draw(name)
    panels = _data_axes(fig)
    assert panels, f"{name}: no panel shows data"
    for i, ax in enumerate(panels):
        assert _label(ax, "x", fig).strip(), f"{name}: panel {i} ({ax.get_title()!r}) has no x label"
        assert name in TICK_LABELLED or _label(ax, "y", fig).strip(), f"{name}: panel {i} ({ax.get_title()!r}) has no y label"


@pytest.mark.parametrize("name", FIGURES)
def test_labels_of_dimensional_quantities_carry_a_unit(name):
    fig = _draw(name)
    bars = _colorbar_axes(fig)
    labels = {label for ax in (*_data_axes(fig), *bars) for label in (ax.get_xlabel(), ax.get_ylabel()) if label.strip()}
    assert labels, f"{name}: no labels at all"
    dimensional = [label for label in labels if DIMENSIONAL.search(label) and not DIMENSIONLESS.search(label)]
    without = [label for label in dimensional if not UNIT.search(label)]
    assert not without, f"{name}: no unit in {without}"


def test_the_unit_rules_tell_a_unit_from_a_bare_quantity():
    assert all(UNIT.search(label) for label in ("x [σ]", "temperature [ε/k$_B$]", "time t [τ]", "t / τ", "training time per sample [ms]"))
    assert not any(UNIT.search(label) for label in ("temperature", "time (bootstrap std)", "y", "F$_s$ per sample"))
    assert all(DIMENSIONAL.search(label) for label in ("temperature", "x", "r [σ]", "potential energy per particle"))
    assert not any(DIMENSIONAL.search(label) for label in ("epoch", "data set", "$g_{AA}(r)$", "connections"))


def test_feature_maps_are_titled_images_without_axes():
    maps = [(f"map {i}", RNG.random((8, 8))) for i in range(4)]
    fig = cnn.figure_feature_maps(maps, ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == [title for title, _ in maps]
    assert not any(ax.axison for ax in fig.axes)  # pixel maps carry no axes, so no labels are owed


def test_the_forest_plot_has_one_panel_per_measured_claim_and_names_what_was_not_measured():
    fig = claims.figure_claims(_claim_rows())
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 2  # the claim without points has no panel
    assert any("not measured" in t.get_text() for t in panels[0].texts)
    assert [t.get_text() for t in panels[0].get_yticklabels()] == ["data set 1", "data set 2"]
    empty = claims.figure_claims([])
    assert any("no claim measured yet" in t.get_text() for ax in empty.axes for t in ax.texts)
    plt.close("all")
