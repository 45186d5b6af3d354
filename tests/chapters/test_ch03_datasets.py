"""Chapter 03's glued numbers and helpers on synthetic data sets (``make_dataset``) and hand-built tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from glasslib.chapters import ch03_datasets as ch03
from glasslib.data import datasets, start_memory
from glasslib.data.rdf import RDF
from glasslib.data.splits import DatasetError, Splits
from glasslib.profiles import get_profile
from glasslib.simulation import tg
from glasslib.simulation.tg import PiecewiseFit, TgResult

N = 400


@pytest.fixture
def data(make_dataset) -> dict[int, datasets.Dataset]:
    """Data sets 1 and 6 of 3 runs (glasses first), 400 particles on random positions in a box of 20 σ."""
    rng = np.random.default_rng(0)
    types = np.where(np.arange(N) < 0.65 * N, 1, 2)
    one = make_dataset(rng.uniform(0, 1, (6, N, 2)), types, box_length=20.0, dataset=1)
    energies = [-3.90, -3.92, -3.88, -3.89, -3.93, -3.87]  # glasses, then liquids: 0.003 ε apart
    six = make_dataset(rng.uniform(0, 1, (6, N, 2)), types, box_length=20.0, dataset=6, inherent_energy=energies)
    six = dataclasses.replace(six, spec=dataclasses.replace(six.spec, liquid_temperature=0.55))
    return {1: one, 6: six}


def test_energy_numbers_read_tg_and_compare_data_set_6s_classes(data, tmp_path):
    profile = get_profile("smoke")
    fit = PiecewiseFit(np.array([0.45, 1.5]), -4.0, np.array([0.1, 1.0, 0.5]), 0.0, 0)
    result = TgResult(
        fit, np.array([0.05, 1.0, 2.0]), np.array([-3.9, -3.0, -2.5]), np.full(3, 0.01), np.array([0.44, 0.46]), np.zeros(2, bool)
    )
    tg.save_tg(tmp_path, {"slow": result, "fast": result}, profile)
    table = pd.DataFrame({"gap / std": [2.5, 0.1]}, index=pd.Index([1, 6], name="data set"))
    numbers = ch03.energy_numbers(profile, tmp_path, data, table)
    glass, liquid = np.array([-3.90, -3.92, -3.88]), np.array([-3.89, -3.93, -3.87])
    assert list(numbers) == ["tg_slow", "ds6_liquid_t", "ds6_gap", "ds6_std", "ds6_within", "ds1_gap_std"]
    assert numbers["tg_slow"] == 0.45 and numbers["ds6_liquid_t"] == 0.55 and numbers["ds1_gap_std"] == 2.5
    assert numbers["ds6_gap"] == pytest.approx(abs(glass.mean() - liquid.mean()))
    assert numbers["ds6_std"] == pytest.approx(min(glass.std(ddof=1), liquid.std(ddof=1)))
    assert numbers["ds6_within"] == "within"  # a gap of 0.003 ε against a spread of 0.02 ε
    apart = {**data, 6: dataclasses.replace(data[6], inherent_energy=np.array([-3.90, -3.92, -3.88, -3.80, -3.82, -3.78]))}
    assert ch03.energy_numbers(profile, tmp_path, apart, table)["ds6_within"] == "NOT within"  # 0.1 ε against 0.02 ε


def test_shared_splits_and_split_numbers(data):
    inner = np.array([[0, 1, 2], [1, 1, -1], [0, 0, 1]], dtype=np.int8)
    splits = Splits(np.zeros((3, 0), dtype=np.int64), inner)
    shared = {i: dataclasses.replace(d, splits=splits) for i, d in data.items()}
    assert ch03.shared_splits(shared) is splits
    numbers = ch03.split_numbers(get_profile("smoke", inner_split=(0.6, 0.2, 0.2)), splits)
    assert numbers == {"inner_split": "60% / 20% / 20%", "n_validation": 2}
    with pytest.raises(DatasetError, match=r"data sets \[6\]"):
        ch03.shared_splits({1: shared[1], 6: data[6]})


def test_memory_numbers_and_the_ramp_time():
    profile = get_profile("smoke")
    assert ch03.liquid_ramp_time(profile, profile.t_start) == 0
    assert ch03.liquid_ramp_time(profile, profile.t_end) == pytest.approx(profile.t_cool_slow * profile.timestep)
    rng = np.random.default_rng(0)
    labels = np.repeat([1, 0], 10)
    memory = start_memory.memory_table({1: (rng.normal(0, 0.1, 20), labels)}, cells=5, n_bootstrap=50)
    spec = datasets.DatasetSpec(1, "slow", 9, 0.05, "slow", 0, 1.2, "test")
    numbers = ch03.memory_numbers(profile, {1: type("D", (), {"spec": spec})()}, 5, memory, memory)
    names = "memory_cells memory_chance ds1_liquid_t ds1_liquid_tau memory_differs memory_own memory_start fast_ramp_tau start_hold_tau"
    assert list(numbers) == names.split()
    assert numbers["memory_cells"] == 5 and numbers["memory_chance"] == 0.2 and numbers["ds1_liquid_t"] == 1.2
    assert numbers["ds1_liquid_tau"] == ch03.liquid_ramp_time(profile, 1.2)
    assert numbers["memory_differs"].startswith("The overlap with the shared start")
    assert numbers["memory_own"].startswith("The overlap with each configuration's own run start")
    assert numbers["memory_start"] == ("one shared configuration" if profile.shared_start else "their own configurations")
    assert numbers["fast_ramp_tau"] == profile.t_cool_fast * profile.timestep
    assert numbers["start_hold_tau"] == profile.equilibration_steps * profile.timestep


def test_rdf_cutoff_and_numbers(data):
    assert ch03.rdf_cutoff(data[1]) == 10.0
    assert ch03.rdf_cutoff(dataclasses.replace(data[1], box_length=12.0)) == 6.0
    r = np.linspace(0.5, 3.0, 6)

    def rdfs(glass_peak: float) -> dict[str, RDF]:
        return {"glass": RDF(r, {"AB": np.array([0, glass_peak, 1, 1, 1, 1.0])}), "liquid": RDF(r, {"AB": np.array([0, 2, 1, 1, 1, 1.0])})}

    numbers = ch03.rdf_numbers(6.0, {1: rdfs(4.0), 6: rdfs(3.0)})
    assert numbers == {"rdf_cutoff": 6.0, "peak_ratio_1": 2.0, "peak_ratio_6": 1.5, "peak_ratio_verdict": "smaller"}
    assert ch03.rdf_numbers(6.0, {1: rdfs(3.0), 6: rdfs(3.0)})["peak_ratio_verdict"] == "not smaller"


def test_example_indices_and_render_numbers(data):
    assert ch03.example_indices(data[1]) == {"liquid": 3, "glass": 0}  # glasses first
    agreement = [{"iou": 0.9, "colour_agreement": 1.0}, {"iou": 0.8, "colour_agreement": 0.9}]
    assert ch03.render_numbers(agreement) == pytest.approx({"render_iou": 0.85, "render_colour": 0.95})


def test_example_windows_and_graph_numbers(data):
    profile = get_profile("smoke")
    config = data[1].positions[0], data[1].types
    window, corner = ch03.example_windows(profile, *config)
    assert set(window) == set(ch03.GRAPH_KS) and len(corner) == 2
    numbers = ch03.graph_numbers(profile, window)
    assert list(numbers) == ["graph_l_win", "graph_nodes", "graph_pieces_1", "graph_pieces_3"]
    assert numbers["graph_l_win"] == profile.graph_figure_l_win and numbers["graph_nodes"] == window[1].n_nodes > 0
    assert numbers["graph_pieces_1"] >= numbers["graph_pieces_3"] >= 1
