"""analyze(log, out, ...): the output folder of `parcours analyze`, from Python.

A batch job or a notebook gets the very folder the command line writes: every table the
options ask for (engine.outputs.registry decides which exist and what makes them),
summary.json, and the report, published at once (engine.outputs.OutputFolder). The
command line only parses its flags into AnalysisOptions, reads the log and calls this."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .errors import InputError, caller_stacklevel
from .progress import Progress

if TYPE_CHECKING:
    import pandas as pd

    from .journey import JourneyModel
    from .outputs import OutputFolder


@dataclass(frozen=True)
class AnalysisOptions:
    """What to write besides the DFG, variants and activities (the command line's flags
    of the same names)."""

    model: JourneyModel | None = None  # --stages (and --conversion, --conversion-window)
    segments: tuple[str, ...] = ()  # --segment
    channel: str | None = None  # --channel
    score: str | None = None  # --score
    score_scale: str | None = None  # --score-scale
    attribution: str | None = None  # --attribution: "touchpoint" or "channel"
    top: int = 10  # --top
    min_journeys: int = 30  # --min-journeys
    compare: str | None = None  # --compare COLUMN=A[,B]
    drift: str | None = None  # --drift PERIOD
    drift_by: str | None = None  # --drift-by
    lead_time: dict[str, Any] | None = None  # --lead-time, as ocel_lead_times keywords
    ocel_path: str | os.PathLike | None = None  # the OCEL file --lead-time reads
    timestamp_format: str | None = None
    discover: str | None = None  # --model: "inductive" or "heuristics"
    expected: Any = None  # --expected: a .bpmn/.pnml path, "stages" or "model"
    conformance_method: str = "token_replay"
    conformance_coverage: float | None = None
    report: bool = True  # not --no-report
    map_coverage: float = 0.9  # --map-coverage
    extra_summary: dict[str, Any] = field(default_factory=dict)  # added to summary.json

    @property
    def attribution_by(self) -> str | None:
        """What attribution.parquet credits: --attribution, else channels with --channel."""
        return self.attribution or ("channel" if self.channel else None)


#: The tables read again once written (by summary.json, and the DFG by the command line's
#: overview). Of the others only the first PREVIEW_ROWS rows are kept: at 100M events the
#: variants and time-to-convert tables take about 700 MB.
READ_BACK = frozenset({"actions.parquet", "attribution.parquet", "drift.parquet", "edges.parquet"})
PREVIEW_ROWS = 5


class Run:
    """One analysis being written: the log, its options, and the figures several tables
    share (the journey, its channels, the comparison), each made once."""

    def __init__(self, log: Any, options: AnalysisOptions, progress: Progress) -> None:
        self.log = log
        self.options = options
        self.progress = progress
        #: The tables written so far, by file name: whole where read again (READ_BACK),
        #: else their first PREVIEW_ROWS rows.
        self.written: dict[str, pd.DataFrame] = {}
        #: What the analysis warned about, once each (summary.json's `warnings`).
        self.warnings: list[str] = []

    @contextmanager
    def noting_warnings(self) -> Iterator[None]:
        """The block's warnings recorded for summary.json and shown on stderr (with
        --quiet too: it silences progress only); without a progress display (the Python
        API), warned again as Python warnings."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            yield
        for warning in caught:
            if not issubclass(warning.category, UserWarning):
                warnings.warn_explicit(
                    warning.message, warning.category, warning.filename, warning.lineno
                )
                continue
            text = str(warning.message)
            if text in self.warnings:
                continue
            self.warnings.append(text)
            if self.progress.show_warnings:
                self.progress.warning(text)
            else:
                warnings.warn(text, UserWarning, stacklevel=caller_stacklevel())

    @cached_property
    def journey(self) -> Any:
        """log.journey(model), its warnings (unmapped touchpoints) noted."""
        with self.noting_warnings():
            return self.log.journey(self.options.model)

    @cached_property
    def channels(self) -> Any:
        return self.journey.channels(self.options.channel)

    @cached_property
    def drift(self) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return self.journey.drift(period=self.options.drift, by=self.options.drift_by)

    @cached_property
    def comparison(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        from .slices.options import comparison

        options = self.options
        return comparison(self.log, options.model, options.compare, options.min_journeys)

    @cached_property
    def lead_times(self) -> Any:
        from .journey.related import ocel_lead_times

        options = self.options
        return ocel_lead_times(
            options.ocel_path, timestamp_format=options.timestamp_format, **options.lead_time
        )

    @cached_property
    def discovered(self) -> Any:
        from .discovery import discover_model

        return discover_model(self.log, miner=self.options.discover)

    @cached_property
    def conformance(self) -> Any:
        from .discovery import check_conformance

        options = self.options
        expected = options.expected
        if expected == "stages":
            expected = options.model
        elif expected == "model":
            expected = self.discovered
        return check_conformance(
            self.log,
            expected,
            method=options.conformance_method,
            journey_model=options.model,
            coverage=options.conformance_coverage,
            progress=False,
        )


def analyze(
    log: Any,
    out: str | os.PathLike | OutputFolder,
    options: AnalysisOptions | None = None,
    *,
    progress: Progress | None = None,
    **option_values: Any,
) -> dict[str, Any]:
    """Write the output folder of `log` (an EventLog or a DaskEventLog) into `out`, as
    `parcours analyze` does, and return summary.json's content. Options come as an
    AnalysisOptions or as its fields by name: analyze(log, "out", model=model,
    segments=("segment",)). A folder `out` of other files is refused (OutputError)."""
    from .outputs import OutputFolder

    if options is None:
        options = AnalysisOptions(**option_values)
    elif option_values:
        raise InputError("analyze: pass options= or option keywords, not both")
    progress = progress if progress is not None else Progress(enabled=False)
    folder = out if isinstance(out, OutputFolder) else OutputFolder(out)
    with folder:
        return write(folder, Run(log, options, progress))


def write(out: OutputFolder, run: Run) -> dict[str, Any]:
    """Every wanted table of the registry, then summary.json and the report, into the
    staged folder; the summary."""
    from .outputs import OUTPUTS

    summary = run.log.summary()
    written = run.written
    for entry in OUTPUTS:
        if entry.file == "conformance.parquet":
            _discovery(out, run)
        if not entry.wanted(run):
            continue
        with run.progress.step(entry.step) as note, run.noting_warnings():
            table = entry.make(run)
            out.table(entry.file, table, entry.schema)
            note["done"] = f"{len(table):,} rows"
        written[entry.file] = table if entry.file in READ_BACK else table.head(PREVIEW_ROWS)
        del table
    summary.update(_summaries(run, written))
    summary.update(run.options.extra_summary)
    if "quantiles" in summary:  # on Dask: the journey tables' too
        summary["quantiles"] = run.log.quantiles
    if run.warnings:
        summary["warnings"] = list(run.warnings)
    if run.options.report:  # the map's coverage, which `parcours report DIR` draws again
        summary["map_coverage"] = run.options.map_coverage
    out.json("summary.json", summary)
    if run.options.report:
        with run.progress.step("report.html and the process map"):
            _report(out, run)
    return summary


def _summaries(run: Run, written: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """summary.json's parts beyond the log's own: journey, lead_time, drift, compare,
    conformance, in that order."""
    options = run.options
    parts: dict[str, Any] = {}
    if options.model is not None:
        parts["journey"] = journey_summary(run, written)
    if options.lead_time is not None:
        parts["lead_time"] = run.lead_times.summary()
    if options.drift is not None:
        parts["drift"] = drift_summary(written["drift.parquet"], options)
    if options.compare is not None:
        parts["compare"] = run.comparison[1]
    if options.expected is not None:
        parts["conformance"] = run.conformance.summary()
    return parts


def journey_summary(run: Run, written: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """summary.json's `journey`: the model, unmapped touchpoints, the conversion figures,
    the channel and attribution headlines, and the actions in words."""
    model, journey, options = run.options.model, run.journey, run.options
    unmapped = journey.unmapped()
    if len(unmapped):
        names = ", ".join(unmapped["touchpoint"].head(5)) + (", ..." if len(unmapped) > 5 else "")
        run.progress.message(
            f"note: {len(unmapped):,} touchpoints are in no stage ({names}); see summary.json"
        )
    extra: dict[str, Any] = {}
    if "channels.parquet" in written:
        extra["multichannel_share"] = run.channels.multichannel_share
    if "attribution.parquet" in written:
        credits = written["attribution.parquet"]
        markov = credits[credits["model"] == "markov"].head(5)
        extra["attribution"] = {
            "by": options.attribution_by,
            "markov": dict(zip(markov["name"], markov["share"].tolist(), strict=True)),
        }
    return {
        "stages": list(model.stages),
        "touchpoints": dict(model.touchpoints),
        "conversion": conversion_summary(model.conversion),
        "unmapped_touchpoints": dict(
            zip(unmapped["touchpoint"], unmapped["events"].tolist(), strict=True)
        ),
        **journey.conversion_summary(),
        **extra,
        "actions": written["actions.parquet"]["action"].tolist(),
    }


def drift_summary(table: pd.DataFrame, options: AnalysisOptions) -> dict[str, Any]:
    flagged = table[table["significant"]]
    return {
        "period": options.drift,
        "by": options.drift_by,
        "periods": int(table["period"].nunique()),
        "significant": len(flagged),
        "flagged_periods": sorted(flagged["period"].unique().tolist()),
    }


def conversion_summary(conversion: Any) -> dict[str, Any]:
    """summary.json's conversion: activity, stage, and the window in seconds when set."""
    out = {"activity": conversion.activity, "stage": conversion.stage}
    if conversion.window is not None:
        out["window_s"] = conversion.window / 1e9
    return out


def _discovery(out: OutputFolder, run: Run) -> None:
    """model.bpmn and model.pnml (--model): files, not tables, written before conformance."""
    if run.options.discover is None:
        return
    with run.progress.step(f"{run.options.discover} miner (pm4py, from the variants)") as note:
        discovered = run.discovered
        out.file("model.bpmn", discovered.write_bpmn)
        out.file("model.pnml", discovered.write_pnml)
        note["done"] = (
            f"{len(discovered.net.places)} places, {len(discovered.net.transitions)} transitions"
        )


def _report(out: OutputFolder, run: Run) -> None:
    from .report import write_report

    written, notes = write_report(out.staging, map_coverage=run.options.map_coverage)
    for name in written:
        out.adopt(name)
    for note in notes:
        run.progress.warning(note)
