"""Survival analysis of one cancer type (all its cohorts), and pooling across them."""
