"""Benchmark: markersurv's fit_cox against R's coxph (and lifelines), one core each.

Single Cox fits with 4 covariates at n = 10^4, 10^5 and 10^6, on heavily tied times (whole
months) and on untied (continuous) times. Each fit is timed several times and the median is
reported; R times only the ``coxph()`` call (``system.time``) after reading the same data from
a binary file; lifelines runs at 10^4 and 10^5 only. The peak memory of one of our fits at
10^6 is measured in a fresh subprocess (tracemalloc peak of the fit, and the process's maximum
resident set size).

Usage::

    python benchmarks/bench_cox.py [--sizes 10000 100000 1000000] [--no-readme]

Prints a markdown table and writes it under the ``## Cox`` heading of benchmarks/README.md.
"""

from __future__ import annotations

import os

# One core for every library: must be set before numpy (and its BLAS) is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from markersurv.stats.cox.fit import fit_cox  # noqa: E402

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
DAYS_PER_MONTH = 30.4375
BETA = np.array([0.4, -0.3, 0.2, 0.0])
PATTERNS = ("tied", "untied")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2]); reps <- as.integer(args[3])
con <- file(args[1], "rb")
cols <- matrix(readBin(con, "double", 6 * n), nrow = n)
close(con)
d <- data.frame(time = cols[, 1], event = cols[, 2], x1 = cols[, 3], x2 = cols[, 4],
                x3 = cols[, 5], x4 = cols[, 6])
elapsed <- numeric(reps)
for (i in seq_len(reps)) {
  elapsed[i] <- system.time(
    fit <- coxph(Surv(time, event) ~ x1 + x2 + x3 + x4, data = d)
  )[["elapsed"]]
}
cat(jsonlite::toJSON(list(elapsed = elapsed, coef = unname(coef(fit)), iter = fit$iter),
                     digits = NA, auto_unbox = TRUE))
"""


def simulate(n: int, pattern: str, seed: int = 20240501):
    """Exponential survival in days with uniform censoring; tied: whole months (about 100
    distinct times whatever n), untied: continuous days."""
    rng = np.random.default_rng(seed + n)
    x = rng.standard_normal((n, 4))
    x[:, 3] = rng.random(n) < 0.5  # one binary covariate, as sex would be
    days = rng.exponential(1000.0 * np.exp(-(x @ BETA)))
    censor = rng.uniform(0, 3000.0, n)
    time = np.minimum(days, censor)
    event = (days <= censor).astype(float)
    if pattern == "tied":
        time = np.ceil(time / DAYS_PER_MONTH)
    return time, event, x


def _median_time(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_ours(time_, event, x, reps):
    fit = fit_cox(time_, event, x)
    fit_only = _median_time(lambda: fit_cox(time_, event, x), reps)
    with_concordance = _median_time(lambda: fit_cox(time_, event, x).concordance(), reps)
    return fit_only, with_concordance, fit


def time_r(time_, event, x, reps, workdir: Path):
    path = workdir / "data.bin"
    np.column_stack([time_, event, x]).T.astype("<f8").tofile(path)
    script = workdir / "bench_coxph.R"
    script.write_text(R_SCRIPT)
    proc = subprocess.run(
        ["Rscript", "--vanilla", str(script), str(path), str(time_.size), str(reps)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ.copy(),
    )
    out = json.loads(proc.stdout)
    return statistics.median(out["elapsed"]), np.asarray(out["coef"], dtype=float), out["iter"]


def time_lifelines(time_, event, x, reps):
    import pandas as pd
    from lifelines import CoxPHFitter

    frame = pd.DataFrame(x, columns=["x1", "x2", "x3", "x4"]).assign(time=time_, event=event)
    return _median_time(lambda: CoxPHFitter().fit(frame, "time", "event"), reps)


def memory_probe(n: int, pattern: str) -> dict:
    """Run in a fresh process: peak memory of one fit at size n."""
    time_, event, x = simulate(n, pattern)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    fit_cox(time_, event, x)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "tracemalloc_peak_mb": peak / 2**20,
        "maxrss_mb": after / 1024,
        "maxrss_before_fit_mb": before / 1024,
    }


def run_memory_probe(n: int, pattern: str) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, "--memory-probe", str(n), pattern],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def _reps(n: int) -> int:
    return 5 if n <= 100_000 else 3


def benchmark(sizes: list[int]) -> tuple[list[dict], dict]:
    rows = []
    have_r = shutil.which("Rscript") is not None
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            for pattern in PATTERNS:
                time_, event, x = simulate(n, pattern)
                ours, ours_conc, fit = time_ours(time_, event, x, _reps(n))
                row = {
                    "n": n,
                    "pattern": pattern,
                    "ours": ours,
                    "ours_conc": ours_conc,
                    "distinct": np.unique(time_).size,
                    "events": int(event.sum()),
                    "iter": fit.iterations,
                }
                if have_r:
                    r_time, r_coef, r_iter = time_r(time_, event, x, _reps(n), Path(tmp))
                    row["r"], row["r_iter"] = r_time, r_iter
                    row["coef_diff"] = float(np.max(np.abs(fit.coef - r_coef) / fit.se))
                if n <= 100_000:
                    row["lifelines"] = time_lifelines(time_, event, x, 3 if n <= 10_000 else 1)
                rows.append(row)
                print(_row_text(row), file=sys.stderr, flush=True)
    memory = run_memory_probe(max(sizes), "untied")
    memory_tied = run_memory_probe(max(sizes), "tied")
    return rows, {"n": max(sizes), "untied": memory, "tied": memory_tied}


def _fmt(seconds) -> str:
    return "" if seconds is None else f"{seconds:.3f}"


def _row_text(row: dict) -> str:
    ratio = f"{row['ours'] / row['r']:.2f}" if "r" in row else ""
    ratio_conc = f"{row['ours_conc'] / row['r']:.2f}" if "r" in row else ""
    diff = f"{row['coef_diff']:.1e}" if "coef_diff" in row else ""
    return (
        f"| {row['n']:,} | {row['pattern']} | {row['distinct']:,} | {row['events']:,} | "
        f"{_fmt(row['ours'])} | {_fmt(row['ours_conc'])} | {_fmt(row.get('r'))} | {ratio} | "
        f"{ratio_conc} | {_fmt(row.get('lifelines'))} | "
        f"{row['iter']} / {row.get('r_iter', '')} | {diff} |"
    )


def markdown(rows: list[dict], memory: dict, command: str) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        "## Cox",
        "",
        f"`{command}` on {today}; {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; one thread for every library (OMP/OPENBLAS_NUM_THREADS=1); "
        f"{os.cpu_count()} cores, load average {memory['load'][0]:.1f} at the start and "
        f"{memory['load'][1]:.1f} at the end (a shared machine: absolute times vary between runs).",
        "",
        "Single Cox fit, 4 covariates (3 normal, 1 binary), Efron ties, convergence tolerance "
        "1e-9 on both sides (R's default `coxph.control()`). *tied*: whole months (few distinct "
        "times); *untied*: continuous days. Seconds, median of 5 runs (3 at 10^6; lifelines "
        "3 runs at 10^4, 1 at 10^5). R's time is `system.time(coxph(...))` only, after the data "
        "are loaded; it includes what `coxph()` does besides fitting (model frame, the "
        "concordance of the fit), so *ours + C* also times `fit_cox(...).concordance()`. "
        "`coef diff` is the largest difference of our coefficients from R's, in standard "
        "errors.",
        "",
        "| n | times | distinct times | events | ours (s) | ours + C (s) | R coxph (s) | "
        "ours / R | ours + C / R | lifelines (s) | iterations ours / R | coef diff |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
        *[_row_text(row) for row in rows],
        "",
        f"Peak memory of one fit at n = {memory['n']:,} (fresh process): "
        + "; ".join(
            f"{pattern}: {m['tracemalloc_peak_mb']:.0f} MB allocated by the fit (tracemalloc "
            f"peak), process maximum RSS {m['maxrss_mb']:.0f} MB "
            f"({m['maxrss_before_fit_mb']:.0f} MB before the fit)"
            for pattern, m in ((p, memory[p]) for p in PATTERNS)
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, path: Path = README) -> None:
    """Replace (or append) the ``## Cox`` section of the benchmarks README."""
    current = path.read_text() if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(r"^## Cox\n.*?(?=^## |\Z)", flags=re.MULTILINE | re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(updated.rstrip("\n") + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-readme", action="store_true", help="print only")
    parser.add_argument("--memory-probe", nargs=2, metavar=("N", "PATTERN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_probe:
        print(json.dumps(memory_probe(int(args.memory_probe[0]), args.memory_probe[1])))
        return
    load = os.getloadavg()[0]
    rows, memory = benchmark(args.sizes)
    memory["load"] = (load, os.getloadavg()[0])
    command = "python benchmarks/bench_cox.py" + (
        ""
        if args.sizes == [10_000, 100_000, 1_000_000]
        else " --sizes " + " ".join(map(str, args.sizes))
    )
    text = markdown(rows, memory, command)
    print(text)
    if not args.no_readme:
        write_section(text)


if __name__ == "__main__":
    main()
