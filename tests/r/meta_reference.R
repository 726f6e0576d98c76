# Inverse-variance meta-analysis reference values from R metafor: rma() with REML, DL and FE,
# z and Knapp-Hartung tests, and predict() for the prediction interval; p.adjust(p, "BH").
# Usage: Rscript --vanilla meta_reference.R studies.csv pvalues.csv out.json
#   studies.csv: dataset, yi, sei   (one meta-analysis per dataset)
#   pvalues.csv: family, p          (one p.adjust(p, "BH") per family; p may be NA)
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
studies <- read.csv(args[1], stringsAsFactors = FALSE)
pvalues <- read.csv(args[2], stringsAsFactors = FALSE)
out_path <- args[length(args)]
# jsonlite keeps at most 15 significant digits; doubles travel as "%.17g" strings so they read
# back as the identical value.
exact <- function(obj) {
  rapply(obj, function(x) sprintf("%.17g", x), classes = "numeric", how = "replace")
}

pool <- function(d, method, test) {
  warned <- character(0)
  fit <- withCallingHandlers(
    tryCatch(rma(yi = d$yi, sei = d$sei, method = method, test = test),
             error = function(e) conditionMessage(e)),
    warning = function(w) {
      warned <<- c(warned, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  if (is.character(fit)) return(list(error = fit))
  pred <- predict(fit)
  list(k = fit$k, estimate = as.numeric(fit$beta), se = fit$se, statistic = fit$zval,
       p = fit$pval, ci_lower = fit$ci.lb, ci_upper = fit$ci.ub, tau2 = fit$tau2,
       tau2_se = fit$se.tau2, i2 = fit$I2, h2 = fit$H2, q_stat = fit$QE, q_p = fit$QEp,
       pi_lower = if (is.null(pred$pi.lb)) NA_real_ else pred$pi.lb,
       pi_upper = if (is.null(pred$pi.ub)) NA_real_ else pred$pi.ub,
       warnings = warned)
}

result <- list(meta = list(), bh = list())
for (ds in unique(studies$dataset)) {
  d <- studies[studies$dataset == ds, ]
  for (method in c("REML", "DL", "FE")) {
    for (test in c("z", "knha")) {
      result$meta[[paste(ds, method, test, sep = "|")]] <- pool(d, method, test)
    }
  }
}
for (fam in unique(pvalues$family)) {
  result$bh[[fam]] <- p.adjust(pvalues$p[pvalues$family == fam], method = "BH")
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, digits = NA), out_path)
