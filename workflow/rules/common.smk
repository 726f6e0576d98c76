import json
from pathlib import Path

from snakemake.utils import min_version, validate

from markersurv.config.covariates import check_declarations
from markersurv.pipeline.report_entries import (
    CANCER_TYPES,
    OVERVIEW,
    PATIENTS,
    FigureCaptions,
    report_labels,
    summary_category,
)
from markersurv.pipeline.workflow_inputs import (
    cohort_data_files,
    cohort_specs,
    located_inputs,
)
from markersurv.tables.contract import ANALYSIS_TABLES, CANCER_TYPE_TABLES

min_version("9.0")


validate(config, "../schemas/config.schema.yaml")
check_declarations(config)
# The workflow's own folder: workflow.basedir is the other project's folder when this
# workflow is used as a module there. Relative inputs the working directory lacks come
# from here (the bundled vocabulary, the demo cohorts).
RULES_DIR = Path(workflow.current_basedir.get_path_or_uri(secret_free=True))
WORKFLOW_DIR = RULES_DIR.parents[1]
config.update(located_inputs(config, WORKFLOW_DIR))

RESULTS = config["results"]
COHORTS = cohort_specs(config)
HARMONIZED = f"{RESULTS}/harmonized"
VOCABULARY = sorted(str(p) for p in Path(config["vocabulary_dir"]).glob("*.*"))


FINAL_TABLES = [*ANALYSIS_TABLES, "meta_regression"]
# The report's label columns of each figure, in the config's words.
FIGURE_LABELS = report_labels(config)
# What jobs see of the config: everything but the list of cohorts, so that adding a cohort
# re-runs only the jobs whose inputs change.
JOB_CONFIG = {key: value for key, value in config.items() if key != "cohorts"}


def config_keys(*keys):
    """The part of the config a stage reads (its params): changing a figure setting must not
    re-harmonize the cohorts."""
    return {key: JOB_CONFIG[key] for key in keys if key in JOB_CONFIG}


HARMONIZE_CONFIG = config_keys(
    "data_dirs",
    "vocabulary_dir",
    "markers",
    "endpoints",
    "covariates",
    "treatment",
    "detection_limit_policy",
    "pseudonymization",
)
ANALYSIS_CONFIG = config_keys(
    "markers", "endpoints", "covariates", "treatment", "analysis"
)
FIGURE_CONFIG = config_keys(
    "markers", "endpoints", "covariates", "treatment", "analysis", "figures", "privacy"
)


wildcard_constraints:
    cohort="|".join(COHORTS),
    cancer_type="[A-Za-z0-9_]+",


def spec_of(wildcards):
    return COHORTS[wildcards.cohort]


def data_of(wildcards):
    return cohort_data_files(COHORTS[wildcards.cohort], config)


def types_by_cohort():
    """Cohort -> cancer types with patients, from the merged flow (known once every cohort is
    harmonized: merging is the checkpoint, so all cohorts are harmonized in parallel).
    """
    flow = checkpoints.merge_harmonized.get().output.flow
    cohorts = json.loads(Path(flow).read_text())["cohorts"]
    return {
        c["cohort"]: sorted(
            code for code, n in c["by_cancer_type"].items() if n["included"] > 0
        )
        for c in cohorts
    }


def cancer_types():
    return sorted({code for codes in types_by_cohort().values() for code in codes})


def cohorts_with_type(wildcards, suffix="patients.parquet"):
    return [
        f"{HARMONIZED}/cohorts/{cohort}.{suffix}"
        for cohort, codes in types_by_cohort().items()
        if wildcards.cancer_type in codes
    ]


def cohort_flows_with_type(wildcards):
    return cohorts_with_type(wildcards, "flow.json")


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
