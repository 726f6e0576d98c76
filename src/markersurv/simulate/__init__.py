"""Synthetic cohorts from a stated truth (`markersurv simulate`)."""
