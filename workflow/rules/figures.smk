rule plot_cancer_type:
    input:
        **{
            name: f"{RESULTS}/analysis/{{cancer_type}}/{name}.tsv"
            for name in CANCER_TYPE_TABLES
        },
        patients=cohorts_with_type,
        flows=cohort_flows_with_type,
    output:
        report(
            directory(f"{RESULTS}/figures/{{cancer_type}}"),
            patterns=["{figure}.png", "{figure}.tsv"],
            caption="../report/figure.rst",
            category=CANCER_TYPES,
            subcategory="{cancer_type}",
            labels=FIGURE_LABELS,
        ),
    log:
        f"{RESULTS}/logs/plot_cancer_type/{{cancer_type}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/plot_cancer_type/{{cancer_type}}.tsv"
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=FIGURE_CONFIG,
        tables=CANCER_TYPE_TABLES,
        captions=lambda wildcards: FigureCaptions(
            f"{RESULTS}/figures/{wildcards.cancer_type}"
        ),
    script:
        "../scripts/plot_cancer_type.py"


rule plot_summary:
    input:
        patients=f"{HARMONIZED}/patients.parquet",
        flow=f"{HARMONIZED}/flow.json",
        tables=expand(
            f"{RESULTS}/tables/{{name}}.tsv",
            name=[*FINAL_TABLES, "pooling_weights"],
        ),
        marker_values=f"{HARMONIZED}/qc/marker_values.parquet",
        marker_qc=f"{HARMONIZED}/qc/marker_qc.tsv",
        association=f"{RESULTS}/report/association.tsv",
    output:
        report(
            directory(f"{RESULTS}/figures/summary"),
            patterns=["{figure}.png", "{figure}.tsv"],
            caption="../report/figure.rst",
            category=summary_category,
            labels=FIGURE_LABELS,
        ),
    log:
        f"{RESULTS}/logs/plot_summary/summary.log",
    benchmark:
        f"{RESULTS}/benchmarks/plot_summary/summary.tsv"
    priority: 10
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=FIGURE_CONFIG,
        tables={
            name: f"{RESULTS}/tables/{name}.tsv"
            for name in [*FINAL_TABLES, "pooling_weights"]
        },
        captions=FigureCaptions(f"{RESULTS}/figures/summary"),
    script:
        "../scripts/plot_summary.py"
