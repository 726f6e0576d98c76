"""The conda environment pins the same versions as requirements.lock, and conda can create
it from the copy Snakemake makes of it in the working directory's .snakemake/conda/."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from tests.e2e.e2e_helpers import small_config, snakemake_env, write_workdir

# Stands in for conda, which this test does not need installed: it answers Snakemake's
# checks of the installation and, for `conda env create --file F --prefix P`, reads F where
# Snakemake put it and resolves every path in it from F's folder, as conda and pip do.
FAKE_CONDA = """#!{python}
import json, pathlib, sys
import yaml
from packaging.requirements import InvalidRequirement, Requirement

args = sys.argv[1:]
if args == ["--version"]:
    print("conda 24.11.3")
elif args[:2] == ["info", "--json"]:
    print(json.dumps({{"conda_prefix": {root!r}, "platform": "linux-64"}}))
elif args[:2] == ["config", "--get"]:
    print(json.dumps({{"get": {{"channel_priority": "strict"}}}}))
elif args[:2] == ["env", "create"]:
    file = pathlib.Path(args[args.index("--file") + 1])
    prefix = pathlib.Path(args[args.index("--prefix") + 1])
    pip = next(d["pip"] for d in yaml.safe_load(file.read_text())["dependencies"]
               if isinstance(d, dict))
    for entry in pip:
        try:
            Requirement(entry)
            continue
        except InvalidRequirement:
            path = file.parent / entry.split()[-1]
        if not ((path / "pyproject.toml").exists() or path.is_file()):
            sys.exit(f"{{entry!r}} in {{file}}: {{path.resolve()}} is not a Python project")
    with open({log!r}, "a") as log:
        log.write(json.dumps({{"file": str(file.resolve()), "pip": pip}}) + "\\n")
    (prefix / "bin").mkdir(parents=True)
elif args[0] == "clean":
    pass
else:
    sys.exit(f"unexpected conda command {{args}}")
"""


def lock_pins(repo_dir) -> dict[str, str]:
    pins = {}
    for line in (repo_dir / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def pip_entries(env_file: Path) -> list[str]:
    env = yaml.safe_load(env_file.read_text())
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


def test_conda_env_pins_equal_lock(repo_dir):
    env = yaml.safe_load((repo_dir / "envs" / "markersurv.yaml").read_text())
    pins = lock_pins(repo_dir)
    checked = 0
    for requirement in pip_entries(repo_dir / "envs" / "markersurv.yaml"):
        name, _, version = requirement.partition("==")
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+", name), f"{requirement} is not a package name"
        assert version, f"{requirement} is not pinned exactly"
        assert pins.get(name.lower().replace("_", "-")) == version, requirement
        checked += 1
    assert checked >= 10
    assert "python=3.11" in env["dependencies"]


def fake_conda(folder: Path) -> tuple[Path, Path]:
    bindir, log = folder / "bin", folder / "created.jsonl"
    bindir.mkdir(parents=True)
    conda = bindir / "conda"
    conda.write_text(FAKE_CONDA.format(python=sys.executable, root=str(folder), log=str(log)))
    conda.chmod(0o755)
    return bindir, log


def create_envs(snakefile: Path, workdir: Path, bindir: Path) -> subprocess.CompletedProcess:
    env = snakemake_env()
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("snakemake")),
            *("-s", str(snakefile), "--directory", str(workdir), "--cores", "1"),
            *("--use-conda", "--conda-create-envs-only"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_conda_creates_the_env_from_snakemake_s_copy(repo_dir, tmp_path):
    bindir, log = fake_conda(tmp_path / "conda")
    workdir = write_workdir(tmp_path / "work", small_config(repo_dir))

    run = create_envs(repo_dir / "Snakefile", workdir, bindir)

    assert run.returncode == 0, run.stderr[-3000:]
    created = [json.loads(line) for line in log.read_text().splitlines()]
    # One environment for every rule, read from its copy in the working directory.
    assert len(created) == 1
    copy = Path(created[0]["file"])
    assert copy.parent == (workdir / ".snakemake" / "conda").resolve()
    assert copy.read_bytes() == (repo_dir / "envs" / "markersurv.yaml").read_bytes()
    assert created[0]["pip"] == pip_entries(repo_dir / "envs" / "markersurv.yaml")


def test_a_path_relative_to_the_env_file_does_not_survive_the_copy(tmp_path):
    # What envs/markersurv.yaml once held: an editable install of the folder above envs/,
    # which from .snakemake/conda/ is .snakemake/.
    bindir, _ = fake_conda(tmp_path / "conda")
    project = tmp_path / "project"
    (project / "envs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "envs" / "x.yaml").write_text(
        yaml.safe_dump({"dependencies": ["pip", {"pip": ["-e ../"]}]})
    )
    (project / "Snakefile").write_text(
        'rule x:\n    output: "x.txt"\n    conda: "envs/x.yaml"\n    shell: "touch {output}"\n'
    )

    run = create_envs(project / "Snakefile", project, bindir)

    assert run.returncode != 0
    assert "'-e ../'" in run.stderr and "is not a Python project" in run.stderr
    assert str((project / ".snakemake").resolve()) in run.stderr


def test_lock_pins_the_statistical_stack(repo_dir):
    pins = lock_pins(repo_dir)
    for name in (
        "snakemake",
        "lifelines",
        "pandas",
        "numpy",
        "scipy",
        "scikit-learn",
        "seaborn",
        "matplotlib",
        "openpyxl",
        "pyarrow",
        "jsonschema",
        "pygments",
        "snakemake-executor-plugin-slurm",
    ):
        assert name in pins, name
