"""config/README.md is generated from the schemas and must not drift from them."""

from markersurv.config.schema_docs import render


def test_config_readme_matches_schemas(repo_dir):
    committed = (repo_dir / "config" / "README.md").read_text()
    assert committed == render(), "run: python -m markersurv.config.schema_docs > config/README.md"


def test_every_analysis_key_is_documented(repo_dir):
    from markersurv.config.settings import analysis_defaults

    text = (repo_dir / "config" / "README.md").read_text()
    for key in analysis_defaults():
        assert f"`analysis.{key}`" in text
