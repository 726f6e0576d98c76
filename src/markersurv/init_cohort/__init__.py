"""Drafting a cohort spec from data files (`markersurv init-cohort`)."""
