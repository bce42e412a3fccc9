"""The Dask backend on a local cluster of two worker processes: the single-machine
tables (quantiles within the sketches' 0.5 %) whatever the partitioning, with cases
split across input files, and when a worker dies in the middle of the work."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
from engine.datasets.synthetic import KEYS, generate
from engine.journey import JourneyModel
from tests.journey_checks import assert_same_journey
from tests.partial_checks import assert_same_tables
from tests.real_logs import BY_NAME

TEMPLATES = {
    "receipt.xes.gz": "receipt",
    "sepsis.xes.gz": "sepsis",
    "helpdesk.xes.gz": "helpdesk",
    "BPIC2012.xes.gz": "bpic2012",
}
dd = pytest.importorskip("dask.dataframe", reason="the dask backend needs pip install '.[dask]'")
distributed = pytest.importorskip("distributed")


@pytest.mark.parametrize("partitions", [1, 2, 4])
def test_random_journey_logs_give_the_single_machine_tables(client, partitions):
    df = generate(20_000, seed=10 + partitions)
    source = dd.from_pandas(df, npartitions=3)
    attributes = ["segment", "channel"]
    log = engine.read_log(
        source, **KEYS, backend="dask", npartitions=partitions, attributes=attributes
    )
    assert isinstance(log, engine.DaskEventLog) and log.npartitions == partitions
    whole = engine.read_log(df, **KEYS, attributes=attributes)
    assert_same_tables(log, whole, exact=True)
    model = JourneyModel.default()
    assert_same_journey(
        log.journey(model), whole.journey(model), segments=attributes, periods=["M"]
    )


def test_touchpoints_left_out_of_the_mapping_give_the_single_machine_journey(client):
    """Touchpoint steps skip the events of touchpoints the mapping leaves out, alike on
    each partition (their exact waits come from a round of their own)."""
    df = generate(20_000, seed=21)
    stages = {stage: [] for stage in JourneyModel.default().stages}
    for touchpoint, stage in JourneyModel.default().touchpoints.items():
        if touchpoint not in ("chat", "compare", "support_ticket"):
            stages[stage].append(touchpoint)
    model = JourneyModel.from_stages(stages, conversion="activity:purchase", strict=False)
    whole = engine.read_log(df, **KEYS)
    log = engine.read_log(dd.from_pandas(df, npartitions=3), **KEYS, npartitions=3)
    want = whole.journey(model)
    steps = want.bottlenecks().query("level == 'touchpoint'")
    assert not steps["source"].isin(["chat", "compare"]).any()
    assert not steps["target"].isin(["chat", "compare"]).any()
    assert_same_journey(log.journey(model), want)


@pytest.mark.parametrize(
    "name", ["receipt.xes.gz", "sepsis.xes.gz", "helpdesk.xes.gz", "BPIC2012.xes.gz"]
)
@pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning")
def test_real_logs_give_the_single_machine_tables(client, name):
    real = BY_NAME[name]
    whole = engine.read_log(real.require(), **real.keys)
    frame = whole.to_pm4py()[["case:concept:name", "concept:name", "time:timestamp"]]
    log = engine.read_log(dd.from_pandas(frame, npartitions=4), backend="dask", npartitions=3)
    assert_same_tables(log, whole, exact=True)
    assert log.summary()["events"] == real.events
    model = JourneyModel.template(TEMPLATES[name])
    assert_same_journey(log.journey(model), whole.journey(model), periods=["M"])


def test_past_the_exact_limit_the_sketches_answer(client, monkeypatch):
    """Where too many values would travel for exact quantiles, the sketches' (within
    0.5 %) are kept, and summary.json says so."""
    monkeypatch.setattr("engine.analysis.exact.EXACT_LIMIT", 0)
    df = generate(5_000, seed=21)
    log = engine.read_log(dd.from_pandas(df, npartitions=2), **KEYS, attributes=["segment"])
    whole = engine.read_log(df, **KEYS, attributes=["segment"])
    assert_same_tables(log, whole, exact=False)
    assert log.summary()["quantiles"] == {"edges": "sketch", "variants": "sketch"}
    model = JourneyModel.default()
    assert_same_journey(log.journey(model), whole.journey(model), segments=["segment"], exact=False)


def test_a_case_split_across_input_files(client, tmp_path: Path):
    df = generate(6_000, seed=3)
    folder = tmp_path / "log"
    folder.mkdir()
    # Alternate rows between files: nearly every case has events in both.
    df.iloc[0::2].to_parquet(folder / "part-0.parquet")
    df.iloc[1::2].to_parquet(folder / "part-1.parquet")
    spread = df[KEYS["case"]].iloc[0::2].isin(df[KEYS["case"]].iloc[1::2]).mean()
    assert spread > 0.5
    log = engine.read_log(str(folder / "*.parquet"), **KEYS, backend="dask", npartitions=2)
    want = engine.read_log(pd.concat([df.iloc[0::2], df.iloc[1::2]]), **KEYS)
    assert_same_tables(log, want, exact=True)


def _die_once(part: pd.DataFrame, marker: str) -> pd.DataFrame:
    """Kill the worker process running this, the first time any worker runs it (never
    the test's own process, where dask may call it to learn the output's columns)."""
    try:
        distributed.get_worker()
    except ValueError:
        return part
    if len(part) and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return part


def test_a_worker_dying_mid_computation_changes_nothing(client, tmp_path: Path):
    df = generate(10_000, seed=8)
    marker = str(tmp_path / "died")
    source = dd.from_pandas(df, npartitions=4).map_partitions(_die_once, marker, meta=df.iloc[:0])
    log = engine.read_log(source, **KEYS, backend="dask", npartitions=2)
    assert_same_tables(log, engine.read_log(df, **KEYS), exact=True)
    assert os.path.exists(marker), "no worker died: the test proved nothing"
    client.wait_for_workers(2, timeout=60)


def test_dropped_rows_and_empty_partitions(client):
    df = generate(2_000, seed=2)
    df.loc[df.index[:7], KEYS["case"]] = None
    df.loc[df.index[7:10], KEYS["activity"]] = None
    log = engine.read_log(dd.from_pandas(df, npartitions=2), **KEYS, npartitions=16)
    want = engine.read_log(df, **KEYS)
    assert log.dropped == want.dropped
    assert_same_tables(log, want, exact=True)


@pytest.mark.parametrize("categorical", [False, True])
def test_empty_text_case_ids_are_dropped_even_when_a_partition_has_only_them(client, categorical):
    """An empty text case id is missing on Dask as on one machine, from categoricals too;
    a partition holding only such rows (they hash together) is counted, not an error."""
    df = generate(400, seed=6).astype({KEYS["case"]: object, KEYS["activity"]: object})
    df.loc[df.index[:5], KEYS["case"]] = ""
    df.loc[df.index[5:8], KEYS["activity"]] = ""
    if categorical:
        df = df.astype({KEYS["case"]: "category", KEYS["activity"]: "category"})
    want = engine.read_log(df, **KEYS)
    assert want.dropped.missing_case == 5 and want.dropped.missing_activity == 3
    for npartitions in (2, 16):
        log = engine.read_log(dd.from_pandas(df, npartitions=2), **KEYS, npartitions=npartitions)
        assert log.dropped == want.dropped
        assert_same_tables(log, want, exact=True)


def test_a_partition_whose_every_case_id_is_empty_text_counts_its_rows():
    """Such a partition was an error for the whole log: its rows are counted instead."""
    from engine.cluster.parts import ROW, build_part
    from engine.io.mapping import ColumnMapping

    part = pd.DataFrame(
        {
            "case": ["", "", "c"],
            "activity": ["a", "b", ""],
            "ts": pd.date_range("2024-01-01", periods=3, freq="h"),
            ROW: np.arange(3, dtype=np.int64),
        }
    )
    mapping = ColumnMapping(case="case", activity="activity", timestamp="ts")
    for frame in (part, part.astype({"case": "category", "activity": "category"})):
        dropped = build_part(frame, mapping, {})
        assert dropped == engine.DroppedRows(
            total=3, missing_case=2, missing_activity=1, missing_timestamp=0
        )


def test_a_log_whose_every_row_misses_a_key_is_refused_as_on_one_machine(client):
    df = generate(300, seed=3)
    df[KEYS["activity"]] = None
    with pytest.raises(engine.InputError) as one_machine:
        engine.read_log(df, **KEYS)
    log = engine.read_log(dd.from_pandas(df, npartitions=3), **KEYS)
    for table in (lambda: log.n_events, log.summary, log.dfg):
        with pytest.raises(engine.InputError) as parts:
            table()
        assert str(parts.value) == str(one_machine.value)


def test_a_log_spanning_more_than_nanoseconds_hold_is_refused_over_the_partitions(client):
    """Each partition alone spans little; together they span 350 years."""
    df = pd.DataFrame(
        {
            "case": ["old", "old", "new", "new"],
            "touchpoint": ["a", "b", "a", "b"],
            "ts": pd.to_datetime(["1690-01-01", "1690-01-02", "2040-01-01", "2040-01-02"]),
        }
    )
    keys = {"case": "case", "activity": "touchpoint", "timestamp": "ts"}
    log = engine.read_log(dd.from_pandas(df, npartitions=2), **keys, npartitions=2)
    with pytest.raises(engine.InputError) as error:
        log.dfg()
    message = str(error.value)
    assert "1690-01-01 00:00:00 (column 'ts')" in message
    assert "2040-01-02 00:00:00 (column 'ts')" in message and "292 years" in message


def test_a_missing_column_is_a_one_line_error(client):
    df = generate(500, seed=1)
    with pytest.raises(engine.InputError, match="'nope'") as error:
        engine.read_log(
            dd.from_pandas(df, npartitions=2), case="nope", activity="touchpoint", timestamp="ts"
        )
    assert "\n" not in str(error.value)


def test_the_callers_frame_is_not_changed(client):
    df = generate(1_000, seed=4)
    source = dd.from_pandas(df, npartitions=2)
    before = source.compute()
    engine.read_log(source, **KEYS).dfg()
    pd.testing.assert_frame_equal(source.compute(), before)
    assert list(source.columns) == list(df.columns)


def test_a_frame_with_integer_column_labels_reads_as_with_text_labels(client):
    """A dask DataFrame labelled 0, 1, 2... (read_csv(header=None)): case=0 names label
    0, as on one machine; the caller's frame keeps its labels."""
    df = generate(1_000, seed=5)[[*KEYS.values(), "segment"]]
    source = dd.from_pandas(df.set_axis(range(4), axis=1), npartitions=2)
    log = engine.read_log(source, case=0, activity=1, timestamp=2, attributes=[3])
    want = engine.read_log(df, **KEYS, attributes=["segment"])
    assert_same_tables(log, want, exact=True)
    assert list(source.columns) == [0, 1, 2, 3]


def test_top_variants_are_the_first_of_all(client):
    df = generate(5_000, seed=9)
    log = engine.read_log(dd.from_pandas(df, npartitions=2), **KEYS)
    top = log.variants(top=5)
    everything = log.variants()
    assert len(top) == 5
    pd.testing.assert_frame_equal(top, everything.head(5))
    assert np.isclose(everything["share"].sum(), 1.0)


def test_parcours_analyze_on_dask_writes_the_same_tables(client, tmp_path: Path, capsys):
    from engine import cli

    df = generate(8_000, seed=12)
    folder = tmp_path / "log"
    folder.mkdir()
    for k in range(3):
        df.iloc[k::3].to_parquet(folder / f"part-{k}.parquet")
    columns = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]
    glob = str(folder / "*.parquet")
    dask_out, pandas_out = tmp_path / "dask", tmp_path / "pandas"
    journey = ["--stages", "default", "--segment", "segment", "--min-journeys", "5"]
    journey += ["--channel", "channel", "--score", "csat", "--attribution", "channel"]
    common = ["--no-report", "--quiet", *columns, *journey]
    assert cli.main(["analyze", glob, "--backend", "dask", "--out", str(dask_out), *common]) == 0
    whole = tmp_path / "whole.parquet"
    pd.concat([df.iloc[k::3] for k in range(3)]).to_parquet(whole)
    assert cli.main(["analyze", str(whole), "--out", str(pandas_out), *common]) == 0
    written = sorted(p.name for p in pandas_out.iterdir())
    assert sorted(p.name for p in dask_out.iterdir()) == written
    for name in written:
        if not name.endswith(".parquet"):
            continue
        got, want = pd.read_parquet(dask_out / name), pd.read_parquet(pandas_out / name)
        assert list(got.columns) == list(want.columns), name
        if name == "time_to_convert.parquet":  # one row per sketch bucket with conversions
            assert got["converted"].sum() == want["converted"].sum()
            continue
        assert len(got) == len(want), name
        for column in ("frequency", "journeys", "reached", "visits", "converted", "at_risk"):
            if column in want:
                pd.testing.assert_series_equal(got[column], want[column], obj=f"{name} {column}")
    got, want = (
        json.loads((folder / "summary.json").read_text()) for folder in (dask_out, pandas_out)
    )
    assert got["journey"]["actions"] and len(got["journey"]["actions"]) == len(
        want["journey"]["actions"]
    )
    for key in ("journeys", "converted", "conversion_rate", "unmapped_touchpoints"):
        assert got["journey"][key] == want["journey"][key], key
    assert set(got["quantiles"]) >= {"edges", "variants", "stages", "conversion_summary"}
    assert set(got["quantiles"].values()) == {"exact"}
    for name in ("edges", "variants", "stages", "bottlenecks", "segments", "channels"):
        got = pd.read_parquet(dask_out / f"{name}.parquet")
        want = pd.read_parquet(pandas_out / f"{name}.parquet")
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, obj=name)


def test_model_discovery_with_dask_is_a_usage_error(tmp_path: Path, capsys):
    from engine import cli

    code = cli.main(
        [
            "analyze",
            str(tmp_path / "x.parquet"),
            "--backend",
            "dask",
            "--model",
            "inductive",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == cli.EXIT_USAGE
    assert "--model runs on one machine for now" in capsys.readouterr().err


def test_channels_satisfaction_and_attribution_on_dask(client):
    """The figures of engine.figures run on the partitions: the single-machine tables."""
    df = generate(6_000, seed=13)
    attributes = ["channel", "csat"]
    got = engine.read_log(
        dd.from_pandas(df, npartitions=3), **KEYS, attributes=attributes
    ).journey()
    want = engine.read_log(df, **KEYS, attributes=attributes).journey()
    g, w = got.channels("channel"), want.channels("channel")
    pd.testing.assert_frame_equal(g.switches, w.switches)
    pd.testing.assert_frame_equal(g.mix, w.mix)
    assert g.multichannel_share == w.multichannel_share
    pd.testing.assert_frame_equal(
        got.satisfaction("csat"), want.satisfaction("csat"), check_exact=False, rtol=1e-9
    )
    g = got.attribution(by="channel", channel="channel", n_boot=20)
    w = want.attribution(by="channel", channel="channel", n_boot=20)
    point = ["by", "model", "name", "conversions", "share", "removal_effect"]
    pd.testing.assert_frame_equal(g[point], w[point], check_exact=False, rtol=1e-9)


def test_an_unknown_backend_is_a_one_line_error():
    with pytest.raises(engine.InputError, match="unknown backend 'spark'"):
        engine.read_log(generate(100, seed=1), **KEYS, backend="spark")
