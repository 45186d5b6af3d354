"""Structure without networks: per-particle descriptors and the structural metrics (chapters 04b, 07, 09).

- :mod:`.local_order` — local density, bond-orientational order ψ_m, five-fold motifs (descriptors);
- :mod:`.descriptors` — the descriptor set of chapter 09's linear baseline;
- :mod:`.bond_metrics` — the three structural metrics of chapter 07, vectorised (and networkx's reference);
- :mod:`.ramp_metrics` — the metrics along the slow ramp and as classifiers of the data sets;
- :mod:`.kink` — the kink regression at Tg.
"""
