"""Data sets 1–6: temperature rules, assembly from a real (tiny) store, clear errors (the splits: test_splits.py)."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib import rundir
from glasslib.data import datasets, inherent_inputs
from glasslib.data import splits as data_splits
from glasslib.profiles import get_profile
from glasslib.simulation import campaign, store
from glasslib.simulation import tg as simulation_tg


def test_a_temperature_the_store_does_not_have_is_refused():
    recorded = np.linspace(1.9, 0.05, 20)
    assert store.nearest_snapshot(recorded, 0.06) == 19
    with pytest.raises(store.SnapshotError, match="no snapshot at T = 3"):
        store.nearest_snapshot(recorded, 3.0)


def test_liquid_rule_keeps_the_place_relative_to_tg():
    assert datasets.liquid_temperature_rule(0.37, tg=0.5, t_start=2.0) == pytest.approx(0.5)
    assert datasets.liquid_temperature_rule(2.0, tg=0.5, t_start=2.0) == pytest.approx(2.0)
    assert datasets.liquid_temperature_rule(0.96, tg=0.37, t_start=2.0) == pytest.approx(0.96)  # paper Tg: identity
    halfway = (0.37 + 2.0) / 2
    assert datasets.liquid_temperature_rule(halfway, tg=0.6, t_start=2.0) == pytest.approx(1.3)


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory):
    """A real campaign small enough for seconds: 10 runs of each schedule, 60 particles."""
    profile = get_profile(
        "smoke",
        n_particles=60,
        t_cool_slow=2000,
        snapshot_every_slow=100,  # 20 temperatures: five distinct liquid ones above this fast ramp's Tg (≈ 1)
        t_cool_fast=1000,
        snapshot_every_fast=100,
        runs_per_schedule=10,
        is_fire_maxiter=5000,
        tg_bootstrap=10,
    )
    run_dir = tmp_path_factory.mktemp("store")
    campaign.run_campaign(profile, run_dir, progress=False)
    ensembles = {s: store.load_ensemble(run_dir, s, 10, profile.simulation_hash()) for s in ("slow", "fast")}
    results = {s: simulation_tg.glass_transition(e.target_temperature, e.inherent_energy, 10) for s, e in ensembles.items()}
    simulation_tg.save_tg(run_dir, results, profile)
    return profile, run_dir, ensembles


@pytest.mark.slow
def test_datasets_from_a_real_store(tiny_store):
    profile, run_dir, ensembles = tiny_store
    built = inherent_inputs.build_with_inherent(profile, run_dir)
    assert sorted(built) == [1, 2, 3, 4, 5, 6]
    for data in built.values():
        assert data.positions.shape == (20, 60, 2) and np.all((data.positions >= 0) & (data.positions < 1))
        assert (data.labels == datasets.GLASS).sum() == (data.labels == datasets.LIQUID).sum() == 10
        for label in (datasets.GLASS, datasets.LIQUID):
            assert sorted(data.run_index[data.labels == label]) == list(range(10))  # one per run and class
        for fold in range(3):
            test, train = data.indices(fold, data_splits.OUTER_TEST), data.indices(fold, data_splits.TRAIN)
            assert not set(data.run_index[test]) & set(data.run_index[train])
    assert [d.spec.liquid_temperature for d in built.values()][:5] == sorted(
        [d.spec.liquid_temperature for d in built.values()][:5], reverse=True
    )
    six = built[6]
    assert six.spec.glass_schedule == "fast" and six.spec.liquid_schedule == "slow"
    fast_glass = ensembles["fast"].inherent_energy[:, -1].mean()
    gaps = np.abs(ensembles["slow"].inherent_energy.mean(axis=0) - fast_glass)
    assert gaps[six.spec.liquid_index] == gaps.min()  # the equal-energy liquid
    # glasses of data set 1 are the stored snapshots at T = 0.05 of the slow runs
    run0 = store.read_run(store.run_path(run_dir, "slow", 0), profile.simulation_hash())
    first_glass = np.flatnonzero((built[1].labels == datasets.GLASS) & (built[1].run_index == 0))[0]
    assert np.allclose(built[1].positions[first_glass], run0.scaled_positions()[-1], atol=1e-6)
    # a second build loads what is stored
    reloaded = datasets.load_datasets(run_dir, profile, [4])[4]
    assert np.array_equal(reloaded.positions, built[4].positions) and reloaded.spec == built[4].spec
    # every configuration quenched on the force criterion, stored beside it; data sets 1-5 share their glasses
    expected = rundir.product_hash(profile, "datasets")
    stored = {i: inherent_inputs.read_inherent(run_dir, i, expected) for i in built}
    glass = built[1].labels == datasets.GLASS
    assert np.array_equal(stored[1].positions[glass], stored[5].positions[glass])  # one quench per snapshot
    for i, inputs in stored.items():
        assert inputs.positions.shape == built[i].positions.shape and inputs.converged.all()
        gap = np.abs(inputs.records["energy"] - built[i].inherent_energy)  # the campaign's minimum, or one beside it
        assert np.median(gap) < 1e-6 and gap.max() < 1e-2
        view = inherent_inputs.model_inputs(run_dir, i, expected, "inherent")
        assert np.array_equal(view.positions, inputs.positions) and not np.array_equal(view.positions, built[i].positions)
    # a data set stored without its inherent inputs: a thermal model still reads it, an inherent one gets chapter 03's name
    datasets.save_dataset(run_dir, built[2], profile)
    assert np.array_equal(inherent_inputs.model_inputs(run_dir, 2, expected).positions, built[2].positions)
    with pytest.raises(rundir.ProductError, match="03_datasets"):
        inherent_inputs.model_inputs(run_dir, 2, expected, "inherent")
    inherent_inputs.build_with_inherent(profile, run_dir)  # quenches what is missing
    assert inherent_inputs.has_inherent(run_dir, 2, expected)


@pytest.mark.slow
def test_a_store_of_another_profile_or_a_missing_dataset_is_a_clear_error(tiny_store, tmp_path):
    profile, run_dir, _ = tiny_store
    other = get_profile(profile, t_start=2.5)
    with pytest.raises(rundir.ProductError, match="stale"):
        datasets.build_datasets(other, run_dir)
    with pytest.raises(rundir.ProductError, match="03_datasets"):
        datasets.load_datasets(tmp_path, profile, [1])
    with pytest.raises(datasets.DatasetError, match="no data set 7"):
        datasets.load_datasets(run_dir, profile, [7])


def test_paper_temperatures_must_be_recorded():

    paper = get_profile("paper")
    recorded = paper.schedules["slow"].target_temperatures(2.0, 0.05)
    slow, fast = _ensemble(recorded), _ensemble(recorded, fast_glass_like=0.55)
    specs = datasets.choose_specs(paper, slow, fast, tg_slow=0.37)
    assert [round(s.liquid_temperature, 2) for s in specs] == [1.99, 1.76, 0.96, 0.55, 0.44, 0.55]
    coarse = np.linspace(2.0, 0.05, 11)[1:]  # a store whose ramp does not hold T = 1.99 or 1.76
    with pytest.raises(datasets.DatasetError, match="no snapshot at T = 1.99"):
        datasets.choose_specs(paper, _ensemble(coarse), _ensemble(coarse, 0.55), tg_slow=0.37)


def _ensemble(temps, fast_glass_like=None):
    """Three runs whose inherent-structure energy rises linearly with T; ``fast_glass_like``: every
    snapshot at the energy the linear law gives at that T (a fast ramp's glasses as energetic as those liquids)."""
    from glasslib.simulation.store import Ensemble

    r, s = 3, len(temps)
    energy = np.tile(-3.9 + 0.05 * (temps if fast_glass_like is None else np.full(s, fast_glass_like)), (r, 1))
    fnorm, iterations = np.full((r, s), 0.01), np.full((r, s), 100)
    return Ensemble(
        "slow", np.arange(r), np.arange(r), np.arange(s), temps, energy, energy, energy, fnorm, iterations, np.ones(r), np.ones(r)
    )


def test_liquids_at_or_below_tg_are_a_clear_error_and_the_tg_relative_rule_stays_above():
    recorded = get_profile("paper").schedules["slow"].target_temperatures(2.0, 0.05)
    slow, fast = _ensemble(recorded), _ensemble(recorded, fast_glass_like=0.55)
    with pytest.raises(datasets.DatasetError, match=r"liquids of data set 5 \(T = 0.44"):
        datasets.choose_specs(get_profile("paper"), slow, fast, tg_slow=0.5)
    quick = get_profile("quick")
    coarse = quick.schedules["slow"].target_temperatures(2.0, 0.05)
    for tg in (0.41, 0.4475, 0.5):  # the last two: a recorded temperature and just below one
        specs = datasets.choose_specs(quick, _ensemble(coarse), _ensemble(coarse, 0.9), tg_slow=tg)
        assert all(s.liquid_temperature > tg for s in specs)
    with pytest.raises(datasets.DatasetError, match="data set 6"):
        datasets.choose_specs(quick, _ensemble(coarse), _ensemble(coarse, 0.3), tg_slow=0.41)  # equal energy only below Tg


@pytest.mark.slow
def test_a_minimisation_that_stopped_on_the_cap_is_flagged_and_left_out_of_the_energies(tmp_path):
    """A cap of 600 FIRE iterations stops about half of these minimisations: none of them is silently used."""
    from glasslib.simulation import minimisation_check

    profile = get_profile(
        "smoke", n_particles=60, t_cool_slow=2000, snapshot_every_slow=100, t_cool_fast=1000, snapshot_every_fast=100,
        runs_per_schedule=10, is_fire_maxiter=1500, tg_bootstrap=10,
    )  # fmt: skip
    campaign.run_campaign(profile, tmp_path, progress=False)
    ensembles = {s: store.load_ensemble(tmp_path, s, 10, profile.simulation_hash()) for s in ("slow", "fast")}
    capped = {s: ~minimisation_check.converged(e.inherent_iterations, 1500) for s, e in ensembles.items()}
    assert 0 < capped["slow"].mean() < 1 and 0 < capped["fast"].mean() < 1
    energies = {s: minimisation_check.converged_energy(e, profile) for s, e in ensembles.items()}
    results = {s: simulation_tg.glass_transition(e.target_temperature, energies[s], 10) for s, e in ensembles.items()}
    simulation_tg.save_tg(tmp_path, results, profile)
    built = datasets.build_datasets(profile, tmp_path)
    for data in built.values():
        spec = data.spec
        expected = np.concatenate([capped[spec.glass_schedule][:, spec.glass_index], capped[spec.liquid_schedule][:, spec.liquid_index]])
        assert np.array_equal(~data.converged, expected)
        glass = data.inherent_energy[(data.labels == datasets.GLASS) & data.converged]
        assert data.class_energy(datasets.GLASS)[0] == pytest.approx(glass.mean())
    summaries = datasets.load_summaries(tmp_path, profile)
    assert summaries[1]["flagged"] == int((~built[1].converged).sum()) > 0
    assert np.array_equal(datasets.load_datasets(tmp_path, profile, [1])[1].converged, built[1].converged)
