"""The book's colours: orange A and blue B as in the paper, colour-blind safe (Okabe–Ito)."""

from __future__ import annotations

COLOUR_A = "#E69F00"


COLOUR_B = "#0072B2"


SCHEDULE_COLOURS = {"slow": "#0072B2", "fast": "#D55E00"}


SCHEDULE_MARKERS = {"slow": "o", "fast": "s"}
