from markersurv.pipeline.logs import run_logged
from markersurv.pipeline.report import write_narrative_step

run_logged(
    snakemake.log[0],
    write_narrative_step,
    snakemake.input.patients,
    snakemake.input.flow,
    snakemake.params.tables,
    snakemake.input.figures,
    snakemake.params.config,
    snakemake.output.narrative,
)
