"""Per-particle propensity networks of chapter 09 (PyTorch): a rotation-equivariant graph network and a plain one.

- :mod:`.graphs` — radius graphs of periodic configurations, batched;
- :mod:`.equivariant` — the SO(2)-equivariant network (circular harmonics of bond angles);
- :mod:`.plain` — the same size without built-in equivariance (relative vectors as edge inputs).
"""
