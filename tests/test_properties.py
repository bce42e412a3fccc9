"""Property tests: on random logs, every figure equals the pandas reference.

Logs are drawn with timestamp ties, single-event cases, one-activity alphabets, several
case-id types and arbitrary row order.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from tests import reference
from tests.helpers import assert_all_match, assert_dfg_matches
from tests.strategies import random_logs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs())
def test_every_figure_matches_reference(df):
    log = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    canon = reference.canonical_frame(df, "case", "activity", "ts")
    assert_all_match(log, canon)


@settings(max_examples=60, deadline=None)
@given(random_logs(), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_nothing_but_tie_order(df, rnd):
    """With distinct timestamps inside each case, row order cannot matter at all."""
    df = df.assign(ts=df["ts"] + pd.to_timedelta(np.arange(len(df)), unit="s"))
    shuffled = df.sample(frac=1.0, random_state=rnd.randint(0, 2**31 - 1))
    a = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    b = engine.read_log(shuffled, case="case", activity="activity", timestamp="ts")
    pd.testing.assert_frame_equal(a.dfg(), b.dfg())
    pd.testing.assert_frame_equal(a.variants(), b.variants())
    pd.testing.assert_frame_equal(a.activities(), b.activities())
    pd.testing.assert_frame_equal(a.cases(), b.cases())


@settings(max_examples=60, deadline=None)
@given(random_logs(max_cases=6, max_events=5))
def test_start_timestamps_give_waiting_times(df):
    """With a start column, an edge lasts from the end of one event to the start of the next."""
    df = df.assign(start=df["ts"] - pd.to_timedelta(np.arange(len(df)) % 3, unit="min"))
    log = engine.read_log(
        df, case="case", activity="activity", timestamp="ts", start_timestamp="start"
    )
    canon = reference.canonical_frame(df, "case", "activity", "ts", start="start")
    from tests.helpers import assert_dfg_matches

    assert_dfg_matches(log, canon)


#: Limits that send a log down each of the DFG's routes (see analysis.dfg.compute_edges).
EDGE_ROUTES = {
    "histograms per edge": {},
    "histograms per edge, one run for lack of memory": {"HISTOGRAMS_LIMIT": 0},
    "durations grouped in a dense table": {"HISTOGRAM_LIMIT": 0},
    "keys of huge alphabets through np.unique": {"HISTOGRAM_LIMIT": 0, "DENSE_LIMIT": 0},
}


@pytest.mark.parametrize("route", EDGE_ROUTES)
@settings(max_examples=60, deadline=None)
@given(df=random_logs(), with_start=st.booleans())
def test_every_edge_route_matches_the_reference(route, df, with_start):
    """Small alphabets histogram each edge's durations, larger ones group them all, huge
    ones find their keys through np.unique: each must give the reference's figures, also
    for waiting times that start timestamps make negative."""
    from engine.analysis import dfg

    start = {}
    if with_start:
        df = df.assign(start=df["ts"] + pd.to_timedelta(np.arange(len(df)) % 5 - 2, unit="h"))
        start = {"start_timestamp": "start"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in EDGE_ROUTES[route].items():
            patch.setattr(dfg, name, value)
        log = engine.read_log(df, case="case", activity="activity", timestamp="ts", **start)
        canon = reference.canonical_frame(
            df, "case", "activity", "ts", start="start" if with_start else None
        )
        assert_dfg_matches(log, canon)


def test_histogram_memory_bounds_the_runs(monkeypatch):
    """All threads' histograms stay within HISTOGRAMS_LIMIT: past it, fewer runs."""
    from engine.analysis import dfg
    from engine.kernels.edgestats import N_BUCKETS

    blocks, runs = dfg.edge_blocks(100_000, 20)
    assert runs[0] == 0 and runs[-1] == len(blocks) - 1 and blocks[-1] == 100_000
    monkeypatch.setattr(dfg, "HISTOGRAMS_LIMIT", 400 * N_BUCKETS)  # one run's worth
    blocks, runs = dfg.edge_blocks(100_000, 20)
    assert runs.tolist() == [0, len(blocks) - 1]


INT64 = st.integers(-(2**63), 2**63 - 1)


@settings(deadline=None)  # the first call loads the kernel: 58 s once on a stalled VM
@given(st.lists(INT64, min_size=2, max_size=50))
def test_duration_buckets_keep_the_order_of_any_int64(values):
    from engine.kernels.edgestats import N_BUCKETS, signed_bucket

    values.sort()
    buckets = [signed_bucket(np.int64(v)) for v in values]
    assert buckets == sorted(buckets)
    assert buckets[0] >= 0 and buckets[-1] < N_BUCKETS


@settings(max_examples=100, deadline=None)
@given(
    durations=st.lists(
        st.one_of(INT64.map(lambda v: v // 64), st.integers(-5, 5)), min_size=1, max_size=300
    ),
    runs=st.integers(1, 4),
)
def test_edge_statistics_of_extreme_durations_match_numpy(durations, runs):
    """One edge (a, b) repeated, its durations anywhere in int64 (a 64th of the range, so
    that the pairs' timestamps fit): the sum is exact, the order statistics too."""
    from fractions import Fraction

    from engine.kernels import stats
    from engine.kernels.edgestats import edge_stats
    from engine.kernels.grouping import case_chunks

    n = len(durations)
    act = np.tile(np.array([0, 1], np.int8), n)  # every case: a, then b
    ts = np.zeros(2 * n, np.int64)
    ts[1::2] = durations  # a at 0, b at its duration (the kernel only takes differences)
    offsets = np.arange(0, 2 * n + 1, 2, dtype=np.int64)
    n_blocks = min(n, 7)
    keys, frequency, cases, got = edge_stats(
        act,
        offsets,
        ts,
        ts,
        2,
        case_chunks(n, n_blocks),
        case_chunks(n_blocks, min(runs, n_blocks)),
    )
    assert keys.tolist() == [1] and frequency.tolist() == [n] and cases.tolist() == [n]
    seconds = np.array(durations, dtype=np.float64) / 1e9
    exact_sum = Fraction(sum(durations), 10**9)
    assert got[stats.SUM, 0] == pytest.approx(float(exact_sum), rel=1e-15)
    assert got[stats.MEAN, 0] == pytest.approx(float(exact_sum / n), rel=1e-15)
    ns = np.sort(np.array(durations, dtype=np.int64))
    assert got[stats.MIN, 0] == ns[0] / 1e9 and got[stats.MAX, 0] == ns[-1] / 1e9
    assert got[stats.MEDIAN, 0] == np.median(ns / 1e9)
    assert got[stats.P90, 0] == np.quantile(ns / 1e9, 0.9)
    if n > 1:
        assert got[stats.STDEV, 0] == pytest.approx(np.std(seconds, ddof=1), rel=1e-9)


@st.composite
def long_prefix_logs(draw):
    """Cases that share long prefixes and differ late, most of them once each: the
    variant order then rests on codes far past the first word of the sort key."""
    alphabet = [f"a{k:02d}" for k in range(draw(st.integers(1, 40)))]
    prefix = draw(st.lists(st.sampled_from(alphabet), min_size=12, max_size=60))
    rows = []
    for c in range(draw(st.integers(1, 25))):
        cut = draw(st.integers(len(prefix) // 2, len(prefix)))
        tail = draw(st.lists(st.sampled_from(alphabet), min_size=0, max_size=4))
        for i, name in enumerate((prefix[:cut] + tail) or alphabet[:1]):
            rows.append((f"c{c}", name, i))
    df = pd.DataFrame(rows, columns=["case", "activity", "step"])
    df["ts"] = pd.to_datetime(df["step"] * 60, unit="s")
    return df.iloc[draw(st.permutations(range(len(df))))].reset_index(drop=True)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(long_prefix_logs())
def test_variant_order_of_long_shared_prefixes_matches_reference(df):
    log = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    expected = reference.variants(reference.canonical_frame(df, "case", "activity", "ts"))
    got = log.variants()
    assert [tuple(v) for v in got["variant"]] == list(expected["variant"])
    assert got["frequency"].tolist() == expected["frequency"].tolist()


@settings(max_examples=60, deadline=None)
@given(long_prefix_logs(), st.integers(1, 9))
def test_variant_numbering_does_not_depend_on_the_runs(df, runs):
    """assign_variants numbers runs of cases apart: any number of runs, the same ids,
    and each variant's sequence copied out as its first case has it."""
    from engine.kernels.variants import assign_variants, sequence_hashes

    log = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    act, offsets = log.activity, log.case_offsets
    hashes = sequence_hashes(act, offsets)
    ids = np.empty(0, np.int32)
    one_run = assign_variants(act, offsets, hashes, ids, 1)
    variant, first, sequence_offsets, codes = assign_variants(act, offsets, hashes, ids, runs)
    for got, expected in zip((variant, first, sequence_offsets, codes), one_run, strict=True):
        np.testing.assert_array_equal(got, expected)
    for v, case in enumerate(first):
        sequence = codes[sequence_offsets[v] : sequence_offsets[v + 1]]
        np.testing.assert_array_equal(sequence, act[offsets[case] : offsets[case + 1]])
    # ids in order of first appearance, each variant's first case its representative
    assert np.array_equal(np.unique(variant, return_index=True)[1], first)


@st.composite
def coded_cases(draw):
    """Activity codes of cases drawn from a few sequences, so that variants repeat: short
    and long ones, codes past 254 (which cannot be packed into a key) included."""
    n_codes = draw(st.sampled_from([1, 3, 20, 127, 300]))
    code = (
        st.integers(max(0, n_codes - 60), n_codes - 1)
        if n_codes > 127
        else st.integers(0, n_codes - 1)
    )
    pool = draw(st.lists(st.lists(code, min_size=1, max_size=10), min_size=1, max_size=8))
    picks = draw(st.lists(st.integers(0, len(pool) - 1), min_size=1, max_size=60))
    return [pool[p] for p in picks], np.int8 if n_codes <= 127 else np.int16


@settings(max_examples=200, deadline=None)
@given(coded_cases(), st.integers(1, 9), st.sampled_from(["real", "colliding", "zero"]))
def test_variant_keys_group_cases_exactly(cases, runs, keys):
    """Short sequences are keyed by their codes, packed; the rest by a hash whose matches
    are checked. With every hashed key made to collide (or every key zero, so nothing
    looks packed), the variants are still exactly the distinct sequences, numbered in
    order of first appearance whatever the number of runs."""
    from engine.kernels.variants import EXACT_KEY, assign_variants, sequence_hashes

    sequences, dtype = cases
    act = np.concatenate([np.array(s, dtype) for s in sequences])
    offsets = np.concatenate([[0], np.cumsum([len(s) for s in sequences])]).astype(np.int64)
    hashes = sequence_hashes(act, offsets)
    packed = np.array([len(s) <= 7 and max(s) < 255 for s in sequences])
    np.testing.assert_array_equal(hashes >= EXACT_KEY, packed)
    exact = {}
    for s, key, is_packed in zip(sequences, hashes, packed, strict=True):
        if is_packed:
            assert exact.setdefault(int(key), tuple(s)) == tuple(s)  # one key, one sequence
    if keys == "colliding":
        hashes = np.where(packed, hashes, np.uint64(12345))
    elif keys == "zero":
        hashes = np.zeros_like(hashes)
    variant, first, sequence_offsets, codes = assign_variants(
        act, offsets, hashes, np.empty(0, np.int32), runs
    )
    ids: dict[tuple, int] = {}
    expected = [ids.setdefault(tuple(s), len(ids)) for s in sequences]
    assert variant.tolist() == expected
    assert first.tolist() == [expected.index(v) for v in range(len(ids))]
    stored = [tuple(codes[a:b]) for a, b in itertools.pairwise(sequence_offsets)]
    assert stored == list(ids)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 300), min_size=1, max_size=12),
    st.integers(-(2**62), 2**62),
    st.randoms(use_true_random=False),
)
def test_placed_medians_are_numpys(sizes, spread, rnd):
    """place_medians only partitions long groups (past SMALL_SEGMENT values), odd and
    even, ties included: the medians read from them are numpy's, bit for bit."""
    from engine.kernels.stats import segment_medians
    from engine.sorting import place_medians

    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    ties = [0, 1, spread]
    values = np.array(
        [
            rnd.choice(ties) if rnd.random() < 0.2 else rnd.randint(-(2**62), 2**62)
            for _ in range(offsets[-1])
        ],
        dtype=np.int64,
    )
    groups = [values[a:b].copy() for a, b in itertools.pairwise(offsets)]
    place_medians(values, offsets)
    got = segment_medians(values, offsets)
    for g, group in enumerate(groups):
        if len(group) == 0:
            assert np.isnan(got[g])
        else:
            assert got[g] == np.median(group / 1e9)
        assert sorted(values[offsets[g] : offsets[g + 1]]) == sorted(group)


@pytest.mark.parametrize("seed", [0, 1])
def test_merging_many_run_variants_finds_each_first(seed):
    """The merge of the runs' variants splits them into parts with tables of their own,
    reused from part to part: with 40,000 items (32 parts, 8 tables), half of the
    hashed keys forced equal, each item still maps to the first item of its sequence."""
    from engine.kernels.variants import EXACT_KEY, _first_items, sequence_hashes

    rng = np.random.default_rng(seed)
    pool = [rng.integers(0, 300, rng.integers(1, 12)) for _ in range(5000)]
    sequences = [pool[p] for p in rng.integers(0, len(pool), 40_000)]
    codes = np.concatenate(sequences).astype(np.int16)
    at = np.concatenate([[0], np.cumsum([len(s) for s in sequences])]).astype(np.int64)
    keys = sequence_hashes(codes, at)
    hashed = keys < EXACT_KEY
    # A key belongs to its sequence, so the forcing is decided per distinct sequence.
    forced = {tuple(s): rng.random() < 0.5 for s in sequences}
    keys[hashed & np.array([forced[tuple(s)] for s in sequences])] = np.uint64(7)
    assert hashed.any() and (~hashed).any()
    first_of: dict[tuple, int] = {}
    expected = [first_of.setdefault(tuple(s), i) for i, s in enumerate(sequences)]
    assert _first_items(keys, codes, at).tolist() == expected


_WORDS = st.lists(
    st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([0, 7, 2**63, 2**64 - 1])),
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(_WORDS, st.integers(0, 2**64 - 1))
def test_partitioned_words_fall_either_side_of_the_pivot(values, pivot):
    """partition_words keeps every word and puts exactly those below the pivot first."""
    from engine.kernels.ordering import partition_words

    words = np.array(values, np.uint64)
    below = int(partition_words(words, np.uint64(pivot)))
    assert below == sum(v < pivot for v in values)
    assert all(words[:below] < np.uint64(pivot))
    assert all(words[below:] >= np.uint64(pivot))
    assert sorted(words.tolist()) == sorted(values)


@settings(max_examples=200, deadline=None)
@given(_WORDS, st.integers(1, 5))
def test_words_sorted_in_parts_are_sorted_as_numpy_sorts_them(values, parts):
    """Ties, all-equal words and parts that cannot be split included."""
    from engine.sorting import sort_in_parts

    words = np.array(values, np.uint64)
    sort_in_parts(words, parts=parts, parallel_from=0)
    assert np.array_equal(words, np.sort(np.array(values, np.uint64)))


@pytest.mark.parametrize("parts", [2, 3])
def test_long_parts_are_sorted_side_by_side_as_numpy_sorts_them(parts):
    """Parts past a million words go to numpy's sort on separate threads."""
    from engine.sorting import sort_in_parts

    rng = np.random.default_rng(parts)
    words = rng.integers(0, 1 << 40, 3_000_000, dtype=np.uint64) << np.uint64(22)
    words |= np.arange(len(words), dtype=np.uint64)
    expected = np.sort(words)
    sort_in_parts(words, parts=parts, parallel_from=0)
    assert np.array_equal(words, expected)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.booleans()), max_size=200),
    st.sampled_from([np.int8, np.int32, np.int64]),
)
def test_tally_counts_as_numpys_bincount(items, dtype):
    """Journeys and conversions per segment, channel count or variant: both counts in one
    pass are np.bincount's, without and with the flags as weights."""
    from engine.kernels.grouping import tally

    keys = np.array([k for k, _ in items], dtype)
    flags = np.array([f for _, f in items], np.bool_)
    counts, flagged = tally(keys, flags, 10)
    wide = keys.astype(np.int64)
    assert np.array_equal(counts, np.bincount(wide, minlength=10))
    assert np.array_equal(flagged, np.bincount(wide, weights=flags, minlength=10).astype(np.int64))
