"""Mergeable quantile sketches of int64 nanosecond durations (DDSketch-style), for
per-group duration quantiles where the values cannot all be held and sorted in one place
(e.g. per partition of a distributed log, merged afterwards).

Layout: one int64 row of SKETCH_WIDTH counts per group, ``(n_groups, SKETCH_WIDTH)``.
A magnitude ``m = |v| >= 1`` falls in bucket ``i = ceil(log_gamma(m))``, that is
``gamma**(i - 1) < m <= gamma**i``, with ``gamma = (1 + ALPHA) / (1 - ALPHA)``;
buckets 0 .. N_BUCKETS - 1 cover every int64 magnitude (1 ns up to 2**63 ns). The
columns run in increasing value order: negative buckets from the largest magnitude
down, then ZERO_COLUMN (counts exact zeros), then positive buckets upwards. The layout is
fixed, so sketches of the same groups merge by plain elementwise addition: ``a + b``,
or ``np.sum(stack, axis=0)`` for a tree reduction. Counts are integers, so merging is
exact, associative and commutative: any split of the values, summed in any order,
gives the very array that sketching them all at once gives, whatever their order.

Quantiles follow numpy's default (linear) method, as engine.kernels.stats does: the
same virtual index gives ranks lo and hi and weight g (`quantile_position`), and the
result is `interpolate`(value of rank lo, value of rank hi, g). A rank's value is its
bucket's representative ``sign * 2 * gamma**i / (gamma + 1)`` (0 for the zero column).

Guarantee (up to float64 rounding, relative 1e-12 at most): with x_k the exact k-th
smallest value (in seconds) and r_k the sketch's value of rank k,
``|r_k - x_k| <= ALPHA * |x_k|``, and r_k has the sign of x_k (r_k = 0 iff x_k = 0).
Hence, with exact = numpy.quantile(values / 1e9, q), a = x_lo and b = x_hi:

* if a and b do not have opposite signs (a * b >= 0), the sketch's quantile is within
  relative error ALPHA (0.5 %) of exact, and exactly 0 when exact is 0;
* otherwise (a < 0 < b) its absolute error is at most ALPHA * max(|a|, |b|).
"""

from __future__ import annotations

import math

import numpy as np

from ._jit import jit
from .stats import interpolate, quantile_position

#: Relative accuracy of each rank's value.
ALPHA = 0.005
#: Ratio of consecutive bucket bounds.
GAMMA = (1.0 + ALPHA) / (1.0 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
#: Buckets per sign: indices 0 .. ceil(log_gamma(2**63)) (4368 for ALPHA = 0.005).
N_BUCKETS = math.ceil(math.log(2.0**63) / _LOG_GAMMA) + 1
#: The column counting exact zeros; negatives lie left of it, positives right.
ZERO_COLUMN = N_BUCKETS
#: Columns of one group's sketch (8737 for ALPHA = 0.005).
SKETCH_WIDTH = 2 * N_BUCKETS + 1

_NS_PER_S_F = 1e9


def empty_sketches(n_groups: int) -> np.ndarray:
    """Sketches of n_groups empty groups, ready for `sketch_add`."""
    return np.zeros((n_groups, SKETCH_WIDTH), np.int64)


@jit
def bucket_column(v):
    """The column that counts int64 v: the sign picks the side, ceil(log_gamma(|v|)) the
    distance from ZERO_COLUMN. |v| is taken in float64, so -2**63 cannot overflow."""
    if v == 0:
        return ZERO_COLUMN
    m = np.float64(v)
    if m < 0.0:
        m = -m
    i = np.int64(np.ceil(np.log(m) / _LOG_GAMMA))
    i = min(max(i, 0), N_BUCKETS - 1)
    if v > 0:
        return ZERO_COLUMN + 1 + i
    return ZERO_COLUMN - 1 - i


@jit
def column_value(c):
    """The representative value (ns, float64) of column c: 2 * gamma**i / (gamma + 1)
    with its sign, within ALPHA of every magnitude in (gamma**(i-1), gamma**i]."""
    if c == ZERO_COLUMN:
        return 0.0
    if c > ZERO_COLUMN:
        return 2.0 * GAMMA ** (c - ZERO_COLUMN - 1) / (GAMMA + 1.0)
    return -2.0 * GAMMA ** (ZERO_COLUMN - 1 - c) / (GAMMA + 1.0)


@jit
def column_values(columns):
    """`column_value` of each column."""
    out = np.empty(columns.shape[0], np.float64)
    for k in range(columns.shape[0]):
        out[k] = column_value(columns[k])
    return out


@jit
def sketch_add(sketches, group_ids, values):
    """Count values[k] (int64 ns) into the sketch of group group_ids[k], in place.
    Serial: two values of one group may land in the same cell."""
    for k in range(values.shape[0]):
        sketches[group_ids[k], bucket_column(values[k])] += 1


@jit
def sketch_quantiles(sketches, q):
    """Per group, the q-quantile (0 <= q <= 1) in seconds as numpy's linear method
    defines it, from the sketched values (see the module's guarantee); NaN if empty."""
    n_groups = sketches.shape[0]
    width = sketches.shape[1]
    out = np.full(n_groups, np.nan)
    for g in range(n_groups):
        n = np.int64(0)
        for c in range(width):
            n += sketches[g, c]
        if n == 0:
            continue
        lo, hi, weight = quantile_position(n, q)
        # Columns are in value order: rank k lies in the first column whose running
        # count exceeds k.
        cum = np.int64(0)
        c = 0
        while cum + sketches[g, c] <= lo:
            cum += sketches[g, c]
            c += 1
        c_lo = c
        while cum + sketches[g, c] <= hi:
            cum += sketches[g, c]
            c += 1
        a = column_value(c_lo) / _NS_PER_S_F
        b = column_value(c) / _NS_PER_S_F
        out[g] = interpolate(a, b, weight)
    return out


# -- sparse sketches: only the cells that count something ---------------------------------
# A group's dense row is mostly zeros; partial results keep the cells in use as sorted
# int64 entries ``group * SKETCH_WIDTH + column`` with their counts. Merging is then a
# union of entries with counts added (`merge_entries`), still exact and order-free.


@jit
def grouped_entries(values, offsets):
    """The entry of every value of CSR groups (values[offsets[g]:offsets[g+1]] belong to
    group g), for counting with np.unique."""
    out = np.empty(values.shape[0], np.int64)
    for g in range(offsets.shape[0] - 1):
        base = np.int64(g) * SKETCH_WIDTH
        for i in range(offsets[g], offsets[g + 1]):
            out[i] = base + bucket_column(values[i])
    return out


def count_entries(entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct entries and how many times each occurs."""
    keys, counts = np.unique(entries, return_counts=True)
    return keys, counts.astype(np.int64)


def merge_entries(
    keys: list[np.ndarray], counts: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The union of several sparse sketches (sorted entries, counts), counts added."""
    merged, where = np.unique(np.concatenate(keys), return_inverse=True)
    total = np.bincount(where, weights=np.concatenate(counts), minlength=len(merged))
    return merged, np.rint(total).astype(np.int64)


@jit
def group_span(keys, counts, start):
    """(end, values) of the group of sparse entries that begins at index `start`."""
    g = keys[start] // SKETCH_WIDTH
    end = start
    n = np.int64(0)
    while end < keys.shape[0] and keys[end] // SKETCH_WIDTH == g:
        n += counts[end]
        end += 1
    return end, n


@jit
def entry_of_rank(counts, start, rank):
    """(index, values before it) of the entry that holds the 0-based `rank` of the group
    beginning at index `start`."""
    cum = np.int64(0)
    k = start
    while cum + counts[k] <= rank:
        cum += counts[k]
        k += 1
    return k, cum


@jit
def entry_quantiles(keys, counts, n_groups, q):
    """`sketch_quantiles` of sparse sketches: sorted entries and their counts."""
    out = np.full(n_groups, np.nan)
    start = 0
    while start < keys.shape[0]:
        end, n = group_span(keys, counts, start)
        lo, hi, weight = quantile_position(n, q)
        k_lo, _ = entry_of_rank(counts, start, lo)
        k_hi, _ = entry_of_rank(counts, start, hi)
        a = column_value(keys[k_lo] % SKETCH_WIDTH) / _NS_PER_S_F
        b = column_value(keys[k_hi] % SKETCH_WIDTH) / _NS_PER_S_F
        out[keys[start] // SKETCH_WIDTH] = interpolate(a, b, weight)
        start = end
    return out
