"""Harrell's concordance against R's survival::concordance (tests/r/cox_reference.R), a direct
count over all pairs, and hand-counted examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from markersurv.stats.concordance import concordance_index
from markersurv.stats.km import SurvivalDataError
from tests.r_bridge import run_r
from tests.tcga_data import pstat3_os, tcga_dir_or_none

# name -> (dataset, score column, stratified)
CASES = {
    "tied_both": ("tied", "score", False),
    "tied_both_strata": ("tied", "score", True),
    "continuous": ("continuous", "score", False),
    "near_tied_both": ("near_tied", "score", False),
    "KIRC_pstat3": ("KIRC", "pstat3", False),
    "GBM_age": ("GBM", "age", False),  # whole years: many tied scores
    "pooled_pstat3_strata": ("pooled", "pstat3", True),
}


def _synthetic(seed: int, n: int, tied: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.integers(0, 6, n) if tied else rng.standard_normal(n)
    t = rng.exponential(np.exp(-0.3 * score) * 10)
    c = rng.uniform(0, 25, n)
    time = np.minimum(t, c)
    return pd.DataFrame(
        {
            "time": np.ceil(time) if tied else time,
            "event": (t <= c).astype(int),
            "score": score.astype(float),
            "stratum": rng.integers(1, 4, n),
        }
    )


@pytest.fixture(scope="module")
def datasets(request) -> dict[str, pd.DataFrame]:
    tied = _synthetic(4, 800, True)
    rng = np.random.default_rng(13)
    # equal times that differ in their last bits: R's timefix ties them again
    near_tied = tied.assign(time=tied["time"] * (1 + rng.integers(0, 3, len(tied)) * 1e-13))
    out = {"tied": tied, "continuous": _synthetic(5, 800, False), "near_tied": near_tied}
    tcga_dir = tcga_dir_or_none(request)
    if tcga_dir is not None:
        cache = request.config.cache.mkdir("tcga")
        for ct in ["KIRC", "GBM", "LUAD"]:
            d = pstat3_os(tcga_dir, cache, ct).dropna(subset=["age"])
            out[ct] = pd.DataFrame(
                {
                    "time": d["os_time"],
                    "event": d["os_event"],
                    "pstat3": d["pstat3"],
                    "age": d["age"],
                    "stratum": ct,
                }
            )
        out["pooled"] = pd.concat([out[ct] for ct in ["KIRC", "GBM", "LUAD"]], ignore_index=True)
    return out


@pytest.fixture(scope="module")
def reference(datasets, tmp_path_factory) -> dict:
    spec = pd.DataFrame(
        [
            {
                "name": name,
                "case": data,
                "kind": "concordance",
                "terms": score,
                "strata": "TRUE" if strata else "FALSE",
                "ties": "efron",
                "eps": 1e-9,
                "iter_max": 20,
            }
            for name, (data, score, strata) in CASES.items()
            if data in datasets
        ]
    )
    stacked = pd.concat([d.assign(case=name) for name, d in datasets.items()], ignore_index=True)
    return run_r(
        "cox_reference.R", {"spec": spec, "data": stacked}, tmp_path_factory.mktemp("conc")
    )


def _brute_force(time, event, score, strata):
    """Every pair, one at a time: (C, concordant, discordant, tied risk, tied time, tied both,
    standard error from the per-patient pair counts)."""
    n = len(time)
    counts = np.zeros(5)
    per_patient = np.zeros((n, 3))
    for i in range(n):
        for j in range(n):
            if i == j or strata[i] != strata[j] or not event[i]:
                continue
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                kind = 0 if score[i] > score[j] else 1 if score[i] < score[j] else 2
                counts[kind] += 1
                per_patient[[i, j], kind] += 1
            elif time[j] == time[i] and event[j] and j > i:
                counts[4 if score[i] == score[j] else 3] += 1
    npair = counts[:3].sum()
    somers = (counts[0] - counts[1]) / npair
    dfbeta = (per_patient[:, 0] - per_patient[:, 1]) / npair - somers / npair * per_patient.sum(1)
    c = (counts[0] + counts[2] / 2) / npair
    return (c, *counts, np.sqrt((dfbeta**2).sum() / 4))


def _as_tuple(result):
    return (
        result.c,
        result.concordant,
        result.discordant,
        result.tied_risk,
        result.tied_time,
        result.tied_risk_time,
        result.se,
    )


@pytest.mark.r
@pytest.mark.parametrize("name", list(CASES))
def test_matches_r_concordance(datasets, reference, name):
    data, score, strata = CASES[name]
    if data not in datasets:
        pytest.skip(f"{name}: TCGA reference data not available")
    d = datasets[data]
    result = concordance_index(
        d["time"], d["event"], d[score], strata=d["stratum"] if strata else None
    )
    ref = reference[name]
    assert ref["warnings"] == []
    count = ref["count"]
    assert result.concordant == count["concordant"]
    assert result.discordant == count["discordant"]
    assert result.tied_risk == count["tied.x"]
    assert result.tied_time == count["tied.y"]
    assert result.tied_risk_time == count["tied.xy"]
    assert abs(result.c - ref["concordance"]) <= 1e-10
    assert abs(result.se - ref["std"]) <= 1e-10


def test_hand_counted_example():
    # Event at 1 (score 5) beats all four later patients; the event at 2 (score 3) ties the
    # patient censored at 2 (score 3), loses to the event at 3 (score 4) and beats the last;
    # the event at 3 beats the last: 6 concordant, 1 discordant, 1 tied on score.
    result = concordance_index([1, 2, 2, 3, 4], [1, 1, 0, 1, 0], [5, 3, 3, 4, 1])
    assert _as_tuple(result)[:6] == (6.5 / 8, 6, 1, 1, 0, 0)
    # The censored patient at 2 becomes an event: two events at one time with one score are
    # not comparable (tied on both); each loses to score 4 and beats score 1.
    result = concordance_index([1, 2, 2, 3, 4], [1, 1, 1, 1, 0], [5, 3, 3, 4, 1])
    assert _as_tuple(result)[:6] == (7 / 9, 7, 2, 0, 0, 1)


@pytest.mark.parametrize("seed", range(12))
def test_matches_direct_pair_count(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 90))
    time = rng.integers(1, 8, n).astype(float)
    event = rng.random(n) < 0.6
    event[0] = True
    score = rng.integers(0, 4, n).astype(float)
    strata = rng.integers(0, int(rng.integers(1, 4)), n)
    expected = _brute_force(time, event, score, strata)
    np.testing.assert_allclose(
        _as_tuple(concordance_index(time, event, score, strata)), expected, rtol=1e-12
    )


def test_timefix_can_be_turned_off():
    time = [1.0, 1.0 + 1e-12, 2.0]
    fixed = concordance_index(time, [1, 1, 0], [2.0, 1.0, 0.0])
    raw = concordance_index(time, [1, 1, 0], [2.0, 1.0, 0.0], timefix=False)
    assert (fixed.concordant, fixed.tied_time) == (2, 1)
    assert (raw.concordant, raw.tied_time) == (3, 0)


def test_reversed_score_swaps_concordant_and_discordant():
    d = _synthetic(6, 300, True)
    a = concordance_index(d["time"], d["event"], d["score"], d["stratum"])
    b = concordance_index(d["time"], d["event"], -d["score"], d["stratum"])
    assert (a.concordant, a.discordant, a.tied_risk) == (b.discordant, b.concordant, b.tied_risk)
    assert abs(a.c + b.c - 1) < 1e-12 and abs(a.se - b.se) < 1e-12


def test_no_comparable_pair_gives_nan():
    result = concordance_index([1, 1, 2], [1, 1, 0], [1, 2, 3], strata=["a", "a", "b"])
    assert np.isnan(result.c) and np.isnan(result.se)
    assert (result.concordant, result.tied_time) == (0, 1)


def test_bad_scores_raise():
    with pytest.raises(SurvivalDataError, match="missing or infinite"):
        concordance_index([1, 2], [1, 0], [0.5, np.nan])
    with pytest.raises(SurvivalDataError, match="one value per patient"):
        concordance_index([1, 2], [1, 0], [0.5])
