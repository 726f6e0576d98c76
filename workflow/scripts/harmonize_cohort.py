from markersurv.pipeline.harmonize import harmonize_cohort_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    harmonize_cohort_step,
    snakemake.input.spec,
    snakemake.params.config,
    snakemake.output.patients,
    snakemake.output.exclusions,
    snakemake.output.flow,
    snakemake.output.qc,
)
