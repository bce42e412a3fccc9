"""Slices on Dask (engine/cluster/slices.py): every filter and the sessions give, on 1, 2
and 4 partitions, the single-machine slice's tables, definition and journey figures; a
touchpoint some partitions lack, top variants of the whole log, an empty slice, the
command line's slice flags, and a strict journey model, checked against the log read on
the client and on the workers."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import engine
from engine import cli
from engine.datasets.synthetic import KEYS, generate
from engine.journey import JourneyModel
from tests.journey_checks import assert_same_journey
from tests.partial_checks import assert_same_tables

dd = pytest.importorskip("dask.dataframe", reason="the dask backend needs pip install '.[dask]'")
distributed = pytest.importorskip("distributed")

ATTRIBUTES = ["segment", "channel"]
MODEL = JourneyModel.default()
#: The template made strict: the generated log has every touchpoint it maps, a slice not.
STRICT = dataclasses.replace(MODEL, strict=True)
MISSPELT = dataclasses.replace(STRICT, touchpoints={**MODEL.touchpoints, "chekout": "purchase"})

#: (name, the filter) — each applied to the whole log and to the log on Dask.
FILTERS = [
    ("where", lambda log: log.filter.where("segment == 'new' and channel in ('web', 'app')")),
    ("attribute last", lambda log: log.filter.attribute("channel", ["store"], at="last")),
    ("attribute any, dropped", lambda log: log.filter.attribute("segment", ["new"], keep=False)),
    ("contains any", lambda log: log.filter.contains("call_center", "chat")),
    ("contains all", lambda log: log.filter.contains("search", "purchase", how="all")),
    ("absent", lambda log: log.filter.absent("return")),
    ("follows", lambda log: log.filter.follows("search", "purchase", within="3D")),
    ("directly follows", lambda log: log.filter.follows("checkout", "payment", directly=True)),
    ("size", lambda log: log.filter.size(3, 8)),
    ("duration", lambda log: log.filter.duration(min="1D")),
    ("starts", lambda log: log.filter.time_range("2026-02-01", "2026-04-30", mode="starts")),
    ("intersects", lambda log: log.filter.time_range("2026-03-01", "2026-03-15")),
    ("events in time", lambda log: log.filter.time_range("2026-03-01", None, mode="events")),
    ("top variants", lambda log: log.filter.variants(top=20)),
    ("variant coverage", lambda log: log.filter.variants(coverage=0.3)),
    ("converted", lambda log: log.filter.converted(MODEL)),
    ("not converted", lambda log: log.filter.converted(MODEL, converted=False)),
    ("events", lambda log: log.filter.events("channel", ["logistics"], keep=False)),
    ("touchpoints", lambda log: log.filter.touchpoints(drop=["email_open", "social_post"])),
    ("trim", lambda log: log.filter.trim("product_page", until="conversion", model=MODEL)),
    ("sessions", lambda log: log.sessions("6h")),
    (
        "chained",
        lambda log: log.filter.contains("product_page").filter.size(min_events=4).sessions("1D"),
    ),
]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate(6_000, seed=41)


@pytest.fixture(scope="module")
def whole(frame):
    return engine.read_log(frame, **KEYS, attributes=ATTRIBUTES)


@pytest.fixture(scope="module", params=[1, 2, 4])
def on_dask(request, client, frame):
    log = engine.read_log(
        dd.from_pandas(frame, npartitions=3),
        **KEYS,
        backend="dask",
        npartitions=request.param,
        attributes=ATTRIBUTES,
    )
    return log.compute()


@pytest.mark.parametrize("name, apply", FILTERS, ids=[name for name, _ in FILTERS])
def test_each_filter_gives_the_single_machine_slice(on_dask, whole, name, apply):
    want, got = apply(whole), apply(on_dask)
    assert isinstance(got, engine.DaskEventLog)
    assert (got.n_events, got.n_cases) == (want.n_events, want.n_cases)
    assert (want.n_events, want.n_cases) != (whole.n_events, whole.n_cases)  # it slices
    assert_same_tables(got, want, exact=True)
    assert got.definition == want.definition
    summary = got.summary()
    assert summary["slice"] == want.summary()["slice"]
    assert summary["dropped_rows"] == want.summary()["dropped_rows"]
    assert got.observed_until == want.observed_until == whole.observed_until


def test_an_end_given_as_a_date_keeps_that_whole_day(on_dask, whole, frame):
    """On Dask as on one machine: "2026-03-31" as the end is all of March 31 (UTC, the log
    being timezone-aware), checked against pandas on the generated rows; the slice of
    events is observed until then, and its journeys' figures are one machine's."""
    ts, case = frame[KEYS["timestamp"]], frame[KEYS["case"]]
    low, before = pd.Timestamp("2026-03-01", tz="UTC"), pd.Timestamp("2026-04-01", tz="UTC")
    first = ts.groupby(case).min()
    assert ((first >= pd.Timestamp("2026-03-31", tz="UTC")) & (first < before)).any()
    starts = on_dask.filter.time_range("2026-03-01", "2026-03-31", mode="starts")
    assert starts.n_cases == int(((first >= low) & (first < before)).sum())
    events = on_dask.filter.time_range("2026-03-01", "2026-03-31", mode="events")
    assert events.n_events == int(((ts >= low) & (ts < before)).sum())
    one = whole.filter.time_range("2026-03-01", "2026-03-31", mode="events")
    assert events.observed_until == one.observed_until == before.value - 1
    assert_same_journey(events.journey(MODEL), one.journey(MODEL), segments=ATTRIBUTES[:1])


@pytest.mark.parametrize("name", ["where", "sessions", "chained", "trim"])
def test_journey_figures_of_a_slice_match(on_dask, whole, name):
    apply = dict(FILTERS)[name]
    want, got = apply(whole), apply(on_dask)
    segments = [*ATTRIBUTES, *(["customer"] if "customer" in want.attributes else [])]
    assert got.attributes == list(want.attributes)
    assert_same_journey(got.journey(MODEL), want.journey(MODEL), segments=segments[:2])


def test_a_touchpoint_only_some_partitions_have(client):
    """One journey has a touchpoint no other has: the partitions without it keep no journey
    (instead of calling the touchpoint unknown), the one with it keeps that journey."""
    frame = generate(3_000, seed=42)
    rare = frame["customer_id"].iloc[0]
    frame = frame.copy()
    frame["touchpoint"] = frame["touchpoint"].astype(object)
    frame.loc[frame.index[0], "touchpoint"] = "fraud_review"
    log = engine.read_log(dd.from_pandas(frame, npartitions=2), **KEYS, npartitions=4)
    only = log.filter.contains("fraud_review")
    assert only.n_cases == 1 and only.summary()["slice"][0]["filter"] == "contains"
    whole = engine.read_log(frame, **KEYS)
    assert whole.filter.contains("fraud_review").case_ids.tolist() == [rare]
    assert_same_tables(only, whole.filter.contains("fraud_review"), exact=True)
    rest = log.filter.absent("fraud_review")
    assert rest.n_cases == whole.n_cases - 1
    with pytest.raises(engine.InputError, match="no touchpoint 'fraud_reveiw'"):
        log.filter.contains("fraud_reveiw")


def test_an_empty_slice_is_the_single_machine_error(on_dask, whole):
    with pytest.raises(engine.InputError) as want:
        whole.filter.size(min_events=10_000)
    with pytest.raises(engine.InputError) as got:
        on_dask.filter.size(min_events=10_000)
    assert str(got.value) == str(want.value)
    assert "\n" not in str(got.value)


def test_bad_arguments_fail_before_the_work(on_dask):
    with pytest.raises(engine.InputError, match="column 'region' was not read"):
        on_dask.filter.attribute("region", ["north"])
    with pytest.raises(engine.InputError, match="exactly one of top="):
        on_dask.filter.variants(top=3, coverage=0.5)
    with pytest.raises(engine.InputError, match="gap"):
        on_dask.sessions("soon")
    with pytest.raises(AttributeError, match="no filter 'nonsense'"):
        on_dask.filter.nonsense()


def _folder_and_whole(df: pd.DataFrame, tmp_path: Path) -> tuple[Path, Path]:
    """The log as a folder of two Parquet files (rows alternating) and as one file holding
    the same rows in the folder's order."""
    folder = tmp_path / "log"
    folder.mkdir()
    for k in range(2):
        df.iloc[k::2].to_parquet(folder / f"part-{k}.parquet")
    whole = tmp_path / "whole.parquet"
    pd.concat([df.iloc[k::2] for k in range(2)]).to_parquet(whole)
    return folder, whole


def test_the_command_line_slices_on_dask(client, tmp_path: Path):
    folder, whole = _folder_and_whole(generate(5_000, seed=43), tmp_path)
    columns = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]
    slicing = ["--where", "segment != 'business'", "--contains", "product_page"]
    slicing += ["--session-gap", "12h", "--segment", "segment"]
    common = ["--no-report", "--quiet", *columns, *slicing, "--stages", "default"]
    dask_out, pandas_out = tmp_path / "dask", tmp_path / "pandas"
    glob = str(folder / "*.parquet")
    assert cli.main(["analyze", glob, "--backend", "dask", "--out", str(dask_out), *common]) == 0
    assert cli.main(["analyze", str(whole), "--out", str(pandas_out), *common]) == 0
    got, want = (json.loads((d / "summary.json").read_text()) for d in (dask_out, pandas_out))
    assert got["slice"] == want["slice"] and len(got["slice"]) == 3
    assert (got["events"], got["cases"]) == (want["events"], want["cases"])
    for name in ("edges", "variants", "stages", "funnel"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(dask_out / f"{name}.parquet"),
            pd.read_parquet(pandas_out / f"{name}.parquet"),
            check_exact=False,
            rtol=1e-12,
            obj=name,
        )
    assert np.isfinite(got["journey"]["conversion_rate"])


@pytest.mark.parametrize("name", ["where", "touchpoints", "top variants", "not converted"])
def test_a_strict_model_on_a_slice_is_checked_against_the_log_read(on_dask, whole, name):
    """The slice lacks some mapped touchpoints (not converted: the conversion activity);
    the strict model gives the lenient model's single-machine figures, without a warning."""
    apply = dict(FILTERS)[name]
    want, got = apply(whole), apply(on_dask)
    assert set(STRICT.touchpoints) - set(want.activity_names)
    assert list(got.read_activities) == list(whole.activity_names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        journey = got.journey(STRICT)
    assert_same_journey(journey, want.journey(MODEL), segments=ATTRIBUTES[:1])
    with pytest.raises(engine.InputError, match="does not have: 'chekout'; fix"):
        got.journey(MISSPELT)


def test_filters_with_a_strict_model_run_on_the_parts_of_a_slice(client):
    """`converted` and `trim` build each part's journeys on the workers: those are checked
    against the log read too, which every part carries, though most parts lack one of
    the mapped touchpoints (`fraud_review`, which one journey has)."""
    frame = generate(3_000, seed=42)
    frame["touchpoint"] = frame["touchpoint"].astype(object)
    frame.loc[frame.index[0], "touchpoint"] = "fraud_review"
    mapped = {**MODEL.touchpoints, "fraud_review": "purchase"}
    model = dataclasses.replace(STRICT, touchpoints=mapped)
    log = engine.read_log(dd.from_pandas(frame, npartitions=2), **KEYS, npartitions=4)
    whole = engine.read_log(frame, **KEYS)
    for apply in (
        lambda log: log.filter.converted(model),
        lambda log: log.filter.absent("return").filter.converted(model, converted=False),
        lambda log: log.sessions("6h").filter.trim("product_page", until="conversion", model=model),
        lambda log: log.filter.touchpoints(drop=["email_open"]).filter.trim(
            "product_page", until="conversion", model=model
        ),
    ):
        got, want = apply(log), apply(whole)
        assert_same_tables(got, want, exact=True)
        assert got.definition == want.definition
    with pytest.raises(engine.InputError, match="does not have: 'chekout'; fix"):
        log.filter.absent("return").filter.converted(MISSPELT)


def test_the_command_line_slices_on_dask_with_a_strict_mapping(client, tmp_path: Path):
    folder, whole = _folder_and_whole(generate(5_000, seed=44), tmp_path)
    default = Path(engine.__file__).parent / "journey" / "templates" / "default.toml"
    strict = tmp_path / "strict.toml"
    strict.write_text(default.read_text().replace("strict = false", "strict = true"))
    columns = ["--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"]
    slicing = ["--where", "segment == 'business'", "--contains", "search"]
    common = ["--no-report", "--quiet", *columns, *slicing, "--stages", str(strict)]
    dask_out, pandas_out = tmp_path / "dask", tmp_path / "pandas"
    glob = str(folder / "*.parquet")
    assert cli.main(["analyze", glob, "--backend", "dask", "--out", str(dask_out), *common]) == 0
    assert cli.main(["analyze", str(whole), "--out", str(pandas_out), *common]) == 0
    log = engine.read_log(whole, **KEYS, attributes=["segment"])
    part = log.filter.where("segment == 'business'").filter.contains("search", how="all")
    assert set(STRICT.touchpoints) - set(part.activity_names)  # the slice lacks some
    want = part.journey(MODEL)
    for name, table in (("stages", want.stages()), ("funnel", want.funnel())):
        for out in (dask_out, pandas_out):
            pd.testing.assert_frame_equal(
                pd.read_parquet(out / f"{name}.parquet"),
                table,
                check_dtype=False,
                check_exact=False,
                rtol=1e-12,
                obj=name,
            )
