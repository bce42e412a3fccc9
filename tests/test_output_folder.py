"""The result folder is replaced whole and at once: no stale file of an earlier run, no
mix of two runs, no lost result when a run is killed, one writer at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from engine import cli
from engine.datasets import dataset_path
from engine.errors import OutputError
from engine.outputs import OutputFolder

SEPSIS = dataset_path("sepsis.xes.gz")
RECEIPT = dataset_path("receipt.xes.gz")


def _analyze(log, out, *extra):
    return cli.main(["analyze", str(log), "--out", str(out), "--quiet", "--no-report", *extra])


def test_a_new_result_leaves_nothing_of_the_previous_one(tmp_path):
    out = tmp_path / "out"
    assert _analyze(SEPSIS, out, "--stages", "sepsis") == 0
    assert (out / "bottlenecks.parquet").exists()
    assert _analyze(RECEIPT, out) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"edges.parquet", "variants.parquet", "activities.parquet", "summary.json"}
    assert json.loads((out / "summary.json").read_text())["events"] == 8_577
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging, no lock left


def test_a_folder_of_other_files_is_never_replaced(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert _analyze(SEPSIS, tmp_path) == cli.EXIT_OUTPUT
    err = capsys.readouterr().err
    assert "not a parcours result (notes.txt)" in err and "\n" not in err.strip()
    assert "permissions" not in err  # the folder's content is the reason, said once
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_the_folder_is_checked_before_the_log_is_read(tmp_path, monkeypatch, capsys):
    """An unusable --out fails at once, not after reading a large log."""
    (tmp_path / "notes.txt").write_text("mine")

    def never(*args, **kwargs):
        raise AssertionError("the log was read")

    monkeypatch.setattr("engine.cli.commands._read", never)
    assert _analyze(SEPSIS, tmp_path) == cli.EXIT_OUTPUT


def test_a_second_writer_fails_fast_naming_the_first(tmp_path):
    out = tmp_path / "out"
    holder = OutputFolder(out)
    try:
        with pytest.raises(OutputError, match=rf"another parcours run \(PID {os.getpid()}\)") as e:
            OutputFolder(out)
        assert "permissions" not in str(e.value)
        result = subprocess.run(
            [sys.executable, "-m", "engine.cli", "analyze", str(SEPSIS), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == cli.EXIT_OUTPUT
        assert f"PID {os.getpid()}" in result.stderr
    finally:
        holder.discard()
    OutputFolder(out).discard()  # free again


def test_an_out_link_is_followed_and_kept(tmp_path):
    """--out latest -> run-1: run-1 is replaced and the link still names it (the link
    itself was swapped for a folder, run-1 kept the old result, and a staging link was
    left behind); a dangling link gets its folder made."""
    real = tmp_path / "run-1"
    assert _analyze(SEPSIS, real) == 0
    (tmp_path / "latest").symlink_to("run-1")
    (tmp_path / ".latest.parcours-staging-old").symlink_to("run-1")  # an older version's
    assert _analyze(RECEIPT, tmp_path / "latest") == 0
    assert (tmp_path / "latest").is_symlink() and os.readlink(tmp_path / "latest") == "run-1"
    assert json.loads((real / "summary.json").read_text())["events"] == 8_577
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "run-1"]
    (tmp_path / "next").symlink_to("run-2")
    assert _analyze(RECEIPT, tmp_path / "next") == 0
    assert json.loads((tmp_path / "run-2" / "summary.json").read_text())["events"] == 8_577
    assert (tmp_path / "next").is_symlink()


def test_staging_folders_of_killed_runs_are_removed(tmp_path):
    out = tmp_path / "out"
    for i in range(3):
        leftover = tmp_path / f".out.parcours-staging-{i}"
        leftover.mkdir()
        (leftover / "edges.parquet").write_bytes(b"x" * 1000)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".parcours-staging-old").mkdir()  # an older version's
    assert _analyze(SEPSIS, out) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import engine.outputs.folder as outputs
    from engine import cli

    when = sys.argv[1]
    real = outputs._exchange

    def exchange(new, old):
        if when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        real(new, old)
        if when == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    outputs._exchange = exchange
    if when == "writing":
        real_table = outputs.OutputFolder.table
        def table(self, name, frame, schema):
            real_table(self, name, frame, schema)
            if name == "activities.parquet":
                os.kill(os.getpid(), signal.SIGKILL)
        outputs.OutputFolder.table = table
    sys.exit(cli.main(sys.argv[2:]))
    """
)


@pytest.mark.parametrize("when", ["writing", "before", "after"])
def test_a_run_killed_at_any_point_leaves_one_complete_result(tmp_path, when):
    """SIGKILL while writing, just before the swap and just after it: the folder holds
    the complete earlier result (sepsis) or the complete new one (receipt), never a mix,
    and the next run cleans up and succeeds."""
    out = tmp_path / "out"
    assert _analyze(SEPSIS, out, "--stages", "sepsis") == 0
    before = {p.name for p in out.iterdir()}
    args = ["analyze", str(RECEIPT), "--out", str(out), "--quiet", "--no-report"]
    result = subprocess.run(
        [sys.executable, "-c", KILLER, when, *args], capture_output=True, timeout=300
    )
    assert result.returncode == -signal.SIGKILL
    names = {p.name for p in out.iterdir()}
    events = json.loads((out / "summary.json").read_text())["events"]
    if when == "after":
        assert events == 8_577
        assert names == {"edges.parquet", "variants.parquet", "activities.parquet", "summary.json"}
    else:
        assert (events, names) == (15_214, before)
    time.sleep(0.05)
    assert _analyze(RECEIPT, out) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_that_cannot_be_swapped_is_replaced_file_by_file(tmp_path, monkeypatch):
    """An --out that is a mount point cannot be renamed (EBUSY): its files are replaced
    in place, summary.json last, and nothing of the earlier run stays."""
    import errno

    import engine.outputs.folder as outputs

    out = tmp_path / "out"
    assert _analyze(SEPSIS, out, "--stages", "sepsis") == 0

    def busy(new, old):
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(outputs, "_exchange", busy)
    assert _analyze(RECEIPT, out) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"edges.parquet", "variants.parquet", "activities.parquet", "summary.json"}
    assert json.loads((out / "summary.json").read_text())["events"] == 8_577
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_out_folder_in_a_read_only_tree_is_staged_inside_it(tmp_path, monkeypatch):
    """A mounted --out whose parent takes no files: the run stages and locks inside the
    folder and replaces its files in place."""
    import engine.outputs.folder as outputs

    out = tmp_path / "out"
    assert _analyze(SEPSIS, out, "--stages", "sepsis") == 0
    real = os.access
    monkeypatch.setattr(
        outputs.os, "access", lambda p, mode: False if str(p) == str(tmp_path) else real(p, mode)
    )
    assert _analyze(RECEIPT, out) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {"edges.parquet", "variants.parquet", "activities.parquet", "summary.json"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
