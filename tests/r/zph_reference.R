# Proportional-hazards reference values from R survival 3.x: coxph (tight convergence) and
# cox.zph for the transforms km, identity, rank and log.
# Usage: Rscript --vanilla zph_reference.R data.csv cases.csv out.json
#   data.csv: dataset, time, event, stratum, x1, x2, x3
#   cases.csv: case, dataset, formula (right-hand side, e.g. "x1 + x2" or
#     "ns(x1, df = 3) + x2"), ties ("efron"/"breslow"), stratified (0/1)
# For each case the JSON holds the model matrix columns, the coefficients, and per transform
# the zph table, x, time, y and var.
suppressPackageStartupMessages({
  library(survival)
  library(splines)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
data <- read.csv(args[1], stringsAsFactors = FALSE)
cases <- read.csv(args[2], stringsAsFactors = FALSE)
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

result <- list()
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  d <- data[data$dataset == cs$dataset, ]
  rhs <- cs$formula
  if (cs$stratified == 1) rhs <- paste(rhs, "+ strata(stratum)")
  fit <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = d, ties = cs$ties,
               x = TRUE, control = coxph.control(eps = 1e-14, iter.max = 200,
                                                 toler.chol = 1e-14))
  mm <- fit$x
  assign <- lapply(fit$assign, function(a) a - 1L)
  zph <- list()
  for (tr in c("km", "identity", "rank", "log")) {
    z <- cox.zph(fit, transform = tr)
    zph[[tr]] <- list(
      term = rownames(z$table), chisq = unname(z$table[, "chisq"]),
      df = unname(z$table[, "df"]), p = unname(z$table[, "p"]),
      x = z$x, time = z$time, y = unname(z$y), var = unname(z$var)
    )
  }
  result[[cs$case]] <- list(
    coef = unname(fit$coefficients), columns = colnames(mm), x = unname(mm),
    assign = assign, zph = zph
  )
}
writeLines(toJSON(exact(result), na = "string", auto_unbox = TRUE, matrix = "rowmajor"),
           out_path)
