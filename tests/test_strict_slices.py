"""A strict journey model on slices: its mapping is checked against the log as read, whose
activities every slice, session split and log given as parts carries, so that a mapped
touchpoint a slice lacks counts no visit instead of being an error, while a misspelt one
is refused on the log and on every slice of it; the same on the command line and in
`engine.compare`."""

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
from engine.cluster.local import LocalParts
from engine.datasets import dataset_path
from engine.journey import Conversion, JourneyModel
from tests import reference
from tests.real_logs import SHARED, require_shared

#: The shipped, strict mapping of the sepsis log, and the same made lenient.
STRICT = JourneyModel.template("sepsis")
LENIENT = dataclasses.replace(STRICT, strict=False)
#: A touchpoint the sepsis log does not have, in the mapping's release stage.
MISSPELT = JourneyModel.from_stages(
    {s: [t for t, of in STRICT.touchpoints.items() if of == s] for s in STRICT.stages}
    | {"release": ["Release A", "Release B", "Release Z"]},
    conversion=STRICT.conversion,
)

#: A month of the sepsis log, its bounds given to the second (both inclusive).
MAY = ("2014-05-01 00:00:00", "2014-05-31 23:59:59")
#: (name, a slice of the sepsis log that lacks some of the mapped touchpoints)
SLICES = [
    ("contains", lambda log: log.filter.contains("Return ER")),
    ("top variants", lambda log: log.filter.variants(top=5)),
    ("absent", lambda log: log.filter.absent("Release E")),
    ("touchpoints", lambda log: log.filter.touchpoints(drop=["Release B", "Release C"])),
    ("where", lambda log: log.filter.where("org:group == 'L'")),
    ("time range", lambda log: log.filter.time_range(MAY[0], MAY[1], mode="starts")),
    ("sessions", lambda log: log.filter.contains("Return ER").sessions("1D")),
    ("one journey", lambda log: log.filter.cases([log.case_ids[0]])),
]
IDS = [name for name, _ in SLICES]


@pytest.fixture(scope="module")
def sepsis() -> engine.EventLog:
    return engine.read_log(dataset_path("sepsis.xes.gz"), attributes=["org:group"])


@pytest.mark.parametrize("name, apply", SLICES, ids=IDS)
def test_a_strict_model_on_a_slice_gives_the_lenient_figures(sepsis, name, apply):
    part = apply(sepsis)
    assert set(STRICT.touchpoints) - set(part.activity_names)  # the slice lacks some
    assert list(part.read_activities) == list(sepsis.activity_names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no warning: nothing is misspelt
        strict = part.journey(STRICT)
        funnel = strict.funnel()
    lenient = part.journey(LENIENT)
    pd.testing.assert_frame_equal(funnel, lenient.funnel())
    pd.testing.assert_frame_equal(strict.stages(), lenient.stages())
    pd.testing.assert_frame_equal(strict.transitions(), lenient.transitions())
    pd.testing.assert_frame_equal(strict.unmapped(), lenient.unmapped())
    assert strict.conversion_summary() == pytest.approx(lenient.conversion_summary(), nan_ok=True)


@pytest.mark.parametrize("name", ["contains", "touchpoints", "time range"])
def test_the_funnel_of_a_slice_matches_the_reference(sepsis, name):
    """The slice's events taken in pandas from the log read, the funnel counted plainly."""
    frame = sepsis.pm4py.frame()
    case, activity = frame["case:concept:name"], frame["concept:name"]
    if name == "contains":
        events = frame[case.isin(case[activity == "Return ER"])]
    elif name == "touchpoints":
        events = frame[~activity.isin(["Release B", "Release C"])]
    else:
        start = frame.groupby("case:concept:name")["time:timestamp"].transform("min")
        first, last = (pd.Timestamp(bound, tz="UTC") for bound in MAY)
        inside = (start >= first) & (start <= last)
        events = frame[inside]
    canon = reference.canonical_frame(events, "case:concept:name", "concept:name", "time:timestamp")
    stage_of = dict(STRICT.touchpoints)
    visits = reference.stage_visits(canon, stage_of, list(STRICT.stages))
    converts = reference.conversion_per_case(canon, lambda a: stage_of.get(a) == "release")
    won = set(converts.loc[converts["converted"], "_case"])
    want = reference.funnel(visits, list(STRICT.stages), canon["_case"].nunique(), won)
    got = dict(SLICES)[name](sepsis).journey(STRICT).funnel()
    for column in ("reached", "visited", "drop_off", "converted"):
        np.testing.assert_array_equal(got[column], want[column], err_msg=column)
    for column in ("share", "conversion_to_next", "drop_off_share"):
        np.testing.assert_allclose(got[column], want[column], rtol=1e-12, err_msg=column)


@pytest.mark.parametrize("name, apply", SLICES, ids=IDS)
def test_a_misspelt_touchpoint_is_refused_on_the_log_and_on_every_slice(sepsis, name, apply):
    message = r"the log does not have: 'Release Z'; fix their spelling"
    with pytest.raises(engine.InputError, match=message):
        sepsis.journey(MISSPELT)
    with pytest.raises(engine.InputError, match=message) as error:
        apply(sepsis).journey(MISSPELT)
    assert "\n" not in str(error.value) and "Release B" not in str(error.value)


def test_the_conversion_warning_is_about_the_log_read(sepsis):
    """No warning for a slice that holds no converter; one for an activity the log read
    lacks, on the log and on its slices."""
    model = dataclasses.replace(STRICT, conversion=Conversion(activity="Release E"))
    without = sepsis.filter.absent("Release E")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        journey = without.journey(model)
    assert journey.funnel()["converted"].eq(0).all()
    typo = dataclasses.replace(STRICT, conversion=Conversion(activity="Release Q"))
    for log in (sepsis, without):
        with pytest.warns(UserWarning, match=r"conversion activity 'Release Q' never occurs"):
            log.journey(typo)


def test_slices_of_slices_and_parts_keep_the_log_read(sepsis):
    part = sepsis.filter.contains("Return ER").filter.absent("Release A").sessions("2D")
    assert list(part.read_activities) == list(sepsis.activity_names)
    parts = [part.filter.cases(part.case_ids[k::2]) for k in range(2)]
    local = LocalParts(parts)
    assert list(local.read_activities) == list(sepsis.activity_names)
    pd.testing.assert_frame_equal(
        local.journey(STRICT).funnel(), part.journey(LENIENT).funnel(), check_dtype=False
    )
    with pytest.raises(engine.InputError, match="does not have: 'Release Z'"):
        local.journey(MISSPELT)


def test_compare_checks_the_mapping_against_the_logs_read(sepsis):
    a = sepsis.filter.contains("Return ER")
    b = sepsis.filter.absent("Return ER")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = engine.compare(a, b, STRICT)
    pd.testing.assert_frame_equal(table, engine.compare(a, b, LENIENT))
    assert {"funnel", "conversion"} <= set(table["table"])
    one = sepsis.filter.cases([sepsis.case_ids[0]])
    engine.compare(one, one, STRICT)  # as the journey of one such slice does
    with pytest.raises(engine.InputError, match="does not have: 'Release Z'"):
        engine.compare(a, b, MISSPELT)
    typo = dataclasses.replace(STRICT, conversion=Conversion(activity="Release Q"))
    with pytest.warns(UserWarning, match=r"conversion activity 'Release Q' never occurs"):
        engine.compare(a, b, typo)
    by_group = sepsis.journey(STRICT).compare("org:group", "A", "B")  # B lacks Release E
    pd.testing.assert_frame_equal(by_group, sepsis.journey(LENIENT).compare("org:group", "A", "B"))


def test_filters_and_drift_that_take_a_model_run_on_a_slice(sepsis):
    part = sepsis.filter.contains("Return ER")
    assert part.filter.converted(STRICT).n_cases == part.filter.converted(LENIENT).n_cases
    trimmed = part.filter.trim("ER Registration", until="conversion", model=STRICT)
    lenient = part.filter.trim("ER Registration", until="conversion", model=LENIENT)
    assert trimmed.n_events == lenient.n_events
    with pytest.raises(engine.InputError, match="does not have: 'Release Z'"):
        part.filter.converted(MISSPELT)
    with pytest.raises(engine.InputError, match="does not have: 'Release Z'"):
        part.filter.trim("ER Registration", until="conversion", model=MISSPELT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # small periods
        drift = part.journey(STRICT).drift(period="Q")
        pd.testing.assert_frame_equal(drift, part.journey(LENIENT).drift(period="Q"))


@pytest.mark.shared_data
def test_a_quarter_of_the_public_clickstream_without_its_checkout_bug():
    """retentioneering's ecom sample: its `checkout_bug` events all fall in April and May,
    so its first quarter has none; a strict mapping of every event fits that slice, and a
    slice without a purchase holds no converter without being a misspelt conversion."""
    path = require_shared(SHARED / "journey_retentioneering_ecom.csv.gz")
    log = engine.read_log(path, case="session_id", activity="event", timestamp="timestamp")
    events = [str(e) for e in log.activity_names]
    strict = JourneyModel.from_stages(
        {"browse": [e for e in events if e != "purchase"], "buy": ["purchase"]},
        conversion="activity:purchase",
    )
    lenient = dataclasses.replace(strict, strict=False)
    for part in (
        log.filter.time_range("2024-01-01", "2024-03-31 23:59:59", mode="starts"),
        log.filter.absent("purchase"),
    ):
        assert set(strict.touchpoints) - set(part.activity_names)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            journey = part.journey(strict)
            funnel = journey.funnel()
        pd.testing.assert_frame_equal(funnel, part.journey(lenient).funnel())
        pd.testing.assert_frame_equal(journey.stages(), part.journey(lenient).stages())


def _analyze(out: Path, *flags: str) -> int:
    log = str(dataset_path("sepsis.xes.gz"))
    return cli.main(["analyze", log, "--out", str(out), "--quiet", "--no-report", *flags])


@pytest.mark.parametrize(
    ("flags", "apply"),
    [
        (["--contains", "Return ER"], lambda log: log.filter.contains("Return ER", how="all")),
        (["--where", "org:group == 'L'"], dict(SLICES)["where"]),
        (
            ["--between", "2014-05-01", "2014-05-31"],
            lambda log: log.filter.time_range("2014-05-01", "2014-05-31", mode="starts"),
        ),
        (
            ["--session-gap", "1D", "--contains", "Return ER"],
            lambda log: log.sessions("1D").filter.contains("Return ER", how="all"),
        ),
    ],
    ids=["contains", "where", "between", "session-gap"],
)
def test_the_command_line_analyses_a_slice_with_a_strict_mapping(sepsis, tmp_path, flags, apply):
    assert _analyze(tmp_path / "out", "--stages", "sepsis", *flags) == cli.EXIT_OK
    want = apply(sepsis).journey(LENIENT)
    got = pd.read_parquet(tmp_path / "out" / "funnel.parquet")
    pd.testing.assert_frame_equal(got, want.funnel(), check_dtype=False)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["cases"] == want.log.n_cases


def test_the_command_line_refuses_a_misspelt_mapping_on_a_slice(tmp_path, capsys):
    toml = tmp_path / "stages.toml"
    lines = ['conversion = { stage = "release" }']
    for stage in MISSPELT.stages:
        names = [t for t, s in MISSPELT.touchpoints.items() if s == stage]
        lines += ["[[stages]]", f'name = "{stage}"', f"touchpoints = {json.dumps(names)}"]
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = _analyze(tmp_path / "out", "--stages", str(toml), "--contains", "Return ER")
    assert code == cli.EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert "does not have: 'Release Z'" in err and "Release B" not in err and "\n" not in err
