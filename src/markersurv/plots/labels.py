"""Words and numbers as the figures print them: names of markers, endpoints and groups,
p-values, hazard ratios with their intervals, and counts with small-cell suppression."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

CUT_METHOD_LABELS = {
    "median": "median split",
    "tertile": "tertiles",
    "quartile": "quartiles",
    "fixed": "fixed cutpoint",
    "optimal": "optimal cutpoint (exploratory)",
    "cv_optimal": "cross-validated cutpoint",
}

SCALE_LABELS = {
    "pg/mL": "pg/mL",
    "h_score": "H-score (0-300)",
    "percent_positive": "% positive nuclei (0-100)",
    "intensity": "intensity (0-3)",
    "intensity_x_proportion": "intensity x proportion (0-12)",
    "allred": "Allred score (0-8)",
    "binary": "positive/negative",
    "rppa_log2": "RPPA (log2)",
    "rnaseq_rsem": "mRNA, RSEM",
    "log2_ratio": "mRNA, log2 ratio",
}

RISK_ROW_LABELS = {
    "n_risk": "Number at risk",
    "cum_events": "Cumulative events",
    "cum_censored": "Cumulative censored",
    "n_event": "Events in interval",
    "n_censor": "Censored in interval",
}


def scale_label(scale: str) -> str:
    """Readable name of a unit or scoring system (``h_score`` -> ``H-score (0-300)``)."""
    return SCALE_LABELS.get(scale, scale.replace("_", " "))


@dataclass(frozen=True)
class Labels:
    """The words a figure prints for markers and endpoints, as the config declares them.

    Ids without a declared label are printed as given: nothing is assumed about a marker.
    """

    markers: Mapping[str, str] = field(default_factory=dict)
    endpoints: Mapping[str, str] = field(default_factory=dict)
    # The scale each marker's standardized value is on: ``log2 pg/mL`` for a concentration
    # (log2-transformed before standardization), the declared unit otherwise.
    scales: Mapping[str, str] = field(default_factory=dict)
    # The cohorts' names (their specs' labels), by cohort id.
    cohorts: Mapping[str, str] = field(default_factory=dict)

    def cohort(self, cohort: str) -> str:
        """A cohort's name as its spec gives it, else its id.

        >>> Labels(cohorts={"oslo_lung": "Oslo lung 2015-2020"}).cohort("oslo_lung")
        'Oslo lung 2015-2020'
        """
        return self.cohorts.get(cohort, cohort)

    def per_sd(self, marker: str) -> str:
        """A hazard ratio's unit: ``CRP (log2 mg/L, per SD)``, or ``X (per SD)``.

        >>> Labels({"crp": "CRP"}, scales={"crp": "log2 mg/L"}).per_sd("crp")
        'CRP (log2 mg/L, per SD)'
        """
        scale = self.scales.get(marker)
        return f"{self.marker(marker)} ({scale + ', ' if scale else ''}per SD)"

    def standardized(self, marker: str) -> str:
        """An axis of standardized values: ``CRP (log2 mg/L, SDs from the cohort mean)``."""
        scale = self.scales.get(marker)
        return f"{self.marker(marker)} ({scale + ', ' if scale else ''}SDs from the cohort mean)"

    def marker(self, marker: str, joiner: str = " x ") -> str:
        """``il6`` -> its label; a joint marker ``a&b`` -> ``A x B``."""
        return joiner.join(self.markers.get(m, m) for m in marker.split("&"))

    def endpoint(self, endpoint: str, *, short: bool = True) -> str:
        """``os`` -> ``OS`` (short) or its label (``Overall survival``)."""
        return endpoint.upper() if short else self.endpoints.get(endpoint, endpoint)

    def group(self, group: str) -> str:
        """``il6_low&pstat3_high`` -> ``IL-6 low, pSTAT3 high``; other labels unchanged."""
        if "&" not in group:
            return group
        parts = []
        for part in group.split("&"):
            marker, _, level = part.rpartition("_")
            parts.append(f"{self.markers.get(marker, marker)} {level}")
        return ", ".join(parts)

    def figure_title(
        self,
        cancer_type: str,
        marker: str,
        endpoint: str,
        n: int | None = None,
        *,
        detail: str | None = None,
    ) -> str:
        """The standard title: cancer type, marker, endpoint, optional detail and n.

        >>> Labels({"crp": "CRP"}).figure_title("BRCA", "crp", "os", 599, detail="median split")
        'BRCA: CRP, OS, median split (n = 599)'
        """
        text = f"{cancer_type}: {self.marker(marker)}, {self.endpoint(endpoint)}"
        if detail:
            text += f", {detail}"
        if n is not None:
            text += f" (n = {int(n)})"
        return text


# Ids printed as they are, for drawing functions called without declared labels.
AS_GIVEN = Labels()


def format_p(p: float) -> str:
    """A p- or q-value with two significant digits, ``<0.001`` below 0.001, ``NA`` if missing.

    >>> [format_p(v) for v in (0.0004, 0.0123, 0.046, 0.5, 1.0, float("nan"))]
    ['<0.001', '0.012', '0.046', '0.50', '1.0', 'NA']
    """
    if p is None or not math.isfinite(p):
        return "NA"
    if p < 0.001:
        return "<0.001"
    return f"{p:#.2g}"


def p_equals(p: float, name: str = "p") -> str:
    """``p = 0.012`` or ``p < 0.001``.

    >>> p_equals(0.0004, "Log-rank p"), p_equals(0.35)
    ('Log-rank p < 0.001', 'p = 0.35')
    """
    text = format_p(p)
    return f"{name} < 0.001" if text == "<0.001" else f"{name} = {text}"


def format_number(x: float, digits: int = 2) -> str:
    """A ratio with ``digits`` decimals (three significant digits when far from 1)."""
    if x is None or not math.isfinite(x):
        return "NA"
    if abs(x) >= 100 or (x != 0 and abs(x) < 0.01):
        return f"{x:.3g}"
    return f"{x:.{digits}f}"


def format_ratio_ci(estimate: float, lower: float, upper: float) -> str:
    """``1.48 (1.17-1.86)`` with an en dash; ``not estimable`` when the estimate is missing.

    >>> format_ratio_ci(1.4793, 1.174, 1.8639)
    '1.48 (1.17\u20131.86)'
    """
    if estimate is None or not math.isfinite(estimate):
        return "not estimable"
    return f"{format_number(estimate)} ({format_number(lower)}\u2013{format_number(upper)})"


def format_interval(lower: float, upper: float) -> str:
    """``(1.01-1.74)`` with an en dash."""
    return f"({format_number(lower)}\u2013{format_number(upper)})"


def format_count(n: float, suppress_below: int | None = None) -> str:
    """A count as printed in a figure; below ``suppress_below`` it reads ``<k``.

    Zero is suppressed too: a shareable report then never shows a count under k.

    >>> [format_count(v, 10) for v in (0, 3, 10, 254)]
    ['<10', '<10', '10', '254']
    """
    if n is None or (isinstance(n, float) and not math.isfinite(n)):
        return "NA"
    value = int(round(float(n)))
    if suppress_below is not None and value < suppress_below:
        return f"<{int(suppress_below)}"
    return str(value)
