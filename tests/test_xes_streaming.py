"""XES is streamed: every finished element is freed, so that memory stays flat in the
size of the file whatever it holds besides events (log, trace and nested attributes,
globals, extensions). Peak memory is measured in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import engine

REPO = Path(__file__).resolve().parents[1]
PAD = '<string key="note" value="' + "x" * 40 + '"/>\n'
CHUNK = PAD * 2_000


def write_padded_xes(path: Path, megabytes: int) -> int:
    """An XES of about `megabytes` MB, nearly all of it non-event elements (log, trace
    and nested attributes, a global), around 4 traces of 3 events. Returns its events."""
    share = megabytes * 1_000_000 * 2 // 13  # 6.5 shares in all

    def pad(out, size: int) -> None:
        for _ in range(max(1, size // len(CHUNK))):
            out.write(CHUNK)

    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n')
        out.write('<global scope="event">\n')
        pad(out, share)
        out.write("</global>\n")
        pad(out, share)  # log-level attributes
        for t in range(4):
            out.write(f'<trace><string key="concept:name" value="t{t}"/>\n')
            pad(out, share // 2)  # trace-level attributes before the events
            for e in range(3):
                out.write(
                    f'<event><string key="concept:name" value="a{e}"/>'
                    f'<date key="time:timestamp" value="2024-01-0{e + 1}T00:00:00Z"/>'
                    '<list key="nested">'
                )
                if e == 1:
                    pad(out, share // 4)  # a nested attribute inside an event
                out.write("</list></event>\n")
            out.write('<list key="trace list">')
            pad(out, share // 4)
            out.write("</list></trace>\n")
        pad(out, share // 2)  # log-level attributes after the last trace
        out.write("</log>\n")
    return 12


MEASURE = """
import json, sys
from pathlib import Path
import engine

def peak_kb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

engine.read_log(sys.argv[1])  # imports and compiled kernels, on a tiny log
before = peak_kb()
log = engine.read_log(sys.argv[2])
print(json.dumps({"before_kb": before, "after_kb": peak_kb(), "events": log.n_events}))
"""


def peak_growth_mb(tmp_path: Path, path: Path) -> tuple[float, int]:
    """Growth of the peak RSS while `path` is read, in MB, and the events read."""
    tiny = tmp_path / "tiny.xes"
    write_padded_xes(tiny, 0)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(tiny), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return (figures["after_kb"] - figures["before_kb"]) / 1024, figures["events"]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_memory_stays_flat_in_the_size_of_the_xml(tmp_path):
    path = tmp_path / "padded.xes"
    events = write_padded_xes(path, 40)
    assert path.stat().st_size > 35_000_000
    growth, read = peak_growth_mb(tmp_path, path)
    assert read == events
    assert growth < 60, f"peak RSS grew by {growth:.0f} MB for a 40 MB XML"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc")
def test_memory_stays_flat_for_a_large_xml(tmp_path):
    path = tmp_path / "padded.xes"
    events = write_padded_xes(path, 400)
    growth, read = peak_growth_mb(tmp_path, path)
    assert read == events
    assert growth < 60, f"peak RSS grew by {growth:.0f} MB for a 400 MB XML"


def test_padding_is_not_taken_for_attributes_of_the_events(tmp_path):
    path = tmp_path / "padded.xes"
    write_padded_xes(path, 1)
    log = engine.read_log(path, attributes=["case:note"])
    assert log.n_events == 12 and log.n_cases == 4
    assert log.activity_names.tolist() == ["a0", "a1", "a2"]
    assert set(log.attributes["case:note"]) == {"x" * 40}
    with pytest.raises(engine.InputError, match="'note'"):  # only in nested lists
        engine.read_log(path, attributes=["note"])


def test_escaped_characters_come_back_as_text(tmp_path):
    """&amp; and character references are text, as any XML reader gives them."""
    path = tmp_path / "escaped.xes"
    path.write_text(
        '<?xml version="1.0"?><log><trace>'
        '<string key="concept:name" value="a&amp;b &lt;&gt; &#233; &#x41; &quot;"/>'
        '<event><string key="concept:name" value="x&amp;y"/>'
        '<date key="time:timestamp" value="2024-01-01T00:00:00Z"/></event></trace></log>'
    )
    log = engine.read_log(path)
    assert log.case_ids.tolist() == ['a&b <> é A "']
    assert log.activity_names.tolist() == ["x&y"]
