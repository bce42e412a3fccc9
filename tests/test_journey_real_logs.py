"""Every real log with its shipped stage mapping: the mapping fits the log, the journey
tables agree with the pandas reference (on the smaller logs) and with each other."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import engine
from engine.journey import JourneyModel, templates
from engine.journey.bottlenecks import outcome_touchpoints
from tests import reference
from tests.real_logs import LOGS

MAPPINGS = {
    "receipt.xes.gz": "receipt",
    "sepsis.xes.gz": "sepsis",
    "BPIC2013_closed_problems.xes.gz": "bpic2013",
    "running-example.xes": "running_example",
    "helpdesk.xes.gz": "helpdesk",
    "BPIC2012.xes.gz": "bpic2012",
    "BPIC2012_W_start_complete.xes.gz": "bpic2012_w",
    "BPIC2013_incidents.xes.gz": "bpic2013",
    "BPIC2019_one_trace_per_variant.xes.gz": "bpic2019",
    "BPIC2020_PermitLog_one_trace_per_variant.xes.gz": "bpic2020_permit",
    "HospitalBilling_one_trace_per_variant.xes.gz": "hospital_billing",
    "RoadTrafficFines_one_trace_per_variant.xes.gz": "road_traffic_fines",
    "HospitalBilling_first10k_cases.csv.gz": "hospital_billing",
    "RoadTrafficFines_first10k_cases.csv.gz": "road_traffic_fines",
    "journey_retentioneering_simple_shop.csv": "simple_shop",
    "journey_appintheair_onboarding.csv": "appintheair_onboarding",
}
#: Touchpoints a mapping leaves out on purpose (outcome labels, reminders).
LEFT_OUT = {
    "journey_appintheair_onboarding.csv": {"lost"},
    "BPIC2020_PermitLog_one_trace_per_variant.xes.gz": {"Send Reminder"},
    # outcomes, not steps: no journey converts after them (see the templates)
    "BPIC2012.xes.gz": {"A_DECLINED", "A_CANCELLED", "O_DECLINED"},
    "HospitalBilling_one_trace_per_variant.xes.gz": {"DELETE"},
    "HospitalBilling_first10k_cases.csv.gz": {"DELETE"},
    "RoadTrafficFines_one_trace_per_variant.xes.gz": {"Send for Credit Collection"},
    "RoadTrafficFines_first10k_cases.csv.gz": {"Send for Credit Collection"},
}
#: Mapped touchpoints no journey converts after (bottlenecks.outcome_touchpoints): a step
#: of the one-trace-per-variant sample, taken by 36 of its rare variants.
LOOK_LIKE_OUTCOMES = {
    "BPIC2019_one_trace_per_variant.xes.gz": {"Release Purchase Requisition"},
}


def test_every_real_log_has_a_mapping_and_every_mapping_a_log():
    assert set(MAPPINGS) == {log.name for log in LOGS}
    assert set(MAPPINGS.values()) | {"default"} == set(templates())


@pytest.mark.parametrize("real", LOGS, ids=lambda r: r.name)
def test_shipped_mapping_fits_its_log(real):
    path = real.require()
    log = engine.read_log(path, **real.keys, **real.options)
    model = JourneyModel.template(MAPPINGS[real.name])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the conversion activity must occur
        journey = log.journey(model)
    assert set(journey.unmapped()["touchpoint"]) == LEFT_OUT.get(real.name, set())

    stages, funnel = journey.stages(), journey.funnel()
    assert (np.diff(funnel["reached"]) <= 0).all()
    assert (stages["cases"] <= log.n_cases).all()
    assert (stages["visits"] == stages["closed_visits"] + stages["open_visits"]).all()
    assert stages["open_visits"].sum() == (funnel["reached"].iloc[0])
    km = journey.time_to_convert()
    assert (np.diff(km["conversion"]) >= -1e-12).all()
    summary = journey.conversion_summary()
    assert 0 < summary["converted"] <= summary["journeys"] == log.n_cases
    actions = journey.actions()
    assert (actions["journeys"] >= 30).all()
    if log.n_cases >= 1_000:
        assert len(actions) > 0
    # Losses add up: every journey that did not convert is charged at most once.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # outcome-like touchpoints: checked below
        bottlenecks = journey.bottlenecks()
    outcomes = set(outcome_touchpoints(bottlenecks, 30).index)
    assert outcomes == LOOK_LIKE_OUTCOMES.get(real.name, set())
    not_converted = summary["journeys"] - summary["converted"]
    assert bottlenecks["lost_conversions"].sum() <= not_converted + 1e-6
    steps = bottlenecks[bottlenecks["comparable"]]
    assert (steps["journeys"] >= 30).all() and (steps["alternative_journeys"] >= 30).all()

    if log.n_events <= 40_000:  # the plain reference loops over cases
        canon = reference.canonical_frame(
            log.to_pm4py(), "case:concept:name", "concept:name", "time:timestamp"
        )
        visits = reference.stage_visits(canon, dict(model.touchpoints), list(model.stages))
        want = reference.stage_table(visits, list(model.stages))
        np.testing.assert_array_equal(stages["visits"], want["visits"])
        np.testing.assert_array_equal(stages["cases"], want["cases"])
        np.testing.assert_allclose(stages["median_s"], want["median_s"], rtol=1e-9, equal_nan=True)
        want_funnel = reference.funnel(visits, list(model.stages), log.n_cases)
        np.testing.assert_array_equal(funnel["reached"], want_funnel["reached"])
