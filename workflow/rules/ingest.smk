rule validate_cohort:
    input:
        spec=spec_of,
        data=data_of,
        vocabulary=VOCABULARY,
    output:
        f"{RESULTS}/ingest/{{cohort}}.validation.json",
    log:
        f"{RESULTS}/logs/validate_cohort/{{cohort}}.log",
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=HARMONIZE_CONFIG,
    script:
        "../scripts/validate_cohort.py"
