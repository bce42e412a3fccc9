"""Discovery with pm4py from the engine's counts, simplification, model files, conformance.

Oracles: pm4py run directly on the same log (its own DFG, heuristics net, token replay and
alignments), and a pandas recount on the journeys a simplification keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

import engine
from engine.analysis.coverage import keep_variants, variant_counts
from engine.discovery import check_conformance, discover_model, expected_journey, read_model
from tests import reference
from tests.real_logs import BY_NAME, LOGS
from tests.test_properties import random_logs

pm4py = pytest.importorskip("pm4py")

# pm4py's own replay of the whole log is the slow part of these checks (BPIC2012's 4,366
# variants: 20 s on an inductive net, many minutes on a heuristics net); beyond this many
# variants the fitness parity is left to the smaller logs.
MAX_REPLAY_VARIANTS = 2_000

# Alignments are exponential in the worst case: pm4py's own run is the slow part, so the
# parity check of alignments uses the logs where pm4py answers in seconds.
ALIGNMENT_LOGS = ["receipt.xes.gz", "BPIC2013_closed_problems.xes.gz", "running-example.xes"]


@pytest.fixture(scope="module")
def logs():
    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            from tests.test_pm4py_parity import pm4py_frame

            real = BY_NAME[name]
            real.require()
            log = engine.read_log(real.path, **real.keys, **real.options)
            cache[name] = (log, pm4py_frame(real))
        return cache[name]

    return get


def reference_window_counts(canon: pd.DataFrame) -> tuple[dict, dict]:
    """Events two apart, and a-b-a patterns (a != b), by a shift within each case."""
    act = canon["_act"]
    same1 = canon["_case"].shift(-1) == canon["_case"]
    same2 = canon["_case"].shift(-2) == canon["_case"]
    two = pd.DataFrame({"a": act, "c": act.shift(-2)})[same2 & same1]
    window = two.groupby(["a", "c"]).size().to_dict()
    three = pd.DataFrame({"a": act, "b": act.shift(-1), "c": act.shift(-2)})[same2 & same1]
    loops = three[(three["a"] == three["c"]) & (three["a"] != three["b"])]
    return window, loops.groupby(["a", "b"]).size().to_dict()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_logs())
def test_variant_counts_equal_the_log_counts(df):
    """Counted from the variants, every path and activity figure equals the event count."""
    log = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    canon = reference.canonical_frame(df, "case", "activity", "ts")
    counts = variant_counts(log.variants())
    pd.testing.assert_frame_equal(
        counts.edges, log.dfg()[["source", "target", "frequency", "cases"]]
    )
    pd.testing.assert_frame_equal(counts.activities, log.activities())
    window, loops = reference_window_counts(canon)
    assert counts.window_two == window
    assert counts.loops_two == loops
    assert counts.journeys == log.n_cases


@pytest.mark.parametrize("coverage", [0.2, 0.5, 0.8, 0.95, 1.0])
def test_coverage_keeps_the_fewest_variants_and_counts_their_journeys_exactly(coverage):
    log = engine.read_log(engine.datasets.dataset_path("sepsis.xes.gz"))
    variants = log.variants()
    kept = keep_variants(variants, coverage=coverage)
    share = kept["frequency"].sum() / log.n_cases
    assert share >= coverage - 1e-12
    assert (kept["frequency"].iloc[:-1].sum() / log.n_cases) < coverage  # none to spare
    # Recount on the events of just those journeys, with the pandas reference.
    canon = log.to_pm4py()
    sequences = canon.groupby("@@case_index", sort=False)["concept:name"].agg(tuple)
    wanted = {tuple(v) for v in kept["variant"]}
    keep_cases = sequences.index[sequences.isin(wanted)]
    sub = canon[canon["@@case_index"].isin(keep_cases)]
    sub_canon = reference.canonical_frame(
        sub, "case:concept:name", "concept:name", "time:timestamp"
    )
    want = reference.dfg(sub_canon).sort_values(["source", "target"], ignore_index=True)
    got = variant_counts(kept).edges.sort_values(["source", "target"], ignore_index=True)
    np.testing.assert_array_equal(got["frequency"], want["frequency"])
    np.testing.assert_array_equal(got["cases"], want["cases"])
    assert list(got["source"]) == list(want["source"])


def test_top_variants_and_bad_options():
    log = engine.read_log(engine.datasets.dataset_path("receipt.xes.gz"))
    variants = log.variants()
    assert len(keep_variants(variants, top=3)) == 3
    model = discover_model(log, top_variants=3)
    assert model.journeys == variants["frequency"].iloc[:3].sum()
    for options in ({"top": 0}, {"coverage": 0}, {"coverage": 1.5}, {"top": 2, "coverage": 0.5}):
        with pytest.raises(engine.InputError):
            keep_variants(variants, **options)
    with pytest.raises(engine.InputError, match="miner"):
        discover_model(log, miner="alpha")
    with pytest.raises(engine.InputError, match="'variant' and 'frequency'"):
        discover_model(pd.DataFrame({"x": [1]}))


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_inductive_model_equals_pm4py_on_its_own_dfg(real, logs):
    """Fed the engine's counts, the inductive miner finds the tree pm4py finds from its DFG."""
    log, frame = logs(real.name)
    ours = discover_model(log)
    theirs = pm4py.discover_process_tree_inductive(pm4py.discover_dfg_typed(frame))
    assert str(ours.tree) == str(theirs)


@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_heuristics_net_equals_pm4py(real, logs):
    log, frame = logs(real.name)
    ours = discover_model(log, miner="heuristics").heuristics_net
    theirs = pm4py.discover_heuristics_net(frame)
    assert ours.dependency_matrix == theirs.dependency_matrix
    assert sorted(ours.nodes) == sorted(theirs.nodes)
    for name, node in theirs.nodes.items():
        assert sorted(n.node_name for n in node.output_connections) == sorted(
            n.node_name for n in ours.nodes[name].output_connections
        )


@pytest.mark.parametrize("miner", ["inductive", "heuristics"])
@pytest.mark.parametrize("real", LOGS, ids=[r.name for r in LOGS])
def test_token_replay_fitness_equals_pm4py(real, miner, logs):
    """Replayed once per variant and weighted, the fitness is pm4py's on the whole log."""
    log, frame = logs(real.name)
    if len(log.variants()) > MAX_REPLAY_VARIANTS:
        pytest.skip(
            f"{len(log.variants()):,} variants: pm4py's own replay of the whole log takes "
            "minutes here (the model itself is compared with pm4py's on this log)"
        )
    model = discover_model(log, miner=miner)
    got = check_conformance(log, model, progress=False)
    want = pm4py.fitness_token_based_replay(frame, *model.petri_net)
    assert got.fitness == pytest.approx(want["log_fitness"], rel=1e-9, abs=1e-12)
    assert got.average_fitness == pytest.approx(want["average_trace_fitness"], rel=1e-9)
    assert got.fitting_share == pytest.approx(want["perc_fit_traces"] / 100, rel=1e-9)
    if miner == "inductive":  # the inductive miner's models replay their own log
        assert got.fitness == pytest.approx(1.0)


@pytest.mark.parametrize("name", ALIGNMENT_LOGS)
def test_alignment_fitness_equals_pm4py(name, logs):
    log, frame = logs(name)
    model = discover_model(log, coverage=0.8)  # a simpler model, so some journeys deviate
    got = check_conformance(log, model, method="alignments", progress=False)
    want = pm4py.fitness_alignments(frame, *model.petri_net)
    assert got.fitness == pytest.approx(want["log_fitness"], rel=1e-9)
    assert got.average_fitness == pytest.approx(want["average_trace_fitness"], rel=1e-9)
    assert got.fitting_share == pytest.approx(want["percentage_of_fitting_traces"] / 100)
    deviating = got.deviating
    assert (deviating["fitness"] < 1).all()
    assert deviating["deviations"].map(len).gt(0).all()


def test_stage_spec_conformance_counts_deviating_journeys_and_conversions():
    """Journeys that go back a stage deviate; their conversions are counted per case."""
    rows = [
        ("a", ["ad", "page", "buy"]),  # forward: fits, converts
        ("b", ["ad", "page"]),  # forward, stops early: fits
        ("c", ["page", "ad", "buy"]),  # back to discovery: deviates, converts
        ("d", ["ad", "buy", "page"]),  # back to evaluation: deviates
        ("e", ["ad", "unknown", "buy"]),  # a touchpoint in no stage: deviates, converts
    ]
    df = pd.DataFrame(
        [
            (c, a, pd.Timestamp("2026-01-01") + pd.Timedelta(hours=i))
            for c, s in rows
            for i, a in enumerate(s)
        ],
        columns=["case", "activity", "ts"],
    )
    log = engine.read_log(df, case="case", activity="activity", timestamp="ts")
    model = engine.JourneyModel.from_stages(
        {"discovery": ["ad"], "evaluation": ["page"], "purchase": ["buy"]},
        conversion="purchase",
        strict=False,
    )
    for method in ("token_replay", "alignments"):
        result = check_conformance(log, model, method=method, progress=False)
        deviating = {tuple(v) for v in result.deviating["variant"]}
        assert deviating == {("page", "ad", "buy"), ("ad", "buy", "page"), ("ad", "unknown", "buy")}
        summary = result.summary()
        assert summary["deviating_journeys"] == 3
        assert summary["conversions"] == 4
        assert summary["deviating_conversions"] == 3
        assert summary["deviating_conversion_share"] == pytest.approx(3 / 4)
    aligned = check_conformance(log, model, method="alignments", progress=False).variants
    row = aligned[[tuple(v) == ("ad", "unknown", "buy") for v in aligned["variant"]]].iloc[0]
    assert "unexpected: unknown" in row["deviations"]


def test_models_round_trip_through_bpmn_and_pnml(tmp_path):
    """PNML keeps the net exactly; BPMN keeps the tasks, and a model read from a BPMN file
    is replayed with the fitness pm4py gives that same net on the whole log."""
    log = engine.read_log(engine.datasets.dataset_path("receipt.xes.gz"))
    model = discover_model(log, coverage=0.9)
    labels = {t.label for t in model.net.transitions if t.label}
    pnml = model.write_pnml(tmp_path / "model.pnml")
    bpmn = model.write_bpmn(tmp_path / "model.bpmn")
    assert not list(tmp_path.glob(".partial-*"))
    direct = check_conformance(log, model, progress=False)
    from_pnml = check_conformance(log, pnml, progress=False)
    assert from_pnml.fitness == pytest.approx(direct.fitness, rel=1e-12)
    assert from_pnml.variants["fits"].tolist() == direct.variants["fits"].tolist()
    back = read_model(bpmn)
    assert {t.label for t in back.net.transitions if t.label} == labels
    frame = log.to_pm4py()
    want = pm4py.fitness_token_based_replay(frame, *back.petri_net)["log_fitness"]
    assert check_conformance(log, back, progress=False).fitness == pytest.approx(want, rel=1e-9)
    heuristics = discover_model(log, miner="heuristics")
    assert read_model(heuristics.write_bpmn(tmp_path / "h.bpmn")).net.transitions
    spec = expected_journey(engine.JourneyModel.template("receipt"))
    assert read_model(spec.write_pnml(tmp_path / "spec.pnml")).net.transitions


def test_bad_model_files_are_one_line_errors(tmp_path):
    with pytest.raises(engine.InputError, match="does not exist"):
        read_model(tmp_path / "missing.bpmn")
    other = tmp_path / "model.txt"
    other.write_text("x")
    with pytest.raises(engine.InputError, match=r"\.bpmn or \.pnml"):
        read_model(other)
    broken = tmp_path / "broken.pnml"
    broken.write_text("<pnml><net")
    with pytest.raises(engine.InputError, match="cannot read the model") as caught:
        read_model(broken)
    assert "\n" not in str(caught.value)


def test_a_petri_net_without_its_final_marking_or_transitions_is_named(tmp_path):
    """pm4py reads both and then failed inside its replay: an internal error before."""
    log = engine.read_log(engine.datasets.dataset_path("receipt.xes.gz"))
    text = discover_model(log).write_pnml(tmp_path / "m.pnml").read_text()
    start, end = text.index("<finalmarkings>"), text.index("</finalmarkings>")
    no_final = tmp_path / "no_final.pnml"
    no_final.write_text(text[:start] + text[end + len("</finalmarkings>") :])
    with pytest.raises(engine.InputError, match="has no final marking; conformance") as caught:
        read_model(no_final)
    assert "\n" not in str(caught.value)
    empty = tmp_path / "empty.pnml"
    empty.write_text("<x/>")
    with pytest.raises(
        engine.InputError, match="has no transitions, no initial marking and no final marking"
    ):
        read_model(empty)


def test_core_analyses_do_not_import_pm4py():
    import subprocess
    import sys

    code = (
        "import sys, engine; from engine.datasets import dataset_path; "
        "log = engine.read_log(dataset_path('receipt.xes.gz')); "
        "log.dfg(); log.variants(); log.journey(engine.JourneyModel.template('receipt')).funnel(); "
        "from engine.analysis.coverage import variant_counts; variant_counts(log.variants()); "
        "print('pm4py' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_conformance_on_the_most_frequent_variants_equals_pm4py_on_their_journeys():
    log = engine.read_log(engine.datasets.dataset_path("sepsis.xes.gz"))
    model = discover_model(log, coverage=0.5)
    result = check_conformance(log, model, coverage=0.6, progress=False)
    kept = keep_variants(log.variants(), coverage=0.6)
    assert len(result.variants) == len(kept)
    assert result.journeys == kept["frequency"].sum()
    assert result.replayed_share == pytest.approx(result.journeys / log.n_cases)
    assert result.summary()["replayed_share"] == result.replayed_share
    frame = log.to_pm4py()
    sequences = frame.groupby("case:concept:name", sort=False)["concept:name"].agg(tuple)
    wanted = {tuple(v) for v in kept["variant"]}
    cases = sequences.index[sequences.isin(wanted)]
    sub = frame[frame["case:concept:name"].isin(cases)]
    want = pm4py.fitness_token_based_replay(sub, *model.petri_net)
    assert result.fitness == pytest.approx(want["log_fitness"], rel=1e-9)
    assert result.fitting_share == pytest.approx(want["perc_fit_traces"] / 100, rel=1e-9)
