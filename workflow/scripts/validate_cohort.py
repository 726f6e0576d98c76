from markersurv.pipeline.logs import run_logged
from markersurv.harmonize.validation import validate_cohort_step

run_logged(
    snakemake.log[0],
    validate_cohort_step,
    snakemake.input.spec,
    snakemake.params.config,
    snakemake.output[0],
)
