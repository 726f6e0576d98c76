"""Maximally selected log-rank statistics for an optimal marker cutpoint, as R's ``maxstat``.

``maxstat_logrank`` reproduces ``maxstat::maxstat.test(Surv(time, event) ~ x,
smethod = "LogRank", minprop, maxprop)`` (maxstat 0.7-25): the same log-rank scores, the same
candidate cutpoints, the same standardized statistics and the same chosen cutpoint, with the
Lausen-Schumacher (1994) bound, the Hothorn-Lausen (2003) exact bound and the exact Gaussian
p-value on request.

Differences from R, on purpose:

* The Lausen-Schumacher p-value is an upper bound that can exceed 1; ``p_lau94`` is capped at 1
  and ``p_lau94_raw`` keeps R's uncapped value.
* R's Hothorn-Lausen p-value works with permutation counts scaled by ``gamma(n + 1)``, which
  overflows for n > 170 (R returns NaN). Here the shift algorithm runs on probabilities (each
  count divided by its binomial coefficient as it is built), so nothing overflows and the
  values agree with R where R is finite. The exact distribution costs O(n^2 * sum of integer
  scores), about n^4 with maxstat's score scaling, so above a work budget the permutation
  marginals are replaced by their normal approximations (``hl_method="normal"``); the result
  records which was used.
* The exact Gaussian p-value is computed from the Markov structure of the standardized
  statistics (a Brownian motion observed at the cutpoints) by a numerical recursion,
  deterministic and accurate to about 1e-5 relative, instead of R's randomized
  ``mvtnorm::pmvnorm`` (default absolute error 1e-3, at most 1000 cutpoints).

The package by concept: ``scan`` (log-rank scores, candidate cutpoints, standardized
statistics), ``gaussian_limit`` (Lausen-Schumacher bound, exact Gaussian p-value),
``hothorn_lausen`` (integer scores and the Hothorn-Lausen bound), ``optimal_cutpoint``
(``maxstat_logrank`` and its ``MaxStat`` result) and ``cross_validation``.
"""

from markersurv.stats.maxstat.cross_validation import (
    CrossValidatedCutpoint,
    cross_validated_cutpoint,
)
from markersurv.stats.maxstat.gaussian_limit import p_exact_gauss, p_lausen94
from markersurv.stats.maxstat.hothorn_lausen import (
    HL_EXACT_BUDGET,
    HLMethod,
    integer_scores,
    p_hothorn_lausen,
)
from markersurv.stats.maxstat.optimal_cutpoint import (
    P_VALUE_METHODS,
    MaxStat,
    PValueMethod,
    maxstat_logrank,
)
from markersurv.stats.maxstat.scan import CutpointError, logrank_scores

__all__ = [
    "HL_EXACT_BUDGET",
    "P_VALUE_METHODS",
    "CrossValidatedCutpoint",
    "CutpointError",
    "HLMethod",
    "MaxStat",
    "PValueMethod",
    "cross_validated_cutpoint",
    "integer_scores",
    "logrank_scores",
    "maxstat_logrank",
    "p_exact_gauss",
    "p_hothorn_lausen",
    "p_lausen94",
]
