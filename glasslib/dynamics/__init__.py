"""Chapter 09: how particles move, and everything about propensity in one place.

- :mod:`.relaxation` — cage-relative displacements, F_s(k, t) and τ_α;
- :mod:`.propensity` — propensity of an iso-configurational ensemble, its noise ceiling, correlations;
- :mod:`.linear_baseline` — a linear model of propensity on classical descriptors;
- :mod:`.networks` — the rotation-equivariant and the plain propensity networks (PyTorch);
- :mod:`.network_scores` — both networks cross-validated over configurations and scored against propensity.

The ensembles themselves are LAMMPS runs: :mod:`glasslib.simulation.isoconfigurational`.
"""
