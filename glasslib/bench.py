"""Speed figures printed by ``glasslib bench …`` (quoted in the issue notes and the README).

- ``bench sim``: LAMMPS throughput (atom-steps per second) of one cooling ramp through glasslib
  (chunked runs, snapshot extraction) against LAMMPS' own ``lmp`` executable on the same input.
- ``bench campaign``: a short campaign on a Dask LocalCluster with worker processes against
  worker threads, in runs per second.
- ``bench render`` and ``bench graphs`` live beside the code they time:
  :func:`glasslib.render.bench_render`, :func:`glasslib.graphs.bench_graphs`.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from glasslib import sim, store
from glasslib.profiles import Profile

REPEATS = 3
TIE = 0.03  # relative difference below which two rates count as equal


def _direct_loop_seconds(script: Path, workdir: Path) -> float:
    """Run LAMMPS' ``lmp`` executable on ``script``; return its reported MD loop time, s."""
    executable = shutil.which("lmp") or str(Path(sys.executable).with_name("lmp"))
    done = subprocess.run([executable, "-in", str(script), "-log", "none", "-nocite"], cwd=workdir,
                          capture_output=True, text=True, check=True)
    match = re.search(r"Loop time of ([0-9.eE+-]+) on", done.stdout)
    if match is None:
        raise RuntimeError(f"no 'Loop time' in LAMMPS output:\n{done.stdout[-2000:]}")
    return float(match.group(1))


def bench_sim(profile: Profile, steps: int | None = None) -> dict[str, float]:
    """Time one MD ramp of ``steps`` steps both ways (best of 3) and print the figures.

    The ramp is the profile's slow schedule truncated to ``steps`` (default: the whole ramp, at
    most 50,000 steps) with the profile's snapshot interval, so glasslib pays for its chunking
    and its snapshot extraction exactly as in a campaign.
    """
    protocol = profile.protocol
    slow = profile.schedules["slow"]
    steps = steps or min(slow.t_cool, 50_000)
    every = min(slow.snapshot_every, steps)
    schedule = sim.CoolingSchedule("bench", steps - steps % every, every)
    initial = sim.initial_configuration(protocol, seed=profile.seed)
    atom_steps = protocol.n_particles * schedule.t_cool
    with tempfile.TemporaryDirectory(prefix="glasslib-bench-") as tmp:
        folder = Path(tmp)
        data = store.write_data_file(folder / "start.data", initial["positions"], initial["types"], protocol.box_length)
        script = sim.write_input_script(folder / "in.cool", protocol, data, schedule, seed=12345)
        via_glasslib, direct = [], []
        for _ in range(REPEATS):
            run = sim.run_cooling(protocol, schedule, initial["positions"], initial["types"], 12345, inherent=False)
            via_glasslib.append(run["md_seconds"])
            direct.append(_direct_loop_seconds(script, folder))
    rate_glasslib = atom_steps / min(via_glasslib)
    rate_direct = atom_steps / min(direct)
    print(f"system: N = {protocol.n_particles}, {schedule.t_cool} steps, snapshot every {every} steps "
          f"({schedule.n_snapshots} snapshots), best of {REPEATS}, one core each")
    print(f"  glasslib (LAMMPS Python module, chunked): {rate_glasslib / 1e6:8.2f} M atom-steps/s")
    print(f"  LAMMPS directly (lmp -in, one run):       {rate_direct / 1e6:8.2f} M atom-steps/s")
    print(f"  ratio glasslib / direct:                  {rate_glasslib / rate_direct:8.3f}")
    return {"glasslib": rate_glasslib, "direct": rate_direct, "ratio": rate_glasslib / rate_direct}


def bench_campaign(profile: Profile, runs: int = 4) -> dict[str, float]:
    """Time a short campaign (``runs`` per schedule) with Dask worker processes, then threads."""
    from glasslib.campaign import run_campaign  # noqa: PLC0415

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
        verdict = f"equal within {100 * TIE:.0f} % (processes/threads = {ratio:.3f}): processes stay the default, " \
                  "as they isolate each LAMMPS instance and its MPI library"
    else:
        verdict = f"faster: {max(rates, key=rates.get)} (processes/threads = {ratio:.3f})"
    print(f"  {verdict}; default dask_processes={profile.dask_processes}")
    return rates
