"""The JSON schemas of the config and the cohort spec: loading them, checking documents."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jsonschema
import yaml

from markersurv.errors import ConfigError, Location, Problem


@cache
def load_schema(name: str) -> dict:
    """A JSON schema shipped with the package (``cohort`` or ``config``)."""
    text = resources.files("markersurv.schemas").joinpath(f"{name}.schema.yaml").read_text()
    return yaml.safe_load(text)


def schema_problems(document: Any, schema_name: str, source: str) -> list[Problem]:
    """Every schema violation of ``document``, each located by its key path."""
    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.path))):
        key = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        message = error.message
        if error.validator == "additionalProperties":
            message += " (unknown keys are errors: check the spelling against config/README.md)"
        problems.append(Problem(f"at {key}: {message}", Location(file=source)))
    return problems


def load_config(config: dict) -> dict:
    """Check an analysis config against its schema (Snakemake validates it the same way)."""
    problems = schema_problems(config, "config", "config")
    if problems:
        raise ConfigError(*problems)
    return config


def marker_ids(config: dict) -> list[str]:
    return [m["id"] for m in config["markers"]]


def endpoint_ids(config: dict) -> list[str]:
    return [e["id"] for e in config["endpoints"]]
