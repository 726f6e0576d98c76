# Competing-risks reference values from R cmprsk and survival: cuminc() estimates and
# variances per group with Gray's test (rho = 0, without and with strata), crr() coefficients
# and sandwich variance, and the cause-specific coxph() (Efron ties, competing events
# censored, stratified where a stratum is given).
# Usage: Rscript --vanilla competing_reference.R data.csv out.json
#   data.csv: dataset, time, cause (0 censored, 1 event, 2 competing), group, stratum, x1, x2
suppressPackageStartupMessages({
  library(cmprsk)
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
out_path <- args[length(args)]
# jsonlite keeps at most 15 significant digits; doubles travel as "%.17g" strings so they read
# back as the identical value.
exact <- function(obj) {
  rapply(obj, function(x) sprintf("%.17g", x), classes = "numeric", how = "replace")
}

# The corners of cuminc's step function come in pairs; the second of each pair (positions
# 3, 5, ...) is the estimate just after an event of interest.
jumps <- function(curve) {
  at <- seq(3, length(curve$time) - 1, by = 2)
  list(time = curve$time[at], est = curve$est[at], var = curve$var[at])
}

gray <- function(fit) {
  tests <- fit$Tests
  list(stat = tests["1", "stat"], p = tests["1", "pv"], df = tests["1", "df"])
}

result <- list()
for (ds in unique(data$dataset)) {
  d <- data[data$dataset == ds, ]
  entry <- list()
  fit <- cuminc(d$time, d$cause, d$group)
  entry$cuminc <- list()
  for (g in sort(unique(d$group))) {
    entry$cuminc[[as.character(g)]] <- jumps(fit[[paste(g, 1)]])
  }
  entry$gray <- gray(fit)
  entry$gray_strata <- gray(cuminc(d$time, d$cause, d$group, strata = d$stratum))
  crr_fits <- list(
    x1 = crr(d$time, d$cause, cov1 = cbind(x1 = d$x1)),
    x1_x2 = crr(d$time, d$cause, cov1 = cbind(x1 = d$x1, x2 = d$x2))
  )
  entry$crr <- lapply(crr_fits, function(f) {
    list(coef = as.numeric(f$coef), var = as.numeric(f$var), loglik = f$loglik,
         converged = f$converged, n = f$n)
  })
  cs <- coxph(Surv(time, cause == 1) ~ x1 + x2, data = d, ties = "efron")
  cs_strata <- coxph(Surv(time, cause == 1) ~ x1 + strata(stratum), data = d, ties = "efron")
  entry$cause_specific <- list(
    coef = as.numeric(coef(cs)), se = as.numeric(sqrt(diag(vcov(cs)))),
    strata_coef = as.numeric(coef(cs_strata)),
    strata_se = as.numeric(sqrt(diag(vcov(cs_strata))))
  )
  result[[ds]] <- entry
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, digits = NA), out_path)
