"""Published reference values the book shows beside this run's, each with its source.

Only values we could trace are here. The paper's body text was not available to us; the values
below come from the authors' public analysis code (github.com/ks8/glassML, scripts
``tmp_cooling_curves.py`` and ``compare_cooling_curves.py``) that draws the paper's Fig. 1, and are
labelled as such wherever the book shows them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReferenceValue:
    """One published number and where it comes from."""

    value: float
    source: str


SOURCE_CODE = "authors' analysis code for Fig. 1 (ks8/glassML), paper scale"


SOURCE_ABSTRACT = "Swanson et al. 2020, abstract"


#: Slow-schedule (t_cool = 2e7) Tg: the dotted vertical line of the Fig. 1 script.
TG_SLOW = ReferenceValue(0.37, SOURCE_CODE)


#: Mean inherent-structure energy per particle of slow-cooled glasses at T = 0.05, ε.
GLASS_ENERGY_SLOW = ReferenceValue(-3.9029, SOURCE_CODE)


#: Mean inherent-structure energy per particle of fast-cooled (t_cool = 2e5) glasses at T = 0.05, ε.
GLASS_ENERGY_FAST = ReferenceValue(-3.86744, SOURCE_CODE)


#: Inherent-structure energy per particle of slow-schedule liquids near T = 1.99, ε.
LIQUID_ENERGY_T199 = ReferenceValue(-3.7647, SOURCE_CODE)


#: Both networks' ROC AUC on all six data sets is above this.
AUC_FLOOR = ReferenceValue(0.98, SOURCE_ABSTRACT)
