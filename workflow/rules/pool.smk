rule pool_results:
    input:
        tables=analysis_tables,
    output:
        **{name: f"{RESULTS}/tables/{name}.tsv" for name in FINAL_TABLES},
        pooling_weights=f"{RESULTS}/tables/pooling_weights.tsv",
    log:
        f"{RESULTS}/logs/pool_results/pool.log",
    benchmark:
        f"{RESULTS}/benchmarks/pool_results/pool.tsv"
    priority: 20
    conda:
        "../../envs/markersurv.yaml"
    params:
        config=ANALYSIS_CONFIG,
        folders=analysis_folders,
    script:
        "../scripts/pool_results.py"
