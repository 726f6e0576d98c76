"""Benchmark: coverage of the reported 95% CIs of marker hazard ratios, on data simulated from
a known truth.

Replicates are drawn with ``markersurv.simulate.core.simulate_replicate`` (one independent
random stream per replicate and cohort) and fitted with the pipeline's own
``markersurv.analysis.cox_models.fit_model`` (and ``markersurv.analysis.pooling.pool``), with
the config's default analysis settings; coverage counts the replicates whose reported
``hr_lower``-``hr_upper`` interval contains the true hazard ratio.

Two truths, each in cohorts of n = 300 (Weibull baseline, staggered follow-up and drop-out):

- *A*, every term has an effect: log HR 0.4 per SD of IL-6, -0.3 per SD of pSTAT3, 0.02 per
  year of age, 0.3 male vs female, 0.7 stage III-IV vs I-II. These are conditional log HRs
  (see ``simulate_core``), estimated by the Cox model with the same five terms: in one
  cohort, stratified by cohort over three cohorts (the pipeline's ``cohort = all`` fit), and
  pooled across the three cohorts' estimates by random effects (tau^2 = 0 in truth). The
  univariable marker models estimate a marginal (attenuated, non-collapsible) log HR that the
  simulator does not state, so their coverage is not applicable; their mean estimate is shown.
- *B*, IL-6 alone has an effect (log HR 0.4; pSTAT3 and the covariates none): here the
  pipeline's continuous and adjusted single-marker models are correctly specified, so their
  coverage of 0.4 (IL-6) and 0 (pSTAT3) applies.

Usage::

    python benchmarks/bench_coverage.py [--replicates 1000] [--workers 2] [--no-readme]

Prints a markdown table and writes it under the ``## Coverage`` heading of
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from markersurv.analysis.covariates import covariate_design
from markersurv.analysis.cox_models import fit_model
from markersurv.analysis.pooling import pool
from markersurv.config.settings import AnalysisSettings
from markersurv.simulate.core import Baseline, Censoring, CohortDesign, simulate_replicate

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import harness  # noqa: E402

SECTION = "Coverage"

N = 300
COHORTS = 3
SEED = 20240601
LEVEL = 0.95
TRUTH_A = {"il6": 0.4, "pstat3": -0.3, "age": 0.02, "male": 0.3, "late_stage": 0.7}
TRUTH_B = {"il6": 0.4}
BASELINE = Baseline(distribution="weibull", shape=1.2, median_os_months=30.0)
CENSORING = Censoring(
    dropout="exponential", dropout_rate_per_year=0.1, admin_min_months=12.0, admin_max_months=72.0
)
# Model term -> simulator term.
SIMULATED = {
    "il6_z": "il6",
    "pstat3_z": "pstat3",
    "age": "age",
    "sex": "male",
    "stage_group": "late_stage",
}
MARKERS = ("il6_z", "pstat3_z")

CONDITIONAL = "conditional (both markers + age, sex, stage), one cohort"
STRATIFIED = f"conditional, stratified by cohort, {COHORTS} cohorts"
UNIVARIABLE = "continuous (marker alone), one cohort"
ADJUSTED = "adjusted (marker + age, sex, stage), one cohort"


def settings() -> AnalysisSettings:
    """The config schema's default analysis settings, for the two markers and OS."""
    return AnalysisSettings.from_config(
        {"markers": [{"id": "il6"}, {"id": "pstat3"}], "endpoints": [{"id": "os"}]}
    )


def designs(log_hr: dict, scenario: str) -> list[CohortDesign]:
    offset = {"A": 0, "B": 100}[scenario]
    return [
        CohortDesign(
            cohort_id=f"{scenario}{k + 1}",
            cancer_type="NSCLC",
            n=N,
            seed=SEED + offset + k,
            log_hr=log_hr,
            baseline=BASELINE,
            censoring=CENSORING,
        )
        for k in range(COHORTS)
    ]


def truth_of(log_hr: dict, term: str) -> float:
    return float(log_hr.get(SIMULATED[term], 0.0))


def design_matrix(patients: pd.DataFrame, terms, s: AnalysisSettings) -> pd.DataFrame:
    covariates = covariate_design(patients, s.covariates_of("NSCLC")).frame()
    return pd.concat([patients[[t for t in terms if t in MARKERS]], covariates], axis=1)[
        list(terms)
    ]


def estimate(scenario, analysis, term, truth, row_or_none, **extra) -> dict:
    row = row_or_none or {}
    return {
        "scenario": scenario,
        "analysis": analysis,
        "term": term,
        "truth": truth,
        "coef": row.get("coef", np.nan) if "log_hr" not in row else row["log_hr"],
        "se": row.get("se", np.nan),
        "hr_lower": row.get("hr_lower", np.nan),
        "hr_upper": row.get("hr_upper", np.nan),
        "status": row.get("status", "not_estimable"),
        **extra,
    }


def fitted(model, patients, terms, s, strata=None) -> dict[str, dict]:
    time_, event = patients["os_time"].to_numpy(float), patients["os_event"].to_numpy(float)
    outcome = fit_model(model, time_, event, design_matrix(patients, terms, s), strata, s)
    return {row["term"]: row for row in outcome.rows}


def replicate_a(r: int, s: AnalysisSettings, full: bool = True) -> list[dict]:
    """Truth A: the conditional fits (one cohort, and pooled over three), and with ``full``
    also the univariable and the cohort-stratified fits and the Knapp-Hartung pooling."""
    cohorts = [simulate_replicate(d, r).assign(cohort=d.cohort_id) for d in designs(TRUTH_A, "A")]
    terms = tuple(SIMULATED)
    out = []
    per_cohort = [
        {**fitted("adjusted", c, terms, s), "cohort": c["cohort"].iloc[0]} for c in cohorts
    ]
    for term in terms:
        out.append(estimate("A", CONDITIONAL, term, TRUTH_A[SIMULATED[term]], per_cohort[0][term]))
    if full:
        for term in MARKERS:
            row = fitted("continuous", cohorts[0], (term,), s)[term]
            out.append(estimate("A", UNIVARIABLE, term, np.nan, row))
        together = pd.concat(cohorts, ignore_index=True)
        stratified = fitted("adjusted", together, terms, s, strata=together["cohort"].to_numpy())
        for term in MARKERS:
            out.append(estimate("A", STRATIFIED, term, truth_of(TRUTH_A, term), stratified[term]))
    for term in MARKERS:
        studies = pd.DataFrame([{**fits[term], "cohort": fits["cohort"]} for fits in per_cohort])
        for knha in (False, True) if full else (False,):
            for row in pool(
                studies, "NSCLC", "os", term, "adjusted", term, replace(s, knapp_hartung=knha)
            ):
                if knha and row["method"] != "REML":
                    continue
                test = "Knapp-Hartung t" if knha else "z"
                analysis = f"random-effects pooled, {COHORTS} cohorts, {row['method']}, {test}"
                out.append(estimate("A", analysis, term, truth_of(TRUTH_A, term), row))
    return out


def replicate_b(r: int, s: AnalysisSettings, full: bool = True) -> list[dict]:
    """Truth B: the continuous single-marker models, and with ``full`` the adjusted ones."""
    patients = simulate_replicate(designs(TRUTH_B, "B")[0], r)
    out = []
    for term in MARKERS:
        truth = truth_of(TRUTH_B, term)
        row = fitted("continuous", patients, (term,), s)[term]
        out.append(estimate("B", UNIVARIABLE, term, truth, row))
        if not full:
            continue
        row = fitted("adjusted", patients, (term, "age", "sex", "stage_group"), s)[term]
        out.append(estimate("B", ADJUSTED, term, truth, row))
    return out


def replicate_rows(replicates: range, full: bool = True) -> list[dict]:
    s = settings()
    rows = []
    for r in replicates:
        for row in (*replicate_a(r, s, full), *replicate_b(r, s, full)):
            rows.append({**row, "replicate": r})
    return rows


def run(replicates: int, workers: int = 1, full: bool = True) -> pd.DataFrame:
    """Estimates of every replicate (one row per replicate, analysis and term); without
    ``full`` only the conditional, REML-pooled and continuous truth-B fits.

    Replicate ``r`` is the same whatever the number of workers: each draws from its own
    stream.
    """
    if workers <= 1:
        return pd.DataFrame(replicate_rows(range(replicates), full))
    chunks = [range(i, replicates, workers * 4) for i in range(workers * 4)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool_:
        parts = list(pool_.map(replicate_rows, chunks, [full] * len(chunks)))
    rows = pd.DataFrame([row for part in parts for row in part])
    # Within a replicate, rows keep the order they were made in (the table's order).
    return rows.sort_values("replicate", kind="mergesort", ignore_index=True)


def summarise(estimates: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, analysis and term: coverage with its exact binomial 95% CI, mean bias
    (with its Monte Carlo SE) and SE ratio (mean model SE / empirical SD of the estimates).

    References
    ----------
    Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical
    methods. Stat Med 2019;38:2074-2102.
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413.
    """
    rows = []
    keys = ["scenario", "analysis", "term"]
    for (scenario, analysis, term), g in estimates.groupby(keys, sort=False):
        usable = g[(g["status"] != "not_estimable") & g["coef"].notna()]
        truth = float(g["truth"].iloc[0])
        k = len(usable)
        row = {
            "scenario": scenario,
            "analysis": analysis,
            "term": term,
            "truth": truth,
            "replicates": len(g),
            "estimable": k,
            "mean_estimate": usable["coef"].mean(),
            "empirical_sd": usable["coef"].std(ddof=1),
            "mean_se": usable["se"].mean(),
        }
        row["se_ratio"] = row["mean_se"] / row["empirical_sd"]
        if np.isfinite(truth) and k:
            hr = np.exp(truth)
            covered = int(((usable["hr_lower"] <= hr) & (hr <= usable["hr_upper"])).sum())
            ci = binomtest(covered, k, LEVEL).proportion_ci(LEVEL, method="exact")
            row.update(
                covered=covered,
                coverage=covered / k,
                coverage_lower=ci.low,
                coverage_upper=ci.high,
                bias=row["mean_estimate"] - truth,
                bias_mcse=row["empirical_sd"] / np.sqrt(k),
            )
        else:
            row.update(
                covered=np.nan,
                coverage=np.nan,
                coverage_lower=np.nan,
                coverage_upper=np.nan,
                bias=np.nan,
                bias_mcse=np.nan,
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _row_text(r) -> str:
    truth = "marginal, not stated" if not np.isfinite(r.truth) else f"{r.truth:g}"
    if np.isfinite(r.coverage):
        coverage = f"{100 * r.coverage:.1f}%"
        ci = f"{100 * r.coverage_lower:.1f}-{100 * r.coverage_upper:.1f}%"
        bias = f"{r.bias:+.4f} ({r.bias_mcse:.4f})"
    else:
        coverage, ci, bias = "n/a", "", f"mean estimate {r.mean_estimate:+.4f}"
    return (
        f"| {r.scenario} | {r.analysis} | {r.term} | {truth} | {r.estimable:,} / "
        f"{r.replicates:,} | {coverage} | {ci} | {bias} | {r.se_ratio:.3f} |"
    )


def markdown(summary: pd.DataFrame, command: str, info: dict) -> str:
    today = datetime.date.today().isoformat()
    truth_a = ", ".join(f"{k} {v:g}" for k, v in TRUTH_A.items())
    lines = [
        f"## {SECTION}",
        "",
        f"`{command}` on {today}; {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; {info['workers']} worker process(es), "
        f"{info['seconds']:.0f} s wall time.",
        "",
        f"{info['replicates']:,} seeded replicates (`simulate_replicate`, seeds {SEED}+k) of "
        f"cohorts of n = {N}: Weibull baseline (shape {BASELINE.shape:g}, median OS "
        f"{BASELINE.median_os_months:g} months for the reference patient), follow-up uniform "
        f"{CENSORING.admin_min_months:g}-{CENSORING.admin_max_months:g} months with "
        f"{CENSORING.dropout_rate_per_year:g}/year exponential drop-out (about "
        f"{100 * info['event_fraction']:.0f}% events in A). True log HRs: *A* {truth_a} (per SD "
        "of each marker's z, per year, male vs female, late vs early stage; conditional on all "
        "five terms); *B* il6 0.4, all others 0. Fits are the pipeline's `fit_model` (Efron "
        "ties, default settings); an interval covers when the reported hr_lower-hr_upper "
        "contains exp(true log HR). Coverage CI: exact binomial 95%; bias: mean estimate "
        "minus truth (Monte Carlo SE); SE ratio: mean model SE / empirical SD of the estimates. "
        "Pooled rows combine the three cohorts' conditional estimates with the pipeline's "
        "`pool` (tau^2 = 0 in truth); their SE ratio above 1 under the z test is tau^2 "
        "estimated above 0 in replicates with chance heterogeneity. The univariable models in "
        "A estimate a marginal log HR that the simulator does not state, so their coverage is "
        "not applicable.",
        "",
        "| truth | model | term | true log HR | estimable / replicates | coverage | "
        "95% CI of coverage | mean bias (MC SE) | SE ratio |",
        "|---|---|---|---:|---:|---:|---|---:|---:|",
        *[_row_text(r) for r in summary.itertuples()],
        "",
    ]
    return "\n".join(lines)


def event_fraction(replicates: int) -> float:
    design = designs(TRUTH_A, "A")[0]
    return float(
        np.mean([simulate_replicate(design, r)["os_event"].mean() for r in range(replicates)])
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--no-readme", action="store_true", help="print only")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    summary = summarise(run(args.replicates, args.workers))
    info = {
        "workers": args.workers,
        "replicates": args.replicates,
        "seconds": time.perf_counter() - start,
        "event_fraction": event_fraction(min(args.replicates, 100)),
    }
    command = "python benchmarks/bench_coverage.py" + (
        f" --replicates {args.replicates}" if args.replicates != 1000 else ""
    )
    text = markdown(summary, command, info)
    print(text)
    if not args.no_readme:
        harness.write_section(SECTION, text)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
