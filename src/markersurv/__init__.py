"""markersurv: prognostic biomarker survival analysis across cancer cohorts."""

__version__ = "0.1.0"
