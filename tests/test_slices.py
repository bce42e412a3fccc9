"""Slices (engine/slices): every filter against a plain pandas reference on random logs,
a slice analysed as the same events read afresh, sessions, and parity with pm4py's
filters of the same meaning on the shipped real logs."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import engine
from engine.datasets import dataset_path
from tests.journeys import KEYS, MODEL, TOUCHPOINTS, journeys
from tests.real_logs import SHARED, require_shared

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _canon(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(_row=np.arange(len(frame))).sort_values(
        ["case", "ts", "_row"], kind="stable"
    )


def _sequences(log: engine.EventLog) -> dict[str, list[str]]:
    names, ids = log.activity_names, log.case_ids
    return {
        str(ids[c]): [
            str(names[a]) for a in log.activity[log.case_offsets[c] : log.case_offsets[c + 1]]
        ]
        for c in range(log.n_cases)
    }


def _reference(canon: pd.DataFrame, keep_case=None, keep_event=None) -> dict[str, list[str]]:
    out = {}
    for case, g in canon.groupby("case", sort=False):
        if keep_case is not None and not keep_case(g):
            continue
        events = g if keep_event is None else g[keep_event(g)]
        if len(events):
            out[str(case)] = list(events["activity"])
    return out


def _read(frame):
    attributes = ["channel"] if "channel" in frame else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return engine.read_log(frame, **KEYS, attributes=attributes)


def _with_channel(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(channel=np.where(np.arange(len(frame)) % 3 == 0, "web", "app"))


def _check(log, want, slice_):
    if not want:
        with pytest.raises(engine.InputError, match="keeps no journey"):
            slice_()
        return None
    got = slice_()
    assert _sequences(got) == want
    return got


@SETTINGS
@given(journeys(), st.sampled_from(TOUCHPOINTS), st.sampled_from(TOUCHPOINTS))
def test_case_filters_match_the_reference(frame, a, b):
    assume({a, b} <= set(frame["activity"]))  # a name the log lacks is an error (tested apart)
    frame = _with_channel(frame)
    log, canon = _read(frame), _canon(frame)
    _check(
        log, _reference(canon, lambda g: a in set(g["activity"])), lambda: log.filter.contains(a)
    )
    both = {a, b}
    _check(
        log,
        _reference(canon, lambda g: both <= set(g["activity"])),
        lambda: log.filter.contains(a, b, how="all"),
    )
    _check(
        log, _reference(canon, lambda g: a not in set(g["activity"])), lambda: log.filter.absent(a)
    )

    def directly(g):
        acts = list(g["activity"])
        return any(x == a and y == b for x, y in itertools.pairwise(acts))

    def eventually(g, limit=None):
        acts, ts = list(g["activity"]), list(g["ts"])
        return any(
            acts[i] == a and acts[j] == b and (limit is None or ts[j] - ts[i] <= limit)
            for i in range(len(acts))
            for j in range(i + 1, len(acts))
        )

    _check(log, _reference(canon, directly), lambda: log.filter.follows(a, b, directly=True))
    _check(log, _reference(canon, eventually), lambda: log.filter.follows(a, b))
    two_hours = pd.Timedelta(hours=2)
    _check(
        log,
        _reference(canon, lambda g: eventually(g, two_hours)),
        lambda: log.filter.follows(a, b, within="2h"),
    )
    _check(log, _reference(canon, lambda g: 2 <= len(g) <= 4), lambda: log.filter.size(2, 4))
    _check(
        log,
        _reference(canon, lambda g: g["ts"].iloc[-1] - g["ts"].iloc[0] >= pd.Timedelta(hours=3)),
        lambda: log.filter.duration(min="3h"),
    )
    for at, pick in (
        ("first", lambda g: g.iloc[:1]),
        ("last", lambda g: g.iloc[-1:]),
        ("any", lambda g: g),
    ):
        _check(
            log,
            _reference(canon, lambda g, pick=pick: (pick(g)["channel"] == "web").any()),
            lambda at=at: log.filter.attribute("channel", ["web"], at=at),
        )


#: (the --where expression, the same test on a journey's first channel and score).
WHERE = [
    ("channel == 'web'", lambda c, n: c == "web"),
    ("channel != 'web'", lambda c, n: c != "web"),
    ("channel in ('app', 'store')", lambda c, n: c in ("app", "store")),
    ("channel not in ('app')", lambda c, n: c != "app"),
    ("score == 2", lambda c, n: n == 2),
    ("score in (1, 3) or channel == 'store'", lambda c, n: n in (1, 3) or c == "store"),
    (
        "not (channel == 'web' and score != 1)",
        lambda c, n: not (c == "web" and n != 1),
    ),
]


@SETTINGS
@given(
    journeys(),
    st.sampled_from(WHERE),
    st.lists(st.sampled_from(["web", "app", "store"]), min_size=1, max_size=40),
    st.lists(st.sampled_from([1.0, 2.0, 3.0, None]), min_size=1, max_size=40),
    st.booleans(),
)
def test_where_and_attribute_match_the_reference(frame, where, channels, scores, categorical):
    """--where reads each column at the journey's first event (a missing score is equal
    to nothing); attribute() at its first, last or any event."""
    expression, holds = where
    n = len(frame)
    channel = [channels[i % len(channels)] for i in range(n)]
    frame = frame.assign(
        channel=pd.Categorical(channel) if categorical else pd.Series(channel, dtype=object),
        score=pd.Series([scores[i % len(scores)] for i in range(n)], dtype=float),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        log = engine.read_log(frame, **KEYS, attributes=["channel", "score"])
    canon = _canon(frame)

    def first_holds(g) -> bool:
        score = g["score"].iloc[0]
        return holds(g["channel"].iloc[0], None if pd.isna(score) else score)

    _check(log, _reference(canon, first_holds), lambda: log.filter.where(expression))
    for at, pick in (("first", 0), ("last", -1)):
        _check(
            log,
            _reference(canon, lambda g, pick=pick: g["channel"].iloc[pick] == "web"),
            lambda at=at: log.filter.attribute("channel", ["web"], at=at),
        )
    _check(
        log,
        _reference(canon, lambda g: not (g["score"] == 3).any()),
        lambda: log.filter.attribute("score", [3], at="any", keep=False),
    )


@SETTINGS
@given(journeys(), st.integers(0, 8), st.integers(0, 8))
def test_time_filters_match_the_reference(frame, h1, h2):
    low, high = sorted((h1, h2))
    start, end = (
        pd.Timestamp(0) + pd.Timedelta(hours=low),
        pd.Timestamp(0) + pd.Timedelta(hours=high),
    )
    log, canon = _read(_with_channel(frame)), _canon(frame)

    def inside(ts):
        return (ts >= start) & (ts <= end)

    cases = {
        "starts": lambda g: inside(g["ts"].iloc[0]),
        "ends": lambda g: inside(g["ts"].iloc[-1]),
        "contained": lambda g: inside(g["ts"]).all(),
        "intersects": lambda g: g["ts"].iloc[0] <= end and g["ts"].iloc[-1] >= start,
    }
    for mode, keep in cases.items():
        _check(
            log,
            _reference(canon, keep),
            lambda mode=mode: log.filter.time_range(start, end, mode=mode),
        )
    _check(
        log,
        _reference(canon, keep_event=lambda g: inside(g["ts"])),
        lambda: log.filter.time_range(start, end, mode="events"),
    )


#: An end that names a whole day (as text without a time of day, a datetime.date, a numpy
#: datetime64 of days) keeps all of it; an end with a time of day is that instant.
WHOLE_DAY_ENDS = [
    lambda day: day.date().isoformat(),
    lambda day: f"{day.day} January 1970",
    lambda day: day.date(),
    lambda day: np.datetime64(day.date(), "D"),
]
INSTANT_ENDS = [
    lambda day: day.strftime("%Y-%m-%d 00:00"),
    lambda day: day.isoformat() + "+00:00",
    lambda day: day,
    lambda day: day.tz_localize("UTC"),
    lambda day: day.to_pydatetime(),
    lambda day: np.datetime64(day.date(), "ns"),
]


@SETTINGS
@given(
    journeys(),
    st.integers(0, 2),
    st.integers(0, 2),
    st.sampled_from([None, "UTC", "Asia/Kolkata", "America/Los_Angeles"]),
)
def test_an_end_given_as_a_date_keeps_that_whole_day(frame, d1, d2, zone):
    """A date alone as time_range's end keeps all of that day, in every mode; an end with
    a time of day is that instant (included). On a timezone-aware log
    the days of bounds without an offset are UTC days."""
    first, last = sorted((d1, d2))
    utc = pd.Timestamp(0) + (frame["ts"] - pd.Timestamp(0)) * 7  # 0 to 56 hours: three days
    frame = frame.assign(ts=utc if zone is None else utc.dt.tz_localize("UTC").dt.tz_convert(zone))
    log, canon = _read(_with_channel(frame)), _canon(frame.assign(ts=utc))
    start, day = (
        pd.Timestamp(0) + pd.Timedelta(days=first),
        pd.Timestamp(0) + pd.Timedelta(days=last),
    )
    for ends, before in ((WHOLE_DAY_ENDS, day + pd.Timedelta(days=1)), (INSTANT_ENDS, None)):

        def upto(ts, before=before):
            return (ts < before) if before is not None else (ts <= day)

        def inside(ts):
            return (ts >= start) & upto(ts)

        modes = {
            "starts": lambda g: inside(g["ts"].iloc[0]),
            "ends": lambda g: inside(g["ts"].iloc[-1]),
            "contained": lambda g: inside(g["ts"]).all(),
            "intersects": lambda g: upto(g["ts"].iloc[0]) and g["ts"].iloc[-1] >= start,
        }
        for end in ends:
            bound = end(day)
            for mode, keep in modes.items():
                _check(
                    log,
                    _reference(canon, keep),
                    lambda mode=mode, bound=bound: log.filter.time_range(
                        start.date().isoformat(), bound, mode=mode
                    ),
                )
            _check(
                log,
                _reference(canon, keep_event=lambda g: inside(g["ts"])),
                lambda bound=bound: log.filter.time_range(start, bound, mode="events"),
            )


def test_an_end_given_as_a_month_or_a_year_keeps_all_of_it():
    """As pandas reads a date string in a slice: '1970-01' as the end is the end of January."""
    frame = pd.DataFrame(
        {
            "case": ["a", "b", "c", "d"],
            "activity": ["view"] * 4,
            "ts": pd.to_datetime(
                ["1970-01-01 00:00", "1970-01-31 23:59", "1970-02-01 00:00", "1971-01-01 00:00"]
            ),
        }
    )
    log = _read(frame)
    for end, kept in (
        ("1970-01", ["a", "b"]),
        ("1970", ["a", "b", "c"]),
        ("1970-01-31", ["a", "b"]),
    ):
        assert sorted(_sequences(log.filter.time_range("1970-01-01", end, mode="starts"))) == kept


@SETTINGS
@given(journeys(), st.lists(st.sampled_from(TOUCHPOINTS), min_size=1, max_size=2, unique=True))
def test_event_filters_match_the_reference_and_analyse_as_a_fresh_read(frame, names):
    assume(set(names) <= set(frame["activity"]))
    log, canon = _read(frame), _canon(frame)
    wanted = set(names)
    for keep in (True, False):
        got = _check(
            log,
            _reference(canon, keep_event=lambda g, keep=keep: g["activity"].isin(wanted) == keep),
            lambda keep=keep: log.filter.touchpoints(**{"keep" if keep else "drop": names}),
        )
        if got is None:
            continue
        rows = frame[frame["activity"].isin(wanted) == keep]
        fresh = _read(rows)
        pd.testing.assert_frame_equal(got.dfg(), fresh.dfg())
        pd.testing.assert_frame_equal(got.variants(), fresh.variants())
        assert list(got.activity_names) == sorted(wanted if keep else set(rows["activity"]))


@SETTINGS
@given(journeys(), st.integers(1, 3))
def test_variant_filters_keep_the_most_frequent(frame, top):
    log = _read(frame)
    table = log.variants()
    kept = log.filter.variants(top=top)
    assert kept.n_cases == table["frequency"].head(top).sum()
    pd.testing.assert_frame_equal(
        kept.variants(),
        table.head(top).assign(
            share=table["frequency"].head(top) / table["frequency"].head(top).sum()
        ),
        check_dtype=False,
    )
    chosen = [list(v) for v in table["variant"].head(1)]
    assert log.filter.variants(sequences=chosen).n_cases == table["frequency"].iloc[0]


@SETTINGS
@given(journeys(max_cases=8, max_events=8), st.integers(0, 3))
def test_sessions_split_at_gaps(frame, gap_hours):
    log, canon = _read(frame), _canon(frame)
    split = log.sessions(gap=f"{gap_hours}h")
    want = {}
    for case, g in canon.groupby("case", sort=False):
        number = (g["ts"].diff() > pd.Timedelta(hours=gap_hours)).cumsum() + 1
        for n, part in g.groupby(number, sort=False):
            want[f"{case}#{n}"] = list(part["activity"])
    assert _sequences(split) == want
    customers = split.attributes["customer"].astype(str).to_numpy()
    first = split.case_offsets[:-1]
    assert [c.split("#")[0] for c in split.case_ids.astype(str)] == list(customers[first])
    assert split.summary()["slice"] == [{"filter": "sessions", "gap": f"{gap_hours}h"}]


#: column: (its value in each of six journeys, [(a value as written, the value it is)]).
TYPED = {
    "tier": ([1, 2, 2, 3, 1, 2], "int64", [("2", 2), ("2.0", 2), (" 3 ", 3)]),
    # whole numbers in a float column (a pandas frame's integers with NaN)
    "resource": ([559, 561, None, 559, 560, None], "float64", [("559", 559), ("559.0", 559)]),
    "nullable": ([559, 561, None, 559, 560, None], "Int64", [("559", 559), ("561.0", 561)]),
    "ratio": ([0.5, 1.5, 0.5, 2.0, 1.5, 0.5], "float64", [("0.5", 0.5), ("2", 2.0)]),
    "flag": ([True, False, True, True, False, False], "bool", [("true", True), ("False", False)]),
    "segment": (["new", "returning", "new", "1", "2", "new"], "str", [("new", "new"), ("1", "1")]),
    "tier_category": ([1, 2, 2, 3, 1, 2], "category", [("2", 2), ("3", 3)]),
    "segment_category": (["a", "b", "a", "a", "b", "c"], "category", [("b", "b")]),
    "day": (
        ["2026-03-01", "2026-03-02", "2026-03-01", None, "2026-03-02", "2026-03-01"],
        "datetime64[ns]",
        [("2026-03-02", pd.Timestamp("2026-03-02"))],
    ),
}


def _typed_log() -> tuple[engine.EventLog, pd.DataFrame]:
    """Six journeys of two events, each journey's events with the same values."""
    journeys_ = pd.DataFrame(
        {name: pd.Series(values, dtype=dtype) for name, (values, dtype, _) in TYPED.items()}
    )
    journeys_["case"] = [f"c{i}" for i in range(len(journeys_))]
    frame = pd.concat([journeys_.assign(activity="view"), journeys_.assign(activity="pay")])
    frame["ts"] = pd.Timestamp("2026-01-01") + pd.to_timedelta(
        [0] * len(journeys_) + [1] * len(journeys_), unit="h"
    )
    log = engine.read_log(frame, **KEYS, attributes=list(TYPED))
    return log, journeys_


@pytest.mark.parametrize("column", list(TYPED))
def test_values_written_as_text_match_the_column_of_their_type(column):
    """'559' matches 559 in an integer column, and 559.0 in a float one; 'true' a boolean;
    through attribute, events and where (--compare, --where), as pandas compares the
    value of the column's type."""
    log, journeys_ = _typed_log()
    for text, value in TYPED[column][2]:
        want = sorted(journeys_["case"][(journeys_[column] == value).fillna(False)])
        assert want, (column, text)
        for at in ("first", "last", "any"):
            got = log.filter.attribute(column, [text], at=at)
            assert sorted(got.case_ids.astype(str)) == want, (column, text, at)
        others = log.filter.attribute(column, [text], keep=False)
        assert sorted(others.case_ids.astype(str)) == sorted(set(journeys_["case"]) - set(want))
        assert log.filter.events(column, [text]).n_events == 2 * len(want)
        quoted = text.replace("'", "")
        where = log.filter.where(f"{column} in ('{quoted}')")
        assert sorted(where.case_ids.astype(str)) == want


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("tier", "abc", "column 'tier' holds whole numbers (int64); 'abc' is not one"),
        ("tier", "1.5", "column 'tier' holds whole numbers (int64); '1.5' is not one"),
        ("tier_category", "x", "column 'tier_category' holds whole numbers (int64); 'x'"),
        ("nullable", "abc", "column 'nullable' holds whole numbers (Int64); 'abc' is not one"),
        ("resource", "559 cars", "column 'resource' holds numbers (float64); '559 cars' is not"),
        ("flag", "maybe", "column 'flag' holds true/false (bool); 'maybe' is not one"),
        ("day", "someday", "column 'day' holds dates and times (datetime64[ns]); 'someday'"),
        ("segment", 1, "column 'segment' holds text (str); 1 is not text"),
    ],
)
def test_a_value_that_cannot_be_of_the_column_type_is_an_error(column, value, says):
    log, _ = _typed_log()
    for call in (
        lambda: log.filter.attribute(column, [value]),
        lambda: log.filter.attribute(column, [value], keep=False),
        lambda: log.filter.events(column, [value]),
    ):
        with pytest.raises(engine.InputError) as error:
            call()
        assert says in str(error.value) and "\n" not in str(error.value)
    literal = repr(value) if isinstance(value, str) else str(value)
    with pytest.raises(engine.InputError, match="--where: column"):
        log.filter.where(f"{column} == {literal}")


def test_case_ids_given_as_text_match_integer_ids():
    """filter.cases reads its ids as the case ids' type, as the attribute filters do:
    '17' is journey 17 of a log with integer ids, and one id alone is not its characters."""
    frame = pd.DataFrame(
        {
            "case": [1, 1, 17, 17, 171],
            "activity": ["view", "pay", "view", "view", "pay"],
            "ts": pd.date_range("2026-01-01", periods=5, freq="h"),
        }
    )
    log = engine.read_log(frame, **KEYS)
    assert log.case_ids.dtype.kind == "i"
    for ids, want in ((["17"], [17]), ([1, "171"], [1, 171]), ("17", [17]), ([" 1 "], [1])):
        assert sorted(log.filter.cases(ids).case_ids) == want, ids
    with pytest.raises(engine.InputError, match="column 'case' holds whole numbers"):
        log.filter.cases(["c17"])
    text = engine.read_log(frame.assign(case=frame["case"].astype(str)), **KEYS)
    assert list(text.filter.cases(["17"]).case_ids) == ["17"]


def test_an_integer_column_with_blanks_of_a_real_log_matches_as_written():
    """RoadTrafficFines' org:resource (integers with blanks, read as Int64): '559' and
    '559.0' keep the journeys whose first event's resource is 559, as pandas counts them;
    '559.5' is not a whole number."""
    path = require_shared(SHARED / "RoadTrafficFines_first10k_cases.csv.gz")
    log = engine.read_log(path, attributes=["org:resource"])
    assert log.attributes["org:resource"].dtype == "Int64"
    with pytest.raises(engine.InputError, match=r"holds whole numbers \(Int64\); '559.5'"):
        log.filter.attribute("org:resource", ["559.5"])
    frame = pd.read_csv(path, usecols=["case:concept:name", "time:timestamp", "org:resource"])
    frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"])
    first = (
        frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
        .groupby("case:concept:name")["org:resource"]
        .first()
    )
    want = int((first == 559).sum())
    assert want > 0
    for text in ("559", "559.0"):
        assert log.filter.attribute("org:resource", [text]).n_cases == want


def test_converted_journeys_and_a_recorded_definition():
    log = engine.read_log(dataset_path("sepsis.xes.gz"))
    model = engine.JourneyModel.template("sepsis")
    won = log.filter.converted(model)
    lost = log.filter.converted(model, converted=False)
    summary = log.journey(model).conversion_summary()
    assert won.n_cases == summary["converted"] and lost.n_cases == log.n_cases - won.n_cases
    assert won.journey(model).conversion_summary()["conversion_rate"] == 1.0
    chained = won.filter.contains("CRP").filter.size(min_events=5)
    assert [step["filter"] for step in chained.summary()["slice"]] == [
        "converted",
        "contains",
        "size",
    ]


def test_a_slice_of_events_by_time_is_observed_until_its_end():
    """Events after the window are gone, so a journey cut at its end was not followed
    beyond it: kept the parent's end, the window's last week looked followed for weeks
    without converting (conversion 0.71 where the truth is 0.89, too_recent False)."""
    start, rng, rows = pd.Timestamp("2026-01-01"), np.random.default_rng(2), []
    for i in range(400):
        t0 = start + pd.Timedelta(hours=float(rng.uniform(0, 720)))
        rows += [(i, "search", t0), (i, "product", t0 + pd.Timedelta(hours=1))]
        rows += [(i, "purchase", t0 + pd.Timedelta(hours=1 + float(rng.exponential(48))))]
    frame = pd.DataFrame(rows, columns=["case", "activity", "ts"])
    keys = {"case": "case", "activity": "activity", "timestamp": "ts"}
    log = engine.read_log(frame, **keys)
    window = log.filter.time_range("2026-01-01", "2026-01-10", mode="events")
    end = pd.Timestamp("2026-01-11")  # the whole of 10 January
    assert window.observed_until == end.value - 1
    model = engine.JourneyModel.from_stages(
        {"d": ["search"], "e": ["product"], "b": ["purchase"]}, conversion="activity:purchase"
    )
    got = window.journey(model).segments(period="W", min_journeys=1).set_index("segment")
    horizon = pd.Timedelta(seconds=float(got["horizon_s"].iloc[0]))
    # The reference: journeys whose first event lies in the window, followed when the
    # whole horizon fits before its end, converted when they bought within it.
    kept = frame[(frame["ts"] >= start) & (frame["ts"] < end)]
    first = kept.groupby("case")["ts"].min()
    bought = kept[kept["activity"] == "purchase"].groupby("case")["ts"].min()
    followed = first[first + horizon <= end - pd.Timedelta(1, "ns")]
    won = (bought.reindex(followed.index) - followed) <= horizon
    last = max(got.index)  # the window's last week
    week = followed.index[first[followed.index].dt.to_period("W").astype(str) == last]
    assert got.loc[last, "followed"] == len(week) < got.loc[last, "journeys"]
    assert got.loc[last, "conversion_rate"] == pytest.approx(won[week].mean())
    assert bool(got.loc[last, "too_recent"])


def test_filter_mistakes_are_one_line_errors():
    log = engine.read_log(dataset_path("sepsis.xes.gz"))
    with pytest.raises(engine.InputError, match=r"no touchpoint 'crp'.*'CRP'"):
        log.filter.contains("crp")
    with pytest.raises(engine.InputError, match="mode must be one of"):
        log.filter.time_range("2014-01-01", mode="during")
    with pytest.raises(engine.InputError, match="is not a date"):
        log.filter.time_range("someday")
    with pytest.raises(engine.InputError, match="keeps no journey"):
        log.filter.size(min_events=10_000)
    with pytest.raises(engine.InputError, match="was not read with the log"):
        log.filter.attribute("segment", ["a"])
    with pytest.raises(engine.InputError, match="within must be a duration"):
        log.filter.follows("CRP", "Leucocytes", within="soon")


# -- parity with pm4py's filters on the shipped real logs ---------------------------------------
def _pm4py_cases(frame: pd.DataFrame) -> set[str]:
    return set(frame["case:concept:name"].astype(str))


@pytest.mark.parametrize("name", ["receipt.xes.gz", "sepsis.xes.gz"])
def test_parity_with_pm4py_filters(name):
    import pm4py

    log = engine.read_log(dataset_path(name))
    frame = log.to_pm4py()
    frame["case:concept:name"] = frame["case:concept:name"].astype(object)
    frame["concept:name"] = frame["concept:name"].astype(object)
    acts = log.activities()["activity"].tolist()
    a, b = acts[0], acts[1]
    ours = lambda sliced: set(sliced.case_ids.astype(str))  # noqa: E731

    assert ours(log.filter.contains(a)) == _pm4py_cases(
        pm4py.filter_event_attribute_values(frame, "concept:name", [a], level="case")
    )
    assert ours(log.filter.follows(a, b, directly=True)) == _pm4py_cases(
        pm4py.filter_directly_follows_relation(frame, [(a, b)])
    )
    assert ours(log.filter.follows(a, b)) == _pm4py_cases(
        pm4py.filter_eventually_follows_relation(frame, [(a, b)])
    )
    assert ours(log.filter.size(3, 6)) == _pm4py_cases(pm4py.filter_case_size(frame, 3, 6))
    day = 86_400
    assert ours(log.filter.duration(min=day, max=10 * day)) == _pm4py_cases(
        pm4py.filter_case_performance(frame, day, 10 * day)
    )
    ts = frame["time:timestamp"]
    start, end = ts.quantile(0.3), ts.quantile(0.6)
    for mode, theirs in (("contained", "traces_contained"), ("intersects", "traces_intersecting")):
        assert ours(log.filter.time_range(start, end, mode=mode)) == _pm4py_cases(
            pm4py.filter_time_range(frame, start, end, mode=theirs)
        )
    events = log.filter.time_range(start, end, mode="events")
    theirs = pm4py.filter_time_range(frame, start, end, mode="events")
    assert events.n_events == len(theirs) and ours(events) == _pm4py_cases(theirs)
    top = log.filter.variants(top=3)
    assert ours(top) == _pm4py_cases(pm4py.filter_variants_top_k(frame, 3))


@SETTINGS
@given(
    journeys(),
    st.sampled_from(TOUCHPOINTS),
    st.sampled_from([*TOUCHPOINTS, None, "conversion"]),
    st.one_of(st.none(), st.integers(0, 3)),
    st.one_of(st.none(), st.integers(0, 3)),
)
def test_trim_matches_the_reference(frame, anchor, until, before, after):
    assume(anchor in set(frame["activity"]))
    assume(until in (None, "conversion") or until in set(frame["activity"]))
    log, canon = _read(frame), _canon(frame)

    def window(g):
        acts = list(g["activity"])
        first = acts.index(anchor)
        if until == "conversion":
            last = acts.index("pay") if "pay" in acts else -1
            if last < first:
                return None
        elif until is not None:
            later = [i for i in range(first, len(acts)) if acts[i] == until]
            if not later:
                return None
            last = later[0]
        else:
            last = len(acts) - 1
        lo = first if before is None else max(0, first - before)
        hi = last if after is None else min(last, first + after)
        return acts[lo : hi + 1]

    want = {}
    for case, g in canon.groupby("case", sort=False):
        if anchor in set(g["activity"]):
            kept = window(g)
            if kept:
                want[str(case)] = kept
    _check(
        log,
        want,
        lambda: log.filter.trim(anchor, until=until, before=before, after=after, model=MODEL),
    )


def test_trim_keeps_the_first_stretch_pm4py_filter_between_finds():
    """pm4py's filter_between makes a case of every a…b stretch; trim keeps each
    journey's first, so the first stretches agree."""
    import pm4py

    log = engine.read_log(dataset_path("sepsis.xes.gz"))
    a, b = "ER Registration", "IV Antibiotics"
    ours = _sequences(log.filter.trim(a, until=b))
    frame = log.to_pm4py()
    frame["case:concept:name"] = frame["case:concept:name"].astype(object)
    frame["concept:name"] = frame["concept:name"].astype(object)
    theirs = pm4py.filter_between(frame, a, b)
    first = {}
    for case, g in theirs.groupby("case:concept:name", sort=False):
        base = str(case).rsplit("##", 1)[0]
        first.setdefault(base, list(g["concept:name"]))
    assert ours == first


def test_pm4py_filters_read_row_order_as_time_order_parcours_does_not():
    """pm4py's filters take a DataFrame's row order for each case's time order (its
    `format_dataframe` sorts; the filters do not). On rows written out of time order,
    its eventually-follows, case-performance, between and variant answers are wrong, and
    the same rows sorted give ours, which sorts by time whatever the row order."""
    import pm4py

    t = pd.Timestamp("2026-03-01")
    hours = pd.to_timedelta([2, 0, 0, 1, 3], unit="h")
    frame = pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2", "c2", "c2"],
            "concept:name": ["b", "a", "a", "c", "b"],  # c1 is a → b in time, b first in rows
            "time:timestamp": t + hours,
        }
    )
    ordered = frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    log = engine.read_log(frame)

    def cases(sliced) -> set[str]:
        return set(sliced.case_ids.astype(str))

    # a eventually followed by b: both journeys.
    assert cases(log.filter.follows("a", "b")) == {"c1", "c2"}
    assert _pm4py_cases(pm4py.filter_eventually_follows_relation(frame, [("a", "b")])) == {"c2"}
    assert _pm4py_cases(pm4py.filter_eventually_follows_relation(ordered, [("a", "b")])) == {
        "c1",
        "c2",
    }
    # journeys lasting at most 2.5 h: c1 (2 h); pm4py takes c1's span as last row − first.
    assert cases(log.filter.duration(max=2.5 * 3600)) == {"c1"}
    assert _pm4py_cases(pm4py.filter_case_performance(frame, 0, 2.5 * 3600)) == set()
    assert _pm4py_cases(pm4py.filter_case_performance(ordered, 0, 2.5 * 3600)) == {"c1"}
    # c1's variant is (a, b); pm4py reads (b, a).
    assert set(pm4py.get_variants(frame)) == {("b", "a"), ("a", "c", "b")}
    assert set(pm4py.get_variants(ordered)) == {("a", "b"), ("a", "c", "b")}
    assert {tuple(v) for v in log.variants()["variant"]} == {("a", "b"), ("a", "c", "b")}
    # every a…b stretch: pm4py misses c1's.
    theirs = pm4py.filter_between(frame, "a", "b")["case:concept:name"].astype(str)
    assert {c.split("##")[0] for c in theirs} == {"c2"}
    assert cases(log.filter.trim("a", until="b")) == {"c1", "c2"}


@pytest.mark.parametrize("name", ["sepsis.xes.gz"])
def test_on_shuffled_rows_of_a_real_log_pm4py_changes_its_answer(name):
    """The same events in a shuffled row order: our duration slice is unchanged and
    equals pm4py's on the sorted rows; pm4py's on the shuffled rows has hundreds of cases
    wrong (kept and left out)."""
    import pm4py

    log = engine.read_log(dataset_path(name))
    frame = log.to_pm4py()
    frame["case:concept:name"] = frame["case:concept:name"].astype(object)
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    day = 86_400
    ours = set(engine.read_log(shuffled).filter.duration(max=5 * day).case_ids.astype(str))
    assert ours == set(log.filter.duration(max=5 * day).case_ids.astype(str))
    assert ours == _pm4py_cases(pm4py.filter_case_performance(frame, 0, 5 * day))
    wrong = _pm4py_cases(pm4py.filter_case_performance(shuffled, 0, 5 * day))
    assert len(ours - wrong) > 100 and len(wrong - ours) > 100
