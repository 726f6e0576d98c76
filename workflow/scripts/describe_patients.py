from markersurv.pipeline.logs import run_logged
from markersurv.pipeline.report import describe_patients_step

run_logged(
    snakemake.log[0],
    describe_patients_step,
    snakemake.input.patients,
    snakemake.params.config,
    dict(snakemake.output.items()),
)
