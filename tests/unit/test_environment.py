"""The conda environment pins the same versions as requirements.lock."""

import re

import yaml


def lock_pins(repo_dir) -> dict[str, str]:
    pins = {}
    for line in (repo_dir / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_conda_env_pins_equal_lock(repo_dir):
    env = yaml.safe_load((repo_dir / "envs" / "markersurv.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = lock_pins(repo_dir)
    checked = 0
    for requirement in pip:
        if requirement.startswith("-e"):
            continue
        name, _, version = requirement.partition("==")
        assert version, f"{requirement} is not pinned exactly"
        assert pins.get(name.lower().replace("_", "-")) == version, requirement
        checked += 1
    assert checked >= 10
    assert "python=3.11" in env["dependencies"]


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
