"""End to end: Snakemake on a small config of demo cohorts, the report, and reproducibility.

Each run gets its own working directory holding config/config.yaml with absolute paths, so
runs never share Snakemake's metadata or outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.e2e
COHORTS = ("demo_nsclc_a", "demo_nsclc_b", "demo_brca_b", "demo_npc_a")


def snakemake(repo: Path, workdir: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("snakemake")
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [
            str(exe),
            "-s",
            str(repo / "Snakefile"),
            "--directory",
            str(workdir),
            "--cores",
            "2",
            "--quiet",
            "all",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def make_workdir(repo: Path, workdir: Path) -> Path:
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["cohorts"] = [str(repo / "config" / "cohorts" / f"{c}.yaml") for c in COHORTS]
    config["data_dirs"] = {"demo": str(repo / "resources" / "demo")}
    config["vocabulary_dir"] = str(repo / "resources" / "vocab")
    config["results"] = "results"
    config["analysis"] = {"bootstrap_replicates": 20}
    (workdir / "config").mkdir(parents=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(config))
    return workdir


@pytest.fixture(scope="module")
def runs(repo_dir, tmp_path_factory):
    """Two independent clean runs of the same inputs."""
    out = []
    for name in ("first", "second"):
        workdir = make_workdir(repo_dir, tmp_path_factory.mktemp(name))
        os.environ["MARKERSURV_PSEUDONYM_KEY"] = "e2e-key"
        # The second run uses one core: outputs must not depend on scheduling.
        proc = snakemake(repo_dir, workdir, "--cores", "1" if name == "second" else "2")
        assert proc.returncode == 0, proc.stderr[-3000:]
        out.append(workdir / "results")
    return out


def test_outputs_exist(runs):
    results = runs[0]
    for path in (
        "harmonized/patients.tsv",
        "harmonized/patients.parquet",
        "harmonized/exclusions.tsv",
        "harmonized/flow.json",
        "harmonized/qc/marker_qc.tsv",
        "tables/km.tsv",
        "tables/logrank.tsv",
        "tables/cox.tsv",
        "tables/ph.tsv",
        "tables/cutpoints.tsv",
        "tables/pooled.tsv",
        "report/narrative.html",
    ):
        assert (results / path).stat().st_size > 0, path


def test_flow_totals_match_tables(runs):
    results = runs[0]
    flow = json.loads((results / "harmonized/flow.json").read_text())
    patients = pd.read_csv(results / "harmonized/patients.tsv", sep="\t")
    exclusions = pd.read_csv(results / "harmonized/exclusions.tsv", sep="\t")
    assert flow["patients"] == len(patients)
    assert flow["excluded"] == len(exclusions)
    assert sorted(c["cohort"] for c in flow["cohorts"]) == sorted(COHORTS)
    for code, counts in flow["by_cancer_type"].items():
        assert counts["included"] == int((patients["cancer_type"] == code).sum())
    by_reason = exclusions["reason"].value_counts().to_dict()
    assert by_reason == {"impossible_date_sequence": 2, "not_in_primary_table": 1}
    # Patients with follow-up and no marker value are patients, their markers missing.
    assert patients[["il6", "pstat3"]].isna().all(axis=1).sum() == 8


def test_tables_have_design_columns(runs):
    results = runs[0]
    leading = ["cancer_type", "cohort", "endpoint", "marker"]
    expected = {
        "km": [
            "cut_method",
            "group",
            "n",
            "events",
            "median",
            "median_lower",
            "median_upper",
            "surv_12",
            "surv_12_lower",
            "surv_12_upper",
            "surv_60",
        ],
        "logrank": [
            "cut_method",
            "cutpoint",
            "n_low",
            "n_high",
            "events_low",
            "events_high",
            "chisq",
            "df",
            "p",
            "q",
        ],
        "cox": [
            "model",
            "term",
            "n",
            "events",
            "coef",
            "se",
            "hr",
            "hr_lower",
            "hr_upper",
            "z",
            "p",
            "lr_p",
            "concordance",
            "ph_p",
            "q",
            "status",
            "note",
        ],
        "ph": ["model", "term", "chisq", "df", "p"],
        "cutpoints": [
            "method",
            "cutpoint",
            "statistic",
            "p_adjusted",
            "correction",
            "n_low",
            "n_high",
        ],
        "pooled": [
            "scope",
            "model",
            "method",
            "k",
            "log_hr",
            "se",
            "hr",
            "hr_lower",
            "hr_upper",
            "p",
            "tau2",
            "i2",
            "q_stat",
            "q_p",
            "pi_lower",
            "pi_upper",
        ],
    }
    for name, columns in expected.items():
        frame = pd.read_csv(results / "tables" / f"{name}.tsv", sep="\t", nrows=5)
        assert list(frame.columns[:4]) == leading, name
        missing = [c for c in columns if c not in frame.columns]
        assert not missing, (name, missing)


def test_statuses_are_explicit(runs):
    cox = pd.read_csv(runs[0] / "tables" / "cox.tsv", sep="\t")
    assert set(cox["status"]) <= {"ok", "warning", "not_estimable"}
    # The spline's nonlinearity row is a likelihood-ratio test: a p-value, no hazard ratio.
    ok = cox[(cox["status"] == "ok") & (cox["term"] != "nonlinearity")]
    assert ok["hr"].notna().all()
    assert cox.loc[cox["term"] == "nonlinearity", "p"].notna().any()
    failed = cox[cox["status"] == "not_estimable"]
    assert failed["hr"].isna().all()
    assert failed["note"].notna().all()


def test_no_figure_has_text_cut_off_or_overlapping_ticks(runs):
    """The figure steps check every figure's layout and log each defect by figure name."""
    logs = sorted((runs[0] / "logs").glob("plot_*/*.log"))
    assert len(logs) >= 2
    for log in logs:
        text = log.read_text()
        assert "cut off at the edge" not in text and "tick labels overlap" not in text, log


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "logs" not in p.parts and "benchmarks" not in p.parts
    }


def test_two_clean_runs_are_byte_identical(runs):
    first, second = (digest(r) for r in runs)
    assert first.keys() == second.keys()
    differing = [k for k in first if first[k] != second[k]]
    assert not differing


def test_report_builds(runs, repo_dir):
    workdir = runs[0].parent
    proc = snakemake(repo_dir, workdir, "--report", str(workdir / "report.html"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (workdir / "report.html").read_text(errors="replace")
    assert "narrative.html" in html and "patients.tsv" in html


def test_rerun_does_nothing(runs, repo_dir):
    proc = snakemake(repo_dir, runs[0].parent, "--dry-run")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr
    shutil.rmtree(runs[0].parent / ".snakemake" / "log", ignore_errors=True)


def job_counts(output: str) -> dict[str, int]:
    """Jobs per rule from Snakemake's dry-run summary table."""
    counts, in_table = {}, False
    for line in output.splitlines():
        parts = line.split()
        if parts[:2] == ["job", "count"]:
            in_table = True
            continue
        if in_table and len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
        elif in_table and parts and not parts[0].startswith("-"):
            in_table = parts[0] != "total" and in_table
    counts.pop("total", None)
    return counts


def test_adding_a_cohort_reruns_only_what_depends_on_it(runs, repo_dir):
    """A new cohort of a new cancer type (HNSC): existing cohorts are not harmonized again
    and existing cancer types are neither refitted nor replotted."""
    workdir = runs[0].parent
    config_path = workdir / "config" / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    config["cohorts"].append(str(repo_dir / "config" / "cohorts" / "demo_hnsc_a.yaml"))
    config_path.write_text(yaml.safe_dump(config))
    before = {p: p.stat().st_mtime_ns for p in (runs[0] / "analysis").rglob("*.tsv")}
    dry = snakemake(repo_dir, workdir, "--dry-run")
    assert dry.returncode == 0, dry.stderr[-2000:]
    planned = job_counts(dry.stdout + dry.stderr)
    assert planned.get("harmonize_cohort") == 1
    assert planned.get("validate_cohort") == 1
    assert "fit_cancer_type" not in planned and "plot_cancer_type" not in planned
    proc = snakemake(repo_dir, workdir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = {p: p.stat().st_mtime_ns for p in (runs[0] / "analysis").rglob("*.tsv")}
    assert all(after[p] == t for p, t in before.items()), "existing cancer types refitted"
    assert (runs[0] / "analysis" / "HNSC" / "cox.tsv").exists()
    assert (runs[0] / "figures" / "HNSC").is_dir()
