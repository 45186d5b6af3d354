"""Where the heavy steps run: a Dask cluster, local by default, any other on request.

Every heavy step of the book — the cooling runs (chapter 01), the nested cross-validation searches
(chapters 04 and 05) and the iso-configurational ensembles (chapter 09) — is a set of independent
Dask tasks submitted through :func:`dask_client`. Without a scheduler they run on a
``LocalCluster`` of this machine; with one (``glasslib book --scheduler …``, ``glasslib simulate
--scheduler …``, or the ``scheduler`` parameter of every chapter) they run on that cluster
unchanged: a scheduler address (``tcp://host:8786``), a scheduler file written by ``dask
scheduler --scheduler-file`` or dask-mpi, or a cluster object (``dask_jobqueue.SLURMCluster``,
``dask_cuda.LocalCUDACluster``). Workers must import the same glasslib and see the run directory
at the same path (a shared file system).

A scheduler that does not answer is a :class:`ClusterError` within :data:`CONNECT_SECONDS`, before
anything is computed; one without workers is an error after :data:`WORKER_WAIT_SECONDS`, never a
hang. Inside ``glasslib book`` (:data:`SHARED_LOCAL_ENV`, which the runner sets and its kernels inherit) every
heavy step of a chapter uses one ``LocalCluster``, started by its first step and closed when the kernel
exits, instead of starting one and its workers' imports (TensorFlow, torch) again for every step.
Trainings take :func:`training_slot`: one at a time per worker process, whatever the worker's
thread count, so that a worker with one GPU trains one network on it and the frameworks' global
seeds are never shared by two trainings.

The LocalCluster's worker processes keep glibc's own memory allocator settings
(:data:`WORKER_ENVIRON_UNSET`): Dask sets ``MALLOC_TRIM_THRESHOLD_`` in every worker it spawns, which
switches off glibc's adaptive mmap threshold, so every large temporary of a torch or TensorFlow training
step is mapped and unmapped again — measured here, the equivariant network trained 2.3× slower in a
worker than in the notebook's own process. A cluster started elsewhere should drop it the same way
(Dask configuration ``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from glasslib.progress import progress_bar

#: Set (to anything) by the book runner: one LocalCluster per process for every step (closed at exit).
SHARED_LOCAL_ENV = "GLASSLIB_SHARED_LOCAL_CLUSTER"
#: The shared LocalClusters of this process: (workers, processes) → (cluster, client).
_SHARED: dict[tuple[int, bool], tuple[Any, Any]] = {}
#: Seconds to wait for a scheduler to answer before :class:`ClusterError`.
CONNECT_SECONDS = 5
#: Seconds to wait for the first worker of a scheduler given by address or file.
WORKER_WAIT_SECONDS = 60
#: Environment variables Dask would set in the LocalCluster's worker processes and glasslib leaves unset (module docstring).
WORKER_ENVIRON_UNSET = ("MALLOC_TRIM_THRESHOLD_",)


class ClusterError(RuntimeError):
    """A Dask scheduler that cannot be reached, has no workers, or is given in a form not understood."""


def _address(scheduler: Any) -> str:
    """The scheduler address of an address, a scheduler file or a cluster object; a clear error otherwise."""
    if hasattr(scheduler, "scheduler_address"):
        return str(scheduler.scheduler_address)
    if not isinstance(scheduler, (str, os.PathLike)):
        raise ClusterError(f"a scheduler is an address (tcp://host:8786), a scheduler file (.json) or a cluster object, not {scheduler!r}")
    text = os.fspath(scheduler)
    if text.endswith(".json"):
        return _address_from_file(Path(text))
    if ":" not in text:
        raise ClusterError(f"{text!r} is neither a scheduler address (tcp://host:8786) nor a scheduler file (*.json)")
    return text


def _address_from_file(path: Path) -> str:
    """The address in a scheduler file (``dask scheduler --scheduler-file``); clear errors for a missing or broken file."""
    if not path.is_file():
        raise ClusterError(f"no scheduler file at {path}: start one with `dask scheduler --scheduler-file {path}` (or dask-mpi) first")
    try:
        return str(json.loads(path.read_text())["address"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ClusterError(f"{path} is not a Dask scheduler file (JSON with an 'address'): {err}") from None


def connect(scheduler: Any, wait_for_workers: bool = True) -> Any:
    """A ``dask.distributed.Client`` of ``scheduler`` (address, scheduler file or cluster object).

    Raises
    ------
    ClusterError
        The scheduler does not answer within :data:`CONNECT_SECONDS`, or (address and file only)
        has no worker after :data:`WORKER_WAIT_SECONDS`: the message names the address and what to start.
    """
    from dask.distributed import Client

    address = _address(scheduler)
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError, ValueError) as err:
        raise ClusterError(
            f"no Dask scheduler answers at {address} (waited {CONNECT_SECONDS} s: {err}); start one with "
            f"`dask scheduler` and workers with `dask worker {address}`, or leave --scheduler out to run on this machine"
        ) from None
    if wait_for_workers and not hasattr(scheduler, "scheduler_address"):  # adaptive clusters start workers on demand
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
        except (OSError, TimeoutError):
            client.close()
            raise ClusterError(
                f"the Dask scheduler at {address} has no workers after {WORKER_WAIT_SECONDS} s; start some with `dask worker {address}`"
            ) from None
    return client


def check_scheduler(scheduler: Any) -> str:
    """Connect to ``scheduler`` and let go again; returns a one-line description (address, workers).

    What ``glasslib book`` and ``glasslib simulate`` do before starting anything.
    """
    client = connect(scheduler)
    try:
        workers = client.scheduler_info().get("workers", {})
        threads = sum(w.get("nthreads", 0) for w in workers.values())
        return f"Dask scheduler {client.scheduler.address}: {len(workers)} worker(s), {threads} thread(s)"
    finally:
        client.close()


@contextlib.contextmanager
def dask_client(profile: Any, scheduler: Any = None) -> Iterator[Any]:
    """A Dask client: a LocalCluster by default, else the given address, scheduler file or cluster.

    Parameters
    ----------
    profile : Profile — its ``workers`` (0 = one per core) and ``dask_processes`` shape the LocalCluster.
    scheduler : None, str or cluster
        ``None`` → LocalCluster with ``profile.workers`` single-threaded workers, processes or
        threads as ``profile.dask_processes`` says; ``"tcp://…"`` → that scheduler; a path ending
        in ``.json`` → a scheduler file; an object with a ``scheduler_address`` (e.g.
        ``dask_jobqueue.SLURMCluster``, ``dask_cuda.LocalCUDACluster``) → that cluster.
    """
    from dask.distributed import Client

    if scheduler is None:
        workers = profile.workers or os.cpu_count() or 1
        if os.environ.get(SHARED_LOCAL_ENV):
            yield shared_local_client(workers, profile.dask_processes)
            return
        with _local_cluster(workers, profile.dask_processes) as cluster, Client(cluster) as client:
            yield client
    else:
        with connect(scheduler) as client:
            yield client


def _local_cluster(workers: int, processes: bool) -> Any:
    """A LocalCluster of ``workers`` single-threaded workers (processes or threads), quiet, no memory limit."""
    import dask
    from dask.distributed import LocalCluster

    unset = {f"distributed.nanny.pre-spawn-environ.{name}": None for name in WORKER_ENVIRON_UNSET}
    with dask.config.set(unset):
        return LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=":0", memory_limit=0, silence_logs=40
        )


def shared_local_client(workers: int, processes: bool) -> Any:
    """This process's client of its one LocalCluster of that shape, started on first use and closed at exit."""
    from dask.distributed import Client

    key = (workers, processes)
    if key not in _SHARED or _SHARED[key][1].status != "running":
        cluster = _local_cluster(workers, processes)
        _SHARED[key] = (cluster, Client(cluster))
        atexit.register(close_shared, key)
    return _SHARED[key][1]


def close_shared(key: tuple[int, bool] | None = None) -> None:
    """Close this process's shared LocalCluster of shape ``key`` (every one if ``None``) and its workers."""
    for shape in [key] if key is not None else list(_SHARED):
        if shape in _SHARED:
            cluster, client = _SHARED.pop(shape)
            client.close()
            cluster.close()


def run_tasks(client: Any, tasks: list[tuple[str, Any, tuple[Any, ...]]], description: str, unit: str, progress: bool = True) -> list[Any]:
    """Submit ``(key, function, args)`` tasks to ``client`` and gather their results as they finish, with a progress bar.

    Results come back in completion order; a task that raises re-raises here. A task whose worker
    dies is run again elsewhere by the scheduler (Dask's ``allowed-failures``).
    """
    from dask.distributed import as_completed

    futures = [client.submit(function, *args, key=key, pure=False) for key, function, args in tasks]
    bar = progress_bar(total=len(futures), desc=description, unit=unit, disable=not progress, mininterval=5.0)
    results = []
    for future in as_completed(futures):
        results.append(future.result())
        bar.update(1)
    bar.close()
    return results


_TRAINING = threading.Lock()


@contextlib.contextmanager
def training_slot() -> Iterator[None]:
    """Hold this process's single training slot: trainings in one worker process run one after another.

    A worker started with several threads (``dask worker`` defaults to one per core) would otherwise
    train two networks at once, sharing TensorFlow's and torch's global seeds and, on a GPU node,
    one GPU. Processes (LocalCluster workers, one jobqueue job per GPU) each have their own slot.
    """
    with _TRAINING:
        yield


def worker_name() -> str:
    """The address of the Dask worker running the current task, or ``"local"`` outside a worker."""
    try:
        from dask.distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"
