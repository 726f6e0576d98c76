# Reference predictive (marker x treatment) analyses from R's survival package, for
# tests/stats/test_predictive.py.
#
# Usage: Rscript --vanilla predictive_reference.R data.csv out.json
#   data.csv: columns case, time, event, z (standardized marker), marker (raw value, for the
#   median split), treatment (arm name), reference (the reference arm), cohort.
# Each non-reference arm of a case is compared with the reference arm on the patients of the
# two arms. The median split is formed here, within each cohort on every patient whatever
# the arm: high = above the cohort's median (R's quantile type 7).
# Output, per case and arm ("<case>:<arm>"; Efron ties, strata(cohort)):
#   continuous: coxph(Surv(time, event) ~ z * treatment + strata(cohort)): coef, se and
#     Wald p of z, treatment and z:treatment; anova() of it against ~ z + treatment: the
#     likelihood-ratio chisq and p of the interaction
#   split: the same with the median-split indicator high in place of z
#   within_low, within_high, overall: coxph(Surv(time, event) ~ treatment + strata(cohort)),
#     subset = the group (overall: every patient): coef, se, p, hr, hr_lower, hr_upper, n,
#     events
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
out <- list()

terms <- function(fit) {
  s <- summary(fit)$coefficients
  list(coef = unname(s[, "coef"]), se = unname(s[, "se(coef)"]),
       p = unname(s[, "Pr(>|z|)"]), names = rownames(s))
}

interaction <- function(full, reduced) {
  test <- anova(reduced, full)
  c(terms(full), list(lr_chisq = test$Chisq[2], lr_p = test[["Pr(>|Chi|)"]][2],
                      loglik = unname(full$loglik[2])))
}

within <- function(d) {
  fit <- coxph(Surv(time, event) ~ treatment + strata(cohort), data = d)
  s <- summary(fit)
  list(coef = unname(s$coefficients[1, "coef"]), se = unname(s$coefficients[1, "se(coef)"]),
       p = unname(s$coefficients[1, "Pr(>|z|)"]), hr = unname(s$conf.int[1, "exp(coef)"]),
       hr_lower = unname(s$conf.int[1, "lower .95"]),
       hr_upper = unname(s$conf.int[1, "upper .95"]), n = fit$n, events = fit$nevent)
}

for (case in unique(data$case)) {
  all_arms <- data[data$case == case, ]
  reference <- all_arms$reference[1]
  # The split is the marker's, formed on every patient of the cohort whatever the arm.
  all_arms$high <- as.numeric(
    ave(all_arms$marker, all_arms$cohort, FUN = function(v) v > quantile(v, 0.5, type = 7))
  )
  for (level in setdiff(sort(unique(all_arms$treatment)), reference)) {
    d <- all_arms[all_arms$treatment %in% c(reference, level), ]
    d$treatment <- factor(d$treatment, levels = c(reference, level))
    out[[paste0(case, ":", level)]] <- list(
      continuous = interaction(
        coxph(Surv(time, event) ~ z * treatment + strata(cohort), data = d),
        coxph(Surv(time, event) ~ z + treatment + strata(cohort), data = d)
      ),
      split = interaction(
        coxph(Surv(time, event) ~ high * treatment + strata(cohort), data = d),
        coxph(Surv(time, event) ~ high + treatment + strata(cohort), data = d)
      ),
      within_low = within(d[d$high == 0, ]),
      within_high = within(d[d$high == 1, ]),
      overall = within(d)
    )
  }
}
write_json(out, args[2], digits = NA, auto_unbox = TRUE, na = "null")
