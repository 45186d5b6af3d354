"""Chapters 04b, 06 and 07: what the networks read, and structure without networks.

- :mod:`.gradcam` — Grad-CAM maps of the CNN, per particle; :mod:`.local_order` — density, ψ5/ψ6,
  five-fold motifs; :mod:`.mobility` — continuation-run displacements; :mod:`.statistics` — rank
  correlations with bootstrap intervals;
- :mod:`.attention`, :mod:`.attention_cutoff`, :mod:`.attention_counts` — the D-MPNN's edge attention;
- :mod:`.bond_metrics` — the three structural metrics; :mod:`.ramp_metrics` — along the ramp and as
  classifiers; :mod:`.kink` — the kink regression at Tg.
"""
