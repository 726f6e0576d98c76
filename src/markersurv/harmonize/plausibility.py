"""Are a marker's values plausible for the unit or scoring system a spec declares?

A unit declared wrongly is harmonized without complaint when the values happen to fit the
scale's bounds: ng/mL read as pg/mL are 1000 times too small, log2 values read as a
concentration are positive numbers below 20. These checks look at the values a source holds,
in its declared unit, and say what looks wrong and which unit of the vocabulary would fit.
``markersurv validate`` refuses such sources; ``markersurv init-cohort`` writes ``CHECK``
instead of a unit they contradict. Neither ever echoes a patient id or a single cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from markersurv.cohort.vocab import MarkerScale, Vocabulary

# Cohort medians that concentrations in a correct unit give, in the marker's canonical unit.
# Circulating cytokines measured in pg/mL have cohort medians of about 1 to a few hundred
# pg/mL (serum interleukins in cancer cohorts: about 2-50 pg/mL). A median below 0.5 pg/mL
# lies below the detection limit of most assays: the values are about 1000 times too small (ng/mL
# declared as pg/mL). A median above 1000 pg/mL is about 1000 times too large (pg/mL
# declared as ng/mL). Only canonical units listed here are checked this way.
TYPICAL_MEDIAN = {"pg/mL": (0.5, 1000.0)}
# A concentration is never negative; this share of negative values means log-scale values
# (log2 of a concentration below 1, a log ratio) rather than a few typing errors.
LOG_NEGATIVE_SHARE = 0.05
# Log-transformed concentrations lie within 0-20 (log2 of 10^6 is about 20) and are roughly
# symmetric, while concentrations are right-skewed (close to lognormal, skewness well above
# 1). Values all within this range, not all integers, with a skewness below the limit, look
# like logarithms.
LOG_RANGE = (0.0, 20.0)
LOG_MAX_SKEWNESS = 1.0
# Logarithms of concentrations measured in pg/mL (log2, ln) have medians above 1; small
# unskewed numbers below it (0.002-0.09) are a concentration in a large unit such as ng/mL.
LOG_MIN_MEDIAN = 1.0
# Shapes (skewness, proportions) are judged on at least this many values.
MIN_VALUES_FOR_SHAPE = 20
# A percentage scale (maximum 100) whose values are all at most 1, and not all 0/1, holds
# proportions: 0.35 is 35 %, not 0.35 %.
PROPORTION_MAX = 1.0


@dataclass(frozen=True)
class Implausible:
    """One reason the values do not fit the declared scale."""

    message: str
    expected: str
    found: str
    likely: tuple[str, ...] = ()  # vocabulary units or scales the values would fit


def describe(values: np.ndarray) -> str:
    """'n values from lo to hi, median m': a range, never a single patient's value."""
    lo, hi, med = np.min(values), np.max(values), np.median(values)
    return f"{len(values)} values from {lo:g} to {hi:g}, median {med:g}"


def skewness(values: np.ndarray) -> float:
    """Sample skewness (Fisher-Pearson, biased); 0 for constant values."""
    centred = values - values.mean()
    sd = np.sqrt(np.mean(centred**2))
    return 0.0 if sd == 0 else float(np.mean(centred**3) / sd**3)


def implausible_values(scale: MarkerScale, values, vocab: Vocabulary) -> list[Implausible]:
    """Why finite ``values``, written in ``scale``'s unit, look wrong for it (empty if none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values):
        return []
    if scale.converts:
        log_scale = looks_log_scale(scale, values)
        if log_scale is not None:
            return [log_scale]
    found = bounds_problems(scale, values)
    if found:
        return found
    if scale.converts:
        return unit_factor_problems(scale, values, vocab)
    return proportion_problems(scale, values)


def looks_log_scale(scale: MarkerScale, values: np.ndarray) -> Implausible | None:
    negative = float(np.mean(values < 0))
    within = bool(np.all((values >= LOG_RANGE[0]) & (values <= LOG_RANGE[1])))
    symmetric = (
        len(values) >= MIN_VALUES_FOR_SHAPE
        and np.median(values) >= LOG_MIN_MEDIAN
        and not np.all(values == np.round(values))
        and skewness(values) < LOG_MAX_SKEWNESS
    )
    if negative >= LOG_NEGATIVE_SHARE:
        why = f"{negative:.0%} of the values are negative"
    elif within and symmetric:
        why = (
            f"all values lie within {LOG_RANGE[0]:g}-{LOG_RANGE[1]:g} and are not skewed "
            f"(skewness {skewness(values):.2f})"
        )
    else:
        return None
    return Implausible(
        f"values look log-transformed, not a concentration in {scale.name} ({why})",
        f"concentrations in {scale.name}: not negative, right-skewed",
        describe(values),
    )


def bounds_problems(scale: MarkerScale, values: np.ndarray) -> list[Implausible]:
    expected = f"values from {scale.minimum} to {scale.maximum} on {scale.name}"
    found = []
    if scale.minimum is not None and (low := values < scale.minimum).any():
        found.append(
            Implausible(
                f"{int(low.sum())} value(s) below the minimum of {scale.name}",
                expected,
                describe(values),
            )
        )
    if scale.maximum is not None and (high := values > scale.maximum).any():
        found.append(
            Implausible(
                f"{int(high.sum())} value(s) above the maximum of {scale.name}",
                expected,
                describe(values),
            )
        )
    return found


def unit_factor_problems(
    scale: MarkerScale, values: np.ndarray, vocab: Vocabulary
) -> list[Implausible]:
    """A median that another unit of the marker would put in the typical range."""
    if scale.canonical not in TYPICAL_MEDIAN:
        return []
    lo, hi = TYPICAL_MEDIAN[scale.canonical]
    median = float(np.median(values))
    canonical = median * scale.factor
    if lo <= canonical <= hi:
        return []
    units = [vocab.marker_scale(scale.marker, n) for n in vocab.scale_names(scale.marker)]
    likely = tuple(
        u.name for u in units if u is not None and u.converts and lo <= median * u.factor <= hi
    )
    size = "small" if canonical < lo else "large"
    return [
        Implausible(
            f"the median is too {size} for a concentration in {scale.name}",
            f"a cohort median from {lo:g} to {hi:g} {scale.canonical} once converted",
            f"{describe(values)} ({canonical:g} {scale.canonical})",
            likely,
        )
    ]


def proportion_problems(scale: MarkerScale, values: np.ndarray) -> list[Implausible]:
    if scale.maximum != 100 or len(values) < MIN_VALUES_FOR_SHAPE:
        return []
    if np.max(values) > PROPORTION_MAX or np.all(np.isin(values, (0.0, 1.0))):
        return []
    return [
        Implausible(
            f"every value is at most {PROPORTION_MAX:g}: proportions, not {scale.name}",
            f"percentages from 0 to 100 on {scale.name}",
            describe(values),
        )
    ]
