"""ISO 8601 timestamps parsed by the CSV reader itself (io/csv.py) give the log the text
path gives, value for value, on every kind of timestamp column: naive, with offsets,
with blanks, null tokens, mixed forms, dates only, and values no parser knows (the same
one-line error)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine.io import csv as csv_reader

KEYS = {"case": "case", "activity": "activity", "timestamp": "ts"}

COLUMNS = {
    "naive": ["2024-01-01 10:00:00", "2024-01-01 10:05:00.25", "2024-01-02T09:00:00"],
    "offsets": ["2024-01-01T10:00:00Z", "2024-01-01 10:05:00+02:00", "2024-01-02 09:00:00Z"],
    "dates": ["2024-01-01", "2024-01-03", "2024-01-02"],
    "blank": ["2024-01-01 10:00:00", "", "2024-01-02 09:00:00"],
    "whitespace": ["2024-01-01 10:00:00", "  ", "2024-01-02 09:00:00"],
    "NA token": ["2024-01-01 10:00:00", "NA", "2024-01-02 09:00:00"],
    "mixed offsets": ["2024-01-01 10:00:00", "2024-01-01 10:05:00Z", "2024-01-02 09:00:00"],
    "other format": ["01/02/2024 10:00", "01/03/2024 10:00", "01/04/2024 10:00"],
    "late offset": ["2024-01-01 10:00:00", "2024-01-01 11:00:00", "2024-01-02 09:00:00+01:00"],
    "unparseable": ["2024-01-01 10:00:00", "soon", "2024-01-02 09:00:00"],
}


def _write(tmp_path, name: str, values: list[str], repeat: int) -> str:
    rows = ["case,activity,ts"]
    for k in range(repeat):  # many rows, so that the reader's first block is not all
        for i, value in enumerate(values):
            rows.append(f"c{k % 50},a{i},{value}")
    path = tmp_path / f"{name.replace(' ', '_')}.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def _read(path: str):
    try:
        log = engine.read_log(path, **KEYS)
    except engine.InputError as error:
        return ("error", str(error))
    return (
        log.timestamp.copy(),
        log.case_offsets.copy(),
        log.activity.copy(),
        log.timezone_aware,
        log.dropped.as_dict(),
    )


@pytest.mark.parametrize("kind", list(COLUMNS))
@pytest.mark.parametrize("repeat", [1, 3_000])
def test_the_reader_parses_timestamps_as_the_text_path_does(tmp_path, monkeypatch, kind, repeat):
    path = _write(tmp_path, kind, COLUMNS[kind], repeat)
    fast = _read(path)
    monkeypatch.setattr(csv_reader, "_iso_types", lambda *args: {})
    text = _read(path)
    assert type(fast) is type(text)
    if isinstance(fast[0], str):
        assert fast == text
        assert "\n" not in fast[1]
        return
    for got, want in zip(fast, text, strict=True):
        if isinstance(want, np.ndarray):
            np.testing.assert_array_equal(got, want)
        else:
            assert got == want


def test_the_reader_parses_iso_timestamps_itself(tmp_path, monkeypatch):
    """The fast path is taken where it applies (and not where a null would be hidden)."""
    read = []
    original = csv_reader._read

    def spy(path, parse, columns, types, **kwargs):
        read.append(str(types.get("ts")))
        return original(path, parse, columns, types, **kwargs)

    monkeypatch.setattr(csv_reader, "_read", spy)
    engine.read_log(_write(tmp_path, "naive", COLUMNS["naive"], 10), **KEYS)
    assert read == ["timestamp[ns]"]
    read.clear()
    engine.read_log(_write(tmp_path, "offsets", COLUMNS["offsets"], 10), **KEYS)
    assert read == ["timestamp[ns, tz=UTC]"]
    read.clear()
    engine.read_log(_write(tmp_path, "blank", COLUMNS["blank"], 10), **KEYS)
    assert read == ["string"]  # a blank in the first block: the text path at once
    read.clear()
    late = _write(tmp_path, "late", COLUMNS["naive"], 5_000)
    with open(late, "a") as out:
        out.write("c1,a1,\n")  # a blank past the first block becomes a null: read as text
    engine.read_log(late, **KEYS)
    assert read == ["timestamp[ns]", "string"]
