"""``markersurv validate`` is never silently wrong: CHECK placeholders, markers and endpoints
the config does not analyse or no patient has, and values implausible for the declared unit
or scale are refused, naming the spec line and the vocabulary file that was used.

Every cohort here is SYNTHETIC: made-up ids and values written by the tests.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import yaml

from markersurv.cli import main
from markersurv.cohort.vocab import Vocabulary
from markersurv.harmonize.placeholders import key_lines, placeholder_paths
from markersurv.harmonize.plausibility import implausible_values
from tests.helpers_cohort import REPO, base_spec, write_cohort

N = 40


@pytest.fixture
def vocab_dir(tmp_path):
    """A copy of the vocabularies, so a message naming them names the copy."""
    folder = tmp_path / "vocab_copy"
    shutil.copytree(REPO / "resources" / "vocab", folder)
    return folder


def validate(tmp_path, spec_path, vocab_dir, markers=("il6",), endpoints=("os",)) -> int:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "vocabulary_dir": str(vocab_dir),
                "markers": [{"id": m} for m in markers],
                "endpoints": [{"id": e} for e in endpoints],
            }
        )
    )
    args = ["validate", str(spec_path), "--config", str(config), "--data-dir", f"data={tmp_path}"]
    return main(args)


def spec_of(**changes) -> dict:
    spec = base_spec("synthetic_t1", **changes)
    spec["tables"]["clinical"]["path"] = "{data}/clinical.csv"
    return spec


def cohort(tmp_path, il6_values, spec=None, extra=None) -> object:
    """A SYNTHETIC cohort of len(il6_values) patients S1.. with IL-6 and OS; ``extra``
    adds columns (name -> cells)."""
    extra = extra or {}
    header = ["pid", "il6", "os_days", "os_status", *extra]
    rows = [
        [f"S{i + 1}", v, 100 + 10 * i, i % 2, *(cells[i] for cells in extra.values())]
        for i, v in enumerate(il6_values)
    ]
    return write_cohort(tmp_path, spec or spec_of(), {"clinical": [header, *rows]})


def line_of(spec_path, text: str) -> int:
    """1-based line of the first line of the spec file that contains ``text``."""
    lines = spec_path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def concentrations(median: float, seed: int = 1) -> list[str]:
    """Right-skewed (lognormal) SYNTHETIC concentrations around ``median``."""
    rng = np.random.default_rng(seed)
    return [f"{v:.5g}" for v in median * rng.lognormal(0.0, 1.0, N)]


# -- CHECK placeholders --------------------------------------------------------------------------
def test_check_placeholders_are_refused_with_their_line_and_comment(tmp_path, vocab_dir, capsys):
    spec_path = cohort(tmp_path, concentrations(5))
    text = spec_path.read_text()
    text = text.replace(
        "unit: pg/mL", "# CHECK: no unit in the name: set the unit\n    unit: CHECK"
    )
    text = text.replace("unit: days", "unit: CHECK")
    spec_path.write_text(text)
    assert validate(tmp_path, spec_path, vocab_dir) == 1
    err = capsys.readouterr().err
    unit_line = line_of(spec_path, "    unit: CHECK")
    assert f"markers.il6.unit (line {unit_line}): the CHECK placeholder" in err
    assert "The draft says: no unit in the name: set the unit" in err
    assert "endpoints.os.time.unit (line" in err
    # Reported as placeholders only: no schema complaint, no unknown unit 'CHECK'.
    assert "2 problems:" in err and "is not one of" not in err and "unknown unit" not in err


def test_a_check_anywhere_is_found(tmp_path):
    data = {"a": {"b": [{"c": "CHECK"}, {"d": "x"}]}, "e": "CHECK", "f": "CHECKED"}
    assert placeholder_paths(data) == ["a.b[0].c", "e"]
    path = tmp_path / "s.yaml"
    path.write_text("a:\n  b:\n    - c: CHECK\n    - d: x\ne: CHECK\n")
    assert key_lines(path) == {"a": 1, "a.b": 2, "a.b[0]": 3, "a.b[0].c": 3, "a.b[1]": 4,
                               "a.b[1].d": 4, "e": 5}  # fmt: skip


def test_a_spec_without_placeholders_passes(tmp_path, vocab_dir, capsys):
    assert validate(tmp_path, cohort(tmp_path, concentrations(5)), vocab_dir) == 0
    assert f"ok: {N} patients" in capsys.readouterr().out


# -- what the config analyses ---------------------------------------------------------------------
def test_a_field_the_config_does_not_analyse_is_refused(tmp_path, vocab_dir, capsys):
    pfs = {"time": {"column": "os_days", "unit": "days"}, "event": {"column": "os_status"}}
    spec = spec_of()
    spec["endpoints"]["pfs"] = pfs
    spec_path = cohort(tmp_path, concentrations(5), spec)
    assert validate(tmp_path, spec_path, vocab_dir) == 1
    err = capsys.readouterr().err
    line = line_of(spec_path, "  pfs:")
    assert f"endpoints.pfs (line {line}): the spec maps 'pfs', which the config does not" in err
    assert validate(tmp_path, spec_path, vocab_dir, endpoints=("os", "pfs")) == 0


def test_a_covariate_or_treatment_the_config_does_not_declare_is_refused(
    tmp_path, vocab_dir, capsys
):
    spec = spec_of(covariates={"hpv": {"column": "p16"}}, treatment={"column": "arm"})
    extra = {"p16": ["positive", "negative"] * (N // 2), "arm": ["a", "b"] * (N // 2)}
    spec_path = cohort(tmp_path, concentrations(5), spec, extra)
    assert validate(tmp_path, spec_path, vocab_dir) == 1
    err = capsys.readouterr().err
    line = line_of(spec_path, "  hpv:")
    assert f"covariates.hpv (line {line}): the spec maps 'covariates.hpv', which the" in err
    assert "the spec maps 'treatment', which the config does not declare" in err
    config = yaml.safe_load((tmp_path / "config.yaml").read_text())
    config["covariates"] = [
        {"id": "hpv", "label": "HPV", "type": "categorical", "levels": ["negative", "positive"]}
    ]
    config["treatment"] = {"label": "Arm", "levels": ["a", "b"]}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    args = ["validate", str(spec_path), "--config", str(tmp_path / "config.yaml")]
    assert main([*args, "--data-dir", f"data={tmp_path}"]) == 0


def test_a_configured_marker_or_endpoint_without_values_is_refused(tmp_path, vocab_dir, capsys):
    spec = spec_of()
    spec["markers"]["pstat3"] = {"column": "pstat3", "scale": "h_score"}
    spec["endpoints"]["pfs"] = {
        "time": {"column": "pfs_days", "unit": "days"},
        "event": {"column": "pfs_status"},
    }
    empty = {"pstat3": [""] * N, "pfs_days": [""] * N, "pfs_status": [""] * N}
    spec_path = cohort(tmp_path, concentrations(5), spec, empty)
    both = {"markers": ("il6", "pstat3"), "endpoints": ("os", "pfs")}
    assert validate(tmp_path, spec_path, vocab_dir, **both) == 1
    err = capsys.readouterr().err
    assert f"markers.pstat3 (line {line_of(spec_path, '  pstat3:')}): no patient has a value" in err
    assert f"endpoints.pfs (line {line_of(spec_path, '  pfs:')}): no patient has a value" in err
    filled = {"pstat3": ["120"] * N, "pfs_days": ["50"] * N, "pfs_status": ["1"] * N}
    spec_path = cohort(tmp_path, concentrations(5), spec, filled)
    assert validate(tmp_path, spec_path, vocab_dir, **both) == 0


# -- values implausible for the declared unit or scale --------------------------------------------
@pytest.mark.parametrize(
    "declared, median, message, likely",
    [
        ("pg/mL", 0.005, "the median is too small for a concentration in pg/mL", "ng/mL"),
        ("ng/mL", 6.0, "the median is too large for a concentration in ng/mL", "pg/mL"),
        ("pg/mL", None, "values look log-transformed", None),
    ],
)
def test_a_unit_the_values_contradict_is_refused(
    tmp_path, vocab_dir, capsys, declared, median, message, likely
):
    if median is None:  # log2 of SYNTHETIC concentrations around 5 pg/mL
        values = [f"{np.log2(float(v)):.4f}" for v in concentrations(5)]
    else:
        values = concentrations(median)
    spec = spec_of(markers={"il6": {"column": "il6", "unit": declared}})
    spec_path = cohort(tmp_path, values, spec)
    assert validate(tmp_path, spec_path, vocab_dir) == 1
    err = capsys.readouterr().err
    assert f"markers.il6 (line {line_of(spec_path, '  il6:')}): {message}" in err
    assert "column 'il6'" in err and str(vocab_dir / "marker_scales.yaml") in err
    assert f"{N} values from" in err and "S1" not in err  # a range, never a patient
    if likely:
        assert "The values fit " in err and likely in err.split("The values fit ")[1]


@pytest.mark.parametrize("declared, median", [("pg/mL", 5.0), ("ng/mL", 0.005), ("pmol/L", 0.3)])
def test_values_that_fit_their_unit_pass(tmp_path, vocab_dir, declared, median):
    spec = spec_of(markers={"il6": {"column": "il6", "unit": declared}})
    assert validate(tmp_path, cohort(tmp_path, concentrations(median), spec), vocab_dir) == 0


def test_an_h_score_above_300_is_refused_naming_the_vocabulary(tmp_path, vocab_dir, capsys):
    spec = spec_of()
    spec["markers"]["pstat3"] = {"column": "pstat3", "scale": "h_score"}
    scores = [str(7 * i) for i in range(N - 1)] + ["350"]
    spec_path = cohort(tmp_path, concentrations(5), spec, {"pstat3": scores})
    assert validate(tmp_path, spec_path, vocab_dir, markers=("il6", "pstat3")) == 1
    err = capsys.readouterr().err
    assert "markers.pstat3 (line" in err and "1 value(s) above the maximum of h_score" in err
    assert "values from 0 to 300 on h_score" in err
    assert str(vocab_dir / "marker_scales.yaml") in err
    spec_path = cohort(tmp_path, concentrations(5), spec, {"pstat3": scores[:-1] + ["300"]})
    assert validate(tmp_path, spec_path, vocab_dir, markers=("il6", "pstat3")) == 0


VOCAB = Vocabulary.load(REPO / "resources" / "vocab")


@pytest.mark.parametrize(
    "marker, scale, values, problem",
    [
        ("il6", "pg/mL", np.exp(np.random.default_rng(3).normal(1.5, 1, 50)), None),
        ("il6", "pg/mL", np.random.default_rng(3).normal(1.5, 1, 50), "log-transformed"),
        ("il6", "pg/mL", np.random.default_rng(3).uniform(2, 9, 50), "log-transformed"),
        ("il6", "ng/mL", np.random.default_rng(3).uniform(0.002, 0.09, 50), None),
        ("il6", "pg/mL", np.random.default_rng(3).uniform(0.002, 0.09, 50), "too small"),
        ("il6", "pmol/L", [60.0, 80.0, 100.0], "too large"),
        ("il6", "rnaseq_rsem", [0.0, 5.0, 5000.0], None),
        ("il6", "log2_ratio", [-3.0, 0.5, 2.0], None),
        ("pstat3", "h_score", [0.0, 150.0, 300.0], None),
        ("pstat3", "h_score", [0.0, 150.0, 301.0], "above the maximum"),
        ("pstat3", "allred", [-1.0, 3.0], "below the minimum"),
        ("pstat3", "percent_positive", np.linspace(0.05, 0.9, 30), "proportions"),
        ("pstat3", "percent_positive", np.linspace(5, 90, 30), None),
        ("pstat3", "percent_positive", [0.0, 1.0] * 15, None),
    ],
)
def test_implausible_values(marker, scale, values, problem):
    found = implausible_values(VOCAB.marker_scale(marker, scale), values, VOCAB)
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0].message


def test_the_likely_unit_is_named():
    found = implausible_values(VOCAB.marker_scale("il6", "pg/mL"), [0.004, 0.006, 0.01], VOCAB)
    assert found[0].likely == ("ng/mL",)
    found = implausible_values(VOCAB.marker_scale("il6", "ng/mL"), [3.0, 6.0, 12.0], VOCAB)
    assert set(found[0].likely) == {"pg/mL", "ng/L", "pmol/L"}
