"""The output folder of a batch run: Parquet tables and summary.json, written atomically.

Files are first written to a staging folder inside the output folder, then moved into
place with atomic renames, summary.json last: a folder holding summary.json is complete,
and a failed run leaves no half-written file under a final name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import OutputError, one_line

SUMMARY = "summary.json"

SCHEMAS: dict[str, pa.Schema] = {
    "edges.parquet": pa.schema(
        [
            ("source", pa.string()),
            ("target", pa.string()),
            ("frequency", pa.int64()),
            ("cases", pa.int64()),
            ("mean_s", pa.float64()),
            ("median_s", pa.float64()),
            ("p90_s", pa.float64()),
            ("min_s", pa.float64()),
            ("max_s", pa.float64()),
            ("stdev_s", pa.float64()),
        ]
    ),
    "variants.parquet": pa.schema(
        [
            ("variant", pa.list_(pa.string())),
            ("frequency", pa.int64()),
            ("share", pa.float64()),
            ("median_duration_s", pa.float64()),
        ]
    ),
    "activities.parquet": pa.schema(
        [
            ("activity", pa.string()),
            ("frequency", pa.int64()),
            ("cases", pa.int64()),
            ("start", pa.int64()),
            ("end", pa.int64()),
        ]
    ),
}


class OutputFolder:
    """Stage files, then publish them all at once with `commit()`."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(prefix=".parcours-staging-", dir=self.path))
        except OSError as exc:
            raise OutputError(
                f"cannot create the output folder '{self.path}' ({one_line(exc)}); "
                "choose another --out or fix its permissions"
            ) from None
        self.names: list[str] = []

    def _stage(self, name: str, write: Callable[[Path], None]) -> None:
        target = self.staging / name
        try:
            write(target)
        except OSError as exc:
            raise OutputError(
                f"cannot write '{name}' ({one_line(exc)}); is the disk full?"
            ) from None
        self.names.append(name)

    def table(self, name: str, frame: pd.DataFrame) -> None:
        schema = SCHEMAS[name]
        table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
        # Plain Arrow types only: pandas metadata would tie readers to this pandas version.
        table = table.replace_schema_metadata(None)
        self._stage(name, lambda p: pq.write_table(table, p))

    def json(self, name: str, payload: dict[str, Any]) -> None:
        def write(p: Path) -> None:
            p.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

        self._stage(name, write)

    def commit(self) -> None:
        """Move staged files into place, summary.json last; remove the staging folder."""
        try:
            (self.path / SUMMARY).unlink(missing_ok=True)
            for name in sorted(self.names, key=lambda n: n == SUMMARY):
                os.replace(self.staging / name, self.path / name)
        except OSError as exc:
            raise OutputError(f"cannot move results into '{self.path}' ({one_line(exc)})") from None
        finally:
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()
