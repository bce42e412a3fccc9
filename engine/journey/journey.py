"""The Journey: a log seen through a journey model, on either backend.

Every table is a figure of engine.figures (stages, transitions and funnel, conversion,
segments, dwell, journey variants, bottlenecks and actions, channels, satisfaction,
attribution), run on the log's parts through `log.reduce`: on one machine the log is its
one part. `Journey.visits` and `.moves` list the stage visits one by one (one machine).
The definitions are in the figures' modules (figures/stages.py for visits, dwell and the
funnel).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError, caller_stacklevel
from ..figures import conversion
from ..figures.activities import counts as activity_counts
from ..figures.bottlenecks import bottleneck_table
from ..figures.context import (
    JourneySpec,
    check_column,
    part_conversions,
)
from ..figures.conversion import ConversionPartial, conversion_partial
from ..figures.order import warn_about_the_log
from ..figures.quantiles import QuantileSource, quantile_source
from ..figures.segments import segment_table
from ..figures.stages import (
    StageFigures,
    funnel_table,
    stage_figures,
    stage_table,
    transition_table,
    unmapped_table,
)
from ..kernels.activities import EVENTS
from ..kernels.stages import stage_visits, visit_moves
from .actions import action_table
from .bottlenecks import outcome_touchpoints
from .conversion import Conversions
from .model import JourneyModel
from .segments import horizon_nanoseconds
from .visits import Moves, Visits

if TYPE_CHECKING:
    from ..figures.channels import ChannelTables
    from ..log.eventlog import EventLog


class Journey:
    """A log seen through a journey model: stages, transitions, funnel, conversion,
    bottlenecks, actions, segments, channels, satisfaction, attribution.

    On either backend: `log` is an EventLog (its one part), or a log given as parts
    (DaskEventLog, LocalParts). Every figure is a reduction of engine.figures run through
    `log.reduce`; `source` says where medians and p90 come from (the durations on one
    machine, merged sketches refined by a second round on parts)."""

    def __init__(
        self,
        log: EventLog,
        model: JourneyModel,
        *,
        source: QuantileSource | None = None,
    ) -> None:
        self.log = log
        self.model = model
        #: Where medians and p90 come from: the durations (one machine), or merged sketches
        #: refined by the parts' second round (a log given as parts has a quantile cache).
        if source is None:
            source = quantile_source(log)
        self.source = source
        names = list(log.activity_names)  # checked against the log read (a slice's parent's)
        self.unmapped_names = model.unmapped_touchpoints(names, list(log.read_activities))
        self.stage_of_activity = model.stage_codes(list(log.activity_names))
        self._bottlenecks: dict[tuple[str | None, int, float], pd.DataFrame] = {}
        self._km_tables: dict[float, pd.DataFrame] = {}  # by confidence

    @cached_property
    def figures(self) -> StageFigures:
        """Stage and move counts and dwell statistics (engine.figures.stages)."""
        return stage_figures(self.log.reduce, self.spec, self.source)

    @cached_property
    def visits(self) -> Visits:
        self._one_machine("visits")
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

    @property
    def quantiles(self) -> dict[str, str]:
        """How each table's medians and p90 were computed so far: on Dask "exact" or
        "sketch" (engine.analysis.exact); on one machine always exact (empty)."""
        return self.source.methods

    @cached_property
    def spec(self) -> JourneySpec:
        """The terms the figures count the log's parts in (engine.figures.context)."""
        return JourneySpec(self.model, self.log.activity_names, self.log.observed_until)

    @cached_property
    def conversions(self) -> Conversions:
        """Per case: converted, time to convert, time observed (see conversion.py)."""
        self._one_machine("conversions")
        return part_conversions(self.log, self.model, self.log.observed_until)

    @cached_property
    def _conversion(self) -> ConversionPartial:
        return conversion_partial(self.log.reduce, self.spec, self.source.whole)

    def time_to_convert(self, *, confidence: float = 0.95) -> pd.DataFrame:
        """Kaplan–Meier estimate of the share of journeys converted by each time, journeys
        not yet converted at the end of the log censored (KM_COLUMNS); on Dask, on the
        sketches' buckets (engine.figures.conversion)."""
        return self._km_table(confidence).copy()

    def conversion_summary(self, *, confidence: float = 0.95) -> dict[str, float]:
        """Conversion rate (Wilson interval) and time to convert (see conversion.py)."""
        km = self._km_table(confidence)
        return conversion.summary(
            self._conversion, self.spec, self.source, km, confidence=confidence
        )

    def _km_table(self, confidence: float) -> pd.DataFrame:
        """The Kaplan–Meier table, made once: one row per conversion time, so millions of
        rows (and a sort of every journey) on a large log."""
        if confidence not in self._km_tables:
            found = conversion.time_to_convert(self._conversion, confidence=confidence)
            self._km_tables[confidence] = found
        return self._km_tables[confidence]

    def dwell_histogram(self, *, per_decade: int = 4) -> pd.DataFrame:
        """Closed visits per stage and bin of a log time scale (engine.figures.dwell)."""
        from ..figures.dwell import dwell_histogram

        return dwell_histogram(self.log.reduce, self.spec, self.figures, per_decade=per_decade)

    def variant_outcomes(self, *, top: int | None = None) -> pd.DataFrame:
        """The log's variants with how many of their journeys convert
        (engine.figures.variant_outcomes)."""
        from ..figures.variant_outcomes import variant_outcomes

        table = self.log.variants(top=top)
        return variant_outcomes(self.log.reduce, self.spec, self.source.whole, table)

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
        if column is not None:
            check_column(self.log.attributes, column)
        horizon_ns = horizon_nanoseconds(horizon, period, self.conversion_summary)
        return segment_table(
            self.log.reduce,
            self.spec,
            self.source,
            column,
            period,
            horizon_ns,
            confidence=confidence,
            min_journeys=min_journeys,
        )

    def channels(self, column: str, *, confidence: float = 0.95) -> ChannelTables:
        """Channel switches, multichannel share, conversion by channels used
        (engine.figures.channels)."""
        from ..figures.channels import channel_tables

        check_column(self.log.attributes, column)
        return channel_tables(self.log.reduce, self.spec, column, confidence=confidence)

    def satisfaction(
        self, column: str, *, scale: str | None = None, confidence: float = 0.95
    ) -> pd.DataFrame:
        """Scores per touchpoint and stage, and low scores against abandoning
        (engine.figures.satisfaction)."""
        from ..figures.satisfaction import satisfaction_table

        check_column(self.log.attributes, column)
        return satisfaction_table(
            self.log.reduce, self.spec, column, scale=scale, confidence=confidence
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
            if channel is not None:
                check_column(self.log.attributes, channel)
            self._bottlenecks[key] = bottleneck_table(
                self.log.reduce,
                self.spec,
                self.source,
                self.figures,
                self._stage_table,
                self.log.n_cases,
                channel=channel,
                min_journeys=min_journeys,
                confidence=confidence,
            )
            _warn_outcomes(self._bottlenecks[key], min_journeys)
            warn_about_the_log(self.log)
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
        engine.figures.attribution)."""
        from ..figures.attribution import attribution_table

        if by == "channel" and channel is None:
            raise InputError("attribution(by='channel') needs channel='COLUMN', the channel column")
        if channel is not None:
            check_column(self.log.attributes, channel)
        if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 1:
            raise InputError(f"n_boot must be a whole number of at least 1; got {n_boot!r}")
        return attribution_table(
            self.log.reduce,
            self.spec,
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

        self._one_machine("compare")
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

        self._one_machine("drift")
        return drift_table(
            self,
            period=period,
            by=by,
            horizon=horizon,
            confidence=confidence,
            min_journeys=min_journeys,
            fdr=fdr,
        )

    def _one_machine(self, what: str) -> None:
        """One message for what a log given as parts does not offer."""
        if not self.source.whole:
            raise InputError(
                f"{what} runs on one machine for now: read the log without backend='dask'"
            )

    def _event_column(self, name: str) -> pd.Series:
        check_column(self.log.attributes, name)
        return self.log.attributes[name]

    def unmapped(self) -> pd.DataFrame:
        """Touchpoints of the log that the model does not map: `touchpoint`, `events`."""
        counts = activity_counts(self.log)[EVENTS]  # shared with log.activities()
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


def _warn_outcomes(table: pd.DataFrame, min_journeys: int) -> None:
    """Say which mapped touchpoints look like outcomes (bottlenecks.outcome_touchpoints):
    the steps into them would otherwise read as the largest losses without a word."""
    found = outcome_touchpoints(table, min_journeys)
    if len(found):
        listed = ", ".join(f"'{name}' ({n:,} journeys)" for name, n in found.head(5).items())
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        warnings.warn(
            f"no journey converts after {listed}{more}: if these record an outcome (declined, "
            "cancelled) rather than a step, leave them out of the stage mapping, or every step "
            "into them is ranked as losing conversions by construction",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )


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
