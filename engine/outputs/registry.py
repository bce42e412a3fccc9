"""The registry of output files: for each table `parcours analyze` may write, its file
name, its schema (stated once, in the figure's own module), the call that makes it, and
the options that turn it on. `engine.run.analyze` loops over it to write a folder, the
output folder casts each table to its schema from it, and the tests and the README check
against it: the column lists exist once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from ..discovery.conformance import CONFORMANCE_SCHEMA
from ..figures.activities import ACTIVITY_SCHEMA
from ..figures.attribution import ATTRIBUTION_SCHEMA
from ..figures.channels import MIX_SCHEMA, SWITCH_SCHEMA
from ..figures.edges import EDGE_SCHEMA
from ..figures.satisfaction import SATISFACTION_SCHEMA
from ..figures.stages import FUNNEL_SCHEMA, STAGE_SCHEMA, TRANSITION_SCHEMA
from ..figures.variants import VARIANT_SCHEMA
from ..journey.actions import ACTION_SCHEMA
from ..journey.bottlenecks import BOTTLENECK_SCHEMA
from ..journey.conversion import KM_SCHEMA
from ..journey.distributions import DWELL_SCHEMA
from ..journey.related import LEAD_TIME_SCHEMA
from ..journey.segments import SEGMENT_SCHEMA
from ..journey.variants import JOURNEY_VARIANT_SCHEMA
from ..schema import TEXT, table_schema
from ..slices.comparison import COMPARE_SCHEMA
from ..slices.drift import DRIFT_SCHEMA

if TYPE_CHECKING:
    from ..run import Run

#: The journey tables that --stages alone writes, in the order they are made.
_JOURNEY = (
    ("stages.parquet", STAGE_SCHEMA, "stages"),
    ("stage_transitions.parquet", TRANSITION_SCHEMA, "transitions"),
    ("funnel.parquet", FUNNEL_SCHEMA, "funnel"),
    ("time_to_convert.parquet", KM_SCHEMA, "time_to_convert"),
    ("stage_dwell.parquet", DWELL_SCHEMA, "dwell_histogram"),
    ("journey_variants.parquet", JOURNEY_VARIANT_SCHEMA, "variant_outcomes"),
)


@dataclass(frozen=True)
class Output:
    """One table of the output folder."""

    file: str
    schema: pa.Schema
    figure: str  # the call that makes it, as a notebook would write it
    flags: tuple[str, ...]  # the parcours analyze options that turn it on; () for always
    make: Callable[[Run], pd.DataFrame]  # the table, for a run (engine.run)
    wanted: Callable[[Run], bool]  # whether the run's options ask for it
    step: str  # the progress line's label

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.schema.names)


def _always(run: Run) -> bool:
    return True


def _journey(run: Run) -> bool:
    return run.options.model is not None


def _journey_table(method: str) -> Callable[[Run], pd.DataFrame]:
    return lambda run: getattr(run.journey, method)()


def _segments(run: Run) -> pd.DataFrame:
    frames = [
        run.journey.segments(column, min_journeys=run.options.min_journeys).assign(attribute=column)
        for column in run.options.segments
    ]
    return pd.concat(frames, ignore_index=True)


OUTPUTS: tuple[Output, ...] = (
    Output("edges.parquet", EDGE_SCHEMA, "log.dfg()", (), lambda r: r.log.dfg(), _always,
           "directly-follows graph"),
    Output("variants.parquet", VARIANT_SCHEMA, "log.variants()", (), lambda r: r.log.variants(),
           _always, "variants"),
    Output("activities.parquet", ACTIVITY_SCHEMA, "log.activities()", (),
           lambda r: r.log.activities(), _always, "activities"),
    *(
        Output(file, schema, f"journey.{method}()", ("--stages",), _journey_table(method),
               _journey, file.removesuffix(".parquet").replace("_", " "))
        for file, schema, method in _JOURNEY
    ),
    Output("bottlenecks.parquet", BOTTLENECK_SCHEMA, "journey.bottlenecks(min_journeys=)",
           ("--stages", "--min-journeys"),
           lambda r: r.journey.bottlenecks(min_journeys=r.options.min_journeys), _journey,
           "bottlenecks"),
    Output("actions.parquet", ACTION_SCHEMA, "journey.actions(top=, min_journeys=)",
           ("--stages", "--top"),
           lambda r: r.journey.actions(top=r.options.top, min_journeys=r.options.min_journeys),
           _journey, "actions"),
    Output("segments.parquet", table_schema(("attribute", TEXT), SEGMENT_SCHEMA),
           "journey.segments(column) for each --segment, with `attribute` naming it",
           ("--stages", "--segment"), _segments,
           lambda r: _journey(r) and bool(r.options.segments), "segments"),
    Output("channels.parquet", SWITCH_SCHEMA, "journey.channels(column).switches",
           ("--stages", "--channel"), lambda r: r.channels.switches,
           lambda r: _journey(r) and bool(r.options.channel), "channels"),
    Output("channel_mix.parquet", MIX_SCHEMA, "journey.channels(column).mix",
           ("--stages", "--channel"), lambda r: r.channels.mix,
           lambda r: _journey(r) and bool(r.options.channel), "channel mix"),
    Output("attribution.parquet", ATTRIBUTION_SCHEMA, "journey.attribution(by=, channel=)",
           ("--stages", "--attribution", "--channel"),
           lambda r: r.journey.attribution(by=r.options.attribution_by, channel=r.options.channel),
           lambda r: _journey(r) and r.options.attribution_by is not None, "attribution"),
    Output("satisfaction.parquet", SATISFACTION_SCHEMA, "journey.satisfaction(column, scale=)",
           ("--stages", "--score"),
           lambda r: r.journey.satisfaction(r.options.score, scale=r.options.score_scale),
           lambda r: _journey(r) and bool(r.options.score), "satisfaction"),
    Output("lead_times.parquet", LEAD_TIME_SCHEMA, "engine.ocel_lead_times(path, ...).pairs",
           ("--lead-time",), lambda r: r.lead_times.pairs,
           lambda r: r.options.lead_time is not None, "lead times"),
    Output("drift.parquet", DRIFT_SCHEMA, "journey.drift(period=, by=)",
           ("--stages", "--drift", "--drift-by"), lambda r: r.drift,
           lambda r: r.options.drift is not None, "drift"),
    Output("compare.parquet", COMPARE_SCHEMA, "engine.compare(log_a, log_b, model)",
           ("--compare",), lambda r: r.comparison[0],
           lambda r: r.options.compare is not None, "comparison"),
    Output("conformance.parquet", CONFORMANCE_SCHEMA,
           "engine.discovery.check_conformance(log, expected).variants", ("--expected",),
           lambda r: r.conformance.variants, lambda r: r.options.expected is not None,
           "conformance"),
)  # fmt: skip

#: File name → schema, for the output folder and the tests.
SCHEMAS: dict[str, pa.Schema] = {output.file: output.schema for output in OUTPUTS}


def output(file: str) -> Output:
    """The registry entry of a file."""
    for entry in OUTPUTS:
        if entry.file == file:
            return entry
    raise KeyError(file)


def always_written(*, journey: bool) -> list[str]:
    """The files every run writes: the process tables, and with `journey` (--stages) the
    journey tables that need no other option. A folder without one of them is not a
    whole run's (parcours report checks)."""
    wanted = (_always, _journey) if journey else (_always,)
    return [o.file for o in OUTPUTS if o.wanted in wanted]


def describe() -> list[dict[str, Any]]:
    """The registry as plain rows (file, columns, figure, flags), e.g. for documentation."""
    return [
        {"file": o.file, "columns": list(o.columns), "figure": o.figure, "flags": list(o.flags)}
        for o in OUTPUTS
    ]
