"""Stable orderings of float and integer keys by least-significant-digit radix sort, compiled.

A risk set, a timefix chain, a concordance pass, a Kaplan-Meier curve, a PH test and a
cutpoint scan all start by sorting times or scores. numpy's argsort of 10^6 doubles costs
about as much as R's whole C Cox solver (R's ``order`` uses a radix sort); a radix sort on
the doubles' bit patterns is linear in n, and is stable, so orderings by several keys are
built by sorting by the least important key first.

References
----------
Knuth, D. E. (1998). *The Art of Computer Programming*, vol. 3, section 5.2.5 (radix sorting).
Herf, M. (2001). Radix tricks: the order-preserving map from IEEE 754 doubles to unsigned
integers.
"""

from __future__ import annotations

import numba
import numpy as np

_DIGIT_BITS = 8
_PASSES = 8  # 8 x 8 bits cover 64; small buckets stay in cache
_BUCKETS = 1 << _DIGIT_BITS


@numba.njit(cache=True, nogil=True)
def _float_keys(values: np.ndarray, descending: bool) -> np.ndarray:
    """Unsigned keys whose integer order is the order of the doubles (ascending or not)."""
    bits = values.view(np.uint64)
    out = np.empty(values.size, dtype=np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for i in range(values.size):
        if values[i] == 0.0:
            b = sign  # +0.0 and -0.0 compare equal, so they must share a key
        elif bits[i] & sign:
            b = ~bits[i]
        else:
            b = bits[i] | sign
        out[i] = ~b if descending else b
    return out


@numba.njit(cache=True, nogil=True)
def _radix_sort_by(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``order`` stably rearranged so that ``keys[order]`` is ascending."""
    n = order.size
    k = np.empty(n, dtype=np.uint64)
    idx = order.copy()
    for i in range(n):
        k[i] = keys[idx[i]]
    return _radix_sort_owned(k, idx)


@numba.njit(cache=True, nogil=True)
def _radix_sort_identity(keys: np.ndarray) -> np.ndarray:
    """The stable ordering that sorts ``keys``, which it reorders in place (the caller's
    own array: no gathered copy is made)."""
    return _radix_sort_owned(keys, np.arange(keys.size))


@numba.njit(cache=True, nogil=True)
def _radix_sort_owned(k: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sorts the keys ``k`` and carries ``idx`` along, both arrays the caller gives up."""
    n = idx.size
    hist = np.zeros((_PASSES, _BUCKETS), dtype=np.int64)
    mask = np.uint64(_BUCKETS - 1)
    for i in range(n):
        v = k[i]
        for d in range(_PASSES):
            hist[d, (v >> np.uint64(d * _DIGIT_BITS)) & mask] += 1
    k2 = np.empty_like(k)
    idx2 = np.empty_like(idx)
    for d in range(_PASSES):
        counts = hist[d]
        if counts.max() == n:
            continue  # every key has the same digit here: the pass would change nothing
        start = np.empty(_BUCKETS, dtype=np.int64)
        total = 0
        for b in range(_BUCKETS):
            start[b] = total
            total += counts[b]
        shift = np.uint64(d * _DIGIT_BITS)
        for i in range(n):
            b = (k[i] >> shift) & mask
            j = start[b]
            start[b] = j + 1
            k2[j] = k[i]
            idx2[j] = idx[i]
        k, k2 = k2, k
        idx, idx2 = idx2, idx
    return idx


def float_order(values: np.ndarray, *, descending: bool = False, then=None) -> np.ndarray:
    """Stable ordering of float values (``then``: an ordering to refine, by default 0..n-1).

    With ``then`` given, the result sorts by ``values`` and keeps the order of ``then`` among
    equal values, as a stable sort of ``then`` would.
    """
    keys = _float_keys(np.ascontiguousarray(values, dtype=np.float64), descending)
    if then is None:
        return _radix_sort_identity(keys)
    return _radix_sort_by(keys, np.ascontiguousarray(then, dtype=np.int64))


@numba.njit(cache=True, nogil=True)
def _counting_order(codes: np.ndarray, then: np.ndarray, levels: int) -> np.ndarray:
    """``then`` stably sorted by codes in 0..levels-1: one pass to count, one to place."""
    start = np.zeros(levels + 1, dtype=np.int64)
    for i in range(codes.size):
        start[codes[i] + 1] += 1
    for c in range(levels):
        start[c + 1] += start[c]
    out = np.empty(then.size, dtype=np.int64)
    for i in range(then.size):
        c = codes[then[i]]
        out[start[c]] = then[i]
        start[c] += 1
    return out


def code_order(codes: np.ndarray, then: np.ndarray) -> np.ndarray:
    """``then`` stably sorted by non-negative integer codes (strata, event indicators): a
    counting sort (one array of n) where the codes span at most n values, else the radix
    sort."""
    values = np.ascontiguousarray(codes)
    order = np.ascontiguousarray(then, dtype=np.int64)
    small = values.size and int(values.min()) >= 0 and int(values.max()) < max(values.size, 2)
    if values.dtype.kind in "iub" and small:
        return _counting_order(values.astype(np.int64, copy=False), order, int(values.max()) + 1)
    return _radix_sort_by(values.astype(np.uint64), order)
