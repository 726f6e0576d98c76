from markersurv.pipeline.logs import run_logged
from markersurv.pipeline.steps import plot_cancer_type_step

run_logged(
    snakemake.log[0],
    plot_cancer_type_step,
    list(snakemake.input.patients),
    snakemake.wildcards.cancer_type,
    {name: snakemake.input[name] for name in snakemake.params.tables},
    snakemake.params.config,
    snakemake.output[0],
)
