"""The paper-scale plan (glasslib.chapters.ch10_paper_scale): its disk formulas against real files, its arithmetic against hand sums."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest

from glasslib import rundir
from glasslib.chapters import ch10_paper_scale
from glasslib.profiles import get_profile
from glasslib.simulation import store

#: Figures of a made-up machine: 10⁷ atom-steps/s, 2 s per minimisation at N = 4,320, round training rates.
FIGURES = {
    "host": "test",
    "cpu": "test CPU",
    "date": "2026-01-01",
    "seconds": 1.0,
    "simulation": {
        "n_particles": 4320,
        "md_atom_steps_per_second": 1e7,
        "fire_seconds": 2.0,
        "fire_iterations": 1000.0,
        "timed_steps": 2000,
        "timed_snapshots": 2,
    },
    "dmpnn": {"samples_per_second": {"I": 100.0, "II": 10.0, "III": 1.0}, "device": "CPU"},
    "cnn": {"samples_per_second": 20.0, "device": "CPU"},
}


def _array_bytes(path) -> int:
    sizes = []
    with h5py.File(path, "r") as h5:
        h5.visititems(lambda _, item: sizes.append(item.id.get_storage_size()) if isinstance(item, h5py.Dataset) else None)
    return int(sum(sizes))


@pytest.mark.slow
def test_the_disk_formulas_give_the_bytes_of_the_smoke_books_files(smoke_book):
    _, _, run_dir = smoke_book
    smoke = get_profile("smoke")
    for schedule in ("slow", "fast"):
        assert _array_bytes(store.run_path(run_dir, schedule, 0)) == ch10_paper_scale.run_file_bytes(smoke, schedule)
    assert _array_bytes(rundir.product_path(run_dir, "datasets", smoke, dataset=1)) == ch10_paper_scale.dataset_bytes(smoke)
    ensemble = next(
        rundir.product_path(run_dir, "ensembles", smoke, temperature="x", configuration=0).parents[1].glob("T*/ensemble_00000.h5")
    )
    assert _array_bytes(ensemble) == ch10_paper_scale.ensemble_bytes(smoke)


def test_the_campaign_costs_add_up_by_hand():
    paper = get_profile("paper")
    table = ch10_paper_scale.campaign_plan(paper, FIGURES)
    slow = 4320 * 20_000_000 / 1e7 / 3600 + 200 * 2.0 / 3600  # MD + 200 minimisations, hours
    fast = 4320 * 200_000 / 1e7 / 3600 + 200 * 2.0 / 3600
    assert table.loc["slow", "core-h per run"] == pytest.approx(slow)
    assert table.loc["all", "core-h"] == pytest.approx(10_000 * (slow + fast))


def test_the_training_samples_count_every_trial_and_the_outer_model():
    paper = get_profile("paper")
    counts = ch10_paper_scale.training_samples(paper, "cnn")
    # 10,000 runs: 2,000 per outer test set; of the 8,000 others 6,400 inner train, 800 validation, 800 inner test
    per_fold = 2 * (15 * 10 * 6400 + 10 * 7200)
    assert counts == {"searches": 18, "trainings": 18 * 16, "samples": 6 * 3 * per_fold}
    hours = ch10_paper_scale.training_plan(paper, FIGURES)
    assert hours.loc["cnn", "hours (smallest model)"] == pytest.approx(6 * 3 * per_fold / 20.0 / 3600)
    assert hours.loc["dmpnn", "hours (largest model)"] == pytest.approx(100 * hours.loc["dmpnn", "hours (smallest model)"])


def test_the_totals_and_tables_cover_every_step():
    paper = get_profile("paper")
    totals = ch10_paper_scale.plan_totals(paper, FIGURES)
    assert set(totals) == {"campaign_core_hours", "ensembles_core_hours", "training_hours_low", "training_hours_high", "disk_gb"}
    assert all(np.isfinite(v) and v > 0 for v in totals.values())
    assert totals["disk_gb"] == pytest.approx(ch10_paper_scale.disk_plan(paper).iloc[:-1]["GB"].sum())
    tasks = ch10_paper_scale.dask_plan(paper, FIGURES)
    assert tasks.loc["cooling runs (ch. 01)", "tasks"] == 20_000 and tasks.loc["nested-CV searches (ch. 04, 05)", "tasks"] == 3 * (
        6 + 6 + 6 + 2 + 1 + 6 + 6 + 1  # the thermal models, then the reference CNN, D-MPNN and attention on inherent structures
    )
    assert list(ch10_paper_scale.figures_table(FIGURES)["unit"])[:2] == ["M atom-steps/s", "s each"]


def test_the_page_prints_counts_with_separators_and_small_values_to_three_figures():
    assert [ch10_paper_scale.readable(v) for v in (10_000.0, 36_066.3, 3.28447, 0.000446, float("nan"), "CPU")] == [
        "10,000",
        "36,066",
        "3.28",
        "0.000446",
        "",
        "CPU",
    ]


def test_the_glued_figures_name_the_measurement_and_the_device():
    table = ch10_paper_scale.figures_table(FIGURES)
    assert ch10_paper_scale.figures_numbers(table, FIGURES) == {
        "measured_on": "test, 2026-01-01, in 1 s",
        "cpu_device": "CPU",
        "timed_steps": "2,000",
        "timed_snapshots": "2",
    }


def test_a_brief_timing_is_labelled_on_the_page():
    table = ch10_paper_scale.figures_table({**FIGURES, "timing": "brief"})
    assert "brief timing" in table.attrs["measured"] and "not figures to plan with" in table.attrs["measured"]
    assert "brief" not in ch10_paper_scale.figures_table(FIGURES).attrs["measured"]


def test_the_glued_plan_prints_totals_with_separators_and_the_slow_share():
    campaign = pd.DataFrame({"core-h": [750.0, 250.0, 1000.0]}, index=["slow", "fast", "all"])
    totals = {"campaign_core_hours": 1_234_567.8, "disk_gb": 12.4}
    assert ch10_paper_scale.plan_numbers(campaign, totals) == {
        "campaign_core_hours": "1,234,568",
        "disk_gb": "12",
        "slow_share": "0",
        "days_on_500": "102.9",
    }
    totals["campaign_core_hours"] = 1000.0
    assert ch10_paper_scale.plan_numbers(campaign, totals)["slow_share"] == "75"
    assert ch10_paper_scale.published_speed_numbers() == {"paper_dmpnn_ms": 28.0, "paper_cnn_ms": 7.5}
