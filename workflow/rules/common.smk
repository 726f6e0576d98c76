from pathlib import Path

from snakemake.utils import min_version, validate

from markersurv.workflow_inputs import cohort_data_files, cohort_specs

min_version("9.0")


validate(config, "../schemas/config.schema.yaml")

RESULTS = config["results"]
COHORTS = cohort_specs(config)
HARMONIZED = f"{RESULTS}/harmonized"
VOCABULARY = sorted(
    str(p) for p in Path(config.get("vocabulary_dir", "resources/vocab")).glob("*.*")
)


wildcard_constraints:
    cohort="|".join(COHORTS),


def spec_of(wildcards):
    return COHORTS[wildcards.cohort]


def data_of(wildcards):
    return cohort_data_files(COHORTS[wildcards.cohort], config)


def all_outputs():
    return [
        f"{HARMONIZED}/patients.tsv",
        f"{HARMONIZED}/patients.parquet",
        f"{HARMONIZED}/exclusions.tsv",
        f"{HARMONIZED}/flow.json",
        f"{HARMONIZED}/qc/marker_qc.tsv",
    ]
