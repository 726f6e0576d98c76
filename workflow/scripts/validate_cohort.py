from markersurv.pipeline.harmonize import validate_cohort_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    validate_cohort_step,
    snakemake.input.spec,
    snakemake.params.config,
    snakemake.output[0],
)
