"""Simulated cohorts with known prognostic effects: the clean canonical patient table.

The generating model is a proportional-hazards model with a Weibull (or exponential)
baseline. Its linear predictor is

    lp = b_il6 * il6_z + b_pstat3 * pstat3_z + b_age * (age - 60) + b_male * male
         + b_late_stage * [stage III-IV]

where ``<marker>_z`` is the marker after its transform (il6: log2; pstat3: identity)
standardized within the simulated sample (mean 0, SD 1 with ddof 1), exactly as the
harmonizer standardizes within cohort. The coefficients ``b`` are therefore the true
conditional log hazard ratios per 1 SD of each marker, per year of age, for male vs female
and for late vs early stage, for both overall survival and progression-free survival.

Death and progression are independent latent times given the covariates, both with the
linear predictor above and the same Weibull shape; OS is the death time and PFS the
earlier of progression and death. Since the sum of two proportional hazards with the same
linear predictor is again proportional, PFS follows a Weibull PH model with the same
coefficients, and PFS <= OS by construction. Censoring is independent of everything else:
the earlier of an administrative end of follow-up (uniform between a minimum and a
maximum, as with staggered accrual and a common data cut-off) and a loss to follow-up
(exponential, uniform or none).

A cohort may also have a randomized two-arm treatment with a marker x treatment interaction
(:class:`~markersurv.simulate.treatment.TreatmentEffect`, which states its model), death
from another cause competing with death from the cancer
(:class:`~markersurv.simulate.competing.OtherCauseDeath`, likewise), and delayed entry
(:class:`~markersurv.simulate.truncation.Truncation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from markersurv.simulate.competing import OtherCauseDeath, cause_of_death
from markersurv.simulate.pstat3_scales import PSTAT3_SCALES, pstat3_on_scale
from markersurv.simulate.treatment import TreatmentEffect
from markersurv.simulate.truncation import Truncation

MARKER_TERMS = ("il6", "pstat3")
COVARIATE_TERMS = ("age", "male", "late_stage")
TERMS = MARKER_TERMS + COVARIATE_TERMS
REFERENCE_AGE = 60.0
STAGES = ("I", "II", "III", "IV")


def _from_mapping(cls, value, what: str):
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"{what}: expected a mapping of {cls.__name__} fields, found {value!r}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValueError(f"{what}: unknown keys {unknown}; expected some of {sorted(known)}")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
    return cls(**kwargs)


@dataclass(frozen=True)
class Baseline:
    """Weibull baseline of death and progression for the reference patient.

    The reference patient is 60 years old, female, stage I-II, with both markers at their
    sample means (linear predictor 0). ``exponential`` is the Weibull with shape 1.
    """

    distribution: str = "weibull"
    shape: float = 1.0
    median_os_months: float = 24.0
    median_progression_months: float = 12.0

    def __post_init__(self):
        if self.distribution not in ("weibull", "exponential"):
            raise ValueError(
                f"baseline distribution: expected weibull or exponential, found "
                f"{self.distribution!r}"
            )
        if self.distribution == "exponential" and self.shape != 1.0:
            raise ValueError(f"an exponential baseline has shape 1, found {self.shape}")
        for name in ("shape", "median_os_months", "median_progression_months"):
            if not getattr(self, name) > 0:
                raise ValueError(f"baseline {name}: expected > 0, found {getattr(self, name)}")


@dataclass(frozen=True)
class Censoring:
    """Independent censoring: min(administrative end of follow-up, loss to follow-up).

    The administrative censoring time of each patient is uniform on
    [``admin_min_months``, ``admin_max_months``] (equal bounds give a fixed follow-up).
    Loss to follow-up is ``exponential`` with ``dropout_rate_per_year``, ``uniform`` on
    [0, ``dropout_max_months``], or ``none``.
    """

    dropout: str = "exponential"
    dropout_rate_per_year: float = 0.0
    dropout_max_months: float | None = None
    admin_min_months: float = 60.0
    admin_max_months: float = 60.0

    def __post_init__(self):
        if self.dropout not in ("exponential", "uniform", "none"):
            raise ValueError(
                f"censoring dropout: expected exponential, uniform or none, found {self.dropout!r}"
            )
        if self.dropout == "uniform" and not (self.dropout_max_months or 0) > 0:
            raise ValueError("uniform dropout needs dropout_max_months > 0")
        if self.dropout_rate_per_year < 0:
            raise ValueError(
                f"dropout_rate_per_year: expected >= 0, found {self.dropout_rate_per_year}"
            )
        if not 0 < self.admin_min_months <= self.admin_max_months:
            raise ValueError(
                f"administrative follow-up: expected 0 < admin_min_months <= admin_max_months, "
                f"found {self.admin_min_months} and {self.admin_max_months}"
            )


@dataclass(frozen=True)
class Population:
    """Distribution of the covariates and markers (independent unless stated).

    IL-6 is lognormal: log2(pg/mL) ~ N(``il6_log2_mean``, ``il6_log2_sd``). pSTAT3 is drawn
    on ``pstat3_scale`` (see ``PSTAT3_SCALES``) from a latent normal whose correlation with
    log2 IL-6 is ``marker_correlation``. Age is normal, clipped and rounded to whole years.
    """

    age_mean: float = 62.0
    age_sd: float = 10.0
    age_min: float = 18.0
    age_max: float = 90.0
    male_fraction: float = 0.5
    stage_probs: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25)
    il6_log2_mean: float = 2.5
    il6_log2_sd: float = 1.2
    pstat3_scale: str = "h_score"
    marker_correlation: float = 0.0

    def __post_init__(self):
        probs = np.asarray(self.stage_probs, dtype=float)
        if probs.shape != (4,) or np.any(probs < 0) or not np.isclose(probs.sum(), 1.0):
            raise ValueError(
                f"stage_probs: expected 4 probabilities (I-IV) summing to 1, found "
                f"{self.stage_probs}"
            )
        if not 0 <= self.male_fraction <= 1:
            raise ValueError(f"male_fraction: expected 0-1, found {self.male_fraction}")
        if self.pstat3_scale not in PSTAT3_SCALES:
            raise ValueError(
                f"pstat3_scale: expected one of {sorted(PSTAT3_SCALES)}, found "
                f"{self.pstat3_scale!r}"
            )
        if not -1 < self.marker_correlation < 1:
            raise ValueError(
                f"marker_correlation: expected in (-1, 1), found {self.marker_correlation}"
            )
        if self.age_sd < 0 or self.il6_log2_sd <= 0 or self.age_min > self.age_max:
            raise ValueError("age_sd >= 0, il6_log2_sd > 0 and age_min <= age_max are required")


def _treatment(value) -> TreatmentEffect:
    arms = _from_mapping(TreatmentEffect, value, "treatment")
    if unknown := sorted(set(arms.interaction) - set(MARKER_TERMS)):
        raise ValueError(
            f"treatment interaction: unknown markers {unknown}; expected some of "
            f"{list(MARKER_TERMS)}"
        )
    return arms


def _other_cause(value) -> OtherCauseDeath:
    other = _from_mapping(OtherCauseDeath, value, "competing")
    _log_hr_vector(other.log_hr)
    return other


def _log_hr_vector(log_hr: Mapping[str, float]) -> np.ndarray:
    unknown = sorted(set(log_hr) - set(TERMS))
    if unknown:
        raise ValueError(f"log_hr: unknown terms {unknown}; expected some of {list(TERMS)}")
    return np.array([float(log_hr.get(term, 0.0)) for term in TERMS])


def _standardize(x: np.ndarray, name: str) -> np.ndarray:
    sd = x.std(ddof=1)
    if not sd > 0:
        raise ValueError(f"{name} is constant in the simulated sample; cannot standardize")
    return (x - x.mean()) / sd


def _weibull_times(rng, lp, shape, median):
    # Inverse of the cumulative hazard H(t) = (t / scale)^shape * exp(lp) at Exp(1) draws.
    scale = median / np.log(2.0) ** (1.0 / shape)
    return scale * (rng.standard_exponential(lp.size) * np.exp(-lp)) ** (1.0 / shape)


def simulate_patients(
    n: int,
    *,
    cancer_type: str,
    log_hr: Mapping[str, float],
    baseline: Baseline | Mapping[str, Any],
    censoring: Censoring | Mapping[str, Any],
    rng: np.random.Generator,
    population: Population | Mapping[str, Any] | None = None,
    id_prefix: str = "SIM-",
    latent: bool = False,
    treatment: TreatmentEffect | Mapping[str, Any] | None = None,
    competing: OtherCauseDeath | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Simulate one cohort as a clean canonical patient table.

    Parameters
    ----------
    n : int
        Number of patients (at least 2).
    cancer_type : str
        Vocabulary code written in the ``cancer_type`` column.
    log_hr : mapping
        True log hazard ratios by term: ``il6`` and ``pstat3`` per 1 SD of the standardized
        transformed marker, ``age`` per year, ``male`` (vs female), ``late_stage`` (III-IV
        vs I-II). Missing terms are 0 (no effect).
    baseline, censoring, population : dataclass or mapping of its fields
        See ``Baseline``, ``Censoring`` and ``Population``.
    rng : numpy.random.Generator
        Source of randomness, e.g. ``numpy.random.default_rng(seed)``. Draws are taken in
        a fixed order, so one seed gives one table.
    id_prefix : str
        Patient ids are the prefix and a zero-padded running number (``SIM-0001``).
    latent : bool
        Also return the latent times: ``death_time``, ``progression_time``,
        ``censor_time``, ``admin_time`` (months) and ``progressed`` (PFS event was a
        progression before death).
    treatment : TreatmentEffect or mapping of its fields, optional
        A randomized two-arm treatment with its effect and marker interactions; adds the
        column ``treatment`` (categorical, the two arms, reference first).
    competing : OtherCauseDeath or mapping of its fields, optional
        Death from another cause (ends OS and PFS); adds ``dss_time``, ``dss_event`` and
        ``dss_cause`` (0 censored, 1 death from the cancer, 2 from another cause).

    Returns
    -------
    pandas.DataFrame
        One row per patient: patient_id, cancer_type, il6 (pg/mL), il6_z, pstat3 (on
        ``pstat3_scale``), pstat3_scale, pstat3_z, age (whole years), sex (female/male),
        stage (I-IV), stage_group (early/late), os_time, os_event, pfs_time, pfs_event
        (months; events 0/1; pfs_time <= os_time).

    References
    ----------
    Bender R, Augustin T, Blettner M. Generating survival times to simulate Cox
    proportional hazards models. Stat Med 2005;24:1713-1723.
    """
    if n < 2:
        raise ValueError(f"n: expected at least 2 patients, found {n}")
    coef = _log_hr_vector(log_hr)
    base = _from_mapping(Baseline, baseline, "baseline")
    cens = _from_mapping(Censoring, censoring, "censoring")
    pop = _from_mapping(Population, population or {}, "population")

    normals = rng.standard_normal((2, n))
    rho = pop.marker_correlation
    il6_log2 = pop.il6_log2_mean + pop.il6_log2_sd * normals[0]
    pstat3_latent = rho * normals[0] + np.sqrt(1.0 - rho**2) * normals[1]
    pstat3 = pstat3_on_scale(pstat3_latent, pop.pstat3_scale)
    il6_z = _standardize(il6_log2, "log2 of field il6")
    pstat3_z = _standardize(pstat3, "field pstat3")

    age_draw = pop.age_mean + pop.age_sd * rng.standard_normal(n)
    age = np.round(np.clip(age_draw, pop.age_min, pop.age_max))
    male = rng.random(n) < pop.male_fraction
    stage_index = np.searchsorted(np.cumsum(pop.stage_probs)[:-1], rng.random(n), side="right")
    late = stage_index >= 2

    design = np.column_stack([il6_z, pstat3_z, age - REFERENCE_AGE, male, late])
    lp = design @ coef
    arms = None if treatment is None else _treatment(treatment)
    if arms is not None:
        treated = arms.assign(rng, n)
        lp = lp + arms.log_hazard(treated, {"il6": il6_z, "pstat3": pstat3_z})
    death = _weibull_times(rng, lp, base.shape, base.median_os_months)
    progression = _weibull_times(rng, lp, base.shape, base.median_progression_months)

    admin = rng.uniform(cens.admin_min_months, cens.admin_max_months, n)
    if cens.dropout == "exponential" and cens.dropout_rate_per_year > 0:
        dropout = rng.exponential(12.0 / cens.dropout_rate_per_year, n)
    elif cens.dropout == "uniform":
        dropout = rng.uniform(0.0, cens.dropout_max_months, n)
    else:
        dropout = np.full(n, np.inf)
    censor = np.minimum(admin, dropout)
    other = None if competing is None else _other_cause(competing)
    if other is not None:
        lp_other = design @ _log_hr_vector(other.log_hr)
        other_death = _weibull_times(rng, lp_other, base.shape, other.median_months)
        cause = cause_of_death(death, other_death)
        death = np.minimum(death, other_death)

    first_event = np.minimum(death, progression)
    width = max(4, len(str(n)))
    table = pd.DataFrame(
        {
            "patient_id": [f"{id_prefix}{i:0{width}d}" for i in range(1, n + 1)],
            "cancer_type": pd.Categorical([cancer_type] * n),
            "il6": np.exp2(il6_log2),
            "il6_z": il6_z,
            "pstat3": pstat3,
            "pstat3_scale": pd.Categorical([pop.pstat3_scale] * n),
            "pstat3_z": pstat3_z,
            "age": age,
            "sex": pd.Categorical.from_codes(male.astype(np.int8), ["female", "male"]),
            "stage": pd.Categorical.from_codes(stage_index, list(STAGES)),
            "stage_group": pd.Categorical.from_codes(late.astype(np.int8), ["early", "late"]),
            "os_time": np.minimum(death, censor),
            "os_event": (death <= censor).astype(np.int64),
            "pfs_time": np.minimum(first_event, censor),
            "pfs_event": (first_event <= censor).astype(np.int64),
        }
    )
    if arms is not None:
        table["treatment"] = pd.Categorical.from_codes(treated.astype(np.int8), list(arms.levels))
    if other is not None:
        table["dss_time"] = table["os_time"]
        table["dss_cause"] = np.where(death <= censor, cause, 0).astype(np.int64)
        table["dss_event"] = (table["dss_cause"] == 1).astype(np.int64)
    if latent:
        table["death_time"] = death
        table["progression_time"] = progression
        table["censor_time"] = censor
        table["admin_time"] = admin
        table["progressed"] = (progression < death) & (progression <= censor)
    return table


@dataclass(frozen=True)
class CohortDesign:
    """Everything needed to simulate one cohort: the truth of one synthetic study.

    ``simulate_replicate(design, r)`` draws replicate ``r`` for simulation studies
    (coverage, bias); ``design.simulate()`` draws the cohort itself from ``seed``.
    """

    cohort_id: str
    cancer_type: str
    n: int
    seed: int
    log_hr: Mapping[str, float]
    baseline: Baseline = field(default_factory=Baseline)
    censoring: Censoring = field(default_factory=Censoring)
    population: Population = field(default_factory=Population)
    id_prefix: str = "SIM-"
    treatment: TreatmentEffect | None = None
    truncation: Truncation | None = None  # delayed entry: only patients seen at entry
    competing: OtherCauseDeath | None = None

    def __post_init__(self):
        _log_hr_vector(self.log_hr)
        if self.treatment is not None:
            object.__setattr__(self, "treatment", _treatment(self.treatment))
        if self.truncation is not None:
            cut = _from_mapping(Truncation, self.truncation, "truncation")
            object.__setattr__(self, "truncation", cut)
        if self.competing is not None:  # death from another cause
            object.__setattr__(self, "competing", _other_cause(self.competing))
        object.__setattr__(self, "baseline", _from_mapping(Baseline, self.baseline, "baseline"))
        object.__setattr__(self, "censoring", _from_mapping(Censoring, self.censoring, "censoring"))
        object.__setattr__(
            self, "population", _from_mapping(Population, self.population, "population")
        )

    def simulate(
        self, rng: np.random.Generator | None = None, *, n: int | None = None, latent=False
    ) -> pd.DataFrame:
        """The cohort drawn with ``rng`` (default ``numpy.random.default_rng(seed)``); with
        a truncation, the patients seen at their entry, with an ``entry`` column (months)."""
        rng = np.random.default_rng(self.seed) if rng is None else rng
        table = simulate_patients(
            self.n if n is None else n,
            cancer_type=self.cancer_type,
            log_hr=self.log_hr,
            baseline=self.baseline,
            censoring=self.censoring,
            rng=rng,
            population=self.population,
            id_prefix=self.id_prefix,
            latent=latent,
            treatment=self.treatment,
            competing=self.competing,
        )
        return table if self.truncation is None else self.truncation.apply(table, rng)


def simulate_replicate(
    design: CohortDesign, replicate: int, *, n: int | None = None
) -> pd.DataFrame:
    """Replicate ``replicate`` of a cohort design, for simulation studies.

    Each replicate has its own independent stream,
    ``numpy.random.default_rng([design.seed, replicate])``, so replicates can be drawn in
    any order or in parallel and a failing replicate can be redrawn alone. The true
    coefficients to compare estimates with are ``design.log_hr``; they are conditional on
    all five terms, so a model that leaves some out (a univariable marker model) estimates
    a slightly attenuated marginal log HR when the omitted terms have effects.

    Examples
    --------
    >>> design = CohortDesign("sim", "NSCLC", n=500, seed=7, log_hr={"il6": 0.4})
    >>> table = simulate_replicate(design, 0)
    >>> len(table), bool((table.pfs_time <= table.os_time).all())
    (500, True)
    """
    if replicate < 0:
        raise ValueError(f"replicate: expected >= 0, found {replicate}")
    return design.simulate(np.random.default_rng([design.seed, replicate]), n=n)
