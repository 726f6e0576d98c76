"""The ``markersurv`` command: init-cohort, validate, simulate."""

from __future__ import annotations

import argparse
import importlib
import sys

from markersurv import __version__
from markersurv.errors import MarkersurvError

# Each subcommand lives in its own module exposing ``add_arguments(parser)`` and ``run(args)``.
SUBCOMMANDS = {
    "init-cohort": (
        "markersurv.init_cohort.draft",
        "Draft a cohort spec from one or more data files.",
    ),
    "validate": (
        "markersurv.harmonize.validation",
        "Check cohort specs against the schema and their data.",
    ),
    "simulate": (
        "markersurv.simulate.from_truth",
        "Write synthetic cohorts from a stated truth file.",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="markersurv", description=__doc__)
    parser.add_argument("--version", action="version", version=f"markersurv {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except MarkersurvError as error:
        print(f"markersurv {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
