# markersurv: prognostic biomarker survival analysis across cancer cohorts.


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/harmonize.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/pool.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        all_outputs,
