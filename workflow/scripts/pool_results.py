from markersurv.pipeline.logs import run_logged
from markersurv.pipeline.steps import pool_results_step

run_logged(
    snakemake.log[0],
    pool_results_step,
    list(snakemake.params.folders),
    snakemake.params.config,
    dict(snakemake.output.items()),
)
