"""What the Snakemake workflow needs to know before any job runs: cohorts and their files."""

from __future__ import annotations

from functools import cache

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
