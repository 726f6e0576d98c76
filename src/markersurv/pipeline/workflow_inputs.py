"""What the Snakemake workflow needs to know before any job runs: cohorts and their files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from markersurv.cohort.spec import CohortSpec, load_cohort_spec
from markersurv.config.settings import HarmonizeSettings
from markersurv.errors import ConfigError, Location, Problem


@cache
def _spec(path: str, data_dirs: tuple[tuple[str, str], ...]) -> CohortSpec:
    # Snakemake asks for a cohort's files once per job it plans; the spec is read and checked
    # against the schema once per workflow parse.
    return load_cohort_spec(path, dict(data_dirs))


def spec_for(path: str, config: dict) -> CohortSpec:
    return _spec(path, tuple(sorted(HarmonizeSettings.from_config(config).data_dirs.items())))


def cohort_specs(config: dict) -> dict[str, str]:
    """Cohort id -> spec path, every spec checked against the schema and its file paths."""
    specs: dict[str, str] = {}
    for path in config["cohorts"]:
        spec = spec_for(path, config)
        if spec.id in specs:
            raise ConfigError(
                Problem(
                    f"cohort id {spec.id!r} is used by two specs",
                    Location(file=path),
                    found=f"also in {specs[spec.id]}",
                    hint="Give each cohort a unique `id`",
                )
            )
        specs[spec.id] = path
    return dict(sorted(specs.items()))


def cohort_data_files(spec_path: str, config: dict) -> list[str]:
    """Every data file of a cohort (so a changed file re-runs its cohort)."""
    spec = spec_for(spec_path, config)
    return sorted(str(p) for table in spec.tables.values() for p in table.files)


def located_inputs(config: dict, workflow_dir: str | Path) -> dict:
    """The config's cohort specs, data folders and vocabulary folder, each read from the
    working directory where it exists there and otherwise from the workflow's own folder.

    A project that uses the workflow as a Snakemake module keeps its config, specs and data
    in its own folder and finds there what it has; what it does not have (the bundled
    vocabulary, the demo cohorts) comes from the workflow. Absolute paths, paths present in
    the working directory and paths found in neither place are returned as written, so a run
    in the workflow's own folder sees its config unchanged and a missing file is reported
    under the name the config gives it.
    """

    def located(path: str) -> str:
        bundled = Path(workflow_dir) / path
        if Path(path).is_absolute() or Path(path).exists() or not bundled.exists():
            return path
        return str(bundled)

    return {
        "cohorts": [located(path) for path in config["cohorts"]],
        "data_dirs": {name: located(path) for name, path in config["data_dirs"].items()},
        "vocabulary_dir": located(config["vocabulary_dir"]),
    }
