# Study weights of inverse-variance pooling from R metafor: weights(rma()) with REML, DL and
# FE (percent of the total; the Knapp-Hartung test does not change them), and tau^2.
# Usage: Rscript --vanilla meta_weights_reference.R studies.csv out.json
#   studies.csv: dataset, yi, sei   (one meta-analysis per dataset)
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
studies <- read.csv(args[1], stringsAsFactors = FALSE)
out_path <- args[length(args)]
# Doubles travel as "%.17g" strings so they read back as the identical value.
exact <- function(obj) {
  rapply(obj, function(x) sprintf("%.17g", x), classes = "numeric", how = "replace")
}

result <- list()
for (ds in unique(studies$dataset)) {
  d <- studies[studies$dataset == ds, ]
  for (method in c("REML", "DL", "FE")) {
    for (test in c("z", "knha")) {
      fit <- rma(yi = d$yi, sei = d$sei, method = method, test = test)
      result[[paste(ds, method, test, sep = "|")]] <- list(
        weights = as.numeric(weights(fit)), tau2 = fit$tau2)
    }
  }
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = FALSE, digits = NA), out_path)
