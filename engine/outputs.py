"""The output folder of a batch run: Parquet tables and summary.json, written atomically.

Files are first written to a staging folder inside the output folder, then moved into
place with atomic renames, summary.json last: a folder holding summary.json is complete,
and a failed run leaves no half-written file under a final name.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .arrowtext import is_text
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


def _schema(**columns: pa.DataType) -> pa.Schema:
    return pa.schema(list(columns.items()))


_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()

#: The journey tables `parcours analyze --stages ...` adds (documented in the README).
SCHEMAS.update(
    {
        "stages.parquet": _schema(
            stage=_S,
            order=_I,
            visits=_I,
            cases=_I,
            closed_visits=_I,
            mean_s=_F,
            median_s=_F,
            p90_s=_F,
            max_s=_F,
            open_visits=_I,
        ),
        "stage_transitions.parquet": _schema(
            source=_S, target=_S, frequency=_I, cases=_I, backward=_B, median_s=_F
        ),
        "funnel.parquet": _schema(
            stage=_S,
            order=_I,
            reached=_I,
            share=_F,
            visited=_I,
            conversion_to_next=_F,
            drop_off=_I,
            drop_off_share=_F,
            converted=_I,
        ),
        "time_to_convert.parquet": _schema(
            time_s=_F,
            at_risk=_I,
            converted=_I,
            censored=_I,
            conversion=_F,
            conversion_low=_F,
            conversion_high=_F,
        ),
        "bottlenecks.parquet": _schema(
            rank=_I,
            level=_S,
            source=_S,
            target=_S,
            journeys=_I,
            share_of_journeys=_F,
            frequency=_I,
            total_wait_s=_F,
            mean_s=_F,
            median_s=_F,
            p90_s=_F,
            conversion_rate=_F,
            abandoned_after=_I,
            abandon_share=_F,
            best_alternative=_S,
            best_alternative_rate=_F,
            lost_conversions=_F,
            lost_low=_F,
            lost_high=_F,
            comparable=_B,
            alternative_journeys=_I,
            alternative_rate=_F,
            lost_alone=_F,
            lost_alone_low=_F,
            lost_alone_high=_F,
            share_of_lost=_F,
        ),
        "actions.parquet": _schema(
            rank=_I,
            action=_S,
            level=_S,
            source=_S,
            target=_S,
            lost_conversions=_F,
            lost_low=_F,
            lost_high=_F,
            journeys=_I,
            share_of_journeys=_F,
            median_wait_s=_F,
            abandon_share=_F,
            total_wait_s=_F,
            share_of_lost=_F,
        ),
        "segments.parquet": _schema(
            attribute=_S,
            segment=_S,
            journeys=_I,
            converted=_I,
            conversion_rate=_F,
            rate_low=_F,
            rate_high=_F,
            rest_rate=_F,
            difference=_F,
            p_value=_F,
            p_adjusted=_F,
            significant=_B,
            median_time_to_convert_s=_F,
            too_small=_B,
            followed=_I,
            horizon_s=_F,
            too_recent=_B,
        ),
        "attribution.parquet": _schema(
            by=_S,
            model=_S,
            name=_S,
            conversions=_F,
            share=_F,
            conversions_low=_F,
            conversions_high=_F,
            removal_effect=_F,
            removal_effect_low=_F,
            removal_effect_high=_F,
        ),
        "channels.parquet": _schema(
            source_channel=_S,
            target_channel=_S,
            switch=_B,
            transitions=_I,
            cases=_I,
            last_step_of_abandoned=_I,
            share_of_abandoned=_F,
        ),
        "channel_mix.parquet": _schema(
            channels_used=_I,
            journeys=_I,
            converted=_I,
            conversion_rate=_F,
            rate_low=_F,
            rate_high=_F,
        ),
        "stage_dwell.parquet": _schema(stage=_S, order=_I, bin_start_s=_F, bin_end_s=_F, visits=_I),
        "journey_variants.parquet": _schema(
            variant=pa.list_(_S),
            frequency=_I,
            share=_F,
            converted=_I,
            conversion_rate=_F,
            median_duration_s=_F,
        ),
        "conformance.parquet": _schema(
            variant=pa.list_(_S),
            frequency=_I,
            share=_F,
            fitness=_F,
            fits=_B,
            deviations=pa.list_(_S),
            converted=_I,
            conversion_rate=_F,
        ),
        "satisfaction.parquet": _schema(
            level=_S,
            name=_S,
            stage=_S,
            answers=_I,
            mean_score=_F,
            score_low=_F,
            score_high=_F,
            share_low=_F,
            too_small=_B,
            journeys_low=_I,
            abandon_rate_low=_F,
            journeys_not_low=_I,
            abandon_rate_not_low=_F,
            difference=_F,
            p_value=_F,
            p_adjusted=_F,
        ),
    }
)


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """`write(partial)` to a temporary name beside `path` (same suffix, which some writers
    check), then rename: a reader never sees a half-written file under the final name."""
    path = Path(path)
    partial = path.with_name(f".partial-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(partial)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(f"cannot write '{path}' ({one_line(exc)})") from None
    return path


def _text_columns(schema: pa.Schema) -> list[str]:
    """The Parquet paths of the text columns (lists of text included): only text repeats
    enough to gain from dictionary pages. A column of distinct numbers (the times of a
    Kaplan–Meier table) only pays for trying: writing such a table took 4 times longer."""
    paths = []
    for field in schema:
        kind = field.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            if is_text(kind.value_type):
                paths.append(f"{field.name}.list.element")
        elif is_text(kind):
            paths.append(field.name)
    return paths


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
        text = _text_columns(schema)
        self._stage(name, lambda p: pq.write_table(table, p, use_dictionary=text or False))

    def file(self, name: str, write: Callable[[Path], None]) -> None:
        """Stage a file that `write(path)` writes (a model, the report)."""
        self._stage(name, write)

    def adopt(self, name: str) -> None:
        """Publish a file something else already wrote into the staging folder."""
        if not (self.staging / name).is_file():
            raise OutputError(f"'{name}' was not written")  # pragma: no cover
        self.names.append(name)

    def json(self, name: str, payload: dict[str, Any]) -> None:
        """Strict JSON: NaN and infinities (no value) become null."""
        text = json.dumps(_plain(payload), indent=2, ensure_ascii=False, allow_nan=False)

        def write(p: Path) -> None:
            p.write_text(text + "\n", encoding="utf-8")

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
