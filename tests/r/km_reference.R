# Kaplan-Meier reference values from R survival: survfit step tables for the three
# confidence transforms, the median and its limits (print.survfit / summary()$table and
# quantile()), and summary(fit, times =, extend = TRUE) at the requested times.
# Usage: Rscript --vanilla km_reference.R data.csv times.csv out.json
#   data.csv: dataset, group, time, event  (one curve per dataset x group)
#   times.csv: time                         (times for summary(..., extend = TRUE))
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
times <- read.csv(args[2])$time
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

curve <- function(d, conf_type) {
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = conf_type)
  tab <- summary(fit)$table
  q <- quantile(fit, probs = 0.5)
  s <- summary(fit, times = times, extend = TRUE)
  list(
    time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
    surv = fit$surv, std_err = fit$std.err, lower = fit$lower, upper = fit$upper,
    median = unname(tab["median"]), median_lower = unname(tab[grep("LCL", names(tab))]),
    median_upper = unname(tab[grep("UCL", names(tab))]),
    quantile_median = unname(q$quantile), quantile_lower = unname(q$lower),
    quantile_upper = unname(q$upper),
    at = list(time = s$time, surv = s$surv, std_err = s$std.err, lower = s$lower,
              upper = s$upper, n_risk = s$n.risk, n_event = s$n.event,
              n_censor = s$n.censor)
  )
}

result <- list()
for (key in unique(paste(data$dataset, data$group, sep = "|"))) {
  d <- data[paste(data$dataset, data$group, sep = "|") == key, ]
  for (conf_type in c("log", "log-log", "plain")) {
    result[[paste(key, conf_type, sep = "|")]] <- curve(d, conf_type)
  }
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE), out_path)
