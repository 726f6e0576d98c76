"""A randomized two-arm treatment of a simulated cohort, with a marker x treatment
interaction: the truth a predictive analysis is checked against.

Each patient is assigned the non-reference arm with a stated probability, independently of
everything else, and the linear predictor of :mod:`markersurv.simulate.core` gains

    + b_treatment * treated + sum over markers m of b_m:treatment * m_z * treated

so ``b_treatment`` is the true log hazard ratio of the treatment at the sample mean of
every marker (all ``m_z`` = 0) and ``b_m:treatment`` the true marker x treatment
interaction: the change of the treatment's log hazard ratio per SD of marker ``m`` (equally,
the marker's log hazard ratio in the treated minus that in the reference arm). A cohort
without a treatment draws nothing for it, so the draws of every other cohort are unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class TreatmentEffect:
    """A randomized two-arm treatment and its true effects.

    ``levels`` are the reference arm then the other arm, as the config's treatment levels;
    ``treated_fraction`` is the probability of the other arm. ``log_hr`` is the treatment's
    true log hazard ratio at the sample mean of the markers, ``interaction`` the true
    marker x treatment log hazard ratio per SD of each marker named (``il6``, ``pstat3``).
    """

    levels: tuple[str, str] = ("control", "treated")
    treated_fraction: float = 0.5
    log_hr: float = 0.0
    interaction: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.levels) != 2 or len(set(self.levels)) != 2:
            raise ValueError(
                f"treatment levels: expected two distinct arms (reference first), found "
                f"{list(self.levels)}"
            )
        if not 0 < self.treated_fraction < 1:
            raise ValueError(
                f"treatment treated_fraction: expected in (0, 1), found {self.treated_fraction}"
            )

    def assign(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Whether each of ``n`` patients is in the non-reference arm (one uniform draw each)."""
        return rng.random(n) < self.treated_fraction

    def log_hazard(self, treated: np.ndarray, marker_z: Mapping[str, np.ndarray]) -> np.ndarray:
        """What the treatment adds to each patient's linear predictor, given the markers'
        standardized values."""
        modifier = np.full(treated.size, float(self.log_hr))
        for marker, coef in self.interaction.items():
            modifier = modifier + coef * marker_z[marker]
        return modifier * treated
