"""Published reference values the book shows beside this run's, each with its source.

Only values we could trace are here, each with its source: the paper's Fig. 1 (Tg of both
schedules), its Supplementary Information (the equal-energy data set 6: the fast glasses' and the
slow liquids' inherent-structure energies, section II; the artificial images, section IV), its
abstract (the AUC floor), and the authors' public analysis code (github.com/ks8/glassML, scripts
``tmp_cooling_curves.py`` and ``compare_cooling_curves.py``) that draws Fig. 1, for the slow glasses'
and the hot liquids' energies. They are labelled as such wherever the book shows them.
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


SOURCE_FIG1 = "Swanson et al. 2020, Fig. 1"


SOURCE_SI = "Swanson et al. 2020, Supplementary Information"


#: Slow-schedule (t_cool = 2e7) Tg, read from Fig. 1 (also the dotted vertical line of its script).
TG_SLOW = ReferenceValue(0.37, SOURCE_FIG1)


#: Fast-schedule (t_cool = 2e5) Tg, read from Fig. 1.
TG_FAST = ReferenceValue(0.39, SOURCE_FIG1)


#: Mean inherent-structure energy per particle of slow-cooled glasses at T = 0.05, ε.
GLASS_ENERGY_SLOW = ReferenceValue(-3.9029, SOURCE_CODE)


#: Mean inherent-structure energy per particle of fast-cooled (t_cool = 2e5) glasses at T = 0.05, ε
#: (SI: −3.86744 ± 0.00288, the glasses of data set 6).
GLASS_ENERGY_FAST = ReferenceValue(-3.86744, SOURCE_SI)


#: Their standard deviation over configurations, ε (SI).
GLASS_ENERGY_FAST_STD = ReferenceValue(0.00288, SOURCE_SI)


#: Mean inherent-structure energy per particle of slow-schedule liquids at T = 0.55, ε (SI: the
#: liquids of data set 6, −3.86698 ± 0.00382).
LIQUID_ENERGY_T055 = ReferenceValue(-3.86698, SOURCE_SI)


#: Their standard deviation over configurations, ε (SI).
LIQUID_ENERGY_T055_STD = ReferenceValue(0.00382, SOURCE_SI)


#: Inherent-structure energy per particle of slow-schedule liquids near T = 1.99, ε.
LIQUID_ENERGY_T199 = ReferenceValue(-3.7647, SOURCE_CODE)


#: Both networks' ROC AUC on all six data sets is above this.
AUC_FLOOR = ReferenceValue(0.98, SOURCE_ABSTRACT)


SOURCE_EQUIVARIANT = "Pezzicoli, Charpiat & Landes 2024 (SciPost Phys. 16, 136): 3D Kob–Andersen, N = 4,096, T = 0.44, t = 4,120 τ"


#: Pearson ρ between predicted and measured propensity (A particles, per configuration, averaged)
#: reported for the 3D Kob–Andersen liquid near τ_α — another system in another dimension; chapter 09
#: shows them beside this run's 2D numbers, labelled so.
PROPENSITY_3D = {
    "rotation-equivariant GNN": ReferenceValue(0.79, SOURCE_EQUIVARIANT),
    "cage-position descriptor": ReferenceValue(0.78, SOURCE_EQUIVARIANT),
    "GlassMLP": ReferenceValue(0.76, SOURCE_EQUIVARIANT),
    "BOTAN": ReferenceValue(0.75, SOURCE_EQUIVARIANT),
}


SOURCE_TIMING = "Swanson et al. 2020, training times reported with the paper's models"


#: The paper's fastest D-MPNN, training time per sample on an NVIDIA V100 GPU, ms.
DMPNN_MS_PER_SAMPLE_V100 = ReferenceValue(28.0, SOURCE_TIMING)


#: The paper's CNN, training time per sample (an upper bound), ms.
CNN_MS_PER_SAMPLE = ReferenceValue(7.5, SOURCE_TIMING)
