"""Another project uses the workflow as a Snakemake module, with the lines the README gives.

The project's folder holds its Snakefile (the README's block, the path to this checkout put
in), the demo config copied and cut down as a user would edit it (two cohorts, overall
survival, no bootstrap), and a copy of one cohort spec. The other spec, the demo data and
the vocabulary stay in this checkout, named by the config's relative paths. The whole
pipeline and the report run in the project's folder and write there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.e2e.e2e_helpers import snakemake_env

pytestmark = pytest.mark.e2e

HEADING = "## Using the workflow from another project"


def readme_snakefile(repo: Path) -> str:
    """The Snakefile block of the README's section on modules, with this checkout's path."""
    readme = (repo / "README.md").read_text()
    section = readme[readme.index(HEADING) :].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, re.S)
    assert '"path/to/markersurv/Snakefile"' in block
    return block.replace("path/to/markersurv", str(repo))


def edited_config(repo: Path) -> dict:
    config = yaml.safe_load((repo / "config" / "config.yaml").read_text())
    config["cohorts"] = ["config/cohorts/demo_nsclc_a.yaml", "config/cohorts/demo_nsclc_b.yaml"]
    config["endpoints"] = [e for e in config["endpoints"] if e["id"] == "os"]
    config["analysis"] = {"bootstrap_replicates": 0}
    config["figures"] = {"formats": ["png"]}
    return config


@pytest.fixture(scope="module")
def project(repo_dir, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "config" / "cohorts").mkdir(parents=True)
    (root / "Snakefile").write_text(readme_snakefile(repo_dir))
    (root / "config" / "config.yaml").write_text(yaml.safe_dump(edited_config(repo_dir)))
    shutil.copy(repo_dir / "config" / "cohorts" / "demo_nsclc_b.yaml", root / "config" / "cohorts")
    for args in ([], ["--report", "results/report.html"]):
        run = subprocess.run(
            [str(Path(sys.executable).with_name("snakemake")), "--cores", "2", *args],
            cwd=root,
            capture_output=True,
            text=True,
            env=snakemake_env(),
            check=False,
            timeout=400,
        )
        assert run.returncode == 0, run.stderr[-3000:]
    return root


def test_the_project_s_folder_receives_every_output(project):
    results = project / "results"
    for path in (
        "harmonized/patients.tsv",
        "harmonized/exclusions.tsv",
        "harmonized/qc/marker_qc.tsv",
        "analysis/NSCLC/cox.tsv",
        "tables/cox.tsv",
        "tables/pooled.tsv",
        "report/narrative.html",
        "report.html",
    ):
        assert (results / path).stat().st_size > 0, path
    assert list((results / "figures" / "NSCLC").glob("km_*.png"))
    assert list((results / "figures" / "summary").glob("*.png"))


def test_the_module_s_cohorts_data_and_vocabulary_are_read(project):
    flow = json.loads((project / "results" / "harmonized" / "flow.json").read_text())
    assert [c["cohort"] for c in flow["cohorts"]] == ["demo_nsclc_a", "demo_nsclc_b"]
    patients = (project / "results" / "harmonized" / "patients.tsv").read_text()
    # The label comes from the vocabulary, which the project does not hold.
    assert "\tNSCLC\tNon-small cell lung cancer\t" in patients
    assert not (project / "resources").exists()
