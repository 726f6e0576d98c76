"""Survival statistics: Kaplan-Meier, log-rank, Cox, PH tests, cutpoints, pooling."""
