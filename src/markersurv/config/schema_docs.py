"""Render config/README.md, the reference of the config and the cohort spec, from the schemas.

The schemas are the single source of truth; a test checks the committed file matches.
Run ``python -m markersurv.config.schema_docs > config/README.md`` after changing a schema.
"""

from __future__ import annotations

import json

from markersurv.config.schema import load_schema

INTRO = """# Configuration and cohort-spec reference

Generated from `workflow/schemas/*.schema.yaml` by `python -m markersurv.config.schema_docs`; do not
edit by hand. Unknown keys are errors in both files.

- `config/config.yaml` (demo) and `config/tcga.yaml` (TCGA) are complete, commented examples
  of the analysis config.
- `config/cohorts/*.yaml` are examples of cohort specs: `demo_*.yaml` cover CSV with decimal
  commas, Excel with a title row, two tables joined by reformatted ids, dates instead of
  durations; `tcga.yaml` covers wide matrices with aliquot barcodes.
- Vocabularies (cancer types, stages, codings, marker units and scoring systems) are files in
  `resources/vocab/`; adding a row there adds a type, form, coding, unit or scale.
"""


def type_of(schema: dict) -> str:
    if "enum" in schema:
        return " \\| ".join(f"`{v}`" for v in schema["enum"])
    if "oneOf" in schema:
        return " or ".join(type_of(s) for s in schema["oneOf"])
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array" and "items" in schema:
        return f"list of {type_of(schema['items'])}"
    return kind


def rows(schema: dict, prefix: str = "") -> list[str]:
    out = []
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        name = f"{prefix}{key}"
        default = f"`{json.dumps(sub['default'])}`" if "default" in sub else ""
        description = " ".join(str(sub.get("description", "")).split()).replace("|", "\\|")
        needed = "yes" if key in required else ""
        out.append(f"| `{name}` | {type_of(sub)} | {needed} | {default} | {description} |")
        if sub.get("type") == "object" and "properties" in sub:
            out += rows(sub, f"{name}.")
    return out


def table(title: str, schema: dict, text: str = "") -> str:
    head = ["", f"## {title}", ""]
    if text:
        head += [text, ""]
    head += ["| key | type | required | default | meaning |", "|---|---|---|---|---|"]
    return "\n".join(head + rows(schema))


def render() -> str:
    config = load_schema("config")
    cohort = load_schema("cohort")
    parts = [INTRO, table("Analysis config", config, " ".join(config["description"].split()))]
    parts.append(table("Cohort spec", cohort, " ".join(cohort["description"].split())))
    for name, sub in cohort["$defs"].items():
        if "properties" in sub:
            parts.append(
                table(
                    f"Cohort spec: `{name}`", sub, " ".join(str(sub.get("description", "")).split())
                )
            )
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
