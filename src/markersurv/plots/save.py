"""Write a figure as PNG, SVG and PDF files that are byte-identical from run to run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from markersurv.plots.theme import themed

# Fixed salt for the ids matplotlib writes into SVG files (random per process otherwise).
SVG_HASHSALT = "markersurv"

# Without these, each file records the matplotlib version and the time it was written.
METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


def save_figure(
    fig: Figure,
    path_stem: str | os.PathLike,
    formats: Sequence[str] = ("png", "svg", "pdf"),
    *,
    dpi: int = 300,
) -> list[Path]:
    """Save ``fig`` as ``<path_stem>.<format>`` for each format, then close it.

    Output is deterministic: no timestamps or software versions in the metadata, a fixed
    SVG id salt, a fixed PNG resolution and the bundled font. Each file is written to a
    temporary file in the same folder and moved into place, so a reader (or an interrupted
    run) never sees a partial figure.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; closed afterwards.
    path_stem : str or path-like
        Output path without extension (``results/figures/BRCA/km_il6_os``).
    formats : sequence of {"png", "svg", "pdf"}
        Formats to write.
    dpi : int
        Resolution of the PNG (and of any raster parts of the PDF and SVG).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.
    """
    unknown = [f for f in formats if f not in METADATA]
    if unknown:
        raise ValueError(f"unsupported figure formats {unknown}; expected some of {list(METADATA)}")
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with themed(), mpl.rc_context({"svg.hashsalt": SVG_HASHSALT}):
            for fmt in formats:
                target = stem.with_name(f"{stem.name}.{fmt}")
                _write_atomically(fig, target, fmt, dpi)
                written.append(target)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return written


def _write_atomically(fig: Figure, target: Path, fmt: str, dpi: int) -> None:
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        # os.open applies the umask, unlike mkstemp's owner-only mode.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(descriptor, "wb") as handle:
            fig.savefig(handle, format=fmt, dpi=dpi, metadata=METADATA[fmt])
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
