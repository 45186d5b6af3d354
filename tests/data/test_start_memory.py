"""glasslib.data.start_memory: composition fields and their overlap with the shared start."""

from __future__ import annotations

import numpy as np

from glasslib.data import start_memory
from glasslib.profiles import get_profile
from glasslib.system import TYPE_A, TYPE_B


def configuration(seed: int, n: int = 720) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 2)), np.where(np.arange(n) % 3 == 0, TYPE_B, TYPE_A)


def test_field_counts_b_per_cell_against_a_loop():
    positions, types = configuration(0, 200)
    field = start_memory.composition_field(positions, types, 4)[0]
    for i in range(4):
        for j in range(4):
            inside = (np.floor(positions[:, 0] * 4) == i) & (np.floor(positions[:, 1] * 4) == j)
            assert np.isclose(field[i, j], (types[inside] == TYPE_B).mean() - (types == TYPE_B).mean())


def test_overlap_is_one_for_the_start_and_near_zero_for_unrelated_configurations():
    start, types = configuration(1)
    unrelated = np.stack([configuration(seed)[0] for seed in range(2, 42)])
    jittered = np.mod(start + np.random.default_rng(3).normal(0.0, 0.002, start.shape), 1.0)
    overlap = start_memory.start_overlap(np.concatenate([start[None], jittered[None], unrelated]), types, start, 8)
    assert np.isclose(overlap[0], 1.0) and overlap[1] > 0.9
    assert abs(overlap[2:].mean()) < 0.05 and overlap[2:].std() < 0.3


def test_memory_table_flags_a_class_that_remembers_the_start():
    labels = np.r_[np.ones(20), np.zeros(20)].astype(int)
    rng = np.random.default_rng(4)
    remembering = np.r_[rng.normal(0.0, 0.1, 20), rng.normal(0.6, 0.1, 20)]  # liquids remember
    forgetting = rng.normal(0.0, 0.1, 40)
    table = start_memory.memory_table({1: (remembering, labels), 2: (forgetting, labels)}, cells=8, seed=0)
    assert bool(table.loc[1, "differs"]) and table.loc[1, "glass − liquid"] < -0.4
    assert not bool(table.loc[2, "differs"])
    assert table.loc[1, "cue AUC"] < 0.01 and bool(table.loc[1, "cue"])  # liquids overlap more: AUC below 0.5
    low, high = (float(x) for x in table.loc[2, "cue AUC 95 %"].strip("[]").split(","))
    assert low < 0.5 < high and not bool(table.loc[2, "cue"])
    verdict = start_memory.memory_verdict(table)
    assert "a cue in data set 1:" in verdict and "data set 1, 0.00" in verdict
    no_cue = start_memory.memory_table({2: (forgetting, labels)}, cells=8, seed=0)
    assert "no cue in any data set" in start_memory.memory_verdict(no_cue)


def test_comparison_puts_each_reference_start_in_its_own_column_group():
    labels = np.r_[np.ones(10), np.zeros(10)].astype(int)
    rng = np.random.default_rng(6)
    tables = {name: start_memory.memory_table({1: (rng.normal(0, 0.1, 20), labels)}, cells=8) for name in ("own", "shared")}
    joined = start_memory.memory_comparison(tables)
    assert list(joined.columns.levels[0]) == ["own", "shared"] and ("shared", "cue AUC") in joined.columns


def test_the_cue_of_every_data_set_and_start_is_stored_with_its_interval(tmp_path):
    rng = np.random.default_rng(2)
    labels = np.repeat([1, 0], 20)
    remembers = np.where(labels == 1, 0.4, 0.0) + rng.normal(0, 0.05, 40)
    forgets = rng.normal(0, 0.05, 40)
    tables = {
        "own start": start_memory.memory_table({1: (remembers, labels), 6: (forgets, labels)}, cells=8, n_bootstrap=200),
        "shared start": start_memory.memory_table({1: (forgets, labels), 6: (forgets, labels)}, cells=8, n_bootstrap=200),
    }
    profile = get_profile("smoke")
    start_memory.save_cue(tmp_path, profile, tables)
    cue = start_memory.load_cue(tmp_path, profile)
    assert set(cue) == {"1", "6"} and set(cue["1"]) == {"own start", "shared start"}
    assert cue["1"]["own start"]["cue"] and cue["1"]["own start"]["ci95"][0] > 0.5
    shared = cue["6"]["shared start"]
    assert not shared["cue"] and shared["ci95"][0] <= 0.5 <= shared["ci95"][1]
