# Meta-regression reference values from R metafor: rma() with mods (a factor with its
# reference level, and a continuous moderator), REML and DL, z and Knapp-Hartung tests; and
# the test of subgroup differences, rma(mods = ~ factor(group), method = "FE")'s QM.
# Usage: Rscript --vanilla meta_regression_reference.R studies.csv out.json
#   studies.csv: dataset, yi, sei, group, reference, x   (one meta-regression per dataset;
#   reference is the dataset's reference level of group, the same on every row)
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
studies <- read.csv(args[1], stringsAsFactors = FALSE)
out_path <- args[length(args)]
# jsonlite keeps at most 15 significant digits; doubles travel as "%.17g" strings so they read
# back as the identical value.
exact <- function(obj) {
  rapply(obj, function(x) sprintf("%.17g", x), classes = "numeric", how = "replace")
}

fit_rma <- function(d, mods, method, test, stepadj = 1) {
  warned <- character(0)
  fit <- withCallingHandlers(
    tryCatch(rma(yi = d$yi, sei = d$sei, mods = mods, data = d, method = method, test = test,
                 control = list(stepadj = stepadj)),
             error = function(e) conditionMessage(e)),
    warning = function(w) {
      warned <<- c(warned, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  # Where full Fisher scoring steps do not converge, half steps are the safer refit.
  if (is.character(fit) && grepl("did not converge", fit) && stepadj == 1) {
    return(c(fit_rma(d, mods, method, test, stepadj = 0.5), list(full_step_error = fit)))
  }
  if (is.character(fit)) return(list(error = fit))
  list(stepadj = stepadj, k = fit$k, p = fit$p, terms = rownames(fit$beta), estimate = as.numeric(fit$beta),
       se = fit$se, statistic = fit$zval, p_value = fit$pval, ci_lower = fit$ci.lb,
       ci_upper = fit$ci.ub, qm = fit$QM, qm_df = fit$QMdf[1], df_residual = fit$QMdf[2],
       qm_p = fit$QMp, qe = fit$QE, qe_p = fit$QEp, tau2 = fit$tau2,
       r2 = if (is.null(fit$R2)) NA_real_ else fit$R2, warnings = warned)
}

moderators <- list(
  factor = ~ relevel(factor(group), ref = reference[1]),
  continuous = ~ x
)
result <- list(rma = list(), subgroup = list())
for (ds in unique(studies$dataset)) {
  d <- studies[studies$dataset == ds, ]
  for (kind in names(moderators)) {
    for (method in c("REML", "DL")) {
      for (test in c("z", "knha")) {
        key <- paste(ds, kind, method, test, sep = "|")
        result$rma[[key]] <- fit_rma(d, moderators[[kind]], method, test)
      }
    }
  }
  between <- rma(yi = yi, sei = sei, mods = ~ factor(group), data = d, method = "FE")
  pooled <- rma(yi = yi, sei = sei, data = d, method = "FE")
  result$subgroup[[ds]] <- list(qm = between$QM, qm_df = between$QMdf[1], qm_p = between$QMp,
                                q_fixed_effect = pooled$QE)
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, digits = NA), out_path)
