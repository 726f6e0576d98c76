"""The report's narrative page: REMARK checklist, methods, flow, Table 1, results, cautions.

One self-contained HTML page with anchors (the checklist links to its sections); its tables
sort and filter in the page (:mod:`markersurv.reporting.table_view`). Every string that comes
from data or config is escaped.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from markersurv.config.settings import with_defaults
from markersurv.config.study import Study
from markersurv.reporting import key_figures, table_view
from markersurv.reporting.cautions import cautions
from markersurv.reporting.competing import competing_section
from markersurv.reporting.flow import flow_frame, sample_types_html, type_frame
from markersurv.reporting.key_figures import KeyFigure
from markersurv.reporting.marker_subsets import clinical_in_both
from markersurv.reporting.methods import methods_html, methods_paragraphs
from markersurv.reporting.predictive import predictive_section
from markersurv.reporting.remark import remark_html
from markersurv.reporting.table_one import journal_tables

STYLE = (
    """
body{font-family:system-ui,sans-serif;max-width:70em;margin:1em auto;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#f3f3f3}.synthetic{background:#fff3cd;padding:.5em;border:1px solid #e0c36c}
"""
    + table_view.STYLE
    + key_figures.STYLE
)


def frame_html(frame: pd.DataFrame, float_digits: int = 3) -> str:
    def cell(value):
        if isinstance(value, float | np.floating):
            return "NA" if not np.isfinite(value) else f"{value:.{float_digits}g}"
        return escape(str(value))

    head = "".join(f"<th>{escape(str(c))}</th>" for c in frame.columns)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f'<table class="view"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


def results_frame(cox: pd.DataFrame, study: Study | None = None) -> pd.DataFrame:
    """The primary estimates pooled within cancer type; ``caution`` says where the data
    source advises against the endpoint in that cancer type."""
    primary = cox[
        (cox["cohort"] == "all")
        & cox["family"].isin(["primary", "continuous", "dichotomized:median", "adjusted"])
    ].copy()
    endpoints = {e.id: e for e in (study.endpoints if study else ())}
    primary["caution"] = [
        (endpoints[e].caution_for(t) or "") if e in endpoints else ""
        for t, e in zip(primary["cancer_type"], primary["endpoint"], strict=True)
    ]
    columns = [
        "cancer_type",
        "marker",
        "endpoint",
        "model",
        *(["role"] if "role" in primary.columns else []),
        "term",
        "n",
        "events",
        "hr",
        "hr_lower",
        "hr_upper",
        "p",
        "q",
        "ph_p",
        "min_detectable_hr",
        "status",
        "caution",
    ]
    return primary[columns].sort_values(["model", "cancer_type", "marker", "endpoint"])


def subsets_html(study, subsets: pd.DataFrame | None, cox: pd.DataFrame | None) -> list[str]:
    """Patients with and without each marker, and the clinical HRs in both populations."""
    parts = [
        '<h2 id="marker-subsets">Patients with and without each marker</h2>',
        "<p>Each marker's analyses use the patients in whom it was measured; the clinical "
        "models are fitted on them and on every patient with follow-up, so a selected "
        "subset shows as a difference between the two.</p>",
    ]
    if subsets is not None and len(subsets):
        parts.append(frame_html(subsets))
    if cox is not None and len(cox):
        both = clinical_in_both(cox, study)
        if len(both):
            parts += ["<p>Clinical hazard ratios (95% CI) in both populations.</p>"]
            parts.append(frame_html(both))
    return parts


def nonproportional_html(cox: pd.DataFrame, beside: pd.DataFrame, settings) -> list[str]:
    """For each primary result whose proportional-hazards test failed, the hazard ratio in
    time intervals and the restricted mean survival time difference of its analysis."""
    if cox.empty or beside.empty:
        return []
    flagged = results_frame(cox)
    flagged = flagged[flagged["ph_p"] < settings.ph_alpha]
    keys = ["cancer_type", "endpoint", "marker"]
    rows = beside[beside["cohort"] == "all"].merge(flagged[keys].drop_duplicates(), on=keys)
    if rows.empty:
        return []
    columns = [*keys, "model", "start", "end", "n", "events", "estimate", "lower", "upper",
               "p", "status"]  # fmt: skip
    return [
        '<h2 id="nonproportional">Where proportional hazards fail</h2>',
        "<p>For each primary result flagged by the proportional-hazards test: the hazard "
        "ratio per 1 SD within time intervals (months), and the difference in restricted "
        "mean survival time (months, high minus low median group) up to the horizon.</p>",
        frame_html(rows[columns]),
    ]


def narrative_html(
    config: dict,
    settings,
    flow: dict,
    table_one: pd.DataFrame,
    association: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    conversions: dict[str, list[str]],
    subsets: pd.DataFrame | None = None,
    entry_endpoints: list[str] | None = None,
    figures: dict[str, list[KeyFigure]] | None = None,
) -> str:
    """The page; ``figures`` are the key figures it carries (:func:`key_figures`)."""
    config = with_defaults(config)
    study = Study.from_config(config)
    labels = [m.label for m in study.markers]
    suppress_below = config["privacy"]["suppress_counts_below"]
    synthetic = any(c.get("synthetic") for c in flow["cohorts"])
    paragraphs = methods_paragraphs(
        config, settings, len(flow["cohorts"]), synthetic, conversions, entry_endpoints
    )
    predictive_parts = predictive_section(tables.get("predictive"), settings, frame_html)
    parts = [
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>markersurv report'
        f"</title><style>{STYLE}</style></head><body>",
        "<h1>markersurv report</h1>",
    ]
    if synthetic:
        synthetic_ids = ", ".join(c["cohort"] for c in flow["cohorts"] if c.get("synthetic"))
        parts.append(
            f'<p class="synthetic">SYNTHETIC data: cohorts {escape(synthetic_ids)} '
            "were simulated (markersurv simulate, fixed seeds); results illustrate "
            "the pipeline, not biology.</p>"
        )
    parts += [
        '<h2 id="remark">REMARK checklist</h2>',
        remark_html(
            labels,
            competing=any(e.competing for e in study.endpoints),
            predictive=bool(predictive_parts),
            sample_types=any(
                "sample_types" in t for c in flow["cohorts"] for t in c["tables"].values()
            ),
        ),
        '<h2 id="methods">Methods</h2>',
        methods_html(paragraphs),
        '<h2 id="flow">Patient flow</h2>',
        f"<p>{flow['records']} source records (rows of every table of every cohort): "
        f"{flow['excluded']} were excluded or merged into another record (reasons "
        f"below), and the other {flow['records'] - flow['excluded']} were joined into "
        f"the {flow['patients']} patients who entered analysis.</p>",
        frame_html(flow_frame(flow, suppress_below)),
        frame_html(type_frame(flow, settings.endpoints, suppress_below)),
        *[figure.html() for figure in (figures or {}).get("flow", [])],
        *sample_types_html(flow, suppress_below, frame_html),
        '<h2 id="table-one">Table 1: patient characteristics</h2>',
        "<p>Per cancer type, one column per cohort (and all cohorts together where there "
        "are several): n (%) of each level, median (IQR), and the missing values of each "
        "characteristic; results/report/table_one.tsv holds the same as a tidy table.</p>",
    ]
    for cancer_type, journal in journal_tables(table_one).items():
        parts += [f"<h3>{escape(cancer_type)}</h3>", frame_html(journal)]
    parts += subsets_html(study, subsets, tables.get("cox"))
    if len(labels) >= 2:
        parts += [
            f'<h2 id="association">{escape(labels[0])} and {escape(labels[1])}</h2>',
            "<p>Spearman correlation of the standardized markers per cancer type (95% CI, "
            "Fisher z with the Bonett-Wright variance).</p>",
            frame_html(association),
        ]
    parts += [
        '<h2 id="results">Primary results (pooled within cancer type)</h2>',
        "<p>Hazard ratios per 1 SD (continuous, adjusted) or high vs low (median "
        "split); q = Benjamini-Hochberg within each model family; min_detectable_hr = the "
        "smallest hazard ratio the analysis had the configured power to detect "
        "(Schoenfeld), to read beside a null result.</p>",
    ]
    if "cox" in tables and len(tables["cox"]):
        parts.append(frame_html(results_frame(tables["cox"], study)))
    parts += [figure.html() for figure in (figures or {}).get("results", [])]
    if "cox" in tables and "nonproportional" in tables:
        parts += nonproportional_html(tables["cox"], tables["nonproportional"], settings)
    parts += competing_section(tables.get("competing"), settings, frame_html)
    parts += predictive_parts
    if "pooled" in tables and len(tables["pooled"]):
        pooled = tables["pooled"]
        pooled = pooled[pooled["method"] == settings.meta_method]
        parts += [
            '<h2 id="pooled">Random-effects pooling</h2>',
            frame_html(
                pooled[
                    [
                        "scope",
                        "marker",
                        "endpoint",
                        "model",
                        "k",
                        "hr",
                        "hr_lower",
                        "hr_upper",
                        "p",
                        "tau2",
                        "i2",
                        "q_p",
                        "pi_lower",
                        "pi_upper",
                        "status",
                    ]
                ]
            ),
        ]
    notes = cautions(tables, settings)
    parts += [
        '<h2 id="cautions">Cautions</h2>',
        "<ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"
        if notes
        else "<p>None.</p>",
        table_view.SCRIPT,
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
