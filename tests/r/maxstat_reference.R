# Maximally selected log-rank statistics from R maxstat: statistic, cutpoint, full scan, the
# Lausen-Schumacher 1994 bound, and on request the Hothorn-Lausen bound (with the statistic on
# maxstat's integer scores that it refers to) and the exact Gaussian p-value.
# Usage: Rscript --vanilla maxstat_reference.R data.csv settings.csv out.json
#   data.csv:     dataset, time, event, x
#   settings.csv: dataset, minprop, maxprop, hl (0/1), gauss (empty, Miwa or GenzBretz)
suppressPackageStartupMessages({
  library(survival)
  library(maxstat)
  library(mvtnorm)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
settings <- read.csv(args[2], stringsAsFactors = FALSE)
out_path <- args[length(args)]
# jsonlite keeps at most 15 significant digits; doubles travel as "%.17g" strings so they read
# back as the identical value.
exact <- function(obj) {
  rapply(obj, function(x) sprintf("%.17g", x), classes = "numeric", how = "replace")
}

result <- list()
for (i in seq_len(nrow(settings))) {
  s <- settings[i, ]
  d <- data[data$dataset == s$dataset, ]
  fit <- maxstat.test(Surv(time, event) ~ x, data = d, smethod = "LogRank",
                      pmethod = "Lau94", minprop = s$minprop, maxprop = s$maxprop)
  out <- list(n = nrow(d), statistic = unname(fit$statistic),
              cutpoint = unname(fit$estimate), cuts = fit$cuts, stats = fit$stats,
              p_lau94 = fit$p.value)
  if (s$hl == 1) {
    hl <- maxstat.test(Surv(time, event) ~ x, data = d, smethod = "LogRank",
                       pmethod = "HL", minprop = s$minprop, maxprop = s$maxprop)
    out$hl_statistic <- unname(hl$statistic)
    out$p_hl <- hl$p.value
  }
  if (!is.na(s$gauss) && nzchar(s$gauss)) {
    # Miwa is deterministic (at most 20 cutpoints); GenzBretz, at its defaults, is randomized
    # and reports its absolute error.
    algorithm <- if (s$gauss == "Miwa") Miwa(steps = 4096) else GenzBretz()
    set.seed(20240501)
    gauss <- maxstat.test(Surv(time, event) ~ x, data = d, smethod = "LogRank",
                          pmethod = "exactGauss", minprop = s$minprop, maxprop = s$maxprop,
                          algorithm = algorithm)
    out$p_gauss <- as.numeric(gauss$p.value)
    out$p_gauss_error <- attr(gauss$p.value, "error")
  }
  result[[s$dataset]] <- out
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, digits = NA), out_path)
