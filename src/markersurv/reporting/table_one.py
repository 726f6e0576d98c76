"""Table 1: patient characteristics per cohort and cancer type, with missing values shown."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from markersurv.config.study import Study
from markersurv.plots.labels import SCALE_LABELS
from markersurv.stats.km import kaplan_meier

STAGES = ("0", "I", "II", "III", "IV")


def _share(count: int, total: int) -> str:
    return f"{count} ({100 * count / total:.0f}%)" if total else "0"


def _median_iqr(values: pd.Series) -> str:
    values = values.dropna()
    if values.empty:
        return "-"
    q1, q2, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    return f"{q2:.3g} ({q1:.3g}-{q3:.3g})"


def group_rows(data: pd.DataFrame, study: Study, recorded: set[str] | None = None) -> list[dict]:
    """Rows (variable, level, value, missing) describing one group of patients; markers and
    endpoints are named by their labels, each marker's values summarized per scale; the
    declared covariates and the treatment only where ``recorded`` names them (all when
    None)."""
    n = len(data)
    rows = [{"variable": "patients", "level": "", "value": str(n), "missing": ""}]
    rows.append(
        {
            "variable": "age, years",
            "level": "median (IQR)",
            "value": _median_iqr(data["age"]),
            "missing": str(data["age"].isna().sum()),
        }
    )
    for level in ("female", "male"):
        rows.append(
            {
                "variable": "sex",
                "level": level,
                "value": _share(int((data["sex"] == level).sum()), n),
                "missing": "",
            }
        )
    rows[-1]["missing"] = str(data["sex"].isna().sum())
    for level in STAGES:
        count = int((data["stage"] == level).sum())
        if count or level != "0":
            rows.append(
                {"variable": "stage", "level": level, "value": _share(count, n), "missing": ""}
            )
    rows.append(
        {
            "variable": "stage",
            "level": "group only (e.g. I/II NOS)",
            "value": str(int((data["stage"].isna() & data["stage_group"].notna()).sum())),
            "missing": str(int(data["stage_group"].isna().sum())),
        }
    )
    rows += declared_rows(data, study, recorded)
    for declared in study.markers:
        marker, name = declared.id, declared.label
        present = data[marker].notna() | data[f"{marker}_below_lod"].astype(bool)
        for scale, values in data[present].groupby(f"{marker}_scale", sort=True):
            rows.append(
                {
                    "variable": name,
                    "level": f"median (IQR), {SCALE_LABELS.get(str(scale), scale)}",
                    "value": f"{_median_iqr(values[marker])}, n = {len(values)}",
                    "missing": "",
                }
            )
        rows.append(
            {
                "variable": name,
                "level": "not measured",
                "value": "",
                "missing": str(int((~present).sum())),
            }
        )
        rows.append(
            {
                "variable": name,
                "level": "below detection limit",
                "value": _share(
                    int(data[f"{marker}_below_lod"].astype(bool).sum()), int(present.sum())
                ),
                "missing": "",
            }
        )
    for declared_endpoint in study.endpoints:
        endpoint, name = declared_endpoint.id, declared_endpoint.label
        time, event = data[f"{endpoint}_time"], data[f"{endpoint}_event"]
        known = time.notna() & event.notna()
        events = int(event[known].sum())
        follow_up = "-"
        if known.sum() and (event[known] == 0).any():
            reverse = kaplan_meier(time[known].to_numpy(float), 1 - event[known].to_numpy(float))
            follow_up = f"{reverse.median:.3g}" if np.isfinite(reverse.median) else "not reached"
        rows.append(
            {
                "variable": name,
                "level": "events",
                "value": _share(events, int(known.sum())),
                "missing": str(int((~known).sum())),
            }
        )
        rows.append(
            {
                "variable": name,
                "level": "median follow-up, months (reverse KM)",
                "value": follow_up,
                "missing": "",
            }
        )
    return rows


def level_rows(values: pd.Series, name: str, levels: tuple[str, ...]) -> list[dict]:
    """n (%) of each level, the missing count on the last."""
    n = len(values)
    rows = [
        {"variable": name, "level": level, "value": _share(int((values == level).sum()), n),
         "missing": ""}
        for level in levels
    ]  # fmt: skip
    rows[-1]["missing"] = str(int(values.isna().sum()))
    return rows


def declared_rows(data: pd.DataFrame, study: Study, recorded: set[str] | None = None) -> list[dict]:
    """The covariates the config declares beyond the built-in ones, and the treatment, each
    where ``recorded`` names it (every one when None)."""
    rows = []
    for covariate in study.added_covariates():
        if recorded is not None and covariate.id not in recorded:
            continue
        values = data[covariate.id]
        if covariate.type == "categorical":
            rows += level_rows(values, covariate.label, covariate.levels)
            continue
        unit = f", {covariate.unit}" if covariate.unit else ""
        rows.append(
            {
                "variable": f"{covariate.label}{unit}",
                "level": "median (IQR)",
                "value": _median_iqr(values.astype(float)),
                "missing": str(int(values.isna().sum())),
            }
        )
    if study.treatment is not None and (recorded is None or "treatment" in recorded):
        rows += level_rows(data["treatment"], study.treatment.label, study.treatment.levels)
    return rows


def table_one(patients: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Tidy Table 1: cancer_type, cohort (or ``all``), variable, level, value, missing.

    A declared covariate or treatment that no patient of a cancer type has recorded has no
    rows for that type (rather than a level of 0% with every patient missing)."""
    out = []
    declared = [c.id for c in study.added_covariates()]
    declared += ["treatment"] if study.treatment is not None else []
    for cancer_type, by_type in patients.groupby("cancer_type", sort=True):
        recorded = {c for c in declared if c in by_type and by_type[c].notna().any()}
        cohorts = [("all", by_type)] + list(by_type.groupby("cohort", sort=True))
        for cohort, data in cohorts:
            out += [
                {"cancer_type": cancer_type, "cohort": cohort, **row}
                for row in group_rows(data, study, recorded)
            ]
    return pd.DataFrame(
        out, columns=["cancer_type", "cohort", "variable", "level", "value", "missing"]
    )


COUNT_LEVELS = {"patients", "sex", "stage"}
COUNT_TEXT = re.compile(r"^(\d+)( \(\d+%\))?$")


def hidden_count(text: str, below: int | None) -> str:
    """``<below`` for a count (or 'n (p%)') under ``below``, other text unchanged."""
    match = COUNT_TEXT.match(str(text))
    return f"<{below}" if below and match and 0 < int(match.group(1)) < below else text


def suppress_small_counts(table: pd.DataFrame, below: int | None) -> pd.DataFrame:
    """Counts under ``below`` (and their percentages) shown as ``<k``, for shareable reports.

    Only count cells change: patient counts, every n (%) (sex, stage, the levels of declared
    covariates and the treatment, events, below the detection limit), marker-missing counts
    and every entry of the missing column; medians and IQRs are left alone.

    >>> t = pd.DataFrame({"variable": ["sex", "age, years"], "level": ["male", "median (IQR)"],
    ...                   "value": ["3 (12%)", "4 (3-5)"], "missing": ["2", "0"]})
    >>> suppress_small_counts(t, 5)[["value", "missing"]].values.tolist()
    [['<5', '<5'], ['4 (3-5)', '0']]
    """
    if not below:
        return table
    table = table.copy()

    def hide(text: str) -> str:
        return hidden_count(text, below)

    counts = (
        table["variable"].isin(COUNT_LEVELS)
        | table["level"].isin(["events", "below detection limit", "not measured"])
        | table["value"].astype(str).str.endswith("%)")
    )
    table.loc[counts, "value"] = table.loc[counts, "value"].map(hide)
    table["missing"] = table["missing"].map(hide)
    return table


def journal_tables(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Table 1 as journals print it, one table per cancer type: a row per characteristic and
    level (the characteristic named on its first row), one column per cohort headed by its n
    (and one for all cohorts where the type has several), and a ``missing`` row under each
    characteristic that has missing values in some column.

    >>> t = pd.DataFrame({"cancer_type": "X", "cohort": ["all", "all", "a", "a"],
    ...     "variable": ["patients", "sex", "patients", "sex"], "level": ["", "male"] * 2,
    ...     "value": ["9", "4 (44%)"] * 2, "missing": ["", "1"] * 2})
    >>> journal_tables(t)["X"].values.tolist()
    [['sex', 'male', '4 (44%)'], ['', 'missing', '1']]
    """
    out: dict[str, pd.DataFrame] = {}
    if table.empty:
        return out
    for cancer_type, rows in table.groupby("cancer_type", sort=True):
        groups = list(dict.fromkeys(rows["cohort"]))
        if len(groups) == 2:
            groups = groups[1:]  # one cohort: the all-cohorts column would repeat it
        cells = {(r.cohort, r.variable, r.level): r for r in rows.itertuples(index=False)}
        headers = {}
        for group in groups:
            n = cells[(group, "patients", "")].value
            headers[group] = f"{'All cohorts' if group == 'all' else group} (n = {n})"
        order = dict.fromkeys(zip(rows["variable"], rows["level"], strict=True))
        lines = []
        for variable in dict.fromkeys(v for v, _ in order if v != "patients"):
            levels = [level for v, level in order if v == variable]
            missing = {}
            for group in groups:
                found = [
                    cells[(group, variable, level)].missing
                    for level in levels
                    if (group, variable, level) in cells and level != "not measured"
                ]
                missing[group] = next((m for m in found if m), "")
            for k, level in enumerate(levels):
                line = {"characteristic": variable if k == 0 else "", "level": level}
                for group in groups:
                    cell = cells.get((group, variable, level))
                    text = "" if cell is None else cell.value or cell.missing
                    line[headers[group]] = text or "-"
                lines.append(line)
            if any(m not in ("", "0") for m in missing.values()):
                line = {"characteristic": "", "level": "missing"}
                lines.append(line | {headers[g]: missing[g] or "0" for g in groups})
        out[str(cancer_type)] = pd.DataFrame(lines)
    return out
