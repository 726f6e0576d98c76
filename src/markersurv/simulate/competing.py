"""Death from another cause in a simulated cohort: the competing event of disease-specific
survival.

Without it every simulated death is a death from the cancer. With it each patient also has
a latent time to death from another cause, independent of the other latent times given the
covariates, Weibull with the baseline's shape, its own median for the reference patient and
its own log hazard ratios; the patient dies at the earlier of the two. Then

- the cohort's ``log_hr`` are the true cause-specific log hazard ratios of death from the
  cancer, which disease-specific survival (``dss``: death from the cancer, a death from
  another cause competing) estimates with a cause-specific Cox model;
- :class:`OtherCauseDeath`'s ``log_hr`` are those of death from another cause (0 unless
  stated: a non-informative competing risk);
- overall survival counts deaths of either cause, and progression-free survival ends at
  progression or a death of either cause. Neither is then proportional in the covariates
  unless both causes have the same log hazard ratios, and a Fine-Gray model has no single
  true coefficient under this model (its subdistribution hazards are not proportional).

A cohort without it draws nothing for it, so the draws of every other cohort are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# The disease-specific endpoint's coding of what ended follow-up, as the CDR's DSS_cr.
CENSORED, CANCER_DEATH, OTHER_DEATH = 0, 1, 2


@dataclass(frozen=True)
class OtherCauseDeath:
    """Death from another cause: its median (months) for the reference patient and its
    cause-specific log hazard ratios by term (those of :mod:`markersurv.simulate.core`;
    terms not named have none)."""

    median_months: float
    log_hr: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        if not self.median_months > 0:
            raise ValueError(f"competing median_months: expected > 0, found {self.median_months}")


def cause_of_death(cancer: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Which death comes first: :data:`CANCER_DEATH` or :data:`OTHER_DEATH` (ties, which
    continuous draws do not produce, go to the cancer)."""
    return np.where(cancer <= other, CANCER_DEATH, OTHER_DEATH)
