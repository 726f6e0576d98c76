"""The one look of every markersurv figure: seaborn theme, Okabe-Ito colours, figure factory.

Colours are fixed per group label so that "high" is the same vermillion in a Kaplan-Meier
plot, a forest plot and a report table, whatever else the figure shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import matplotlib as mpl
import seaborn as sns
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Okabe M, Ito K. Color universal design (2008): distinguishable under the common colour
# vision deficiencies and in greyscale by lightness.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Ordered groups run from blue (lowest) to vermillion (highest), as low/high do.
GROUP_COLOURS: dict[str, str] = {
    "all": OKABE_ITO["black"],
    "low": OKABE_ITO["blue"],
    "high": OKABE_ITO["vermillion"],
    "T1": OKABE_ITO["blue"],
    "T2": OKABE_ITO["orange"],
    "T3": OKABE_ITO["vermillion"],
    "Q1": OKABE_ITO["blue"],
    "Q2": OKABE_ITO["sky_blue"],
    "Q3": OKABE_ITO["orange"],
    "Q4": OKABE_ITO["vermillion"],
}

JOINT_COLOURS: dict[tuple[str, str], str] = {
    ("low", "low"): OKABE_ITO["blue"],
    ("low", "high"): OKABE_ITO["bluish_green"],
    ("high", "low"): OKABE_ITO["orange"],
    ("high", "high"): OKABE_ITO["vermillion"],
}

_JOINT = re.compile(r"^[^&]+_(low|high)&[^&]+_(low|high)$")

# Yellow is left to last: it is hard to see as a line on white.
CATEGORY_CYCLE: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

REFERENCE_COLOUR = "0.45"
NOT_ESTIMABLE_COLOUR = "0.85"
DIVERGING_CMAP = "RdBu_r"

# The bundled DejaVu Sans, so that a figure renders to the same bytes on every machine.
_OVERRIDES = {
    "font.family": ["sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "axes.titlesize": 9.6,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.right": False,
    "axes.spines.top": False,
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "legend.edgecolor": "0.8",
    "legend.fontsize": 8.0,
    "legend.title_fontsize": 8.0,
    "savefig.facecolor": "white",
    "figure.dpi": 100,
    "pdf.fonttype": 42,
    "svg.fonttype": "path",
    "image.cmap": DIVERGING_CMAP,
}


def theme_rc() -> dict:
    """The rcParams of the markersurv theme: seaborn ``ticks`` style, ``paper`` context."""
    return {**sns.axes_style("ticks"), **sns.plotting_context("paper"), **_OVERRIDES}


def apply_theme() -> None:
    """Set the markersurv theme globally (for figures made outside this package).

    The plotting functions of this package do not need it: they draw inside
    :func:`themed`, so their look does not depend on the caller's rcParams.
    """
    sns.set_theme(style="ticks", context="paper", rc=_OVERRIDES)


@contextmanager
def themed() -> Iterator[None]:
    """Draw with the markersurv theme without changing the caller's rcParams."""
    with mpl.rc_context(theme_rc()):
        yield


def new_figure(width: float, height: float, *, layout: str | None = "constrained") -> Figure:
    """A figure on the Agg canvas, not registered with pyplot (no global state, no GUI)."""
    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def group_colour(label: str) -> str:
    """Colour of a marker group: low/high, T1-T3, Q1-Q4, the four joint groups, ``all``.

    Raises
    ------
    KeyError
        For a label outside that vocabulary (use :func:`category_colours`).
    """
    if label in GROUP_COLOURS:
        return GROUP_COLOURS[label]
    joint = _JOINT.match(label)
    if joint:
        return JOINT_COLOURS[(joint.group(1), joint.group(2))]
    raise KeyError(
        f"no fixed colour for group {label!r}; expected low/high, T1-T3, Q1-Q4, all or "
        "'<marker>_low&<marker>_high'-style labels"
    )


def group_colours(labels: Iterable[str]) -> dict[str, str]:
    """Colours of groups: the fixed ones for known labels, unused cycle colours for the rest."""
    labels = list(dict.fromkeys(labels))
    out = {}
    for label in labels:
        try:
            out[label] = group_colour(label)
        except KeyError:
            continue
    spare = [c for c in CATEGORY_CYCLE if c not in out.values()] or list(CATEGORY_CYCLE)
    unknown = [label for label in labels if label not in out]
    for i, label in enumerate(unknown):
        out[label] = spare[i % len(spare)]
    return {label: out[label] for label in labels}


def category_colours(names: Sequence[str]) -> dict[str, str]:
    """Colours of cohorts (or other categories) by their sorted position.

    Pass the full list of a run's cohorts to give each cohort the same colour in every
    figure. Beyond eight categories no palette stays safe for colour-blind readers; evenly
    spaced hues keep them at least distinct.
    """
    ordered = sorted(dict.fromkeys(names))
    if len(ordered) <= len(CATEGORY_CYCLE):
        colours = list(CATEGORY_CYCLE)
    else:
        colours = sns.color_palette("husl", len(ordered)).as_hex()
    return {name: colours[i] for i, name in enumerate(ordered)}
