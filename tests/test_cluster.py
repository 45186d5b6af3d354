"""Heavy steps on any Dask cluster (glasslib.cluster): clear errors, and a real search through hand-started workers.

The slow test starts ``dask scheduler`` and two ``dask worker`` processes on localhost, as a user
would, runs a smoke D-MPNN nested-CV search on the smoke book's data through them, SIGKILLs one
worker in the middle of a fold, and checks that nothing is lost: the results equal a
LocalCluster's at the same seeds, and the trials the killed worker had finished are kept, not redone.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from glasslib import cluster
from glasslib.console_scripts import console_script
from glasslib.models import nested_cv, selection
from glasslib.profiles import get_profile
from glasslib.rundir import product_hash

SMOKE = get_profile("smoke")


def test_a_scheduler_that_does_not_answer_is_a_clear_error_within_seconds():
    started = time.perf_counter()
    with pytest.raises(cluster.ClusterError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9 .*dask scheduler"):
        cluster.connect("tcp://127.0.0.1:9")
    assert time.perf_counter() - started < cluster.CONNECT_SECONDS + 5


@pytest.mark.slow
def test_inside_the_book_every_step_of_a_kernel_shares_one_local_cluster_closed_at_exit():
    code = """
import os, sys
from glasslib import cluster
from glasslib.profiles import get_profile
profile = get_profile("smoke")
seen = []
for _ in range(2):
    with cluster.dask_client(profile) as client:
        seen.append((id(client), sorted(client.run(os.getpid).values())))
assert seen[0] == seen[1], seen
print(" ".join(map(str, seen[0][1])))
"""
    env = {**os.environ, cluster.SHARED_LOCAL_ENV: "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    pids = [int(p) for p in done.stdout.split()]
    assert pids and os.getpid() not in pids

    def alive(pid: int) -> bool:
        with contextlib.suppress(FileNotFoundError):
            return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
        return False

    deadline = time.monotonic() + 30
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(map(alive, pids)), "the shared cluster's workers outlived the process that started them"


@pytest.mark.slow
def test_local_workers_keep_glibc_allocator_defaults_that_dask_would_change():
    code = """
import os
from glasslib import cluster
from glasslib.profiles import get_profile
with cluster.dask_client(get_profile("smoke", workers=1)) as client:
    print(sorted(set(client.run(os.environ.get, "MALLOC_TRIM_THRESHOLD_").values()), key=str))
"""
    env = {key: value for key, value in os.environ.items() if key not in cluster.WORKER_ENVIRON_UNSET}
    env.pop(cluster.SHARED_LOCAL_ENV, None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[None]", "Dask's MALLOC_TRIM_THRESHOLD_ reached the workers: torch trains 2.3x slower there"


def test_a_missing_or_broken_scheduler_file_and_a_wrong_address_are_clear_errors_at_once(tmp_path):
    with pytest.raises(cluster.ClusterError, match="no scheduler file at .*missing.json: start one with `dask scheduler --scheduler-file"):
        cluster.connect(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(cluster.ClusterError, match="is not a Dask scheduler file"):
        cluster.connect(str(broken))
    with pytest.raises(cluster.ClusterError, match="neither a scheduler address"):
        cluster.connect("my-laptop")
    with pytest.raises(cluster.ClusterError, match="not 8786"):
        cluster.connect(8786)


def test_a_scheduler_without_workers_is_an_error_not_a_hang(monkeypatch):
    from dask.distributed import LocalCluster

    monkeypatch.setattr(cluster, "WORKER_WAIT_SECONDS", 1)
    with LocalCluster(n_workers=0, dashboard_address=":0", silence_logs=40) as empty:
        with pytest.raises(cluster.ClusterError, match="has no workers after 1 s; start some with `dask worker"):
            cluster.check_scheduler(empty.scheduler_address)


@pytest.mark.parametrize("command", ["book", "simulate"])
def test_the_commands_stop_before_starting_anything_when_the_scheduler_does_not_answer(command, tmp_path):
    folder = "--run-dir" if command == "book" else "--out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "glasslib",
            command,
            "--profile",
            "smoke",
            folder,
            str(tmp_path / "runs"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "no Dask scheduler answers at tcp://127.0.0.1:9" in done.stderr
    assert not (tmp_path / "runs").exists()


def test_trainings_in_one_process_take_turns():
    inside, overlaps = [], []

    def train() -> None:
        with cluster.training_slot():
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.05)
            inside.pop()

    threads = [threading.Thread(target=train) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [1, 1, 1, 1]


def test_the_book_passes_the_scheduler_to_every_chapter_as_an_absolute_address(tmp_path, monkeypatch):
    from glasslib.book import runner

    monkeypatch.chdir(tmp_path)
    assert runner.notebook_parameters(SMOKE, {}, tmp_path, "tcp://h:8786")["scheduler"] == "tcp://h:8786"
    assert runner.notebook_parameters(SMOKE, {}, tmp_path, "sched.json")["scheduler"] == str(tmp_path / "sched.json")
    assert runner.notebook_parameters(SMOKE, {}, tmp_path)["scheduler"] is None


# --------------------------------------------------------------------------- a real cluster on localhost
def _start(arguments: list[str], log: Path) -> subprocess.Popen:
    """A ``dask`` subprocess in its own session (killed as a group), output to ``log``."""
    with open(log, "wb") as handle:
        return subprocess.Popen([console_script("dask"), *arguments], stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _trials(path: Path) -> list[dict]:
    try:
        with open(path, "rb") as handle:
            return [dict(t["result"]) for t in pickle.load(handle)["trials"].trials]
    except (OSError, EOFError, pickle.UnpicklingError):
        return []


def _workers(client) -> set[str]:
    return set(client.scheduler_info()["workers"])


@pytest.mark.slow
def test_a_search_through_hand_started_workers_survives_a_killed_worker_and_equals_a_local_cluster(smoke_book, tmp_path):
    _, _, run_dir = smoke_book
    spec = selection.dmpnn_spec(SMOKE)
    settings = {"n_iter": 5, "inner_epochs": 1, "outer_epochs": 1, "seed": SMOKE.seed, "threads": 1, "progress": False}
    common = {"run_dir": run_dir, "profile_hash": product_hash(SMOKE, "datasets"), "dataset_ids": (1,), "model": spec, **settings}
    with cluster.dask_client(SMOKE) as local:
        reference = nested_cv.nested_cv(client=local, out_dir=tmp_path / "local", **common)

    scheduler_file = tmp_path / "scheduler.json"
    processes = [
        _start(["scheduler", "--port", "0", "--dashboard-address", ":0", "--scheduler-file", str(scheduler_file)], tmp_path / "s.log")
    ]
    try:
        _wait_for(scheduler_file.exists, 60, "the scheduler file")
        for i in range(2):
            arguments = ["worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1", "--no-nanny", "--memory-limit", "0"]
            processes.append(_start(arguments, tmp_path / f"w{i}.log"))
        out = tmp_path / "cluster"
        with cluster.connect(scheduler_file) as client:
            _wait_for(lambda: len(_workers(client)) == 2, 60, "two workers")
            pids = client.run(os.getpid)  # worker address → process id
            result: dict = {}
            searching = threading.Thread(target=lambda: result.update(cv=nested_cv.nested_cv(client=client, out_dir=out, **common)))
            searching.start()

            def a_fold_half_done() -> bool:
                for f in range(3):
                    trials = _trials(nested_cv.fold_paths(out, spec, 1, f)["trials"])
                    if 1 <= len(trials) < settings["n_iter"]:
                        result["fold"] = f
                        return True
                return False

            _wait_for(a_fold_half_done, 300, "a fold with some of its trials done")
            fold = result["fold"]
            victim = _trials(nested_cv.fold_paths(out, spec, 1, fold)["trials"])[0]["worker"]
            os.kill(pids[victim], signal.SIGKILL)
            kept = _trials(nested_cv.fold_paths(out, spec, 1, fold)["trials"])  # what the killed worker had saved
            searching.join(timeout=600)
            assert not searching.is_alive(), "the search did not finish after a worker was killed"
            assert victim not in _workers(client)
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    survived = result["cv"]
    assert set(survived.folds) == set(reference.folds) == {(1, 0), (1, 1), (1, 2)}
    for job, expected in reference.folds.items():
        got = survived.folds[job]
        assert got.params == expected.params and got.auc == expected.auc
        np.testing.assert_array_equal(got.test_probability, expected.test_probability)
        assert [(t["params"], t["auc"], t["seed"]) for t in got.trials] == [(t["params"], t["auc"], t["seed"]) for t in expected.trials]
    trials = survived.folds[(1, fold)].trials
    # the trials the killed worker finished were kept, the rest were run by the survivor
    assert [t["worker"] for t in trials[: len(kept)]] == [victim] * len(kept)
    assert all(t["worker"] != victim for t in trials[len(kept) :]) and len(kept) < len(trials)
    assert {t["device"] for t in trials} == {"CPU"}
