"""The contract of the canonical patient table, whose columns follow the config."""

from __future__ import annotations

from markersurv.tables.contract import COUNT, FLAG, REAL, TEXT, TableContract


def patients_contract(
    markers: list[str],
    endpoints: list[str],
    covariates: dict[str, str] | None = None,
    treatment: bool = False,
    competing: tuple[str, ...] = (),
) -> TableContract:
    """The canonical patient table: one row per patient, its columns named by the
    configured markers, endpoints and declared covariates (id -> continuous or categorical),
    with a treatment column when the config declares one and ``<endpoint>_cause`` (0
    censored, 1 the event of interest, 2 a competing event) for each endpoint declared with
    a competing event (DESIGN: canonical patient table)."""
    columns = {"cohort": TEXT, "patient_id": TEXT, "cancer_type": TEXT, "cancer_type_label": TEXT}
    for marker in markers:
        columns.update(
            {
                marker: REAL,
                f"{marker}_scale": TEXT,
                f"{marker}_below_lod": FLAG,
                f"{marker}_z": REAL,
            }
        )
    for endpoint in endpoints:
        columns.update({f"{endpoint}_time": REAL, f"{endpoint}_event": COUNT})
        if endpoint in competing:
            columns[f"{endpoint}_cause"] = COUNT
    columns.update({"age": REAL, "sex": TEXT, "stage": TEXT, "stage_group": TEXT})
    for covariate, kind in (covariates or {}).items():
        columns[covariate] = REAL if kind == "continuous" else TEXT
    if treatment:
        columns["treatment"] = TEXT
    return TableContract("patients", columns)
