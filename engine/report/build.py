"""report.html: one self-contained page built from a batch run's output folder.

Everything the page needs is inlined (plotly.js, the charts' data, the process maps as
images), so it opens offline and can be mailed as one file. It is built from the Parquet
tables and summary.json alone, which is how `parcours report DIR` rebuilds it. Every label
from the log is escaped: the page template escapes by default, chart data is embedded as
JSON with `<`, `>` and `&` escaped, and the process maps are SVG images, which never run
scripts.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..files import write_atomically
from ..journey.actions import human
from ..outputs.registry import always_written
from . import charts
from .labels import counted, neutral
from .process_map import (
    GraphvizMissing,
    MapFailed,
    map_counts,
    process_map_source,
    render,
    within_budget,
)

REPORT = "report.html"
#: Coverage levels offered by the process map's slider (share of journeys).
MAP_LEVELS = (0.5, 0.8, 0.9, 0.95, 1.0)
#: The map's coverage when neither the caller nor summary.json names one.
DEFAULT_MAP_COVERAGE = 0.9
TABLES = (
    "edges",
    "variants",
    "activities",
    "stages",
    "stage_transitions",
    "stage_dwell",
    "funnel",
    "time_to_convert",
    "bottlenecks",
    "actions",
    "segments",
    "channels",
    "channel_mix",
    "satisfaction",
    "journey_variants",
    "compare",
)


@dataclass
class RunOutputs:
    """The tables and summary of one output folder (absent tables are None)."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame | None] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: str | Path) -> RunOutputs:
        import pyarrow.parquet as pq

        folder = Path(folder)
        summary_path = folder / "summary.json"
        if not summary_path.is_file():
            raise InputError(
                f"'{folder}' holds no summary.json: it is not the output folder of a complete "
                "run; run `parcours analyze LOG --out DIR` first"
            )
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
            tables = {
                name: pq.read_table(folder / f"{name}.parquet").to_pandas()
                if (folder / f"{name}.parquet").is_file()
                else None
                for name in TABLES
            }
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the outputs in '{folder}' ({exc})") from None
        missing = [
            file
            for file in always_written(journey=bool(summary.get("journey")))
            if tables.get(file.removesuffix(".parquet")) is None
        ]
        if missing:
            raise InputError(
                f"'{folder}' lacks {', '.join(missing)}, which the run that wrote its "
                "summary.json writes: the folder is incomplete or was edited; run `parcours "
                "analyze` again to rebuild it whole"
            )
        return cls(folder, summary, tables)

    def __getitem__(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)


@dataclass(frozen=True)
class MapImage:
    """The map asked for at `level`: its DOT source, its SVG, and the share of journeys
    it really draws whole (whole variants, so at least the level, unless the map's
    budget cut it: then `left_out` says what it left out)."""

    level: float
    coverage: float
    source: str
    svg: bytes
    left_out: str | None  # what the map's budget left out (process_map.within_budget)


def process_maps(
    run: RunOutputs, levels: tuple[float, ...] = MAP_LEVELS
) -> tuple[list[MapImage], str | None]:
    """The map at each coverage level, as SVG, within the map's budget; and a note when
    it cannot be drawn (Graphviz missing, too slow or failing: the tables are complete)."""
    images = []
    for level in levels:
        counts = map_counts(run["edges"], run["activities"], run["variants"], level)
        counts, left_out = within_budget(counts)
        source = process_map_source(
            counts, run["edges"], bottlenecks=run["bottlenecks"], actions=run["actions"]
        )
        try:
            svg = render(source, "svg")
        except GraphvizMissing as exc:
            return [], f"{exc}; then rebuild this report with `parcours report DIR`"
        except MapFailed as exc:
            return [], f"{exc}; the tables are complete"
        images.append(MapImage(level, counts.coverage, source, svg, left_out))
    return images, None


def write_report(
    folder: str | Path, *, map_coverage: float | None = None, title: str | None = None
) -> tuple[list[str], list[str]]:
    """Build report.html from the outputs in `folder` and write it there, with
    process_map.svg and process_map.png (the map at `map_coverage`), each atomically.
    Without `map_coverage`, the map is drawn at the run's (summary.json's
    `map_coverage`), else at DEFAULT_MAP_COVERAGE (a folder written before the field).
    Returns the names of the files written, and warnings (e.g. Graphviz missing: the
    page then says so in place of the map)."""
    folder = Path(folder)
    run = RunOutputs.load(folder)
    if map_coverage is None:
        map_coverage = run.summary.get("map_coverage", DEFAULT_MAP_COVERAGE)
        where = "summary.json's map_coverage"
    else:
        where = "the map coverage"
    if (
        isinstance(map_coverage, bool)
        or not isinstance(map_coverage, int | float)
        or not (0 < map_coverage <= 1)
    ):
        raise InputError(f"{where} must be a share of journeys in (0, 1]; got {map_coverage}")
    map_coverage = float(map_coverage)
    levels = tuple(sorted({*MAP_LEVELS, float(map_coverage)}))
    maps, note = process_maps(run, levels)
    written = []
    if maps:
        chosen = next(m for m in maps if m.level == map_coverage)
        files = [("process_map.svg", chosen.svg)]
        try:
            files.append(("process_map.png", render(chosen.source, "png")))
        except MapFailed as exc:
            note = f"process_map.png was not written: {exc}"
        for name, data in files:
            write_atomically(folder / name, lambda p, data=data: p.write_bytes(data))
            written.append(name)
    page = render_page(run, maps, note, map_coverage=map_coverage, title=title)
    write_atomically(folder / REPORT, lambda p: p.write_bytes(page.encode("utf-8")))
    _record_map_coverage(folder, run.summary, map_coverage)
    return [*written, REPORT], [note] if note else []


def _record_map_coverage(folder: Path, summary: dict[str, Any], map_coverage: float) -> None:
    """summary.json with `map_coverage`, the coverage the folder's map is drawn at, which
    `parcours report DIR` draws it at again (rewritten, atomically, only when it changes;
    not among the files written: it is the run's, already there)."""
    if summary.get("map_coverage") == map_coverage:
        return
    text = json.dumps(
        {**summary, "map_coverage": map_coverage}, indent=2, ensure_ascii=False, allow_nan=False
    )
    write_atomically(folder / "summary.json", lambda p: p.write_text(text + "\n", encoding="utf-8"))


def render_page(
    run: RunOutputs,
    maps: list[MapImage],
    map_note: str | None,
    *,
    map_coverage: float = DEFAULT_MAP_COVERAGE,
    title: str | None = None,
) -> str:
    """The page's HTML (see the module doc for how labels are kept inert)."""
    import jinja2
    from plotly.offline import get_plotlyjs

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("engine.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_neutral_text,
    )
    environment.filters["human"] = human
    environment.filters["pct"] = _percent
    environment.filters["num"] = _number
    environment.filters["counted"] = _counted
    environment.filters["ci"] = _interval
    summary = run.summary
    journey = summary.get("journey") or {}
    drawn = {
        "funnel": charts.funnel(run["funnel"], journey.get("journeys", summary.get("cases"))),
        "journey_map": charts.journey_map(run["funnel"], run["stages"], run["satisfaction"]),
        "sankey": charts.stage_sankey(
            run["stage_transitions"], run["stages"], run["bottlenecks"], journey.get("journeys")
        ),
        "dwell": charts.dwell_distributions(run["stage_dwell"]),
        "time_to_convert": charts.time_to_convert(run["time_to_convert"]),
        "segments": charts.segments(run["segments"]),
        "channel_switches": charts.channel_switches(run["channels"]),
        "channel_mix": charts.channel_mix(run["channel_mix"]),
        "variants": charts.variant_explorer(_either(run["journey_variants"], run["variants"])),
    }
    drawn = {name: chart for name, chart in drawn.items() if chart is not None}
    default = min(range(len(maps)), key=lambda i: abs(maps[i].level - map_coverage), default=0)
    return environment.get_template("report.html.j2").render(
        title=title or f"Journey report: {Path(str(summary.get('source', 'log'))).name}",
        summary=summary,
        journey=summary.get("journey"),
        slice_steps=[_slice_step(step) for step in summary.get("slice") or []],
        no_closed_visits=run["stage_dwell"] is not None and "dwell" not in drawn,
        no_stage_moves=_no_stage_moves(run["stage_transitions"]),
        charts=drawn,
        chart_json=_chart_json(drawn),
        plotly_js=_inline_js(get_plotlyjs()),
        maps=[
            {
                "coverage": m.coverage,
                "label": _percent(m.coverage)
                + (" (cut to fit: see the note below the map)" if m.left_out else ""),
                "src": _svg_data_url(m.svg),
                "left_out": m.left_out,
            }
            for m in maps
        ],
        map_default=default,
        map_note=map_note,
        actions=_records(run["actions"]),
        bottlenecks=_records(_bottleneck_rows(run["bottlenecks"], run["actions"], 15)),
        segments=_records(run["segments"]),
        differences=_records(_differences(run["compare"])),
        compared=summary.get("compare"),
        tests=_tests(run["compare"], summary.get("compare")),
        channels=_records(_top_abandon(run["channels"])),
        variants=_variant_rows(_either(run["journey_variants"], run["variants"])),
        stages=_records(run["stages"]),
    )


def _no_stage_moves(transitions: pd.DataFrame | None) -> bool:
    """Whether the run has stages but no journey moves from one to another (the page then
    says why it draws no Sankey)."""
    return transitions is not None and not (transitions["frequency"] > 0).any()


def _slice_step(step: dict[str, Any]) -> str:
    """One filter of summary.json's `slice` in words: "where segment == 'new'",
    "contains: touchpoints call_center; how all"."""
    if step.get("filter") == "where" and "expression" in step:
        return f"where {step['expression']}"
    options = []
    for key, value in step.items():
        if key == "filter" or value is None:
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        options.append(f"{key.replace('_', ' ')} {value}")
    name = str(step.get("filter", "filter")).replace("_", " ")
    return f"{name}: {'; '.join(options)}" if options else name


def _neutral_text(value: Any) -> Any:
    """Every value the template prints, with bidirectional controls shown (labels.py);
    markup the page builds itself (the inlined scripts and chart data) is left as it is."""
    import markupsafe

    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return neutral(value)
    return value


def _chart_json(charts: dict[str, Any]) -> str:
    """All charts as one JSON object, safe inside a <script> element."""
    text = json.dumps({name: json.loads(chart.to_json()) for name, chart in charts.items()})
    return _script_text(text)


def _svg_data_url(svg: bytes) -> str:
    """An SVG as an <img> source: images never run scripts, whatever their text says."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _inline_js(code: str) -> str:
    """Library code inlined in a <script> element: it must not contain its end tag."""
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _script_text(text: str) -> str:
    """JSON that cannot close its <script> element or open another (escapes inside
    JSON strings, the only place these characters occur in JSON)."""
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, code)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _either(first: pd.DataFrame | None, second: pd.DataFrame | None) -> pd.DataFrame | None:
    return first if first is not None else second


def _records(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None:
        return []
    return table.to_dict("records")


def _bottleneck_rows(
    table: pd.DataFrame | None, actions: pd.DataFrame | None, n: int
) -> pd.DataFrame | None:
    """The first `n` bottlenecks that journeys reach before converting, each with
    `action`: its rank in the action list (the number the page and the map show it by),
    0 when it is not listed. Rows of no such journey (steps taken only after converting,
    stages nobody visits before) are left out: their journeys, abandons and losses are
    none, and their times are those of converted customers (see the README's "Two
    populations in one row")."""
    if table is None:
        return None
    top = table[table["journeys"] > 0].sort_values("rank").head(n)
    listed: dict[tuple[str, str, str], int] = {}
    if actions is not None:
        listed = {
            (level, source, target): int(rank)
            for level, source, target, rank in zip(
                actions["level"],
                actions["source"],
                actions["target"],
                actions["rank"],
                strict=True,
            )
        }
    keys = zip(top["level"], top["source"], top["target"], strict=True)
    return top.assign(action=[listed.get(key, 0) for key in keys])


def _differences(table: pd.DataFrame | None, n: int = 20) -> pd.DataFrame | None:
    """The differences beyond chance of compare.parquet, smallest adjusted p first."""
    if table is None:
        return None
    flagged = table[table["significant"]]
    return flagged.sort_values(["p_adjusted", "table", "item"]).head(n)


def _tests(table: pd.DataFrame | None, compared: dict[str, Any] | None) -> dict[str, int]:
    """compare.parquet's rows: all, those tested (not `too_small`), those too small to
    test, and those that differ beyond chance."""
    if table is None:
        rows = int((compared or {}).get("rows", 0))
        significant = int((compared or {}).get("significant", 0))
        return {"rows": rows, "tested": rows, "too_small": 0, "significant": significant}
    too_small = int(table["too_small"].sum())
    return {
        "rows": len(table),
        "tested": len(table) - too_small,
        "too_small": too_small,
        "significant": int(table["significant"].sum()),
    }


def _top_abandon(table: pd.DataFrame | None, n: int = 10) -> pd.DataFrame | None:
    if table is None:
        return None
    switches = table[table["switch"] & (table["last_step_of_abandoned"] > 0)]
    return switches.sort_values("last_step_of_abandoned", ascending=False).head(n)


def _variant_rows(table: pd.DataFrame | None, n: int = 25) -> list[dict[str, Any]]:
    if table is None:
        return []
    rows = []
    for record in table.head(n).to_dict("records"):
        record["steps"] = list(record["variant"])
        record.setdefault("conversion_rate", float("nan"))
        rows.append(record)
    return rows


def _percent(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    value = float(value)
    if 0 < value < 0.005 and digits == 0:
        return "<1%"
    return f"{value:.{digits}%}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and not math.isfinite(value))


def _counted(value: Any, noun: str, nouns: str | None = None) -> str:
    """A count (rounded) and its noun, singular for one ("1 journey"); "–" and the plural
    for none."""
    if _missing(value):
        return f"– {nouns or noun + 's'}"
    return counted(round(float(value)), noun, nouns)


def _interval(low: Any, high: Any, *, percent: bool = False) -> str:
    """The interval " (low–high)" after a figure; nothing when either end is missing."""
    if _missing(low) or _missing(high):
        return ""
    if percent:
        return f" ({_percent(low, 1)}–{_percent(high, 1)})"
    return f" ({_number(low)}–{_number(high)})"


def _number(value: Any, digits: int = 0) -> str:
    if value is None or (isinstance(value, float | np.floating) and not math.isfinite(value)):
        return "–"
    return f"{float(value):,.{digits}f}"
