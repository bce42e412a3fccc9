"""`parcours analyze --stages ...`: the journey files, their schemas, the summary and the
usage errors."""

from __future__ import annotations

import json
import math

import pyarrow.parquet as pq
import pytest

from engine import cli
from engine.datasets import dataset_path
from engine.datasets.synthetic import Bottleneck, write_parquet
from engine.outputs import SCHEMAS

JOURNEY_FILES = [
    "stages.parquet",
    "stage_transitions.parquet",
    "funnel.parquet",
    "time_to_convert.parquet",
    "bottlenecks.parquet",
    "actions.parquet",
    "segments.parquet",
    "channels.parquet",
    "channel_mix.parquet",
    "satisfaction.parquet",
    "stage_dwell.parquet",
    "journey_variants.parquet",
    "attribution.parquet",
]


@pytest.fixture(scope="module")
def planted_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("planted") / "journeys.parquet"
    plant = Bottleneck("product_page", "call_center", weight=0.3, wait_hours=96, abandon=0.85)
    return write_parquet(path, 60_000, seed=11, bottleneck=plant)


def _analyze(log, out, *extra):
    return cli.main(
        [
            "analyze",
            str(log),
            "--case",
            "customer_id",
            "--activity",
            "touchpoint",
            "--timestamp",
            "ts",
            "--out",
            str(out),
            "--quiet",
            *extra,
        ]
    )


def test_journey_files_follow_their_schemas(planted_log, tmp_path):
    code = _analyze(
        planted_log,
        tmp_path,
        "--stages",
        "default",
        "--segment",
        "segment",
        "--channel",
        "channel",
        "--score",
        "csat",
    )
    assert code == 0
    for name in JOURNEY_FILES:
        schema = pq.read_schema(tmp_path / name)
        assert schema.names == SCHEMAS[name].names, name
        assert schema.types == SCHEMAS[name].types, name
    actions = pq.read_table(tmp_path / "actions.parquet").to_pandas()
    assert actions["action"].iloc[0].startswith("product_page → call_center:")
    funnel = pq.read_table(tmp_path / "funnel.parquet").to_pandas()
    assert funnel["stage"].tolist() == [
        "discovery",
        "evaluation",
        "purchase",
        "after_sales",
        "loyalty",
    ]
    text = (tmp_path / "summary.json").read_text()
    summary = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    journey = summary["journey"]
    assert journey["journeys"] == summary["cases"]
    assert journey["conversion"] == {"activity": "purchase", "stage": None}
    assert journey["actions"][0] == actions["action"].iloc[0]
    assert 0 < journey["multichannel_share"] < 1
    credits = pq.read_table(tmp_path / "attribution.parquet").to_pandas()
    assert set(credits["by"]) == {"channel"}  # --channel alone attributes by channel
    assert set(credits["model"]) == {"first_touch", "last_touch", "linear", "time_decay", "markov"}
    per_model = credits.groupby("model")["conversions"].sum()
    assert per_model.to_numpy() == pytest.approx(journey["converted"])
    assert journey["attribution"]["by"] == "channel"
    lost = pq.read_table(tmp_path / "bottlenecks.parquet").to_pandas()["lost_conversions"]
    assert lost.sum() <= journey["journeys"] - journey["converted"]
    assert all(v is None or not (isinstance(v, float) and math.isnan(v)) for v in journey.values())


def test_a_shipped_mapping_by_name_and_a_conversion_override(tmp_path):
    sepsis = dataset_path("sepsis.xes.gz")
    code = cli.main(
        [
            "analyze",
            str(sepsis),
            "--out",
            str(tmp_path),
            "--quiet",
            "--stages",
            "sepsis",
            "--conversion",
            "activity:IV Antibiotics",
        ]
    )
    assert code == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["journey"]["conversion"] == {"activity": "IV Antibiotics", "stage": None}
    assert summary["journey"]["stages"][0] == "arrival"


def test_journey_flags_without_stages_are_a_usage_error(planted_log, tmp_path, capsys):
    assert _analyze(planted_log, tmp_path, "--segment", "segment") == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert err.startswith("parcours: error:") and "--stages" in err and "\n" not in err


def test_a_bad_mapping_file_is_an_input_error(planted_log, tmp_path, capsys):
    mapping = tmp_path / "stages.toml"
    mapping.write_text(
        'conversion = { activity = "purchase" }\n[[stages]]\nname = "a"\ntouchpoints = ["nope"]\n'
    )
    assert _analyze(planted_log, tmp_path / "out", "--stages", str(mapping)) == cli.EXIT_INPUT
    err = capsys.readouterr().err.strip()
    assert "does not have: 'nope'" in err and "\n" not in err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_an_unknown_segment_column_names_the_columns(planted_log, tmp_path, capsys):
    code = _analyze(planted_log, tmp_path, "--stages", "default", "--segment", "region")
    assert code == cli.EXIT_INPUT
    assert "region" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--top", "-1"], "--top must be 0 or more"),
        (["--min-journeys", "-5"], "--min-journeys must be at least 1"),
        (["--min-journeys", "0"], "--min-journeys must be at least 1"),
        (["--attribution", "channel"], "--attribution channel needs --channel"),
    ],
)
def test_bad_journey_numbers_are_usage_errors(planted_log, tmp_path, capsys, flags, says):
    code = _analyze(planted_log, tmp_path, "--stages", "default", *flags)
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip()
    assert says in err and "\n" not in err
    assert not (tmp_path / "summary.json").exists()


def test_attribution_by_touchpoint_without_a_channel(tmp_path):
    sepsis = dataset_path("sepsis.xes.gz")
    args = ["analyze", str(sepsis), "--out", str(tmp_path), "--quiet", "--no-report"]
    assert cli.main([*args, "--stages", "sepsis", "--attribution", "touchpoint"]) == 0
    credits = pq.read_table(tmp_path / "attribution.parquet").to_pandas()
    assert set(credits["by"]) == {"touchpoint"}
    markov = credits[credits["model"] == "markov"]
    assert (markov["conversions_low"] <= markov["conversions_high"]).all()
