"""Long tables of many analytes (one row per patient and analyte, as laboratory systems and
expression databases export them) turned into one record per patient, one column per
analyte, so that a marker selects its analyte by name like any other column."""

from __future__ import annotations

import pandas as pd

from markersurv.errors import InputFileError, did_you_mean


def analytes_to_records(frame: pd.DataFrame, options: dict, where: dict, row: str) -> pd.DataFrame:
    """One row per id (in order of first appearance) with a column per analyte holding its
    value cell; the record's source row (column ``row``) is the first row of that id. The
    same analyte given twice for one id with different values is an error naming both
    rows."""
    id_column = options["id_column"]
    analyte, value = options["analytes"]["column"], options["analytes"]["value"]
    for role, column in (("analyte", analyte), ("value", value), ("id", id_column)):
        if column not in frame.columns:
            raise InputFileError.at(
                f"{role} column not found",
                column=column,
                hint=did_you_mean(column, [c for c in frame.columns if c != row]),
                **where,
            )
    names = frame[analyte].astype(str).str.strip()
    if (names == id_column).any():
        raise InputFileError.at(
            f"an analyte is named like the id column {id_column!r}",
            column=analyte,
            hint="Rename the id column or that analyte",
            **where,
        )
    cells = pd.DataFrame(
        {"id": frame[id_column], "analyte": names, "value": frame[value], row: frame[row]}
    )
    repeated = cells[cells.duplicated(["id", "analyte"], keep=False)]
    for _, rows in repeated.groupby(["id", "analyte"], sort=False):
        if rows["value"].astype(str).str.strip().nunique() > 1:
            first, second = rows[row].iloc[:2]
            raise InputFileError.at(
                f"analyte {rows['analyte'].iloc[0]!r} has two different values for one "
                f"patient (rows {first} and {second})",
                column=value,
                row=int(second),
                hint="Keep one measurement per patient and analyte, or give repeats as "
                "separate tables",
                **where,
            )
    cells = cells.drop_duplicates(["id", "analyte"])
    wide = cells.pivot(index="id", columns="analyte", values="value")
    order = pd.unique(cells["id"])
    first_rows = cells.drop_duplicates("id").set_index("id")[row]
    records = wide.reindex(order).fillna("").reset_index(drop=True)
    records.columns = [str(c) for c in records.columns]
    records.columns.name = None
    records.insert(0, id_column, order)
    records[row] = first_rows.reindex(order).to_numpy()
    return records
