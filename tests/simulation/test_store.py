"""The run store: atomic files, stale/corrupt detection, and LAMMPS dump reading with clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.simulation import lammps_files, store

HASH = "a" * 64


def fake_result(n_snap: int = 3, n: int = 5, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "step": np.arange(1, n_snap + 1) * 10,
        "target_temperature": np.linspace(1.5, 0.05, n_snap),
        "temperature": rng.uniform(0.05, 2, n_snap),
        "potential_energy": rng.uniform(-3, -2, n_snap),
        "inherent_energy": rng.uniform(-4, -3, n_snap),
        "inherent_fnorm": rng.uniform(0, 1e-3, n_snap),
        "inherent_iterations": rng.integers(10, 1000, n_snap),
        "positions": rng.uniform(0, 4, (n_snap, n, 2)),
        "start_positions": rng.uniform(0, 4, (n, 2)),
        "md_seconds": 1.0,
        "min_seconds": 2.0,
    }


def write(path, result=None, profile_hash=HASH):
    result = result or fake_result()
    types = np.array([1, 1, 2, 1, 2])
    return store.write_run(path, result, types, {"profile_hash": profile_hash, "box_length": 4.0, "run_index": 0, "seed": 1})


def test_round_trip_and_no_temporary_files_left(tmp_path):
    path = write(tmp_path / "sim" / "slow" / "run_00000.h5")
    record = store.read_run(path, HASH)
    assert record.positions.shape == (3, 5, 2) and record.attrs["seed"] == 1
    scaled = record.scaled_positions()
    assert np.all((scaled >= 0) & (scaled < 1))
    assert [p.name for p in path.parent.iterdir()] == ["run_00000.h5"]
    assert store.check_run(path, HASH) is None


def test_stale_file_is_reported(tmp_path):
    path = write(tmp_path / "run.h5", profile_hash="b" * 64)
    with pytest.raises(store.StoreError, match="stale"):
        store.read_run(path, HASH)
    assert "stale" in store.check_run(path, HASH)


def test_truncated_file_is_corrupt_not_data(tmp_path):
    path = write(tmp_path / "run.h5")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(store.StoreError, match="corrupt"):
        store.read_run(path, HASH)
    assert "corrupt" in store.check_run(path, HASH)


def test_nan_in_a_stored_run_is_rejected(tmp_path):
    result = fake_result()
    result["positions"][1, 2, 0] = np.nan
    path = write(tmp_path / "run.h5", result)
    with pytest.raises(store.StoreError, match="non-finite values in \\['positions'\\]"):
        store.read_run(path, HASH)


def test_file_without_complete_flag_is_incomplete(tmp_path):
    import h5py

    path = tmp_path / "run.h5"
    with h5py.File(path, "w") as h5:
        h5["step"] = [1]
        h5.attrs["profile_hash"] = HASH
    assert "incomplete" in store.check_run(path, HASH)
    assert "missing" in store.check_run(tmp_path / "absent.h5", HASH)


def test_partial_files_from_killed_writers_are_removed(tmp_path):
    leftover = tmp_path / "sim" / "slow" / "run_00003.h5.tmp-123-abcd"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half")
    assert store.remove_partial_files(tmp_path) == [leftover]
    assert not leftover.exists()


def test_load_ensemble_names_the_notebook_to_run(tmp_path):
    with pytest.raises(store.StoreError, match="01_simulation"):
        store.load_ensemble(tmp_path, "slow", 2, HASH)


# ----------------------------------------------------------------------------- dumps
DUMP = """ITEM: TIMESTEP
100
ITEM: NUMBER OF ATOMS
3
ITEM: BOX BOUNDS pp pp pp
0 10
0 10
-0.5 0.5
ITEM: ATOMS id type x y z
2 2 3.0 4.0 0
1 1 1.0 2.0 0
3 1 9.5 0.5 0
"""


def test_dump_round_trip(tmp_path):
    positions = np.array([[1.0, 2.0], [3.0, 4.0], [9.5, 0.5]])
    types = np.array([1, 2, 1])
    path = lammps_files.write_dump(tmp_path / "a.dump", [(0, positions, types), (10, positions + 0.1, types)], 10.0)
    frames = lammps_files.read_dump(path)
    assert [f.step for f in frames] == [0, 10]
    assert np.allclose(frames[1].positions, positions + 0.1) and np.array_equal(frames[0].types, types)


def test_dump_is_sorted_by_id(tmp_path):
    path = tmp_path / "b.dump"
    path.write_text(DUMP)
    (frame,) = lammps_files.read_dump(path)
    assert frame.ids.tolist() == [1, 2, 3] and frame.types.tolist() == [1, 2, 1]
    assert np.allclose(frame.positions[0], [1.0, 2.0]) and frame.box_length == 10.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DUMP.rsplit("\n", 2)[0] + "\n", "truncated"),
        (DUMP.replace("3.0 4.0", "nan 4.0"), "NaN"),
        (DUMP.replace("2 2 3.0", "2 7 3.0"), "unknown atom types \\[7\\]"),
        (DUMP.replace("ITEM: BOX BOUNDS pp pp pp\n0 10\n0 10\n-0.5 0.5\n", ""), "BOX BOUNDS"),
        ("", "empty file"),
        ("hello\n", "expected 'ITEM: TIMESTEP'"),
    ],
)
def test_malformed_dumps_name_the_file_and_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.dump"
    path.write_text(text)
    with pytest.raises(lammps_files.DumpFormatError, match=message) as info:
        lammps_files.read_dump(path)
    assert str(path) in str(info.value)
