"""The contracts of the tables of the analyses beyond prognostic (DESIGN: predictive markers,
competing risks, meta-regression across cancer types). Leading columns as every result
table's; columns beyond these may follow.
"""

from __future__ import annotations

from markersurv.tables.columns import COUNT, ESTIMATE, KEYS, REAL, STATUS, TEXT, TableContract

BEYOND_PROGNOSTIC = (
    TableContract(
        "predictive",
        {
            **KEYS,
            "cut_method": TEXT,
            "treatment": TEXT,
            "reference": TEXT,
            "group": TEXT,
            "n": COUNT,
            "events": COUNT,
            **ESTIMATE,
            "interaction_p": REAL,
            **STATUS,
        },
    ),
    TableContract(
        "cuminc",
        {
            **KEYS,
            "cut_method": TEXT,
            "group": TEXT,
            "time": REAL,
            "cif": REAL,
            "cif_lower": REAL,
            "cif_upper": REAL,
            # cmprsk's variance of the estimate, and the group's patients and events.
            "cif_var": REAL,
            "n": COUNT,
            "events": COUNT,
            "competing_events": COUNT,
        },
    ),
    TableContract(
        "competing",
        {
            **KEYS,
            "cut_method": TEXT,
            "model": TEXT,
            "term": TEXT,
            "n": COUNT,
            "events": COUNT,
            "competing_events": COUNT,
            "statistic": REAL,
            "coef": REAL,
            "se": REAL,
            **ESTIMATE,
            **STATUS,
        },
    ),
    TableContract(
        "meta_regression",
        {
            **KEYS,
            "scope": TEXT,
            "model": TEXT,
            "method": TEXT,
            "test": TEXT,
            "moderator": TEXT,
            "term": TEXT,
            "reference": TEXT,
            "k": COUNT,
            "estimate": REAL,
            "se": REAL,
            "statistic": REAL,
            "p": REAL,
            "ci_lower": REAL,
            "ci_upper": REAL,
            "qm": REAL,
            "qm_df": COUNT,
            "df_residual": COUNT,
            "qm_p": REAL,
            "qe": REAL,
            "qe_df": COUNT,
            "qe_p": REAL,
            "tau2": REAL,
            "tau2_without": REAL,
            "r2": REAL,
            "cancer_types": TEXT,
            **STATUS,
        },
    ),
)
