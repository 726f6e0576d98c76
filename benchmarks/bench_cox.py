"""Benchmark: markersurv's Cox solver against R's, like with like, one thread each.

Two comparisons, each on the same SYNTHETIC data (``simulate`` below, seed 20240501 + n) and
with the same outputs on both sides:

* *fit*: ``fit_cox(...)`` (coefficients, standard errors, log-likelihoods) against R's own
  solver ``coxph.fit(x, y, strata, ...)``, the C code. Ours applies timefix inside the timed
  call; R's solver is given ``Surv(time, event)`` without ``aeqSurv`` (which ``coxph()``
  applies, and which costs R more than the solver itself), so R's side does less work (in
  the untied data our timefix merges a few dozen near-tied pairs that R's bare solver keeps
  apart: the small coefficient difference of those rows);
* *fit + C*: ``fit_cox(...).concordance()`` against ``coxph(Surv(time, event) ~ ...)``, which
  builds the model frame, fits and computes the concordance.

Configurations: n = 10^5 and 10^6, tied times (whole months) and untied times (continuous
days), without strata and with 10 strata; 4 covariates, Efron ties, tolerance 1e-9 on both
sides. Each round runs one fresh Python process, then one fresh R process (tools interleaved
round by round, ABAB), after a discarded warm-up round; inside each process one untimed call
of each kind comes first (numba's on-disk cache, R's byte compiler and page cache), then each
kind is timed once around the call only: CPU time (user + system of the process) and wall.
Peak RSS of each process comes from the OS (``wait4``). Minimum and median over the rounds.

Usage::

    python benchmarks/bench_cox.py [--sizes 100000 1000000] [--rounds 5] [--no-readme]

Prints a markdown table and writes it under the ``## Cox`` heading of benchmarks/README.md.
"""

from __future__ import annotations

import os

# One thread for every library: must be set before numpy (and its BLAS) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

DAYS_PER_MONTH = 30.4375
BETA = np.array([0.4, -0.3, 0.2, 0.0])
PATTERNS = ("tied", "untied")
STRATA = (1, 10)
COLUMNS = 7  # time, event, x1-x4, stratum

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); stratified <- args[3] == "1"
con <- file(args[1], "rb")
cols <- matrix(readBin(con, "double", 7 * n), nrow = n)
close(con)
d <- data.frame(time = cols[, 1], event = cols[, 2], x1 = cols[, 3], x2 = cols[, 4],
                x3 = cols[, 5], x4 = cols[, 6], s = as.integer(cols[, 7]))
x <- as.matrix(d[, c("x1", "x2", "x3", "x4")])
y <- Surv(d$time, d$event)
strata <- if (stratified) d$s else NULL
form <- if (stratified) Surv(time, event) ~ x1 + x2 + x3 + x4 + strata(s) else
  Surv(time, event) ~ x1 + x2 + x3 + x4
solver <- function() coxph.fit(x, y, strata, NULL, NULL, coxph.control(), NULL, "efron", NULL)
whole <- function() coxph(form, data = d)
timed <- function(f) {
  start <- proc.time(); value <- f(); stop <- proc.time() - start
  list(value = value, cpu = stop[["user.self"]] + stop[["sys.self"]],
       wall = stop[["elapsed"]])
}
invisible(solver()); invisible(whole())
a <- timed(solver); b <- timed(whole)
cat(jsonlite::toJSON(list(
  fit_cpu = a$cpu, fit_wall = a$wall, conc_cpu = b$cpu, conc_wall = b$wall,
  coef = unname(a$value$coefficients), se = unname(sqrt(diag(a$value$var))),
  concordance = unname(b$value$concordance[["concordance"]])
), digits = NA, auto_unbox = TRUE))
"""


def simulate(n: int, pattern: str, strata: int, seed: int = 20240501) -> np.ndarray:
    """SYNTHETIC: exponential survival in days with uniform censoring; tied: whole months
    (about 100 distinct times whatever n), untied: continuous days; strata drawn uniformly.
    Returns the ``(7, n)`` columns time, event, x1-x4, stratum."""
    rng = np.random.default_rng(seed + n)
    x = rng.standard_normal((n, 4))
    x[:, 3] = rng.random(n) < 0.5  # one binary covariate, as sex would be
    days = rng.exponential(1000.0 * np.exp(-(x @ BETA)))
    censor = rng.uniform(0, 3000.0, n)
    time_ = np.minimum(days, censor)
    event = (days <= censor).astype(float)
    if pattern == "tied":
        time_ = np.ceil(time_ / DAYS_PER_MONTH)
    stratum = rng.integers(0, strata, n).astype(float)
    return np.vstack([time_, event, x.T, stratum])


def python_worker(path: str, n: int, stratified: bool) -> dict:
    """One measurement in this (fresh) process: warm-up, then one timed call of each kind."""
    from markersurv.stats.cox.fit import fit_cox

    cols = np.fromfile(path, dtype="<f8").reshape(COLUMNS, n)
    # the covariates as a data frame holds them (one array per column): no copy
    time_, event, x = cols[0], cols[1], cols[2:6].T
    strata = cols[6].astype(np.int64) if stratified else None

    def solver():
        return fit_cox(time_, event, x, strata=strata)

    def whole():
        fit = fit_cox(time_, event, x, strata=strata)
        return fit, fit.concordance()

    solver()
    whole()
    out = {}
    for kind, call in (("fit", solver), ("conc", whole)):
        cpu, wall = time.process_time(), time.perf_counter()
        value = call()
        out[f"{kind}_cpu"], out[f"{kind}_wall"] = (
            time.process_time() - cpu,
            time.perf_counter() - wall,
        )
        if kind == "fit":
            out["coef"], out["se"] = value.coef.tolist(), value.se.tolist()
        else:
            out["concordance"] = float(value[1].c)
        # Freed before the next call: the peak RSS is that of one fit (and its concordance).
        del value
    return out


def measure(n: int, pattern: str, strata: int, rounds: int, folder: Path) -> dict:
    path = folder / f"cox_{n}_{pattern}_{strata}.bin"
    cols = simulate(n, pattern, strata)
    cols.astype("<f8").tofile(path)
    script = folder / "bench_cox.R"
    script.write_text(R_SCRIPT)
    stratified = "1" if strata > 1 else "0"
    ours_cmd = [sys.executable, __file__, "--worker", str(path), str(n), stratified]
    r_cmd = ["Rscript", "--vanilla", str(script), str(path), str(n), stratified]
    ours, theirs = harness.interleaved(ours_cmd, r_cmd, rounds)
    se = np.asarray(ours[-1]["se"])
    return {
        "n": n,
        "pattern": pattern,
        "strata": strata,
        "distinct": int(np.unique(cols[0]).size),
        "events": int(cols[1].sum()),
        "ours": ours,
        "r": theirs,
        "coef_diff": float(
            np.max(np.abs(np.asarray(ours[-1]["coef"]) - np.asarray(theirs[-1]["coef"])) / se)
        ),
        "se_rel": float(np.max(np.abs(se / np.asarray(theirs[-1]["se"]) - 1))),
        "conc_diff": abs(ours[-1]["concordance"] - theirs[-1]["concordance"]),
    }


def _row_text(row: dict) -> str:
    cells = [f"{row['n']:,}", row["pattern"], str(row["strata"]), f"{row['distinct']:,}"]
    for key in ("fit_cpu", "conc_cpu"):
        a_min, a_med = harness.min_median(row["ours"], key)
        b_min, b_med = harness.min_median(row["r"], key)
        cells += [f"{a_min:.3f} / {a_med:.3f}", f"{b_min:.3f} / {b_med:.3f}"]
        cells += [f"{a_min / b_min:.2f} / {a_med / b_med:.2f}"]
    walls = min(r["conc_wall"] for r in row["ours"]), min(r["conc_wall"] for r in row["r"])
    cells += [f"{walls[0]:.3f} / {walls[1]:.3f}"]
    cells += [f"{max(r['rss_mb'] for r in row['ours']):.0f}"]
    cells += [f"{max(r['rss_mb'] for r in row['r']):.0f}"]
    cells += [f"{row['coef_diff']:.1e}", f"{row['se_rel']:.1e}", f"{row['conc_diff']:.1e}"]
    return "| " + " | ".join(cells) + " |"


FLOORS = {"fit_cpu": 1.0, "conc_cpu": 0.25}  # ours / R's CPU time, by the minima
RSS_FLOOR_MB, RSS_FLOOR_N = 400, 1_000_000


def verdict(rows: list[dict]) -> str:
    """Whether every row meets the floors of the Cox solver, with the range of the ratios."""
    spans, met = [], True
    for key, floor in FLOORS.items():
        values = [
            harness.min_median(row["ours"], key)[0] / harness.min_median(row["r"], key)[0]
            for row in rows
        ]
        met &= max(values) <= floor
        spans.append(f"{min(values):.2f}-{max(values):.2f}x (floor {floor}x)")
    rss = [max(r["rss_mb"] for r in row["ours"]) for row in rows if row["n"] == RSS_FLOOR_N]
    rss_text = "not measured"
    if rss:
        met &= max(rss) < RSS_FLOOR_MB
        rss_text = f"{min(rss):.0f}-{max(rss):.0f} MB (floor under {RSS_FLOOR_MB} MB)"
    return (
        f"Floors {'met' if met else 'NOT met'} in every row: fit {spans[0]}, fit + C "
        f"{spans[1]} by the minima; peak RSS of fit + C at 10^6 {rss_text}."
    )


def markdown(rows: list[dict], rounds: int, load: tuple[float, float], command: str) -> str:
    return "\n".join(
        [
            "## Cox",
            "",
            harness.machine_line(command, load),
            "",
            "Like with like, on the same SYNTHETIC data: *fit* is `fit_cox()` (timefix on, "
            "inside the timed call) against R's solver `coxph.fit(x, Surv(time, event), "
            "strata, ...)` (the C code, without R's timefix `aeqSurv`, so R does less; in the "
            "untied data our timefix merges a few dozen near-tied pairs that R's bare solver "
            "keeps apart, the coefficient difference of those rows); *fit + C* is "
            "`fit_cox().concordance()` against "
            "`coxph()` (model frame, fit and concordance). 4 covariates, Efron ties, "
            "tolerance 1e-9. *tied*: whole months; *untied*: continuous days; 10 strata or "
            f"none. {rounds} rounds after a warm-up round, a fresh Python process then a "
            "fresh R process per round (ABAB); in each process one untimed call of each "
            "kind, then each kind timed once around the call. CPU seconds (user + system), "
            "*minimum / median* over the rounds; ratios are ours / R's (minimum / median). "
            "Wall is the minimum of fit + C. Peak RSS of the whole process from the OS "
            "(`wait4`), data (the covariates held as a data frame holds them, one array "
            "per column) and imports included. Agreement: largest coefficient "
            "difference in standard errors, largest relative SE difference, concordance "
            "difference.",
            "",
            "| n | times | strata | distinct times | ours fit | R coxph.fit | fit ratio | "
            "ours fit + C | R coxph() | fit + C ratio | wall fit + C, ours / R | "
            "peak RSS ours (MB) | peak RSS R (MB) | coef diff (SE) | SE rel. diff | "
            "C diff |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *[_row_text(row) for row in rows],
            "",
            verdict(rows),
            "",
        ]
    )


def main(argv=None) -> None:
    args = harness.arguments(__doc__.splitlines()[0], ("PATH", "N", "STRATIFIED"), argv)
    if args.worker:
        path, n, stratified = args.worker
        print(json.dumps(python_worker(path, int(n), stratified == "1")))
        return
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for pattern in PATTERNS:
                for strata in STRATA:
                    rows.append(measure(n, pattern, strata, args.rounds, Path(tmp)))
                    harness.progress(_row_text(rows[-1]))
    command = harness.command_line("bench_cox.py", args)
    text = markdown(rows, args.rounds, (load, os.getloadavg()[0]), command)
    harness.publish("Cox", text, args)


if __name__ == "__main__":
    main()
