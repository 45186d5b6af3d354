"""``glasslib bench campaign``: Dask worker processes against threads for the same runs."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from glasslib.bench.sim import TIE
from glasslib.profiles import Profile


def bench_campaign(profile: Profile, runs: int = 4) -> dict[str, float]:
    """Time a short campaign (``runs`` per schedule) with Dask worker processes, then threads."""
    from glasslib.simulation.campaign import run_campaign

    rates = {}
    for processes in (True, False):
        variant = dataclasses.replace(profile, dask_processes=processes)
        with tempfile.TemporaryDirectory(prefix="glasslib-bench-") as tmp:
            run_campaign(variant, run_dir=Path(tmp), runs=1, progress=False)  # initial config + warm-up
            started = time.perf_counter()
            for path in Path(tmp, "sim").glob("*/run_*.h5"):
                path.unlink()
            report = run_campaign(variant, run_dir=Path(tmp), runs=runs, progress=False)
            rates["processes" if processes else "threads"] = report.computed / (time.perf_counter() - started)
    print(f"campaign: {2 * runs} runs of profile {profile.label} (N = {profile.n_particles}) on a LocalCluster")
    for kind, rate in rates.items():
        print(f"  worker {kind:9s}: {rate:6.3f} runs/s")
    ratio = rates["processes"] / rates["threads"]
    if abs(ratio - 1.0) < TIE:
        verdict = (
            f"equal within {100 * TIE:.0f} % (processes/threads = {ratio:.3f}): processes stay the default, "
            "as they isolate each LAMMPS instance and its MPI library"
        )
    else:
        verdict = f"faster: {max(rates, key=rates.get)} (processes/threads = {ratio:.3f})"
    print(f"  {verdict}; default dask_processes={profile.dask_processes}")
    return rates


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench campaign`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_campaign(profile)
