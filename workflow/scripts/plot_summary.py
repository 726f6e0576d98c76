from markersurv.pipeline.figures import plot_summary_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    plot_summary_step,
    snakemake.input.patients,
    snakemake.input.flow,
    snakemake.params.tables,
    snakemake.input.marker_values,
    snakemake.input.marker_qc,
    snakemake.input.association,
    snakemake.params.config,
    snakemake.output[0],
)
