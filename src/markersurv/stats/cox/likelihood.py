"""Cox partial log-likelihood, score and information over risk sets, with Efron or Breslow ties.

The data are sorted once by stratum and descending time. A death time's risk set is then a
prefix of its stratum, so risk-set sums of ``exp(eta)`` and ``exp(eta) x`` are cumulative sums
of per-chunk sums (a chunk ends where a death time's tied group ends). The second-moment sums
``exp(eta) x x'`` are never formed per risk set: each patient's contribution to all the risk
sets it belongs to collapses into one weight, so the information matrix needs one weighted
``X' W X`` product. Efron's correction is applied per tied death by grouped reductions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Ties = Literal["efron", "breslow"]


def _segmented_cumsum(values: np.ndarray, starts: np.ndarray, reverse: bool = False) -> np.ndarray:
    """Cumulative sums along the last axis, restarting at each index in ``starts``.

    Each segment is summed on its own (a loop over strata, not over patients) so that the sums
    of one stratum never absorb the rounding error of another's, however different their sizes.
    """
    if reverse:
        length = values.shape[-1]
        flipped_starts = length - np.append(starts[1:], length)[::-1]
        return _segmented_cumsum(values[..., ::-1], flipped_starts)[..., ::-1]
    if starts.size == 1:
        return np.cumsum(values, axis=-1)
    out = np.empty_like(values)
    bounds = np.append(starts, values.shape[-1])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        np.cumsum(values[..., lo:hi], axis=-1, out=out[..., lo:hi])
    return out


@dataclass(frozen=True, eq=False)
class RiskSets:
    """Sorted covariates and the index arrays that define every risk set and tied death group.

    Build with :meth:`build`; evaluate the partial likelihood with :meth:`evaluate`.
    Attributes are in sorted order (by stratum, then descending time); ``dg`` is short for a
    death group, the deaths of one stratum at one time.
    """

    z: np.ndarray  # (p, n) covariates, sorted
    dead_rows: np.ndarray  # sorted positions of the deaths
    dead_z_sum: np.ndarray  # (p,) sum of the deaths' covariates
    strata_rows: np.ndarray  # first row of each stratum
    chunk_starts: np.ndarray | None  # row ranges summed before accumulating (None: by row)
    chunk_strata: np.ndarray | None  # first chunk of each stratum
    dg_close: np.ndarray  # the chunk (or row) that closes each death group's risk set
    dg_starts: np.ndarray | None  # first position in dead_rows of each group (None: no ties)
    dg_strata: np.ndarray  # first death group of each stratum that has deaths
    dead_dg: np.ndarray  # death group of each death
    efron_frac: np.ndarray | None  # Efron's k/d for the k-th of d tied deaths (None: Breslow)
    row_dg: np.ndarray  # first death group whose risk set holds the row (or the sentinel)

    @classmethod
    def build(
        cls, time: np.ndarray, event: np.ndarray, z: np.ndarray, strata: np.ndarray, ties: Ties
    ) -> RiskSets:
        """Sort once and precompute the risk-set structure.

        Parameters
        ----------
        time, event : numpy.ndarray
            Follow-up times and 0/1 (bool) event indicators, at least one event.
        z : numpy.ndarray
            ``(p, n)`` covariates (already centred and scaled as the caller wants).
        strata : numpy.ndarray
            Integer stratum code per row.
        ties : {"efron", "breslow"}
            Handling of tied death times.
        """
        n = time.size
        if np.all(strata == strata[0]):
            order = np.argsort(-time)
        else:
            order = np.lexsort((-time, strata))
        t, s, dead = time[order], strata[order], event[order].astype(bool)
        zs = np.take(z, order, axis=1)

        new_tie = np.ones(n, dtype=bool)
        new_tie[1:] = (t[1:] != t[:-1]) | (s[1:] != s[:-1])
        tie_end = np.append(np.flatnonzero(new_tie)[1:], n)
        new_stratum = np.r_[True, s[1:] != s[:-1]]
        strata_rows = np.flatnonzero(new_stratum)

        dead_rows = np.flatnonzero(dead)
        dead_tie = (np.cumsum(new_tie) - 1)[dead_rows]
        dg_starts = np.flatnonzero(np.r_[True, dead_tie[1:] != dead_tie[:-1]])
        n_dg = dg_starts.size
        dg_size = np.diff(np.append(dg_starts, dead_rows.size))
        dg_end = tie_end[dead_tie[dg_starts]]
        dg_stratum = s[dg_end - 1]
        tied = n_dg < dead_rows.size

        # With few distinct death times, sum rows per chunk first and accumulate chunks;
        # with many, accumulate rows directly (a chunk of one or two rows saves nothing).
        boundary = new_stratum.copy()
        boundary[dg_end[dg_end < n]] = True
        chunk_starts = np.flatnonzero(boundary)
        by_rows = chunk_starts.size > n // 4
        efron_frac = None
        if ties == "efron" and tied:
            efron_frac = (np.arange(dead_rows.size) - np.repeat(dg_starts, dg_size)) / np.repeat(
                dg_size, dg_size
            )

        row_dg = np.cumsum(np.bincount(dg_end, minlength=n + 1)[:n])
        inside = row_dg < n_dg
        inside[inside] = dg_stratum[row_dg[inside]] == s[inside]
        row_dg[~inside] = n_dg

        return cls(
            z=zs,
            dead_rows=dead_rows,
            dead_z_sum=zs[:, dead_rows].sum(axis=1),
            strata_rows=strata_rows,
            chunk_starts=None if by_rows else chunk_starts,
            chunk_strata=None if by_rows else np.searchsorted(chunk_starts, strata_rows),
            dg_close=dg_end - 1 if by_rows else np.searchsorted(chunk_starts, dg_end) - 1,
            dg_starts=dg_starts if tied else None,
            dg_strata=np.flatnonzero(np.r_[True, dg_stratum[1:] != dg_stratum[:-1]]),
            dead_dg=np.repeat(np.arange(n_dg), dg_size),
            efron_frac=efron_frac,
            row_dg=row_dg,
        )

    def _risk_set_sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (last axis: rows) over each death group's risk set."""
        if self.chunk_starts is None:
            return np.take(_segmented_cumsum(values, self.strata_rows), self.dg_close, axis=-1)
        assert self.chunk_strata is not None  # set together with chunk_starts
        chunks = np.add.reduceat(values, self.chunk_starts, axis=-1)
        return np.take(_segmented_cumsum(chunks, self.chunk_strata), self.dg_close, axis=-1)

    def _per_group(self, values: np.ndarray) -> np.ndarray:
        """Sum of per-death ``values`` (last axis) within each death group."""
        if self.dg_starts is None:
            return values
        return np.add.reduceat(values, self.dg_starts, axis=-1)

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Partial log-likelihood, score vector and information matrix at ``beta``.

        With ``k/d`` Efron's fraction for the k-th of ``d`` tied deaths, the denominators are
        ``S0 - (k/d) D0`` (risk-set sum minus a share of the tied deaths' sum); Breslow's are
        ``S0``. Score and information are sums over deaths of the risk-set mean and covariance
        of the covariates under those weights.

        References
        ----------
        Efron, B. (1977). The efficiency of Cox's likelihood function for censored data.
        *J Am Stat Assoc* 72, 557-565.
        Therneau, T. M. and Grambsch, P. M. (2000). *Modeling Survival Data: Extending the Cox
        Model*. Springer, section 3.3.
        """
        z, dead_rows = self.z, self.dead_rows
        eta = beta @ z
        risk = np.exp(eta)
        risk_z = z * risk
        s0 = self._risk_set_sums(risk)
        s1 = self._risk_set_sums(risk_z)

        frac = self.efron_frac
        denom = s0[self.dead_dg]
        if frac is not None:
            denom -= frac * self._per_group(risk[dead_rows])[self.dead_dg]
        inv = 1.0 / denom
        inv2 = inv * inv
        loglik = float(eta[dead_rows].sum() - np.log(denom).sum())

        # Each row belongs to the risk sets of all death groups from its own onward (within
        # its stratum), so its total weight is a reverse cumulative sum over death groups.
        a = self._per_group(inv)
        a_cum = np.append(_segmented_cumsum(a, self.dg_strata, reverse=True), 0.0)
        weight = risk * np.take(a_cum, self.row_dg)
        if frac is not None:
            b = self._per_group(frac * inv)
            weight[dead_rows] -= risk[dead_rows] * b[self.dead_dg]

        score = self.dead_z_sum - z @ weight
        info = (z * weight) @ z.T - (s1 * self._per_group(inv2)) @ s1.T
        if frac is not None:
            d1 = self._per_group(np.take(risk_z, dead_rows, axis=1))
            cross = (s1 * self._per_group(frac * inv2)) @ d1.T
            info += cross + cross.T - (d1 * self._per_group(frac * frac * inv2)) @ d1.T
        return loglik, score, info


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
