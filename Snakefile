# markersurv: prognostic biomarker survival analysis across cancer cohorts.


# The demo config, unless a config is given with --configfile (which then is the only one:
# a TCGA run must not inherit the demo's cohorts or settings).
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# Rule priorities: the fits, the pooling and the summary's path to the narrative run before
# the figure sets of the cancer types, which no other job waits for.


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
