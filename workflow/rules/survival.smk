rule fit_cancer_type:
    input:
        patients=cohorts_with_type,
    output:
        **{
            name: f"{RESULTS}/analysis/{{cancer_type}}/{name}.tsv"
            for name in CANCER_TYPE_TABLES
        },
    log:
        f"{RESULTS}/logs/fit_cancer_type/{{cancer_type}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/fit_cancer_type/{{cancer_type}}.tsv"
    priority: 20
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=ANALYSIS_CONFIG,
    script:
        "../scripts/fit_cancer_type.py"
