rule harmonize_cohort:
    input:
        spec=spec_of,
        data=data_of,
        vocabulary=VOCABULARY,
        validation=f"{RESULTS}/ingest/{{cohort}}.validation.json",
    output:
        patients=f"{HARMONIZED}/cohorts/{{cohort}}.patients.parquet",
        exclusions=f"{HARMONIZED}/cohorts/{{cohort}}.exclusions.tsv",
        flow=f"{HARMONIZED}/cohorts/{{cohort}}.flow.json",
        qc=f"{HARMONIZED}/cohorts/{{cohort}}.marker_values.parquet",
    log:
        f"{RESULTS}/logs/harmonize_cohort/{{cohort}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/harmonize_cohort/{{cohort}}.tsv"
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=HARMONIZE_CONFIG,
    script:
        "../scripts/harmonize_cohort.py"


checkpoint merge_harmonized:
    input:
        patients=expand(
            f"{HARMONIZED}/cohorts/{{cohort}}.patients.parquet", cohort=COHORTS
        ),
        exclusions=expand(
            f"{HARMONIZED}/cohorts/{{cohort}}.exclusions.tsv", cohort=COHORTS
        ),
        flow=expand(f"{HARMONIZED}/cohorts/{{cohort}}.flow.json", cohort=COHORTS),
        qc=expand(
            f"{HARMONIZED}/cohorts/{{cohort}}.marker_values.parquet", cohort=COHORTS
        ),
    output:
        patients_tsv=report(
            f"{HARMONIZED}/patients.tsv",
            caption="../report/patients.rst",
            category=PATIENTS,
            labels={"kind": "Patient table"},
        ),
        patients_parquet=f"{HARMONIZED}/patients.parquet",
        exclusions=report(
            f"{HARMONIZED}/exclusions.tsv",
            caption="../report/exclusions.rst",
            category=PATIENTS,
            labels={"kind": "Exclusions ledger"},
        ),
        flow=f"{HARMONIZED}/flow.json",
        marker_qc=report(
            f"{HARMONIZED}/qc/marker_qc.tsv",
            caption="../report/marker_qc.rst",
            category=PATIENTS,
            labels={"kind": "QC: marker summary (table)"},
        ),
        marker_values=f"{HARMONIZED}/qc/marker_values.parquet",
    log:
        f"{RESULTS}/logs/merge_harmonized/merge.log",
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=HARMONIZE_CONFIG,
    script:
        "../scripts/merge_harmonized.py"
