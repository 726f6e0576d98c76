# Reference fits with delayed entry (left truncation) from R's survival package, for
# tests/stats/test_delayed_entry.py: the counting-process form Surv(entry, time, event).
#
# Usage: Rscript --vanilla entry_reference.R data.csv out.json
#   data.csv: columns case, entry, time, event, x, g, stratum, score.
# Output, per case:
#   cox, cox_strata: coxph(Surv(entry, time, event) ~ x + g [+ strata(stratum)]) (Efron):
#     coef, se, loglik (null, fit), score statistic, cox.zph chi-squares (terms, GLOBAL),
#     the fit's concordance (counts, concordance, std)
#   scores: concordance(Surv(entry, time, event) ~ score [+ strata(stratum)], reverse = TRUE)
#     of a score with many ties (column score)
#   breslow_score, breslow_score_strata: the score test of ~ factor(g) with Breslow ties
#     (the log-rank test on the truncated risk sets, where no event times are tied)
#   km: survfit(Surv(entry, time, event) ~ 1): time, n_risk, n_event, surv, std_err, lower,
#     upper; the median and its limits as print.survfit gives them; summary at 5, 10, 20
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
out <- list()

cox <- function(f, d, ties = "efron") {
  fit <- coxph(f, data = d, ties = ties)
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       loglik = unname(fit$loglik), score = unname(fit$score),
       zph = unname(cox.zph(fit)$table[, "chisq"]),
       concordance = as.list(fit$concordance))
}

for (case in unique(data$case)) {
  d <- data[data$case == case, ]
  km <- survfit(Surv(entry, time, event) ~ 1, data = d)
  med <- unname(summary(km)$table[c("median", "0.95LCL", "0.95UCL")])
  at <- summary(km, times = c(5, 10, 20), extend = TRUE)
  out[[case]] <- list(
    cox = cox(Surv(entry, time, event) ~ x + g, d),
    cox_strata = cox(Surv(entry, time, event) ~ x + g + strata(stratum), d),
    breslow_score = cox(Surv(entry, time, event) ~ factor(g), d, "breslow")$score,
    breslow_score_strata =
      cox(Surv(entry, time, event) ~ factor(g) + strata(stratum), d, "breslow")$score,
    scores = lapply(c(FALSE, TRUE), function(strata) {
      f <- if (strata) Surv(entry, time, event) ~ score + strata(stratum)
           else Surv(entry, time, event) ~ score
      cf <- concordance(f, data = d, reverse = TRUE)
      count <- if (is.matrix(cf$count)) colSums(cf$count) else cf$count
      list(concordance = cf$concordance, std = sqrt(cf$var), count = as.list(count))
    }),
    km = list(
      time = km$time, n_risk = km$n.risk, n_event = km$n.event, surv = km$surv,
      std_err = km$std.err, lower = km$lower, upper = km$upper,
      median = med[1], median_lower = med[2], median_upper = med[3],
      at_surv = at$surv, at_n_risk = at$n.risk, at_lower = at$lower, at_upper = at$upper
    )
  )
}
write_json(out, args[2], digits = NA, auto_unbox = TRUE, na = "null")
