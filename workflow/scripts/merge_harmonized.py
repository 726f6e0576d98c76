from markersurv.pipeline.harmonize import merge_harmonized_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    merge_harmonized_step,
    snakemake.input.patients,
    snakemake.input.exclusions,
    snakemake.input.flow,
    snakemake.input.qc,
    snakemake.params.config,
    dict(snakemake.output.items()),
)
