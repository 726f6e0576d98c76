"""Whether a marker predicts benefit from a treatment (predictive.tsv), as distinct from
whether it is prognostic.

Each arm of the configured treatment other than the reference is compared with the
reference arm on the patients of those two arms (with the marker and the endpoint), in a
Cox model stratified by cohort in the pooled analysis (on the counting-process form
``Surv(entry, time, event)`` where patients entered after the time origin). With ``T`` = 1
for the arm:

* continuous marker: ``h(t) = h0_s(t) exp(b1 z + b2 T + b3 z T)``, ``z = <marker>_z``;
* dichotomized marker: the same with ``H`` = 1 for the upper group of a prespecified
  two-group split (median, fixed cutpoint) in place of ``z``.

``interaction_p`` is the Wald p of ``b3``; ``interaction_lr_p`` the likelihood-ratio test of
that model against the one without the product term, on the same patients. The treatment
hazard ratio within each marker group is the model of ``T`` alone on the group's patients.

What ``hr`` means is the row's ``estimate``:

* ``treatment_hr`` (group ``low``/``high``, or ``all`` with cut_method ``none``): the HR of
  the arm against the reference within the group (``all``: every patient of the two arms);
* ``treatment_hr_at_mean`` (group ``continuous``): ``exp(b2)``, the treatment HR at
  ``z = 0``, the cohort's mean of the standardized marker;
* ``interaction`` (group ``continuous``): ``exp(b3)``, the factor by which the treatment HR
  changes per SD of the marker (equally, the marker's HR per SD in the arm divided by that in
  the reference arm);
* ``interaction`` (group ``high vs low``): ``exp(b3)`` of a split, the treatment HR in the
  high group divided by that in the low group.

Data-chosen splits (optimal, cross-validated) are left out: a naive interaction p on groups
the data chose would be overstated. Tertiles and quartiles are not two-group splits. Every
estimate here is ``secondary``: a declared primary analysis names a prognostic model.

A comparison is not estimable, with a note in the config's words, when an arm has no
patients, when no cohort holds both arms, when an arm within a marker group has fewer than
``min_group_size`` patients or no event, when fewer than ``min_events`` events remain, or
when the fit does not converge or gives an infinite interval.

References
----------
Sauerbrei W, Royston P, Zapien K. Detecting an interaction between treatment and a
continuous covariate. Comput Stat Data Anal 2007;51:4054-4063.
Altman DG, Bland JM. Interaction revisited: the difference between two estimates. BMJ
2003;326:219.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from markersurv.analysis.cox_models import fit_model, lr_statistic
from markersurv.analysis.entry import entry_of
from markersurv.config.covariates import Treatment
from markersurv.config.settings import AnalysisSettings

NAN = float("nan")
# Prespecified two-group splits: their groups are low and high.
SPLITS = ("median", "fixed")
ROLE = "secondary"
# DESIGN's leading columns (after the keys), then what says what each number is.
PREDICTIVE_COLUMNS = (
    "cut_method treatment reference group n events hr hr_lower hr_upper p interaction_p "
    "status note estimate term coef se interaction_lr_p treatment_n treatment_events "
    "reference_n reference_events min_detectable_hr events_per_parameter role"
).split()


@dataclass(frozen=True)
class Comparison:
    """One arm against the reference arm, on the patients of the two arms.

    ``arm`` is 1 for the arm, 0 for the reference, with each patient's follow-up, cohort
    (None outside the pooled analysis) and delayed entry (None without).
    """

    treatment: Treatment
    level: str
    arm: np.ndarray
    time: np.ndarray
    event: np.ndarray
    strata: np.ndarray | None
    entry: np.ndarray | None

    @property
    def term(self) -> str:
        return f"treatment={self.level}"

    def what(self) -> str:
        """``Treatment B vs A`` in the config's words."""
        return f"{self.treatment.label} {self.level} vs {self.treatment.reference}"

    def subset(self, keep: np.ndarray) -> Comparison:
        return Comparison(
            self.treatment,
            self.level,
            self.arm[keep],
            self.time[keep],
            self.event[keep],
            None if self.strata is None else self.strata[keep],
            None if self.entry is None else self.entry[keep],
        )

    def counts(self) -> dict:
        on = self.arm == 1
        return {
            "treatment_n": int(on.sum()),
            "treatment_events": int(self.event[on].sum()),
            "reference_n": int((~on).sum()),
            "reference_events": int(self.event[~on].sum()),
        }


def predictive_rows(
    data: pd.DataFrame,
    marker: str,
    endpoint: str,
    strata,
    treatment: Treatment | None,
    groupings: Mapping[str, pd.Series],
    settings: AnalysisSettings,
) -> list[dict]:
    """predictive.tsv rows of one marker and endpoint in one dataset (without its keys).

    Parameters
    ----------
    data : pandas.DataFrame
        The marker's population (one cohort, or every cohort of a cancer type): columns
        ``treatment``, ``<endpoint>_time``, ``<endpoint>_event`` and ``<marker>_z``.
    strata : array-like or None
        The cohort of each row for the pooled analysis (stratified), None for one cohort.
    treatment : Treatment or None
        The config's treatment; None (no treatment declared) gives no rows, as does a
        dataset in which no patient's arm is known (no cohort of it maps a treatment).
    groupings : mapping
        Marker groups by cut method, each a Series on ``data``'s index (as
        :func:`~markersurv.analysis.groups.marker_groups` gives); only the prespecified
        two-group splits (median, fixed) are used.
    """
    if treatment is None or "treatment" not in data.columns or data["treatment"].isna().all():
        return []
    arms = data["treatment"].astype(object).to_numpy()
    time = data[f"{endpoint}_time"].to_numpy(dtype=float)
    event = data[f"{endpoint}_event"].to_numpy(dtype=float)
    entry = entry_of(data, endpoint)
    cohorts = None if strata is None else np.asarray(strata)
    z = data[f"{marker}_z"].to_numpy(dtype=float)
    splits = {
        m: groupings[m].reindex(data.index).astype(object).to_numpy()
        for m in SPLITS
        if m in groupings and groupings[m].notna().any()
    }
    out = []
    for level in treatment.levels[1:]:
        rows = np.flatnonzero(np.isin(arms, [treatment.reference, level]))
        comparison = Comparison(
            treatment,
            level,
            (arms[rows] == level).astype(float),
            time[rows],
            event[rows],
            None if cohorts is None else cohorts[rows],
            None if entry is None else entry[rows],
        )
        refusal = arms_problem(comparison)
        out.append(treatment_row(comparison, "none", "all", settings, refusal))
        out += continuous_rows(comparison, z[rows], marker, settings, refusal)
        for method, groups in splits.items():
            out += split_rows(comparison, groups[rows], marker, method, settings, refusal)
    return out


def arms_problem(comparison: Comparison) -> str:
    """Why the two arms cannot be compared at all ("" when they can)."""
    counts = comparison.counts()
    label = comparison.treatment.label
    for level, n in (
        (comparison.level, counts["treatment_n"]),
        (comparison.treatment.reference, counts["reference_n"]),
    ):
        if n == 0:
            return f"no patient in the {label} arm {level}: the treatment is constant here"
    if comparison.strata is not None:
        both = pd.DataFrame({"s": comparison.strata, "a": comparison.arm}).groupby("s")["a"]
        if not (both.nunique() > 1).any():
            return (
                f"no cohort holds both {label} arms {comparison.level} and "
                f"{comparison.treatment.reference}: the comparison is confounded with cohort"
            )
    return ""


def cells_problem(
    comparison: Comparison, groups: np.ndarray | None, settings: AnalysisSettings
) -> str:
    """Arms (within each marker group) with fewer than ``min_group_size`` patients or no
    event ("" when every cell has enough)."""
    cells = []
    labels = ["all"] if groups is None else ["low", "high"]
    for group in labels:
        in_group = np.ones(comparison.arm.size, bool) if groups is None else groups == group
        for value, level in ((1.0, comparison.level), (0.0, comparison.treatment.reference)):
            cell = in_group & (comparison.arm == value)
            n, events = int(cell.sum()), int(comparison.event[cell].sum())
            if n < settings.min_group_size or events == 0:
                where = f"{level}" if groups is None else f"{level} in the {group} group"
                cells.append(f"{where} ({n} patients, {events} events)")
    if not cells:
        return ""
    return (
        f"{comparison.treatment.label} arm too small (fewer than {settings.min_group_size} "
        f"patients or no event): {', '.join(cells)}"
    )


def treatment_row(
    comparison: Comparison,
    cut_method: str,
    group: str,
    settings: AnalysisSettings,
    refusal: str,
    interaction: tuple[float, float] = (NAN, NAN),
) -> dict:
    """The treatment HR of the arm against the reference on ``comparison``'s patients."""
    refusal = refusal or arms_problem(comparison) or cells_problem(comparison, None, settings)
    x = pd.DataFrame({comparison.term: comparison.arm})
    cox = fitted_rows(comparison, x, [comparison.term], settings, refusal, cut_method)[0]
    return predictive_row(
        comparison, cut_method, group, "treatment_hr", cox, interaction, comparison.counts()
    )


def continuous_rows(
    comparison: Comparison, z: np.ndarray, marker: str, settings: AnalysisSettings, refusal: str
) -> list[dict]:
    """The interaction per SD and the treatment HR at the marker's mean (group
    ``continuous``), on the patients with a standardized marker value."""
    keep = np.isfinite(z)
    comparison, z = comparison.subset(keep), z[keep]
    refusal = refusal or arms_problem(comparison) or cells_problem(comparison, None, settings)
    rows = interaction_rows(comparison, z, f"{marker}_z", "none", settings, refusal)
    return [
        predictive_row(
            comparison, "none", "continuous", estimate, cox, interaction, comparison.counts()
        )
        for estimate, (cox, interaction) in zip(
            ("interaction", "treatment_hr_at_mean"), rows, strict=True
        )
    ]


def split_rows(
    comparison: Comparison,
    groups: np.ndarray,
    marker: str,
    method: str,
    settings: AnalysisSettings,
    refusal: str,
) -> list[dict]:
    """The treatment HR in the low and high groups of a split, and the split's interaction
    (group ``high vs low``)."""
    keep = np.isin(groups, ["low", "high"])
    comparison, groups = comparison.subset(keep), groups[keep]
    refusal = refusal or arms_problem(comparison)
    high = (groups == "high").astype(float)
    ((interaction_cox, interaction), _) = interaction_rows(
        comparison,
        high,
        f"{marker}_high",
        method,
        settings,
        refusal or cells_problem(comparison, groups, settings),
    )
    out = []
    for group in ("low", "high"):
        within = comparison.subset(groups == group)
        out.append(treatment_row(within, method, group, settings, refusal, interaction))
    out.append(
        predictive_row(
            comparison,
            method,
            "high vs low",
            "interaction",
            interaction_cox,
            interaction,
            comparison.counts(),
        )
    )
    return out


def interaction_rows(
    comparison: Comparison,
    values: np.ndarray,
    name: str,
    cut_method: str,
    settings: AnalysisSettings,
    refusal: str,
) -> list[tuple[dict, tuple[float, float]]]:
    """The product term's and the treatment's cox rows of the interaction model, each with
    (Wald p, likelihood-ratio p) of the interaction."""
    product = f"{name}:{comparison.term}"
    x = pd.DataFrame(
        {name: values, comparison.term: comparison.arm, product: values * comparison.arm}
    )
    report = [product, comparison.term]
    full = fitted_rows(comparison, x, report, settings, refusal, cut_method, keep_fit=True)
    interaction_cox, treatment_cox, fit = full
    p = interaction_cox.get("p", NAN)
    lr_p = NAN
    if fit is not None and interaction_cox["status"] != "not_estimable":
        reduced = fitted_rows(
            comparison, x[[name, comparison.term]], [name], settings, "", cut_method, keep_fit=True
        )[-1]
        lr_p = lr_statistic(fit, reduced)[2]
    interaction_cox = {**interaction_cox, "term": product}
    return [(interaction_cox, (p, lr_p)), (treatment_cox, (p, lr_p))]


def fitted_rows(
    comparison: Comparison,
    x: pd.DataFrame,
    report: list[str],
    settings: AnalysisSettings,
    refusal: str,
    cut_method: str,
    *,
    keep_fit: bool = False,
):
    """cox rows of ``report`` (refused with ``refusal`` when it is not empty); with
    ``keep_fit`` the fit follows them (None when refused)."""
    if refusal:
        rows = [
            {
                "term": term,
                "n": comparison.arm.size,
                "events": int(comparison.event.sum()),
                "status": "not_estimable",
                "note": refusal,
            }
            for term in report
        ]
        return [*rows, None] if keep_fit else rows
    # Few events in an arm can leave a coefficient whose interval overflows.
    with np.errstate(over="ignore"):
        outcome = fit_model(
            "predictive",
            comparison.time,
            comparison.event,
            x,
            comparison.strata,
            settings,
            report=report,
            cut_method=cut_method,
            entry=comparison.entry,
        )
    rows = [finite_or_refused(row) for row in outcome.rows]
    return [*rows, outcome.fit] if keep_fit else rows


def finite_or_refused(row: dict) -> dict:
    """A cox row, not estimable when its interval is not finite."""
    if row["status"] == "not_estimable" or np.isfinite(row["hr_upper"]):
        return row
    return {
        **row,
        "status": "not_estimable",
        "note": "; ".join(n for n in (row["note"], "the hazard ratio is not finite") if n),
    }


def predictive_row(
    comparison: Comparison,
    cut_method: str,
    group: str,
    estimate: str,
    cox: dict,
    interaction: tuple[float, float],
    counts: dict,
) -> dict:
    """One predictive.tsv row from a cox row: NaN estimates where it is not estimable."""
    ok = cox["status"] != "not_estimable"

    def value(key):
        return float(cox[key]) if ok and key in cox else NAN

    return {
        "cut_method": cut_method,
        "treatment": comparison.level,
        "reference": comparison.treatment.reference,
        "group": group,
        "n": int(cox["n"]),
        "events": int(cox["events"]),
        "hr": value("hr"),
        "hr_lower": value("hr_lower"),
        "hr_upper": value("hr_upper"),
        "p": value("p"),
        "interaction_p": interaction[0] if np.isfinite(interaction[0]) else NAN,
        "status": cox["status"],
        "note": cox["note"] if isinstance(cox["note"], str) else "",
        "estimate": estimate,
        "term": cox["term"],
        "coef": value("coef"),
        "se": value("se"),
        "interaction_lr_p": interaction[1] if np.isfinite(interaction[1]) else NAN,
        **counts,
        "min_detectable_hr": value("min_detectable_hr"),
        "events_per_parameter": value("events_per_parameter"),
        "role": ROLE,
    }
