"""The analysis tables of whole cancer types against R (tests/r/tables_reference.R).

The harmonized patients of a few cancer types (the synthetic demo cohorts, the same with
declared covariates of every kind, and TCGA when the shared data are present) go through
``analyse_cancer_type`` and ``finalize_tables``; R recomputes every km, risk-table,
log-rank, Cox, cox.zph, optimal-cutpoint and pooled row from the same patient rows with
survival, maxstat and metafor, forming the marker groups itself. The in-memory tables are
compared (no TSV round trip).

Not compared: ``cv_optimal`` rows, whose groups come from the pipeline's own seeded folds
(R has no counterpart); ``added_value`` and ``spline_curve`` (derived from fits compared
here); the concordance bootstrap is switched off to keep the run short.
"""

from __future__ import annotations

import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from markersurv.analysis.cancer_type import analyse_cancer_type
from markersurv.analysis.pooling import finalize_tables
from markersurv.cohort.spec import load_cohort_spec
from markersurv.cohort.vocab import Vocabulary
from markersurv.config.settings import AnalysisSettings
from markersurv.harmonize.cohort import Settings, harmonize_cohort
from tests.r_bridge import rscript_or_skip, run_r

# NSCLC and BRCA have two cohorts each (stratified pooled fits, per-type pooling); every
# demo BRCA patient is female, so the sex term cannot be estimated; NPC has one cohort.
DEMO_TYPES = ("NSCLC", "BRCA", "NPC")
# UCS has IL6 by RNA-seq, KIRC and LGG by Agilent; GBM and LGG have no stage; THYM and PCPG
# have endpoints with fewer events than the minimum.
TCGA_TYPES = ("KIRC", "GBM", "BRCA", "LGG", "UCS", "THYM", "PCPG")

COEF_RTOL = 1e-6
P_RTOL, P_ATOL = 1e-6, 1e-12
KM_ATOL = 1e-8
ZPH_RTOL = 1e-5
META_RTOL, META_ATOL = 1e-6, 1e-12
LOGRANK_RTOL = 1e-8
CONCORDANCE_ATOL = 1e-10

ESTIMATES = ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]
COX_KEYS = ["cancer_type", "cohort", "endpoint", "marker", "model", "cut_method", "term"]
KM_KEYS = ["cancer_type", "cohort", "endpoint", "marker", "cut_method", "group"]
LOGRANK_KEYS = ["cancer_type", "cohort", "endpoint", "marker", "cut_method", "test"]
POOLED_KEYS = ["scope", "endpoint", "marker", "model", "method"]
CUTPOINT_KEYS = ["cancer_type", "endpoint", "marker", "cohort"]


@dataclass(frozen=True)
class Dataset:
    """Harmonized patients of the cancer types analysed, with the analysis settings."""

    name: str
    patients: pd.DataFrame
    settings: AnalysisSettings
    cancer_types: tuple[str, ...]


@dataclass(frozen=True)
class Analysed:
    """markersurv's tables of a dataset, and R's run on the same patients (None without R)."""

    dataset: Dataset
    tables: dict[str, pd.DataFrame]
    r_run: Future | None


def analysis_settings(repo_dir: Path, config_name: str) -> AnalysisSettings:
    config = yaml.safe_load((repo_dir / "config" / config_name).read_text())
    config["analysis"] = {**(config.get("analysis") or {}), "bootstrap_replicates": 0}
    return AnalysisSettings.from_config(config)


def harmonized_patients(
    repo_dir: Path, specs: list[Path], data_dirs: dict[str, str], settings: AnalysisSettings
) -> pd.DataFrame:
    vocab = Vocabulary.load(repo_dir / "resources" / "vocab")
    harmonizer = Settings(settings.markers, settings.endpoints, "half", b"k")
    parts = [
        harmonize_cohort(load_cohort_spec(spec, data_dirs), vocab, harmonizer).patients
        for spec in specs
    ]
    return pd.concat(parts, ignore_index=True)


def analysed_types(patients: pd.DataFrame, cancer_types) -> pd.DataFrame:
    return patients[patients["cancer_type"].isin(cancer_types)].reset_index(drop=True)


@pytest.fixture(scope="session")
def demo_dataset(repo_dir) -> Dataset:
    settings = analysis_settings(repo_dir, "config.yaml")
    specs = sorted((repo_dir / "config" / "cohorts").glob("demo_*.yaml"))
    patients = harmonized_patients(
        repo_dir, specs, {"demo": str(repo_dir / "resources" / "demo")}, settings
    )
    return Dataset("demo", analysed_types(patients, DEMO_TYPES), settings, DEMO_TYPES)


# Declared covariates: stage I-IV everywhere; breast cancer with its own set holding a
# three-level grade (reference G2); nasopharyngeal with a continuous covariate. Grade and
# body-mass index are SYNTHETIC columns added here (numpy default_rng, seed 20261203).
DECLARED = {
    "covariates": [
        {"id": "grade", "label": "Grade", "type": "categorical", "levels": ["G1", "G2", "G3"],
         "reference": "G2"},
        {"id": "bmi", "label": "Body-mass index", "type": "continuous", "unit": "kg/m2"},
    ],
    "analysis": {
        "covariates": ["age", "stage"],
        "covariates_by_cancer_type": {"BRCA": ["age", "grade"], "NPC": ["stage_group", "bmi"]},
    },
}  # fmt: skip


@pytest.fixture(scope="session")
def declared_dataset(repo_dir, demo_dataset) -> Dataset:
    config = yaml.safe_load((repo_dir / "config" / "config.yaml").read_text())
    config["covariates"] = DECLARED["covariates"]
    config["analysis"] = {**DECLARED["analysis"], "bootstrap_replicates": 0}
    rng = np.random.default_rng(20261203)
    patients = demo_dataset.patients.copy()
    n = len(patients)
    grade = rng.choice(["G1", "G2", "G3"], size=n, p=[0.3, 0.4, 0.3]).astype(object)
    grade[rng.random(n) < 0.1] = np.nan
    bmi = np.round(rng.normal(25, 4, size=n), 1)
    bmi[rng.random(n) < 0.1] = np.nan
    # One cohort without patients at the reference grade (G1 becomes its reference) and one
    # without stage IV (no column for it), as R's coxph on droplevels() factors fits them.
    cohort = patients["cohort"].to_numpy()
    grade[(cohort == "demo_brca_b") & (grade == "G2")] = "G3"
    stage = patients["stage"].where(~((cohort == "demo_nsclc_a") & (patients["stage"] == "IV")))
    patients = patients.assign(grade=grade, bmi=bmi, stage=stage)
    settings = AnalysisSettings.from_config(config)
    return Dataset("declared", patients, settings, DEMO_TYPES)


@pytest.fixture(scope="session")
def tcga_dataset(repo_dir, tcga_dir) -> Dataset:
    settings = analysis_settings(repo_dir, "tcga.yaml")
    patients = harmonized_patients(
        repo_dir,
        [repo_dir / "config" / "cohorts" / "tcga.yaml"],
        {"tcga": str(tcga_dir)},
        settings,
    )
    return Dataset("tcga", analysed_types(patients, TCGA_TYPES), settings, TCGA_TYPES)


def python_tables(dataset: Dataset) -> dict[str, pd.DataFrame]:
    parts = [
        analyse_cancer_type(
            dataset.patients[dataset.patients["cancer_type"] == cancer_type], dataset.settings
        )
        for cancer_type in dataset.cancer_types
    ]
    return finalize_tables(parts, dataset.settings)


def hex_floats(values: pd.Series) -> list[str]:
    """Exact text for R: hexadecimal floats, empty for missing."""
    return ["" if np.isnan(v) else float(v).hex() for v in values.to_numpy(dtype=float)]


def r_inputs(dataset: Dataset) -> dict[str, pd.DataFrame]:
    s, p = dataset.settings, dataset.patients
    declarations = s.covariate_declarations.values()
    text = ["cancer_type", "cohort", *(c.id for c in declarations if c.type == "categorical")]
    numbers = [c.id for c in declarations if c.type == "continuous"]
    for marker in s.markers:
        text.append(f"{marker}_scale")
        numbers += [marker, f"{marker}_z"]
    for endpoint in s.endpoints:
        numbers += [f"{endpoint}_time", f"{endpoint}_event"]
    patients = p[text].astype(object).where(p[text].notna(), "")
    for column in numbers:
        patients[column] = hex_floats(p[column])

    def joined(values) -> str:
        return ";".join(repr(v) if isinstance(v, float) else str(v) for v in values)

    settings = {
        "markers": joined(s.markers),
        "endpoints": joined(s.endpoints),
        "cancer_types": joined(dataset.cancer_types),
        "cut_methods": joined(m for m in s.cut_methods if m in ("median", "tertile", "quartile")),
        "covariates": joined(s.covariates),
        **{f"covariates:{t}": joined(ids) for t, ids in s.covariates_by_cancer_type.items()},
        "covariate_levels": joined(f"{c.id}={'|'.join(c.levels)}" for c in declarations),
        "doubling": joined(f"{m}={u or ''}" for m, u in s.doubling_units.items()),
        "survival_times": joined(float(t) for t in s.survival_times),
        "risk_table_times": joined(float(t) for t in s.risk_table_times),
        "spline_knots": joined(s.spline_knots),
        "min_events": s.min_events,
        "min_group_size": s.min_group_size,
        "conf_level": s.conf_level,
        "km_conf_type": s.km_conf_type,
        "ties": s.ties,
        "ph_transform": s.ph_transform,
        "cutpoint_minprop": s.cutpoint_minprop,
        "cutpoint_maxprop": s.cutpoint_maxprop,
        "power": s.power,
        "hr_interval_breaks": joined(float(b) for b in s.hr_interval_breaks),
        "rmst_horizon": "NA" if s.rmst_horizon is None else s.rmst_horizon,
    }
    frame = pd.DataFrame({"name": list(settings), "value": [str(v) for v in settings.values()]})
    return {"patients": patients, "settings": frame}


def number(value) -> float:
    if value is None or value == "NA":
        return np.nan
    return float(value)


def r_frame(columns: dict[str, list]) -> pd.DataFrame:
    """An R table as a DataFrame: columns of "%.17g" strings (and "NA") become floats."""
    frame = pd.DataFrame(columns)
    for column in frame.columns:
        try:
            frame[column] = [number(v) for v in frame[column]]
        except (TypeError, ValueError):
            frame[column] = [np.nan if v == "NA" else v for v in frame[column]]
    return frame


def r_tables(dataset: Dataset, workdir: Path) -> dict[str, pd.DataFrame]:
    out = run_r("tables_reference.R", r_inputs(dataset), workdir)
    return {name: r_frame(columns) for name, columns in out.items() if name != "versions"}


@pytest.fixture(scope="module", params=["demo", "declared", "tcga"])
def analysed(request, tmp_path_factory):
    dataset = request.getfixturevalue(f"{request.param}_dataset")
    workdir = tmp_path_factory.mktemp(f"tables_{dataset.name}")
    # R works on the patient rows alone, so it runs while markersurv analyses them.
    with ThreadPoolExecutor(max_workers=1) as pool:
        r_run = pool.submit(r_tables, dataset, workdir) if shutil.which("Rscript") else None
        yield Analysed(dataset, python_tables(dataset), r_run)


@pytest.fixture(scope="module")
def reference(analysed) -> dict[str, pd.DataFrame]:
    rscript_or_skip()
    return analysed.r_run.result()


# Comparison helpers ----------------------------------------------------------------------


def without_cv_optimal(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["cut_method"] != "cv_optimal"]


def paired(python: pd.DataFrame, r: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows of both sides joined on ``keys``; the two sides must have the same key set."""
    for side, frame in (("python", python), ("R", r)):
        duplicated = frame[frame.duplicated(keys, keep=False)]
        assert duplicated.empty, f"duplicate {side} rows:\n{duplicated[keys]}"
    merged = python.merge(r, on=keys, how="outer", suffixes=("_py", "_r"), indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    assert unmatched.empty, f"rows on one side only:\n{unmatched[[*keys, '_merge']]}"
    return merged.drop(columns="_merge").reset_index(drop=True)


def deviation(ours, theirs, rtol: float = 0.0) -> np.ndarray:
    """|ours - theirs| (divided by |theirs| where rtol > 0 and theirs != 0); 0 where both
    are missing and inf where only one is."""
    a, b = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    both = np.isnan(a) & np.isnan(b)
    same = (a == b) | both
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.abs(a - b)
        if rtol > 0:
            diff = np.where(b != 0, diff / np.abs(b), diff)
    return np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))


def assert_close(
    pairs: pd.DataFrame, column: str, keys: list[str], rtol: float = 0.0, atol: float = 0.0
) -> None:
    """``column`` of python within ``atol + rtol * |R|`` of R's (both missing is equal)."""
    a = pairs[f"{column}_py"].to_numpy(dtype=float)
    b = pairs[f"{column}_r"].to_numpy(dtype=float)
    both = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        ok = both | (a == b) | (np.abs(a - b) <= atol + rtol * np.abs(b))
    if not ok.all():
        bad = pairs.loc[~ok, [*keys, f"{column}_py", f"{column}_r"]]
        pytest.fail(f"{column}: {int((~ok).sum())} rows differ from R\n{bad.head(10)}")


def assert_equal(pairs: pd.DataFrame, column: str, keys: list[str]) -> None:
    assert_close(pairs, column, keys, rtol=0.0, atol=0.0)


def owned_globals(ph: pd.DataFrame) -> pd.DataFrame:
    """ph rows with ``global_of``: for the clinical models, the term whose univariable model a
    GLOBAL row belongs to (the three clinical GLOBAL rows share every other key column; each
    follows its term's row)."""
    ph = ph.reset_index(drop=True)
    clinical_global = (ph["model"] == "clinical") & (ph["term"] == "GLOBAL")
    return ph.assign(global_of=ph["term"].shift().where(clinical_global, ""))


def estimable_in_r(pairs: pd.DataFrame) -> np.ndarray:
    fitted = pairs["fitted"].to_numpy(dtype=float) == 1
    infinite = pairs["infinite"].to_numpy(dtype=float) == 1
    return fitted & ~infinite & pairs["coef_r"].notna().to_numpy()


# Tables against R -------------------------------------------------------------------------


@pytest.mark.r
def test_cox_rows_match_r(analysed, reference):
    pairs = paired(without_cv_optimal(analysed.tables["cox"]), reference["cox"], COX_KEYS)
    assert_equal(pairs, "n", COX_KEYS)
    assert_equal(pairs, "events", COX_KEYS)
    terms = pairs[pairs["term"] != "nonlinearity"]
    estimable = estimable_in_r(terms)
    fitted = terms[estimable]
    for column in ("coef", "se", "hr", "hr_lower", "hr_upper"):
        assert_close(fitted, column, COX_KEYS, rtol=COEF_RTOL)
    # The z and p of a data-chosen cutpoint are replaced (test_optimal_cutpoint_rows_...).
    prespecified = fitted[fitted["cut_method"] != "optimal"]
    assert_close(prespecified, "z", COX_KEYS, rtol=COEF_RTOL)
    assert_close(prespecified, "p", COX_KEYS, rtol=P_RTOL, atol=P_ATOL)
    for column in ("lr_p", "wald_p", "score_p"):
        assert_close(fitted, column, COX_KEYS, rtol=P_RTOL, atol=P_ATOL)
    for column in ("ph_p", "ph_global_p"):
        assert_close(fitted, column, COX_KEYS, rtol=ZPH_RTOL, atol=P_ATOL)
    # Schoenfeld's smallest detectable HR, and events per parameter, from R's lm and qnorm.
    assert_close(fitted, "min_detectable_hr", COX_KEYS, rtol=1e-9)
    assert_close(fitted, "events_per_parameter", COX_KEYS, rtol=1e-12)
    # Terms R cannot estimate (too few events, constant, infinite) are refused, never numbers.
    refused = terms[~estimable]
    assert refused["status"].eq("not_estimable").all(), refused[COX_KEYS]
    assert refused[[f"{c}_py" for c in ESTIMATES]].isna().all().all()


@pytest.mark.r
def test_hazard_ratio_per_doubling_of_a_concentration_matches_r(analysed, reference):
    """Concentration markers (the demo's serum IL-6) also get the HR per doubling in their
    declared unit: coxph on log2 of the concentration, stratified by cohort when pooled."""
    pairs = paired(without_cv_optimal(analysed.tables["cox"]), reference["cox"], COX_KEYS)
    rows = pairs[pairs["model"] == "per_doubling"]
    concentrations = set(analysed.dataset.settings.doubling_units)
    assert set(rows["marker"]) == concentrations
    if not concentrations:
        return
    assert (rows["term"] == rows["marker"] + "_log2").all()
    fitted = rows[estimable_in_r(rows)]
    assert len(fitted) > 0
    assert_close(fitted, "hr", COX_KEYS, rtol=COEF_RTOL)
    assert_close(fitted, "p", COX_KEYS, rtol=P_RTOL, atol=P_ATOL)


@pytest.mark.r
def test_cox_concordance_matches_r(analysed, reference):
    """Harrell's C of each fit equals coxph's: patients with identical covariates have tied
    risk scores (R counts such pairs as tied.x)."""
    pairs = paired(without_cv_optimal(analysed.tables["cox"]), reference["cox"], COX_KEYS)
    terms = pairs[pairs["term"] != "nonlinearity"]
    assert_close(terms[estimable_in_r(terms)], "concordance", COX_KEYS, atol=CONCORDANCE_ATOL)


@pytest.mark.r
def test_cox_statuses_follow_r(analysed, reference):
    """A clean R fit is ``ok``, or ``warning`` exactly when its cox.zph p is below alpha."""
    pairs = paired(without_cv_optimal(analysed.tables["cox"]), reference["cox"], COX_KEYS)
    terms = pairs[pairs["term"] != "nonlinearity"]
    clean = terms[estimable_in_r(terms) & terms["r_warnings"].fillna("").eq("")]
    alpha = analysed.dataset.settings.ph_alpha
    expected = np.where(clean["ph_p_r"] < alpha, "warning", "ok")
    differ = clean[clean["status"].to_numpy() != expected]
    assert differ.empty, differ[[*COX_KEYS, "status", "ph_p_r", "note"]]


@pytest.mark.r
def test_spline_nonlinearity_matches_r(analysed, reference):
    pairs = paired(without_cv_optimal(analysed.tables["cox"]), reference["cox"], COX_KEYS)
    rows = pairs[pairs["term"] == "nonlinearity"]
    assert len(rows) > 0
    assert_close(rows, "p", COX_KEYS, rtol=P_RTOL, atol=P_ATOL)


@pytest.mark.r
def test_ph_rows_match_r(analysed, reference):
    keys = [*COX_KEYS, "global_of"]
    ours = owned_globals(without_cv_optimal(analysed.tables["ph"]))
    pairs = paired(ours, owned_globals(reference["ph"]), keys)
    assert (pairs["term"] == "GLOBAL").any()
    assert_close(pairs, "chisq", keys, rtol=ZPH_RTOL)
    assert_equal(pairs, "df", keys)
    assert_close(pairs, "p", keys, rtol=ZPH_RTOL, atol=P_ATOL)


@pytest.mark.r
def test_km_rows_match_r(analysed, reference):
    pairs = paired(without_cv_optimal(analysed.tables["km"]), reference["km"], KM_KEYS)
    for column in ("n", "events", "median", "median_lower", "median_upper"):
        assert_equal(pairs, column, KM_KEYS)
    for t in analysed.dataset.settings.survival_times:
        for suffix in ("", "_lower", "_upper"):
            assert_close(pairs, f"surv_{t:g}{suffix}", KM_KEYS, atol=KM_ATOL)


@pytest.mark.r
def test_risk_table_matches_r(analysed, reference):
    keys = [*KM_KEYS, "time"]
    pairs = paired(without_cv_optimal(analysed.tables["risk_table"]), reference["risk_table"], keys)
    for column in ("n_risk", "cum_events", "cum_censored"):
        assert_equal(pairs, column, keys)
    if analysed.dataset.name == "tcga":
        # follow-up beyond the configured grid continues it at its step, on both sides
        assert pairs["time"].max() > max(analysed.dataset.settings.risk_table_times)


@pytest.mark.r
def test_logrank_rows_match_r(analysed, reference):
    keys = LOGRANK_KEYS
    pairs = paired(without_cv_optimal(analysed.tables["logrank"]), reference["logrank"], keys)
    for column in ("n_low", "n_high", "events_low", "events_high", "cutpoint"):
        assert_equal(pairs, column, keys)
    small = pairs["small"].to_numpy(dtype=float) == 1
    tested = pairs[~small]
    assert_close(tested, "chisq", keys, rtol=LOGRANK_RTOL)
    assert_equal(tested, "df", keys)
    # The p of a data-chosen cutpoint is replaced (test_optimal_cutpoint_rows_...).
    prespecified = tested[tested["cut_method"] != "optimal"]
    assert_close(prespecified, "p", keys, rtol=P_RTOL, atol=P_ATOL)
    untested = pairs[small]
    assert untested["status"].eq("not_estimable").all()
    assert untested[["chisq_py", "p_py"]].isna().all().all()


@pytest.mark.r
def test_q_values_match_r(analysed, reference):
    cox = paired(without_cv_optimal(analysed.tables["cox"]), reference["cox"], COX_KEYS)
    families = cox["family_py"].replace("", np.nan)
    assert families.fillna("-").eq(cox["family_r"].fillna("-")).all()
    assert_close(cox, "q", COX_KEYS, rtol=P_RTOL, atol=P_ATOL)
    logrank = paired(
        without_cv_optimal(analysed.tables["logrank"]), reference["logrank"], LOGRANK_KEYS
    )
    assert_close(logrank, "q", LOGRANK_KEYS, rtol=P_RTOL, atol=P_ATOL)


def test_optimal_cutpoint_rows_carry_the_corrected_p_only(analysed):
    """A data-chosen split never shows a naive p: each cohort's optimal-split rows carry
    its scan's corrected p (cutpoints.tsv), pooled ones none; no q; labelled exploratory."""
    keys = ["cancer_type", "endpoint", "marker", "cohort"]
    cutpoints = analysed.tables["cutpoints"]
    optimal = cutpoints["method"] == "optimal"
    hothorn = cutpoints["correction"].str.startswith("Hothorn")
    # the Hothorn-Lausen p where both corrections were computed
    scans = pd.concat([cutpoints[optimal & hothorn], cutpoints[optimal & ~hothorn]])
    scans = scans.drop_duplicates(keys).set_index(keys)["p_adjusted"]
    checked = 0
    for name in ("cox", "logrank"):
        table = analysed.tables[name]
        optimal = table[table["cut_method"] == "optimal"]
        assert optimal["role"].eq("exploratory").all()
        assert optimal["q"].isna().all() and optimal["family"].eq("").all()
        pooled = optimal[optimal["cohort"] == "all"]
        assert pooled["p"].isna().all()
        per_cohort = optimal[(optimal["cohort"] != "all") & optimal["p"].notna()]
        expected = scans.reindex(pd.MultiIndex.from_frame(per_cohort[keys])).to_numpy()
        np.testing.assert_array_equal(per_cohort["p"].to_numpy(), expected)
        assert per_cohort["note"].str.contains("corrected for the cutpoint search").all()
        checked += len(per_cohort)
    assert checked > 0


@pytest.mark.r
def test_interval_hazard_ratios_and_rmst_differences_match_r(analysed, reference):
    """Where hazards are not proportional: the marker's HR in each interval (R: coxph on
    survSplit episodes) and the RMST difference of the median groups (R: print.survfit's
    rmean), per cancer type and cohort."""
    keys = [*CUTPOINT_KEYS, "model", "cut_method", "start"]
    pairs = paired(analysed.tables["nonproportional"], reference["nonproportional"], keys)
    assert {"interval_hr", "rmst_difference"} <= set(pairs["model"])
    assert_equal(pairs, "n", keys)
    assert_equal(pairs, "events", keys)
    for column in ("estimate", "lower", "upper"):
        assert_close(pairs, column, keys, rtol=COEF_RTOL)
    assert_close(pairs, "p", keys, rtol=P_RTOL, atol=P_ATOL)
    assert pairs["estimate_py"].notna().sum() > 0


@pytest.mark.r
def test_optimal_cutpoints_match_r(analysed, reference):
    ours = analysed.tables["cutpoints"]
    ours = ours[~ours["correction"].str.startswith("Hothorn")]
    pairs = paired(ours, reference["cutpoints"], CUTPOINT_KEYS)
    for column in ("cutpoint", "n_low", "n_high"):
        assert_equal(pairs, column, CUTPOINT_KEYS)
    assert_close(pairs, "statistic", CUTPOINT_KEYS, rtol=LOGRANK_RTOL)
    pairs = pairs.rename(columns={"p_adjusted": "p_adjusted_py", "p_lau94": "p_adjusted_r"})
    assert_close(pairs, "p_adjusted", CUTPOINT_KEYS, rtol=P_RTOL, atol=P_ATOL)


@pytest.mark.r
def test_pooled_rows_match_r(analysed, reference):
    ours = analysed.tables["pooled"]
    pairs = paired(ours, reference["pooled"], POOLED_KEYS)
    assert (pairs["scope"] == "pan-cancer").any()
    assert_equal(pairs, "k", POOLED_KEYS)
    assert (pairs["cohorts_py"].fillna("") == pairs["cohorts_r"].fillna("")).all()
    for column in ("log_hr", "se", "tau2", "hr", "hr_lower", "hr_upper", "i2", "q_stat"):
        assert_close(pairs, column, POOLED_KEYS, rtol=META_RTOL, atol=META_ATOL)
    for column in ("pi_lower", "pi_upper"):
        assert_close(pairs, column, POOLED_KEYS, rtol=META_RTOL, atol=META_ATOL)
    for column in ("p", "q_p"):
        assert_close(pairs, column, POOLED_KEYS, rtol=P_RTOL, atol=P_ATOL)


# Statuses ---------------------------------------------------------------------------------


def test_too_few_events_are_not_estimable(analysed):
    s = analysed.dataset.settings
    cox = analysed.tables["cox"]
    few = cox[cox["events"] < s.min_events]
    # The demo cohorts are large; TCGA has endpoints with a handful of events (PCPG, THYM).
    assert len(few) > 0 or analysed.dataset.name in ("demo", "declared")
    assert few["status"].eq("not_estimable").all()
    assert few[ESTIMATES].isna().all().all()
    assert few["note"].str.contains(f"fewer than the minimum of {s.min_events}").all()
    cutpoints = analysed.tables["cutpoints"]
    assert cutpoints[cutpoints["cutpoint"].isna()]["status"].eq("not_estimable").all()


def test_constant_sex_is_not_estimable(analysed):
    cox = analysed.tables["cox"]
    if analysed.dataset.name == "declared":
        # Its breast cancer covariate set declares no sex: no model of BRCA has the term.
        brca = cox[cox["cancer_type"] == "BRCA"]
        assert len(brca) > 0 and not brca["term"].eq("sex").any()
        return
    sex = cox[(cox["cancer_type"].isin(["BRCA", "UCS"])) & (cox["term"] == "sex")]
    if analysed.dataset.name == "tcga":
        # TCGA BRCA has men; only UCS (uterine) is all female.
        sex = sex[sex["cancer_type"] == "UCS"]
    assert len(sex) > 0
    assert sex["status"].eq("not_estimable").all()
    assert sex[ESTIMATES].isna().all().all()
    fitted = sex[sex["events"] >= analysed.dataset.settings.min_events]
    assert fitted["note"].str.contains("sex is constant").all()


def test_ok_rows_have_numbers(analysed):
    cox = analysed.tables["cox"]
    # The nonlinearity row is a likelihood-ratio test: it has a p-value but no hazard ratio.
    ok = cox[(cox["status"] == "ok") & (cox["term"] != "nonlinearity")]
    assert len(ok) > 0
    # A data-chosen split has no naive z; pooled, no p either (cohorts chose their own cuts).
    chosen = ok["cut_method"] == "optimal"
    assert ok[~chosen][ESTIMATES].notna().all().all()
    assert ok[chosen][["coef", "hr", "hr_lower", "hr_upper"]].notna().all().all()
    pooled = analysed.tables["pooled"]
    assert pooled.loc[pooled["status"] == "ok", ["log_hr", "se", "hr", "p"]].notna().all().all()


def test_not_estimable_rows_say_why(analysed):
    checked = 0
    for name, table in analysed.tables.items():
        if "status" not in table:
            continue
        refused = table[table["status"] == "not_estimable"]
        checked += len(refused)
        empty = refused[refused["note"].fillna("").str.strip() == ""]
        assert empty.empty, f"{name}: not_estimable rows without a note\n{empty}"
    # The declared covariate sets leave nothing without information in the demo cohorts.
    assert checked > 0 or analysed.dataset.name == "declared"


def test_declared_covariate_sets_reach_their_cancer_types(declared_dataset):
    """The R comparison above covers every path of the declared sets: a cancer type's own
    set, a level without patients, a cohort without the reference level."""
    cox = python_tables(declared_dataset)["cox"]
    clinical = cox[cox["model"] == "clinical"].groupby("cancer_type")["term"].unique()
    assert set(clinical["NSCLC"]) == {"age", "stage:II", "stage:III", "stage:IV"}
    assert set(clinical["BRCA"]) == {"age", "grade:G1", "grade:G3"}
    assert set(clinical["NPC"]) == {"stage_group", "bmi"}
    adjusted = cox[(cox["model"] == "adjusted") & (cox["endpoint"] == "os")]
    notes = adjusted.groupby("cohort")["note"].apply(lambda n: " ".join(n.fillna("")))
    assert "no patient at stage IV" in notes["demo_nsclc_a"]
    assert "grade G1 as reference (no patient at G2)" in notes["demo_brca_b"]
    brca_b = adjusted[(adjusted["cohort"] == "demo_brca_b") & (adjusted["marker"] == "il6")]
    assert set(brca_b["term"]) == {"il6_z", "age", "grade:G3"}


def test_clinical_models_are_fitted_on_every_patient_with_follow_up(analysed):
    """marker none: the clinical models on every patient with the endpoint, a population
    that holds each marker's subset; they form their own q-value families."""
    cox = analysed.tables["cox"]
    clinical = cox[(cox["model"] == "clinical") & (cox["cohort"] == "all")]
    keys = ["cancer_type", "endpoint", "term"]
    everyone = clinical[clinical["marker"] == "none"].set_index(keys)["n"]
    for marker in analysed.dataset.settings.markers:
        subset = clinical[clinical["marker"] == marker].set_index(keys)["n"]
        assert (subset <= everyone.reindex(subset.index)).all(), marker
    patients = analysed.dataset.patients
    markers = list(analysed.dataset.settings.markers)
    largest_subset = clinical[clinical["marker"] != "none"].groupby(keys)["n"].max()
    if patients[markers].isna().all(axis=1).any():
        # Patients without any marker are in the follow-up population only.
        assert (everyone.reindex(largest_subset.index) > largest_subset).any()
    families = clinical.loc[clinical["marker"] == "none", "family"]
    assert families.str.fullmatch(r"clinical:.+:followup").all()
