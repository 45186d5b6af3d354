"""The book's colours: orange A and blue B as in the paper, colour-blind safe (Okabe–Ito).

The particle colours are the renderer's (:data:`glasslib.data.render.COLOUR_A`): figures show
particles as the CNN sees them, and figure styling never feeds data.
"""

from __future__ import annotations

from glasslib.data.render import COLOUR_A, COLOUR_B

__all__ = ["COLOUR_A", "COLOUR_B", "SCHEDULE_COLOURS", "SCHEDULE_MARKERS"]


SCHEDULE_COLOURS = {"slow": "#0072B2", "fast": "#D55E00"}


SCHEDULE_MARKERS = {"slow": "o", "fast": "s"}
