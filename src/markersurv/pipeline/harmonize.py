"""Pipeline steps of ingest and harmonization: check, harmonize and merge cohorts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from markersurv import __version__
from markersurv.cohort.spec import load_cohort_spec
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.schema import endpoint_ids, marker_ids
from markersurv.config.settings import HarmonizeSettings
from markersurv.harmonize.cohort import Settings, harmonize_cohort
from markersurv.harmonize.merge import (
    marker_qc_summary,
    merge_exclusions,
    merge_flow,
    merge_patients,
)
from markersurv.harmonize.privacy.pseudonyms import load_key
from markersurv.harmonize.validation import validate_spec
from markersurv.tables.io import write_json, write_parquet, write_tsv

log = logging.getLogger("markersurv")


def validate_cohort_step(spec_path: str, config: dict, output: str) -> None:
    """The workflow's check before harmonizing: schema, files, sheets, columns, units."""
    write_json(validate_spec(spec_path, config, read_values=False), output)


def harmonizer_settings(settings: HarmonizeSettings) -> Settings:
    return Settings(
        markers=settings.markers,
        endpoints=settings.endpoints,
        lod_policy=settings.lod_policy,
        key=load_key(settings.key_env, settings.key_file),
        covariates=settings.covariates,
        treatment=settings.treatment,
        competing=settings.competing,
    )


def harmonize_cohort_step(
    spec_path: str,
    config: dict,
    patients_path: str,
    exclusions_path: str,
    flow_path: str,
    qc_path: str,
) -> None:
    """Harmonize one cohort and write its patients, exclusions, flow and marker QC values."""
    log.info("markersurv %s, pandas %s", __version__, pd.__version__)
    settings = HarmonizeSettings.from_config(config)
    spec = load_cohort_spec(spec_path, settings.data_dirs)
    vocab = Vocabulary.load(settings.vocabulary_dir)
    result = harmonize_cohort(spec, vocab, harmonizer_settings(settings))
    for reason, n in result.exclusions["reason"].value_counts().sort_index().items():
        log.info("cohort %s: excluded %d record(s): %s", spec.id, n, reason)
    log.info("cohort %s: %d patients harmonized", spec.id, len(result.patients))
    write_parquet(result.patients, patients_path)
    write_tsv(result.exclusions, exclusions_path)
    write_json(result.flow, flow_path)
    write_parquet(result.marker_qc, qc_path)


def merge_harmonized_step(
    patient_paths: list[str],
    exclusion_paths: list[str],
    flow_paths: list[str],
    qc_paths: list[str],
    config: dict,
    outputs: dict[str, str],
) -> None:
    """Write the canonical patient table (TSV + Parquet), ledger, flow and QC tables."""
    patients = merge_patients([pd.read_parquet(p) for p in patient_paths])
    exclusions = merge_exclusions(
        [pd.read_csv(p, sep="\t", dtype=str, keep_default_na=False) for p in exclusion_paths]
    )
    flows = [json.loads(Path(p).read_text()) for p in flow_paths]
    flow = merge_flow(flows, marker_ids(config), endpoint_ids(config))
    qc = pd.concat([pd.read_parquet(p) for p in qc_paths], ignore_index=True)
    write_tsv(patients, outputs["patients_tsv"])
    write_parquet(patients, outputs["patients_parquet"])
    write_tsv(exclusions, outputs["exclusions"])
    write_json(flow, outputs["flow"])
    write_tsv(marker_qc_summary(qc), outputs["marker_qc"])
    write_parquet(qc, outputs["marker_values"])
    log.info(
        "%d patients from %d cohorts; %d records excluded",
        len(patients),
        len(flows),
        len(exclusions),
    )
