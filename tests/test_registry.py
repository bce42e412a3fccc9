"""The output registry (engine/outputs/registry.py) is the one list of output files: each
entry's columns are its figure's, its flags are real options of `parcours analyze`, and
the README documents every file and column it lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.cli import build_parser
from engine.outputs import OUTPUTS, SCHEMAS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _readme_row(file: str) -> str:
    rows = [
        line for line in README.splitlines() if re.match(rf"^\| `(DIR/)?{re.escape(file)}`", line)
    ]
    assert len(rows) == 1, f"the README's output tables should have one row for {file}"
    return rows[0]


@pytest.mark.parametrize("entry", OUTPUTS, ids=[o.file for o in OUTPUTS])
def test_the_readme_documents_every_column(entry):
    row = _readme_row(entry.file)
    documented = set(re.findall(r"`([a-z_0-9]+)`", row))
    for other in re.findall(r"`([a-z_]+\.parquet)`", row):  # "the columns of compare.parquet"
        if other != entry.file:
            documented |= set(SCHEMAS[other].names)
    missing = [c for c in entry.columns if c not in documented]
    assert not missing, f"README row of {entry.file} lacks {missing}"


def test_every_flag_is_an_option_of_analyze():
    parser = build_parser()
    analyze = next(
        action.choices["analyze"]
        for action in parser._actions
        if getattr(action, "choices", None) and "analyze" in action.choices
    )
    options = {flag for action in analyze._actions for flag in action.option_strings}
    for entry in OUTPUTS:
        assert set(entry.flags) <= options, (entry.file, set(entry.flags) - options)


def test_one_entry_per_file_and_a_table_per_schema():
    files = [o.file for o in OUTPUTS]
    assert len(files) == len(set(files)) == len(SCHEMAS)
    for entry in OUTPUTS:
        assert entry.file.endswith(".parquet") and entry.columns == tuple(SCHEMAS[entry.file].names)
        assert len(set(entry.columns)) == len(entry.columns), entry.file
