"""The book's tables (glasslib.book.tables): rows under a named index, human column labels, each once, units on dimensional columns.

Every table is built from small synthetic inputs: stand-ins with the attributes each function reads
(a Tg result, a nested-CV result), so no simulation or training runs.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from glasslib.book import tables
from glasslib.profiles import get_profile

#: Physics symbols written with a subscript underscore, as in the text (not snake_case identifiers).
SYMBOLS = {"t_cool", "r_cut", "l_win", "E_IS", "k_B"}
#: A unit in brackets or parentheses: reduced LJ units, steps, seconds, box lengths, throughput.
UNIT = re.compile(r"[\[(][^\])]*(?:σ|ε|τ|k_B|\bsteps?\b|\bm?s\b|box lengths?|atom-steps/s)[^\])]*[\])]")


def _tg_result(tg: float, energy: float) -> SimpleNamespace:
    """What the tables read of a :class:`TgResult`: Tg, its bootstrap (none failed), the glass energy and both slopes."""
    bootstrap = tg + np.linspace(-0.02, 0.02, 21)
    return SimpleNamespace(
        tg=tg,
        tg_std=float(np.std(bootstrap, ddof=1)),
        tg_bootstrap=bootstrap,
        failed=np.zeros(bootstrap.size, bool),
        tg_interval=lambda: (float(bootstrap.min()), float(bootstrap.max())),
        glass_energy=lambda: (energy, 0.002),
        fit=SimpleNamespace(slope_liquid=0.9, slope_glass=0.4),
    )


def _nested_cv_result(aucs: dict[int, list[float]]) -> SimpleNamespace:
    """What :func:`classifier_auc_table` reads of a nested-CV result: folds keyed (data set, fold) and an AUC interval."""
    folds = {(dataset, fold): SimpleNamespace(auc=auc) for dataset, values in aucs.items() for fold, auc in enumerate(values)}
    return SimpleNamespace(folds=folds, auc_interval=lambda dataset, seed: [min(aucs[dataset]), max(aucs[dataset])])


PROFILE = get_profile("smoke")
TG_RESULTS = {"slow": _tg_result(0.40, -2.62), "fast": _tg_result(0.43, -2.60)}
CLAIMS = [
    {"claim": "Slower cooling gives a lower Tg", "chapter": "02", "this_run": "0.40 < 0.43", "verdict": "holds", "threshold": "> 0"},
    {"claim": "The D-MPNN beats the CNN", "chapter": "05b", "this_run": "AUC 0.91 vs 0.88", "verdict": "not resolved at this scale"},
]
COMPARISON = pd.DataFrame(
    {"label": ["disjoint graphs"], "mean_glass": [1.0], "sem_glass": [0.1], "mean_liquid": [2.0], "sem_liquid": [0.1]}
    | {"n_glass": [8], "n_liquid": [8], "p_value": [0.01]},
    index=["disjoint_graphs"],
)

FOLDS = SimpleNamespace(
    fold_table=lambda: pd.DataFrame(
        {
            "data set": [1],
            "fold": [0],
            "AUC": [0.9],
            "accuracy": [0.8],
            "inner AUC": [0.85],
            "best epoch": [3],
            "l_win": [0.25],
            "ffn_layers": [2],
        }
    ).set_index(["data set", "fold"])
)
KINK = pd.DataFrame(
    {f"{prefix}alpha{i}": [0.5] for prefix in ("", "se_") for i in range(4)} | {"p_alpha3_positive": [0.01], "r_squared": [0.9]},
    index=pd.Index(["bb_edges"], name="metric"),
)

#: table → (how to build it from small inputs, its columns holding a dimensional quantity).
TABLES = {
    "pair_table": (
        lambda: tables.pair_table({(1, 1): (1.0, 1.0, 2.5), (1, 2): (1.5, 0.8, 2.0), (2, 2): (0.5, 0.88, 2.2)}),
        ("well depth [ε]", "diameter [σ]", "cut-off radius [σ]"),
    ),
    "tg_table": (
        lambda: tables.tg_table(TG_RESULTS, PROFILE),
        (
            "cooling time [steps]",
            "Tg [ε/k_B]",
            "± (bootstrap std) [ε/k_B]",
            "95 % interval [ε/k_B]",
            "glass E_IS at T=0.05 [ε]",
            "slope liquid / glass [k_B]",
        ),
    ),
    "cooling_checks": (lambda: tables.cooling_checks(TG_RESULTS)[0], ()),
    "tg_versus_paper": (lambda: tables.tg_versus_paper(TG_RESULTS, "smoke"), ()),
    "cnn_layer_table": (tables.cnn_layer_table, ()),
    "cnn_budget_table": (lambda: tables.cnn_budget_table(PROFILE, 64), ()),
    "classifier_auc_table": (
        lambda: tables.classifier_auc_table(
            {"CNN": _nested_cv_result({1: [0.8, 0.9]}), "D-MPNN": _nested_cv_result({1: [0.9], 2: [0.7]})}, 0
        ),
        (),
    ),
    "dmpnn_budget_table": (lambda: tables.dmpnn_budget_table(PROFILE), ()),
    "probe_table": (lambda: tables.probe_table({"five-fold motifs": np.array([0.2, 0.9, 0.7]), "random": np.array([0.1, 0.3])}), ()),
    "claims_table": (lambda: tables.claims_table(CLAIMS), ()),
    "count_comparison_table": (lambda: tables.count_comparison_table(COMPARISON), ()),
    "fold_results_table": (lambda: tables.fold_results_table(FOLDS), ()),
    "kink_fit_table": (lambda: tables.kink_fit_table(KINK, {"bb_edges": "B–B edges"}), ()),
    "throughput_table": (lambda: tables.throughput_table({"slow": 2.1e6, "fast": 2.3e6}), ("throughput per worker [M atom-steps/s]",)),
}


def _build(name: str) -> pd.DataFrame:
    table = TABLES[name][0]()
    assert isinstance(table, pd.DataFrame) and not table.empty, name
    return table


def _identifiers(label: object) -> list[str]:
    """The snake_case identifiers in a label (``mean_glass``, ``p_value``), the physics symbols excepted."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+", str(label))
    return [word for word in words if word not in SYMBOLS]


def test_every_table_function_of_the_module_is_checked_here():
    public = {
        name for name, value in vars(tables).items() if callable(value) and value.__module__ == tables.__name__ and not name.startswith("_")
    }
    assert public == set(TABLES)


@pytest.mark.parametrize("name", TABLES)
def test_rows_sit_under_a_named_index_not_a_range_of_integers(name):
    index = _build(name).index
    assert not isinstance(index, pd.RangeIndex), f"{name}: rows numbered 0, 1, 2 …"
    for level in index.names:  # one name, or one per level of a grouped index (chapter, claim)
        assert isinstance(level, str) and level.strip(), f"{name}: an index level has no name"
        assert not _identifiers(level), f"{name}: index named {level!r}"
    assert index.is_unique, f"{name}: repeated row labels"


@pytest.mark.parametrize("name", TABLES)
def test_column_labels_are_words_for_a_reader_not_identifiers(name):
    for label in _build(name).columns:
        assert isinstance(label, str) and label.strip(), f"{name}: column {label!r}"
        assert not _identifiers(label), f"{name}: column {label!r} reads like code"


@pytest.mark.parametrize("name", TABLES)
def test_no_column_label_appears_twice(name):
    columns = _build(name).columns
    assert not columns.duplicated().any(), f"{name}: {list(columns[columns.duplicated()])}"


UNIT_DEFECTS: dict[str, str] = {}  # every table names its units now


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=UNIT_DEFECTS[name])) if name in UNIT_DEFECTS else name
        for name in TABLES
    ],
)
def test_columns_of_dimensional_quantities_carry_their_unit_in_brackets(name):
    table, dimensional = _build(name), TABLES[name][1]
    missing = [label for label in dimensional if label not in table.columns]
    assert not missing, f"{name}: expected columns {missing} (renamed? update TABLES)"
    without = [label for label in dimensional if not UNIT.search(label)]
    assert not without, f"{name}: no unit in {without}"


def test_quantities_compared_with_the_paper_carry_their_unit_in_the_row_label():
    rows = _build("tg_versus_paper").index
    assert len(rows) == 4
    without = [label for label in rows if not UNIT.search(label)]
    assert not without, f"tg_versus_paper: no unit in rows {without}"


def test_a_model_that_did_not_train_on_a_data_set_shows_a_dash_not_nan():
    table = _build("classifier_auc_table")
    assert table.loc[2, "CNN: AUC [95 %]"] == "—"
    assert table.loc[1, "CNN: AUC [95 %]"] == "0.850 [0.800, 0.900]"


def test_the_claims_table_groups_by_chapter_and_keeps_every_interval_in_full():
    long = "; ".join(f"{d}: 0.990 [0.940, 1.000]" for d in range(1, 7))
    table = tables.claims_table([{**CLAIMS[0], "this_run": long}, CLAIMS[1]])
    assert list(table.index) == [("2", "Slower cooling gives a lower Tg"), ("5b", "The D-MPNN beats the CNN")]
    assert table.iloc[0]["this run, with 95 % intervals"] == long
    assert table.iloc[1]["threshold"] == "—"  # a row without a field shows a dash


def test_the_chosen_hyperparameters_share_one_cell_so_the_fold_table_stays_narrow():
    table = _build("fold_results_table")
    assert list(table.columns) == ["AUC", "accuracy", "inner AUC", "best epoch", "hyperparameters chosen"]
    assert table.iloc[0]["hyperparameters chosen"] == "l_win 0.25, ffn_layers 2"
