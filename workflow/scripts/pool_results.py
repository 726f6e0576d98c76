from markersurv.pipeline.analysis import pool_results_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    pool_results_step,
    list(snakemake.params.folders),
    snakemake.params.config,
    dict(snakemake.output.items()),
)
