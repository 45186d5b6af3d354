"""The run's conclusion as data: ``glasslib results`` and the claims judged by their intervals.

- :mod:`.results` — every headline number of a run directory as one JSON document;
- :mod:`.claims` — the paper's and the book's claims, each a verdict from its 95 % interval.

The report may read every layer below it; nothing below imports it.
"""
