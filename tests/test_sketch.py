"""The duration sketch against numpy's exact quantiles, and its merge by addition."""

from __future__ import annotations

import functools
import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.kernels.sketch import (
    ALPHA,
    GAMMA,
    N_BUCKETS,
    SKETCH_WIDTH,
    ZERO_COLUMN,
    bucket_column,
    column_value,
    empty_sketches,
    sketch_add,
    sketch_quantiles,
)
from engine.kernels.stats import quantile_position

QS = [0.0, 0.5, 0.9, 1.0]
#: Float64 rounding allowed on top of ALPHA, relative.
EPS = 1e-12
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

SECOND = 10**9
DAY = 86_400 * SECOND
YEAR = 365 * DAY
MAGNITUDES = st.sampled_from(
    [
        st.just(0),
        st.integers(1, 1_000),  # nanoseconds
        st.integers(SECOND // 2, 100 * SECOND),  # seconds
        st.integers(DAY // 2, 30 * DAY),  # days
        st.integers(YEAR, 200 * YEAR),  # years
        st.integers(2**61, INT64_MAX),  # extremes
    ]
)


@st.composite
def durations(draw):
    """An int64 duration of a random magnitude, now and then negative."""
    m = draw(draw(MAGNITUDES))
    return -m if draw(st.integers(0, 9)) == 0 else m


def sketch(groups: list[list[int]]) -> np.ndarray:
    """The sketches of the groups (one list of ns values per group)."""
    ids = np.repeat(np.arange(len(groups)), [len(g) for g in groups]).astype(np.int64)
    values = np.array([v for g in groups for v in g], dtype=np.int64)
    out = empty_sketches(len(groups))
    sketch_add(out, ids, values)
    return out


def neighbours(values: list[int], q: float) -> tuple[float, float]:
    """The two order statistics (seconds) numpy's linear quantile interpolates."""
    x = np.sort(np.array(values, dtype=np.int64)) / 1e9
    lo, hi, _ = quantile_position(len(x), q)
    return x[lo], x[hi]


def check(groups: list[list[int]], q: float) -> float:
    """Assert the module's guarantee for every group; the largest relative error seen
    among groups whose neighbours do not have opposite signs."""
    got = sketch_quantiles(sketch(groups), q)
    worst = 0.0
    for g, values in enumerate(groups):
        if not values:
            assert np.isnan(got[g])
            continue
        exact = np.quantile(np.array(values, dtype=np.int64) / 1e9, q)
        a, b = neighbours(values, q)
        err = abs(got[g] - exact)
        if a * b >= 0:
            if exact == 0:
                assert got[g] == 0.0
            else:
                assert err <= (ALPHA + EPS) * abs(exact), (values, q, got[g], exact)
                worst = max(worst, err / abs(exact))
        else:
            assert err <= (ALPHA + EPS) * max(abs(a), abs(b)), (values, q, got[g], exact)
    return worst


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(durations(), min_size=0, max_size=40), min_size=1, max_size=5),
    st.sampled_from(QS),
)
def test_quantiles_within_alpha_of_numpy(groups, q):
    check(groups, q)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(INT64_MIN, INT64_MAX), min_size=1, max_size=30))
def test_any_int64_rank_value_within_alpha(values):
    """q = 0 and q = 1 pick one order statistic each: the minimum and the maximum."""
    for q in (0.0, 1.0):
        check([values], q)


def test_bucket_bounds_exhaustively():
    """Integers on both sides of every bucket bound gamma**i land within ALPHA of their
    column's value, and columns never decrease as the value grows."""
    bounds = GAMMA ** np.arange(N_BUCKETS)
    ints = np.unique(
        np.concatenate([np.floor(bounds), np.ceil(bounds), np.floor(bounds) + 1])
        .clip(1, 2.0**62)
        .astype(np.int64)
    )
    ints = np.concatenate([ints, [2**62 + 1, INT64_MAX - 1, INT64_MAX]])
    worst = 0.0
    previous = ZERO_COLUMN
    for v in ints:
        c = bucket_column(v)
        assert previous <= c < SKETCH_WIDTH
        previous = c
        rel = abs(column_value(c) - float(v)) / float(v)
        worst = max(worst, rel)
        assert bucket_column(-v) == 2 * ZERO_COLUMN - c
        assert column_value(2 * ZERO_COLUMN - c) == -column_value(c)
    assert worst <= ALPHA + EPS
    assert worst > 0.99 * ALPHA  # the bound is tight: the buckets are as wide as allowed
    assert bucket_column(0) == ZERO_COLUMN
    assert bucket_column(INT64_MIN) == 0
    assert bucket_column(INT64_MAX) == SKETCH_WIDTH - 1


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), durations()), min_size=0, max_size=60),
    st.lists(st.integers(0, 60), max_size=8),
    st.randoms(use_true_random=False),
)
def test_merge_by_addition_is_exact(pairs, cuts, rnd):
    """Sketches of any split of the values, added in a tree or in any order, equal the
    sketch of all values at once; shuffling the values changes nothing."""
    ids = np.array([p[0] for p in pairs], dtype=np.int64)
    values = np.array([p[1] for p in pairs], dtype=np.int64)
    whole = empty_sketches(4)
    sketch_add(whole, ids, values)
    assert whole.sum() == len(pairs)

    bounds = [0, *sorted(min(c, len(pairs)) for c in cuts), len(pairs)]
    pieces = []
    for lo, hi in itertools.pairwise(bounds):
        part = empty_sketches(4)
        sketch_add(part, ids[lo:hi], values[lo:hi])
        pieces.append(part)

    def tree(parts):
        if len(parts) == 1:
            return parts[0]
        half = len(parts) // 2
        return tree(parts[:half]) + tree(parts[half:])

    np.testing.assert_array_equal(tree(pieces), whole)
    rnd.shuffle(pieces)
    np.testing.assert_array_equal(functools.reduce(np.add, pieces), whole)
    np.testing.assert_array_equal(np.sum(np.stack(pieces), axis=0), whole)

    order = list(range(len(pairs)))
    rnd.shuffle(order)
    shuffled = empty_sketches(4)
    sketch_add(shuffled, ids[order], values[order])
    np.testing.assert_array_equal(shuffled, whole)
    for q in QS:
        np.testing.assert_array_equal(sketch_quantiles(shuffled, q), sketch_quantiles(whole, q))


def test_empty_group_is_nan():
    got = sketch_quantiles(sketch([[], [5 * SECOND], []]), 0.5)
    assert np.isnan(got[0]) and np.isnan(got[2])
    assert abs(got[1] - 5.0) <= ALPHA * 5.0


def test_one_value():
    for v in [0, 1, -1, 7, SECOND, -3 * DAY, 40 * YEAR]:
        for q in QS:
            check([[v]], q)
    assert sketch_quantiles(sketch([[0]]), 0.5)[0] == 0.0


def test_all_equal_values_give_one_value_for_every_q():
    for v in [0, 1, 123_456_789, -5 * DAY, 2**62]:
        s = sketch([[v] * 17])
        results = {float(sketch_quantiles(s, q)[0]) for q in [0.0, 0.1, 0.5, 0.9, 1.0]}
        assert len(results) == 1
        check([[v] * 17], 0.5)


def test_zeros_are_exact():
    groups = [[0, 0, 0], [0, 0, 5 * SECOND], [-SECOND, 0, 0], [0] * 9 + [DAY]]
    for q in QS:
        check(groups, q)
    medians = sketch_quantiles(sketch(groups), 0.5)
    assert medians[0] == 0.0 and medians[1] == 0.0 and medians[2] == 0.0
    assert medians[3] == 0.0


def test_negative_values():
    groups = [
        [-1, -2, -3],
        [-SECOND, -DAY, -YEAR, -10],
        [-DAY, 3 * SECOND],  # opposite signs: absolute error bound
        [-(2**62), -(2**62) + 1, INT64_MIN],
    ]
    for q in [*QS, 0.25, 0.75]:
        check(groups, q)
    got = sketch_quantiles(sketch(groups), 0.0)
    assert got[1] < 0 and abs(got[1] + YEAR / 1e9) <= ALPHA * YEAR / 1e9


def test_int64_extremes():
    groups = [
        [2**62, 2**62 - 1, 2**62 + 1],
        [INT64_MAX, INT64_MAX - 1, 2**62],
        [INT64_MIN, INT64_MAX],
        [1, INT64_MAX],
        [0, INT64_MIN, 1, 2**62],
    ]
    for q in [*QS, 0.3, 0.7]:
        check(groups, q)
    top = sketch_quantiles(sketch([[INT64_MAX]]), 1.0)[0]
    assert abs(top - INT64_MAX / 1e9) <= ALPHA * INT64_MAX / 1e9


def test_width():
    assert N_BUCKETS == 4368
    assert SKETCH_WIDTH == 2 * N_BUCKETS + 1 == 8737
    assert GAMMA ** (N_BUCKETS - 1) >= 2.0**63
