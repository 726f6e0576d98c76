"""What the Snakemake workflow needs to know before any job runs: cohorts and their files."""

from __future__ import annotations

from markersurv.errors import ConfigError, Location, Problem
from markersurv.spec import load_cohort_spec


def cohort_specs(config: dict) -> dict[str, str]:
    """Cohort id -> spec path, every spec checked against the schema and its file paths."""
    specs: dict[str, str] = {}
    for path in config["cohorts"]:
        spec = load_cohort_spec(path, config.get("data_dirs", {}))
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
    spec = load_cohort_spec(spec_path, config.get("data_dirs", {}))
    return sorted(str(p) for table in spec.tables.values() for p in table.files)
