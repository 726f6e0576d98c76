"""A config given with --configfile is the whole config: nothing of the demo's leaks in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e


def dry_run(repo: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("snakemake")
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [str(exe), "-n", "--nolock", "--cores", "1", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def planned_cohorts(repo: Path, *args: str) -> set[str]:
    """Cohorts whose harmonization a dry run in the repository would schedule."""
    run = dry_run(repo, *args)
    assert run.returncode == 0, run.stderr[-2000:]
    return {
        Path(line.split()[-1]).stem
        for line in run.stdout.splitlines()
        if line.strip().startswith("log:") and "/validate_cohort/" in line
    }


def test_configfile_replaces_the_demo_config(repo_dir, tmp_path):
    demo = yaml.safe_load((repo_dir / "config" / "config.yaml").read_text())
    assert len(demo["cohorts"]) > 1
    own = {**demo, "cohorts": [demo["cohorts"][0]], "results": str(tmp_path / "results")}
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(own))

    assert planned_cohorts(repo_dir, "--configfile", str(path)) == {Path(demo["cohorts"][0]).stem}
    # Without --configfile, the demo config is the config.
    assert planned_cohorts(repo_dir, "--config", f"results={tmp_path / 'demo'}") == {
        Path(c).stem for c in demo["cohorts"]
    }


def test_demo_settings_do_not_fill_gaps_of_another_config(repo_dir, tmp_path):
    """Mappings of two configs merge key by key, so a demo folder used to reach a config
    that does not declare it; now the run stops on the undeclared folder instead."""
    demo = yaml.safe_load((repo_dir / "config" / "config.yaml").read_text())
    own = {**demo, "data_dirs": {"elsewhere": str(tmp_path)}, "results": str(tmp_path / "r")}
    path = tmp_path / "own.yaml"
    path.write_text(yaml.safe_dump(own))

    run = dry_run(repo_dir, "--configfile", str(path))

    assert run.returncode != 0
    assert "placeholder {demo} is not defined" in run.stdout + run.stderr
