"""What a chapter computes, saves, tabulates and glues: the layer between the library and a notebook.

A chapter module calls the subpackages below it (simulation, data, models, interpretation,
structure, dynamics), stores its products through :mod:`glasslib.rundir` and gives the notebook
its tables and glued numbers. CONTRIBUTING.md maps every chapter to its module.

- :mod:`.ch01_simulation` … :mod:`.ch10_paper_scale` — one module per notebook (CONTRIBUTING.md has the map);
- :mod:`.classifiers` — chapters 04 and 05: nested cross-validation of every classifier, cross-data-set test;
- :mod:`.ch09_dynamics` — chapter 09: relaxation, propensity, baselines and networks, the verdicts;
- :mod:`.ch09_readings` — chapter 09: what chapters 04–07 read, scored against motion, on both inputs;
- :mod:`.ch09_reading_tables` — chapter 09: the tables of those readings;
- :mod:`.ch10_paper_scale` — chapter 10: the paper profile's cost, from this machine's figures.
"""
