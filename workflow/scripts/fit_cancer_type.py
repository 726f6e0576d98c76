from markersurv.pipeline.analysis import fit_cancer_type_step
from markersurv.pipeline.logs import run_logged

run_logged(
    snakemake.log[0],
    fit_cancer_type_step,
    list(snakemake.input.patients),
    snakemake.wildcards.cancer_type,
    snakemake.params.config,
    dict(snakemake.output.items()),
)
