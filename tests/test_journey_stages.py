"""Stage visits, dwell times, transitions and the funnel against the pandas reference;
the journey model's validation, one named test per kind of mistake."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.datasets.synthetic import NAMES, generate
from engine.journey import Conversion, JourneyModel
from tests import reference

KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}
ACTIVITIES = ["a", "b", "c", "d", "e"]


@st.composite
def logs_and_models(draw):
    n_cases = draw(st.integers(1, 10))
    rows = []
    for c in range(n_cases):
        for _ in range(draw(st.integers(1, 7))):
            rows.append((c, draw(st.sampled_from(ACTIVITIES)), draw(st.integers(0, 6))))
    order = draw(st.permutations(range(len(rows))))
    rows = [rows[i] for i in order]
    frame = pd.DataFrame(
        {
            "case": [f"c{r[0]}" for r in rows],
            "activity": [r[1] for r in rows],
            "ts": pd.to_datetime([r[2] * 3_600 for r in rows], unit="s"),
        }
    )
    n_stages = draw(st.integers(1, 4))
    stages = [f"s{i}" for i in range(n_stages)]
    # each activity: a stage, or unmapped (None)
    assignment = {a: draw(st.sampled_from([*stages, None])) for a in sorted(set(frame["activity"]))}
    mapping = {s: [a for a, t in assignment.items() if t == s] for s in stages}
    model = JourneyModel.from_stages(mapping, conversion=f"stage:{stages[-1]}", strict=False)
    return frame, model


def _reference(frame: pd.DataFrame, model: JourneyModel):
    canon = reference.canonical_frame(frame, "case", "activity", "ts")
    visits = reference.stage_visits(canon, dict(model.touchpoints), list(model.stages))
    return canon, visits


def _assert_close(got: pd.Series, want: pd.Series, name: str) -> None:
    np.testing.assert_allclose(
        got.to_numpy(float), want.to_numpy(float), rtol=1e-9, equal_nan=True, err_msg=name
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs_and_models())
def test_stage_table_matches_reference(drawn):
    frame, model = drawn
    _, visits = _reference(frame, model)
    got = engine.read_log(frame, **KEYS).journey(model).stages()
    want = reference.stage_table(visits, list(model.stages))
    assert list(got["stage"]) == list(want["stage"])
    for column in ("visits", "cases", "closed_visits", "open_visits"):
        np.testing.assert_array_equal(got[column], want[column], err_msg=column)
    for column in ("mean_s", "median_s", "p90_s", "max_s"):
        _assert_close(got[column], want[column], column)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs_and_models())
def test_transitions_match_reference(drawn):
    frame, model = drawn
    _, visits = _reference(frame, model)
    got = engine.read_log(frame, **KEYS).journey(model).transitions()
    want = reference.stage_transitions(visits, list(model.stages))
    assert len(got) == len(want)
    merged = want.merge(got, on=["source", "target"], suffixes=("_want", "_got"))
    assert len(merged) == len(want)
    for column in ("frequency", "cases", "backward"):
        np.testing.assert_array_equal(merged[f"{column}_got"], merged[f"{column}_want"])
    _assert_close(merged["median_s_got"], merged["median_s_want"], "median_s")
    keys = list(zip(-got["frequency"], got["source"], got["target"], strict=True))
    assert keys == sorted(keys)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs_and_models())
def test_funnel_matches_reference(drawn):
    frame, model = drawn
    canon, visits = _reference(frame, model)
    got = engine.read_log(frame, **KEYS).journey(model).funnel()
    stage_of = dict(model.touchpoints)
    conversion = model.conversion

    def converts(activity):
        if conversion.activity is not None:
            return activity == conversion.activity
        return stage_of.get(activity) == conversion.stage

    per_case = reference.conversion_per_case(canon, converts)
    won = set(per_case.loc[per_case["converted"], "_case"])
    want = reference.funnel(visits, list(model.stages), canon["_case"].nunique(), won)
    for column in ("reached", "visited", "drop_off", "converted"):
        np.testing.assert_array_equal(got[column], want[column], err_msg=column)
    for column in ("share", "conversion_to_next", "drop_off_share"):
        _assert_close(got[column], want[column], column)
    assert (np.diff(got["reached"]) <= 0).all()  # a funnel never widens


def _log(rows):
    return engine.read_log(
        pd.DataFrame(rows, columns=["case", "activity", "ts"]).assign(
            ts=lambda f: pd.to_datetime(f["ts"], unit="h")
        ),
        **KEYS,
    )


MODEL = JourneyModel.from_stages(
    {"look": ["view"], "buy": ["cart", "pay"], "after": ["support"]},
    conversion="stage:buy",
    strict=False,
)


def test_a_journey_with_one_event_has_one_open_visit():
    journey = _log([("c1", "view", 0)]).journey(MODEL)
    stages = journey.stages().set_index("stage")
    assert stages.loc["look", "visits"] == 1 and stages.loc["look", "open_visits"] == 1
    assert stages.loc["look", "closed_visits"] == 0 and np.isnan(stages.loc["look", "median_s"])
    funnel = journey.funnel().set_index("stage")
    assert funnel.loc["look", "reached"] == 1 and funnel.loc["look", "drop_off"] == 1
    assert journey.transitions().empty


def test_a_stage_never_reached_has_zero_visits_and_no_dwell():
    journey = _log([("c1", "view", 0), ("c1", "cart", 2), ("c2", "view", 1)]).journey(
        JourneyModel.from_stages(
            {"look": ["view"], "buy": ["cart"], "after": []}, conversion="stage:after"
        )
    )
    stages = journey.stages().set_index("stage")
    assert stages.loc["after", "visits"] == 0 and np.isnan(stages.loc["after", "mean_s"])
    funnel = journey.funnel().set_index("stage")
    assert funnel.loc["after", "reached"] == 0
    assert funnel.loc["buy", "conversion_to_next"] == 0.0
    assert funnel.loc["look", "conversion_to_next"] == 0.5


def test_dwell_runs_to_the_next_visit_and_unmapped_events_do_not_split_a_visit():
    journey = _log(
        [("c1", "view", 0), ("c1", "browse", 1), ("c1", "view", 3), ("c1", "cart", 10)]
    ).journey(MODEL)
    stages = journey.stages().set_index("stage")
    assert stages.loc["look", "visits"] == 1
    assert stages.loc["look", "median_s"] == 10 * 3600  # from the first view to the cart
    unmapped = journey.unmapped()
    assert unmapped.to_dict("records") == [{"touchpoint": "browse", "events": 1}]


def test_going_back_to_an_earlier_stage_is_a_backward_transition():
    transitions = (
        _log([("c1", "view", 0), ("c1", "cart", 1), ("c1", "view", 2), ("c1", "pay", 5)])
        .journey(MODEL)
        .transitions()
        .set_index(["source", "target"])
    )
    assert bool(transitions.loc[("buy", "look"), "backward"])
    assert not bool(transitions.loc[("look", "buy"), "backward"])
    assert transitions.loc[("look", "buy"), "frequency"] == 2
    assert transitions.loc[("look", "buy"), "cases"] == 1


def test_the_default_template_maps_every_generated_touchpoint():
    model = JourneyModel.default()
    assert model.stages == ("discovery", "evaluation", "purchase", "after_sales", "loyalty")
    assert set(model.touchpoints) == set(NAMES)
    assert model.conversion == Conversion(activity="purchase")
    log = engine.read_log(
        generate(3_000, seed=4), case="customer_id", activity="touchpoint", timestamp="ts"
    )
    journey = log.journey()
    assert journey.unmapped().empty
    assert journey.funnel()["reached"].iloc[0] == log.n_cases


def test_mapping_from_toml(tmp_path):
    path = tmp_path / "stages.toml"
    path.write_text(
        'conversion = { stage = "buy" }\n'
        '[[stages]]\nname = "look"\ntouchpoints = ["view"]\n'
        '[[stages]]\nname = "buy"\ntouchpoints = ["cart", "pay"]\n'
    )
    model = JourneyModel.from_toml(path)
    assert model.stages == ("look", "buy")
    assert model.touchpoints == {"view": "look", "cart": "buy", "pay": "buy"}
    assert model.conversion == Conversion(stage="buy")
    assert JourneyModel.from_toml(path, conversion="activity:pay").conversion == Conversion(
        activity="pay"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: JourneyModel(("a",), {"x": "b"}, Conversion(activity="x")),
            r"stage 'b' is used by touchpoints 'x' but not declared",
        ),
        (
            lambda: JourneyModel(("a", "a"), {}, Conversion(stage="a")),
            r"stages declared more than once: 'a'",
        ),
        (
            lambda: JourneyModel.from_stages({"a": ["x"], "b": ["x"]}, conversion="x"),
            r"touchpoint 'x' is mapped to two stages",
        ),
        (
            lambda: JourneyModel(("a",), {}, Conversion(stage="z")),
            r"conversion stage 'z' is not declared",
        ),
        (lambda: Conversion(), r"exactly one of activity= or stage="),
        (
            lambda: JourneyModel.from_stages({"a": "x"}, conversion="x"),
            r"stage 'a' must list its touchpoints",
        ),
        (
            lambda: JourneyModel.from_stages(
                {"look": ["v"], "buy": ["cart", "buy"]}, conversion="buy"
            ),
            r"conversion 'buy' names both a stage and a touchpoint: write 'stage:buy' \(an event "
            r"of any touchpoint of the stage converts\) or 'activity:buy'",
        ),
    ],
    ids=[
        "undeclared-stage",
        "duplicate-stage",
        "touchpoint-twice",
        "conversion-stage",
        "no-conversion",
        "string-not-list",
        "conversion-both",
    ],
)
def test_model_mistakes_are_one_line_errors(make, message):
    with pytest.raises(engine.InputError, match=message) as error:
        make()
    assert "\n" not in str(error.value)


def test_unknown_touchpoints_are_listed_when_strict():
    log = _log([("c1", "view", 0)])
    strict = JourneyModel.from_stages({"look": ["view", "veiw", "browse"]}, conversion="view")
    with pytest.raises(engine.InputError, match=r"does not have: 'browse', 'veiw'"):
        log.journey(strict)


def test_a_conversion_activity_missing_from_the_log_is_a_warning():
    log = _log([("c1", "view", 0)])
    model = JourneyModel.from_stages({"look": ["view"]}, conversion="activity:pay", strict=False)
    with pytest.warns(UserWarning, match=r"conversion activity 'pay' never occurs"):
        journey = log.journey(model)
    assert journey.funnel()["reached"].tolist() == [1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("stages = [", "not valid TOML"),
        ('conversion = { activity = "x" }\n', r"needs a \[\[stages\]\] list"),
        ('[[stages]]\nname = "a"\ntouchpoints = ["x"]\n', "needs conversion"),
        ('colour = 1\n[[stages]]\nname = "a"\n', "unknown keys 'colour'"),
    ],
    ids=["syntax", "no-stages", "no-conversion", "unknown-key"],
)
def test_bad_mapping_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "stages.toml"
    path.write_text(text)
    with pytest.raises(engine.InputError, match=message) as error:
        JourneyModel.from_toml(path)
    assert "\n" not in str(error.value)
