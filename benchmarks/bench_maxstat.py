"""Benchmark: markersurv's optimal-cutpoint scan against R's ``maxstat.test``, one thread each.

On the same SYNTHETIC data (``simulate`` below, seed 20240701 + n), with the same outputs:

* R: ``maxstat.test(Surv(time, event) ~ x, data = d, smethod = "LogRank", pmethod = "Lau94")``
  (model frame, log-rank scores, the scan over every cutpoint, the maximum, its cutpoint and
  the Lausen-Schumacher 1994 p-value);
* *ours, Lau94*: ``maxstat_logrank(time, event, x, pvalues=("Lau94",))``, the same outputs;
* *ours, Lau94 + HL*: ``pvalues=("Lau94", "HL")`` as the pipeline calls it, which also rescores
  the scan on maxstat's integer scores and computes the Hothorn-Lausen bound (normal
  marginals at this n). R's own Hothorn-Lausen p (``pmethod = "HL"``) cannot run at these
  sizes: ``pmaxstat`` allocates a vector of n times the sum of the integer scores (about
  n^3 / 2 doubles, 32 GB already at n = 2000), so R's Lau94 call is the comparison and R does
  less there.

Markers: *continuous* (log-normal, every value distinct: about 0.8 n cutpoints) and *H-score*
(integers 0-300: at most 301 cutpoints); continuous follow-up in days with uniform censoring.
Each round runs one fresh Python process, then one fresh R process (ABAB), after a discarded
warm-up round; inside each process one untimed call of each kind comes first, then each kind
is timed once around the call only (CPU time, user + system, and wall). Peak RSS of each
process from the OS (``wait4``). Minimum and median over the rounds.

Usage::

    python benchmarks/bench_maxstat.py [--sizes 100000 1000000] [--rounds 5] [--no-readme]

Prints a markdown table and writes it under the ``## Optimal cutpoint`` heading of
benchmarks/README.md.
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

SECTION = "Optimal cutpoint"
MARKERS = ("continuous", "H-score")
FLOOR = 0.5
KINDS = ("lau94", "hl")

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(maxstat)})
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[2])
con <- file(args[1], "rb")
cols <- matrix(readBin(con, "double", 3 * n), nrow = n)
close(con)
d <- data.frame(time = cols[, 1], event = cols[, 2], x = cols[, 3])
scan <- function() maxstat.test(Surv(time, event) ~ x, data = d, smethod = "LogRank",
                                pmethod = "Lau94")
invisible(scan())
start <- proc.time(); value <- scan(); stop <- proc.time() - start
cat(jsonlite::toJSON(list(
  lau94_cpu = stop[["user.self"]] + stop[["sys.self"]], lau94_wall = stop[["elapsed"]],
  statistic = unname(value$statistic), cutpoint = unname(value$estimate),
  p = unname(value$p.value), cutpoints = length(value$cuts)
), digits = NA, auto_unbox = TRUE))
"""


def simulate(n: int, marker: str, seed: int = 20240701) -> np.ndarray:
    """SYNTHETIC: a marker with a weak effect (log hazard ratio 3 / sqrt(n) per SD, so that
    the p-values stay informative at every n), exponential survival in days (median about
    700 for the mean marker), uniform censoring over 3000 days. Returns the ``(3, n)`` columns
    time, event, marker."""
    rng = np.random.default_rng(seed + n)
    if marker == "continuous":
        x = rng.lognormal(1.0, 1.0, n)
        z = (np.log(x) - 1.0) / 1.0
    else:
        x = np.clip(np.round(rng.normal(120, 70, n)), 0, 300)
        z = (x - 120) / 70
    days = rng.exponential(1000.0 * np.exp(-3 / np.sqrt(n) * z))
    censor = rng.uniform(0, 3000.0, n)
    return np.vstack([np.minimum(days, censor), (days <= censor).astype(float), x])


def python_worker(path: str, n: int) -> dict:
    """One measurement in this (fresh) process: warm-up, then one timed call of each kind."""
    from markersurv.stats.maxstat import maxstat_logrank

    time_, event, x = np.fromfile(path, dtype="<f8").reshape(3, n)
    calls = {
        "lau94": lambda: maxstat_logrank(time_, event, x, pvalues=("Lau94",)),
        "hl": lambda: maxstat_logrank(time_, event, x, pvalues=("Lau94", "HL")),
    }
    for call in calls.values():
        call()
    out: dict = {}
    for kind, call in calls.items():
        cpu, wall = time.process_time(), time.perf_counter()
        value = call()
        out[f"{kind}_cpu"] = time.process_time() - cpu
        out[f"{kind}_wall"] = time.perf_counter() - wall
        out.update(statistic=value.statistic, cutpoint=value.cutpoint, p=value.p_lau94_raw)
        out["cutpoints"] = int(value.cutpoints.size)
        del value
    return out


def measure(n: int, marker: str, rounds: int, folder: Path) -> dict:
    path = folder / f"maxstat_{n}_{marker}.bin"
    cols = simulate(n, marker)
    cols.astype("<f8").tofile(path)
    script = folder / "bench_maxstat.R"
    script.write_text(R_SCRIPT)
    ours_cmd = [sys.executable, __file__, "--worker", str(path), str(n)]
    r_cmd = ["Rscript", "--vanilla", str(script), str(path), str(n)]
    ours, theirs = harness.interleaved(ours_cmd, r_cmd, rounds)
    a, b = ours[-1], theirs[-1]
    return {
        "n": n,
        "marker": marker,
        "events": int(cols[1].sum()),
        "ours": ours,
        "r": theirs,
        "cutpoints": (a["cutpoints"], b["cutpoints"]),
        "stat_rel": abs(a["statistic"] / b["statistic"] - 1),
        "cut_rel": abs(a["cutpoint"] / b["cutpoint"] - 1),
        "p_rel": abs(a["p"] / b["p"] - 1),
    }


def ratios(row: dict) -> dict[str, tuple[float, float]]:
    """Ours / R's CPU time of each kind, by the minima and by the medians."""
    r_min, r_med = harness.min_median(row["r"], "lau94_cpu")
    out = {}
    for kind in KINDS:
        a_min, a_med = harness.min_median(row["ours"], f"{kind}_cpu")
        out[kind] = (a_min / r_min, a_med / r_med)
    return out


def _row_text(row: dict) -> str:
    ours_cuts, r_cuts = row["cutpoints"]
    cells = [
        f"{row['n']:,}",
        row["marker"],
        f"{ours_cuts:,}" + ("" if ours_cuts == r_cuts else f" (R {r_cuts:,})"),
    ]
    for kind in KINDS:
        a_min, a_med = harness.min_median(row["ours"], f"{kind}_cpu")
        cells.append(f"{a_min:.3f} / {a_med:.3f}")
    r_min, r_med = harness.min_median(row["r"], "lau94_cpu")
    cells.append(f"{r_min:.3f} / {r_med:.3f}")
    cells += [f"{low:.2f} / {mid:.2f}" for low, mid in ratios(row).values()]
    walls = min(r["hl_wall"] for r in row["ours"]), min(r["lau94_wall"] for r in row["r"])
    cells.append(f"{walls[0]:.3f} / {walls[1]:.3f}")
    cells += [f"{max(r['rss_mb'] for r in row[side]):.0f}" for side in ("ours", "r")]
    cells += [f"{row[key]:.1e}" for key in ("stat_rel", "cut_rel", "p_rel")]
    return "| " + " | ".join(cells) + " |"


def verdict(rows: list[dict]) -> str:
    """Whether every row meets the floor, by the minima, with the range of the ratios."""
    worst = {kind: max(ratios(row)[kind][0] for row in rows) for kind in KINDS}
    best = {kind: min(ratios(row)[kind][0] for row in rows) for kind in KINDS}
    met = all(value <= FLOOR for value in worst.values())
    return (
        f"Floor (at most {FLOOR}x `maxstat.test` at every n and marker, by the minima): "
        f"{'met' if met else 'NOT met'}; ours with the same outputs {best['lau94']:.2f}-"
        f"{worst['lau94']:.2f}x, with the Hothorn-Lausen p as well {best['hl']:.2f}-"
        f"{worst['hl']:.2f}x."
    )


def markdown(rows: list[dict], rounds: int, load: tuple[float, float], command: str) -> str:
    return "\n".join(
        [
            f"## {SECTION}",
            "",
            harness.machine_line(command, load),
            "",
            "Like with like, on the same SYNTHETIC data: R's `maxstat.test(Surv(time, event) "
            '~ x, smethod = "LogRank", pmethod = "Lau94")` against `maxstat_logrank()` with '
            "the same outputs (statistic, cutpoint, scan, Lausen-Schumacher 1994 p) and with "
            'the Hothorn-Lausen p as well, as the pipeline calls it (R\'s `pmethod = "HL"` '
            "needs a vector of n times the sum of its integer scores, about n^3 / 2 doubles, "
            "and cannot run at these n, so R does less in that comparison). *continuous*: "
            "log-normal marker, all values distinct; *H-score*: integers 0-300; follow-up in "
            f"continuous days. {rounds} rounds after a warm-up round, a fresh Python process "
            "then a fresh R process per round (ABAB); in each process one untimed call of "
            "each kind, then each timed once around the call. CPU seconds (user + system), "
            "*minimum / median* over the rounds; ratios are ours / R's. Wall is the minimum, "
            "ours with the Hothorn-Lausen p. Peak RSS of the whole process from the OS "
            "(`wait4`), data and imports included. Agreement: relative difference of the "
            "statistic, of the cutpoint and of the Lau94 p (R prints 15 digits).",
            "",
            "| n | marker | cutpoints | ours, Lau94 | ours, Lau94 + HL | R maxstat.test | "
            "ratio, Lau94 | ratio, Lau94 + HL | wall, ours / R | peak RSS ours (MB) | "
            "peak RSS R (MB) | statistic rel. diff | cutpoint rel. diff | p rel. diff |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *[_row_text(row) for row in rows],
            "",
            verdict(rows),
            "",
        ]
    )


def main(argv=None) -> None:
    args = harness.arguments(__doc__.splitlines()[0], ("PATH", "N"), argv)
    if args.worker:
        path, n = args.worker
        print(json.dumps(python_worker(path, int(n))))
        return
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            for marker in MARKERS:
                rows.append(measure(n, marker, args.rounds, Path(tmp)))
                harness.progress(_row_text(rows[-1]))
    command = harness.command_line("bench_maxstat.py", args)
    text = markdown(rows, args.rounds, (load, os.getloadavg()[0]), command)
    harness.publish(SECTION, text, args)


if __name__ == "__main__":
    main()
