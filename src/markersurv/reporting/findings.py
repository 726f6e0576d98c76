"""A findings page generated from a run's tables.

Run as ``python -m markersurv.reporting.findings RESULTS CONFIG``; every word about the
markers comes from the config the run used.

It lists the associations that pass FDR control, their hazard ratios, heterogeneity and
proportional-hazards caveats, and compares their directions with the literature listed in
``resources/literature/marker_directions.tsv``. Nothing on the page is written by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from markersurv.config.schema import load_config
from markersurv.config.study import Study
from markersurv.reporting.methods import described
from markersurv.reporting.words import a_list, sentence
from markersurv.tables.contract import read_table

# The repository's resources folder: src/markersurv/reporting/ is three levels below it.
LITERATURE = Path(__file__).resolve().parents[3] / "resources/literature/marker_directions.tsv"
Q_LEVEL = 0.05


def read(folder: Path, name: str) -> pd.DataFrame:
    return read_table(name, folder / "tables" / f"{name}.tsv")


def hr_text(row) -> str:
    return f"{row.hr:.2f} ({row.hr_lower:.2f}-{row.hr_upper:.2f})"


def p_text(p: float) -> str:
    return "NA" if not np.isfinite(p) else (f"{p:.2g}" if p >= 1e-4 else f"{p:.1e}")


def direction(hr: float) -> str:
    return "unfavourable" if hr > 1 else "favourable"


def markdown_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "_none_\n"
    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    return head + "".join(
        "| " + " | ".join(str(v) for v in row) + " |\n" for row in frame.itertuples(index=False)
    )


def significant(cox: pd.DataFrame, model: str) -> pd.DataFrame:
    rows = cox[
        (cox["cohort"] == "all")
        & (cox["model"] == model)
        & (cox["term"] == cox["marker"] + "_z")
        & (cox["q"] < Q_LEVEL)
    ]
    rows = rows.sort_values(["marker", "endpoint", "q", "cancer_type"])
    return pd.DataFrame(
        {
            "cancer type": rows["cancer_type"],
            "marker": rows["marker"],
            "endpoint": rows["endpoint"].str.upper(),
            "n": rows["n"],
            "events": rows["events"],
            "HR per 1 SD (95% CI)": [hr_text(r) for r in rows.itertuples()],
            "p": rows["p"].map(p_text),
            "q": rows["q"].map(p_text),
            "direction": rows["hr"].map(direction),
            "PH (cox.zph p)": [
                ("violated, " if r.ph_p < 0.05 else "") + p_text(r.ph_p) for r in rows.itertuples()
            ],
        }
    )


def pooled_summary(pooled: pd.DataFrame) -> pd.DataFrame:
    rows = pooled[
        (pooled["scope"] == "pan-cancer")
        & (pooled["model"] == "continuous")
        & (pooled["method"] == "REML")
    ].sort_values(["marker", "endpoint"])
    return pd.DataFrame(
        {
            "marker": rows["marker"],
            "endpoint": rows["endpoint"].str.upper(),
            "k": rows["k"],
            "pooled HR (95% CI)": [hr_text(r) for r in rows.itertuples()],
            "p": rows["p"].map(p_text),
            "I2 (%)": rows["i2"].round(0),
            "tau2": rows["tau2"].map(lambda v: f"{v:.3g}"),
            "95% prediction interval": [
                f"{r.pi_lower:.2f}-{r.pi_upper:.2f}" for r in rows.itertuples()
            ],
        }
    )


def literature_comparison(cox: pd.DataFrame, pooled: pd.DataFrame) -> pd.DataFrame:
    literature = pd.read_csv(LITERATURE, sep="\t", comment="#")
    out = []
    for ref in literature.itertuples():
        if ref.scope == "pan-cancer":
            rows = pooled[
                (pooled["scope"] == "pan-cancer")
                & (pooled["model"] == "continuous")
                & (pooled["method"] == "REML")
                & (pooled["marker"] == ref.marker)
                & (pooled["endpoint"] == "os")
            ]
            label = "pan-cancer (REML)"
        else:
            rows = cox[
                (cox["cohort"] == "all")
                & (cox["model"] == "continuous")
                & (cox["cancer_type"] == ref.scope)
                & (cox["marker"] == ref.marker)
                & (cox["term"] == ref.marker + "_z")
                & (cox["endpoint"] == "os")
            ]
            label = ref.scope
        if rows.empty or not np.isfinite(rows["hr"].iloc[0]):
            ours, agrees = "not estimable here", "-"
        else:
            row = rows.iloc[0]
            ours = f"{hr_text(row)}, p = {p_text(row.p)}"
            agrees = "yes" if direction(row.hr) == ref.direction else "no"
            if row.p >= Q_LEVEL:
                agrees += " (not significant)"
        out.append(
            {
                "scope": label,
                "marker": ref.marker,
                "reported": ref.direction,
                "reported for": ref.measure,
                "this run, OS": ours,
                "same direction": agrees,
                "reference": ref.reference,
            }
        )
    return pd.DataFrame(out)


def markers_text(study: Study) -> str:
    """What each marker is, in the config's words: its sample, label and unit or scale."""
    parts = [described(m) + (f" ({m.unit})" if m.unit else "") for m in study.markers]
    each = "each " if len(parts) > 1 else ""
    return (
        sentence(a_list(parts))
        + f", {each}standardized within cancer type (values are not compared across cancer "
        "types)."
    )


def render(folder: Path, study: Study) -> str:
    cox, pooled = read(folder, "cox"), read(folder, "pooled")
    tested = cox[
        (cox["cohort"] == "all")
        & (cox["model"] == "continuous")
        & (cox["term"] == cox["marker"] + "_z")
    ]
    parts = [
        f"# Findings: {a_list([m.label for m in study.markers])}\n",
        "Generated by `python -m markersurv.reporting.findings` from the tables of "
        "`make tcga`; do not edit by hand. Hazard ratios are per 1 SD of the marker "
        "standardized within cancer type (Cox, Efron ties); q-values are Benjamini-Hochberg "
        "within each model family "
        f"(all cancer types x markers x endpoints). {len(tested)} continuous-model tests; "
        f"{int((tested['status'] == 'not_estimable').sum())} not estimable (mostly too few "
        "events).\n",
        markers_text(study) + "\n",
        f"## Associations with q < {Q_LEVEL} (continuous marker, unadjusted)\n",
        markdown_table(significant(cox, "continuous")),
        f"\n## Associations with q < {Q_LEVEL} adjusted for age, sex and stage group\n",
        markdown_table(significant(cox, "adjusted")),
        "\n## Pan-cancer random-effects pooling (REML, continuous model)\n",
        "Per-cancer-type estimates pooled across types; high I2 means the association differs "
        "between cancer types, and the prediction interval is the range to expect in a new "
        "type.\n",
        markdown_table(pooled_summary(pooled)),
        "\n## Comparison with the literature\n",
        "Directions reported in the literature (`resources/literature/marker_directions.tsv`) "
        "against this run's overall-survival estimate.\n",
        markdown_table(literature_comparison(cox, pooled)),
        "\n## Caveats\n",
        "- Proportional-hazards violations are flagged per estimate (cox.zph, survival 3.x); "
        "such HRs average an effect that changes over time.\n",
        "- The CDR authors recommend PFI and OS; DSS is approximated for most types and DFI "
        "is unavailable for SKCM, THYM and UVM (Liu et al., Cell 2018, CDR notes).\n",
        "- Exploratory cutpoints are in cutpoints.tsv; their p-values are corrected for the "
        "search, and cross-validated HRs are in cox.tsv (cut_method cv_optimal).\n",
    ]
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    folder = Path(argv[0] if argv else "results/tcga")
    config_path = Path(argv[1] if len(argv) > 1 else "config/tcga.yaml")
    config = load_config(yaml.safe_load(config_path.read_text(encoding="utf-8")))
    print(render(folder, Study.from_config(config)), end="")


if __name__ == "__main__":
    main(sys.argv[1:])
