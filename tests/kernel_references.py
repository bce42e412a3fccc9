"""The registry of the numba kernels (engine/kernels) and their plain numpy references.

Each entry of REFERENCES maps a kernel, named ``module.function``, to a reference (the
same arguments, the same result, written in plain numpy or Python loops, readable
rather than fast) and an input generator ``inputs(rng, size)`` (size: about as many
events). tests/test_kernel_references.py checks every kernel against its reference on
generated inputs (kernels that change their arguments are compared on those too);
benchmarks/test_kernels.py reads the same entries. HELPERS names the jitted helpers
that only run inside a kernel, with the kernel whose reference covers them; NO_REFERENCE
the kernels that have none yet, with the reason. Every public jitted function of
engine/kernels is in exactly one of the three (test_kernel_references checks it).
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine.journey.poisson import poisson_alias
from engine.kernels import (
    activities,
    attribution,
    channels,
    conversion,
    dfg,
    edgestats,
    filters,
    grouping,
    hashing,
    keycodes,
    lost,
    moments,
    ordering,
    profiles,
    refine,
    satisfaction,
    sketch,
    stages,
    stats,
    steps,
    text,
    timeunits,
    variants,
)

_NS = 1_000_000_000
_MASK64 = (1 << 64) - 1


@dataclass(frozen=True)
class Reference:
    """A kernel, its reference and its inputs. `rtol` > 0 compares floats within it
    (sums taken in another order); `check`, when given, replaces the comparison:
    check(got, want) with got and want each (result, arguments after the call)."""

    kernel: Callable[..., Any]
    reference: Callable[..., Any]
    inputs: Callable[[np.random.Generator, int], tuple]
    rtol: float = 0.0
    check: Callable[[Any, Any], None] | None = None


def run_both(entry: Reference, args: tuple) -> tuple[Any, Any]:
    """(result, arguments after the call) of the kernel and of the reference, each on
    its own copy of the arguments."""
    mine, theirs = copy.deepcopy(args), copy.deepcopy(args)
    return (entry.kernel(*mine), mine), (entry.reference(*theirs), theirs)


def assert_same(got: Any, want: Any, rtol: float = 0.0, path: str = "result") -> None:
    """Equal structure, dtypes and values (NaN equal to NaN; floats within `rtol`)."""
    if isinstance(want, tuple | list):
        assert isinstance(got, tuple | list) and len(got) == len(want), path
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, rtol, f"{path}[{k}]")
        return
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), path
        assert got.dtype == want.dtype and got.shape == want.shape, (
            f"{path}: {got.dtype}{got.shape} != {want.dtype}{want.shape}"
        )
        if rtol > 0 and want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=rtol, atol=0, err_msg=path)
        else:
            np.testing.assert_array_equal(got, want, err_msg=path)
        return
    if isinstance(want, float) and rtol > 0:
        assert math.isclose(got, want, rel_tol=rtol) or got == want, path
        return
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), path
        return
    assert got == want, f"{path}: {got!r} != {want!r}"


def check(name: str, rng: np.random.Generator, size: int) -> None:
    """The kernel `name` agrees with its reference on inputs drawn from `rng`."""
    entry = REFERENCES[name]
    got, want = run_both(entry, entry.inputs(rng, size))
    if entry.check is not None:
        entry.check(got, want)
    else:
        assert_same(got, want, entry.rtol)


# -- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    """A random log in the canonical layout: events sorted by case, then time."""

    act: np.ndarray  # int8 activity codes
    offsets: np.ndarray  # int64, n_cases + 1
    ts: np.ndarray  # int64 ns, ascending within a case, ties included
    n_act: int

    @property
    def n_cases(self) -> int:
        return len(self.offsets) - 1


def random_log(rng: np.random.Generator, size: int, empty_cases: bool = False) -> Log:
    """About `size` events in cases of 0 (with empty_cases) or 1 to 7 events, from an
    alphabet of 1 to 6 activities; timestamps with ties."""
    n_cases = max(1, size // 4)
    lengths = rng.integers(0 if empty_cases else 1, 8, n_cases)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    n_act = int(rng.integers(1, 7))
    act = rng.integers(0, n_act, offsets[-1]).astype(np.int8)
    gaps = rng.choice(np.array([0, 1, 60, 3_600, 86_400], np.int64) * _NS, offsets[-1])
    ts = 1_700_000_000 * _NS + np.cumsum(gaps)
    return Log(act, offsets, ts.astype(np.int64), n_act)


def case_ranges(offsets: np.ndarray):
    """(case, start, end) of every case."""
    for c in range(len(offsets) - 1):
        yield c, int(offsets[c]), int(offsets[c + 1])


def converted_at(rng: np.random.Generator, log: Log) -> np.ndarray:
    """Per case: the index of a random event of it (its conversion), or -1 for half."""
    out = np.full(log.n_cases, -1, np.int64)
    for c, s, e in case_ranges(log.offsets):
        if e > s and rng.random() < 0.5:
            out[c] = rng.integers(s, e)
    return out


def chunks(rng: np.random.Generator) -> int:
    """A number of runs of cases counted apart."""
    return int(rng.integers(1, 5))


def grouped_ns(rng: np.random.Generator, size: int, sort: bool = False) -> tuple:
    """(values, offsets): int64 ns in CSR groups (some empty, some long, ties and
    negatives), sorted within each group with `sort`."""
    lengths = rng.choice([0, 1, 2, 3, 5, 8, 70, 1_100], max(1, size // 20))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    values = rng.choice([0, 1, _NS, 3 * _NS], offsets[-1]) + rng.integers(
        -(10**12), 10**13, offsets[-1]
    )
    values = values.astype(np.int64)
    if sort:
        for g in range(len(lengths)):
            values[offsets[g] : offsets[g + 1]].sort()
    return values, offsets


def stage_map(rng: np.random.Generator, n_act: int) -> tuple[np.ndarray, int]:
    """A stage per activity code (-1: unmapped), and the number of stages."""
    n_stages = int(rng.integers(1, 4))
    return rng.integers(-1, n_stages, n_act).astype(np.int64), n_stages


# -- references: per-group statistics (stats, moments) -------------------------------------


def _stats_column(ns: np.ndarray) -> np.ndarray:
    """The rows MEAN ... SUM of one group, as numpy gives them."""
    s = ns / 1e9
    total = float(np.sum(s))
    return np.array(
        [
            total / len(s),
            np.median(s),
            np.quantile(s, 0.9),
            s.min(),
            s.max(),
            np.std(s, ddof=1) if len(s) > 1 else np.nan,
            total,
        ]
    )


def ref_segment_stats(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.full((7, len(offsets) - 1), np.nan)
    for g, s, e in case_ranges(offsets):
        if e > s:
            out[:, g] = _stats_column(np.sort(values[s:e]))
    return out


def ref_group_order_stats(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = ref_segment_stats(values, offsets)
    out[stats.STDEV] = np.nan
    return out


def check_stats(got: Any, want: Any) -> None:
    """Order statistics exact; sums, means and deviations within 1e-12 (numpy sums the
    float seconds, the kernels the exact int64 parts)."""
    (g, _), (w, _) = got, want
    exact = [stats.MEDIAN, stats.P90, stats.MIN, stats.MAX]
    np.testing.assert_array_equal(g[exact], w[exact])
    np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def ref_group_stdev(values: np.ndarray, offsets: np.ndarray, mean_s: np.ndarray) -> np.ndarray:
    out = np.full(len(offsets) - 1, np.nan)
    for g, s, e in case_ranges(offsets):
        if e - s > 1:
            out[g] = np.sqrt(np.sum((values[s:e] / 1e9 - mean_s[g]) ** 2) / (e - s - 1))
    return out


def ref_segment_medians(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    out = np.full(len(offsets) - 1, np.nan)
    for g, s, e in case_ranges(offsets):
        if e > s:
            out[g] = np.median(values[s:e] / 1e9)
    return out


def ref_sort_small_segments(values: np.ndarray, offsets: np.ndarray, limit: int) -> None:
    for _, s, e in case_ranges(offsets):
        if e - s <= limit:
            values[s:e] = np.sort(values[s:e])


def ref_group_moments(values: np.ndarray, offsets: np.ndarray) -> tuple:
    n = len(offsets) - 1
    whole = np.zeros(n, np.int64)
    rest = np.zeros(n, np.int64)
    low = np.full(n, np.iinfo(np.int64).max)
    high = np.full(n, np.iinfo(np.int64).min)
    mean = np.zeros(n)
    m2 = np.zeros(n)
    for g, s, e in case_ranges(offsets):
        if e > s:
            v = values[s:e]
            whole[g] = np.sum(v // _NS)
            rest[g] = np.sum(v % _NS)
            low[g], high[g] = v.min(), v.max()
            mean[g] = (whole[g] + rest[g] / 1e9) / len(v)
            m2[g] = np.sum((v / 1e9 - mean[g]) ** 2)
    return whole, rest, low, high, mean, m2


def stats_inputs(rng: np.random.Generator, size: int) -> tuple:
    return grouped_ns(rng, size, sort=True)


def unsorted_inputs(rng: np.random.Generator, size: int) -> tuple:
    return grouped_ns(rng, size)


def stdev_inputs(rng: np.random.Generator, size: int) -> tuple:
    values, offsets = grouped_ns(rng, size)
    return values, offsets, np.nan_to_num(ref_segment_stats(values, offsets)[stats.MEAN])


# -- references: events per case (activities, dfg, steps, conversion, filters) -----------


def ref_activity_counts(act: np.ndarray, offsets: np.ndarray, n_act: int) -> np.ndarray:
    out = np.zeros((4, n_act), np.int64)
    for _, s, e in case_ranges(offsets):
        if e > s:
            out[0] += np.bincount(act[s:e], minlength=n_act)
            out[1, np.unique(act[s:e])] += 1
            out[2, act[s]] += 1
            out[3, act[e - 1]] += 1
    return out


def ref_case_durations(ts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    lengths = np.diff(offsets)
    last = ts[np.maximum(offsets[1:] - 1, 0)] if len(ts) else np.zeros(len(lengths), np.int64)
    first = ts[np.minimum(offsets[:-1], max(len(ts) - 1, 0))] if len(ts) else last
    return np.where(lengths > 0, last - first, 0).astype(np.int64)


def ref_run_cursors(counts: np.ndarray) -> np.ndarray:
    """chunk_cursors' cursors: keys in order, runs in order within a key."""
    starts = np.concatenate([[0], np.cumsum(counts.sum(axis=0))])[:-1]
    return (starts + np.cumsum(counts, axis=0) - counts).astype(np.int64)


def ref_run_counts(keys: np.ndarray, n_groups: int, n_runs: int) -> np.ndarray:
    bounds = np.arange(n_runs + 1) * len(keys) // n_runs
    return np.array(
        [np.bincount(keys[a:b], minlength=n_groups) for a, b in itertools.pairwise(bounds)],
        np.int64,
    ).reshape(n_runs, n_groups)


def ref_grouped_case_durations(ts, offsets, keys, cursors) -> np.ndarray:
    counts = ref_run_counts(keys, cursors.shape[1], cursors.shape[0])
    durations = ref_case_durations(ts, offsets)[np.argsort(keys, kind="stable")]
    cursors += counts
    return durations


def grouped_case_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    n_keys, n_runs = int(rng.integers(1, 5)), chunks(rng)
    keys = rng.integers(0, n_keys, log.n_cases)
    cursors = ref_run_cursors(ref_run_counts(keys, n_keys, n_runs))
    return log.ts, log.offsets, keys, cursors


def pairs_of(log_act: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Index i of every consecutive pair (i, i + 1) within a case, in order."""
    return np.array(
        [i for _, s, e in case_ranges(offsets) for i in range(s, e - 1)], np.int64
    ).reshape(-1)


def ref_pair_keys(act, offsets, n_act, key_type) -> np.ndarray:
    i = pairs_of(act, offsets)
    return (act[i].astype(np.int64) * n_act + act[i + 1]).astype(key_type.dtype)


def ref_pair_cases(offsets: np.ndarray) -> tuple:
    i = pairs_of(None, offsets)
    return np.searchsorted(offsets, i, side="right") - 1, i + 1


def ref_number_edges(keys: np.ndarray, n_keys: int) -> np.ndarray:
    edge_keys, ids = np.unique(keys, return_inverse=True)
    keys[:] = ids
    return edge_keys.astype(np.int64)


def ref_edge_aggregate(edge_ids, ts, start_ts, offsets, n_edges) -> tuple:
    i = pairs_of(None, offsets)
    case = np.searchsorted(offsets, i, side="right") - 1
    frequency = np.bincount(edge_ids, minlength=n_edges).astype(np.int64)
    cases = np.zeros(n_edges, np.int64)
    for e in range(n_edges):
        cases[e] = len(np.unique(case[edge_ids == e]))
    order = np.argsort(edge_ids, kind="stable")
    durations = (start_ts[i + 1] - ts[i])[order]
    return frequency, cases, durations, np.concatenate([[0], np.cumsum(frequency)])


def edge_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    keys = ref_pair_keys(log.act, log.offsets, log.n_act, np.empty(0, np.int64))
    _, ids = np.unique(keys, return_inverse=True)
    start = log.ts - rng.integers(0, 2, len(log.ts)) * _NS
    return ids.astype(np.int64), log.ts, start, log.offsets, int(ids.max(initial=-1)) + 1


def ref_step_outcomes(step_ids, step_case, step_event, n_steps, converted_at) -> tuple:
    journeys = np.zeros(n_steps, np.int64)
    converting = np.zeros(n_steps, np.int64)
    abandoned = np.zeros(n_steps, np.int64)
    for c in np.unique(step_case):
        mine = np.flatnonzero(step_case == c)
        at = converted_at[c]
        before = {int(step_ids[i]) for i in mine if at < 0 or at >= step_event[i]}
        for e in before:
            journeys[e] += 1
            converting[e] += at >= 0
        if at < 0:
            abandoned[step_ids[mine[-1]]] += 1
    return journeys, converting, abandoned


def step_outcome_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    keys = ref_pair_keys(log.act, log.offsets, log.n_act, np.empty(0, np.int64))
    case, target = ref_pair_cases(log.offsets)
    return keys, case, target, log.n_act**2, converted_at(rng, log)


def ref_pair_counts(act, offsets, n_act, conv_at, eligible, n_chunks) -> tuple:
    """Per run of cases (kernels.grouping.case_chunks' runs): every step's count and
    outcomes by key; and the reach of the whole log."""
    n_keys = n_act * n_act
    bounds = ref_case_chunks(len(offsets) - 1, n_chunks)
    counts = np.zeros((n_chunks, 4, n_keys), np.int64)
    for k in range(n_chunks):
        lo, hi = bounds[k], bounds[k + 1]
        run = offsets[lo : hi + 1] - offsets[lo]
        part = act[offsets[lo] : offsets[hi]]
        keys = ref_pair_keys(part, run, n_act, np.empty(0, np.int64))
        case, target = ref_pair_cases(run)
        counts[k, 0] = np.bincount(keys, minlength=n_keys)
        local = np.where(conv_at[lo:hi] >= 0, conv_at[lo:hi] - offsets[lo], -1)
        counts[k, 1:] = ref_step_outcomes(keys, case, target, n_keys, local)
    return counts, ref_pair_reach(act, offsets, conv_at, eligible, n_chunks)


def ref_pair_durations(act, offsets, ts, start_ts, n_act, run_counts) -> tuple:
    keys = ref_pair_keys(act, offsets, n_act, np.empty(0, np.int64))
    _, target = ref_pair_cases(offsets)
    i = target - 1
    durations = (start_ts[i + 1] - ts[i])[np.argsort(keys, kind="stable")]
    totals = run_counts[:, 0].sum(axis=0)
    return durations, np.concatenate([[0], np.cumsum(totals)])


def ref_pair_reach(act, offsets, conv_at, eligible, n_chunks) -> np.ndarray:
    out = np.zeros((2, len(eligible)), np.int64)
    for c, s, e in case_ranges(offsets):
        at = conv_at[c]
        sources = {
            int(act[i]) for i in range(s, e - 1) if eligible[act[i + 1]] and (at < 0 or at >= i + 1)
        }
        for a in sources:
            out[0, a] += 1
            out[1, a] += at >= 0
    return out


def steps_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    eligible = rng.random(log.n_act) < 0.5
    return log.act, log.offsets, log.n_act, converted_at(rng, log), eligible, chunks(rng)


def duration_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    start = log.ts - rng.integers(0, 2, len(log.ts)) * _NS
    conv_at, eligible = converted_at(rng, log), rng.random(log.n_act) < 0.5
    run_counts, _ = ref_pair_counts(log.act, log.offsets, log.n_act, conv_at, eligible, chunks(rng))
    return log.act, log.offsets, log.ts, start, log.n_act, run_counts


def reach_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    return log.act, log.offsets, converted_at(rng, log), rng.random(log.n_act) < 0.5, chunks(rng)


def ref_conversion_times(act, offsets, ts, converts, window_end) -> tuple:
    n = len(offsets) - 1
    converted = np.zeros(n, bool)
    elapsed = np.zeros(n, np.int64)
    at_event = np.full(n, -1, np.int64)
    observed = np.empty(n, np.int64)
    for c, s, e in case_ranges(offsets):
        observed[c] = window_end - ts[s]
        hits = [i for i in range(s, e) if converts[act[i]]]
        if hits:
            converted[c], elapsed[c], at_event[c] = True, ts[hits[0]] - ts[s], hits[0]
    return converted, elapsed, at_event, observed


def conversion_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    return log.act, log.offsets, log.ts, rng.random(log.n_act) < 0.4, int(log.ts.max())


def ref_km_keys(converted, elapsed, observed) -> np.ndarray:
    return np.where(converted, elapsed * 2, observed * 2 + 1).astype(np.int64)


def km_key_inputs(rng: np.random.Generator, size: int) -> tuple:
    converted = rng.random(size) < 0.5
    return converted, rng.integers(0, 10, size) * _NS, rng.integers(0, 20, size) * _NS


def _km_rows(times: list, at_risk: list, events: list, censored: list) -> tuple:
    survival, greenwood, s, g = [], [], 1.0, 0.0
    for r, d in zip(at_risk, events, strict=True):
        s *= 1.0 - d / r
        g = g + d / (r * (r - d)) if r > d else np.inf
        survival.append(s)
        greenwood.append(g)
    as_int = [np.array(x, np.int64) for x in (times, at_risk, events, censored)]
    return (*as_int, np.array(survival), np.array(greenwood))


def ref_kaplan_meier(keys: np.ndarray) -> tuple:
    durations, censored = keys >> 1, (keys & 1) == 1
    times = sorted(set(durations[~censored].tolist()))
    rows: tuple[list, list, list, list] = ([], [], [], [])
    for k, t in enumerate(times):
        following = times[k + 1] if k + 1 < len(times) else np.inf
        rows[0].append(t)
        rows[1].append(int((durations >= t).sum()))
        rows[2].append(int(((durations == t) & ~censored).sum()))
        rows[3].append(int(((durations >= t) & (durations < following) & censored).sum()))
    return _km_rows(*rows)


def km_inputs(rng: np.random.Generator, size: int) -> tuple:
    return (np.sort(rng.integers(0, 40, size)).astype(np.int64),)


def ref_kaplan_meier_counted(events: np.ndarray, censorings: np.ndarray) -> tuple:
    with_events = np.flatnonzero(events > 0)
    rows: tuple[list, list, list, list] = ([], [], [], [])
    for k, t in enumerate(with_events):
        following = with_events[k + 1] if k + 1 < len(with_events) else len(events)
        rows[0].append(t)
        rows[1].append(int(events[t:].sum() + censorings[t:].sum()))
        rows[2].append(int(events[t]))
        rows[3].append(int(censorings[t:following].sum()))
    return _km_rows(*rows)


def km_counted_inputs(rng: np.random.Generator, size: int) -> tuple:
    n = max(1, size // 10)
    return rng.integers(0, 3, n).astype(np.int64), rng.integers(0, 3, n).astype(np.int64)


def ref_contains_cases(act, offsets, wanted, need_all) -> np.ndarray:
    flagged = set(np.flatnonzero(wanted).tolist())
    out = np.zeros(len(offsets) - 1, bool)
    for c, s, e in case_ranges(offsets):
        have = set(act[s:e].tolist()) & flagged
        out[c] = have == flagged if need_all else bool(have)
    return out


def contains_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    return log.act, log.offsets, rng.random(log.n_act) < 0.4, bool(rng.random() < 0.5)


def ref_follows_cases(act, offsets, ts, a, b, directly, max_gap_ns) -> np.ndarray:
    out = np.zeros(len(offsets) - 1, bool)
    for c, s, e in case_ranges(offsets):
        for i in range(s, e):
            for j in [i + 1] if directly else range(i + 1, e):
                if j < e and act[i] == a and act[j] == b:
                    out[c] |= max_gap_ns < 0 or ts[j] - ts[i] <= max_gap_ns
    return out


def follows_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    a, b = rng.integers(0, log.n_act, 2)
    gap = int(rng.choice([-1, 0, 60 * _NS, 7_200 * _NS]))
    return log.act, log.offsets, log.ts, a, b, bool(rng.random() < 0.5), gap


def ref_session_starts(offsets, ts, gap_ns) -> np.ndarray:
    out = np.zeros(len(ts), bool)
    for _, s, e in case_ranges(offsets):
        for i in range(s, e):
            out[i] = i == s or ts[i] - ts[i - 1] > gap_ns
    return out


def session_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    return log.offsets, log.ts, int(rng.choice([0, 60, 3_600])) * _NS


def ref_kept_offsets(offsets, keep_event) -> tuple:
    counts = np.array([keep_event[s:e].sum() for _, s, e in case_ranges(offsets)], np.int64)
    kept = counts > 0
    return np.concatenate([[0], np.cumsum(counts[kept])]).astype(np.int64), kept


def kept_offsets_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    return log.offsets, rng.random(len(log.act)) < 0.5


def ref_case_slice(offsets, keep_case) -> tuple:
    kept = np.flatnonzero(keep_case).astype(np.int64)
    lengths = np.diff(offsets)[kept]
    events = [np.arange(offsets[c], offsets[c + 1]) for c in kept]
    flat = np.concatenate(events) if events else np.zeros(0)
    return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), flat.astype(np.int64), kept


def case_slice_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    return log.offsets, rng.random(log.n_cases) < 0.5


def ref_trim_events(act, offsets, anchor, until, until_at, before, after) -> tuple:
    keep = np.zeros(len(act), bool)
    kept_case = np.zeros(len(offsets) - 1, bool)
    for c, s, e in case_ranges(offsets):
        hits = [i for i in range(s, e) if act[i] == anchor] if anchor >= 0 else [s]
        if not hits or hits[0] >= e:
            continue
        first = hits[0]
        if len(until_at):
            last = until_at[c]
        elif until >= 0:
            ends = [i for i in range(first, e) if act[i] == until]
            last = ends[0] if ends else -1
        else:
            last = e - 1
        if last < first:
            continue
        lo = first if before < 0 else max(s, first - before)
        hi = last if after < 0 else min(last, first + after)
        keep[lo : hi + 1] = True
        kept_case[c] = hi >= lo
    return keep, kept_case


def trim_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    anchor, until = (int(x) for x in rng.integers(-1, log.n_act, 2))
    until_at = np.zeros(0, np.int64)
    if rng.random() < 0.3:
        until_at = np.array(
            [rng.integers(s - 1, e) if e > s else -1 for _, s, e in case_ranges(log.offsets)],
            np.int64,
        )
    before, after = (int(x) for x in rng.integers(-1, 3, 2))
    return log.act, log.offsets, anchor, until, until_at, before, after


# -- references: grouping -----------------------------------------------------------------


def ref_group_values(values, keys, n_groups) -> tuple:
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_groups)
    return values[order], np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def group_values_inputs(rng: np.random.Generator, size: int) -> tuple:
    n_groups = int(rng.integers(1, 9))
    return rng.integers(-100, 100, size), rng.integers(0, n_groups, size), n_groups


def ref_case_chunks(n_cases, n_chunks) -> np.ndarray:
    return (np.arange(n_chunks + 1) * n_cases // n_chunks).astype(np.int64)


def ref_chunk_cursors(counts) -> tuple:
    return ref_run_cursors(counts), np.concatenate([[0], np.cumsum(counts.sum(axis=0))]).astype(
        np.int64
    )


def ref_relabel(values, mapping) -> None:
    values[:] = mapping[values]


def ref_tally(keys, flags, n_groups) -> tuple:
    wide = keys.astype(np.int64)
    counts = np.bincount(wide, minlength=n_groups).astype(np.int64)
    return counts, np.bincount(wide[flags], minlength=n_groups).astype(np.int64)


# -- references: journeys (stages, channels, satisfaction, attribution, lost) ------------


def _visits(act, offsets, stage_of) -> list[list[tuple[int, int]]]:
    """Per case, its stage visits: (stage, index of its first event)."""
    out = []
    for _, s, e in case_ranges(offsets):
        visits: list[tuple[int, int]] = []
        for i in range(s, e):
            st = int(stage_of[act[i]])
            if st >= 0 and (not visits or visits[-1][0] != st):
                visits.append((st, i))
        out.append(visits)
    return out


def ref_stage_visits(act, offsets, ts, stage_of) -> tuple:
    rows = []
    for c, visits in enumerate(_visits(act, offsets, stage_of)):
        mapped = [i for i in range(offsets[c], offsets[c + 1]) if stage_of[act[i]] >= 0]
        for k, (st, i) in enumerate(visits):
            last = k == len(visits) - 1
            end = ts[mapped[-1]] if last else ts[visits[k + 1][1]]
            rows.append((c, st, i, ts[i], end, last))
    columns = list(zip(*rows, strict=True)) or [[]] * 6
    dtypes = [np.int64, np.int32, np.int64, np.int64, np.int64, bool]
    return tuple(np.array(col, dtype) for col, dtype in zip(columns, dtypes, strict=True))


def stage_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    return log.act, log.offsets, log.ts, stage_map(rng, log.n_act)[0]


def ref_visit_moves(case, stage, first_event, start, end, n_stages) -> tuple:
    m = np.flatnonzero(case[1:] == case[:-1])
    keys = stage[m].astype(np.int64) * n_stages + stage[m + 1]
    return keys, case[m], first_event[m + 1], end[m] - start[m]


def visit_moves_inputs(rng: np.random.Generator, size: int) -> tuple:
    act, offsets, ts, stage_of = stage_inputs(rng, size)
    case, stage, first, start, end, _ = ref_stage_visits(act, offsets, ts, stage_of)
    return case, stage, first, start, end, int(stage_of.max(initial=0)) + 1


def ref_closed_dwell_counts(act, offsets, ts, stage_of, n_stages, edges, n_chunks) -> np.ndarray:
    n_bins = len(edges) - 1
    counts = np.zeros(n_stages * n_bins, np.int64)
    for _c, visits in enumerate(_visits(act, offsets, stage_of)):
        for (st, i), (_, j) in itertools.pairwise(visits):
            seconds = np.float64(ts[j] - ts[i]) / 1e9
            b = min(max(np.searchsorted(edges, seconds, side="right") - 1, 0), n_bins - 1)
            counts[st * n_bins + b] += 1
    return counts


def dwell_inputs(rng: np.random.Generator, size: int) -> tuple:
    act, offsets, ts, stage_of = stage_inputs(rng, size)
    edges = np.array([0.0, 1.0, 100.0, 10_000.0, 1e6])
    return act, offsets, ts, stage_of, int(stage_of.max(initial=0)) + 1, edges, chunks(rng)


def ref_stage_pass(act, offsets, ts, stage_of, n_stages, conv_at, eligible, n_chunks) -> tuple:
    per_stage = np.zeros((8, n_stages), np.int64)
    per_move = np.zeros((5, n_stages * n_stages), np.int64)
    dwells: list[list[int]] = [[] for _ in range(n_stages * n_stages)]
    for c, visits in enumerate(_visits(act, offsets, stage_of)):
        if not visits:
            continue
        at = conv_at[c]
        abandoned = at < 0
        furthest = max(st for st, _ in visits)
        for st, _ in visits:
            per_stage[stages.STAGE_VISITS, st] += 1
        per_stage[stages.STAGE_CASES, sorted({st for st, _ in visits})] += 1
        per_stage[stages.STAGE_OPEN, visits[-1][0]] += 1
        per_stage[stages.STAGE_FURTHEST, furthest] += 1
        per_stage[stages.STAGE_LAST_ABANDONED, visits[-1][0]] += abandoned
        per_stage[stages.STAGE_FURTHEST_ABANDONED, furthest] += abandoned
        moves = [
            (a * n_stages + b, a, b, j, ts[j] - ts[i])
            for (a, i), (b, j) in itertools.pairwise(visits)
        ]
        for key, *_, dwell in moves:
            per_move[stages.MOVE_COUNT, key] += 1
            dwells[key].append(dwell)
        per_move[stages.MOVE_CASES, sorted({m[0] for m in moves})] += 1
        before = [m for m in moves if at < 0 or at >= m[3]]
        per_move[stages.MOVE_JOURNEYS, sorted({m[0] for m in before})] += 1
        per_move[stages.MOVE_CONVERTING, sorted({m[0] for m in before})] += not abandoned
        if moves and abandoned:
            per_move[stages.MOVE_LAST_ABANDONED, moves[-1][0]] += 1
        left = sorted({m[1] for m in before if eligible[m[2]]})
        per_stage[stages.STAGE_REACHED, left] += 1
        per_stage[stages.STAGE_REACHED_CONVERTING, left] += not abandoned
    grouped = np.array([d for ds in dwells for d in ds], np.int64)
    lengths = [len(ds) for ds in dwells]
    return per_stage, per_move, grouped, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)


def stage_pass_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    stage_of, n_stages = stage_map(rng, log.n_act)
    eligible = rng.random(n_stages) < 0.5
    return (
        log.act,
        log.offsets,
        log.ts,
        stage_of,
        n_stages,
        converted_at(rng, log),
        eligible,
        chunks(rng),
    )


def ref_channel_switches(channel, offsets, n_channels, at_event, n_chunks) -> tuple:
    size = n_channels * n_channels
    transitions, cases, last_step = (np.zeros(size, np.int64) for _ in range(3))
    used = np.zeros(len(offsets) - 1, np.int64)
    for c, s, e in case_ranges(offsets):
        seen = [int(x) for x in channel[s:e] if x >= 0]
        upto = e if at_event[c] < 0 else at_event[c] + 1  # through the converting event
        used[c] = len({int(x) for x in channel[s:upto] if x >= 0})
        abandoned = at_event[c] < 0
        keys = [a * n_channels + b for a, b in itertools.pairwise(seen)]
        for k in keys:
            transitions[k] += 1
        cases[sorted(set(keys))] += 1
        if abandoned and keys:
            last_step[keys[-1]] += 1
    return transitions, cases, last_step, used


def channel_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    n = int(rng.integers(1, 4))
    channel = rng.integers(-1, n, len(log.act)).astype(np.int64)
    # Each case's converting event (-1: none), anywhere among its events.
    at_event = np.full(log.n_cases, -1, np.int64)
    for c, s, e in case_ranges(log.offsets):
        if e > s and rng.random() < 0.5:
            at_event[c] = rng.integers(s, e)
    return channel, log.offsets, n, at_event, chunks(rng)


def ref_score_summary(score, act, stage_of, offsets, threshold, abandoned, n_stages) -> tuple:
    def sums(n: int) -> tuple:
        return np.zeros(n, np.int64), np.zeros(n), np.zeros(n), np.zeros(n, np.int64)

    by_touchpoint, by_stage = sums(len(stage_of)), sums(n_stages)
    outcomes = tuple(np.zeros(n_stages, np.int64) for _ in range(4))
    for c, s, e in case_ranges(offsets):
        lowest: dict[int, float] = {}
        for i in range(s, e):
            v = score[i]
            if np.isnan(v):
                continue
            places = [(by_touchpoint, act[i])]
            if stage_of[act[i]] >= 0:
                places.append((by_stage, stage_of[act[i]]))
                st = int(stage_of[act[i]])
                lowest[st] = min(lowest.get(st, v), v)
            for (n, total, squares, low), k in places:
                n[k] += 1
                total[k] += v
                squares[k] += v * v
                low[k] += v <= threshold
        for st, v in lowest.items():
            row = 0 if v <= threshold else 2
            outcomes[row][st] += 1
            outcomes[row + 1][st] += abandoned[c]
    return by_touchpoint, by_stage, outcomes


def score_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    stage_of, n_stages = stage_map(rng, log.n_act)
    score = rng.choice([np.nan, 1.0, 2.0, 3.5, 5.0], len(log.act))
    return score, log.act, stage_of, log.offsets, 2.0, rng.random(log.n_cases) < 0.5, n_stages


def ref_heuristic_credits(states, offsets, ts, conv_at, n_states, half_life_ns, n_chunks):
    out = np.zeros((4, n_states + 1))
    for c, s, _ in case_ranges(offsets):
        at = conv_at[c]
        if at < 0:
            continue
        if at == s:
            out[:, n_states] += 1.0
            continue
        path = states[s:at]
        weights = 2.0 ** (-(ts[at] - ts[s:at]) / half_life_ns)
        out[attribution.FIRST, path[0]] += 1.0
        out[attribution.LAST, path[-1]] += 1.0
        np.add.at(out[attribution.LINEAR], path, 1.0 / len(path))
        np.add.at(out[attribution.DECAY], path, weights / weights.sum())
    return out


def credit_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    at = converted_at(rng, log)
    return log.act, log.offsets, log.ts, at, log.n_act, 3_600e9, chunks(rng)


def _mix64(x: int) -> int:
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def ref_block_transition_counts(states, offsets, conv_at, n_states, n_blocks, seed, n_chunks):
    counts = np.zeros((n_blocks, n_states + 1, n_states + 2))
    for c, s, e in case_ranges(offsets):
        block = _mix64(((seed * 0x9E3779B97F4A7C15) & _MASK64) ^ c) % n_blocks
        at = conv_at[c]
        path = [n_states, *states[s : at if at >= 0 else e].tolist()]
        for a, b in itertools.pairwise(path):
            counts[block, a, b] += 1.0
        counts[block, path[-1], n_states if at >= 0 else n_states + 1] += 1.0
    return counts


def block_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    return (
        log.act,
        log.offsets,
        converted_at(rng, log),
        log.n_act,
        3,
        int(rng.integers(0, 99)),
        chunks(rng),
    )


def ref_tied_steps(offsets, ts, source_row, n_chunks) -> np.ndarray:
    out = np.zeros(3, np.int64)
    for _, s, e in case_ranges(offsets):
        for i in range(s, e - 1):
            out[0] += 1
            out[1] += ts[i + 1] == ts[i]
            out[2] += ts[i + 1] != ts[i] and source_row[i + 1] < source_row[i]
    return out


def tied_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)  # timestamps with ties
    rows = rng.permutation(len(log.act)).astype(np.int64)
    if rng.random() < 0.5:  # rows in time order within each case
        rows = np.arange(len(log.act), dtype=np.int64)
    offsets = log.offsets
    if rng.random() < 0.3:  # cases without events (a filtered log may keep them)
        at = rng.integers(0, len(offsets), size=rng.integers(1, 5))
        offsets = np.sort(np.concatenate([offsets, offsets[at]]))
    return offsets, log.ts, rows, chunks(rng)


def ref_journey_profiles(
    act, offsets, conv_at, pairs, moves, splits, n_places, n_sources, n_chunks
) -> tuple:
    """Per case: its comparable steps taken before converting, each once, by the event
    first arrived at (touchpoint, then stage move, then channel move), then the sources
    left by an alternative step, ascending as -(slot + 1)."""
    n_act, act_eligible, act_source, pair_keys, _, pair_place = pairs
    stage_of, n_stages, stage_eligible, stage_source, move_keys, _, move_place = moves
    channel, n_channels, split_keys, _, split_place = splits
    pair = {int(k): int(p) for k, p in zip(pair_keys, pair_place, strict=True)}
    move = {int(k): int(p) for k, p in zip(move_keys, move_place, strict=True)}
    split = {int(k): int(p) for k, p in zip(split_keys, split_place, strict=True)}
    converted, sizes, items = [], [0], []
    for c, s, e in case_ranges(offsets):
        at = int(conv_at[c])
        end = e if at < 0 else min(e, at + 1)
        taken: dict[int, tuple[int, int]] = {}  # place: (event first arrived at, level)
        left = set()
        for i in range(s + 1, end):
            a, b = int(act[i - 1]), int(act[i])
            if act_eligible[b] and act_source[a] >= 0:
                left.add(int(act_source[a]))
            if pair.get(a * n_act + b, -1) >= 0:
                taken.setdefault(pair[a * n_act + b], (i, 0))
        visits = _visits(act[:end], np.array([s, end]), stage_of)[0] if end > s else []
        for (a, _), (b, i) in itertools.pairwise(visits):
            if stage_eligible[b] and stage_source[a] >= 0:
                left.add(int(stage_source[a]))
            key = a * n_stages + b
            if move.get(key, -1) >= 0:
                taken.setdefault(move[key], (i, 1))
            if split:
                key = key * n_channels + int(channel[i]) + 1
                if split.get(key, -1) >= 0:
                    taken.setdefault(split[key], (i, 2))
        own = sorted(taken, key=taken.get) + [-(slot + 1) for slot in sorted(left)]
        converted.append(at >= 0)
        items += own
        sizes.append(sizes[-1] + len(own))
    return (
        np.array(converted, dtype=bool),
        np.array(sizes, np.int64),
        np.array(items, np.int32),
    )


def _lookup_table(rng: np.random.Generator, n_keys: int, n_places: int) -> tuple:
    """A level's sorted keys, their slots (a table or empty) and place numbers (-1: not
    comparable)."""
    keys = np.unique(rng.integers(0, max(n_keys, 1), int(rng.integers(0, 5)))).astype(np.int64)
    slots = np.zeros(0, np.int64)
    if rng.random() < 0.5 and keys.size:
        slots = np.full(n_keys, -1, np.int64)
        slots[keys] = np.arange(len(keys))
    return keys, slots, rng.integers(-1, n_places, len(keys)).astype(np.int64)


def profile_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    stage_of, n_stages = stage_map(rng, log.n_act)
    n_places, n_sources = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    n_channels = int(rng.integers(1, 4))
    channel = rng.integers(-1, n_channels - 1, len(log.act)).astype(np.int64)
    split = _lookup_table(rng, n_stages * n_stages * n_channels, n_places)
    if rng.random() < 0.3:  # no channel level
        split, n_channels = (np.zeros(0, np.int64),) * 3, 1
    pairs = (
        log.n_act,
        rng.random(log.n_act) < 0.7,
        rng.integers(-1, n_sources, log.n_act).astype(np.int64),
        *_lookup_table(rng, log.n_act**2, n_places),
    )
    moves = (
        stage_of,
        n_stages,
        rng.random(n_stages) < 0.7,
        rng.integers(-1, n_sources, n_stages).astype(np.int64),
        *_lookup_table(rng, n_stages**2, n_places),
    )
    splits = (channel, n_channels, *split)
    head = (log.act, log.offsets, converted_at(rng, log))
    return (*head, pairs, moves, splits, n_places, n_sources, chunks(rng))


def ref_group_profiles(counts, converted, offsets, items) -> tuple:
    """Equal (converted, items) added up, empty ones left out, in sorted order."""
    groups: dict[tuple, int] = {}
    for g, (s, e) in enumerate(itertools.pairwise(offsets)):
        own = tuple(int(x) for x in items[s:e])
        if own and counts[g] > 0:
            key = (bool(converted[g]), own)
            groups[key] = groups.get(key, 0) + int(counts[g])
    keys = sorted(groups)
    lengths = [len(own) for _, own in keys]
    return (
        np.array([groups[k] for k in keys], np.int64),
        np.array([conv for conv, _ in keys], dtype=bool),
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        np.array([x for _, own in keys for x in own], np.int32),
    )


def grouped_profile_inputs(rng: np.random.Generator, size: int) -> tuple:
    """Profiles over a small alphabet (many equal), some empty, some counted 0."""
    lengths = rng.integers(0, 4, max(1, size // 3))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    items = rng.integers(-3, 4, offsets[-1]).astype(np.int32)
    counts = rng.integers(0, 4, len(lengths)).astype(np.int64)
    return counts, rng.random(len(lengths)) < 0.5, offsets, items


def _columns(one: Callable[..., Any], *columns: np.ndarray) -> Callable[..., Any]:
    """A 2-D kernel's reference from a 1-D one: each replicate (column) on its own."""

    def both(*args):
        width = args[columns[0]].shape[1]
        runs = []
        for r in range(width):
            own = [a[:, r] if i in columns else a for i, a in enumerate(args)]
            result = one(*own)
            runs.append(result if isinstance(result, tuple) else (result,))
        out = tuple(np.stack(parts, axis=1) for parts in zip(*runs, strict=True))
        return out if len(out) > 1 else out[0]

    return both


def tally_inputs(rng: np.random.Generator, size: int) -> tuple:
    """Grouped-profile inputs, weights for 1 to 3 replicates, and the number of places and
    sources their items name."""
    counts, converted, offsets, items = grouped_profile_inputs(rng, size)
    weights = rng.integers(0, 4, (len(counts), int(rng.integers(1, 4)))).astype(np.int64)
    steps, sources = items[items >= 0], -items[items < 0] - 1
    n_places, n_sources = int(steps.max(initial=-1)) + 1, int(sources.max(initial=-1)) + 1
    return weights, converted, offsets, items, n_places, n_sources


def _tally_one(weights, converted, offsets, items, n_places, n_sources) -> tuple:
    took, won = np.zeros(n_places, np.int64), np.zeros(n_places, np.int64)
    reached, reached_won = np.zeros(n_sources, np.int64), np.zeros(n_sources, np.int64)
    for g, (s, e) in enumerate(itertools.pairwise(offsets)):
        for x in items[s:e]:
            steps, count = (took, won) if x >= 0 else (reached, reached_won)
            at = x if x >= 0 else -x - 1
            steps[at] += weights[g]
            count[at] += weights[g] if converted[g] else 0
    return took, won, reached, reached_won


def profile_set_inputs(rng: np.random.Generator, size: int) -> tuple:
    """Grouped profiles whose steps come first, then their sources (as the kernel writes
    them), with the number of places and of sources."""
    n_places, n_sources = int(rng.integers(1, 6)), int(rng.integers(1, 4))
    converted, sizes, items = [], [0], []
    for _ in range(max(1, size // 3)):
        steps = list(rng.permutation(n_places)[: rng.integers(0, 3)])
        sources = sorted(rng.permutation(n_sources)[: rng.integers(0, 3)])
        items += steps + [-(s + 1) for s in sources]
        sizes.append(len(items))
        converted.append(rng.random() < 0.4)
    counts = rng.integers(1, 60, len(converted)).astype(np.int64)
    profiles = (counts, np.array(converted), np.array(sizes, np.int64), np.array(items, np.int32))
    return profiles, n_places, n_sources


def _chances_one(took, won, reached, reached_won, place_source) -> tuple:
    q, alone = np.zeros(len(took)), np.zeros(len(took))
    for p, s in enumerate(place_source):
        n_a, k_a = int(reached[s] - took[p]), int(reached_won[s] - won[p])
        if took[p] > 0 and n_a > 0:
            gain = k_a * int(took[p]) - int(won[p]) * n_a
            if gain > 0:
                q[p] = float(gain) / float(n_a * int(took[p] - won[p]))
                alone[p] = float(gain) / float(n_a)
    return q, alone


def chance_inputs(rng: np.random.Generator, size: int) -> tuple:
    n, width = max(1, size // 5), int(rng.integers(1, 4))
    n_sources = int(rng.integers(1, 4))
    place_source = rng.integers(0, n_sources, n).astype(np.int64)
    took = rng.integers(0, 40, (n, width)).astype(np.int64)
    won = (took * rng.random((n, width))).astype(np.int64)
    reached = np.zeros((n_sources, width), np.int64)
    reached_won = np.zeros((n_sources, width), np.int64)
    np.add.at(reached, place_source, took)
    np.add.at(reached_won, place_source, won)
    extra = rng.integers(0, 40, (n_sources, width))
    reached_won += (extra * rng.random((n_sources, width))).astype(np.int64)
    return took, won, reached + extra, reached_won, place_source


def _charge_one(weights, converted, offsets, items, q) -> np.ndarray:
    charged = np.zeros(len(q), np.int64)
    for g, (s, e) in enumerate(itertools.pairwise(offsets)):
        steps = [int(x) for x in items[s:e] if x >= 0]
        best = max(steps, key=lambda p: q[p], default=-1)  # max keeps the first of ties
        if not converted[g] and weights[g] > 0 and best >= 0 and q[best] > 0:
            charged[best] += weights[g]
    return charged


def charge_profile_inputs(rng: np.random.Generator, size: int) -> tuple:
    (counts, converted, offsets, items), n_places, _ = profile_set_inputs(rng, size)
    width = int(rng.integers(1, 4))
    weights = rng.integers(0, 3, (len(counts), width)).astype(np.int64)
    return weights, converted, offsets, items, rng.choice([0.0, 0.2, 0.5], (n_places, width))


ref_tally_profiles = _columns(_tally_one, 0)
ref_chances = _columns(_chances_one, 0, 1, 2, 3)
ref_charge_profiles = _columns(_charge_one, 0, 4)


_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def _mix64(x: int) -> int:
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _ref_unit(state: int, j: int) -> float:
    return (_mix64((state + (j + 1) * _GOLDEN) & _MASK64) >> 11) / 2.0**53


def _ref_ptrs(lam: float, state: int) -> int:
    """Hörmann's PTRS, as numpy's legacy generator writes it."""
    slam, loglam = math.sqrt(lam), math.log(lam)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    j = 0
    while True:
        u, v = _ref_unit(state, j) - 0.5, _ref_unit(state, j + 1)
        j += 2
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        accept = -lam + k * loglam - math.lgamma(k + 1)
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= accept:
            return k


def ref_poisson_weights(counts, keep, alias, size, seed, first, out) -> np.ndarray:
    """Replicate b's stream, group g's state, then one uniform through the alias tables,
    or PTRS for groups beyond them; written to every row of `out` (groups without
    journeys draw 0)."""
    out[:] = 0
    for r in range(out.shape[1]):
        stream = _mix64((seed ^ ((first + r) * _GOLDEN & _MASK64)) + _GOLDEN & _MASK64)
        for g, n in enumerate(int(c) for c in counts):
            state = _mix64((stream + (g + 1) * _GOLDEN) & _MASK64)
            if n >= len(size):
                out[g, r] = _ref_ptrs(float(n), state)
            elif n > 0:
                x = _ref_unit(state, 0) * size[n]
                i = int(x)
                out[g, r] = i if x - i < keep[n, i] else alias[n, i]
    return out


def poisson_inputs(rng: np.random.Generator, size: int) -> tuple:
    counts = rng.choice([0, 1, 2, 5, 32, 33, 200, 5_000], max(1, size)).astype(np.int64)
    seed, first = int(rng.integers(0, 2**31)), int(rng.integers(0, 1000))
    # Filled with -7 where the draws go: the kernel must write every row, empty groups too.
    return (
        counts,
        *poisson_alias(),
        seed,
        first,
        np.full((len(counts), int(rng.integers(1, 5))), -7),
    )


def ref_bootstrap_profiles(
    counts,
    converted,
    offsets,
    items,
    place_source,
    n_sources,
    n_boot,
    alpha,
    seed,
    tables,
    lo,
    hi,
    block,
    workers,
) -> np.ndarray:
    """Replicate b: ref_poisson_weights, then the groups, chances and charges redone."""
    n_places = len(place_source)
    replicates = np.zeros((n_boot, 2, n_places))
    for b in range(n_boot):
        weights = ref_poisson_weights(
            counts, *tables, seed, b, np.empty((len(counts), 1), np.int64)
        )[:, 0]
        took, won, reached, reached_won = _tally_one(
            weights, converted, offsets, items, n_places, n_sources
        )
        q, alone = _chances_one(took, won, reached, reached_won, place_source)
        replicates[b, 0] = alone
        replicates[b, 1] = _charge_one(weights, converted, offsets, items, q) * q
    low, high = np.quantile(replicates, [alpha / 2, 1 - alpha / 2], axis=0)
    return np.stack([low[0], high[0], low[1], high[1]], axis=1)[lo:hi]


def bootstrap_profile_inputs(rng: np.random.Generator, size: int) -> tuple:
    profiles, n_places, n_sources = profile_set_inputs(rng, size)
    place_source = rng.integers(0, n_sources, n_places).astype(np.int64)
    n_boot, alpha = int(rng.integers(20, 60)), float(rng.choice([0.05, 0.1, 0.2]))
    lo = int(rng.integers(0, n_places))
    hi = int(rng.integers(lo, n_places + 1))
    block = int(rng.integers(1, 40))
    return (
        *profiles,
        place_source,
        n_sources,
        n_boot,
        alpha,
        12345,
        poisson_alias(),
        lo,
        hi,
        block,
        int(rng.integers(1, 4)),  # threads: the intervals must not depend on them
    )


# -- references: text, time units --------------------------------------------------------


def ref_names_by_code(name_offsets, name_bytes, codes, offset_type) -> tuple:
    names = [bytes(name_bytes[a:b]) for a, b in itertools.pairwise(name_offsets)]
    picked = [names[c] for c in codes]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in picked])]).astype(offset_type.dtype)
    return offsets, np.frombuffer(b"".join(picked), np.uint8).copy()


def names_inputs(rng: np.random.Generator, size: int) -> tuple:
    names = [b"", b"a", b"visit", "caf\u00e9".encode()]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in names])]).astype(np.int64)
    data = np.frombuffer(b"".join(names), np.uint8).copy()
    return offsets, data, rng.integers(0, len(names), size), np.empty(0, np.int32)


_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_FNV_PRIME = 0x100000001B3


def _text_key(name: bytes) -> tuple[int, int]:
    """code_text's two key words: the first 8 bytes and the next 8 (little-endian, padded
    with zeros), the second also folding in a hash of the bytes past 16."""
    k1 = int.from_bytes(name[:8].ljust(8, b"\0"), "little")
    k2 = int.from_bytes(name[8:16].ljust(8, b"\0"), "little")
    for byte in name[16:]:
        k2 = ((k2 ^ byte) * _FNV_PRIME) & _MASK64
    return k1, k2


def _text_slot(length: int, k1: int, k2: int, size: int) -> int:
    h = ((k1 * _M1) & _MASK64) ^ ((k2 * _M2) & _MASK64) ^ length
    h = ((h ^ (h >> 31)) * _M1) & _MASK64
    return (h ^ (h >> 29)) & (size - 1)


def _place(table, code: int, length: int, k1: int, k2: int) -> None:
    slot = _text_slot(length, k1, k2, len(table))
    while table[slot] >= 0:
        slot = (slot + 1) % len(table)
    table[slot] = code


def ref_code_text(offsets, data, validity, out, limit, table, entries, entry_bytes, state) -> int:
    count, used = int(state[0]), int(state[1])
    known = {
        bytes(entry_bytes[int(e[3]) : int(e[3]) + int(e[0])]): code
        for code, e in enumerate(entries[:count])
    }
    stopped = len(out)
    for i in range(len(out)):
        if len(validity) and not validity[i]:
            out[i] = -1
            continue
        name = bytes(data[offsets[i] : offsets[i + 1]])
        if name not in known:
            full = count >= limit or count >= len(entries) or 2 * (count + 1) > len(table)
            if full or used + len(name) > len(entry_bytes):
                stopped = i
                break
            k1, k2 = _text_key(name)
            entries[count] = (len(name), k1, k2, used)
            entry_bytes[used : used + len(name)] = np.frombuffer(name, np.uint8)
            _place(table, count, len(name), k1, k2)
            known[name] = count
            count, used = count + 1, used + len(name)
        out[i] = known[name]
    state[0], state[1] = count, used
    return stopped


def text_inputs(rng: np.random.Generator, size: int) -> tuple:
    """Names short and long (past 16 bytes, some sharing their first 16), empty and not
    ASCII, some null; the table, entries, bytes or the codes' type sometimes too small
    for them all, so that the kernel stops early."""
    pool = [b"", b"a", b"visit", "caf\u00e9".encode(), b"checkout_started", b"checkout_startee"]
    pool += [b"x" * 16 + bytes([65 + k]) * k for k in range(1, 6)]
    pool += [rng.bytes(int(rng.integers(1, 30))).replace(b"\0", b"") for _ in range(12)]
    names = [pool[k] for k in rng.integers(0, len(pool), size)]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in names])])
    offsets = offsets.astype(rng.choice([np.int32, np.int64]))
    data = np.frombuffer(b"".join(names), np.uint8).copy()
    validity = rng.random(size) > 0.1 if rng.random() < 0.5 else np.zeros(0, np.bool_)
    small = rng.random() < 0.3
    table = np.full(8 if small else 64, -1, np.int32)
    entries = np.zeros((6 if small else 32, 4), np.uint64)
    entry_bytes = np.zeros(40 if small else 1024, np.uint8)
    limit = int(rng.choice([5, 128, 1 << 31]))
    out = np.zeros(size, rng.choice([np.int8, np.int32]))
    return offsets, data, validity, out, limit, table, entries, entry_bytes, np.zeros(2, np.int64)


def ref_place_entries(table, entries, count) -> None:
    for code in range(count):
        length, k1, k2 = (int(v) for v in entries[code, :3])
        _place(table, code, length, k1, k2)


def place_inputs(rng: np.random.Generator, size: int) -> tuple:
    """A bigger table for the names code_text found in text_inputs."""
    args = text_inputs(rng, size)
    state, entries = args[-1], args[6]
    ref_code_text(*args)
    return np.full(4 * len(args[5]), -1, np.int32), entries, int(state[0])


def ref_scale_to_ns(raw, factor, missing) -> tuple:
    limit = np.iinfo(np.int64).max // factor
    over = (np.abs(raw) > limit) & ~missing
    return np.where(missing | over, 0, raw * np.where(over, 0, factor)).astype(np.int64), bool(
        over.any()
    )


def scale_inputs(rng: np.random.Generator, size: int) -> tuple:
    raw = rng.integers(-(10**6), 10**6, size) * rng.choice([1, 10**12], size)
    return raw.astype(np.int64), int(rng.choice([1, 1_000, 10**6])), rng.random(size) < 0.1


# -- references: variants -----------------------------------------------------------------


def ref_assign_variants(act, offsets, hashes, id_type, n_chunks) -> tuple:
    ids: dict[tuple, int] = {}
    of_case = [
        ids.setdefault(tuple(act[s:e].tolist()), len(ids)) for _, s, e in case_ranges(offsets)
    ]
    first: dict[int, int] = {}
    for c, v in enumerate(of_case):
        first.setdefault(v, c)
    lengths = [len(seq) for seq in ids]
    codes = np.array([code for seq in ids for code in seq], act.dtype)
    return (
        np.array(of_case, id_type.dtype),
        np.array(list(first.values()), id_type.dtype),
        np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        codes,
    )


def variant_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    return (
        log.act,
        log.offsets,
        variants.sequence_hashes(log.act, log.offsets),
        np.empty(0, np.int32),
        chunks(rng),
    )


def ref_concatenate_sequences(act, offsets, cases, offset_type) -> tuple:
    seqs = [act[offsets[c] : offsets[c + 1]] for c in cases]
    lengths = np.concatenate([[0], np.cumsum([len(s) for s in seqs])]).astype(offset_type.dtype)
    return lengths, np.concatenate([*seqs, np.zeros(0, act.dtype)])


def concatenate_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size, empty_cases=True)
    return log.act, log.offsets, rng.integers(0, log.n_cases, log.n_cases), np.empty(0, np.int64)


def ref_sort_keys(act, offsets, representative, frequency, n_activities) -> np.ndarray:
    """The key as its definition says, in Python integers: the frequency's complement to
    the largest, then as many leading codes (each + 1, 0 past the sequence's end) as fit
    in 64 bits after it, each in the bits that the largest code + 1 needs, left-aligned."""
    top = int(frequency.max()) if len(frequency) else 0
    freq_bits, code_bits = max(1, top.bit_length()), max(1, int(n_activities).bit_length())
    slots = (64 - freq_bits) // code_bits
    keys = []
    for v, c in enumerate(representative):
        codes = [int(a) + 1 for a in act[offsets[c] : offsets[c + 1]]][:slots]
        codes += [0] * (slots - len(codes))
        key = top - int(frequency[v])
        for code in codes:
            key = (key << code_bits) | code
        keys.append((key << (64 - freq_bits - slots * code_bits)) & _MASK64)
    return np.array(keys, np.uint64)


def sort_key_inputs(rng: np.random.Generator, size: int) -> tuple:
    return refine_inputs(rng, size)[2:]


def ref_refine_ties(order, keys, act, offsets, representative, frequency, n_act) -> None:
    def rank(v: int) -> tuple:
        c = representative[v]
        return -frequency[v], tuple(act[offsets[c] : offsets[c + 1]].tolist())

    order[:] = sorted(range(len(representative)), key=rank)


def refine_inputs(rng: np.random.Generator, size: int) -> tuple:
    act, offsets, hashes, ids, n = variant_inputs(rng, size)
    of_case, representative, *_ = variants.assign_variants(act, offsets, hashes, ids, n)
    frequency = np.bincount(of_case).astype(np.int64)
    n_act = int(act.max()) + 1
    keys = variants.sort_keys(act, offsets, representative, frequency, n_act)
    order = np.argsort(keys, kind="stable")
    return order, keys, act, offsets, representative, frequency, n_act


# -- references: hashes, key codes, ordering, sketches, edges, lost moves ----------------

_FNV_OFFSET, _FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def _splitmix64(x: int) -> int:
    return _mix64((x + 0x9E3779B97F4A7C15) & _MASK64)


def ref_hash_bytes(offsets, data) -> np.ndarray:
    out = []
    for a, b in itertools.pairwise(offsets):
        h = _FNV_OFFSET
        for byte in data[a:b].tolist():
            h = ((h ^ byte) * _FNV_PRIME) & _MASK64
        out.append(_splitmix64(h ^ int(b - a)))
    return np.array(out, np.uint64)


def ref_hash_ints(values) -> np.ndarray:
    return np.array([_splitmix64(int(v) & _MASK64) for v in values], np.uint64)


def text_buffers(rng: np.random.Generator, size: int, digits: bool = False) -> tuple:
    """(offsets, data, valid) of random keys sharing a prefix: digits, or short text."""
    prefix = rng.choice(["", "c-", "cust-00"])
    alphabet = "0123456789" if digits else "ab9\u00e9"
    keys = [
        prefix + "".join(rng.choice(list(alphabet), int(rng.integers(0, 9))))
        for _ in range(max(1, size // 4))
    ]
    encoded = [k.encode() for k in keys]
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in encoded])]).astype(np.int64)
    data = np.frombuffer(b"".join(encoded) or b"", np.uint8).copy()
    return offsets, data, rng.random(len(keys)) < 0.8


def _keys(offsets, data) -> list[bytes]:
    return [bytes(data[a:b]) for a, b in itertools.pairwise(offsets)]


def ref_common_prefix_length(offsets, data, valid, reference) -> int:
    keys = [k for k, ok in zip(_keys(offsets, data), valid, strict=True) if ok]
    common = bytes(reference)
    for k in keys:
        n = 0
        while n < min(len(k), len(common)) and k[n] == common[n]:
            n += 1
        common = common[:n]
    return len(common)


def prefix_inputs(rng: np.random.Generator, size: int) -> tuple:
    offsets, data, valid = text_buffers(rng, size)
    return offsets, data, valid, data[offsets[0] : offsets[1]].copy()


def ref_suffix_shape(offsets, data, valid, prefix) -> tuple:
    suffixes = [k[prefix:] for k, ok in zip(_keys(offsets, data), valid, strict=True) if ok]
    digits = all(s.isdigit() or not s for s in suffixes)
    lengths = [len(s) for s in suffixes]
    return digits, min(lengths, default=1 << 62), max(lengths, default=0)


def suffix_inputs(rng: np.random.Generator, size: int) -> tuple:
    offsets, data, valid = text_buffers(rng, size, digits=bool(rng.random() < 0.7))
    shortest = int(np.diff(offsets).min())  # the prefix is one every key has
    return offsets, data, valid, min(int(rng.integers(0, 3)), shortest)


def _digit_code(suffix: bytes, with_length: bool) -> int:
    value = int(suffix) if suffix else 0
    return value * 32 + len(suffix) if with_length else value


def ref_encode_digits(offsets, data, valid, prefix, with_length) -> np.ndarray:
    keys = _keys(offsets, data)
    codes = [
        _digit_code(k[prefix:], with_length) if ok else 0 for k, ok in zip(keys, valid, strict=True)
    ]
    return np.array(codes, np.uint64)


def digit_inputs(rng: np.random.Generator, size: int) -> tuple:
    offsets, data, valid = text_buffers(rng, size, digits=True)
    everyone = np.ones(len(valid), bool)
    prefix = ref_common_prefix_length(offsets, data, everyone, data[offsets[0] : offsets[1]])
    return offsets, data, valid, prefix, bool(rng.random() < 0.5)


def _packed(suffix: bytes) -> int:
    word = int.from_bytes(suffix[:7].ljust(7, b"\0"), "big")
    return ((word << 8) | len(suffix)) & _MASK64


def ref_encode_bytes(offsets, data, valid, prefix) -> np.ndarray:
    keys = _keys(offsets, data)
    return np.array(
        [_packed(k[prefix:]) if ok else 0 for k, ok in zip(keys, valid, strict=True)], np.uint64
    )


def byte_inputs(rng: np.random.Generator, size: int) -> tuple:
    offsets, data, valid = text_buffers(rng, size)
    return offsets, data, valid, 0


def ref_encode_digits_into(offsets, data, valid, prefix, with_length, out) -> None:
    out[:] = ref_encode_digits(offsets, data, valid, prefix, with_length)


def ref_encode_bytes_into(offsets, data, valid, prefix, out) -> None:
    out[:] = ref_encode_bytes(offsets, data, valid, prefix)


def _text(parts: list[bytes]) -> tuple:
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in parts])]).astype(np.int64)
    return offsets, np.frombuffer(b"".join(parts) or b"", np.uint8).copy()


def ref_decode_digits(codes, with_length, width) -> tuple:
    parts = []
    for code in codes.tolist():
        value, length = (code // 32, code % 32) if with_length else (code, width)
        parts.append(str(value).zfill(length)[-length:].encode() if length else b"")
    return _text(parts)


def decode_digit_inputs(rng: np.random.Generator, size: int) -> tuple:
    with_length = bool(rng.random() < 0.5)
    values = rng.integers(0, 10**6, max(1, size // 4)).astype(np.uint64)
    if with_length:
        return values * np.uint64(32) + np.uint64(7), True, 0
    return values, False, 8


def ref_decode_bytes(codes) -> tuple:
    return _text([int(c >> 8).to_bytes(7, "big")[: int(c & 255)] for c in codes.tolist()])


def decode_byte_inputs(rng: np.random.Generator, size: int) -> tuple:
    offsets, data, _valid = text_buffers(rng, size)
    short = [k[:7] for k in _keys(offsets, data)]
    return (np.array([_packed(k) for k in short], np.uint64),)


def ref_remap_codes(codes, table) -> np.ndarray:
    return np.where(codes >= 0, table[np.maximum(codes, 0)], -1).astype(codes.dtype)


def ref_count_codes(codes, n_codes) -> np.ndarray:
    return np.bincount(codes[codes >= 0], minlength=n_codes).astype(np.int64)


def code_inputs(rng: np.random.Generator, size: int) -> tuple:
    return rng.integers(-1, 6, size).astype(np.int32), 6


def ref_gather(values, positions) -> np.ndarray:
    return values[positions]


def ref_gather_into(values, positions, out) -> np.ndarray:
    out[:] = values[positions]
    return out


def gather_inputs(rng: np.random.Generator, size: int) -> tuple:
    values = rng.integers(-99, 99, size + 1)
    return values, rng.integers(0, size + 1, size), np.zeros(size, values.dtype)


def ref_partition_words(words, pivot) -> int:
    below = words[words < pivot]
    words[:] = np.concatenate([np.sort(below), np.sort(words[words >= pivot])])
    return len(below)


def check_partition(got: Any, want: Any) -> None:
    """The same count below the pivot; the same words, those below first (the order
    inside each side is the algorithm's)."""
    (n_got, (words, _)), (n_want, (expected, _pivot)) = got, want
    assert n_got == n_want
    assert np.array_equal(np.sort(words[:n_got]), expected[:n_want])
    assert np.array_equal(np.sort(words[n_got:]), expected[n_want:])


def partition_inputs(rng: np.random.Generator, size: int) -> tuple:
    words = rng.integers(0, 50, size).astype(np.uint64)
    return words, np.uint64(rng.integers(0, 51))


def ref_run_offsets(packed, row_bits) -> np.ndarray:
    high = packed >> np.uint64(row_bits)
    starts = np.flatnonzero(np.concatenate([[True], high[1:] != high[:-1]])) if len(packed) else []
    return np.concatenate([starts, [len(packed)]]).astype(np.int64)


def run_offsets_inputs(rng: np.random.Generator, size: int) -> tuple:
    codes = np.sort(rng.integers(0, max(1, size // 3), size)).astype(np.uint64)
    return (codes << np.uint64(8)) | np.arange(size, dtype=np.uint64) % np.uint64(256), 8


def _every_row(valid: np.ndarray, n: int) -> np.ndarray:
    """The ordering kernels' row mask: an empty one keeps every row."""
    return np.ones(n, bool) if valid.size == 0 else valid


def _maybe_every_row(rng: np.random.Generator, size: int) -> np.ndarray:
    return np.zeros(0, bool) if rng.random() < 0.3 else rng.random(size) < 0.8


def ref_pack(codes, valid, row_bits, hashed, out) -> np.ndarray:
    rows = np.flatnonzero(_every_row(valid, len(codes)))
    high = [
        (_splitmix64(int(c)) if hashed else int(c)) >> row_bits << row_bits for c in codes[rows]
    ]
    if not hashed:
        high = [int(c) << row_bits & _MASK64 for c in codes[rows]]
    words = np.array([h | int(r) for h, r in zip(high, rows, strict=True)], np.uint64)
    out[: len(words)] = words
    return out[: len(words)]


def pack_inputs(rng: np.random.Generator, size: int) -> tuple:
    codes = rng.integers(0, 1000, size).astype(np.uint64)
    row_bits = max(1, int(size).bit_length())
    return (
        codes,
        _maybe_every_row(rng, size),
        row_bits,
        bool(rng.random() < 0.5),
        np.zeros(size, np.uint64),
    )


def ref_count_cases(codes, valid, n_codes, parts, counter_type) -> np.ndarray:
    bounds = np.arange(parts + 1) * len(codes) // parts
    out = np.zeros((parts, n_codes), counter_type.dtype)
    valid = _every_row(valid, len(codes))
    for p, (a, b) in enumerate(itertools.pairwise(bounds)):
        mine = codes[a:b][valid[a:b]].astype(np.int64)
        out[p] = np.bincount(mine, minlength=n_codes)
    return out


def count_case_inputs(rng: np.random.Generator, size: int) -> tuple:
    n_codes = int(rng.integers(1, 9))
    codes = rng.integers(0, n_codes, size).astype(np.uint64)
    valid = _maybe_every_row(rng, size)
    return codes, valid, n_codes, int(rng.integers(1, 4)), np.empty(0, np.int32)


def ref_row_starts(counts) -> int:
    flat = counts.T.reshape(-1)  # codes ascending, parts in order within a code
    starts = np.concatenate([[0], np.cumsum(flat)])[:-1]
    total = int(flat.sum())
    counts[:] = starts.reshape(counts.shape[::-1]).T
    return total


def ref_case_offsets(ends) -> tuple:
    present = np.flatnonzero(np.diff(np.concatenate([[0], ends])) > 0)
    bounds = np.concatenate([[0], ends[present]]).astype(np.int64)
    return bounds, present.astype(np.uint64)


def case_offsets_inputs(rng: np.random.Generator, size: int) -> tuple:
    return (np.cumsum(rng.integers(0, 3, max(1, size // 3))).astype(np.int64),)


def ref_scatter_rows(codes, valid, cursors, n_rows, row_type) -> np.ndarray:
    valid = _every_row(valid, len(codes))
    rows = np.flatnonzero(valid)
    ordered = rows[np.argsort(codes[rows], kind="stable")].astype(row_type.dtype)
    parts = cursors.shape[0]
    bounds = np.arange(parts + 1) * len(codes) // parts
    for p, (a, b) in enumerate(itertools.pairwise(bounds)):
        mine = codes[a:b][valid[a:b]].astype(np.int64)
        cursors[p] += np.bincount(mine, minlength=cursors.shape[1]).astype(cursors.dtype)
    return ordered


def scatter_inputs(rng: np.random.Generator, size: int) -> tuple:
    codes, valid, n_codes, parts, _counter = count_case_inputs(rng, size)
    counts = ref_count_cases(codes, valid, n_codes, parts, np.empty(0, np.int64))
    n_rows = ref_row_starts(counts)
    return codes, valid, counts, n_rows, np.empty(0, np.int32)


def ref_sort_cases_by_time(rows, ts_out, offsets) -> None:
    for _, s, e in case_ranges(offsets):
        order = np.argsort(ts_out[s:e], kind="stable")
        rows[s:e], ts_out[s:e] = rows[s:e][order], ts_out[s:e][order]


def sort_cases_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    lengths = rng.choice([1, 3, 40], log.n_cases)  # past the insertion sort's limit too
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    ts = rng.integers(0, 5, offsets[-1]).astype(np.int64)
    return np.arange(offsets[-1], dtype=np.int32), ts, offsets


def ref_bucket_column(v) -> int:
    if v == 0:
        return sketch.ZERO_COLUMN
    m = abs(float(v))
    i = min(max(math.ceil(math.log(m) / math.log(sketch.GAMMA)), 0), sketch.N_BUCKETS - 1)
    return sketch.ZERO_COLUMN + 1 + i if v > 0 else sketch.ZERO_COLUMN - 1 - i


def ref_column_values(columns) -> np.ndarray:
    gamma, zero = sketch.GAMMA, sketch.ZERO_COLUMN
    sign = np.sign(columns - zero)
    return np.array(
        [
            s * 2.0 * gamma ** (abs(c - zero) - 1) / (gamma + 1.0)
            for c, s in zip(columns, sign, strict=True)
        ],
        np.float64,
    )


def ref_grouped_entries(values, offsets) -> np.ndarray:
    group = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    columns = [ref_bucket_column(int(v)) for v in values]
    return (group * sketch.SKETCH_WIDTH + np.array(columns, np.int64)).astype(np.int64)


def ref_sketch_add(sketches, group_ids, values) -> None:
    for g, v in zip(group_ids, values, strict=True):
        sketches[g, ref_bucket_column(int(v))] += 1


def sketch_add_inputs(rng: np.random.Generator, size: int) -> tuple:
    values, offsets = grouped_ns(rng, size)
    group = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    return sketch.empty_sketches(len(offsets) - 1), group, values


def ref_entry_quantiles(keys, counts, n_groups, q) -> np.ndarray:
    out = np.full(n_groups, np.nan)
    for g in np.unique(keys // sketch.SKETCH_WIDTH):
        mine = keys // sketch.SKETCH_WIDTH == g
        columns = keys[mine] % sketch.SKETCH_WIDTH
        values = np.repeat(sketch.column_values(columns) / 1e9, counts[mine])
        out[g] = np.quantile(values, q)
    return out


def entry_inputs(rng: np.random.Generator, size: int) -> tuple:
    values, offsets = grouped_ns(rng, size)
    keys, counts = sketch.count_entries(ref_grouped_entries(values, offsets))
    return keys, counts, len(offsets) - 1, float(rng.choice([0.0, 0.5, 0.9, 1.0]))


def ref_sketch_quantiles(sketches, q) -> np.ndarray:
    groups, columns = np.nonzero(sketches)
    keys = (groups * sketch.SKETCH_WIDTH + columns).astype(np.int64)
    return ref_entry_quantiles(keys, sketches[groups, columns], len(sketches), q)


def sketch_quantile_inputs(rng: np.random.Generator, size: int) -> tuple:
    sketches, group, values = sketch_add_inputs(rng, size)
    ref_sketch_add(sketches, group, values)
    return sketches, float(rng.choice([0.0, 0.5, 0.9, 1.0]))


def ref_edge_stats(act, offsets, ts, start_ts, n_act, blocks, runs) -> tuple:
    i = pairs_of(None, offsets)
    keys = act[i].astype(np.int64) * n_act + act[i + 1]
    present, ids = np.unique(keys, return_inverse=True)
    frequency, cases, durations, edge_offsets = ref_edge_aggregate(
        ids, ts, start_ts, offsets, len(present)
    )
    return present, frequency, cases, ref_segment_stats(durations, edge_offsets)


def check_edge_stats(got: Any, want: Any) -> None:
    (g, _), (w, _) = got, want
    assert_same(g[:3], w[:3])
    check_stats((g[3], None), (w[3], None))


def edge_stats_inputs(rng: np.random.Generator, size: int) -> tuple:
    log = random_log(rng, size)
    start = log.ts - rng.integers(-1, 3, len(log.ts)) * 3_600 * _NS  # negative waits too
    n_blocks = int(rng.integers(1, min(log.n_cases, 7) + 1))
    blocks = ref_case_chunks(log.n_cases, n_blocks)
    runs = ref_case_chunks(n_blocks, int(rng.integers(1, n_blocks + 1)))
    return log.act, log.offsets, log.ts, start, log.n_act, blocks, runs


def ref_sequence_hashes(act, offsets) -> np.ndarray:
    out = []
    for _, s, e in case_ranges(offsets):
        codes = [int(a) + 1 for a in act[s:e]]
        if len(codes) <= 7 and all(code <= 255 for code in codes):
            key = 1 << 63 | len(codes) << 56
            for k, code in enumerate(codes):
                key |= code << (8 * k)
            out.append(key)
            continue
        h = _FNV_OFFSET ^ len(codes)
        for code in codes:
            h = _mix64(h ^ code)
        out.append(h >> 1)
    return np.array(out, np.uint64)


def sequence_hash_inputs(rng: np.random.Generator, size: int) -> tuple:
    lengths = rng.choice([0, 1, 7, 8, 20], max(1, size // 4))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return rng.integers(0, int(rng.choice([3, 300])), offsets[-1]).astype(np.int16), offsets


# -- references: the read's ordering with hashed keys, exact quantiles in two rounds -----


def _key_bytes(key_offsets, key_data, row) -> bytes:
    return bytes(key_data[key_offsets[row] : key_offsets[row + 1]])


def ref_order_runs(packed, runs, row_bits, ts, verify, key_offsets, key_data, row_type, ts_out):
    rows = (packed & np.uint64((1 << row_bits) - 1)).astype(row_type.dtype)
    ts_out[:] = ts[rows]
    collided = np.zeros(len(runs) - 1, bool)
    for r, (a, b) in enumerate(itertools.pairwise(runs)):
        keys = {_key_bytes(key_offsets, key_data, row) for row in rows[a:b]}
        collided[r] = verify == ordering.VERIFY_BYTES and len(keys) > 1
        if not collided[r]:
            order = np.argsort(ts_out[a:b], kind="stable")
            rows[a:b], ts_out[a:b] = rows[a:b][order], ts_out[a:b][order]
    return rows, ts_out, collided


def order_run_inputs(rng: np.random.Generator, size: int) -> tuple:
    """Rows whose 'hashes' (codes 0..3) collide: keys of one code may differ in bytes."""
    n = max(1, size)
    names = [b"a", b"b", b"cc", b"d"]
    key = rng.integers(0, len(names), n)
    key_offsets, key_data = _text([names[k] for k in key])
    codes = (key % 3).astype(np.uint64)  # 'a' and 'd' share code 0
    row_bits = max(1, n.bit_length())
    packed = np.sort((codes << np.uint64(row_bits)) | np.arange(n, dtype=np.uint64))
    runs = ref_run_offsets(packed, row_bits)
    ts = rng.integers(0, 4, n).astype(np.int64)
    verify = int(rng.choice([ordering.VERIFY_NONE, ordering.VERIFY_BYTES]))
    head = (packed, runs, row_bits, ts, verify, key_offsets, key_data)
    return (*head, np.empty(0, np.int32), np.zeros(n, np.int64))


def ref_split_collisions(rows, ts_out, runs, collided, key_offsets, key_data) -> np.ndarray:
    offsets = []
    for r, (a, b) in enumerate(itertools.pairwise(runs)):
        if not collided[r]:
            offsets.append(a)
            continue
        by_key: dict[bytes, list[int]] = {}
        for i in range(a, b):
            by_key.setdefault(_key_bytes(key_offsets, key_data, rows[i]), []).append(i)
        old_rows, old_ts, at = rows.copy(), ts_out.copy(), a
        for members in by_key.values():
            offsets.append(at)
            members = np.array(members)[np.argsort(old_ts[members], kind="stable")]
            rows[at : at + len(members)] = old_rows[members]
            ts_out[at : at + len(members)] = old_ts[members]
            at += len(members)
    return np.array([*offsets, len(rows)], np.int64)


def split_inputs(rng: np.random.Generator, size: int) -> tuple:
    packed, runs, row_bits, ts, _, key_offsets, key_data, row_type, ts_out = order_run_inputs(
        rng, size
    )
    verify = ordering.VERIFY_BYTES
    rows, ts_out, collided = ref_order_runs(
        packed, runs, row_bits, ts, verify, key_offsets, key_data, row_type, ts_out
    )
    return rows, ts_out, runs, collided, key_offsets, key_data


def ref_encode_conforming(offsets, data, validity, prefix, digits, codes, missing) -> tuple:
    prefix = bytes(prefix)
    shortest, longest = 1 << 62, 0
    for i, key in enumerate(_keys(offsets, data)):
        if (len(validity) and not validity[i]) or not key:
            missing[i], codes[i] = True, 0
            continue
        if not key.startswith(prefix):
            return False, shortest, longest
        suffix = key[len(prefix) :]
        not_digits = bool(suffix) and not suffix.isdigit()  # no digits read as 0
        if digits and (len(suffix) > keycodes.MAX_DIGITS or not_digits):
            return False, shortest, longest
        if not digits and len(suffix) > keycodes.MAX_PACKED_BYTES:
            return False, shortest, longest
        codes[i] = _digit_code(suffix, True) if digits else _packed(suffix)
        shortest, longest = min(shortest, len(suffix)), max(longest, len(suffix))
    return True, shortest, longest


def conforming_inputs(rng: np.random.Generator, size: int) -> tuple:
    digits = bool(rng.random() < 0.6)
    offsets, data, valid = text_buffers(rng, size, digits=digits)
    validity = valid if rng.random() < 0.5 else np.zeros(0, bool)
    prefix = data[offsets[0] : offsets[0] + int(rng.integers(0, 3))].copy()
    n = len(offsets) - 1
    return offsets, data, validity, prefix, digits, np.ones(n, np.uint64), np.zeros(n, bool)


def _ranks(n: int) -> list[int]:
    """The ranks a median and p90 of n sorted values read (numpy's linear method)."""
    below = math.floor((n - 1) * 0.9)
    return [max(n // 2 - 1, 0), n // 2, below, min(below + 1, n - 1)]


def ref_rank_entries(keys, counts, n_groups) -> tuple:
    entry = np.full((n_groups, 4), -1, np.int64)
    within = np.zeros((n_groups, 4), np.int64)
    size = np.zeros(n_groups, np.int64)
    for g in np.unique(keys // sketch.SKETCH_WIDTH):
        mine = np.flatnonzero(keys // sketch.SKETCH_WIDTH == g)
        cum = np.cumsum(counts[mine])
        size[g] = cum[-1]
        for r, rank in enumerate(_ranks(int(cum[-1]))):
            k = int(np.searchsorted(cum, rank, side="right"))
            entry[g, r] = keys[mine[k]]
            within[g, r] = rank - (cum[k - 1] if k else 0)
    return entry, within, size


def rank_entry_inputs(rng: np.random.Generator, size: int) -> tuple:
    values, offsets = grouped_ns(rng, size)
    keys, counts = sketch.count_entries(ref_grouped_entries(values, offsets))
    return keys, counts, len(offsets) - 1


def ref_values_in_entries(values, offsets, wanted) -> tuple:
    entries = ref_grouped_entries(values, offsets)
    hit = np.isin(entries, wanted)
    return entries[hit], values[hit].astype(np.int64)


def values_in_entry_inputs(rng: np.random.Generator, size: int) -> tuple:
    values, offsets = grouped_ns(rng, size)
    keys, counts = sketch.count_entries(ref_grouped_entries(values, offsets))
    entry, _, _ = ref_rank_entries(keys, counts, len(offsets) - 1)
    return values, offsets, np.unique(entry[entry >= 0])


def ref_exact_median_p90(entry, within, size, sorted_entries, sorted_values) -> np.ndarray:
    """numpy's median and p90 of a stand-in group: the four ranked values in place, every
    other position filled so that the group stays sorted (numpy reads only those four)."""
    out = np.full((2, len(size)), np.nan)
    for g in np.flatnonzero(size):
        ranked = {}
        for r, rank in enumerate(_ranks(int(size[g]))):
            first = np.searchsorted(sorted_entries, entry[g, r])
            ranked[rank] = sorted_values[first + within[g, r]]
        fill = np.interp(np.arange(size[g]), sorted(ranked), [ranked[k] for k in sorted(ranked)])
        group = np.floor(fill).astype(np.int64)
        for rank, value in ranked.items():
            group[rank] = value
        out[:, g] = np.median(group / 1e9), np.quantile(group / 1e9, 0.9)
    return out


def exact_quantile_inputs(rng: np.random.Generator, size: int) -> tuple:
    values, offsets = grouped_ns(rng, size)
    keys, counts = sketch.count_entries(ref_grouped_entries(values, offsets))
    entry, within, sizes = ref_rank_entries(keys, counts, len(offsets) - 1)
    picked, kept = ref_values_in_entries(values, offsets, np.unique(entry[entry >= 0]))
    order = np.lexsort((kept, picked))
    return entry, within, sizes, picked[order], kept[order]


REFERENCES: dict[str, Reference] = {
    "activities.activity_counts": Reference(
        activities.activity_counts,
        ref_activity_counts,
        lambda rng, size: (lambda log: (log.act, log.offsets, log.n_act))(
            random_log(rng, size, True)
        ),
    ),
    "activities.case_durations": Reference(
        activities.case_durations,
        ref_case_durations,
        lambda rng, size: (lambda log: (log.ts, log.offsets))(random_log(rng, size, True)),
    ),
    "activities.grouped_case_durations": Reference(
        activities.grouped_case_durations, ref_grouped_case_durations, grouped_case_inputs
    ),
    "attribution.heuristic_credits": Reference(
        attribution.heuristic_credits, ref_heuristic_credits, credit_inputs, rtol=1e-12
    ),
    "attribution.block_transition_counts": Reference(
        attribution.block_transition_counts, ref_block_transition_counts, block_inputs
    ),
    "channels.channel_switches": Reference(
        channels.channel_switches, ref_channel_switches, channel_inputs
    ),
    "conversion.conversion_times": Reference(
        conversion.conversion_times, ref_conversion_times, conversion_inputs
    ),
    "conversion.km_keys": Reference(conversion.km_keys, ref_km_keys, km_key_inputs),
    "conversion.kaplan_meier": Reference(conversion.kaplan_meier, ref_kaplan_meier, km_inputs),
    "conversion.kaplan_meier_counted": Reference(
        conversion.kaplan_meier_counted, ref_kaplan_meier_counted, km_counted_inputs
    ),
    "dfg.pair_keys": Reference(
        dfg.pair_keys,
        ref_pair_keys,
        lambda rng, size: (lambda log: (log.act, log.offsets, log.n_act, np.empty(0, np.int32)))(
            random_log(rng, size, True)
        ),
    ),
    "dfg.number_edges": Reference(
        dfg.number_edges,
        ref_number_edges,
        lambda rng, size: (rng.integers(0, 30, size).astype(np.int64), 30),
    ),
    "dfg.edge_aggregate": Reference(dfg.edge_aggregate, ref_edge_aggregate, edge_inputs),
    "filters.contains_cases": Reference(
        filters.contains_cases, ref_contains_cases, contains_inputs
    ),
    "filters.follows_cases": Reference(filters.follows_cases, ref_follows_cases, follows_inputs),
    "filters.session_starts": Reference(filters.session_starts, ref_session_starts, session_inputs),
    "filters.kept_offsets": Reference(filters.kept_offsets, ref_kept_offsets, kept_offsets_inputs),
    "filters.case_slice": Reference(filters.case_slice, ref_case_slice, case_slice_inputs),
    "filters.trim_events": Reference(filters.trim_events, ref_trim_events, trim_inputs),
    "grouping.group_values": Reference(
        grouping.group_values, ref_group_values, group_values_inputs
    ),
    "grouping.case_chunks": Reference(
        grouping.case_chunks,
        ref_case_chunks,
        lambda rng, size: (int(rng.integers(0, size + 1)), int(rng.integers(1, 9))),
    ),
    "grouping.chunk_cursors": Reference(
        grouping.chunk_cursors,
        ref_chunk_cursors,
        lambda rng, size: (rng.integers(0, 5, (int(rng.integers(1, 5)), 6)).astype(np.int64),),
    ),
    "grouping.run_counts": Reference(
        grouping.run_counts,
        ref_run_counts,
        lambda rng, size: (rng.integers(0, 7, size), 7, int(rng.integers(1, 6))),
    ),
    "grouping.relabel": Reference(
        grouping.relabel,
        ref_relabel,
        lambda rng, size: (rng.integers(0, 9, size), rng.permutation(9)),
    ),
    "grouping.tally": Reference(
        grouping.tally,
        ref_tally,
        lambda rng, size: (rng.integers(0, 10, size).astype(np.int8), rng.random(size) < 0.5, 10),
    ),
    "lost.pair_reach": Reference(lost.pair_reach, ref_pair_reach, reach_inputs),
    "lost.tally_profiles": Reference(lost.tally_profiles, ref_tally_profiles, tally_inputs),
    "lost.chances": Reference(lost.chances, ref_chances, chance_inputs),
    "lost.poisson_weights": Reference(lost.poisson_weights, ref_poisson_weights, poisson_inputs),
    "lost.charge_profiles": Reference(
        lost.charge_profiles, ref_charge_profiles, charge_profile_inputs
    ),
    "lost.bootstrap_profiles": Reference(
        lost.bootstrap_profiles, ref_bootstrap_profiles, bootstrap_profile_inputs, rtol=1e-12
    ),
    "profiles.journey_profiles": Reference(
        profiles.journey_profiles, ref_journey_profiles, profile_inputs
    ),
    "profiles.group_profiles": Reference(
        profiles.group_profiles, ref_group_profiles, grouped_profile_inputs
    ),
    "moments.group_moments": Reference(
        moments.group_moments, ref_group_moments, unsorted_inputs, rtol=1e-12
    ),
    "satisfaction.score_summary": Reference(
        satisfaction.score_summary, ref_score_summary, score_inputs
    ),
    "stages.stage_visits": Reference(stages.stage_visits, ref_stage_visits, stage_inputs),
    "stages.visit_moves": Reference(stages.visit_moves, ref_visit_moves, visit_moves_inputs),
    "stages.closed_dwell_counts": Reference(
        stages.closed_dwell_counts, ref_closed_dwell_counts, dwell_inputs
    ),
    "stages.stage_pass": Reference(stages.stage_pass, ref_stage_pass, stage_pass_inputs),
    "stats.sort_small_segments": Reference(
        stats.sort_small_segments,
        ref_sort_small_segments,
        lambda rng, size: (*grouped_ns(rng, size), stats.SMALL_SEGMENT),
    ),
    "stats.segment_stats": Reference(
        stats.segment_stats, ref_segment_stats, stats_inputs, check=check_stats
    ),
    "stats.group_order_stats": Reference(
        stats.group_order_stats, ref_group_order_stats, unsorted_inputs, check=check_stats
    ),
    "stats.group_stdev": Reference(stats.group_stdev, ref_group_stdev, stdev_inputs, rtol=1e-9),
    "stats.segment_medians": Reference(stats.segment_medians, ref_segment_medians, stats_inputs),
    "steps.step_outcomes": Reference(steps.step_outcomes, ref_step_outcomes, step_outcome_inputs),
    "steps.pair_cases": Reference(
        steps.pair_cases,
        ref_pair_cases,
        lambda rng, size: (random_log(rng, size, True).offsets,),
    ),
    "steps.pair_counts": Reference(steps.pair_counts, ref_pair_counts, steps_inputs),
    "steps.tied_steps": Reference(steps.tied_steps, ref_tied_steps, tied_inputs),
    "steps.pair_durations": Reference(steps.pair_durations, ref_pair_durations, duration_inputs),
    "text.names_by_code": Reference(text.names_by_code, ref_names_by_code, names_inputs),
    "text.code_text": Reference(text.code_text, ref_code_text, text_inputs),
    "text.place_entries": Reference(text.place_entries, ref_place_entries, place_inputs),
    "timeunits.scale_to_ns": Reference(timeunits.scale_to_ns, ref_scale_to_ns, scale_inputs),
    "variants.assign_variants": Reference(
        variants.assign_variants, ref_assign_variants, variant_inputs
    ),
    "variants.concatenate_sequences": Reference(
        variants.concatenate_sequences, ref_concatenate_sequences, concatenate_inputs
    ),
    "variants.refine_ties": Reference(variants.refine_ties, ref_refine_ties, refine_inputs),
    "variants.sort_keys": Reference(variants.sort_keys, ref_sort_keys, sort_key_inputs),
    "edgestats.edge_stats": Reference(
        edgestats.edge_stats, ref_edge_stats, edge_stats_inputs, check=check_edge_stats
    ),
    "hashing.hash_bytes": Reference(
        hashing.hash_bytes, ref_hash_bytes, lambda rng, size: text_buffers(rng, size)[:2]
    ),
    "hashing.hash_ints": Reference(
        hashing.hash_ints,
        ref_hash_ints,
        lambda rng, size: (rng.integers(-(2**63), 2**63 - 1, size, dtype=np.int64),),
    ),
    "keycodes.common_prefix_length": Reference(
        keycodes.common_prefix_length, ref_common_prefix_length, prefix_inputs
    ),
    "keycodes.suffix_shape": Reference(keycodes.suffix_shape, ref_suffix_shape, suffix_inputs),
    "keycodes.encode_digits": Reference(keycodes.encode_digits, ref_encode_digits, digit_inputs),
    "keycodes.encode_bytes": Reference(keycodes.encode_bytes, ref_encode_bytes, byte_inputs),
    "keycodes.encode_digits_into": Reference(
        keycodes.encode_digits_into,
        ref_encode_digits_into,
        lambda rng, size: (lambda a: (*a, np.ones(len(a[0]) - 1, np.uint64)))(
            digit_inputs(rng, size)
        ),
    ),
    "keycodes.encode_bytes_into": Reference(
        keycodes.encode_bytes_into,
        ref_encode_bytes_into,
        lambda rng, size: (lambda a: (*a, np.ones(len(a[0]) - 1, np.uint64)))(
            byte_inputs(rng, size)
        ),
    ),
    "keycodes.decode_digits": Reference(
        keycodes.decode_digits, ref_decode_digits, decode_digit_inputs
    ),
    "keycodes.decode_bytes": Reference(keycodes.decode_bytes, ref_decode_bytes, decode_byte_inputs),
    "keycodes.remap_codes": Reference(
        keycodes.remap_codes,
        ref_remap_codes,
        lambda rng, size: (code_inputs(rng, size)[0], rng.permutation(6).astype(np.int32)),
    ),
    "keycodes.count_codes": Reference(keycodes.count_codes, ref_count_codes, code_inputs),
    "ordering.gather": Reference(
        ordering.gather, ref_gather, lambda rng, size: gather_inputs(rng, size)[:2]
    ),
    "ordering.gather_into": Reference(ordering.gather_into, ref_gather_into, gather_inputs),
    "ordering.partition_words": Reference(
        ordering.partition_words, ref_partition_words, partition_inputs, check=check_partition
    ),
    "ordering.run_offsets": Reference(ordering.run_offsets, ref_run_offsets, run_offsets_inputs),
    "ordering.pack": Reference(ordering.pack, ref_pack, pack_inputs),
    "ordering.count_cases": Reference(ordering.count_cases, ref_count_cases, count_case_inputs),
    "ordering.row_starts": Reference(
        ordering.row_starts,
        ref_row_starts,
        lambda rng, size: (rng.integers(0, 4, (int(rng.integers(1, 4)), 5)).astype(np.int64),),
    ),
    "ordering.case_offsets": Reference(
        ordering.case_offsets, ref_case_offsets, case_offsets_inputs
    ),
    "ordering.scatter_rows": Reference(ordering.scatter_rows, ref_scatter_rows, scatter_inputs),
    "ordering.sort_cases_by_time": Reference(
        ordering.sort_cases_by_time, ref_sort_cases_by_time, sort_cases_inputs
    ),
    "sketch.grouped_entries": Reference(
        sketch.grouped_entries, ref_grouped_entries, unsorted_inputs
    ),
    "sketch.sketch_add": Reference(sketch.sketch_add, ref_sketch_add, sketch_add_inputs),
    "sketch.entry_quantiles": Reference(sketch.entry_quantiles, ref_entry_quantiles, entry_inputs),
    "sketch.sketch_quantiles": Reference(
        sketch.sketch_quantiles, ref_sketch_quantiles, sketch_quantile_inputs
    ),
    "sketch.bucket_column": Reference(
        sketch.bucket_column,
        ref_bucket_column,
        lambda rng, size: (int(rng.choice([0, 1, -1, -(2**63), 2**63 - 1, 10**12, -7])),),
    ),
    "sketch.column_values": Reference(
        sketch.column_values,
        ref_column_values,
        lambda rng, size: (rng.integers(0, sketch.SKETCH_WIDTH, size).astype(np.int64),),
        rtol=1e-13,  # Python's float power and numba's may differ in the last bit
    ),
    "variants.sequence_hashes": Reference(
        variants.sequence_hashes, ref_sequence_hashes, sequence_hash_inputs
    ),
    "ordering.order_runs": Reference(ordering.order_runs, ref_order_runs, order_run_inputs),
    "ordering.split_collisions": Reference(
        ordering.split_collisions, ref_split_collisions, split_inputs
    ),
    "keycodes.encode_conforming": Reference(
        keycodes.encode_conforming, ref_encode_conforming, conforming_inputs
    ),
    "refine.rank_entries": Reference(refine.rank_entries, ref_rank_entries, rank_entry_inputs),
    "refine.values_in_entries": Reference(
        refine.values_in_entries, ref_values_in_entries, values_in_entry_inputs
    ),
    "refine.exact_median_p90": Reference(
        refine.exact_median_p90, ref_exact_median_p90, exact_quantile_inputs
    ),
}

#: Jitted helpers that run only inside kernels, with the kernel whose reference covers them.
HELPERS: dict[str, str] = {
    "activities.case_duration": "activities.case_durations",
    "attribution.block_of": "attribution.block_transition_counts",
    "conversion.km_survival": "conversion.kaplan_meier",
    "hashing.mix64": "attribution.block_transition_counts",
    "hashing.splitmix64": "hashing.hash_ints",
    "hashing.bytes_equal": "ordering.order_runs",
    "profiles.lookup": "profiles.journey_profiles",
    "profiles.profile_hashes": "profiles.group_profiles",
    "keycodes.read_digits": "keycodes.encode_digits",
    "keycodes.pack_bytes": "keycodes.encode_bytes",
    "ordering.sort_by_time": "ordering.sort_cases_by_time",
    "ordering.sort_run": "stats.sort_small_segments",
    "edgestats.signed_bucket": "edgestats.edge_stats",
    "edgestats.edge_counts": "edgestats.edge_stats",
    "edgestats.total_seconds": "edgestats.edge_stats",
    "edgestats.plan_selection": "edgestats.edge_stats",
    "edgestats.keep_near_ranks": "edgestats.edge_stats",
    "sketch.column_value": "sketch.entry_quantiles",
    "sketch.group_span": "sketch.entry_quantiles",
    "sketch.entry_of_rank": "sketch.entry_quantiles",
    "stages.case_moves": "stages.stage_pass",
    "stages.longest_case": "stages.stage_pass",
    "stages.move_scratch": "stages.stage_pass",
    "stages.count_stages": "stages.stage_pass",
    "stats.squared_deviations": "stats.segment_stats",
    "stats.exact_total": "stats.segment_stats",
    "stats.exact_parts": "stats.segment_stats",
    "stats.group_stats_into": "stats.segment_stats",
    "stats.fill_stats": "stats.segment_stats",
    "stats.median_sorted": "stats.segment_medians",
    "stats.quantile_position": "stats.segment_stats",
    "stats.order_ranks": "stats.segment_stats",
    "stats.median_p90": "stats.segment_stats",
    "stats.interpolate": "stats.segment_stats",
    "stats.order_bucket": "stats.group_order_stats",
    "stats.select_ranks": "stats.group_order_stats",
    "stats.rank_buckets": "stats.group_order_stats",
    "variants.sequence_hash": "variants.sequence_hashes",
    "variants.key_layout": "variants.refine_ties",
    "variants.code_word": "variants.refine_ties",
}

#: Kernels without a reference here yet, and why. Their checks live in the named tests.
NO_REFERENCE: dict[str, str] = {}


def public_kernels() -> set[str]:
    """Every public jitted function of engine/kernels, as ``module.function``."""
    import importlib
    import pkgutil

    from numba.core.dispatcher import Dispatcher

    import engine.kernels

    names = set()
    for info in pkgutil.iter_modules(engine.kernels.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"engine.kernels.{info.name}")
        for name, value in vars(module).items():
            own = getattr(value, "__module__", None) == module.__name__
            if isinstance(value, Dispatcher) and own and not name.startswith("_"):
                names.add(f"{info.name}.{name}")
    return names
