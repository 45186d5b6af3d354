"""Chapters 01–02: the Kob–Andersen glass former in LAMMPS, the campaign of cooling runs, and Tg.

- :mod:`glasslib.protocol` — what one run does (physics, ramp); :mod:`.driver` — one run in LAMMPS;
- :mod:`.lammps_env` — LAMMPS' Python module with its MPI library;
- :mod:`.store` — the simulation store (one HDF5 file per run); :mod:`.lammps_files` — data and dump files;
- :mod:`.campaign` — an ensemble of runs as Dask tasks, resumable;
- :mod:`.tg` — the glass transition temperature from inherent-structure energies.
"""
