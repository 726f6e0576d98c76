"""A run killed with SIGKILL resumes with `--rerun-incomplete` to the same bytes as a clean run.

The small config (two SYNTHETIC demo cohorts) runs once uninterrupted as the reference. Then,
for each kill point, `snakemake --cores 2` starts in a fresh working directory as its own
process group and the whole group is killed when a file shows that a given stage is under
way: harmonizing the second cohort, fitting the cancer type, drawing the cancer type's
figures while the summary figures are drawn. The resumed run must give every result file
(logs and benchmarks aside) with the reference's bytes, and leave no temporary file of an
interrupted write behind.
benchmarks/bench_resume.py does the same at random kill times.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from markersurv.tables.io import atomic_folder, write_tsv
from tests.e2e.e2e_helpers import (
    digest,
    partial_files,
    resume,
    run_and_kill,
    run_snakemake,
    small_config,
    write_workdir,
)

pytestmark = pytest.mark.e2e


def started(*relative: str):
    """Kill trigger: every one of these paths (relative to the working directory) exists."""

    def ready(workdir, _elapsed) -> bool:
        return all(any(workdir.glob(r)) for r in relative)

    return ready


# (trigger, rules of which one must be running at the kill, outputs that must not exist yet)
KILL_POINTS = {
    "harmonization": (
        started("results/logs/harmonize_cohort/demo_nsclc_b.log"),
        {"harmonize_cohort"},
        "results/harmonized/patients.parquet",
    ),
    "fitting": (
        started("results/logs/fit_cancer_type/NSCLC.log"),
        {"fit_cancer_type"},
        "results/tables/cox.tsv",
    ),
    # Figures are drawn into a staging folder that becomes results/figures/NSCLC at the end;
    # the narrative waits for the summary figures, so the two figure sets are drawn together.
    "plotting": (
        started("results/logs/plot_summary/summary.log", "results/figures/.NSCLC.*/*.png"),
        {"plot_cancer_type", "plot_summary"},
        "results/figures/NSCLC",
    ),
}


@pytest.fixture(scope="module")
def reference(repo_dir, tmp_path_factory):
    workdir = write_workdir(tmp_path_factory.mktemp("reference"), small_config(repo_dir))
    proc = run_snakemake(repo_dir, workdir)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return digest(workdir / "results")


@pytest.mark.parametrize("stage", list(KILL_POINTS))
def test_resume_after_sigkill_is_byte_identical(stage, reference, repo_dir, tmp_path):
    trigger, rules, not_yet = KILL_POINTS[stage]
    workdir = write_workdir(tmp_path, small_config(repo_dir))
    hit = run_and_kill(repo_dir, workdir, trigger)
    assert not hit.finished, "the run ended before the kill point"
    assert set(hit.rules) & rules, (stage, hit.rules)
    assert not (workdir / not_yet).exists()

    resumed = resume(repo_dir, workdir)
    assert resumed.proc.returncode == 0, resumed.output[-3000:]
    got = digest(workdir / "results")
    assert sorted(got) == sorted(reference)
    assert [name for name in reference if got[name] != reference[name]] == []
    assert partial_files(workdir / "results") == []


WRITER = """
import sys, time
from markersurv.tables.io import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("half a table")
    print("writing", flush=True)
    time.sleep(120)
"""


def test_a_killed_write_is_cleaned_up_by_the_next_write(tmp_path):
    """What a rerun relies on: the temporary file of a write killed before its rename is
    removed when the same output is written again, and other outputs' are left alone."""
    target = tmp_path / "patients.tsv"
    target.write_text("previous\n")
    other = tmp_path / ".patients.tsv.gz.abcdefgh.tmp"
    other.write_text("another output's write in progress")
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline() == "writing\n"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    left = [p for p in partial_files(tmp_path) if p != other.name]
    assert len(left) == 1 and left[0].startswith(".patients.tsv.")
    assert target.read_text() == "previous\n"

    write_tsv(pd.DataFrame({"a": [1]}), target)
    assert partial_files(tmp_path) == [other.name]
    assert target.read_text() == "a\n1\n"


FOLDER_WRITER = """
import sys, time
from markersurv.tables.io import atomic_folder
with atomic_folder(sys.argv[1]) as staging:
    (staging / "km.png").write_bytes(b"one figure of several")
    print("drawing", flush=True)
    time.sleep(120)
"""


def test_a_killed_figure_set_leaves_no_partial_folder(tmp_path):
    """A figure folder appears only complete: Snakemake does not rerun a job added after a
    checkpoint (plot_cancer_type) whose folder exists, even with --rerun-incomplete."""
    figures = tmp_path / "figures"
    target = figures / "NSCLC"
    proc = subprocess.Popen(
        [sys.executable, "-c", FOLDER_WRITER, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline() == "drawing\n"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert not target.exists()
    assert len([p for p in partial_files(figures) if "/" not in p]) == 1

    with atomic_folder(target) as staging:
        (staging / "forest.png").write_bytes(b"a figure")
    assert [p.name for p in target.iterdir()] == ["forest.png"]
    assert partial_files(figures) == []
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o777 & ~umask
