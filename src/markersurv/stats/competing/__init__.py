"""Competing risks: cumulative incidence (Aalen-Johansen) with Gray's test across groups,
and Fine-Gray subdistribution hazard regression, as R's cmprsk computes them."""
