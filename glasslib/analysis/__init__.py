"""Chapters 04b, 06, 07 and 09: what the networks read, structure without networks, and motion.

- :mod:`.gradcam` — Grad-CAM maps of the CNN, per particle; :mod:`.local_order` — density, ψ5/ψ6,
  five-fold motifs; :mod:`.mobility` — continuation-run displacements; :mod:`.statistics` — rank
  correlations with bootstrap intervals;
- :mod:`.attention`, :mod:`.attention_cutoff`, :mod:`.attention_counts` — the D-MPNN's edge attention;
- :mod:`.bond_metrics` — the three structural metrics; :mod:`.ramp_metrics` — along the ramp and as
  classifiers; :mod:`.kink` — the kink regression at Tg;
- :mod:`.relaxation` — cage-relative displacements, F_s and τ_α; :mod:`.propensity` — propensity, its
  noise ceiling and scores; :mod:`.structural_descriptors` — the linear baseline's inputs;
  :mod:`.dynamics_study` — chapter 09's numbers; :mod:`.dynamics_networks` — its graph networks scored;
  :mod:`.motion_readings` — Grad-CAM, attention and bond-graph readings scored against propensity;
  :mod:`.errors` — the analyses' error.
"""
