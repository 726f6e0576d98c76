"""Settings come from the config schema's defaults, filled once."""

from __future__ import annotations

from markersurv.config.schema import load_schema
from markersurv.config.settings import (
    AnalysisSettings,
    FigureSettings,
    HarmonizeSettings,
    with_defaults,
)

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
    assert figures.formats_for("spline_x") == ("png", "svg")
    assert figures.suppress_below is None and figures.details_for("os")
    harmonize = HarmonizeSettings.from_config(MINIMAL)
    assert harmonize.markers == ("m1",) and harmonize.lod_policy == "half"
    assert harmonize.vocabulary_dir == "resources/vocab" and harmonize.data_dirs == {}
    analysis = AnalysisSettings.from_config({**MINIMAL, "analysis": {"min_events": 3}})
    assert analysis.min_events == 3 and analysis.markers == ("m1",)
