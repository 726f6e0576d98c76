from markersurv.pipeline.logs import run_logged
from markersurv.pipeline.steps import fit_cancer_type_step

run_logged(
    snakemake.log[0],
    fit_cancer_type_step,
    list(snakemake.input.patients),
    snakemake.wildcards.cancer_type,
    snakemake.params.config,
    dict(snakemake.output.items()),
)
