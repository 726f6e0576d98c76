"""Cox partial log-likelihood, score and information over risk sets, with Efron or Breslow ties.

The data are sorted once by stratum and descending time, so that a death time's risk set is
everybody of its stratum up to the end of its tied group. One compiled pass then accumulates
the risk-set sums of ``exp(eta)``, ``exp(eta) x`` and ``exp(eta) x x'`` row by row and adds
each death group's terms as it closes: the algorithm of R's ``coxfit6``, linear in n.

Delayed entry (left truncation, R's ``Surv(entry, time, event)``) adds one more row per
patient at its entry time, with the patient's covariates and sign -1: sweeping down in time, a
patient joins the risk sets at its exit and leaves them at its entry, so it is at risk at the
deaths of ``(entry, exit]``, as in R's ``agfit4``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np

from markersurv.stats.ordering import code_order, float_order

Ties = Literal["efron", "breslow"]


@numba.njit(cache=True, nogil=True)
def _forward_pass(
    z, dead, sign, group_end, stratum_start, beta, efron, risk, mean_sum, mean_outer, group_weight
):
    """Risk-set sums row by row; the log-likelihood and the sums over deaths of each death's
    weighted covariate mean and of its outer product.

    Rows are sorted by stratum and descending time; ``group_end[i]``: row i is the last of its
    stratum's rows at its time; ``stratum_start[i]``: row i opens a stratum; ``sign[i]``: 1,
    or -1 for a row that takes its patient out of the risk sets (entry). Fills ``risk``
    (``sign * exp(eta)`` per row), ``mean_sum`` and ``mean_outer`` (the sums over deaths of the
    risk-set mean of the covariates under Efron's or Breslow's weights, and of its outer
    product; zeroed here) and, at each group's last row,
    ``group_weight[i, 0]`` (the sum of ``1 / denominator`` over the group's deaths) and
    ``group_weight[i, 1]`` (the same weighted by Efron's fractions).
    """
    n, p = z.shape
    s1 = np.zeros(p)
    d1 = np.zeros(p)
    mean = np.zeros(p)
    mean_sum[:] = 0.0
    mean_outer[:, :] = 0.0
    loglik = 0.0
    s0 = 0.0
    d0 = 0.0
    nd = 0
    for i in range(n):
        if stratum_start[i]:
            s0 = 0.0
            s1[:] = 0.0
        eta = 0.0
        for k in range(p):
            eta += beta[k] * z[i, k]
        r = np.exp(eta)
        signed = sign[i] * r
        risk[i] = signed
        s0 += signed
        for k in range(p):
            s1[k] += signed * z[i, k]
        if dead[i]:
            nd += 1
            loglik += eta
            d0 += r
            for k in range(p):
                d1[k] += r * z[i, k]
        group_weight[i, 0] = 0.0
        group_weight[i, 1] = 0.0
        if group_end[i] and nd > 0:
            loglik -= _death_group(
                nd, efron, s0, d0, s1, d1, mean, mean_sum, mean_outer, group_weight, i
            )
            nd = 0
            d0 = 0.0
            d1[:] = 0.0
    _mirror_lower(mean_outer)
    return loglik


@numba.njit(cache=True, nogil=True)
def _death_group(nd, efron, s0, d0, s1, d1, mean, mean_sum, mean_outer, group_weight, row):
    """The ``nd`` tied deaths of the group ending at ``row``: adds each one's risk-set mean
    to ``mean_sum`` and its outer product to ``mean_outer`` (lower triangle), writes
    ``group_weight[row]`` (sum of ``1 / denominator``, and of it times Efron's fraction) and
    returns the sum of the log denominators."""
    p = s1.size
    log_den = 0.0
    inv_sum = 0.0
    frac_sum = 0.0
    for j in range(nd):
        # Efron: the j-th of nd tied deaths sees the risk set less j/nd of them.
        frac = j / nd if efron else 0.0
        den = s0 - frac * d0
        log_den += np.log(den)
        inv = 1.0 / den
        inv_sum += inv
        frac_sum += frac * inv
        for k in range(p):
            mean[k] = (s1[k] - frac * d1[k]) * inv
            mean_sum[k] += mean[k]
        for a in range(p):
            for b in range(a + 1):
                mean_outer[a, b] += mean[a] * mean[b]
    group_weight[row, 0] = inv_sum
    group_weight[row, 1] = frac_sum
    return log_den


@numba.njit(cache=True, nogil=True)
def _mirror_lower(matrix):
    """Copy the lower triangle of a square matrix onto its upper triangle."""
    for a in range(matrix.shape[0]):
        for b in range(a):
            matrix[b, a] = matrix[a, b]


@numba.njit(cache=True, nogil=True)
def _risk_to_row_weights(dead, group_end, stratum_start, risk, group_weight):
    """Turn ``risk`` in place into each row's total weight over the risk sets it belongs to
    (the information's X'WX), so no second array of n is needed.

    A row is in the risk set of its own death group and of every later one of its stratum,
    so its weight is ``exp(eta)`` times a reverse cumulative sum; a death also leaves the
    Efron share of its own group. An entry row's (negative) weight takes off the risk sets
    at or before its patient's entry.
    """
    total = 0.0
    frac = 0.0
    for i in range(risk.size - 1, -1, -1):
        if group_end[i]:
            total += group_weight[i, 0]
            frac = group_weight[i, 1]
        w = risk[i] * total
        if dead[i]:
            w -= risk[i] * frac
        risk[i] = w
        if stratum_start[i]:
            total = 0.0


# Rows per block of the weighted Gram matrix: a small temporary, matrix products all the same.
GRAM_BLOCK = 1 << 16


def _weighted_gram(z: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``(z.T * weight) @ z``, a block of rows at a time."""
    out = np.zeros((z.shape[1], z.shape[1]))
    for start in range(0, z.shape[0], GRAM_BLOCK):
        block = z[start : start + GRAM_BLOCK]
        out += (block.T * weight[start : start + GRAM_BLOCK]) @ block
    return out


@numba.njit(cache=True, nogil=True)
def _gather(rows, order, means, scale):
    """Rows ``order % n`` of ``rows`` (n, p), centred by ``means`` and scaled by ``scale``."""
    n, p = rows.shape
    out = np.empty((order.size, p))
    for i in range(order.size):
        src = order[i] % n
        for k in range(p):
            out[i, k] = (rows[src, k] - means[k]) * scale[k]
    return out


def _gather_rows(
    z: np.ndarray, order: np.ndarray, centre: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """``z[:, order % n].T`` as a C-ordered (n, p) array (z is (p, n)), centred and scaled
    as ``centre`` (means, scale) says: no centred copy of the whole matrix is made."""
    # Read in place whatever the layout: one contiguous row per patient from an (n, p) C
    # array, one value per column from the columns of a data frame (an F-ordered array).
    rows = np.asarray(z, dtype=float).T
    p = rows.shape[1]
    means, scale = (np.zeros(p), np.ones(p)) if centre is None else centre
    return _gather(rows, order, np.asarray(means, dtype=float), np.asarray(scale, dtype=float))


@dataclass(frozen=True, eq=False)
class RiskSets:
    """The data sorted by stratum, then descending time, ready for :meth:`evaluate`.

    Build with :meth:`build`. ``z`` holds one row per patient in that order; a death group
    (the deaths of one stratum at one time) shares the risk set that ends with its tied rows.
    """

    z: np.ndarray  # (n, p) covariates, sorted
    dead: np.ndarray  # event indicator per sorted row
    sign: np.ndarray  # 1, or -1 for a patient's entry row
    group_end: np.ndarray  # the row is the last of its stratum's rows at its time
    stratum_start: np.ndarray  # the row is the first of its stratum
    dead_z_sum: np.ndarray  # (p,) sum of the deaths' covariates
    dead_count: int
    efron: bool

    @classmethod
    def build(
        cls,
        time: np.ndarray,
        event: np.ndarray,
        z: np.ndarray,
        strata: np.ndarray,
        ties: Ties,
        *,
        ascending: np.ndarray | None = None,
        entry: np.ndarray | None = None,
        centre: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> RiskSets:
        """Sort once.

        Parameters
        ----------
        time, event : numpy.ndarray
            Follow-up times and 0/1 (bool) event indicators, at least one event.
        z : numpy.ndarray
            ``(p, n)`` covariates, centred and scaled by ``centre`` (means, scale) if given
            (as the sorted copy is made), else as the caller passes them.
        strata : numpy.ndarray
            Integer stratum code per row.
        ties : {"efron", "breslow"}
            Handling of tied death times.
        ascending : numpy.ndarray, optional
            An ordering of ``time`` from the smallest (as the timefix step produces), to save
            a sort (not with ``entry``).
        entry : numpy.ndarray, optional
            Delayed-entry times, each below its row's ``time``: the row is at risk at the
            deaths of ``(entry, time]``.
        """
        n = np.asarray(time).size
        sign = np.ones(n, dtype=np.int8)  # +1 a row's own exit, -1 its entry (delayed entry)
        if entry is not None:
            time = np.concatenate([time, entry])
            event = np.concatenate([event, np.zeros(n, dtype=np.asarray(event).dtype)])
            # row i + n is row i's entry: the gather reads its covariates from row i
            strata = np.concatenate([strata, strata])
            sign = np.concatenate([sign, -sign])
            ascending = None
        if ascending is None:
            order = float_order(time, descending=True)
        else:
            # Reversing an ascending order gives descending times; the order within a tied
            # group does not matter, a group enters its risk set as a whole.
            order = np.ascontiguousarray(ascending[::-1], dtype=np.int64)
        codes = np.asarray(strata, dtype=np.int64)
        if codes.size and codes.min() != codes.max():
            lowest = codes.min()
            order = code_order(codes - lowest if lowest else codes, order)
        t, s = np.asarray(time, dtype=float)[order], codes[order]
        change = np.empty(t.size, dtype=np.bool_)
        change[0] = True
        np.not_equal(s[1:], s[:-1], out=change[1:])
        group_end = np.empty(t.size, dtype=np.bool_)
        group_end[-1] = True
        np.not_equal(t[1:], t[:-1], out=group_end[:-1])
        group_end[:-1] |= change[1:]
        del t, s  # only the flags are kept: free the sorted copies before the covariates'
        zs = _gather_rows(z, order, centre)
        dead = np.asarray(event, dtype=np.bool_)[order]
        return cls(
            z=zs,
            dead=dead,
            sign=np.ascontiguousarray(sign[order]),
            dead_z_sum=zs[dead].sum(axis=0),
            dead_count=int(dead.sum()),
            group_end=group_end,
            stratum_start=change,
            efron=ties == "efron",
        )

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Partial log-likelihood, score vector and information matrix at ``beta``.

        With ``k/d`` Efron's fraction for the k-th of ``d`` tied deaths, the denominators are
        ``S0 - (k/d) D0`` (risk-set sum minus a share of the tied deaths' sum); Breslow's are
        ``S0``. Score and information are sums over deaths of the risk-set mean and covariance
        of the covariates under those weights. A trial point far out on a monotone likelihood
        overflows ``exp`` and returns non-finite values, the caller's signal to halve the step.

        References
        ----------
        Efron, B. (1977). The efficiency of Cox's likelihood function for censored data.
        *J Am Stat Assoc* 72, 557-565.
        Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data: Extending the Cox
        Model*. Springer, section 3.3. Therneau, T. M. (2023). survival: Survival Analysis, R
        package version 3.5, ``coxfit6.c``.
        """
        z, dead = self.z, self.dead
        n, p = z.shape
        risk = np.empty(n)
        mean_sum = np.empty(p)
        mean_outer = np.empty((p, p))
        group_weight = np.empty((n, 2))
        loglik = _forward_pass(
            z,
            dead,
            self.sign,
            self.group_end,
            self.stratum_start,
            np.ascontiguousarray(beta, dtype=float),
            self.efron,
            risk,
            mean_sum,
            mean_outer,
            group_weight,
        )
        # sum over deaths of the weighted covariance = X'WX - sum of the means' outer products
        score = self.dead_z_sum - mean_sum
        _risk_to_row_weights(dead, self.group_end, self.stratum_start, risk, group_weight)
        info = _weighted_gram(z, risk) - mean_outer
        return float(loglik), score, info


def independent_columns(info: np.ndarray, toler: float) -> np.ndarray:
    """Columns kept by a Cholesky decomposition that zeroes near-singular pivots.

    A pivot (the column's variance left after the preceding kept columns) below
    ``toler`` times the largest diagonal element, or not finite, marks the column as aliased,
    the rule of R's ``cholesky2``; it then takes no part in the solve.

    References
    ----------
    Therneau, T. M. (2023). survival: Survival Analysis. R package version 3.5,
    ``cholesky2.c``, ``chsolve2.c`` and ``chinv2.c``.
    """
    p = info.shape[0]
    kept = np.zeros(p, dtype=bool)
    diag = np.diag(info)
    if p == 0 or not np.any(diag > 0):
        return kept
    eps = np.nanmax(np.where(np.isfinite(diag), diag, np.nan)) * toler
    work = np.array(info, dtype=float)
    for i in range(p):
        pivot = work[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            continue
        kept[i] = True
        col = work[i + 1 :, i] / pivot
        work[i + 1 :, i + 1 :] -= np.outer(col, work[i, i + 1 :])
    return kept


def solve_kept(info: np.ndarray, rhs: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Solve ``info x = rhs`` on the kept columns; aliased columns get 0 (R's ``chsolve2``)."""
    out = np.zeros_like(rhs, dtype=float)
    if kept.any():
        out[kept] = np.linalg.solve(info[np.ix_(kept, kept)], rhs[kept])
    return out


def inverse_kept(info: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """Inverse on the kept columns, zero rows and columns elsewhere (R's ``chinv2``)."""
    out = np.zeros_like(info, dtype=float)
    if kept.any():
        out[np.ix_(kept, kept)] = np.linalg.inv(info[np.ix_(kept, kept)])
    return out
