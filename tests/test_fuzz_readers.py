"""Fuzzing the three readers: random CSV, Parquet and XES documents, valid and corrupted.

A valid document must give the plain pandas reference (events, cases, activities, drops
and each case's sequence of activities and times). A corrupted one may still be readable,
or not; either way a run ends in an EventLog or in a one-line InputError (exit code 3 on
the command line): never another exception, never a hang (a watchdog ends the run after
`TIMEOUT_S`), never memory beyond `MEMORY_BOUND_MB`.

The CI profile runs a few hundred documents; the `slow` tests run ten times as many.
"""

from __future__ import annotations

import faulthandler
import gzip
import resource
import tempfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine import InputError
from tests import reference
from tests.helpers import assert_order_matches

KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}
XES_KEYS = {"case": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}
FORMATS = ["csv", "csv.gz", "parquet", "xes", "xes.gz"]
TIMEOUT_S = 60  # one document, however odd, is read well within this
MEMORY_BOUND_MB = 1024  # growth of the peak RSS over the whole test
FEW, MANY = 40, 400  # documents per format: CI, and the slow profile

# Text a CSV and an XML attribute both carry as it is: no control characters (XML 1.0
# has no place for most, and a parser folds the others), no surrogates.
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=8,
)
SECOND = 10**9
EPOCH_2000, EPOCH_2030 = 946_684_800, 1_893_456_000


@st.composite
def event_logs(draw) -> pd.DataFrame:
    """Rows of (case, activity, ts): text ids and names of any script, ties, one-event
    cases, and now and then a missing activity or timestamp."""
    cases = draw(st.lists(TEXT, min_size=1, max_size=6, unique=True))
    names = draw(st.lists(TEXT, min_size=1, max_size=5, unique=True))
    rows = []
    for case in cases:
        for _ in range(draw(st.integers(1, 6))):
            activity = None if draw(st.integers(0, 15)) == 0 else draw(st.sampled_from(names))
            seconds = draw(st.integers(EPOCH_2000, EPOCH_2030) | st.just(EPOCH_2000 + 60))
            stamp = None if draw(st.integers(0, 20)) == 0 else seconds
            rows.append((case, activity, stamp))
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    ts = pd.to_datetime([r[2] for r in rows], unit="s", utc=True)
    return pd.DataFrame(
        {
            "case": pd.Series([r[0] for r in rows], dtype=object),
            "activity": pd.Series([r[1] for r in rows], dtype=object),
            "ts": ts,
        }
    )


def as_xes(df: pd.DataFrame) -> bytes:
    """One trace per case, its events in row order; missing values are left out. Some
    log- and trace-level attributes and a global, as real logs have."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">',
        '<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>',
        '<global scope="event"><string key="concept:name" value="__INVALID__"/></global>',
        '<string key="concept:name" value="fuzz"/>',
    ]
    for case, events in df.groupby("case", sort=False):
        out.append(f'<trace><string key="concept:name" value={quoteattr(str(case))}/>')
        out.append('<int key="size" value="7"/>')
        for activity, ts in zip(events["activity"], events["ts"], strict=True):
            out.append("<event>")
            if activity is not None:
                out.append(f'<string key="concept:name" value={quoteattr(activity)}/>')
            if not pd.isna(ts):
                out.append(f'<date key="time:timestamp" value="{ts.isoformat()}"/>')
            out.append("</event>")
        out.append("</trace>")
    out.append("</log>\n")
    return "\n".join(out).encode("utf-8")


def in_xes_order(df: pd.DataFrame) -> pd.DataFrame:
    """The rows in the order as_xes writes them: by trace, then as given."""
    first = {case: i for i, case in enumerate(dict.fromkeys(df["case"]))}
    order = np.argsort(df["case"].map(first).to_numpy(), kind="stable")
    return df.iloc[order].reset_index(drop=True)


def write(df: pd.DataFrame, folder: Path, fmt: str) -> tuple[Path, dict[str, str], pd.DataFrame]:
    """The document, the keys to read it with, and the rows in the order it holds them."""
    path = folder / f"log.{fmt}"
    if fmt.startswith("xes"):
        data = as_xes(df)
        path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)
        return path, XES_KEYS, in_xes_order(df)
    if fmt.startswith("csv"):
        df.to_csv(path, index=False, compression="gzip" if fmt.endswith(".gz") else None)
    else:
        df.to_parquet(path)
    return path, KEYS, df


class Watchdog:
    """Ends the test run with every thread's traceback if one read hangs."""

    def __enter__(self) -> Watchdog:
        faulthandler.dump_traceback_later(TIMEOUT_S, exit=True)
        return self

    def __exit__(self, *exc: object) -> None:
        faulthandler.cancel_dump_traceback_later()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read_or_refuse(path: Path, keys: dict[str, str]) -> engine.EventLog | InputError:
    """What a run ends in: a log, or a one-line InputError. Anything else fails."""
    with Watchdog():
        try:
            return engine.read_log(path, **keys)
        except InputError as error:
            message = str(error)
            assert message and "\n" not in message, f"not one line: {message!r}"
            return error


@pytest.fixture(scope="module")
def memory_start() -> float:
    return peak_rss_mb()


def check_valid(df: pd.DataFrame, fmt: str, memory_start: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path, keys, rows = write(df, Path(folder), fmt)
        canon = reference.canonical_frame(rows, "case", "activity", "ts")
        got = read_or_refuse(path, keys)
    if canon.empty:  # no usable row: 'empty', or no such attribute in an XES
        assert isinstance(got, InputError)
        return
    assert isinstance(got, engine.EventLog), f"a valid {fmt} was refused: {got}"
    assert got.n_events == len(canon)
    assert got.n_cases == canon["_case"].nunique()
    assert got.n_activities == canon["_act"].nunique()
    assert got.activity_names.tolist() == sorted(canon["_act"].unique())
    assert got.dropped.total == len(rows) - len(canon)
    assert_order_matches(got, canon)
    assert peak_rss_mb() - memory_start < MEMORY_BOUND_MB


MUTATIONS = ["truncate", "flip", "insert", "delete", "duplicate"]


def corrupt(data: bytes, draw) -> bytes:
    """The document with a few random cuts, flipped bytes, insertions and repeats."""
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(MUTATIONS))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip":
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=16)) + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 64)) :]
        else:
            data = data[:at] + data[at : at + draw(st.integers(1, 256))] * 2 + data[at:]
    return data


def check_corrupted(df: pd.DataFrame, fmt: str, data_draw, memory_start: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path, keys, _ = write(df, Path(folder), fmt)
        path.write_bytes(corrupt(path.read_bytes(), data_draw))
        got = read_or_refuse(path, keys)
        if isinstance(got, engine.EventLog):
            # whatever was read is a consistent log
            assert got.n_events == len(got.activity) == len(got.timestamp)
            assert got.case_offsets[0] == 0 and got.case_offsets[-1] == got.n_events
            assert np.all(np.diff(got.case_offsets) > 0)
            assert set(np.unique(got.activity)) == set(range(got.n_activities))
    assert peak_rss_mb() - memory_start < MEMORY_BOUND_MB


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(FEW)
@given(df=event_logs())
def test_valid_documents_read_as_the_reference(fmt, df, memory_start):
    check_valid(df, fmt, memory_start)


@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(FEW)
@given(df=event_logs(), data=st.data())
def test_corrupted_documents_end_in_a_log_or_a_one_line_error(fmt, df, data, memory_start):
    check_corrupted(df, fmt, data.draw, memory_start)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(MANY)
@given(df=event_logs())
def test_valid_documents_read_as_the_reference_many(fmt, df, memory_start):
    check_valid(df, fmt, memory_start)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(MANY)
@given(df=event_logs(), data=st.data())
def test_corrupted_documents_end_in_a_log_or_a_one_line_error_many(fmt, df, data, memory_start):
    check_corrupted(df, fmt, data.draw, memory_start)
