import json
from pathlib import Path

from snakemake.utils import min_version, validate

from markersurv.steps import TABLES as ANALYSIS_TABLES
from markersurv.workflow_inputs import cohort_data_files, cohort_specs

min_version("9.0")


validate(config, "../schemas/config.schema.yaml")

RESULTS = config["results"]
COHORTS = cohort_specs(config)
HARMONIZED = f"{RESULTS}/harmonized"
VOCABULARY = sorted(
    str(p) for p in Path(config.get("vocabulary_dir", "resources/vocab")).glob("*.*")
)


FINAL_TABLES = list(ANALYSIS_TABLES)
# What jobs see of the config: everything but the list of cohorts, so that adding a cohort
# re-runs only the jobs whose inputs change.
JOB_CONFIG = {key: value for key, value in config.items() if key != "cohorts"}


wildcard_constraints:
    cohort="|".join(COHORTS),
    cancer_type="[A-Za-z0-9_]+",


def spec_of(wildcards):
    return COHORTS[wildcards.cohort]


def data_of(wildcards):
    return cohort_data_files(COHORTS[wildcards.cohort], config)


def cancer_types_of(cohort):
    """Cancer types with patients in a harmonized cohort (known once it is harmonized)."""
    flow = checkpoints.harmonize_cohort.get(cohort=cohort).output.flow
    counts = json.loads(Path(flow).read_text())["by_cancer_type"]
    return sorted(code for code, c in counts.items() if c["included"] > 0)


def cancer_types():
    return sorted({code for cohort in COHORTS for code in cancer_types_of(cohort)})


def cohorts_with_type(wildcards):
    return [
        f"{HARMONIZED}/cohorts/{cohort}.patients.parquet"
        for cohort in COHORTS
        if wildcards.cancer_type in cancer_types_of(cohort)
    ]


def analysis_folders(wildcards):
    return [f"{RESULTS}/analysis/{code}" for code in cancer_types()]


def analysis_tables(wildcards):
    return [
        f"{RESULTS}/analysis/{code}/{name}.tsv"
        for code in cancer_types()
        for name in ANALYSIS_TABLES
    ]


def all_outputs(wildcards):
    return [
        *[f"{RESULTS}/tables/{name}.tsv" for name in FINAL_TABLES],
        f"{RESULTS}/report/narrative.html",
        f"{RESULTS}/figures/summary",
        *[f"{RESULTS}/figures/{code}" for code in cancer_types()],
        f"{HARMONIZED}/patients.tsv",
        f"{HARMONIZED}/patients.parquet",
        f"{HARMONIZED}/exclusions.tsv",
        f"{HARMONIZED}/flow.json",
        f"{HARMONIZED}/qc/marker_qc.tsv",
    ]
