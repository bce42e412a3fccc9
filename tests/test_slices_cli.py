"""`parcours analyze` on a slice: --where, --contains, --between, --session-gap and
--compare write the usual folder for the slice, and say what it is a slice of."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import engine
from engine import cli
from engine.datasets.synthetic import KEYS, write_parquet
from engine.outputs import SCHEMAS


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return write_parquet(tmp_path_factory.mktemp("slices") / "log.parquet", 30_000, seed=5)


def _analyze(log, out, *extra):
    keys = [
        "--case",
        KEYS["case"],
        "--activity",
        KEYS["activity"],
        "--timestamp",
        KEYS["timestamp"],
    ]
    return cli.main(
        ["analyze", str(log), *keys, "--out", str(out), "--quiet", "--no-report", *extra]
    )


def test_a_slice_is_analysed_and_recorded(generated, tmp_path):
    where = "segment == 'new' and channel != 'store'"
    code = _analyze(
        generated,
        tmp_path,
        "--where",
        where,
        "--contains",
        "product_page",
        "--between",
        "2026-02-01",
        "2026-03-31",
    )
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    log = engine.read_log(generated, **KEYS, attributes=["segment", "channel"])
    want = (
        log.filter.where(where)
        .filter.contains("product_page", how="all")
        .filter.time_range("2026-02-01", "2026-03-31", mode="starts")
    )
    assert (summary["cases"], summary["events"]) == (want.n_cases, want.n_events)
    assert [s["filter"] for s in summary["slice"]] == ["where", "contains", "time_range"]
    assert summary["slice"][0]["expression"] == where
    edges = pd.read_parquet(tmp_path / "edges.parquet")
    pd.testing.assert_frame_equal(edges, want.dfg(), check_dtype=False)


def test_between_keeps_the_whole_last_day(tmp_path):
    """`--between 2026-03-01 2026-03-31` is all of March: a journey starting on the 31st at
    08:00 is in it; a day given twice is that day; an end with a time of day is that time."""
    frame = pd.DataFrame(
        {
            "case": ["c1", "c1", "c2", "c3", "c3", "c4"],
            "activity": ["visit", "buy", "visit", "visit", "buy", "visit"],
            "ts": [
                "2026-03-01 09:00:00",
                "2026-03-01 10:00:00",
                "2026-03-15 12:00:00",
                "2026-03-31 08:00:00",
                "2026-03-31 09:00:00",
                "2026-04-01 08:00:00",
            ],
        }
    )
    path = tmp_path / "log.csv"
    frame.to_csv(path, index=False)
    first = pd.to_datetime(frame["ts"]).groupby(frame["case"]).min()
    flags = ["--case", "case", "--activity", "activity", "--timestamp", "ts", "--no-report"]
    for between, low, before in (
        (["2026-03-01", "2026-03-31"], "2026-03-01", "2026-04-01"),
        (["2026-03-31", "2026-03-31"], "2026-03-31", "2026-04-01"),
        (["2026-03-01", "2026-03-31 08:00"], "2026-03-01", "2026-03-31 08:00:00.000000001"),
        (["2026-03-01", "2026-03-31 07:59"], "2026-03-01", "2026-03-31 07:59:00.000000001"),
    ):
        out = tmp_path / "-".join(between).replace(" ", "_").replace(":", "")
        code = cli.main(["analyze", str(path), *flags, "--between", *between, "--out", str(out)])
        assert code == 0
        want = first[(first >= pd.Timestamp(low)) & (first < pd.Timestamp(before))]
        summary = json.loads((out / "summary.json").read_text())
        assert summary["cases"] == len(want), between


def test_sessions_become_the_journeys(generated, tmp_path):
    assert _analyze(generated, tmp_path, "--session-gap", "6h") == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    log = engine.read_log(generated, **KEYS)
    assert summary["cases"] == log.sessions("6h").n_cases > log.n_cases


def test_compare_writes_its_table(generated, tmp_path):
    code = _analyze(
        generated, tmp_path, "--stages", "default", "--compare", "segment=new,returning"
    )
    assert code == 0
    schema = pq.read_schema(tmp_path / "compare.parquet")
    assert schema.names == SCHEMAS["compare.parquet"].names
    table = pd.read_parquet(tmp_path / "compare.parquet")
    assert set(table["table"]) == {"edge", "variant", "funnel", "conversion", "stage_dwell"}
    summary = json.loads((tmp_path / "summary.json").read_text())["compare"]
    assert (summary["column"], summary["a"], summary["b"]) == ("segment", "new", "returning")
    assert summary["significant"] == int(table["significant"].sum())
    from engine.report import write_report

    write_report(tmp_path)  # the report has a "what differs" section
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "What differs" in page and f"{summary['rows']:,} compared figures" in page


def test_compare_matches_numbers_as_written(tmp_path, capsys):
    """--compare tier=1,2 on a column of integers, resource=559 (and 559.0) on integers
    with blanks (read as floats): the sides are the journeys pandas finds with those
    values at their first event; a value not of the column's type is a one-line error."""
    frame = pd.DataFrame(
        {
            "case": [1, 1, 2, 2, 3, 4, 5, 5, 6],
            "activity": ["a", "buy", "a", "b", "a", "a", "a", "buy", "a"],
            "ts": pd.date_range("2024-01-01", periods=9, freq="h").astype(str),
            "tier": [1, 1, 2, 2, 2, 1, 3, 3, 2],
            "resource": [559, None, 561, 559, None, 559, 560, None, 559],
        }
    )
    path, stages = tmp_path / "log.csv", tmp_path / "stages.toml"
    frame.to_csv(path, index=False)
    stages.write_text(
        'conversion = { activity = "buy" }\n[[stages]]\nname = "s"\n'
        'touchpoints = ["a", "b", "buy"]\n'
    )
    first = frame.drop_duplicates("case").set_index("case")  # rows are in time order
    flags = ["--case", "case", "--activity", "activity", "--timestamp", "ts", "--no-report"]
    flags += ["--quiet", "--stages", str(stages)]
    for compare, a, b in (
        ("tier=1,2", first["tier"] == 1, first["tier"] == 2),
        ("tier=2", first["tier"] == 2, first["tier"] != 2),
        ("resource=559", first["resource"] == 559, first["resource"] != 559),
        ("resource=559.0,561", first["resource"] == 559, first["resource"] == 561),
    ):
        out = tmp_path / compare.replace("=", "-").replace(",", "-")
        code = cli.main(["analyze", str(path), *flags, "--compare", compare, "--out", str(out)])
        assert code == 0, capsys.readouterr().err
        summary = json.loads((out / "summary.json").read_text())["compare"]
        assert (summary["a_journeys"], summary["b_journeys"]) == (a.sum(), b.sum()), compare
    for compare, says in (
        ("tier=x", "--compare: column 'tier' holds whole numbers (int64); 'x' is not one"),
        ("resource=1,many", "--compare: column 'resource' holds numbers (float64); 'many'"),
        ("tier=7", "--compare tier=7: no journey of the 6 analysed has tier = 7 at its first"),
        ("tier=2,9", "no journey of the 6 analysed has tier = 9 at its first event; the values"),
    ):
        out = tmp_path / "bad"
        code = cli.main(["analyze", str(path), *flags, "--compare", compare, "--out", str(out)])
        err = capsys.readouterr().err.strip()
        assert code == cli.EXIT_INPUT and says in err and "\n" not in err, err
        assert not out.exists()


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--where", "segment = 'new'"], "--where: unexpected character at character 9"),
        (["--where", "segment == 'new' and"], "expected a column name, found the end"),
        (["--between", "2026-01-01", "someday"], "--between: 'someday' is not a date"),
        (["--session-gap=-5min"], "--session-gap must be a positive duration"),
        (["--compare", "segment"], "--compare takes COLUMN=A or COLUMN=A,B"),
    ],
)
def test_bad_slice_flags_are_usage_errors(generated, tmp_path, capsys, flags, says):
    assert _analyze(generated, tmp_path / "out", *flags) == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_conversion_window_flag(generated, tmp_path, capsys):
    assert _analyze(generated, tmp_path / "a", "--stages", "default") == 0
    assert (
        _analyze(generated, tmp_path / "b", "--stages", "default", "--conversion-window", "1h") == 0
    )
    plain = json.loads((tmp_path / "a" / "summary.json").read_text())["journey"]
    windowed = json.loads((tmp_path / "b" / "summary.json").read_text())["journey"]
    assert windowed["conversion"]["window_s"] == 3600.0
    assert windowed["converted"] < plain["converted"]
    assert windowed["time_to_convert_max_s"] <= 3600.0
    code = _analyze(generated, tmp_path / "c", "--stages", "default", "--conversion-window", "x")
    assert code == cli.EXIT_USAGE and "--conversion-window" in capsys.readouterr().err


def test_drift_writes_its_table(generated, tmp_path, capsys):
    code = _analyze(
        generated, tmp_path / "d", "--stages", "default", "--drift", "M", "--drift-by", "segment"
    )
    assert code == 0
    assert pq.read_schema(tmp_path / "d" / "drift.parquet").names == SCHEMAS["drift.parquet"].names
    table = pd.read_parquet(tmp_path / "d" / "drift.parquet")
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())["drift"]
    assert summary["periods"] == table["period"].nunique() > 1
    assert summary["significant"] == int(table["significant"].sum())
    for flags, says in (
        (["--stages", "default", "--drift", "fortnight"], "--drift takes D, W, M, Q or Y"),
        (["--stages", "default", "--drift-by", "segment"], "--drift-by goes with --drift"),
        (["--drift", "W"], "--drift needs a stage mapping"),
    ):
        assert _analyze(generated, tmp_path / "e", *flags) == cli.EXIT_USAGE
        assert says in capsys.readouterr().err
