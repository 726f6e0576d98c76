"""The SLURM profile's dry run names the one variable it needs, and runs once it is set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def profile_dry_run(repo: Path, **env: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("snakemake")
    base = {k: v for k, v in os.environ.items() if k != "MARKERSURV_PSEUDONYM_KEY"}
    return subprocess.run(
        [str(exe), "--profile", "workflow/profiles/slurm", "-n", "--nolock"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**base, "PATH": f"{exe.parent}{os.pathsep}{base['PATH']}", **env},
        check=False,
        timeout=300,
    )


def test_unset_key_stops_the_dry_run_naming_the_variable(repo_dir):
    run = profile_dry_run(repo_dir)

    assert run.returncode == 1
    message = run.stdout.split("WorkflowError:\n", 1)[1].rstrip()
    assert "requested by the workflow but undefined" in message
    assert message.endswith(":\nMARKERSURV_PSEUDONYM_KEY")
    # docs/cluster.md gives the command that works.
    assert (
        "MARKERSURV_PSEUDONYM_KEY=dry-run snakemake --profile workflow/profiles/slurm -n"
        in (repo_dir / "docs" / "cluster.md").read_text()
    )


def test_any_key_lets_the_dry_run_plan_every_stage(repo_dir):
    run = profile_dry_run(repo_dir, MARKERSURV_PSEUDONYM_KEY="dry-run")

    assert run.returncode == 0, run.stderr[-3000:]
    for job in ("rule validate_cohort:", "rule harmonize_cohort:", "checkpoint merge_harmonized:"):
        assert job in run.stdout
    assert "This was a dry-run" in run.stdout
