"""The Cox proportional-hazards solver (Efron and Breslow ties, strata)."""
