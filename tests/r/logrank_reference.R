# Log-rank reference values from R survival::survdiff (k groups, optional strata, rho), and
# the test for trend computed from survdiff's own observed, expected and variance matrix:
# chisq = (w'(O - E))^2 / (w' V w) on 1 df.
# Usage: Rscript --vanilla logrank_reference.R data.csv out.json
#   data.csv: dataset, time, event, group, stratum, score, rho
#     one test per dataset; stratum NA for an unstratified test; score is the trend score
#     of the patient's group; rho is constant within a dataset.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
out_path <- args[length(args)]
# jsonlite keeps at most 15 significant digits; doubles travel as "%.17g" strings instead,
# which read back to the identical value ("NA", "NaN", "Inf" included).
exact <- function(obj) {
  rapply(obj, function(x) {
    if (!is.double(x)) return(x)
    y <- sprintf("%.17g", x)
    dim(y) <- dim(x)
    y
  }, how = "replace")
}

one_test <- function(d) {
  stratified <- !all(is.na(d$stratum))
  rho <- d$rho[1]
  fit <- tryCatch(
    if (stratified) {
      survdiff(Surv(time, event) ~ group + strata(stratum), data = d, rho = rho)
    } else {
      survdiff(Surv(time, event) ~ group, data = d, rho = rho)
    },
    error = function(e) conditionMessage(e)
  )
  if (is.character(fit)) return(list(error = fit))
  obs <- if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  expd <- if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  w <- tapply(d$score, factor(d$group), function(s) s[1])
  u <- sum(w * (obs - expd))
  trend <- u^2 / drop(t(w) %*% fit$var %*% w)
  list(
    n = as.vector(fit$n), observed = obs, expected = expd, variance = fit$var,
    chisq = fit$chisq, df = sum(expd > 0) - 1, p = fit$pvalue,
    trend_statistic = u, trend_chisq = trend,
    trend_p = pchisq(trend, 1, lower.tail = FALSE)
  )
}

result <- list()
for (ds in unique(data$dataset)) {
  result[[ds]] <- suppressWarnings(one_test(data[data$dataset == ds, ]))
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, matrix = "rowmajor"),
           out_path)
