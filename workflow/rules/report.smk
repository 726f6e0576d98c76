rule write_narrative:
    input:
        patients=f"{HARMONIZED}/patients.parquet",
        flow=f"{HARMONIZED}/flow.json",
        tables=[f"{RESULTS}/tables/{name}.tsv" for name in FINAL_TABLES],
    output:
        narrative=report(
            f"{RESULTS}/report/narrative.html",
            caption="../report/narrative.rst",
            category="1 Overview",
            labels={
                "page": "REMARK checklist, methods, flow, Table 1, results, cautions"
            },
        ),
        table_one=report(
            f"{RESULTS}/report/table_one.tsv",
            caption="../report/table_one.rst",
            category="2 Patients",
            labels={"table": "Table 1"},
        ),
        association=f"{RESULTS}/report/association.tsv",
    log:
        f"{RESULTS}/logs/write_narrative/narrative.log",
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=JOB_CONFIG,
        tables={name: f"{RESULTS}/tables/{name}.tsv" for name in FINAL_TABLES},
    script:
        "../scripts/write_narrative.py"
