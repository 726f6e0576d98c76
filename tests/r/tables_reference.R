# Reference values for the analysis tables of whole cancer types (km, risk_table, logrank,
# cox, ph, cutpoints, pooled, and the q-values of cox and logrank), recomputed from the
# harmonized patient rows with R's survival, maxstat and metafor, for
# tests/stats/test_tables_vs_r.py.
#
# Usage: Rscript --vanilla tables_reference.R patients.csv settings.csv out.json
#   patients.csv: the harmonized patient rows of the cancer types analysed: cancer_type,
#     cohort, <marker>, <marker>_scale, <marker>_z, <endpoint>_time, <endpoint>_event and
#     each covariate analysed (age, sex, stage, stage_group, declared ones). Numbers are written as C99 hexadecimal floats ("0x1.8p+1"), which
#     R reads exactly (decimal strings of 17 digits are occasionally read 1 ulp off).
#   settings.csv: name, value; lists joined by ";" (markers, endpoints, cancer_types in the
#     order they were analysed, cut_methods, survival_times, risk_table_times, spline_knots,
#     covariates, covariates:<cancer type>, covariate_levels as id=level|level pairs,
#     doubling as marker=unit pairs) and scalars (min_events, min_group_size, conf_level, km_conf_type, ties,
#     ph_transform, cutpoint_minprop, cutpoint_maxprop).
# Output: one JSON object holding each table as an object of columns; doubles travel as
# "%.17g" strings (jsonlite keeps at most 15 significant digits), "NA" where R has no value.
#
# The semantics follow DESIGN.md's analysis unit: the population of a marker's analyses is
# the patients with the marker and the endpoint (the clinical models are also fitted on
# every patient with the endpoint, as marker "none"); cohort "all" pools the cohorts (Cox and
# log-rank stratified by cohort when there are several) and each cohort is analysed alone;
# marker groups are formed within each cohort (and marker scale): median split with values
# equal to the median low, tertiles/quartiles by quantile type 7 with a value equal to a
# quantile in the lower group, optimal = maxstat's log-rank cutpoint of the cohort.
suppressPackageStartupMessages({
  library(survival)
  library(maxstat)
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
patients <- read.csv(args[1], colClasses = "character", na.strings = "")
settings_table <- read.csv(args[2], colClasses = "character")
out_path <- args[length(args)]

setting <- function(name) settings_table$value[settings_table$name == name]
setting_list <- function(name) {
  value <- setting(name)
  if (length(value) == 0 || is.na(value) || value == "") character(0) else
    strsplit(value, ";", fixed = TRUE)[[1]]
}
markers <- setting_list("markers")
endpoints <- setting_list("endpoints")
cancer_types <- setting_list("cancer_types")
cut_methods <- setting_list("cut_methods")
covariates <- setting_list("covariates")
# Each covariate's levels ("stage=I|II|III|IV"; nothing after "=": continuous); a cancer
# type's own covariate set is the setting "covariates:<type>".
covariate_levels <- local({
  pairs <- setting_list("covariate_levels")
  values <- sub("^[^=]*=", "", pairs)
  setNames(lapply(values, function(v) if (v == "") NULL else strsplit(v, "|", fixed = TRUE)[[1]]),
           sub("=.*$", "", pairs))
})
# Concentration markers and their declared units ("il6=pg/mL"; empty unit: any scale): the
# hazard ratio per doubling is the coefficient of log2 of the concentration.
doubling <- setting_list("doubling")
doubling <- setNames(sub("^[^=]*=", "", doubling), sub("=.*$", "", doubling))
survival_times <- as.numeric(setting_list("survival_times"))
risk_times <- as.numeric(setting_list("risk_table_times"))
spline_knots <- as.numeric(setting_list("spline_knots"))
min_events <- as.numeric(setting("min_events"))
min_group_size <- as.numeric(setting("min_group_size"))
conf_level <- as.numeric(setting("conf_level"))
km_conf_type <- setting("km_conf_type")
ties <- setting("ties")
ph_transform <- setting("ph_transform")
minprop <- as.numeric(setting("cutpoint_minprop"))
power <- as.numeric(setting("power"))
interval_breaks <- as.numeric(setting_list("hr_interval_breaks"))
rmst_horizon <- as.numeric(setting("rmst_horizon"))  # NA: the groups' common follow-up
maxprop <- as.numeric(setting("cutpoint_maxprop"))
z_conf <- qnorm(1 - (1 - conf_level) / 2)

categorical <- names(covariate_levels)[!vapply(covariate_levels, is.null, logical(1))]
text_columns <- c("cancer_type", "cohort", categorical, paste0(markers, "_scale"))
for (column in setdiff(names(patients), text_columns)) {
  patients[[column]] <- as.numeric(patients[[column]])
}

LABELS <- list(median = c("low", "high"), tertile = c("T1", "T2", "T3"),
               quartile = c("Q1", "Q2", "Q3", "Q4"), optimal = c("low", "high"))

# Rows are kept in one environment per table under zero-padded serial numbers (appending to
# a growing list copies it every time).
tables <- new.env()
for (name in c("km", "risk_table", "logrank", "cox", "ph", "cutpoints", "pooled",
               "nonproportional")) {
  tables[[name]] <- new.env()
}
add <- function(table, keys, row) {
  store <- tables[[table]]
  assign(sprintf("%09d", length(store) + 1L), c(keys, row), envir = store)
}
rows_of <- function(table) {
  store <- tables[[table]]
  unname(mget(sort(ls(store)), envir = store))
}

collect <- function(expr) {
  caught <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) structure(conditionMessage(e), class = "failed")),
    warning = function(w) {
      caught <<- c(caught, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  list(value = value, warnings = caught)
}

# Marker groups ----------------------------------------------------------------------------

quantile_groups <- function(x, labels) {
  k <- length(labels)
  cuts <- quantile(x, seq_len(k - 1) / k, names = FALSE, type = 7)
  labels[findInterval(x, cuts, left.open = TRUE) + 1L]
}

within_cohorts <- function(data, marker, label_one) {
  out <- rep(NA_character_, nrow(data))
  scale <- data[[paste0(marker, "_scale")]]
  scale[is.na(scale)] <- ""
  key <- paste(data$cohort, scale, sep = "\r")
  for (k in unique(key)) {
    rows <- which(key == k)
    labelled <- label_one(data[[marker]][rows], data$cohort[rows[1]])
    if (!is.null(labelled)) out[rows] <- labelled
  }
  out
}

optimal_cutpoints <- function(population, marker, endpoint, keys) {
  found <- list()
  for (cohort in sort(unique(population$cohort))) {
    d <- population[population$cohort == cohort, ]
    tm <- d[[paste0(endpoint, "_time")]]
    ev <- d[[paste0(endpoint, "_event")]]
    x <- d[[marker]]
    row <- list(cohort = cohort, events = as.integer(sum(ev)), cutpoint = NA_real_,
                statistic = NA_real_, p_lau94 = NA_real_, n_low = NA_integer_,
                n_high = NA_integer_)
    if (sum(ev) >= min_events) {
      res <- collect(maxstat.test(Surv(tm, ev) ~ x, data = data.frame(tm, ev, x),
                                  smethod = "LogRank", pmethod = "Lau94",
                                  minprop = minprop, maxprop = maxprop))
      if (!inherits(res$value, "failed")) {
        cut <- unname(res$value$estimate)
        found[[cohort]] <- cut
        # maxstat's Lausen-Schumacher bound can exceed 1; the pipeline reports it capped.
        row <- modifyList(row, list(cutpoint = cut, statistic = unname(res$value$statistic),
                                    p_lau94 = min(1, res$value$p.value),
                                    n_low = sum(x <= cut), n_high = sum(x > cut)))
      }
    }
    add("cutpoints", keys, row)
  }
  found
}

marker_groups <- function(data, marker, method, cutpoints) {
  if (method == "optimal") {
    return(within_cohorts(data, marker, function(x, cohort) {
      if (is.null(cutpoints[[cohort]])) NULL else ifelse(x <= cutpoints[[cohort]], "low", "high")
    }))
  }
  within_cohorts(data, marker, function(x, cohort) quantile_groups(x, LABELS[[method]]))
}

# Kaplan-Meier and log-rank --------------------------------------------------------------

# The configured risk-table times continued at their last step up to the end of follow-up
# (markersurv.analysis.survival_tables.risk_times_for).
risk_times_for <- function(grid, last_time) {
  n <- length(grid)
  if (n < 2 || !(last_time > grid[n])) return(grid)
  step <- grid[n] - grid[n - 1]
  if (!(step > 0)) return(grid)
  more <- floor((last_time - grid[n]) / step + 1e-9)
  if (more < 1) return(grid)
  c(grid, grid[n] + step * seq_len(more))
}

km_rows <- function(keys, tm, ev, groups, labels) {
  risk_times <- risk_times_for(risk_times, max(tm[!is.na(groups)]))
  for (label in c("all", labels)) {
    mask <- if (label == "all") !is.na(groups) else !is.na(groups) & groups == label
    if (!any(mask)) next
    fit <- survfit(Surv(tm[mask], ev[mask]) ~ 1, conf.type = km_conf_type,
                   conf.int = conf_level)
    # One summary() call: the median table and both sets of times (counts are per interval
    # between consecutive requested times, so the risk-table counts are cumulated).
    times <- sort(unique(c(survival_times, risk_times)))
    at <- summary(fit, times = times, extend = TRUE)
    tab <- at$table
    row <- list(group = label, n = sum(mask), events = as.integer(sum(ev[mask])),
                median = unname(tab["median"]),
                median_lower = unname(tab[grep("LCL", names(tab))]),
                median_upper = unname(tab[grep("UCL", names(tab))]))
    for (t in survival_times) {
      i <- match(t, times)
      name <- paste0("surv_", format(t))
      row[[name]] <- at$surv[i]
      row[[paste0(name, "_lower")]] <- at$lower[i]
      row[[paste0(name, "_upper")]] <- at$upper[i]
    }
    add("km", keys, row)
    cum_events <- cumsum(at$n.event)
    cum_censored <- cumsum(at$n.censor)
    for (t in risk_times) {
      i <- match(t, times)
      add("risk_table", keys, list(group = label, time = t, n_risk = as.integer(at$n.risk[i]),
                                   cum_events = as.integer(cum_events[i]),
                                   cum_censored = as.integer(cum_censored[i])))
    }
  }
}

logrank_rows <- function(keys, tm, ev, groups, labels, stratum, cutpoint) {
  present <- !is.na(groups)
  tm <- tm[present]
  ev <- ev[present]
  g <- factor(groups[present], levels = labels)
  s <- if (is.null(stratum)) NULL else stratum[present]
  counts <- table(g)
  small <- any(counts < min_group_size)
  base <- list(cutpoint = cutpoint, n_low = NA_integer_, n_high = NA_integer_,
               events_low = NA_integer_, events_high = NA_integer_, small = small)
  if (length(labels) == 2) {
    base$n_low <- as.integer(counts[[1]])
    base$n_high <- as.integer(counts[[2]])
    base$events_low <- as.integer(sum(ev[g == labels[1]]))
    base$events_high <- as.integer(sum(ev[g == labels[2]]))
  }
  fit <- collect(if (is.null(s)) survdiff(Surv(tm, ev) ~ g) else
    survdiff(Surv(tm, ev) ~ g + strata(s)))$value
  ok <- !inherits(fit, "failed")
  obs <- if (!ok) NA else if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs
  expd <- if (!ok) NA else if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp
  test <- if (length(labels) == 2) "two_group" else "k_group"
  df <- if (ok) sum(expd > 0) - 1 else NA_real_
  add("logrank", keys, c(base, list(test = test, chisq = if (ok) fit$chisq else NA_real_,
                                    df = df,
                                    p = if (ok) pchisq(fit$chisq, df, lower.tail = FALSE)
                                    else NA_real_)))
  if (length(labels) > 2 && substr(labels[1], 1, 1) %in% c("T", "Q")) {
    # Test for trend from survdiff's O, E and V with scores 1..k: (w'(O-E))^2 / (w'Vw).
    w <- seq_along(labels)
    chisq <- if (ok) sum(w * (obs - expd))^2 / drop(t(w) %*% fit$var %*% w) else NA_real_
    add("logrank", keys, c(base, list(test = "trend", chisq = chisq, df = 1,
                                      p = pchisq(chisq, 1, lower.tail = FALSE))))
  }
}

# Cox models -----------------------------------------------------------------------------

# Restricted cubic spline basis of Harrell's rcspline.eval(x, knots, inclx = TRUE, norm = 2),
# written out from its definition (Harrell, Regression Modeling Strategies, 2nd ed., 2.4.5).
rcs_basis <- function(x, knots) {
  k <- length(knots)
  cube <- function(v) pmax(v, 0)^3
  spread <- knots[k] - knots[k - 1]
  basis <- sapply(seq_len(k - 2), function(j) {
    (cube(x - knots[j]) - cube(x - knots[k - 1]) * (knots[k] - knots[j]) / spread +
       cube(x - knots[k]) * (knots[k - 1] - knots[j]) / spread) / (knots[k] - knots[1])^2
  })
  cbind(x, basis)
}

infinite_terms <- function(warnings, p) {
  flagged <- rep(FALSE, p)
  for (w in grep("coefficient may be infinite", warnings, value = TRUE)) {
    numbers <- regmatches(w, gregexpr("[0-9]+", sub(";.*", "", w)))[[1]]
    flagged[as.integer(numbers)] <- TRUE
  }
  flagged
}

# Fits Surv(time, event) ~ X (+ strata) on the complete rows of X and records one cox row per
# column of X (named by `terms`) and the cox.zph rows. `grouped` names a single zph term for
# all columns (the spline); otherwise zph has one term per column.
fit_model <- function(keys, model, cut_method, tm, ev, X, terms, stratum, grouped = NULL) {
  X <- as.matrix(X)
  complete <- stats::complete.cases(X) & is.finite(tm) & is.finite(ev)
  tm <- tm[complete]
  ev <- ev[complete]
  X <- X[complete, , drop = FALSE]
  s <- if (is.null(stratum)) NULL else stratum[complete]
  n <- sum(complete)
  events <- as.integer(sum(ev))
  blank <- list(coef = NA_real_, se = NA_real_, hr = NA_real_, hr_lower = NA_real_,
                hr_upper = NA_real_, z = NA_real_, p = NA_real_, lr_p = NA_real_,
                wald_p = NA_real_, score_p = NA_real_, concordance = NA_real_,
                ph_p = NA_real_, ph_global_p = NA_real_, infinite = FALSE, fitted = FALSE,
                r_warnings = "")
  rows <- lapply(terms, function(term) c(list(model = model, cut_method = cut_method,
                                              term = term, n = n, events = events), blank))
  if (events < min_events) {
    for (row in rows) add("cox", keys, row)
    return(list(fit = NULL, n = n, events = events))
  }
  res <- collect(if (is.null(s)) coxph(Surv(tm, ev) ~ X, ties = ties) else
    coxph(Surv(tm, ev) ~ X + strata(s), ties = ties))
  fit <- res$value
  if (inherits(fit, "failed")) stop(paste(model, unlist(keys), fit, collapse = " "))
  coef <- unname(coef(fit))
  se <- unname(sqrt(diag(vcov(fit))))
  summ <- summary(fit)
  infinite <- infinite_terms(res$warnings, length(coef))
  # markersurv reports neither a global Wald test nor cox.zph for a fit in which a
  # coefficient runs off to infinity (DESIGN: a diverged estimate is never reported as a
  # number); R computes both from the diverged coefficient, so they are dropped here.
  wald_p <- if (any(infinite)) NA_real_ else unname(summ$waldtest["pvalue"])
  zph <- NULL
  if (!any(is.na(coef)) && !any(infinite)) {
    zph <- collect(cox.zph(fit, transform = ph_transform, terms = !is.null(grouped)))$value
    zph_terms <- if (is.null(grouped)) c(terms, "GLOBAL") else c(grouped, "GLOBAL")
    for (i in seq_along(zph_terms)) {
      add("ph", keys, list(model = model, cut_method = cut_method, term = zph_terms[i],
                           chisq = zph$table[i, "chisq"], df = zph$table[i, "df"],
                           p = zph$table[i, "p"]))
    }
  }
  # Schoenfeld's smallest detectable HR per unit of each term, its variance deflated by
  # 1 - R^2 on the other terms (Hsieh and Lavori), at the events of the fit.
  z_power <- qnorm(1 - (1 - conf_level) / 2) + qnorm(power)
  detectable <- vapply(seq_len(ncol(X)), function(j) {
    xj <- X[, j]
    r2 <- if (ncol(X) > 1) summary(lm(xj ~ X[, -j, drop = FALSE]))$r.squared else 0
    v <- mean((xj - mean(xj))^2) * (1 - r2)
    if (v > 0) exp(z_power / sqrt(events * v)) else NA_real_
  }, numeric(1))
  for (j in seq_along(terms)) {
    row <- rows[[j]]
    row$min_detectable_hr <- detectable[j]
    row$events_per_parameter <- events / ncol(X)
    row$coef <- coef[j]
    row$se <- se[j]
    row$hr <- exp(coef[j])
    row$hr_lower <- exp(coef[j] - z_conf * se[j])
    row$hr_upper <- exp(coef[j] + z_conf * se[j])
    row$z <- coef[j] / se[j]
    row$p <- 2 * pnorm(-abs(coef[j] / se[j]))
    row$lr_p <- unname(summ$logtest["pvalue"])
    row$wald_p <- wald_p
    row$score_p <- unname(summ$sctest["pvalue"])
    row$concordance <- unname(fit$concordance["concordance"])
    if (!is.null(zph)) {
      row$ph_p <- zph$table[if (is.null(grouped)) j else 1L, "p"]
      row$ph_global_p <- zph$table["GLOBAL", "p"]
    }
    row$infinite <- infinite[j]
    row$fitted <- TRUE
    row$r_warnings <- paste(res$warnings, collapse = "; ")
    add("cox", keys, row)
  }
  list(fit = fit, n = n, events = events)
}

# Columns of one covariate: the number itself, or one 0/1 column per level after the
# first (named by the id alone when there are two levels); NA where it is not recorded.
covariate_block <- function(data, name) {
  levels <- covariate_levels[[name]]
  x <- data[[name]]
  if (is.null(levels)) return(setNames(data.frame(as.numeric(x)), name))
  f <- factor(ifelse(x %in% levels, x, NA), levels = levels)
  block <- sapply(levels[-1], function(l) ifelse(is.na(f), NA_real_, as.numeric(f == l)))
  block <- matrix(block, nrow = length(x))
  colnames(block) <- if (length(levels) == 2) name else paste0(name, ":", levels[-1])
  as.data.frame(block, optional = TRUE)
}

# The columns of a block an adjusted model can use: the levels present among the recorded
# values, the first of them the reference; none with fewer than two distinct values.
usable_block <- function(block, name) {
  levels <- covariate_levels[[name]]
  recorded <- as.matrix(block[stats::complete.cases(block), , drop = FALSE])
  if (is.null(levels)) return(if (length(unique(recorded[, 1])) > 1) names(block) else character(0))
  present <- levels[c(any(rowSums(recorded) == 0), colSums(recorded) > 0)]
  if (length(present) < 2) return(character(0))
  column_of <- setNames(names(block), levels[-1])
  unname(column_of[intersect(present[-1], levels[-1])])
}

covariates_of <- function(cancer_type) {
  own <- setting_list(paste0("covariates:", cancer_type))
  if (length(own) > 0) own else covariates
}

spline_rows <- function(keys, tm, ev, z, name, stratum, linear) {
  present <- is.finite(z)
  knots <- quantile(z[present], spline_knots, names = FALSE, type = 7)
  if (length(unique(knots)) < length(spline_knots)) return()
  basis <- matrix(NA_real_, length(z), length(knots) - 1)
  basis[present, ] <- rcs_basis(z[present], knots)
  terms <- paste0(name, "_rcs", seq_len(ncol(basis)))
  spline <- fit_model(keys, "spline", "none", tm, ev, basis, terms, stratum, grouped = name)
  fitted <- !is.null(spline$fit) && !is.null(linear$fit)
  chisq <- if (fitted) 2 * (spline$fit$loglik[2] - linear$fit$loglik[2]) else NA_real_
  add("cox", keys, list(model = "spline", cut_method = "none", term = "nonlinearity",
                        n = spline$n, events = spline$events,
                        p = pchisq(chisq, length(knots) - 2, lower.tail = FALSE),
                        fitted = fitted))
}

two_group_cutpoint <- function(keys, method, data, marker, groups, cutpoints) {
  if (method == "optimal") {
    value <- cutpoints[[keys$cohort]]
    return(if (is.null(value)) NA_real_ else value)
  }
  if (keys$cohort == "all") return(NA_real_)
  max(data[[marker]][!is.na(groups) & groups == "low"])
}

# The HR of the standardized marker in each interval between the breaks: coxph on the
# counting-process episodes of survSplit, one interval at a time.
interval_hazard_ratios <- function(keys, tm, ev, z, stratum) {
  ok <- is.finite(z) & is.finite(tm) & is.finite(ev)
  d <- data.frame(tm = tm[ok], ev = ev[ok], z = z[ok],
                  s = if (is.null(stratum)) "1" else stratum[ok])
  # The first episode starts before every time (follow-up of 0 included).
  episodes <- survSplit(Surv(tm, ev) ~ ., data = d, cut = interval_breaks, episode = "k",
                        zero = min(0, d$tm) - 1)
  starts <- c(0, interval_breaks)
  for (k in seq_along(starts)) {
    sub <- episodes[episodes$k == k, ]
    row <- list(model = "interval_hr", cut_method = "none", start = starts[k],
                n = nrow(sub), events = as.integer(sum(sub$ev)), estimate = NA_real_,
                lower = NA_real_, upper = NA_real_, p = NA_real_)
    if (row$events >= min_events) {
      fit <- if (is.null(stratum)) coxph(Surv(tstart, tm, ev) ~ z, data = sub, ties = ties)
             else coxph(Surv(tstart, tm, ev) ~ z + strata(s), data = sub, ties = ties)
      b <- unname(coef(fit)); se <- sqrt(vcov(fit)[1, 1])
      row <- modifyList(row, list(estimate = exp(b), lower = exp(b - z_conf * se),
                                  upper = exp(b + z_conf * se), p = 2 * pnorm(-abs(b / se))))
    }
    add("nonproportional", keys, row)
  }
}

# Restricted mean survival time, high minus low median group, from print.survfit's rmean.
rmst_difference <- function(keys, tm, ev, groups) {
  keep <- !is.na(groups)
  row <- list(model = "rmst_difference", cut_method = "median", start = 0,
              n = sum(keep), events = as.integer(sum(ev[keep])), estimate = NA_real_,
              lower = NA_real_, upper = NA_real_, p = NA_real_)
  low <- keep & groups == "low"
  high <- keep & groups == "high"
  if (sum(low) >= min_group_size && sum(high) >= min_group_size) {
    tau <- if (is.na(rmst_horizon)) min(max(tm[low]), max(tm[high])) else rmst_horizon
    g <- factor(groups[keep], levels = c("low", "high"))
    table <- summary(survfit(Surv(tm[keep], ev[keep]) ~ g), rmean = tau)$table
    difference <- table[2, "rmean"] - table[1, "rmean"]
    se <- sqrt(table[1, "se(rmean)"]^2 + table[2, "se(rmean)"]^2)
    row <- modifyList(row, list(estimate = difference, lower = difference - z_conf * se,
                                upper = difference + z_conf * se,
                                p = 2 * pnorm(-abs(difference / se))))
  }
  add("nonproportional", keys, row)
}

analyse_marker <- function(keys, data, stratum, marker, endpoint, cutpoints) {
  tm <- data[[paste0(endpoint, "_time")]]
  ev <- data[[paste0(endpoint, "_event")]]
  for (method in c(cut_methods, "optimal")) {
    labels <- LABELS[[method]]
    groups <- marker_groups(data, marker, method, cutpoints)
    if (all(is.na(groups))) next
    method_keys <- c(keys, list(cut_method = method))
    km_rows(method_keys, tm, ev, groups, labels)
    cutpoint <- if (length(labels) == 2)
      two_group_cutpoint(keys, method, data, marker, groups, cutpoints) else NA_real_
    logrank_rows(method_keys, tm, ev, groups, labels, stratum, cutpoint)
    if (length(labels) == 2) {
      high <- ifelse(is.na(groups), NA_real_, as.numeric(groups == "high"))
      fit_model(keys, "dichotomized", method, tm, ev, high, paste0(marker, "_high"), stratum)
    }
  }
  z_name <- paste0(marker, "_z")
  z <- data[[z_name]]
  linear <- fit_model(keys, "continuous", "none", tm, ev, z, z_name, stratum)
  interval_hazard_ratios(keys, tm, ev, z, stratum)
  rmst_difference(keys, tm, ev, marker_groups(data, marker, "median"))
  if (marker %in% names(doubling)) {
    unit <- doubling[[marker]]
    value <- data[[marker]]
    keep <- is.finite(value) & value > 0 &
      (unit == "" | data[[paste0(marker, "_scale")]] == unit)
    fit_model(keys, "per_doubling", "none", tm, ev, ifelse(keep, log2(value), NA_real_),
              paste0(marker, "_log2"), stratum)
  }
  blocks <- lapply(setNames(nm = covariates_of(keys$cancer_type)),
                   function(name) covariate_block(data, name))
  kept <- list()
  for (name in names(blocks)) {
    usable <- usable_block(blocks[[name]], name)
    X <- if (length(usable) > 0) blocks[[name]][usable] else blocks[[name]]
    fit_model(keys, "clinical", "none", tm, ev, X, names(X), stratum)
    kept <- c(kept, as.list(blocks[[name]][usable]))
  }
  # A covariate recorded for no patient here, or with one value for all, is left out.
  adjusted <- as.data.frame(c(list(z), kept), optional = TRUE)
  fit_model(keys, "adjusted", "none", tm, ev, adjusted, c(z_name, names(kept)), stratum)
  spline_rows(keys, tm, ev, z, z_name, stratum, linear)
}

analyse_joint <- function(keys, data, stratum, first, second, endpoint) {
  tm <- data[[paste0(endpoint, "_time")]]
  ev <- data[[paste0(endpoint, "_event")]]
  a <- marker_groups(data, first, "median")
  b <- marker_groups(data, second, "median")
  groups <- ifelse(is.na(a) | is.na(b), NA_character_,
                   paste0(first, "_", a, "&", second, "_", b))
  # first marker's level varies slowest: il6_low&pstat3_low, il6_low&pstat3_high, ...
  labels <- c(sapply(c("low", "high"), function(x) {
    paste0(first, "_", x, "&", second, "_", c("low", "high"))
  }))
  method_keys <- c(keys, list(cut_method = "median"))
  km_rows(method_keys, tm, ev, groups, labels)
  logrank_rows(method_keys, tm, ev, groups, labels, stratum, NA_real_)
  za <- data[[paste0(first, "_z")]]
  zb <- data[[paste0(second, "_z")]]
  terms <- c(paste0(first, "_z"), paste0(second, "_z"), paste0(first, "_z:", second, "_z"))
  fit_model(keys, "interaction", "none", tm, ev, cbind(za, zb, za * zb), terms, stratum)
}

datasets <- function(population) {
  cohorts <- sort(unique(population$cohort))
  out <- list(list(cohort = "all", data = population,
                   stratum = if (length(cohorts) > 1) population$cohort else NULL))
  for (cohort in cohorts) {
    out[[length(out) + 1L]] <- list(cohort = cohort,
                                    data = population[population$cohort == cohort, ],
                                    stratum = NULL)
  }
  out
}

# Analyses --------------------------------------------------------------------------------

for (cancer_type in cancer_types) {
  of_type <- patients[patients$cancer_type == cancer_type, ]
  for (endpoint in endpoints) {
    tm_col <- paste0(endpoint, "_time")
    ev_col <- paste0(endpoint, "_event")
    with_endpoint <- of_type[!is.na(of_type[[tm_col]]) & !is.na(of_type[[ev_col]]), ]
    if (nrow(with_endpoint) == 0) next
    for (marker in markers) {
      population <- with_endpoint[!is.na(with_endpoint[[marker]]), ]
      if (nrow(population) == 0) next
      base <- list(cancer_type = cancer_type, endpoint = endpoint, marker = marker)
      cutpoints <- optimal_cutpoints(population, marker, endpoint, base)
      for (ds in datasets(population)) {
        analyse_marker(c(list(cancer_type = cancer_type, cohort = ds$cohort,
                              endpoint = endpoint, marker = marker)),
                       ds$data, ds$stratum, marker, endpoint, cutpoints)
      }
    }
    # The clinical models on every patient with the endpoint, marker or not.
    for (ds in datasets(with_endpoint)) {
      keys <- list(cancer_type = cancer_type, cohort = ds$cohort, endpoint = endpoint,
                   marker = "none")
      tm <- ds$data[[tm_col]]
      ev <- ds$data[[ev_col]]
      for (name in covariates_of(cancer_type)) {
        block <- covariate_block(ds$data, name)
        usable <- usable_block(block, name)
        X <- if (length(usable) > 0) block[usable] else block
        fit_model(keys, "clinical", "none", tm, ev, X, names(X), ds$stratum)
      }
    }
    if (length(markers) >= 2) {
      both <- with_endpoint[!is.na(with_endpoint[[markers[1]]]) &
                              !is.na(with_endpoint[[markers[2]]]), ]
      if (nrow(both) == 0) next
      for (ds in datasets(both)) {
        keys <- list(cancer_type = cancer_type, cohort = ds$cohort, endpoint = endpoint,
                     marker = paste0(markers[1], "&", markers[2]))
        analyse_joint(keys, ds$data, ds$stratum, markers[1], markers[2], endpoint)
      }
    }
  }
}

rows_frame <- function(rows) {
  columns <- unique(unlist(lapply(rows, names)))
  as.data.frame(lapply(setNames(columns, columns), function(column) {
    values <- lapply(rows, function(r) if (is.null(r[[column]])) NA else r[[column]])
    unlist(values)
  }), stringsAsFactors = FALSE)
}
cox <- rows_frame(rows_of("cox"))
logrank <- rows_frame(rows_of("logrank"))

# Pooling: metafor rma (z test) on the per-cohort marker estimates within a cancer type, and
# on the cohort "all" estimates across cancer types for pan-cancer. A study enters when R
# fitted it with a finite, non-infinite coefficient.
pooled_models <- list(continuous = "none", dichotomized = "median", adjusted = "none")
usable <- cox$fitted & !is.na(cox$coef) & !cox$infinite & !is.na(cox$se) & cox$se > 0
usable[is.na(usable)] <- FALSE
pool <- function(keys, estimates, labels) {
  for (method in c("REML", "DL")) {
    row <- list(method = method, k = length(estimates$coef),
                cohorts = paste(labels, collapse = ","))
    if (length(estimates$coef) >= 2) {
      res <- collect(rma(yi = estimates$coef, sei = estimates$se, method = method, test = "z"))
      fit <- res$value
      if (inherits(fit, "failed")) {
        row$error <- as.character(fit)
      } else {
        pred <- predict(fit, transf = exp)
        row <- c(row, list(log_hr = as.numeric(fit$beta), se = fit$se,
                           hr = exp(as.numeric(fit$beta)), hr_lower = exp(fit$ci.lb),
                           hr_upper = exp(fit$ci.ub), p = fit$pval, tau2 = fit$tau2,
                           i2 = fit$I2, q_stat = fit$QE, q_p = fit$QEp,
                           # A prediction interval from three estimates on (pooled.tsv's rule).
                           pi_lower = if (fit$k >= 3) pred$pi.lb else NA,
                           pi_upper = if (fit$k >= 3) pred$pi.ub else NA,
                           r_warnings = paste(res$warnings, collapse = "; ")))
      }
    }
    add("pooled", keys, row)
  }
}
for (model in names(pooled_models)) {
  for (endpoint in endpoints) {
    for (marker in markers) {
      term <- if (model == "dichotomized") paste0(marker, "_high") else paste0(marker, "_z")
      of_term <- cox$model == model & cox$cut_method == pooled_models[[model]] &
        cox$term == term & cox$endpoint == endpoint & cox$marker == marker
      keys <- list(endpoint = endpoint, marker = marker, model = model, term = term)
      for (cancer_type in cancer_types) {
        per_cohort <- of_term & cox$cancer_type == cancer_type & cox$cohort != "all"
        if (sum(per_cohort) < 2) next
        chosen <- per_cohort & usable
        pool(c(list(scope = cancer_type), keys), cox[chosen, ], cox$cohort[chosen])
      }
      across <- of_term & cox$cohort == "all"
      if (!any(across)) next
      chosen <- across & usable
      pool(c(list(scope = "pan-cancer"), keys), cox[chosen, ], cox$cancer_type[chosen])
    }
  }
}

# q-values: p.adjust(BH) within each family of primary tests of the pooled (cohort "all")
# analyses across every cancer type analysed.
marker_z <- paste0(cox$marker, "_z")
# A data-chosen (optimal) cutpoint has no naive p and no q: the pipeline reports the
# search-corrected p of each cohort's scan instead (checked against cutpoints.tsv, whose
# p is compared with maxstat's below).
cox$family <- ifelse(
  cox$cohort != "all" | cox$cut_method == "optimal", NA_character_,
  ifelse(cox$model == "clinical",
         paste0("clinical:", cox$term, ifelse(cox$marker == "none", ":followup", "")),
  ifelse(cox$model %in% c("continuous", "adjusted") & cox$term == marker_z, cox$model,
  ifelse(cox$model == "dichotomized" & cox$term == paste0(cox$marker, "_high"),
         paste0("dichotomized:", cox$cut_method),
  ifelse(cox$model == "spline" & cox$term == "nonlinearity", "spline:nonlinearity",
  ifelse(cox$model == "interaction" & grepl(":", cox$term, fixed = TRUE), "interaction",
         NA_character_))))))
cox$q <- NA_real_
# A diverged (infinite) coefficient is not a test, so it is not in its family.
tested <- cox$fitted & !(cox$infinite %in% TRUE)
for (family in unique(na.omit(cox$family))) {
  rows <- which(cox$family == family)
  cox$q[rows] <- p.adjust(ifelse(tested[rows], cox$p[rows], NA_real_), method = "BH")
}
logrank$family <- ifelse(logrank$cohort == "all" & logrank$cut_method != "optimal",
                         paste(logrank$cut_method, logrank$test, sep = ":"), NA)
logrank$q <- NA_real_
for (family in unique(na.omit(logrank$family))) {
  rows <- which(logrank$family == family)
  # Groups below the minimum size are not tested, so they are not in the family.
  p <- ifelse(logrank$small[rows], NA_real_, logrank$p[rows])
  logrank$q[rows] <- p.adjust(p, method = "BH")
}

# Tables travel column-wise (far faster to write than lists of rows).
columns <- function(frame) {
  lapply(as.list(frame), function(x) if (is.double(x)) sprintf("%.17g", x) else x)
}
result <- list(
  km = columns(rows_frame(rows_of("km"))),
  risk_table = columns(rows_frame(rows_of("risk_table"))),
  ph = columns(rows_frame(rows_of("ph"))), cutpoints = columns(rows_frame(rows_of("cutpoints"))),
  pooled = columns(rows_frame(rows_of("pooled"))), cox = columns(cox),
  logrank = columns(logrank),
  nonproportional = columns(rows_frame(rows_of("nonproportional"))),
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                  maxstat = as.character(packageVersion("maxstat")),
                  metafor = as.character(packageVersion("metafor")))
)
writeLines(toJSON(result, na = "string", auto_unbox = FALSE), out_path)
