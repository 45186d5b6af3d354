"""Chapter 03: the six liquid-vs-glass data sets and the networks' inputs.

- :mod:`.datasets` — which configurations form each data set; :mod:`.splits` — the nested-CV splits;
- :mod:`.rdf` — partial radial distribution functions;
- :mod:`.render` — configurations as the CNN's images; :mod:`.graphs` and :mod:`.graph_batch` — as the
  D-MPNN's graphs; :mod:`.artificial` — five-fold motifs and random configurations for probes.
"""
