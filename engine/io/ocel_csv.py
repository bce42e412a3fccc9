"""OCEL 1.0 flat CSV into OcelData, read row by row: one row per event, an
`ocel:type:TYPE` column per object type holding lists of object ids as pm4py writes them."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

from ..errors import InputError, one_line
from .ocel_data import OcelData, set_object_type

CSV_TYPE_PREFIX = "ocel:type:"
_CSV_KEYS = ("ocel:eid", "ocel:activity", "ocel:timestamp")


def read_csv(path: Path) -> OcelData:
    """Read row by row. Object columns (ocel:type:TYPE) hold Python-style lists of ids,
    e.g. ['o1', 'o2'], as pm4py writes them; an empty or blank cell is no object."""
    data = OcelData(time_field="ocel:timestamp")
    try:
        with open(path, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            header = next(reader, None)
            if header is None:
                raise InputError(f"'{path}' is empty")
            missing = [c for c in _CSV_KEYS if c not in header]
            kinds = {i: c[len(CSV_TYPE_PREFIX) :] for i, c in enumerate(header)}
            kinds = {i: k for i, k in kinds.items() if header[i].startswith(CSV_TYPE_PREFIX)}
            if missing or not kinds:
                lacking = missing + ([] if kinds else ["ocel:type:<type> columns"])
                raise InputError(
                    f"'{path}' is not an OCEL 1.0 CSV: it lacks {', '.join(lacking)}; "
                    "read a plain CSV with read_log instead"
                )
            data.declared = list(kinds.values())
            keys = [header.index(c) for c in _CSV_KEYS]
            plain = [i for i, c in enumerate(header) if i not in kinds and i not in keys]
            for line, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    raise InputError(
                        f"'{path}' line {line} has {len(row)} fields, the header "
                        f"{len(header)}; fix the quoting or the separator"
                    )
                values = [row[i] or None for i in keys]
                attributes = {header[i]: row[i] for i in plain if row[i] != ""}
                index = data.add_event(*values, attributes)
                for i, kind in kinds.items():
                    for object_id in _csv_objects(row[i], header[i], line, path):
                        set_object_type(data, object_id, {"type": kind}, "type", path)
                        data.relate(index, object_id)
    except UnicodeDecodeError as exc:
        raise InputError(f"'{path}' is not UTF-8 text ({one_line(exc)})") from None
    except csv.Error as exc:
        raise InputError(f"'{path}' is not a readable CSV ({one_line(exc)})") from None
    return data


def _csv_objects(cell: str, column: str, line: int, path: Path) -> list:
    text = cell.strip()
    if not text:
        return []
    try:
        parsed = ast.literal_eval(text) if text.startswith("[") else None
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        parsed = None
    if not isinstance(parsed, list) or any(
        not isinstance(v, str | int) or isinstance(v, bool) for v in parsed
    ):
        raise InputError(
            f"'{path}' line {line}, column '{column}' holds {cell[:60]!r}, not a list of "
            "object ids such as ['o1', 'o2']; fix the cell or leave it empty"
        )
    return [str(v) for v in parsed]
