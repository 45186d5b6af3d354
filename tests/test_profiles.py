"""Profiles: the paper's numbers, overrides, and clear errors for bad keys and values."""

from __future__ import annotations

import json
from dataclasses import fields

import pytest

from glasslib.book.profile_table import profile_table
from glasslib.profiles import GROUPS, PROFILES, Profile, ProfileError, cost_settings, field_info, get_profile, parse_overrides


def test_paper_profile_holds_the_published_protocol():
    paper = get_profile("paper")
    assert paper.n_particles == 4320
    assert paper.protocol.box_length == pytest.approx(60.0)
    assert (paper.t_cool_slow, paper.t_cool_fast) == (20_000_000, 200_000)
    assert paper.runs_per_schedule == 10_000
    assert paper.snapshot_every_slow == 100_000
    assert paper.schedules["slow"].n_snapshots == paper.schedules["fast"].n_snapshots == 200
    assert (paper.t_start, paper.t_end, paper.timestep, paper.thermostat_damping) == (2.0, 0.05, 0.005, 0.5)
    assert (paper.fire_etol, paper.fire_ftol, paper.init_fire_maxiter, paper.is_fire_maxiter) == (1e-10, 1e-5, 1000, 10**7)


def test_default_profile_is_quick_and_every_profile_validates():
    assert get_profile().name == "quick"
    for name in PROFILES:
        assert get_profile(name).name == name


def test_unknown_profile_lists_the_choices():
    with pytest.raises(ProfileError, match="unknown profile 'fast'.*smoke, quick, paper|unknown profile 'fast'.*paper"):
        get_profile("fast")


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ProfileError, match=r"unknown profile key 'n_atoms'.*n_particles"):
        get_profile("quick", n_atoms=10)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("fraction_a", 1.5, "out of range"),
        ("runs_per_schedule", 1, "out of range"),
        ("t_end", 3.0, "must be below"),
        ("snapshot_every_slow", 7, "must divide"),
        ("n_particles", "many", "expected a value of type int"),
        ("t_cool_fast", 10**9, "slow schedule"),
        ("dynamics_temperatures", "0.7,0.7", "distinct temperatures"),
        ("dynamics_temperatures", "2.5", "between t_end"),
        ("dynamics_temperatures", "hot", "comma-separated numbers"),
        ("classifier_datasets", "1,7", r"classifier_datasets='1, 7' is out of range: each value must lie in \[1, 6\]"),
        ("classifier_datasets", [1, 1], "distinct data sets"),
        ("cnn_paper_datasets", "", "distinct data sets"),
        ("classifier_datasets", "one", "comma-separated numbers"),
        ("inner_split", (0.5, 0.5, 0.5), "three positive shares"),
        ("cost_l_wins", "0.1,1.5", r"window sides lie in \(0, 1\)"),
        ("cost_steps", "IV:3", r"choose from I, I\+attention, II, III"),
        ("cost_steps", "I=3", "name:steps pairs"),
        ("dynamics_configurations", 41, "each configuration comes from its own slow run"),
    ],
)
def test_bad_values_are_rejected_with_the_key(key, value, message):
    with pytest.raises(ProfileError, match=message):
        get_profile("quick", **{key: value})


def test_string_overrides_from_the_command_line_are_converted():
    profile = get_profile("quick", parse_overrides(["n_particles=2160", "density=1.2", "dask_processes=no", "t_cool_slow=2e5"]))
    assert profile.n_particles == 2160 and profile.dask_processes is False and profile.t_cool_slow == 200_000


def test_malformed_set_is_rejected():
    with pytest.raises(ProfileError, match="key=value"):
        parse_overrides(["n_particles"])


def test_t_cool_alias_sets_both_ramps():
    profile = get_profile("paper", t_cool=200_000)
    assert profile.t_cool_slow == profile.t_cool_fast == 200_000


def test_simulation_overrides_get_their_own_run_directory():
    quick = get_profile("quick")
    assert quick.label == "quick"
    assert get_profile("quick", tg_bootstrap=100).label == "quick"  # analysis-only: same store
    changed = get_profile("quick", n_particles=1080)
    assert changed.label.startswith("quick-") and changed.simulation_hash() != quick.simulation_hash()


def test_list_fields_are_tuples_whatever_form_the_override_takes():
    quick = get_profile("quick")
    assert quick.cnn_paper_datasets == (1, 6) and quick.inner_split_fractions() == (0.5, 0.3, 0.2)
    assert quick.model_ids("dmpnn_paper_datasets") == (1, 6) and get_profile("smoke").model_ids("cnn_paper_datasets") == (1,)
    for given in ("1,6", " 1, 6", [1, 6], (1, 6), ["1", "6"]):  # --set, Python, papermill YAML
        assert get_profile("quick", classifier_datasets=given).classifier_datasets == (1, 6)
    for given in ("1", 1, [1], 1.0):
        assert get_profile("quick", classifier_datasets=given).dataset_ids() == (1,)
    assert get_profile("quick", parse_overrides(["dynamics_temperatures=0.65,0.6"])).dynamics_temperatures == (0.65, 0.6)
    assert get_profile("quick", dynamics_temperatures=0.65).dynamics_temperatures == (0.65,)
    for given in ("I:5, II:1", {"I": 5, "II": 1}, [["I", 5], ["II", 1]], ["I:5", "II:1"]):
        assert get_profile("quick", cost_steps=given).cost_steps == (("I", 5), ("II", 1))
    assert cost_settings(quick) == {"l_wins": (0.1, 0.15, 0.2), "steps": {"I": 20, "I+attention": 10, "II": 2, "III": 1}}
    assert cost_settings(get_profile("quick", cost_steps=""))["steps"] is None


def test_values_read_as_json_and_as_text():
    quick = get_profile("quick")
    record = json.loads(json.dumps(quick.as_dict()))
    assert record["cnn_paper_datasets"] == [1, 6] and record["cost_steps"][0] == ["I", 20]
    assert get_profile("quick", {key: record[key] for key in ("cost_steps", "inner_split")}) == quick  # a record reads back
    assert get_profile("quick", classifier_datasets="1,2,3,4,5,6").settings_hash() == quick.settings_hash()
    table = profile_table(quick)
    assert table.loc["cnn_paper_datasets", "quick"] == "1, 6" and table.loc["cost_steps", "quick"].startswith("I: 20, I+attention: 10")
    assert table.loc["cost_steps", "paper"] == "" and table.loc["inner_split", "reduced"] == "yes"


def test_every_field_has_a_group_and_products_name_their_fields_from_groups():
    assert all(field_info(f.name)["group"] in GROUPS for f in fields(Profile) if f.name != "name")
    execution = ("workers", "dask_processes", "machine_timing")
    assert Profile.group_fields("execution") == execution
    assert all(field_info(key)["execution"] == (key in execution) for key in Profile.group_fields(*GROUPS))
    assert Profile.simulation_fields() == (
        *("n_particles", "density", "fraction_a", "timestep", "t_start", "t_end", "thermostat_damping"),
        *("fire_etol", "fire_ftol", "init_fire_maxiter", "is_fire_maxiter", "equilibration_steps"),
        *("t_cool_slow", "t_cool_fast", "snapshot_every_slow", "snapshot_every_fast", "shared_start", "seed"),
    )
    assert Profile.dynamics_fields() == (
        *("dynamics_temperatures", "dynamics_configurations", "dynamics_runs"),
        *("dynamics_equilibration", "dynamics_t_max", "dynamics_records"),
    )
    with pytest.raises(ValueError, match="unknown profile field groups"):
        Profile.group_fields("physics")


def test_simulation_hashes_stay_those_of_the_stored_runs():
    """Every stored simulation run records its profile's simulation hash: a change here makes them all stale."""
    assert {name: get_profile(name).simulation_hash()[:16] for name in PROFILES} == {
        "paper": "b31ec00ea08dd034",
        "quick": "584e4a04e08ef768",  # issue 22: a 600 τ hold at t_start, one shared start, a 125 τ fast ramp
        "smoke": "a2c790b8fcb645da",  # no hold: at 20 τ ramps a held start leaves no high-temperature flattening to fit
    }
    assert get_profile("paper", t_cool=200_000).simulation_hash()[:16] == "705e3ea1b90fa190"
    # a field added later stays out of the hash at the value it was added with, and enters it otherwise
    equilibrated = get_profile("quick", equilibration_steps=1000)
    assert equilibrated.simulation_hash() != get_profile("quick").simulation_hash()
    assert equilibrated.settings_hash() != get_profile("quick").settings_hash()


def test_the_settings_hash_did_not_change_when_lists_became_tuples():
    """``glasslib results``' profile_hash of the named profiles, as before list fields were typed (comma strings);
    quick's changed since with its ramps (issue 22) and its propensity epochs (issue 24: 30 → 60), smoke's when
    its ensembles came to record past τ_α (issue 24: dynamics_t_max 2,000 → 3,000 steps), paper's never did."""
    assert get_profile("smoke", dynamics_t_max=2_000).settings_hash().startswith("3d5035737ca49c23")
    assert get_profile("smoke").settings_hash().startswith("1ad87b8f072ba64f")
    assert get_profile("quick", propensity_epochs=30).settings_hash().startswith("8b0f90dfd38cc8ea")
    assert get_profile("quick").settings_hash().startswith("402dcc77c775b245")
    assert get_profile("paper").settings_hash().startswith("f5bf11c2f374b160")
