rule describe_patients:
    input:
        patients=f"{HARMONIZED}/patients.parquet",
    output:
        table_one=report(
            f"{RESULTS}/report/table_one.tsv",
            caption="../report/table_one.rst",
            category=PATIENTS,
            labels={"kind": "Table 1 (tidy table)"},
        ),
        association=f"{RESULTS}/report/association.tsv",
    log:
        f"{RESULTS}/logs/describe_patients/describe.log",
    priority: 10
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=JOB_CONFIG,
    script:
        "../scripts/describe_patients.py"


rule write_narrative:
    input:
        patients=f"{HARMONIZED}/patients.parquet",
        flow=f"{HARMONIZED}/flow.json",
        tables=[f"{RESULTS}/tables/{name}.tsv" for name in FINAL_TABLES],
        report_tables=[
            f"{RESULTS}/report/{name}.tsv" for name in ("table_one", "association")
        ],
        figures=f"{RESULTS}/figures/summary",
    output:
        narrative=report(
            f"{RESULTS}/report/narrative.html",
            caption="../report/narrative.rst",
            category=OVERVIEW,
            labels={
                "kind": "Narrative: REMARK checklist, methods, flow, Table 1, results, cautions"
            },
        ),
    log:
        f"{RESULTS}/logs/write_narrative/narrative.log",
    priority: 10
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=JOB_CONFIG,
        tables={
            **{name: f"{RESULTS}/tables/{name}.tsv" for name in FINAL_TABLES},
            **{
                name: f"{RESULTS}/report/{name}.tsv"
                for name in ("table_one", "association")
            },
        },
    script:
        "../scripts/write_narrative.py"
