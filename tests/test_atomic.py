"""glasslib.atomic: the one atomic write, and the clean-up of what killed writers left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from glasslib.atomic import TMP_MARK, atomic_path, remove_partial_files, temporary_path, write_json_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "product.json"
    write_json_atomic(target, {"version": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("{half a")
        raise RuntimeError("killed mid-write")
    assert json.loads(target.read_text()) == {"version": 1}
    assert list(tmp_path.iterdir()) == [target]


def test_temporary_names_keep_the_suffix_keras_needs(tmp_path):
    assert temporary_path(tmp_path / "ds1_fold0.weights.h5").name.endswith(".weights.h5")
    assert temporary_path(tmp_path / "tg.json").suffix == ".json"
    assert TMP_MARK in temporary_path(tmp_path / "tg.json").name
    # no product pattern matches a file being written
    assert temporary_path(tmp_path / "run_00003.h5").name.startswith(".")


def test_leftovers_of_a_killed_writer_are_removed_and_live_ones_kept(tmp_path):
    folder = tmp_path / "models" / "cnn"
    folder.mkdir(parents=True)
    # a writer process that has exited: its temporary file is an orphan
    code = (
        "from glasslib.atomic import temporary_path; import pathlib, sys; "
        "p = temporary_path(pathlib.Path(sys.argv[1])); p.write_text('partial'); print(p)"
    )
    done = subprocess.run([sys.executable, "-c", code, str(folder / "ds1_fold0.result.json")], capture_output=True, text=True, check=True)
    orphan = folder / os.path.basename(done.stdout.strip())
    old_style = tmp_path / "sim" / "slow" / "run_00000.h5.tmp-123-abcdef12"
    old_style.parent.mkdir(parents=True)
    old_style.write_text("partial")
    alive = temporary_path(tmp_path / "tg.json")  # this process is alive: its file stays
    alive.write_text("being written")
    removed = set(remove_partial_files(tmp_path))
    assert removed == {orphan, old_style}
    assert alive.exists() and not orphan.exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="zombie states are read from Linux /proc")
def test_leftovers_of_a_killed_writer_not_yet_reaped_are_removed(tmp_path):
    # a SIGKILLed writer whose parent has not reaped it (a zombie) still answers kill(pid, 0) but writes nothing
    code = (
        "from glasslib.atomic import temporary_path; import os, pathlib, signal, sys; "
        "p = temporary_path(pathlib.Path(sys.argv[1])); p.write_text('partial'); print(p, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    writer = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "run_00002.h5")], stdout=subprocess.PIPE, text=True)
    orphan = tmp_path / os.path.basename(writer.stdout.readline().strip())
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "Z" not in open(f"/proc/{writer.pid}/stat").read().rpartition(")")[2].split()[:1]:
            time.sleep(0.01)  # not reaped: Popen waits only when asked
        os.kill(writer.pid, 0)  # the zombie still answers a signal check
        assert remove_partial_files(tmp_path) == [orphan] and not orphan.exists()
    finally:
        writer.wait()
