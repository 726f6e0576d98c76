# Reference Cox fits and concordances from R's survival package, for tests/stats/test_cox.py
# and tests/stats/test_concordance.py.
#
# Usage: Rscript --vanilla cox_reference.R spec.csv data.csv out.json
#   spec.csv: one row per case with columns
#     name     key of the case in the output
#     case     rows of data.csv to use (its `case` column)
#     kind     "coxph" (fit the model) or "concordance" (concordance of a given score)
#     terms    covariate columns joined by ";" (for kind concordance: the score column)
#     strata   TRUE (any case, or 1) to add strata(stratum)
#     ties     "efron" or "breslow"
#     eps, iter_max   coxph.control settings
#   data.csv: columns case, time, event, stratum and the covariate columns.
# Output: one JSON object per case; warnings R raised are collected, not fatal.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
spec <- read.csv(args[1], stringsAsFactors = FALSE)
data <- read.csv(args[2], stringsAsFactors = FALSE)
out <- list()

collect <- function(expr) {
  caught <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    caught <<- c(caught, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = caught)
}

for (i in seq_len(nrow(spec))) {
  sp <- spec[i, ]
  d <- data[data$case == sp$case, ]
  terms <- strsplit(sp$terms, ";", fixed = TRUE)[[1]]
  rhs <- paste(terms, collapse = " + ")
  if (toupper(as.character(sp$strata)) %in% c("TRUE", "1")) rhs <- paste(rhs, "+ strata(stratum)")
  f <- as.formula(paste("Surv(time, event) ~", rhs))

  if (sp$kind == "concordance") {
    res <- collect(concordance(f, data = d, reverse = TRUE))
    cf <- res$value
    count <- if (is.matrix(cf$count)) colSums(cf$count) else cf$count
    out[[sp$name]] <- list(
      concordance = cf$concordance, std = sqrt(cf$var),
      count = as.list(count), warnings = res$warnings
    )
    next
  }

  res <- collect(coxph(f, data = d, ties = sp$ties,
                       control = coxph.control(eps = sp$eps, iter.max = sp$iter_max)))
  fit <- res$value
  s <- summary(fit)
  conc <- fit$concordance
  out[[sp$name]] <- list(
    terms = names(coef(fit)),
    coef = unname(coef(fit)),
    se = unname(sqrt(diag(fit$var))),
    var = fit$var,
    loglik = fit$loglik,
    iter = fit$iter,
    n = fit$n,
    nevent = fit$nevent,
    wald = unname(s$waldtest),
    wald_stat = fit$wald.test,
    logtest = unname(s$logtest),
    sctest = unname(s$sctest),
    p = unname(s$coefficients[, "Pr(>|z|)"]),
    concordance = as.list(conc),
    warnings = res$warnings
  )
}

write_json(out, args[length(args)], digits = NA, auto_unbox = TRUE, na = "null")
