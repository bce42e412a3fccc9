"""Stage analytics: dwell times per stage, transitions between stages, the stage funnel.

A `Journey` binds a log to a journey model. The counts and dwell times of stages and of
moves between them come from one two-pass kernel over the events (`Journey.figures`, see
kernels.stages.stage_pass), without a row per visit; `Journey.visits` lists the visits
when they are wanted one by one. Definitions:

- a visit is a maximal run of a case's consecutive mapped events in one stage; events of
  unmapped touchpoints neither form nor split visits (they are listed in `unmapped()`);
- a visit's dwell runs from its first event to the first event of the next visit; a case's
  last visit is open (censored) and counted apart, never in the dwell statistics;
- the funnel counts, for each stage, the journeys whose furthest stage (in stage order)
  is at least that stage: `reached`, of which `converted` convert. Conversion to the next
  stage is reached[k+1] / reached[k]; the drop-off at a stage is the journeys whose
  furthest stage it is and that never convert: a converted customer who goes no further
  than after-sales has not dropped off. `visited` counts journeys with any visit to the
  stage, in whatever order. Journeys with no mapped event reach no stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..analysis.activities import activity_event_counts
from ..errors import InputError
from ..kernels.grouping import chunk_count
from ..kernels.stages import (
    MOVE_CASES,
    MOVE_COUNT,
    STAGE_CASES,
    STAGE_FURTHEST,
    STAGE_FURTHEST_ABANDONED,
    STAGE_OPEN,
    STAGE_VISITS,
    stage_pass,
    stage_visits,
    visit_moves,
)
from ..kernels.stats import MAX, MEAN, MEDIAN, P90, group_order_stats
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from .actions import action_table
from .bottlenecks import bottleneck_table, converting_targets
from .channels import ChannelTables, channel_tables
from .columns import category_codes
from .conversion import (
    Conversions,
    case_conversions,
    conversion_summary,
    km_table,
    within_window,
)
from .model import JourneyModel
from .satisfaction import satisfaction_table
from .segments import case_segments, horizon_nanoseconds, segment_table

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

STAGE_SCHEMA = table_schema(
    stage=TEXT,
    order=INT,
    visits=INT,
    cases=INT,
    closed_visits=INT,
    mean_s=FLOAT,
    median_s=FLOAT,
    p90_s=FLOAT,
    max_s=FLOAT,
    open_visits=INT,
)
STAGE_COLUMNS = tuple(STAGE_SCHEMA.names)
TRANSITION_SCHEMA = table_schema(
    source=TEXT,
    target=TEXT,
    frequency=INT,
    cases=INT,
    backward=BOOL,
    median_s=FLOAT,
)
TRANSITION_COLUMNS = tuple(TRANSITION_SCHEMA.names)
FUNNEL_SCHEMA = table_schema(
    stage=TEXT,
    order=INT,
    reached=INT,
    share=FLOAT,
    visited=INT,
    conversion_to_next=FLOAT,
    drop_off=INT,
    drop_off_share=FLOAT,
    converted=INT,
)
FUNNEL_COLUMNS = tuple(FUNNEL_SCHEMA.names)


@dataclass(frozen=True)
class Visits:
    """One row per stage visit, in case order then time order."""

    case: np.ndarray  # int64 case index
    stage: np.ndarray  # int32 stage index
    first_event: np.ndarray  # int64 index of the visit's first event in the log
    start: np.ndarray  # int64 ns
    end: np.ndarray  # int64 ns: next visit's start (closed) or last mapped event (open)
    open: np.ndarray  # bool: the case's last visit


@dataclass(frozen=True)
class Moves:
    """One row per move from a visit to the next visit of the same case."""

    key: np.ndarray  # int64 source stage * n_stages + target stage
    case: np.ndarray  # int64 case index
    arrival: np.ndarray  # int64 index of the event the move arrives at
    dwell: np.ndarray  # int64 ns spent in the source visit


@dataclass(frozen=True)
class StageFigures:
    """What the stage tables and the stage steps need, from one pass over the events
    (kernels.stages.stage_pass)."""

    per_stage: np.ndarray  # int64 (8, n_stages): as kernels.stages.stage_pass
    keys: np.ndarray  # int64 keys (source * n_stages + target) of the moves that occur
    per_move: np.ndarray  # int64 (5, len(keys)): moves, cases, journeys, converting, abandoned
    move_stats: np.ndarray  # float64 (7, len(keys)): dwell statistics (kernels.stats rows)
    stage_stats: np.ndarray  # float64 (7, n_stages): closed-visit dwell, no STDEV


class Journey:
    """A log seen through a journey model: stages, transitions, funnel."""

    def __init__(self, log: EventLog, model: JourneyModel) -> None:
        self.log = log
        self.model = model
        self.unmapped_names = model.unmapped_touchpoints(list(log.activity_names))
        self.stage_of_activity = model.stage_codes(list(log.activity_names))
        self._bottlenecks: dict[tuple[str | None, int, float], pd.DataFrame] = {}
        self._km_tables: dict[float, pd.DataFrame] = {}  # by confidence

    @cached_property
    def figures(self) -> StageFigures:
        """Stage and move counts and dwell statistics (see StageFigures)."""
        log = self.log
        n_stages = len(self.model.stages)
        per_stage, per_move, grouped, offsets = stage_pass(
            log.activity,
            log.case_offsets,
            log.timestamp,
            self.stage_of_activity,
            n_stages,
            self.conversions.at_event,
            ~converting_targets(self.model, log.activity_names)[1],
            chunk_count(log.n_cases, n_stages * n_stages),
        )
        keys = np.flatnonzero(per_move[MOVE_COUNT])
        # A stage's closed visits are the moves out of it: keys s * n_stages ... in a row.
        by_stage = np.ascontiguousarray(offsets[::n_stages])
        return StageFigures(
            per_stage=per_stage,
            keys=keys,
            per_move=per_move[:, keys],
            move_stats=group_order_stats(grouped, offsets)[:, keys],
            stage_stats=group_order_stats(grouped, by_stage),
        )

    @cached_property
    def visits(self) -> Visits:
        return Visits(
            *stage_visits(
                self.log.activity, self.log.case_offsets, self.log.timestamp, self.stage_of_activity
            )
        )

    @cached_property
    def moves(self) -> Moves:
        """Moves between consecutive visits of a case (see Moves)."""
        v = self.visits
        return Moves(
            *visit_moves(v.case, v.stage, v.first_event, v.start, v.end, len(self.model.stages))
        )

    @cached_property
    def conversions(self) -> Conversions:
        """Per case: converted, time to convert, time observed (see conversion.py)."""
        converts = converting_activities(self.model, self.log.activity_names)
        found = case_conversions(
            self.log.activity,
            self.log.case_offsets,
            self.log.timestamp,
            converts,
            window_end=self.log.observed_until,
        )
        return within_window(found, self.model.conversion.window)

    def time_to_convert(self, *, confidence: float = 0.95) -> pd.DataFrame:
        """Kaplan–Meier estimate of the share of journeys converted by each time, journeys
        not yet converted at the end of the log censored (KM_COLUMNS)."""
        return self._km_table(confidence).copy()

    def conversion_summary(self, *, confidence: float = 0.95) -> dict[str, float]:
        """Conversion rate (Wilson interval) and time to convert (see conversion.py)."""
        return conversion_summary(
            self.conversions, confidence=confidence, km=self._km_table(confidence)
        )

    def _km_table(self, confidence: float) -> pd.DataFrame:
        """The Kaplan–Meier table, made once: one row per conversion time, so millions of
        rows (and a sort of every journey) on a large log."""
        if confidence not in self._km_tables:
            self._km_tables[confidence] = km_table(self.conversions, confidence=confidence)
        return self._km_tables[confidence]

    def dwell_histogram(self, *, per_decade: int = 4) -> pd.DataFrame:
        """Closed visits per stage and bin of a log time scale (see distributions.py)."""
        from .distributions import dwell_histogram

        return dwell_histogram(self, per_decade=per_decade)

    def variant_outcomes(self, *, top: int | None = None) -> pd.DataFrame:
        """The log's variants with how many of their journeys convert (variants.py)."""
        from .variants import variant_outcomes

        return variant_outcomes(self, top=top)

    def segments(
        self,
        column: str | None = None,
        *,
        period: str | None = None,
        horizon: str | pd.Timedelta | None = "auto",
        confidence: float = 0.95,
        min_journeys: int = 30,
    ) -> pd.DataFrame:
        """Conversion per segment with Wilson intervals and a Holm-adjusted test against
        the rest (see segments.py). The segment is `column`'s value at each journey's first
        event, or with `period` ('D', 'W', 'M', 'Q', 'Y') the period the journey began in.
        `horizon` ('30D', a Timedelta; None: none) compares journeys at a common age;
        "auto" uses one for periods only, the 90th percentile of the time to convert."""
        if (column is None) == (period is None):
            raise InputError("segments: give a case attribute column, or period='M' (etc.)")
        check_min_journeys(min_journeys)
        values = self._event_column(column) if column is not None else None
        codes, names = case_segments(self.log, values, period)
        horizon_ns = horizon_nanoseconds(horizon, period, self.conversion_summary)
        return segment_table(
            codes,
            names,
            self.conversions,
            confidence=confidence,
            min_journeys=min_journeys,
            horizon_ns=horizon_ns,
        )

    def channels(self, column: str, *, confidence: float = 0.95) -> ChannelTables:
        """Channel switches, multichannel share, conversion by channels used (channels.py)."""
        return channel_tables(
            self._event_column(column),
            self.log.case_offsets,
            self.conversions,
            confidence=confidence,
        )

    def satisfaction(
        self, column: str, *, scale: str | None = None, confidence: float = 0.95
    ) -> pd.DataFrame:
        """Scores per touchpoint and stage, and low scores against abandoning (satisfaction.py)."""
        raw = self._event_column(column)
        if pd.api.types.is_float_dtype(raw.dtype) or pd.api.types.is_integer_dtype(raw.dtype):
            scores = raw.to_numpy(dtype=float, na_value=np.nan)  # no copy of float64 values
        else:
            values = pd.to_numeric(raw, errors="coerce")
            unreadable = values.isna() & raw.notna()
            if unreadable.any():
                rows = np.flatnonzero(unreadable.to_numpy())
                raise InputError(
                    f"score column '{column}' has {len(rows):,} values that are not numbers "
                    f"(e.g. {raw.iloc[rows[0]]!r}); clean them or map another column"
                )
            scores = values.to_numpy(dtype=float, na_value=np.nan)
        return satisfaction_table(
            scores,
            self.log.activity,
            self.log.activity_names,
            self.stage_of_activity,
            self.model.stages,
            self.log.case_offsets,
            self.conversions,
            name=column,
            scale=scale,
            confidence=confidence,
        )

    def bottlenecks(
        self,
        *,
        channel: str | None = None,
        min_journeys: int = 30,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """Touchpoint transitions, stage transitions (split by `channel` too, when given)
        and stages ranked by the conversions they lose, then by total waiting time (see
        bottlenecks.py)."""
        check_min_journeys(min_journeys)
        key = (channel, min_journeys, confidence)
        if key not in self._bottlenecks:
            codes, names = category_codes(self._event_column(channel)) if channel else (None, None)
            self._bottlenecks[key] = bottleneck_table(
                self,
                min_journeys=min_journeys,
                confidence=confidence,
                channel=codes,
                channel_names=names,
            )
        return self._bottlenecks[key].copy()

    def actions(
        self,
        *,
        top: int = 10,
        channel: str | None = None,
        min_journeys: int = 30,
        confidence: float = 0.95,
    ) -> pd.DataFrame:
        """The top bottlenecks as plain-language, prioritized actions with their numbers
        and the estimated impact (lost conversions with a confidence interval)."""
        check_top(top)
        table = self.bottlenecks(channel=channel, min_journeys=min_journeys, confidence=confidence)
        return action_table(table, top=top, min_journeys=min_journeys, confidence=confidence)

    def attribution(
        self,
        *,
        by: str = "touchpoint",
        channel: str | None = None,
        half_life: str | pd.Timedelta = "7D",
        confidence: float = 0.95,
        n_boot: int = 200,
    ) -> pd.DataFrame:
        """Conversions credited to touchpoints (by="touchpoint") or to the channels of
        `channel` (by="channel") under first touch, last touch, linear, time decay and
        the Markov removal effect, with bootstrap intervals for the latter (see
        attribution.py)."""
        from .attribution import attribution_table

        if by == "channel" and channel is None:
            raise InputError("attribution(by='channel') needs channel='COLUMN', the channel column")
        if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
            raise InputError(f"n_boot must be a whole number of at least 1; got {n_boot!r}")
        return attribution_table(
            self,
            by=by,
            channel=channel,
            half_life=half_life,
            confidence=confidence,
            n_boot=int(n_boot),
        )

    def compare(
        self,
        by: str,
        a: object,
        b: object | None = None,
        *,
        confidence: float = 0.95,
        min_journeys: int = 30,
        fdr: float = 0.05,
    ) -> pd.DataFrame:
        """Journeys whose `by` value at their first event is `a` against those where it
        is `b` (None: all the others): edges, variants, funnel, conversion and stage
        dwell side by side, each difference with an interval and a BH-adjusted p-value
        (engine.slices.comparison)."""
        from ..slices import compare_logs

        self._event_column(by)
        side_a = self.log.filter.attribute(by, [a])
        if b is None:
            side_b = self.log.filter.attribute(by, [a], keep=False)
        else:
            side_b = self.log.filter.attribute(by, [b])
        return compare_logs(
            side_a,
            side_b,
            self.model,
            confidence=confidence,
            min_journeys=min_journeys,
            fdr=fdr,
        )

    def drift(
        self,
        *,
        period: str = "W",
        by: str | None = None,
        horizon: str | pd.Timedelta | None = "auto",
        confidence: float = 0.95,
        min_journeys: int = 30,
        fdr: float = 0.05,
    ) -> pd.DataFrame:
        """Each period's journeys against the period before: where the share taking a
        step, the conversion (at a common horizon) or a stage's dwell changed beyond
        chance, and with `by` which segment carries it (engine.slices.drift)."""
        from ..slices.drift import drift_table

        return drift_table(
            self,
            period=period,
            by=by,
            horizon=horizon,
            confidence=confidence,
            min_journeys=min_journeys,
            fdr=fdr,
        )

    def _event_column(self, name: str) -> pd.Series:
        if name not in self.log.attributes:
            raise InputError(
                f"column '{name}' was not read with the log; pass attributes=['{name}'] to "
                "read_log (--segment, --channel and --score do this on the command line)"
            )
        return self.log.attributes[name]

    def unmapped(self) -> pd.DataFrame:
        """Touchpoints of the log that the model does not map: `touchpoint`, `events`."""
        counts = activity_event_counts(self.log)  # shared with log.activities()
        return unmapped_table(self.log.activity_names, counts, self.stage_of_activity)

    def stages(self) -> pd.DataFrame:
        """Per stage, in stage order: visits, cases visiting, and dwell statistics (seconds)
        of closed visits; open (last) visits counted apart. See STAGE_COLUMNS."""
        return self._stage_table.copy()

    @cached_property
    def _stage_table(self) -> pd.DataFrame:
        return stage_table(self.model.stages, self.figures)

    def transitions(self) -> pd.DataFrame:
        """Moves between consecutive visits of a case: `source`, `target` stages,
        `frequency`, `cases`, `backward` (to an earlier stage), `median_s` (dwell in the
        source before moving). Most frequent first."""
        return transition_table(self.model.stages, self.figures)

    def funnel(self) -> pd.DataFrame:
        """The stage funnel in stage order (see the module doc and FUNNEL_COLUMNS)."""
        return funnel_table(self.model.stages, self.figures, self.log.n_cases)


def check_min_journeys(min_journeys: int) -> None:
    """One message for a `min_journeys` that is not a positive whole number."""
    if (
        isinstance(min_journeys, bool)
        or not isinstance(min_journeys, (int, np.integer))
        or min_journeys < 1
    ):
        raise InputError(f"min_journeys must be a whole number of at least 1; got {min_journeys!r}")


def check_top(top: int) -> None:
    """One message for a `top` that is not a whole number of at least 0."""
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 0:
        raise InputError(f"top must be a whole number of at least 0; got {top!r}")


# -- the tables, from figures (shared with the merged partials of engine.journey.partials)
def converting_activities(model: JourneyModel, activity_names: np.ndarray) -> np.ndarray:
    """Per activity code: whether an event of it converts the journey."""
    conversion = model.conversion
    if conversion.activity is not None:
        return np.asarray(activity_names == conversion.activity)
    stage = model.stage_order(conversion.stage)
    return model.stage_codes(list(activity_names)) == stage


def unmapped_table(
    activity_names: np.ndarray, counts: np.ndarray, stage_of_activity: np.ndarray
) -> pd.DataFrame:
    """`touchpoint`, `events` of the activities mapped to no stage, most events first."""
    codes = np.flatnonzero((stage_of_activity < 0) & (counts > 0))
    frame = pd.DataFrame(
        {
            "touchpoint": pd.Series(activity_names[codes], dtype="str"),
            "events": counts[codes].astype(np.int64),
        }
    )
    return frame.sort_values(["events", "touchpoint"], ascending=[False, True]).reset_index(
        drop=True
    )


def stage_table(stages: list[str], f: StageFigures) -> pd.DataFrame:
    """Per stage, in stage order: STAGE_COLUMNS."""
    n_stages = len(stages)
    visits, open_visits, cases = f.per_stage[[STAGE_VISITS, STAGE_OPEN, STAGE_CASES]]
    closed = np.bincount(f.keys // n_stages, weights=f.per_move[MOVE_COUNT], minlength=n_stages)
    return pd.DataFrame(
        {
            "stage": pd.Series(stages, dtype="str"),
            "order": np.arange(n_stages, dtype=np.int64),
            "visits": visits.copy(),
            "cases": cases.copy(),
            "closed_visits": closed.astype(np.int64),
            "mean_s": f.stage_stats[MEAN],
            "median_s": f.stage_stats[MEDIAN],
            "p90_s": f.stage_stats[P90],
            "max_s": f.stage_stats[MAX],
            "open_visits": open_visits.copy(),
        }
    )


def transition_table(stages: list[str], f: StageFigures) -> pd.DataFrame:
    """TRANSITION_COLUMNS, most frequent first."""
    n_stages = len(stages)
    if f.keys.size == 0:
        return pd.DataFrame({c: [] for c in TRANSITION_COLUMNS}).astype(
            {
                "source": "str",
                "target": "str",
                "frequency": np.int64,
                "cases": np.int64,
                "backward": bool,
                "median_s": float,
            }
        )
    keys, frequency, cases, stats = f.keys, *f.per_move[[MOVE_COUNT, MOVE_CASES]], f.move_stats
    names = np.asarray(stages, dtype=object)
    frame = pd.DataFrame(
        {
            "source": pd.Series(names[keys // n_stages], dtype="str"),
            "target": pd.Series(names[keys % n_stages], dtype="str"),
            "frequency": frequency.astype(np.int64),
            "cases": cases.astype(np.int64),
            "backward": (keys % n_stages) < (keys // n_stages),
            "median_s": stats[MEDIAN],
        }
    )
    return frame.sort_values(
        ["frequency", "source", "target"], ascending=[False, True, True]
    ).reset_index(drop=True)


def funnel_table(stages: list[str], f: StageFigures, n_cases: int) -> pd.DataFrame:
    """FUNNEL_COLUMNS in stage order (see the module doc)."""
    n_stages = len(stages)
    at_most = f.per_stage[STAGE_FURTHEST]
    reached = at_most[::-1].cumsum()[::-1]
    dropped = f.per_stage[STAGE_FURTHEST_ABANDONED].copy()  # furthest there, never converting
    converted = (at_most - dropped)[::-1].cumsum()[::-1]
    visited = f.per_stage[STAGE_CASES].copy()
    following = np.append(reached[1:], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        conversion = np.where(reached > 0, following / reached, np.nan)
        drop_share = np.where(reached > 0, dropped / reached, np.nan)
    conversion[-1] = np.nan
    return pd.DataFrame(
        {
            "stage": pd.Series(stages, dtype="str"),
            "order": np.arange(n_stages, dtype=np.int64),
            "reached": reached.astype(np.int64),
            "share": reached / n_cases,
            "visited": visited,
            "conversion_to_next": conversion,
            "drop_off": dropped.astype(np.int64),
            "drop_off_share": drop_share,
            "converted": converted.astype(np.int64),
        }
    )
