from markersurv.pipeline.figures import plot_cancer_type_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    plot_cancer_type_step,
    list(snakemake.input.patients),
    list(snakemake.input.flows),
    snakemake.wildcards.cancer_type,
    {name: snakemake.input[name] for name in snakemake.params.tables},
    snakemake.params.config,
    snakemake.output[0],
)
