# The rows of cuminc.tsv and competing.tsv recomputed with R cmprsk and survival from the
# patient rows of each dataset (one marker, one endpoint, the pooled analysis or one cohort).
# Usage: Rscript --vanilla competing_tables_reference.R data.csv out.json
#   data.csv: dataset, cohort, time, cause (0/1/2), z (standardized marker), value (marker)
# R forms the median split itself: high = value above the cohort's median. Gray's test is
# stratified by cohort and the cause-specific Cox model too; the Fine-Gray model (crr, no
# strata) has one indicator per cohort beyond the first (sorted) as covariates.
suppressPackageStartupMessages({
  library(cmprsk)
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
out_path <- args[length(args)]
exact <- function(obj) {
  rapply(obj, function(x) sprintf("%.17g", x), classes = "numeric", how = "replace")
}

jumps <- function(curve) {
  at <- seq(3, length(curve$time) - 1, by = 2)
  list(time = curve$time[at], est = curve$est[at], var = curve$var[at])
}

crr_row <- function(d, term) {
  covariates <- cbind(term = d[[term]])
  cohorts <- sort(unique(d$cohort))
  for (k in cohorts[-1]) covariates <- cbind(covariates, as.numeric(d$cohort == k))
  fit <- crr(d$time, d$cause, cov1 = covariates)
  list(coef = as.numeric(fit$coef[1]), se = sqrt(fit$var[1, 1]), converged = fit$converged)
}

cs_row <- function(d, term) {
  f <- if (length(unique(d$cohort)) > 1) {
    as.formula(paste("Surv(time, cause == 1) ~", term, "+ strata(cohort)"))
  } else {
    as.formula(paste("Surv(time, cause == 1) ~", term))
  }
  fit <- coxph(f, data = d, ties = "efron")
  list(coef = as.numeric(coef(fit)), se = as.numeric(sqrt(diag(vcov(fit)))))
}

result <- list()
for (ds in unique(data$dataset)) {
  d <- data[data$dataset == ds, ]
  d$high <- 0
  for (k in unique(d$cohort)) {
    rows <- d$cohort == k
    d$high[rows] <- as.numeric(d$value[rows] > median(d$value[rows]))
  }
  group <- ifelse(d$high == 1, "high", "low")
  fit <- cuminc(d$time, d$cause, group)
  gray <- if (length(unique(d$cohort)) > 1) {
    cuminc(d$time, d$cause, group, strata = d$cohort)$Tests
  } else {
    fit$Tests
  }
  result[[ds]] <- list(
    cuminc = list(low = jumps(fit[["low 1"]]), high = jumps(fit[["high 1"]])),
    gray = list(stat = gray["1", "stat"], p = gray["1", "pv"]),
    fine_gray_z = crr_row(d, "z"),
    fine_gray_high = crr_row(d, "high"),
    cause_specific_z = cs_row(d, "z"),
    cause_specific_high = cs_row(d, "high")
  )
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, digits = NA), out_path)
