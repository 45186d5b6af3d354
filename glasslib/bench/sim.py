"""``glasslib bench sim``: LAMMPS throughput of one cooling ramp, through glasslib and directly.

Atom-steps per second of one ramp through glasslib (chunked runs, snapshot extraction) against
LAMMPS' own ``lmp`` executable on the same input script.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from glasslib import protocol as simulation_protocol
from glasslib.console_scripts import console_script
from glasslib.profiles import Profile
from glasslib.simulation import driver, lammps_files

REPEATS = 3
#: Relative difference below which two rates count as equal.
TIE = 0.03  # relative difference below which two rates count as equal


def _direct_loop_seconds(script: Path, workdir: Path) -> float:
    """Run LAMMPS' ``lmp`` executable on ``script``; return its reported MD loop time, s."""
    done = subprocess.run(
        [console_script("lmp"), "-in", str(script), "-log", "none", "-nocite"], cwd=workdir, capture_output=True, text=True, check=True
    )
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
    schedule = simulation_protocol.CoolingSchedule("bench", steps - steps % every, every)
    initial = driver.initial_configuration(protocol, seed=profile.seed)
    atom_steps = protocol.n_particles * schedule.t_cool
    with tempfile.TemporaryDirectory(prefix="glasslib-bench-") as tmp:
        folder = Path(tmp)
        data = lammps_files.write_data_file(folder / "start.data", initial["positions"], initial["types"], protocol.box_length)
        script = driver.write_input_script(folder / "in.cool", protocol, data, schedule, seed=12345)
        via_glasslib, direct = [], []
        for _ in range(REPEATS):
            run = driver.run_cooling(protocol, schedule, initial["positions"], initial["types"], 12345, inherent=False)
            via_glasslib.append(run["md_seconds"])
            direct.append(_direct_loop_seconds(script, folder))
    rate_glasslib = atom_steps / min(via_glasslib)
    rate_direct = atom_steps / min(direct)
    print(
        f"system: N = {protocol.n_particles}, {schedule.t_cool} steps, snapshot every {every} steps "
        f"({schedule.n_snapshots} snapshots), best of {REPEATS}, one core each"
    )
    print(f"  glasslib (LAMMPS Python module, chunked): {rate_glasslib / 1e6:8.2f} M atom-steps/s")
    print(f"  LAMMPS directly (lmp -in, one run):       {rate_direct / 1e6:8.2f} M atom-steps/s")
    print(f"  ratio glasslib / direct:                  {rate_glasslib / rate_direct:8.3f}")
    return {"glasslib": rate_glasslib, "direct": rate_direct, "ratio": rate_glasslib / rate_direct}


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench sim`` at its defaults (``profile`` and ``steps`` where the benchmark uses them)."""
    return bench_sim(profile, steps=steps)
