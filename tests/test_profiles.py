"""Profiles: the paper's numbers, overrides, and clear errors for bad keys and values."""

from __future__ import annotations

import pytest

from glasslib.profiles import PROFILES, ProfileError, get_profile, parse_overrides


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
