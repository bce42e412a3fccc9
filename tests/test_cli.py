"""The `parcours analyze` contract: files, columns, types, exit codes, atomic writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import engine
from engine import cli
from engine.datasets import dataset_path
from engine.outputs import OUTPUTS

SEPSIS = dataset_path("sepsis.xes.gz")
#: The files every run writes, with their columns, from the output registry.
CONTRACT = {o.file: list(o.columns) for o in OUTPUTS if not o.flags}
SUMMARY_KEYS = {
    "events",
    "cases",
    "activities",
    "variants",
    "edges",
    "dropped_rows",
    "first_timestamp",
    "last_timestamp",
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_analyze_xes_writes_the_contract(tmp_path):
    out = tmp_path / "out"
    result = run("analyze", str(SEPSIS), "--out", str(out))
    assert result.returncode == 0, result.stderr
    report = ["report.html", "process_map.svg", "process_map.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted([*CONTRACT, "summary.json", *report])
    for name, columns in CONTRACT.items():
        assert pq.read_schema(out / name).names == columns
    schema = pq.read_schema(out / "variants.parquet")
    variant_type = schema.field("variant").type
    assert str(variant_type.value_type) == "string"
    assert str(variant_type).startswith("list<")
    assert str(pq.read_schema(out / "edges.parquet").field("frequency").type) == "int64"

    log = engine.read_log(SEPSIS)
    edges = pd.read_parquet(out / "edges.parquet")
    pd.testing.assert_frame_equal(edges, log.dfg(), check_dtype=False)
    variants = pd.read_parquet(out / "variants.parquet")
    assert [tuple(v) for v in variants["variant"]] == [tuple(v) for v in log.variants()["variant"]]
    assert variants["frequency"].is_monotonic_decreasing
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["events"] == 15_214 and summary["cases"] == 1_050
    assert summary["variants"] == len(variants) and summary["edges"] == len(edges)
    assert summary["first_timestamp"] == pd.Timestamp(log.timestamp.min(), tz="UTC").isoformat()
    # Text is dictionary-encoded in the files (names repeat); numbers are not (they rarely
    # repeat enough, and trying made writing a large table four times slower).
    edge_file = pq.ParquetFile(out / "edges.parquet").metadata.row_group(0)
    encodings = {
        edge_file.column(i).path_in_schema: edge_file.column(i).encodings
        for i in range(edge_file.num_columns)
    }
    assert "RLE_DICTIONARY" in encodings["source"] and "RLE_DICTIONARY" in encodings["target"]
    assert "RLE_DICTIONARY" not in encodings["median_s"]
    variant_file = pq.ParquetFile(out / "variants.parquet").metadata.row_group(0)
    assert "RLE_DICTIONARY" in variant_file.column(0).encodings  # variant.list.element


def test_progress_goes_to_stderr_and_quiet_silences_only_it(tmp_path):
    """--quiet silences the progress on stderr, as --help and the README say; the overview
    and the actions on stdout stay (a batch job that wants none redirects stdout)."""
    flags = ["--stages", "sepsis", "--no-report"]
    result = run("analyze", str(SEPSIS), "--out", str(tmp_path / "a"), *flags)
    assert "reading" in result.stderr and "15,214 events" in result.stderr
    assert "variants" in result.stderr
    quiet = run("analyze", str(SEPSIS), "--out", str(tmp_path / "b"), "--quiet", *flags)
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert quiet.stdout == result.stdout
    assert quiet.stdout.startswith("15,214 events") and "prioritized actions" in quiet.stdout
    usage = " ".join(run("analyze", "--help").stdout.split())
    assert "--quiet no progress on stderr (warnings and the overview on stdout stay" in usage


def test_quiet_keeps_warnings_on_stderr_and_in_the_summary(tmp_path):
    """A misspelt conversion activity makes every rate 0 %: the warning that says so is
    not progress, so --quiet keeps it (one line), and summary.json records it."""
    flags = ["--stages", "sepsis", "--conversion", "activity:Release Z", "--no-report", "--quiet"]
    result = run("analyze", str(SEPSIS), "--out", str(tmp_path), *flags)
    assert result.returncode == 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("parcours: warning: the conversion activity")
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["warnings"] == [lines[0].removeprefix("parcours: warning: ")]


def test_overview_on_stdout_matches_the_files(tmp_path):
    """A person at a terminal sees the counts and the top variant; both match the files."""
    result = run("analyze", str(SEPSIS), "--out", str(tmp_path))
    lines = result.stdout.splitlines()
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert lines[0].startswith(f"{summary['events']:,} events, {summary['cases']:,} cases")
    top = pd.read_parquet(tmp_path / "variants.parquet").iloc[0]
    assert lines[1].strip() == f"{top['share']:.1%} of cases: " + " > ".join(top["variant"])
    assert lines[-1].strip().startswith("most time spent between:")


def test_names_with_line_breaks_and_escapes_keep_stdout_and_stderr_one_line_each(tmp_path):
    """An activity named 'visit\nhome' split the overview's lines, and one holding an
    escape sequence drove the terminal: both are shown as ⟦U+XXXX⟧ marks, on stdout and
    in the warnings on stderr; the files keep the names as they are."""
    rows = [
        (c, name, f"2024-01-01 0{c % 9}:{m}0")
        for c in range(40)
        for name, m in (("visit\nhome", 0), ("pay\x1b[31m", 3))
    ]
    path = tmp_path / "log.csv"
    pd.DataFrame(rows, columns=["case", "activity", "ts"]).to_csv(path, index=False)
    flags = ["--case", "case", "--activity", "activity", "--timestamp", "ts", "--no-report"]
    out = tmp_path / "out"
    result = run(
        "analyze",
        str(path),
        "--out",
        str(out),
        *flags,
        "--stages",
        str(_stages(tmp_path, {"visit\nhome": "browse", "pay\x1b[31m": "buy"})),
        "--conversion",
        "activity:missing one",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    for stream in (result.stdout, result.stderr):
        assert "\x1b" not in stream and all(line.isprintable() for line in stream.splitlines())
    assert "visit⟦U+000A⟧home > pay⟦U+001B⟧[31m" in result.stdout
    assert "its activities include 'pay⟦U+001B⟧[31m', 'visit⟦U+000A⟧home'" in result.stderr
    variants = pd.read_parquet(out / "variants.parquet")
    assert list(variants.iloc[0]["variant"]) == ["visit\nhome", "pay\x1b[31m"]


def _stages(folder: Path, mapping: dict[str, str]) -> Path:
    """A stage mapping file (TOML) for `mapping` (touchpoint -> stage)."""
    lines = []
    for stage in dict.fromkeys(mapping.values()):
        touchpoints = ", ".join(json.dumps(t) for t, s in mapping.items() if s == stage)
        lines += ["[[stages]]", f'name = "{stage}"', f"touchpoints = [{touchpoints}]"]
    path = folder / "stages.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_with_column_flags(tmp_path):
    df = pd.DataFrame(
        {
            "customer": ["a", "a", "b"],
            "touchpoint": ["web", "call", "web"],
            "when": ["2024-01-01 10:00", "2024-01-01 11:00", "2024-01-02 09:00"],
            "began": ["2024-01-01 09:50", "2024-01-01 10:30", "2024-01-02 08:00"],
        }
    )
    path = tmp_path / "j.csv"
    df.to_csv(path, index=False)
    out = tmp_path / "out"
    result = run(
        "analyze",
        str(path),
        "--case",
        "customer",
        "--activity",
        "touchpoint",
        "--timestamp",
        "when",
        "--start-timestamp",
        "began",
        "--out",
        str(out),
        "--threads",
        "1",
    )
    assert result.returncode == 0, result.stderr
    edges = pd.read_parquet(out / "edges.parquet")
    assert edges[["source", "target", "frequency"]].values.tolist() == [["web", "call", 1]]
    assert edges["mean_s"].tolist() == [1800.0]  # 10:30 (start of call) - 10:00 (end of web)


@pytest.mark.parametrize("sep", ["\\t", "tab"])
def test_a_tab_separated_log_with_the_tab_spelled_as_typed(tmp_path, sep):
    """--sep '\\t' (backslash-t, as a shell passes it) and --sep tab both read a TSV,
    in analyze and in convert."""
    path = tmp_path / "j.tsv"
    rows = ["customer,touchpoint,when", "a,web,2024-01-01 10:00", "a,call,2024-01-01 11:00"]
    path.write_text("".join(row.replace(",", "\t") + "\n" for row in rows))
    keys = ["--case", "customer", "--activity", "touchpoint", "--timestamp", "when"]
    out = tmp_path / "out"
    flags = ["--sep", sep, "--quiet"]
    assert cli.main(["analyze", str(path), *keys, "--out", str(out), "--no-report", *flags]) == 0
    edges = pd.read_parquet(out / "edges.parquet")
    assert edges[["source", "target", "frequency"]].values.tolist() == [["web", "call", 1]]
    converted = tmp_path / "j.parquet"
    assert cli.main(["convert", str(path), str(converted), *keys, *flags]) == 0
    assert pd.read_parquet(converted)["touchpoint"].tolist() == ["web", "call"]


@pytest.mark.parametrize(
    "args,code,needle",
    [
        (["analyze", "missing.xes", "--out", "{tmp}/o"], 3, "does not exist"),
        (["analyze", str(SEPSIS), "--case", "nope", "--out", "{tmp}/o"], 3, "'nope'"),
        (["analyze", str(SEPSIS), "--out", "{tmp}/o", "--threads", "0"], 2, "--threads"),
        (["analyze", str(SEPSIS)], 2, "--out"),
        (["analyze", str(SEPSIS), "--out", "{tmp}/o", "--model", "foo"], 2, "invalid choice"),
        (["generate", "{tmp}/g.parquet", "--events", "10", "--seed", "-1"], 2, "--seed"),
        (
            ["analyze", str(SEPSIS), "--out", "{tmp}/o", "--conformance-method", "alignments"],
            2,
            "only --expected asks for",
        ),
        (["generate", "{tmp}/g.parquet", "--events", "0"], 2, "--events"),
        (["generate", "{tmp}/g.csv", "--events", "10"], 2, "must be a .parquet file"),
        (["convert", str(SEPSIS), "{tmp}/c.csv"], 2, "must be a .parquet file"),
        (
            ["convert", str(SEPSIS), "{tmp}/c.parquet", "--start-timestamp", "time:timestamp"],
            3,
            "timestamp and start_timestamp are both column 'time:timestamp'",
        ),
    ],
)
def test_errors_are_one_line_with_meaningful_exit_codes(tmp_path, args, code, needle):
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == code
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and needle in errors[0]
    assert "usage:" not in result.stderr  # argparse's usage block is not printed
    assert "Traceback" not in result.stderr


def test_bad_timestamps_exit_3(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("case,activity,ts\na,x,2024-01-01\na,y,not a date\n")
    result = run(
        "analyze",
        str(path),
        "--case",
        "case",
        "--activity",
        "activity",
        "--timestamp",
        "ts",
        "--out",
        str(tmp_path / "o"),
    )
    assert result.returncode == 3
    assert "column 'ts'" in result.stderr and "row 1" in result.stderr
    assert not (tmp_path / "o" / "summary.json").exists()


def test_unwritable_output_exits_4(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("analyze", str(SEPSIS), "--out", str(blocker / "sub"))
    assert result.returncode == 4
    assert "cannot create the output folder" in result.stderr


def test_a_failed_run_leaves_no_complete_looking_files(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"

    def boom(self, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(engine.EventLog, "variants", boom)
    code = cli.main(["analyze", str(SEPSIS), "--out", str(out), "--quiet"])
    assert code == cli.EXIT_INTERNAL
    assert "internal error" in capsys.readouterr().err
    assert not out.exists()  # nothing published
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # staging and lock removed


def test_rerun_replaces_previous_results(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert cli.main(["analyze", str(SEPSIS), "--out", str(out), "--quiet"]) == 0
    (out / "summary.json").write_text("{}")
    monkeypatch.setattr(
        engine.EventLog, "variants", lambda self, **kw: (_ for _ in ()).throw(RuntimeError("x"))
    )
    assert cli.main(["analyze", str(SEPSIS), "--out", str(out), "--quiet"]) == cli.EXIT_INTERNAL
    # the old files are still there, the stale summary too: nothing was half-replaced
    assert (out / "edges.parquet").exists()
    monkeypatch.undo()
    assert cli.main(["analyze", str(SEPSIS), "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "summary.json").read_text())["events"] == 15_214
    assert not [p for p in tmp_path.iterdir() if "parcours-staging" in p.name]


def test_version():
    result = run("--version")
    assert result.returncode == 0 and engine.__version__ in result.stdout


def test_help_lists_the_shipped_stage_mappings_without_loading_the_journey_layer():
    from engine.cli import _shipped_mappings
    from engine.journey.model import templates

    assert _shipped_mappings() == templates()
    assert {"default", "receipt"} <= set(templates())


def test_activities_file_is_in_the_documented_order(tmp_path):
    """Most frequent first, ties by name, as the README's output table says."""
    out = tmp_path / "out"
    assert cli.main(["analyze", str(SEPSIS), "--out", str(out), "--quiet", "--no-report"]) == 0
    table = pd.read_parquet(out / "activities.parquet")
    keys = list(zip(-table["frequency"], table["activity"], strict=True))
    assert keys == sorted(keys)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "Most frequent first, ties by activity name" in readme


def test_usage_mistakes_exit_2_with_one_line(tmp_path, capsys, monkeypatch):
    def usage(*args):
        assert cli.main(["analyze", str(SEPSIS), "--out", str(tmp_path / "o"), *args]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err
        return err

    err = usage("--stages", "nosuch")
    assert "neither a file nor a shipped mapping" in err and "receipt, road_traffic_fines" in err
    assert "--threads must be between 1" in usage("--threads", "0")
    for sep in (";;", "", "tabs"):
        err = usage("--sep", sep)
        assert f"must be one character, such as ',' or ';'; got {sep!r}" in err
        assert "(--sep tab)" in err
    convert = ["convert", str(SEPSIS), str(tmp_path / "o.parquet"), "--sep", ";;", "--quiet"]
    assert cli.main(convert) == 2 and "must be one character" in capsys.readouterr().err
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "dask" else real(name, *a)
    )
    assert "pip install 'parcours[dask]'" in usage("--backend", "dask")
    assert not (tmp_path / "o").exists()


def test_convert_writes_the_canonical_columns(tmp_path):
    """An XES log converted to Parquet reads back as the same log; the dask backend
    refuses XES and names the command."""
    out = tmp_path / "sepsis.parquet"
    assert cli.main(["convert", str(SEPSIS), str(out), "--quiet"]) == 0
    before, after = engine.read_log(SEPSIS), engine.read_log(out)
    pd.testing.assert_frame_equal(before.dfg(), after.dfg())
    pd.testing.assert_frame_equal(before.variants(), after.variants())
    assert list(pq.read_schema(out).names) == [
        "case:concept:name",
        "concept:name",
        "time:timestamp",
    ]
    with pytest.raises(engine.InputError, match=r"parcours convert .*sepsis\.xes\.gz"):
        engine.read_log(SEPSIS, backend="dask")


def test_convert_writes_an_integer_attribute_with_nulls_as_int64(tmp_path):
    """An integer attribute with a null (a CSV's empty field, a Parquet null) is written
    as int64 with its nulls, every digit kept, not as double (9007199254740993 was
    written as 9007199254740992)."""
    import pyarrow as pa

    source = tmp_path / "ids.csv"
    source.write_text(
        "c,a,t,order_id\n"
        "x,a,2020-01-01,9007199254740993\n"
        "x,b,2020-01-02,\n"
        "y,a,2020-01-03,1234567890123456789\n"
    )
    keys = ["--case", "c", "--activity", "a", "--timestamp", "t", "--attribute", "order_id"]
    out = tmp_path / "ids.parquet"
    assert cli.main(["convert", str(source), str(out), *keys, "--quiet"]) == 0
    assert pq.read_schema(out).field("order_id").type == pa.int64()

    def by_event(path: Path) -> dict:
        rows = pq.read_table(path).to_pylist()
        return {(row["c"], row["a"]): row["order_id"] for row in rows}

    want = {("x", "a"): 9007199254740993, ("x", "b"): None, ("y", "a"): 1234567890123456789}
    assert by_event(out) == want
    again = tmp_path / "again.parquet"  # from Parquet too
    assert cli.main(["convert", str(out), str(again), *keys, "--quiet"]) == 0
    assert pq.read_schema(again).field("order_id").type == pa.int64()
    assert by_event(again) == want


def test_ctrl_c_while_the_program_imports_exits_130_in_one_line(monkeypatch, capsys, tmp_path):
    """The imports (pandas, numba: about a second) ran outside the exit-code wrapper, so
    Ctrl-C there printed a raw traceback."""
    import importlib

    cli_main = importlib.import_module("engine.cli.main")  # the module, not its function

    def interrupted(name):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_main, "import_module", interrupted)
    code = cli_main.main(["analyze", str(SEPSIS), "--out", str(tmp_path / "o")], own_process=True)
    assert code == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip().splitlines() == ["parcours: interrupted"]
