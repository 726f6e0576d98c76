"""Parse the fields one table holds: each field reference to its parser in harmonize.fields.

The cancer type, sex, stage, age, covariates, treatment, dates, endpoint times and events
and the marker sources a spec declares become parsed columns named by the reference's key
(``date:<name>``, ``<endpoint>_time``, ``<marker>#<source>`` ...), aligned with the table's
records.
"""

from __future__ import annotations

import pandas as pd

from markersurv.cohort.references import FieldRef
from markersurv.cohort.spec import CohortSpec
from markersurv.cohort.vocab import Vocabulary, normalize_label
from markersurv.errors import HarmonizationError, Problem
from markersurv.harmonize import fields
from markersurv.harmonize.records import ID, REC, located
from markersurv.ingest.readers import FILE, ROW


def parse_table_fields(
    spec: CohortSpec,
    vocab: Vocabulary,
    lod_policy: str,
    name: str,
    frame: pd.DataFrame,
    refs: list[FieldRef],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parsed values of every field read from this table, aligned with ``frame``, and the
    problems of the fields that could not be parsed."""
    table_opts = spec.tables[name].options
    tokens = (*spec.missing_tokens, *table_opts.get("missing_tokens", []))
    problems: list[Problem] = []
    out = pd.DataFrame(
        {
            ID: frame[ID].to_numpy(),
            REC: frame[REC].to_numpy(),
            ROW: frame[ROW].to_numpy(),
            FILE: frame[FILE].to_numpy(),
        },
        index=frame.index,
    )
    for ref in refs:
        try:
            out = out.assign(**parse_field(spec, vocab, lod_policy, ref, frame, table_opts, tokens))
        except HarmonizationError as error:
            # Keep going so that one pass reports every field's problem.
            problems.extend(error.problems)
    return out, problems


def parse_field(
    spec: CohortSpec,
    vocab: Vocabulary,
    lod_policy: str,
    ref: FieldRef,
    frame: pd.DataFrame,
    table_opts: dict,
    tokens,
) -> dict:
    """Parsed column(s) of one field reference, by parsed-column name; ``lod_policy`` is the
    config's, for marker sources that declare none."""
    where = located(spec, ref.table, ref.column)
    cells = frame[[ref.column, ROW, FILE]]
    kind, declared = ref.kind, ref.declared
    if kind == "cancer_type":
        return {
            "cancer_type": fields.cancer_type_codes(
                cells, ref.column, where, declared.value_map, vocab, tokens
            )
        }
    if kind in ("sex", "event"):
        return {
            ref.key: fields.coded_values(
                cells,
                ref.column,
                where,
                declared.value_map,
                vocab.codings[kind],
                tokens,
                ref.key,
            )
        }
    if kind == "stage":
        stage, group = fields.stage_values(
            cells, ref.column, where, declared.value_map, vocab, tokens
        )
        return {"stage": stage, "stage_group": group}
    if kind in ("covariate", "treatment"):
        if ref.levels is None:
            return {
                ref.key: fields.numeric_values(
                    cells, ref.column, where, table_opts, tokens, ref.key
                )
            }
        levels = {normalize_label(level): level for level in ref.levels}
        return {
            ref.key: fields.coded_values(
                cells, ref.column, where, declared.value_map, levels, tokens, ref.key
            )
        }
    if kind == "age":
        return {
            "age": fields.numeric_values(
                cells, ref.column, where, table_opts, tokens, "age in years", 0, 120
            )
        }
    if kind == "date":
        return {ref.key: fields.date_values(cells, ref.column, where, declared.formats, tokens)}
    if kind == "duration":
        return {
            ref.key: fields.duration_months(
                cells, ref.column, where, table_opts, declared.unit, tokens
            )
        }
    value, below, source = fields.marker_values(
        cells,
        ref.column,
        where,
        table_opts,
        declared.value_map,
        declared.lod,
        ref.scale,
        vocab,
        declared.lod_policy or lod_policy,
        tokens,
        declared.below_lod_tokens,
    )
    return {ref.key: value, f"{ref.key}_below_lod": below, f"{ref.key}_source": source}
