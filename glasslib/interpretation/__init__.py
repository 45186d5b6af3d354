"""Chapters 04, 04b and 06: what the trained classifiers read in a configuration.

- :mod:`.artificial_probe` — what the CNN calls five-fold motifs and random configurations (chapter 04);
- :mod:`.gradcam` — Grad-CAM maps of the CNN, per particle; :mod:`.mobility` — continuation-run
  displacements; :mod:`.descriptor_correlations` — Grad-CAM beside the classical descriptors (chapter 04b);
- :mod:`.attention`, :mod:`.attention_cutoff`, :mod:`.attention_counts` — the D-MPNN's edge attention
  and the high-attention graph it draws (chapter 06).
"""
