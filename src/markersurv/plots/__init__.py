"""Publication figures drawn from precomputed result tables.

Every function takes data frames or arrays, draws with the package theme (seaborn
``ticks``/``paper``, Okabe-Ito colours, one colour per group label everywhere), does no
statistics and no file I/O, and returns its axes or figure; :func:`save_figure` writes
byte-reproducible PNG, SVG and PDF files.
"""

from markersurv.plots.association import plot_association
from markersurv.plots.checks import PlotDataError
from markersurv.plots.cutpoint import plot_cutpoint_scan
from markersurv.plots.flow import plot_flow
from markersurv.plots.forest import plot_forest
from markersurv.plots.heatmap import plot_pancancer_map
from markersurv.plots.km import plot_km
from markersurv.plots.labels import AS_GIVEN, Labels
from markersurv.plots.ph import plot_schoenfeld
from markersurv.plots.qc import plot_lod_fractions, plot_marker_distributions, plot_scales
from markersurv.plots.save import save_figure
from markersurv.plots.spline import plot_spline
from markersurv.plots.theme import apply_theme, category_colours, group_colour, group_colours

__all__ = [
    "PlotDataError",
    "apply_theme",
    "category_colours",
    "AS_GIVEN",
    "Labels",
    "group_colour",
    "group_colours",
    "plot_association",
    "plot_cutpoint_scan",
    "plot_flow",
    "plot_forest",
    "plot_km",
    "plot_lod_fractions",
    "plot_marker_distributions",
    "plot_pancancer_map",
    "plot_scales",
    "plot_schoenfeld",
    "plot_spline",
    "save_figure",
]
