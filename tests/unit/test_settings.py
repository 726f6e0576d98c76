"""Settings come from the config schema's defaults, filled once."""

from __future__ import annotations

import yaml
from snakemake.utils import validate

from markersurv.config.schema import load_schema
from markersurv.config.settings import (
    AnalysisSettings,
    FigureSettings,
    HarmonizeSettings,
    with_defaults,
)
from tests.helpers_cohort import REPO

MINIMAL = {"markers": [{"id": "m1", "label": "Marker one"}], "endpoints": [{"id": "os"}]}


def test_every_default_of_the_schema_is_filled():
    filled = with_defaults(MINIMAL)
    properties = load_schema("config")["properties"]
    for key, sub in properties.items():
        if "default" in sub:
            assert key in filled, key
        for inner, inner_sub in sub.get("properties", {}).items():
            if "default" in inner_sub:
                assert filled[key][inner] == inner_sub["default"], f"{key}.{inner}"


def test_given_values_win_and_the_input_is_not_changed():
    config = {**MINIMAL, "figures": {"dpi": 300}}
    filled = with_defaults(config)
    assert filled["figures"]["dpi"] == 300
    assert filled["figures"]["km_cut_methods"] == ["median"]
    assert config == {**MINIMAL, "figures": {"dpi": 300}}


def test_settings_objects_read_the_filled_config():
    figures = FigureSettings.from_config(MINIMAL)
    assert figures.formats_for("km_median_x") == ("png", "svg", "pdf")
    assert figures.formats_for("spline_x") == ("png",)
    vector = FigureSettings.from_config(
        {**MINIMAL, "figures": {"formats": ["pdf"], "publication_kinds": ["spline"]}}
    )
    assert vector.formats_for("spline_x") == ("png", "pdf")
    assert vector.formats_for("km_median_x") == ("png",)
    assert figures.suppress_below is None and figures.details_for("os")
    harmonize = HarmonizeSettings.from_config(MINIMAL)
    assert harmonize.markers == ("m1",) and harmonize.lod_policy == "half"
    assert harmonize.vocabulary_dir == "resources/vocab" and harmonize.data_dirs == {}
    analysis = AnalysisSettings.from_config({**MINIMAL, "analysis": {"min_events": 3}})
    assert analysis.min_events == 3 and analysis.markers == ("m1",)


def test_snakemake_validates_and_fills_the_bundled_configs_and_a_declared_primary():
    """Snakemake fills defaults into nested objects: an optional object (analysis.primary,
    null by default) must have no defaults of its own, or filling them fails on None."""
    schema = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
    for name in ("config.yaml", "tcga.yaml"):
        config = yaml.safe_load((REPO / "config" / name).read_text())
        validate(config, schema)
        assert config["analysis"]["primary"] is None
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    primary = {"markers": ["il6"], "endpoints": ["os"], "model": "dichotomized"}
    config["analysis"] = {"primary": primary}
    validate(config, schema)
    assert config["analysis"]["primary"] == primary
    assert config["analysis"]["hr_interval_breaks"] == [12, 36]
