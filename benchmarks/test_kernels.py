"""Throughput of the numba kernels (engine/kernels), one benchmark group per module.

One class per module (group `kernels.<module>`). Each kernel gets its input as the engine
prepares it: from the benchmark log built once (`built_log`, in canonical order), or, for
the kernels of reading (ordering, keycodes, hashing, timeunits), from the file's columns
in input order. The untimed preparation mirrors the kernel's call site, which each test's
docstring names. Each kernel runs once before it is timed (`measure`), kernels that change
their input get a fresh copy before each round (not timed), and every result is checked;
up to REFERENCE_EVENTS events (smoke mode) some results are also compared with the
kernel's plain reference from the registry, tests/kernel_references.py.
events/s counts the log's events, also for kernels whose input is per case, per variant
or per edge.

The prepared inputs are class-scoped fixtures: a class's arrays are freed before the next
class starts, which keeps memory bounded at 100M events.

Not timed on their own: helpers that only run inside the kernels timed here
(ordering.sort_by_time and sort_run, hashing.splitmix64 and bytes_equal, grouping.case_chunks and
chunk_cursors, the numba helpers of stats, sketch, variants and edgestats, whose
plan_selection runs once per edge between its two passes); ordering.split_collisions,
which runs only when two case keys' 64-bit hashes collide (never with the synthetic ids);
and sketch's dense sketches (sketch_add, sketch_quantiles), which no engine path uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import engine
from engine.analysis.dfg import edge_blocks
from engine.analysis.variants import Variants, compute_variants, variant_id_type
from engine.datasets.synthetic import KEYS
from engine.figures.context import converting_targets
from engine.figures.satisfaction import SCALES
from engine.journey.columns import category_codes
from engine.journey.distributions import dwell_bin_edges
from engine.journey.poisson import poisson_alias
from engine.kernels import stats as stats_kernels
from engine.kernels.activities import activity_counts, case_durations, grouped_case_durations
from engine.kernels.attribution import block_transition_counts, heuristic_credits
from engine.kernels.channels import channel_switches
from engine.kernels.conversion import (
    conversion_times,
    kaplan_meier,
    kaplan_meier_counted,
    km_keys,
)
from engine.kernels.dfg import edge_aggregate, number_edges, pair_keys
from engine.kernels.edgestats import (
    COUNT,
    edge_counts,
    edge_stats,
    keep_near_ranks,
    plan_selection,
)
from engine.kernels.filters import case_slice, contains_cases, session_starts
from engine.kernels.grouping import (
    chunk_count,
    chunk_cursors,
    group_values,
    relabel,
    run_counts,
    tally,
)
from engine.kernels.hashing import hash_bytes, hash_ints
from engine.kernels.keycodes import (
    MAX_DIGITS,
    MAX_PACKED_BYTES,
    common_prefix_length,
    count_codes,
    decode_bytes,
    decode_digits,
    encode_bytes,
    encode_conforming,
    encode_digits,
    remap_codes,
    suffix_shape,
)
from engine.kernels.lost import (
    bootstrap_profiles,
    chances,
    pair_reach,
    tally_profiles,
)
from engine.kernels.moments import group_moments
from engine.kernels.ordering import (
    VERIFY_BYTES,
    VERIFY_NONE,
    gather,
    order_runs,
    pack,
    partition_words,
    run_offsets,
)
from engine.kernels.profiles import group_profiles, journey_profiles
from engine.kernels.refine import exact_median_p90, rank_entries, values_in_entries
from engine.kernels.satisfaction import score_summary
from engine.kernels.sketch import (
    ALPHA,
    SKETCH_WIDTH,
    ZERO_COLUMN,
    count_entries,
    entry_quantiles,
    grouped_entries,
)
from engine.kernels.stages import (
    MOVE_COUNT,
    STAGE_FURTHEST,
    STAGE_OPEN,
    STAGE_VISITS,
    closed_dwell_counts,
    stage_pass,
    stage_visits,
    visit_moves,
)
from engine.kernels.stats import (
    MAX,
    MEAN,
    MEDIAN,
    MIN,
    P90,
    SMALL_SEGMENT,
    STDEV,
    SUM,
    group_order_stats,
    segment_medians,
    segment_stats,
    sort_small_segments,
)
from engine.kernels.steps import (
    TIED,
    pair_cases,
    pair_counts,
    pair_durations,
    step_outcomes,
    tied_steps,
)
from engine.kernels.text import code_text, names_by_code
from engine.kernels.timeunits import scale_to_ns
from engine.kernels.variants import (
    assign_variants,
    concatenate_sequences,
    refine_ties,
    sequence_hashes,
    sort_keys,
)
from engine.log.case_codes import case_keys, present_keys, utf8_boundary
from engine.log.columns import chunk_slices, string_buffers
from engine.log.order import Events, _counted
from engine.sorting import sort_in_parts, sort_segments
from tests.kernel_references import REFERENCES, assert_same

#: Runs of cases that parallel kernels split their work into: one per thread.
THREADS = numba.get_num_threads()


def group(module: str) -> pytest.MarkDecorator:
    """The benchmark group of a kernel module's tests."""
    return pytest.mark.benchmark(group=f"kernels.{module}")


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Canonical:
    """Facts about the canonical layout the checks use."""

    sizes: np.ndarray  # events per case
    not_last: np.ndarray  # bool per event: a pair starts here
    not_first: np.ndarray  # bool per event: a pair ends here
    same_case: np.ndarray  # bool per event but the last: it and the next share a case


@pytest.fixture(scope="module")
def log(built_log: engine.EventLog) -> engine.EventLog:
    assert built_log.dropped.total == 0  # input rows and events correspond one to one
    return built_log


@pytest.fixture(scope="class")
def layout(log: engine.EventLog) -> Canonical:
    offsets, n = log.case_offsets, log.n_events
    not_last = np.ones(n, bool)
    not_last[offsets[1:] - 1] = False
    not_first = np.ones(n, bool)
    not_first[offsets[:-1]] = False
    return Canonical(np.diff(offsets), not_last, not_first, not_last[:-1].copy())


@dataclass(frozen=True)
class InputRows:
    """The key columns in input (file) order, as build.build_canonical has them."""

    codes: np.ndarray  # uint64 exact case codes (codes.case_keys)
    keep: np.ndarray  # bool, all True
    ts: np.ndarray  # int64 ns
    act: np.ndarray  # activity codes, the log's dtype
    row_bits: int
    row_type: np.ndarray  # empty: int32 rows up to 2**31 events


@pytest.fixture(scope="class")
def case_column(journey_log: Path) -> pa.ChunkedArray:
    """The case ids as the file gives them: text, one chunk per row group."""
    return pq.read_table(journey_log, columns=[KEYS["case"]]).column(0)


@pytest.fixture(scope="class")
def input_rows(log: engine.EventLog, case_column: pa.ChunkedArray) -> InputRows:
    keys = case_keys(case_column)
    assert not keys.hashed
    n, rows = log.n_events, log.source_row
    ts = np.empty(n, np.int64)
    ts[rows] = log.timestamp
    act = np.empty(n, log.activity.dtype)
    act[rows] = log.activity
    row_type = np.empty(0, np.int32 if n <= np.iinfo(np.int32).max else np.int64)
    return InputRows(keys.codes, np.ones(n, bool), ts, act, max(1, (n - 1).bit_length()), row_type)


@dataclass(frozen=True)
class Words:
    packed: np.ndarray  # sorted (code or hash | row) words
    runs: np.ndarray  # offsets of the runs of equal codes


@pytest.fixture(scope="class")
def exact_words(input_rows: InputRows) -> Words:
    r = input_rows
    packed = pack(r.codes, r.keep, r.row_bits, False, np.empty_like(r.codes))
    packed.sort()
    return Words(packed, run_offsets(packed, r.row_bits))


@dataclass(frozen=True)
class KeyBytes:
    """Case ids as one Arrow text buffer (int64 offsets), as keys._text_keys hashes them."""

    offsets: np.ndarray
    data: np.ndarray


@pytest.fixture(scope="class")
def key_bytes(case_column: pa.ChunkedArray) -> KeyBytes:
    column = case_column
    if column.type == pa.string() and column.nbytes >= 2**31:
        column = column.cast(pa.large_string())
    combined = column.combine_chunks()
    offsets, data = string_buffers(combined)
    return KeyBytes(offsets.astype(np.int64, copy=False), data)


@pytest.fixture(scope="class")
def hashed_words(input_rows: InputRows, key_bytes: KeyBytes) -> Words:
    r = input_rows
    hashes = hash_bytes(key_bytes.offsets, key_bytes.data)
    packed = pack(hashes, r.keep, r.row_bits, True, hashes)
    packed.sort()
    return Words(packed, run_offsets(packed, r.row_bits))


@dataclass(frozen=True)
class Edges:
    """The directly-follows edges as analysis.dfg's sparse path computes them."""

    keys: np.ndarray  # edge key of every pair (pair_keys, int32)
    ids: np.ndarray  # dense edge id of every pair (number_edges)
    edge_keys: np.ndarray
    frequency: np.ndarray
    cases: np.ndarray
    durations: np.ndarray  # grouped by edge (CSR `offsets`), in pair order
    sorted_durations: np.ndarray  # the same, sorted within each edge
    offsets: np.ndarray


@pytest.fixture(scope="class")
def edges(log: engine.EventLog) -> Edges:
    n_act = log.n_activities
    keys = pair_keys(log.activity, log.case_offsets, n_act, np.empty(0, np.int32))
    ids = keys.copy()
    edge_keys = number_edges(ids, n_act * n_act)
    frequency, cases, durations, offsets = edge_aggregate(
        ids, log.timestamp, log.timestamp, log.case_offsets, len(edge_keys)
    )
    sorted_durations = durations.copy()
    sort_segments(sorted_durations, offsets)
    return Edges(keys, ids, edge_keys, frequency, cases, durations, sorted_durations, offsets)


@dataclass(frozen=True)
class VariantInputs:
    hashes: np.ndarray
    provisional: np.ndarray  # variant id of each case, in order of first appearance
    representative: np.ndarray
    frequency: np.ndarray
    ids: np.ndarray  # empty, of the variant ids' dtype
    final: Variants  # as the log reports them (reporting order)
    case_durations: np.ndarray  # ns per case
    grouped: np.ndarray  # case durations grouped by (final) variant, unsorted
    group_offsets: np.ndarray


@pytest.fixture(scope="class")
def variants(log: engine.EventLog) -> VariantInputs:
    act, offsets = log.activity, log.case_offsets
    ids = variant_id_type(log.n_cases)
    hashes = sequence_hashes(act, offsets)
    provisional, representative, _, _ = assign_variants(act, offsets, hashes, ids, THREADS)
    frequency = np.bincount(provisional, minlength=len(representative)).astype(np.int64)
    final = compute_variants(log)
    durations = case_durations(log.timestamp, offsets)
    grouped, group_offsets = group_values(
        durations, final.variant_of_case, len(final.representative)
    )
    return VariantInputs(
        hashes=hashes,
        provisional=provisional,
        representative=representative,
        frequency=frequency,
        ids=ids,
        final=final,
        case_durations=durations,
        grouped=grouped,
        group_offsets=group_offsets,
    )


@pytest.fixture(scope="class")
def journey(log: engine.EventLog) -> engine.Journey:
    """The log seen through the default journey model (conversions computed on first use)."""
    return log.journey()


@pytest.fixture(scope="class")
def steps(log: engine.EventLog, journey: engine.Journey) -> tuple[np.ndarray, ...]:
    """(counts, durations, key offsets, reach, per-run counts) of pair_counts and
    pair_durations, as analysis.dfg.pair_step_counts gives them."""
    n_act = log.n_activities
    run_counts, reach = pair_counts(
        log.activity,
        log.case_offsets,
        n_act,
        journey.conversions.at_event,
        np.zeros(n_act, dtype=bool),
        chunk_count(log.n_cases, n_act * n_act),
    )
    durations, key_offsets = pair_durations(
        log.activity, log.case_offsets, log.timestamp, log.timestamp, n_act, run_counts
    )
    return run_counts.sum(axis=0), durations, key_offsets, reach, run_counts


#: Up to this many events, results are also compared with the registry's reference.
REFERENCE_EVENTS = 200_000


def matches_reference(name: str, args: tuple, result: object, events: int) -> bool:
    """Whether `result` of kernel `name` on `args` is its reference's (tests/
    kernel_references.py); skipped (True) on logs too large for the plain references."""
    if events > REFERENCE_EVENTS:
        return True
    entry = REFERENCES[name]
    assert_same(result, entry.reference(*args), entry.rtol)
    return True


def small_groups_sorted(values: np.ndarray, offsets: np.ndarray, limit: int) -> bool:
    """Whether every group of at most `limit` values is in ascending order."""
    sizes = np.diff(offsets)
    group_of = np.repeat(np.arange(len(sizes)), sizes)
    inside = (group_of[1:] == group_of[:-1]) & (sizes[group_of[:-1]] <= limit)
    return bool((np.diff(values)[inside] >= 0).all())


# -- ordering: group events by case, order them by time -----------------------------------


@group("ordering")
class TestOrdering:
    def test_pack(self, measure, log, input_rows: InputRows) -> None:
        """order._sorted: case codes and input rows packed into words."""
        r = input_rows
        out = np.empty_like(r.codes)
        words = measure(pack, r.codes, r.keep, r.row_bits, False, out, events=log.n_events)
        mask = np.uint64((1 << r.row_bits) - 1)
        assert np.array_equal(words & mask, np.arange(log.n_events, dtype=np.uint64))
        assert np.array_equal(words >> np.uint64(r.row_bits), r.codes)

    def test_partition_words(self, measure, log, input_rows: InputRows) -> None:
        """segments.sort_in_parts: the words split around a pivot, each half on a thread
        (fresh unsorted words each round)."""
        r = input_rows
        unsorted = pack(r.codes, r.keep, r.row_bits, False, np.empty_like(r.codes))
        pivot = np.median(unsorted).astype(np.uint64)
        last = {}

        def setup():
            last["words"] = unsorted.copy()
            return (last["words"], pivot), {}

        below = measure(partition_words, setup=setup, events=log.n_events)
        assert below == int((unsorted < pivot).sum())
        assert last["words"][:below].max() < pivot <= last["words"][below:].min()

    def test_sort_in_parts(self, measure, log, input_rows: InputRows, exact_words: Words) -> None:
        """order._sorted: partitioned, then sorted part by part on every core (fresh
        unsorted words each round)."""
        r = input_rows
        unsorted = pack(r.codes, r.keep, r.row_bits, False, np.empty_like(r.codes))
        last = {}

        def setup():
            last["words"] = unsorted.copy()
            return (last["words"],), {}

        measure(sort_in_parts, setup=setup, events=log.n_events)
        assert np.array_equal(last["words"], exact_words.packed)

    def test_run_offsets(self, measure, log, input_rows: InputRows, exact_words: Words) -> None:
        """order._sorted: the runs of equal codes in the sorted words are the cases."""
        runs = measure(run_offsets, exact_words.packed, input_rows.row_bits, events=log.n_events)
        assert np.array_equal(runs, log.case_offsets)

    def test_order_runs(self, measure, log, input_rows: InputRows, exact_words: Words) -> None:
        """order._sorted with exact codes: gather and time-sort each case's events."""
        r, w = input_rows, exact_words
        ts_out = np.empty(log.n_events, np.int64)  # the engine reuses the words' memory
        no_bytes = (np.zeros(1, np.int64), np.zeros(0, np.uint8))
        args = (w.packed, w.runs, r.row_bits, r.ts, VERIFY_NONE)
        args += (*no_bytes, r.row_type, ts_out)
        rows, ts, collided = measure(order_runs, *args, events=log.n_events)
        assert not collided.any()
        assert np.array_equal(rows, log.source_row) and np.array_equal(ts, log.timestamp)

    def test_counting_order(self, measure, log, input_rows: InputRows) -> None:
        """order._counted: the read's ordering of dense exact codes (a histogram per
        thread, a stable scatter of the rows, the timestamps gathered, each case sorted
        by time), end to end; the packed-word sort above is the path for other codes."""
        r = input_rows
        n_codes = int(r.codes.max()) + 1

        def setup():
            return (Events(r.codes.copy(), r.keep, r.ts), n_codes), {}  # ts go over the codes

        ordered = measure(_counted, setup=setup, events=log.n_events)
        assert np.array_equal(ordered.rows, log.source_row)
        assert np.array_equal(ordered.timestamp, log.timestamp)
        assert np.array_equal(ordered.offsets, log.case_offsets)

    def test_order_runs_hashed_keys(
        self, measure, log, input_rows: InputRows, key_bytes: KeyBytes, hashed_words: Words, layout
    ) -> None:
        """order._sorted with hashed keys (free-form text ids): equal hashes are
        confirmed on the key bytes while each case is gathered and time-sorted."""
        r, w = input_rows, hashed_words
        ts_out = np.empty(log.n_events, np.int64)
        args = (w.packed, w.runs, r.row_bits, r.ts, VERIFY_BYTES)
        args += (key_bytes.offsets, key_bytes.data, r.row_type, ts_out)
        rows, ts, collided = measure(order_runs, *args, events=log.n_events)
        assert not collided.any() and len(w.runs) - 1 == log.n_cases
        run_of = np.repeat(np.arange(len(w.runs) - 1), np.diff(w.runs))
        same_run = run_of[1:] == run_of[:-1]
        codes = r.codes[rows]  # the exact codes tell the cases apart
        assert np.array_equal(same_run, codes[1:] == codes[:-1])
        assert (np.diff(ts)[same_run] >= 0).all()

    def test_gather(self, measure, log, input_rows: InputRows) -> None:
        """build.build_canonical: a column in input order (start timestamps) to canonical order."""
        out = measure(gather, input_rows.ts, log.source_row, events=log.n_events)
        assert np.array_equal(out, log.timestamp)

    def test_gather_activities(self, measure, log, input_rows: InputRows) -> None:
        """build.build_canonical: activity codes to canonical order, once the rows are final."""
        out = measure(gather, input_rows.act, log.source_row, events=log.n_events)
        assert np.array_equal(out, log.activity)


# -- keycodes: exact codes for text case ids, activity codes ------------------------------


@dataclass(frozen=True)
class TextChunks:
    """keys._text_keys' view of a text column: (start, end, offsets, data, valid) per chunk."""

    chunks: list
    reference: np.ndarray  # the first key's bytes
    width: int  # length of every key (the synthetic ids all have one)
    prefix: int  # bytes every key shares (as _text_keys finds it)


@pytest.fixture(scope="class")
def text_chunks(case_column: pa.ChunkedArray) -> TextChunks:
    chunks = [(s, e, *string_buffers(c), present_keys(c)) for s, e, c in chunk_slices(case_column)]
    _, _, offsets, data, _ = chunks[0]
    reference = data[offsets[0] : offsets[1]].copy()
    lengths = pc.binary_length(case_column)
    assert pc.min(lengths).as_py() == pc.max(lengths).as_py() == len(reference)
    prefix = min(common_prefix_length(o, d, v, reference) for _, _, o, d, v in chunks)
    return TextChunks(chunks, reference, len(reference), utf8_boundary(reference, prefix))


def suffixes(column: pa.ChunkedArray | pa.Array, start: int) -> pa.Array:
    """The keys' text from byte `start` on (ASCII ids), as one large_string array."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return pc.utf8_slice_codeunits(column, start).cast(pa.large_string())


def as_text(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    return pa.LargeStringArray.from_buffers(
        len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data)
    )


@pytest.fixture(scope="class")
def byte_prefix(text_chunks: TextChunks) -> int:
    """A prefix leaving MAX_PACKED_BYTES bytes: the work of short ids' byte codes (keys
    whose suffix differs in its first bytes get equal codes: decoding checks, not cases)."""
    return text_chunks.width - MAX_PACKED_BYTES


@group("keycodes")
class TestKeycodes:
    def test_shape_scan(self, measure, log, text_chunks: TextChunks) -> None:
        """keys._text_keys: the prefix every key shares, then the suffixes' shape."""
        t = text_chunks

        def scan():
            prefix = min(common_prefix_length(o, d, v, t.reference) for _, _, o, d, v in t.chunks)
            prefix = utf8_boundary(t.reference, prefix)
            shapes = [suffix_shape(o, d, v, prefix) for _, _, o, d, v in t.chunks]
            return prefix, shapes

        prefix, shapes = measure(scan, events=log.n_events)
        assert prefix == t.prefix and bytes(t.reference[:prefix]).startswith(b"cust-")
        for digits, shortest, longest in shapes:
            assert digits and shortest == longest == t.width - prefix <= MAX_DIGITS

    def test_encode_digits(
        self, measure, log, case_column: pa.ChunkedArray, text_chunks: TextChunks
    ) -> None:
        """keys._text_keys: digit suffixes read as numbers, chunk by chunk, in parallel."""
        t = text_chunks
        prefix = t.prefix
        codes = np.zeros(log.n_events, np.uint64)

        def encode():  # every suffix has the same length: no length bits
            for s, e, o, d, v in t.chunks:
                codes[s:e] = encode_digits(o, d, v, prefix, False)
            return codes

        measure(encode, events=log.n_events)
        expected = suffixes(case_column, prefix).cast(pa.uint64()).to_numpy()
        assert np.array_equal(codes, expected)

    def test_encode_conforming(
        self, measure, log, input_rows: InputRows, text_chunks: TextChunks
    ) -> None:
        """batch_codes.CaseKeyStream (the batched read): each batch checked against the first
        batch's prefix and coded in one serial pass."""
        t = text_chunks
        _, _, offsets, data, valid = t.chunks[0]
        length = utf8_boundary(t.reference, common_prefix_length(offsets, data, valid, t.reference))
        while length > 0 and 48 <= t.reference[length - 1] <= 57:
            length -= 1  # as CaseKeyStream._choose_shape
        prefix = t.reference[:length].copy()
        no_nulls = np.zeros(0, np.bool_)
        codes = np.zeros(log.n_events, np.uint64)
        missing = np.zeros(log.n_events, np.bool_)

        def encode():
            return [
                encode_conforming(o, d, no_nulls, prefix, True, codes[s:e], missing[s:e])
                for s, e, o, d, _ in t.chunks
            ]

        results = measure(encode, events=log.n_events)
        assert all(fits and shortest == longest for fits, shortest, longest in results)
        assert not missing.any()
        # Every id has the same length: the stream drops the length bits, as finish() does.
        assert np.array_equal(codes >> np.uint64(5), input_rows.codes)

    def test_decode_digits(
        self,
        measure,
        log,
        case_column: pa.ChunkedArray,
        input_rows: InputRows,
        text_chunks: TextChunks,
    ) -> None:
        """EventLog.case_ids: the case codes decoded back to text (one per case)."""
        first_rows = log.source_row[log.case_offsets[:-1]]
        case_codes = input_rows.codes[first_rows]
        prefix = text_chunks.prefix
        width = text_chunks.width - prefix
        offsets, data = measure(decode_digits, case_codes, False, width, events=log.n_events)
        expected = suffixes(case_column.take(pa.array(first_rows)), prefix)
        assert as_text(offsets, data).equals(expected)

    def test_encode_bytes(
        self, measure, log, case_column: pa.ChunkedArray, text_chunks: TextChunks, byte_prefix: int
    ) -> None:
        """keys._text_keys for short ids: up to seven suffix bytes packed into a word."""
        codes = np.zeros(log.n_events, np.uint64)

        def encode():
            for s, e, o, d, v in text_chunks.chunks:
                codes[s:e] = encode_bytes(o, d, v, byte_prefix)
            return codes

        measure(encode, events=log.n_events)
        assert as_text(*decode_bytes(codes)).equals(suffixes(case_column, byte_prefix))

    def test_decode_bytes(
        self, measure, log, case_column: pa.ChunkedArray, text_chunks: TextChunks, byte_prefix: int
    ) -> None:
        """EventLog.case_ids for byte-coded ids: one code per case back to text."""
        first_rows = log.source_row[log.case_offsets[:-1]]
        firsts = case_column.take(pa.array(first_rows)).combine_chunks()
        offsets, data = string_buffers(firsts)
        case_codes = encode_bytes(offsets, data, np.ones(len(firsts), bool), byte_prefix)
        decoded = measure(decode_bytes, case_codes, events=log.n_events)
        assert as_text(*decoded).equals(suffixes(firsts, byte_prefix))

    def test_count_codes(self, measure, log, input_rows: InputRows) -> None:
        """activity_codes.sorted_codes: how many rows carry each activity code."""
        counts = measure(count_codes, input_rows.act, log.n_activities, events=log.n_events)
        assert np.array_equal(counts, np.bincount(log.activity, minlength=log.n_activities))

    def test_remap_codes(self, measure, log, input_rows: InputRows) -> None:
        """activity_codes.sorted_codes and ActivityStream: codes renumbered through a table."""
        table = np.arange(log.n_activities, dtype=np.int32)[::-1].copy()
        out = measure(remap_codes, input_rows.act, table, events=log.n_events)
        assert out.dtype == input_rows.act.dtype and np.array_equal(out, table[input_rows.act])


# -- hashing: 64-bit hashes of keys -------------------------------------------------------


@group("hashing")
class TestHashing:
    def test_hash_bytes(self, measure, log, key_bytes: KeyBytes, layout: Canonical) -> None:
        """keys._text_keys for free-form text ids: one hash per row, in parallel."""
        hashes = measure(hash_bytes, key_bytes.offsets, key_bytes.data, events=log.n_events)
        canonical = hashes[log.source_row]
        assert np.array_equal(canonical[1:] == canonical[:-1], layout.same_case)

    def test_hash_ints(self, measure, log, input_rows: InputRows, layout: Canonical) -> None:
        """Hashes of integer keys (the int64 case codes), in parallel."""
        values = input_rows.codes.view(np.int64)
        hashes = measure(hash_ints, values, events=log.n_events)
        canonical = hashes[log.source_row]
        assert np.array_equal(canonical[1:] == canonical[:-1], layout.same_case)


# -- dfg: directly-follows pairs and edges ------------------------------------------------


@group("dfg")
class TestDfg:
    def test_pair_keys(self, measure, log, layout: Canonical) -> None:
        """analysis.dfg: the edge key of every consecutive pair within a case."""
        n_act = log.n_activities
        args = (log.activity, log.case_offsets, n_act, np.empty(0, np.int32))
        keys = measure(pair_keys, *args, events=log.n_events)
        act = log.activity.astype(np.int32)
        assert np.array_equal(keys, act[layout.not_last] * n_act + act[layout.not_first])

    def test_number_edges(self, measure, log, edges: Edges) -> None:
        """analysis.dfg and bottlenecks: edge keys to dense edge ids, in place (a fresh copy
        of the keys each round)."""
        n_keys = log.n_activities**2
        last = {}

        def setup():
            last["ids"] = edges.keys.copy()
            return (last["ids"], n_keys), {}

        edge_keys = measure(number_edges, setup=setup, events=log.n_events)
        assert (np.diff(edge_keys) > 0).all()
        assert np.array_equal(edge_keys[last["ids"]], edges.keys)

    def test_edge_aggregate(self, measure, log, edges: Edges) -> None:
        """analysis.dfg: per edge, frequency, cases and the durations grouped."""
        args = (edges.ids, log.timestamp, log.timestamp, log.case_offsets, len(edges.edge_keys))
        frequency, cases, durations, offsets = measure(edge_aggregate, *args, events=log.n_events)
        assert frequency.sum() == log.n_events - log.n_cases
        assert np.array_equal(np.diff(offsets), frequency) and (cases <= frequency).all()
        assert (durations >= 0).all()  # events are time-sorted within a case


# -- edgestats: the DFG's two passes with duration histograms -----------------------------


@dataclass(frozen=True)
class EdgeRuns:
    """Blocks and runs of cases as analysis.dfg splits them for kernels.edgestats."""

    blocks: np.ndarray
    runs: np.ndarray


@pytest.fixture(scope="class")
def edge_runs(log: engine.EventLog) -> EdgeRuns:
    return EdgeRuns(*edge_blocks(log.n_cases, log.n_activities))


@group("edgestats")
class TestEdgestats:
    def test_edge_counts(self, measure, log, edges: Edges, edge_runs: EdgeRuns) -> None:
        """analysis.dfg: first pass, counters and duration histograms per edge and run."""
        ts = log.timestamp
        args = (log.activity, log.case_offsets, ts, ts, log.n_activities)
        state, histogram = measure(
            edge_counts, *args, edge_runs.blocks, edge_runs.runs, events=log.n_events
        )
        count = state[:, :, COUNT].sum(axis=0)
        assert np.array_equal(count[edges.edge_keys], edges.frequency)
        assert count.sum() == edges.frequency.sum()
        assert np.array_equal(histogram.sum(axis=(0, 2)), count)

    def test_keep_near_ranks(self, measure, log, edges: Edges, edge_runs: EdgeRuns) -> None:
        """analysis.dfg: second pass, the durations in the buckets of the median and p90."""
        ts, n_act = log.timestamp, log.n_activities
        head = (log.activity, log.case_offsets, ts, ts, n_act, edge_runs.blocks, edge_runs.runs)
        state, histogram = edge_counts(*head)
        keys = np.flatnonzero(state[:, :, COUNT].sum(axis=0))
        _, wanted, positions, cursors, kept_offsets = plan_selection(state, histogram, keys)
        mean_s = np.zeros(n_act * n_act)
        args = (*head, wanted, cursors, mean_s, kept_offsets[-1])
        kept, squares, extremes = measure(keep_near_ranks, *args, events=log.n_events)
        assert len(kept) < edges.frequency.sum() // 4  # a few buckets an edge
        for e in range(len(keys)):
            kept[kept_offsets[e] : kept_offsets[e + 1]].sort()
            ranks = stats_kernels.order_ranks(edges.frequency[e])
            durations = edges.sorted_durations[edges.offsets[e] : edges.offsets[e + 1]]
            assert np.array_equal(kept[positions[e]], durations[ranks])
            assert extremes[:, 0, keys[e]].min() == durations[0]
            assert extremes[:, 1, keys[e]].max() == durations[-1]
        assert squares.shape == (len(edge_runs.blocks) - 1, n_act * n_act)

    def test_edge_stats(self, measure, log, edges: Edges, edge_runs: EdgeRuns) -> None:
        """analysis.dfg: both passes, the exact figures of every edge."""
        ts = log.timestamp
        args = (log.activity, log.case_offsets, ts, ts, log.n_activities)
        keys, frequency, cases, out = measure(
            edge_stats, *args, edge_runs.blocks, edge_runs.runs, events=log.n_events
        )
        assert np.array_equal(keys, edges.edge_keys)
        assert np.array_equal(frequency, edges.frequency) and np.array_equal(cases, edges.cases)
        expected = segment_stats(edges.sorted_durations, edges.offsets)
        for row in (MEDIAN, P90, MIN, MAX):
            assert np.array_equal(out[row], expected[row])
        for row in (MEAN, SUM, STDEV):
            np.testing.assert_allclose(out[row], expected[row], rtol=1e-12)


# -- stats: per-group duration statistics -------------------------------------------------


@group("stats")
class TestStats:
    def test_sort_small_segments(self, measure, log, variants: VariantInputs) -> None:
        """engine.sorting.sort_segments: short groups (variants' case durations) sorted in
        place (a fresh copy each round)."""
        v = variants
        last = {}

        def setup():
            last["values"] = v.grouped.copy()
            return (last["values"], v.group_offsets, SMALL_SEGMENT), {}

        measure(sort_small_segments, setup=setup, events=log.n_events)
        assert small_groups_sorted(last["values"], v.group_offsets, SMALL_SEGMENT)
        assert last["values"].sum() == v.grouped.sum()

    def test_segment_stats(self, measure, log, edges: Edges) -> None:
        """analysis.dfg (sparse path): mean, median, p90, min, max, stdev of sorted groups."""
        out = measure(segment_stats, edges.sorted_durations, edges.offsets, events=log.n_events)
        assert (out[MIN] <= out[MEDIAN]).all() and (out[MEDIAN] <= out[P90]).all()
        assert (out[P90] <= out[MAX]).all()
        np.testing.assert_allclose(out[MEAN] * edges.frequency, out[SUM], rtol=1e-9)

    def test_segment_medians(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: the median duration of each variant's (sorted) cases."""
        v = variants
        values = v.grouped.copy()
        sort_segments(values, v.group_offsets)
        medians = measure(segment_medians, values, v.group_offsets, events=log.n_events)
        assert (medians >= values[v.group_offsets[:-1]] / 1e9).all()
        assert (medians <= values[v.group_offsets[1:] - 1] / 1e9).all()

    def test_group_order_stats(self, measure, log, edges: Edges) -> None:
        """analysis.dfg and the journey layer: the same statistics from unsorted groups."""
        out = measure(group_order_stats, edges.durations, edges.offsets, events=log.n_events)
        expected = segment_stats(edges.sorted_durations, edges.offsets)
        for row in (MEAN, MEDIAN, P90, MIN, MAX, SUM):
            assert np.array_equal(out[row], expected[row])

    def test_group_stdev(self, measure, log, edges: Edges) -> None:
        """analysis.dfg (dense path): the sample standard deviation of unsorted groups."""
        group_stdev = getattr(stats_kernels, "group_stdev", None)
        if group_stdev is None:
            pytest.skip("engine.kernels.stats has no group_stdev")
        expected = segment_stats(edges.sorted_durations, edges.offsets)
        args = (edges.durations, edges.offsets, expected[MEAN])
        out = measure(group_stdev, *args, events=log.n_events)
        np.testing.assert_allclose(out, expected[STDEV], rtol=1e-9)


# -- moments: mergeable per-group moments (partial results) --------------------------------


@group("moments")
class TestMoments:
    def test_group_moments(self, measure, log, edges: Edges, steps) -> None:
        """figures.edges.chunk: per edge key, exact sums, extremes, mean and
        the sum of squared deviations (pair_durations' values, one group per key)."""
        _, durations, key_offsets, *_ = steps
        args = (durations, key_offsets)
        whole_s, rest_ns, low, high, mean, m2 = measure(group_moments, *args, events=log.n_events)
        k = edges.edge_keys
        expected = segment_stats(edges.sorted_durations, edges.offsets)
        assert np.array_equal(whole_s[k] + rest_ns[k] / 1e9, expected[SUM])
        assert np.array_equal(mean[k], expected[MEAN])
        assert np.array_equal(low[k] / 1e9, expected[MIN])
        assert np.array_equal(high[k] / 1e9, expected[MAX])
        several = edges.frequency > 1
        stdev = np.sqrt(m2[k][several] / (edges.frequency[several] - 1))
        np.testing.assert_allclose(stdev, expected[STDEV][several], rtol=1e-9)


# -- sketch: mergeable quantile sketches (partial results) ---------------------------------


@pytest.fixture(scope="class")
def sketch_entries(steps) -> tuple[np.ndarray, np.ndarray]:
    """The sparse sketches of every edge key's durations, as _edge_partial keeps them."""
    _, durations, key_offsets, *_ = steps
    return count_entries(grouped_entries(durations, key_offsets))


@group("sketch")
class TestSketch:
    def test_grouped_entries(self, measure, log, steps) -> None:
        """analysis.moments: the sketch cell (group and bucket) of every duration."""
        _, durations, key_offsets, *_ = steps
        entries = measure(grouped_entries, durations, key_offsets, events=log.n_events)
        group_of = np.repeat(np.arange(len(key_offsets) - 1), np.diff(key_offsets))
        assert np.array_equal(entries // SKETCH_WIDTH, group_of)
        columns = entries % SKETCH_WIDTH
        assert np.array_equal(columns == ZERO_COLUMN, durations == 0)
        assert (columns >= ZERO_COLUMN).all()  # durations are never negative

    def test_entry_quantiles(self, measure, log, edges: Edges, sketch_entries) -> None:
        """figures.edges.finalize: each edge's median from its sparse sketch, within
        ALPHA of the exact median."""
        sketch_keys, sketch_counts = sketch_entries
        keys = edges.edge_keys  # the keys that occur, sorted
        group = sketch_keys // SKETCH_WIDTH
        local = np.searchsorted(keys, group) * SKETCH_WIDTH + sketch_keys % SKETCH_WIDTH
        args = (local, sketch_counts, len(keys), 0.5)
        medians = measure(entry_quantiles, *args, events=log.n_events)
        exact = segment_stats(edges.sorted_durations, edges.offsets)[MEDIAN]
        assert (np.abs(medians - exact) <= ALPHA * exact * (1 + 1e-9)).all()


# -- refine: exact quantiles from the sketches' buckets (partial results) ------------------


@group("refine")
class TestRefine:
    def test_rank_entries(self, measure, log, sketch_entries) -> None:
        """analysis.exact: the bucket and position of each rank a median and p90 need."""
        keys, counts = sketch_entries
        n_groups = log.n_activities**2
        entry, within, size = measure(rank_entries, keys, counts, n_groups, events=log.n_events)
        used = size > 0
        assert size.sum() == counts.sum() and (entry[used] >= 0).all()
        held = counts[np.searchsorted(keys, entry[used])]
        assert (within[used] >= 0).all() and (within[used] < held).all()

    def test_values_in_entries_and_exact_quantiles(
        self, measure, log, edges: Edges, steps, sketch_entries
    ) -> None:
        """analysis.exact: a part's values in the needed buckets, then the exact median
        and p90 of every edge, bit for bit as on one machine."""
        _, durations, key_offsets, *_ = steps
        keys, counts = sketch_entries
        entry, within, size = rank_entries(keys, counts, log.n_activities**2)
        wanted = np.unique(entry[entry >= 0])
        picked, values = measure(
            values_in_entries, durations, key_offsets, wanted, events=log.n_events
        )
        order = np.lexsort((values, picked))
        out = exact_median_p90(entry, within, size, picked[order], values[order])
        expected = segment_stats(edges.sorted_durations, edges.offsets)
        assert np.array_equal(out[0, edges.edge_keys], expected[MEDIAN])
        assert np.array_equal(out[1, edges.edge_keys], expected[P90])


# -- variants: exact grouping of activity sequences ---------------------------------------


@group("variants")
class TestVariants:
    def test_sequence_hashes(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: a hash of every case's activity sequence, in parallel."""
        v = variants
        hashes = measure(sequence_hashes, log.activity, log.case_offsets, events=log.n_events)
        assert np.array_equal(hashes, hashes[v.representative[v.provisional]])
        assert len(np.unique(hashes[v.representative])) == len(v.representative)

    def test_assign_variants(
        self, measure, log, layout: Canonical, variants: VariantInputs
    ) -> None:
        """analysis.variants: cases to variants through hash tables, matches confirmed,
        runs of cases numbered in parallel (the same ids for any number of runs)."""
        v = variants
        args = (log.activity, log.case_offsets, v.hashes, v.ids, THREADS)
        result = measure(assign_variants, *args, events=log.n_events)
        assert matches_reference("variants.assign_variants", args, result, log.n_events)
        provisional, representative, sequence_offsets, codes = result
        assert len(representative) == len(v.final.representative)
        of_case = representative[provisional]
        assert np.array_equal(v.hashes[of_case], v.hashes)
        assert np.array_equal(layout.sizes[of_case], layout.sizes)
        assert np.array_equal(np.diff(sequence_offsets), layout.sizes[representative])
        last = representative[-1]
        in_log = log.activity[log.case_offsets[last] : log.case_offsets[last + 1]]
        assert np.array_equal(codes[sequence_offsets[-2] :], in_log)
        one_run = assign_variants(log.activity, log.case_offsets, v.hashes, v.ids, 1)
        for got, expected in zip(one_run, result, strict=True):
            assert np.array_equal(got, expected)

    def test_sort_keys(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: keys ordering variants by frequency, then first activities."""
        v = variants
        args = (log.activity, log.case_offsets, v.representative, v.frequency, log.n_activities)
        keys = measure(sort_keys, *args, events=log.n_events)
        assert (np.diff(v.frequency[np.argsort(keys, kind="stable")]) <= 0).all()

    def test_refine_ties(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: runs of equal keys settled in place, a word of further codes
        at a time (a fresh order each round)."""
        v = variants
        keys = sort_keys(
            log.activity, log.case_offsets, v.representative, v.frequency, log.n_activities
        )
        first_order = np.argsort(keys, kind="stable")
        last = {}

        def setup():
            last["order"] = first_order.copy()
            rest = (keys, log.activity, log.case_offsets, v.representative, v.frequency)
            return (last["order"], *rest, log.n_activities), {}

        measure(refine_ties, setup=setup, events=log.n_events)
        assert np.array_equal(v.representative[last["order"]], v.final.representative)

    def test_concatenate_sequences(
        self, measure, log, layout: Canonical, variants: VariantInputs
    ) -> None:
        """analysis.variants.variant_sequences: every variant's activities, end to end."""
        reps = variants.final.representative
        args = (log.activity, log.case_offsets, reps, np.empty(0, np.int32))
        list_offsets, values = measure(concatenate_sequences, *args, events=log.n_events)
        assert np.array_equal(np.diff(list_offsets), layout.sizes[reps])
        first = log.activity[log.case_offsets[reps[0]] : log.case_offsets[reps[0] + 1]]
        assert np.array_equal(values[: list_offsets[1]], first)


# -- activities: per-activity counts, case durations --------------------------------------


@group("text")
class TestText:
    def test_names_by_code(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants.variant_sequences: every variant's activity names as Arrow
        string buffers of their exact size."""
        _, codes = concatenate_sequences(
            log.activity, log.case_offsets, variants.final.representative, np.empty(0, np.int32)
        )
        encoded = [str(name).encode() for name in log.activity_names]
        name_offsets = np.concatenate([[0], np.cumsum([len(b) for b in encoded])])
        name_bytes = np.frombuffer(b"".join(encoded), np.uint8)
        args = (name_offsets, name_bytes, codes, np.empty(0, np.int32))
        offsets, data = measure(names_by_code, *args, events=log.n_events)
        strings = pa.StringArray.from_buffers(len(codes), pa.py_buffer(offsets), pa.py_buffer(data))
        expected = pa.array(log.activity_names.tolist()).take(pa.array(codes))
        assert strings.equals(expected)

    def test_code_text(self, measure, log, journey_log: Path) -> None:
        """activity_codes.ActivityStream on a plain text column (a warehouse export's
        touchpoints): every row's name coded from Arrow's buffers through the hash table
        of the distinct names, one serial pass (a fresh table each round)."""
        column = pq.read_table(journey_log, columns=[KEYS["activity"]]).column(0)
        plain = column.cast(pa.string()).combine_chunks()
        offsets, data = string_buffers(plain)
        out = np.empty(len(plain), np.int8)

        def code():
            table = np.full(256, -1, np.int32)
            entries = np.zeros((64, 4), np.uint64)
            state = np.zeros(2, np.int64)
            names = np.zeros(4096, np.uint8)
            no_nulls = np.zeros(0, np.bool_)
            done = code_text(offsets, data, no_nulls, out, 128, table, entries, names, state)
            return done, state

        done, state = measure(code, events=log.n_events)
        assert done == len(plain) and state[0] == log.n_activities
        first_seen = pd.unique(plain.to_numpy(zero_copy_only=False))
        assert np.array_equal(first_seen[out], plain.to_numpy(zero_copy_only=False))


@group("activities")
class TestActivities:
    def test_activity_counts(self, measure, log) -> None:
        """analysis.activities: events, cases, starts and ends per activity."""
        args = (log.activity, log.case_offsets, log.n_activities)
        counts = measure(activity_counts, *args, events=log.n_events)
        assert matches_reference("activities.activity_counts", args, counts, log.n_events)
        assert np.array_equal(counts[0], np.bincount(log.activity, minlength=log.n_activities))
        assert counts[2].sum() == counts[3].sum() == log.n_cases
        assert (counts[1] <= counts[0]).all()

    def test_case_durations(self, measure, log) -> None:
        """analysis.activities: last minus first timestamp of every case."""
        ts, offsets = log.timestamp, log.case_offsets
        durations = measure(case_durations, ts, offsets, events=log.n_events)
        assert np.array_equal(durations, ts[offsets[1:] - 1] - ts[offsets[:-1]])

    def test_grouped_case_durations(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: every case's duration written straight into its variant's
        place, runs of cases in parallel (cursors from run_counts, used up: fresh ones
        each round)."""
        v = variants
        keys = v.final.variant_of_case
        counts = run_counts(keys, len(v.final.representative), THREADS)

        def fresh_cursors() -> tuple[tuple, dict]:
            return (log.timestamp, log.case_offsets, keys, chunk_cursors(counts)[0]), {}

        grouped = measure(grouped_case_durations, events=log.n_events, setup=fresh_cursors)
        # the same values, group by group, as the durations grouped by a counting sort
        assert np.array_equal(grouped, v.grouped)


# -- grouping: values grouped by a dense key ----------------------------------------------


@group("grouping")
class TestGrouping:
    def test_group_values(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: case durations grouped by variant (a stable counting sort)."""
        v = variants
        args = (v.case_durations, v.final.variant_of_case, len(v.final.representative))
        grouped, offsets = measure(group_values, *args, events=log.n_events)
        assert np.array_equal(np.diff(offsets), v.final.frequency)
        assert grouped.sum() == v.case_durations.sum()

    def test_run_counts(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: cases per variant in each run of cases (the frequencies)."""
        v = variants
        args = (v.provisional, len(v.representative), THREADS)
        counts = measure(run_counts, *args, events=log.n_events)
        assert np.array_equal(counts.sum(axis=0), v.frequency)

    def test_tally(self, measure, log, variants: VariantInputs, journey: engine.Journey) -> None:
        """journey.variants: journeys and conversions per variant in one pass."""
        v, converted = variants.final, journey.conversions.converted
        args = (v.variant_of_case, converted, len(v.representative))
        counts, wins = measure(tally, *args, events=log.n_events)
        assert np.array_equal(counts, v.frequency)
        assert np.array_equal(wins, np.bincount(v.variant_of_case, weights=converted))

    def test_relabel(self, measure, log, variants: VariantInputs) -> None:
        """analysis.variants: provisional variant ids replaced by their ranks, in place
        (a fresh copy each round)."""
        v = variants
        rank = v.final.variant_of_case[v.representative]  # each provisional id's rank

        def fresh() -> tuple[tuple, dict]:
            return (v.provisional.copy(), rank), {}

        measure(relabel, events=log.n_events, setup=fresh)
        relabelled = v.provisional.copy()
        relabel(relabelled, rank)
        assert np.array_equal(relabelled, v.final.variant_of_case)


# -- stages: stage visits and moves (journey layer) ---------------------------------------


@group("stages")
class TestStages:
    def test_stage_pass(self, measure, log, journey: engine.Journey) -> None:
        """figures.stages.chunk: stage and move counts, dwell grouped, two passes."""
        n_stages = len(journey.model.stages)
        args = (log.activity, log.case_offsets, log.timestamp, journey.stage_of_activity, n_stages)
        eligible = ~converting_targets(journey.model, log.activity_names)[1]
        args += (journey.conversions.at_event, eligible, chunk_count(log.n_cases, n_stages**2))
        result = measure(stage_pass, *args, events=log.n_events)
        per_stage, per_move, grouped, move_offsets = result
        mapped = journey.stage_of_activity[log.activity] >= 0
        journeys_mapped = np.logical_or.reduceat(mapped, log.case_offsets[:-1])
        assert per_stage[STAGE_FURTHEST].sum() == per_stage[STAGE_OPEN].sum()
        assert per_stage[STAGE_OPEN].sum() == journeys_mapped.sum()
        assert np.array_equal(np.diff(move_offsets), per_move[MOVE_COUNT]) and (grouped >= 0).all()
        assert matches_reference("stages.stage_pass", args, result, log.n_events)

    def test_stage_visits(self, measure, log, journey: engine.Journey) -> None:
        """journey.Journey.visits: one row per stage visit."""
        args = (log.activity, log.case_offsets, log.timestamp, journey.stage_of_activity)
        result = measure(stage_visits, *args, events=log.n_events)
        case, _, first, start, end, is_open = result
        assert matches_reference("stages.stage_visits", args, result, log.n_events)
        per_stage = journey.figures.per_stage
        assert len(case) == per_stage[STAGE_VISITS].sum()
        assert is_open.sum() == per_stage[STAGE_OPEN].sum()
        assert (np.diff(case) >= 0).all() and (end >= start).all()
        assert np.array_equal(log.timestamp[first], start)

    def test_closed_dwell_counts(self, measure, log, journey: engine.Journey) -> None:
        """journey.distributions.dwell_histogram: closed visits per stage and bin."""
        v = journey.visits
        closed = ~v.open
        seconds = (v.end[closed] - v.start[closed]) / 1e9
        edges = dwell_bin_edges(seconds.max())
        n_stages, n_bins = len(journey.model.stages), len(edges) - 1
        args = (log.activity, log.case_offsets, log.timestamp, journey.stage_of_activity)
        args += (n_stages, edges, chunk_count(log.n_cases, n_stages * n_bins))
        counts = measure(closed_dwell_counts, *args, events=log.n_events)
        stage = v.stage[closed]
        for s in range(n_stages):
            want, _ = np.histogram(seconds[stage == s], bins=edges)
            assert np.array_equal(counts[s * n_bins : (s + 1) * n_bins], want)

    def test_visit_moves(self, measure, log, journey: engine.Journey) -> None:
        """journey.Journey.moves: moves between consecutive visits of a case."""
        v = journey.visits
        args = (v.case, v.stage, v.first_event, v.start, v.end, len(journey.model.stages))
        result = measure(visit_moves, *args, events=log.n_events)
        keys, cases, _, dwell = result
        assert matches_reference("stages.visit_moves", args, result, log.n_events)
        assert len(keys) == journey.figures.per_move[MOVE_COUNT].sum()
        assert (dwell >= 0).all() and (np.diff(cases) >= 0).all()


# -- steps: directly-follows steps and their outcomes (bottlenecks) -----------------------


@group("steps")
class TestSteps:
    def test_tied_steps(self, measure, log) -> None:
        """figures.order.tie_chunk: successive events tied in time, and reversed rows."""
        args = (log.case_offsets, log.timestamp, log.source_row, chunk_count(log.n_cases, 3))
        counts = measure(tied_steps, *args, events=log.n_events)
        same = np.diff(log.timestamp) == 0
        same[log.case_offsets[1:-1] - 1] = False  # pairs across cases
        assert counts[TIED] == same.sum()

    def test_pair_counts(self, measure, log, journey: engine.Journey, edges: Edges) -> None:
        """figures.bottlenecks.touchpoint_chunk: steps counted, one pass."""
        n_act = log.n_activities
        eligible = ~converting_targets(journey.model, log.activity_names)[0]
        at_event = journey.conversions.at_event
        args = (log.activity, log.case_offsets, n_act, at_event, eligible)
        args += (chunk_count(log.n_cases, n_act * n_act),)
        run_counts, reach = measure(pair_counts, *args, events=log.n_events)
        counts = run_counts.sum(axis=0)
        chunks = chunk_count(log.n_cases, n_act)
        want = pair_reach(log.activity, log.case_offsets, at_event, eligible, chunks)
        assert np.array_equal(reach, want)  # the same journeys, counted by the other kernel
        assert np.array_equal(np.flatnonzero(counts[0]), edges.edge_keys)
        assert np.array_equal(counts[0, edges.edge_keys], edges.frequency)

    def test_pair_durations(self, measure, log, edges: Edges, steps) -> None:
        """figures.edges on parts: every step's duration grouped by key, second pass."""
        args = (log.activity, log.case_offsets, log.timestamp, log.timestamp)
        args += (log.n_activities, steps[4])
        durations, key_offsets = measure(pair_durations, *args, events=log.n_events)
        assert np.array_equal(np.diff(key_offsets), steps[0][0])
        assert np.array_equal(durations, edges.durations)  # by key, then in case order

    def test_pair_cases(self, measure, log, layout: Canonical) -> None:
        """journey.bottlenecks (large alphabets): the case and arrival event of every pair."""
        case, target = measure(pair_cases, log.case_offsets, events=log.n_events)
        assert np.array_equal(target, np.flatnonzero(layout.not_first))
        assert np.array_equal(case, np.repeat(np.arange(log.n_cases), layout.sizes - 1))

    def test_step_outcomes(
        self, measure, log, journey: engine.Journey, edges: Edges, steps: tuple[np.ndarray, ...]
    ) -> None:
        """journey.bottlenecks (large alphabets): per step, journeys taking it before
        converting, of which converting, and abandoned journeys ending with it."""
        keys = pair_keys(log.activity, log.case_offsets, log.n_activities, np.empty(0, np.int64))
        ids = np.searchsorted(edges.edge_keys, keys)
        case, target = pair_cases(log.case_offsets)
        args = (ids, case, target, len(edges.edge_keys), journey.conversions.at_event)
        journeys, converting, abandoned = measure(step_outcomes, *args, events=log.n_events)
        counts = steps[0][:, edges.edge_keys]  # pair_counts counts the same
        assert np.array_equal(journeys, counts[1]) and np.array_equal(converting, counts[2])
        assert np.array_equal(abandoned, counts[3])


# -- conversion: time to convert, Kaplan–Meier --------------------------------------------


def _converts(log: engine.EventLog, journey: engine.Journey) -> np.ndarray:
    """Which activity codes convert, as Journey.conversions decides."""
    conversion = journey.model.conversion
    if conversion.activity is not None:
        return np.asarray(log.activity_names == conversion.activity)
    return journey.stage_of_activity == journey.model.stage_order(conversion.stage)


@group("conversion")
class TestConversion:
    def test_conversion_times(self, measure, log, journey: engine.Journey) -> None:
        """journey.conversion.case_conversions: when each journey first converts."""
        converts = _converts(log, journey)
        args = (log.activity, log.case_offsets, log.timestamp, converts, log.timestamp.max())
        result = measure(conversion_times, *args, events=log.n_events)
        converted, elapsed, at_event, observed = result
        assert matches_reference("conversion.conversion_times", args, result, log.n_events)
        assert 0 < converted.sum() < log.n_cases
        at = at_event[converted]
        first = log.case_offsets[:-1][converted]
        assert converts[log.activity[at]].all() and (at < log.case_offsets[1:][converted]).all()
        assert np.array_equal(elapsed[converted], log.timestamp[at] - log.timestamp[first])
        assert (at_event[~converted] == -1).all() and (elapsed <= observed).all()

    def test_km_keys(self, measure, log, journey: engine.Journey) -> None:
        """journey.conversion.km_table: each journey's duration and censoring as one key."""
        c = journey.conversions
        keys = measure(km_keys, c.converted, c.elapsed, c.observed, events=log.n_events)
        durations = np.where(c.converted, c.elapsed, c.observed)
        assert np.array_equal(keys, durations * 2 + ~c.converted)

    def test_kaplan_meier(self, measure, log, journey: engine.Journey) -> None:
        """journey.conversion.km_table: the Kaplan–Meier table from sorted keys."""
        c = journey.conversions
        durations = np.where(c.converted, c.elapsed, c.observed)
        keys = np.sort(durations * 2 + ~c.converted)
        time, at_risk, events, censored, survival, _ = measure(
            kaplan_meier, keys, events=log.n_events
        )
        assert events.sum() == c.converted.sum() and events.sum() + censored.sum() <= log.n_cases
        assert (np.diff(time) > 0).all() and (np.diff(at_risk) < 0).all()
        assert (np.diff(survival) <= 0).all()

    def test_kaplan_meier_counted(self, measure, log, journey: engine.Journey) -> None:
        """figures.conversion.time_to_convert on parts: the table on sketch buckets."""
        c = journey.conversions
        converted = count_entries(
            grouped_entries(c.elapsed[c.converted], np.array([0, c.converted.sum()]))
        )
        censored = count_entries(
            grouped_entries(c.observed[~c.converted], np.array([0, (~c.converted).sum()]))
        )
        columns = np.union1d(converted[0], censored[0])  # one group: entries are columns
        counts = np.zeros((2, len(columns)), np.int64)
        for row, (entries, n) in enumerate((converted, censored)):
            counts[row, np.searchsorted(columns, entries)] = n
        index, at_risk, events, _, survival, _ = measure(
            kaplan_meier_counted, counts[0], counts[1], events=log.n_events
        )
        assert events.sum() == c.converted.sum() and at_risk[0] <= log.n_cases
        assert (np.diff(index) > 0).all() and (np.diff(at_risk) < 0).all()
        assert (np.diff(survival) <= 0).all()


# -- channels: channel switches along journeys --------------------------------------------


@group("channels")
class TestChannels:
    def test_channel_switches(self, measure, log, journey: engine.Journey) -> None:
        """figures.channels.chunk: switches, cases, abandoned last steps, channels used."""
        codes, names = category_codes(log.attributes["channel"])
        n = max(len(names), 1)
        at_event = journey.conversions.at_event
        args = (codes, log.case_offsets, n, at_event, chunk_count(log.n_cases, n * n))
        result = measure(channel_switches, *args, events=log.n_events)
        transitions, cases, last_step, used = result
        assert matches_reference("channels.channel_switches", args, result, log.n_events)
        assert (codes >= 0).all()  # every synthetic event has a channel
        assert transitions.sum() == log.n_events - log.n_cases
        assert (cases <= transitions).all() and last_step.sum() <= (at_event < 0).sum()
        assert (used >= 1).all() and used.max() <= len(names)


# -- satisfaction: scores along journeys --------------------------------------------------


@group("satisfaction")
class TestSatisfaction:
    def test_score_summary(self, measure, log, journey: engine.Journey) -> None:
        """figures.satisfaction.chunk: scores per touchpoint and stage, in one pass."""
        scores = log.attributes["csat"].to_numpy(dtype=float, na_value=np.nan)
        stages = journey.stage_of_activity
        args = (scores, log.activity, stages, log.case_offsets, SCALES["csat"][2])
        args += (~journey.conversions.converted, len(journey.model.stages))
        result = measure(score_summary, *args, events=log.n_events)
        by_touchpoint, by_stage, outcomes = result
        assert matches_reference("satisfaction.score_summary", args, result, log.n_events)
        answered = ~np.isnan(scores)
        assert by_touchpoint[0].sum() == answered.sum() > 0
        assert by_stage[0].sum() == (answered & (stages[log.activity] >= 0)).sum()
        n_low, k_low, n_not, k_not = outcomes
        assert (k_low <= n_low).all() and (k_not <= n_not).all()


# -- attribution: conversions credited to touchpoints -----------------------------------------


@group("attribution")
class TestAttribution:
    def test_heuristic_credits(self, measure, log, journey: engine.Journey) -> None:
        """journey.attribution: first touch, last touch, linear and time decay in one pass."""
        at = journey.conversions.at_event
        args = (log.activity, log.case_offsets, log.timestamp, at, log.n_activities)
        args += (7 * 86_400e9, chunk_count(log.n_cases, log.n_activities * 4))
        credits = measure(heuristic_credits, *args, events=log.n_events)
        assert matches_reference("attribution.heuristic_credits", args, credits, log.n_events)
        np.testing.assert_allclose(credits.sum(axis=1), journey.conversions.converted.sum())

    def test_block_transition_counts(self, measure, log, journey: engine.Journey) -> None:
        """journey.attribution's Markov chain: transitions per random block of journeys."""
        n = log.n_activities
        args = (log.activity, log.case_offsets, journey.conversions.at_event, n, 200, 1)
        args += (chunk_count(log.n_cases, 200 * (n + 1) * (n + 2)),)
        blocks = measure(block_transition_counts, *args, events=log.n_events)
        assert matches_reference("attribution.block_transition_counts", args, blocks, log.n_events)
        counts = blocks.sum(axis=0)
        assert counts[n].sum() == log.n_cases  # every journey leaves the start once
        assert counts[:, n].sum() == journey.conversions.converted.sum()


# -- filters: slices of a log -------------------------------------------------------------------


@group("filters")
class TestFilters:
    def test_contains_cases(self, measure, log) -> None:
        """log.filter.contains: the journeys with a touchpoint."""
        wanted = np.zeros(log.n_activities, dtype=bool)
        wanted[0] = True
        args = (log.activity, log.case_offsets, wanted, False)
        keep = measure(contains_cases, *args, events=log.n_events)
        has = np.logical_or.reduceat(log.activity == 0, log.case_offsets[:-1])
        assert np.array_equal(keep, has)

    def test_case_slice(self, measure, log) -> None:
        """slices.build.slice_log: the kept cases' events, one parallel pass."""
        keep = np.arange(log.n_cases) % 2 == 0
        offsets, events, kept = measure(case_slice, log.case_offsets, keep, events=log.n_events)
        lengths = np.diff(log.case_offsets)
        assert np.array_equal(np.diff(offsets), lengths[keep])
        assert np.array_equal(events, np.flatnonzero(np.repeat(keep, lengths)))
        assert np.array_equal(kept, np.flatnonzero(keep))

    def test_session_starts(self, measure, log) -> None:
        """log.sessions: where each session starts."""
        starts = measure(
            session_starts, log.case_offsets, log.timestamp, 1_800 * 10**9, events=log.n_events
        )
        assert starts[log.case_offsets[:-1]].all()
        gaps = np.diff(log.timestamp) > 1_800 * 10**9
        inner = np.ones(log.n_events, dtype=bool)
        inner[log.case_offsets[:-1]] = False
        assert np.array_equal(starts[inner], gaps[inner[1:].nonzero()[0]])


# -- lost: lost conversions (journey layer) -------------------------------------------------


@pytest.fixture(scope="class")
def profile_args(log, journey: engine.Journey) -> tuple:
    """journey_profiles' arguments with every touchpoint step comparable and every
    activity a place left: the most a log of this alphabet gives."""
    n_act = log.n_activities
    keys = np.arange(n_act * n_act, dtype=np.int64)
    none = np.zeros(0, np.int64)
    pairs = (n_act, np.ones(n_act, bool), np.arange(n_act, dtype=np.int64), keys, keys, keys)
    no_stage = (np.full(n_act, -1, np.int64), 1, np.zeros(1, bool), np.full(1, -1, np.int64))
    moves = (*no_stage, none, none, none)
    splits = (np.zeros(1, np.int32), 1, none, none, none)
    at_event = journey.conversions.at_event
    head = (log.activity, log.case_offsets, at_event, pairs, moves, splits)
    return (*head, n_act * n_act, n_act, chunk_count(log.n_cases, n_act * n_act + n_act))


def _grouped(profile_args: tuple) -> tuple[np.ndarray, ...]:
    converted, offsets, items = journey_profiles(*profile_args)
    return group_profiles(np.ones(len(converted), np.int64), converted, offsets, items)


@group("profiles")
class TestProfiles:
    def test_journey_profiles(self, measure, log, journey: engine.Journey, profile_args) -> None:
        """figures.bottlenecks.profile_chunk: every journey's profile, then equal ones
        grouped."""
        counts, converted, _, _ = measure(_grouped, profile_args, events=log.n_events)
        at_event = journey.conversions.at_event
        first = log.case_offsets[:-1]
        stepped = np.where(at_event >= 0, at_event > first, np.diff(log.case_offsets) > 1)
        assert counts.sum() == stepped.sum()  # every journey with a step, once
        assert counts[converted].sum() == (stepped & (at_event >= 0)).sum()


@group("lost")
class TestLost:
    def test_bootstrap_profiles(self, measure, log, profile_args) -> None:
        """journey.lost.lost_columns: 1,000 replicates, each redoing the groups, chances
        and charges over the grouped profiles."""
        grouped = _grouped(profile_args)
        n_act = log.n_activities
        place_source = np.arange(n_act * n_act, dtype=np.int64) // n_act
        places = n_act * n_act
        args = (*grouped, place_source, n_act, 1000, 0.05, 1, poisson_alias(), 0, places, 32, 2)
        intervals = measure(bootstrap_profiles, *args, events=log.n_events)
        counted = tally_profiles(grouped[0][:, None], *grouped[1:], n_act * n_act, n_act)
        alone = chances(*counted, place_source)[1][:, 0]
        assert (intervals[:, 0] <= alone + 1e-9).all() and (alone <= intervals[:, 1] + 1e-9).all()
        assert (intervals[:, 2] <= intervals[:, 3]).all()


# -- timeunits: timestamps to nanoseconds -------------------------------------------------


@group("timeunits")
class TestTimeunits:
    def test_scale_to_ns(self, measure, log, journey_log: Path, input_rows: InputRows) -> None:
        """timestamps._from_arrow_timestamps: each batch's microseconds to nanoseconds."""
        column = pq.read_table(journey_log, columns=[KEYS["timestamp"]]).column(0)
        assert column.type.unit == "us" and column.null_count == 0
        batches = [chunk.cast(pa.int64()).to_numpy() for chunk in column.chunks]
        missing = [np.zeros(len(raw), np.bool_) for raw in batches]

        def scale():
            return [
                scale_to_ns(raw, 1_000, absent)
                for raw, absent in zip(batches, missing, strict=True)
            ]

        results = measure(scale, events=log.n_events)
        assert not any(overflow for _, overflow in results)
        assert np.array_equal(np.concatenate([ns for ns, _ in results]), input_rows.ts)


def test_every_kernel_module_is_benchmarked() -> None:
    """Each module of engine/kernels has its class here (a new module needs one)."""
    folder = Path(engine.__file__).parent / "kernels"
    modules = {path.stem for path in folder.glob("*.py") if not path.stem.startswith("_")}
    classes = {name.removeprefix("Test").lower() for name in globals() if name.startswith("Test")}
    assert modules <= classes, f"kernel modules without benchmarks: {sorted(modules - classes)}"
