"""What the XES reader makes of attribute values and keys, checked against pm4py's reader
where it is installed: whole numbers exact, trace attributes against the event keys
written as 'case:<key>'. The refusals (repeated keys, lists, numbers beyond int64) are in
test_bad_input.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import engine
from engine.io import read_table

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'


def event(activity: str, when: str, extra: str = "") -> str:
    return (
        f'<event><string key="concept:name" value="{activity}"/>'
        f'<date key="time:timestamp" value="{when}"/>{extra}</event>'
    )


def written(tmp_path: Path, *traces: str) -> Path:
    path = tmp_path / "log.xes"
    path.write_text(HEAD + "\n".join(traces) + "\n</log>\n", encoding="utf-8")
    return path


def pm4py_frame(path: Path) -> pd.DataFrame | None:
    """pm4py's reading of the file (its XES importer, not ours), or None without pm4py."""
    try:
        import pm4py
    except ImportError:
        return None
    return pm4py.read_xes(str(path))


def pm4py_values(path: Path, key: str) -> list | None:
    """Each event's `key` as pm4py's XES importer reads it (None where absent), before
    its frame turns a column with gaps into float64; None without pm4py."""
    try:
        import pm4py
    except ImportError:
        return None
    log = pm4py.read_xes(str(path), return_legacy_log_object=True)
    return [e.get(key) for trace in log for e in trace]


def test_int_case_ids_beyond_two_to_the_53_stay_two_cases(tmp_path):
    """Through float64, 2**53 + 1 and 2**53 are one number: the two traces became one case."""
    path = written(
        tmp_path,
        '<trace><int key="concept:name" value="9007199254740993"/>'
        + event("a", "2020-01-01T10:00:00+00:00")
        + "</trace>",
        '<trace><int key="concept:name" value="9007199254740992"/>'
        + event("b", "2020-01-01T10:00:00+00:00")
        + "</trace>",
    )
    log = engine.read_log(path)
    assert log.n_cases == 2 and log.n_events == 2
    assert sorted(int(c) for c in log.case_ids) == [2**53, 2**53 + 1]
    frame = log.to_pm4py()
    by_case = dict(zip(frame["case:concept:name"].astype(int), frame["concept:name"], strict=True))
    assert by_case == {2**53 + 1: "a", 2**53: "b"}
    want = pm4py_frame(path)
    if want is not None:
        assert sorted(want["case:concept:name"].astype(int)) == sorted(by_case)


def test_int_attributes_are_read_exactly(tmp_path):
    values = ["9007199254740993", "-9223372036854775808", "9223372036854775807", " +7 ", "007"]
    path = written(
        tmp_path,
        '<trace><string key="concept:name" value="c1"/>'
        + "".join(
            event(f"a{i}", f"2020-01-01T1{i}:00:00+00:00", f'<int key="amount" value="{v}"/>')
            for i, v in enumerate(values)
        )
        + event("none", "2020-01-01T19:00:00+00:00")
        + "</trace>",
    )
    expected = [2**53 + 1, -(2**63), 2**63 - 1, 7, 7, None]
    log = engine.read_log(path, attributes=["amount"])
    amount = log.attributes["amount"]
    assert str(amount.dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in amount] == expected
    raw = read_table(path, columns=None)["amount"]
    assert [None if pd.isna(v) else int(v) for v in raw] == expected
    want = pm4py_values(path, "amount")
    if want is not None:
        assert want == expected


def test_an_event_case_key_leaves_the_event_in_its_trace(tmp_path):
    """An event's own 'case:concept:name' took over: event a went to case OTHER and b,
    its trace's value wiped, was dropped as missing its case."""
    path = written(
        tmp_path,
        '<trace><string key="concept:name" value="c1"/>'
        + event(
            "a",
            "2020-01-01T10:00:00+00:00",
            '<string key="case:concept:name" value="OTHER"/>',
        )
        + event("b", "2020-01-01T11:00:00+00:00")
        + "</trace>",
    )
    log = engine.read_log(path)
    assert log.dropped.total == 0
    assert list(log.case_ids) == ["c1"]
    frame = log.to_pm4py()
    assert frame[["case:concept:name", "concept:name"]].values.tolist() == [
        ["c1", "a"],
        ["c1", "b"],
    ]
    want = pm4py_frame(path)
    if want is not None:
        got = frame[["case:concept:name", "concept:name"]].astype(str).values.tolist()
        assert got == want[["case:concept:name", "concept:name"]].astype(str).values.tolist()


def test_trace_attributes_win_over_the_events_case_keys(tmp_path):
    """The trace's channel is its events' channel; an event's own 'case:channel' stands
    only in a trace without one."""
    path = written(
        tmp_path,
        '<trace><string key="concept:name" value="c1"/><string key="channel" value="web"/>'
        + event("a", "2020-01-01T10:00:00Z", '<string key="case:channel" value="app"/>')
        + event("b", "2020-01-01T11:00:00Z")
        + event("c", "2020-01-01T12:00:00Z")
        + "</trace>",
        '<trace><string key="concept:name" value="c2"/>'
        + event("a", "2020-01-02T10:00:00Z", '<string key="case:channel" value="app"/>')
        + event("b", "2020-01-02T11:00:00Z")
        + "</trace>",
    )
    expected = ["web", "web", "web", "app", None]
    log = engine.read_log(path, attributes=["case:channel"])
    channel = [None if pd.isna(v) else v for v in log.attributes["case:channel"]]
    assert channel == expected
    raw = read_table(path, columns=None)["case:channel"]
    assert [None if pd.isna(v) else v for v in raw] == expected
    want = pm4py_frame(path)
    if want is not None:
        assert [None if pd.isna(v) else v for v in want["case:channel"]] == expected


def test_a_key_repeated_in_an_event_that_the_read_does_not_use_is_left_alone(tmp_path):
    path = written(
        tmp_path,
        '<trace><string key="concept:name" value="c1"/>'
        + event(
            "a",
            "2020-01-01T10:00:00Z",
            '<string key="org:resource" value="r1"/><string key="org:resource" value="r2"/>'
            '<list key="items"><values><string key="x" value="1"/></values></list>',
        )
        + "</trace>",
    )
    log = engine.read_log(path)
    assert log.n_events == 1 and list(log.case_ids) == ["c1"]


@pytest.mark.parametrize("kinds", [("int", "float"), ("float", "float")])
def test_int_and_float_columns_are_float64(tmp_path, kinds):
    """A <float> is read as float64; an <int> beside it too, when float64 holds it."""
    first, second = kinds
    path = written(
        tmp_path,
        '<trace><string key="concept:name" value="c1"/>'
        + event("a", "2020-01-01T10:00:00Z", f'<{first} key="x" value="{2**53}"/>')
        + event("b", "2020-01-01T11:00:00Z", f'<{second} key="x" value="1.5"/>')
        + "</trace>",
    )
    x = engine.read_log(path, attributes=["x"]).attributes["x"]
    assert str(x.dtype) == "float64" and x.tolist() == [2.0**53, 1.5]


def test_a_key_repeated_with_the_same_value_is_that_value(tmp_path):
    """No value to choose between: read, not refused."""
    same = '<string key="concept:name" value="a"/>'
    path = written(
        tmp_path,
        '<trace><string key="concept:name" value="c1"/><string key="concept:name" value="c1"/>'
        + event("a", "2020-01-01T10:00:00Z", same)
        + "</trace>",
    )
    log = engine.read_log(path)
    assert list(log.case_ids) == ["c1"] and log.activity_names.tolist() == ["a"]
