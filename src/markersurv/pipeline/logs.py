"""Logging set-up for rule scripts: one log file per job, typed errors as plain messages."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from markersurv.errors import MarkersurvError


def run_logged(log_path: str, step: Callable, *args) -> None:
    """Run a pipeline step with logging to ``log_path``.

    A typed markersurv error is a problem with the user's input, not a bug: it is written to
    the log and to standard error as its message (cohort, file, column, row, what to do), and
    the job fails without a Python traceback.
    """
    logging.basicConfig(
        filename=log_path,
        filemode="w",
        level=logging.INFO,
        force=True,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.captureWarnings(True)
    # fontTools logs every glyph list of each PDF font subset at INFO: noise in a job's log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    try:
        step(*args)
    except MarkersurvError as error:
        logging.getLogger("markersurv").error("%s", error)
        print(f"markersurv: {error}", file=sys.stderr)
        sys.exit(1)
