"""Side by side: parcours, pm4py, DuckDB and Polars on the same journey log, same machine.

Each tool runs in a fresh Python process (so peak memory is its own) on the same Parquet
file (or, with `--format csv`, the same log as CSV, each tool with its own CSV reader)
and computes the same things: the directly-follows graph with frequencies, case
counts and duration statistics, and the variants with their case counts. The script checks
that the tools agree on the number of edges and variants, then prints seconds (median of
`--repeat` runs), events per second, peak memory and the ratios to pm4py.

    python benchmarks/compare.py --events 5000000          # generates the log if needed
    python benchmarks/compare.py --log my.parquet --case customer_id --activity touchpoint \
        --timestamp ts --tools parcours,pm4py --json results/compare.json

pm4py's pipeline is `format_dataframe`, `discover_dfg`, `discover_performance_dfg` and
`get_variants`; parcours' is `read_log`, `dfg()` (which includes the durations) and
`variants()`. Reading the file counts for every tool.

Times are steady-state: in each process the tool first runs once on the log's first 1,000
rows, so that one-time start-up (lazy imports, numba loading its compiled kernels from
the on-disk cache: about 0.5 s for parcours) is not counted; that first call's time is
reported as `first_call_seconds`. parcours also runs once before any timing, so that its
kernel cache exists, as after any first use of an installation, and its Python modules are
compiled to bytecode first, as `pip install` does: run from a checkout with
PYTHONDONTWRITEBYTECODE set, every fresh process would otherwise compile engine's source
again (about 0.2 s), which no installed copy does and no peer, installed as a wheel, pays.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # engine from this checkout, not an installed copy

# Each tool runs with its own defaults. Importing engine (to generate a log) sets Arrow's
# allocator for this process; children must not inherit that unless the user chose it.
USER_ARROW_POOL = os.environ.get("ARROW_DEFAULT_MEMORY_POOL")

TOOLS = ("parcours", "pm4py", "duckdb", "polars")
#: Not a tool but a measure of the hardware: see roofline.py.
ROOFLINE = "roofline"


# -- the work each tool does, run inside a child process ----------------------------------
def run_parcours(path: str, case: str, activity: str, timestamp: str) -> dict:
    import engine

    baseline = _rss_mb()
    start = time.perf_counter()
    log = engine.read_log(path, case=case, activity=activity, timestamp=timestamp)
    read = time.perf_counter()
    edges = log.dfg()
    dfg = time.perf_counter()
    variants = log.variants()
    end = time.perf_counter()
    rows = edges[["source", "target", "frequency", "cases", "median_s"]].itertuples(index=False)
    return {
        "seconds": end - start,
        "stages": {"read_log": read - start, "dfg+performance": dfg - read, "variants": end - dfg},
        "events": log.n_events,
        "edges": len(edges),
        "variants": len(variants),
        "edge_digest": edge_digest(rows),
        "rss_after_import_mb": baseline,
    }


def run_roofline(path: str, case: str, activity: str, timestamp: str) -> dict:
    """The streaming pass and the engine's kernels on the same built log (not timed:
    building it)."""
    from roofline import kernel_seconds, roofline

    import engine

    log = engine.read_log(path, case=case, activity=activity, timestamp=timestamp)
    count, _ = roofline(log)
    seconds = kernel_seconds(log)
    return {
        "seconds": seconds["roofline"],
        "stages": seconds,
        "events": log.n_events,
        "pairs": int(count.sum()),
        "cases": log.n_cases,
        "edges": int(np.count_nonzero(count)),
        "rss_after_import_mb": _rss_mb(),
    }


def run_pm4py(path: str, case: str, activity: str, timestamp: str) -> dict:
    import pandas as pd
    import pm4py

    baseline = _rss_mb()
    start = time.perf_counter()
    if _is_csv(path):
        frame = pd.read_csv(path, usecols=[case, activity, timestamp])
        frame[timestamp] = pd.to_datetime(frame[timestamp], utc=True, format="ISO8601")
    else:
        frame = pd.read_parquet(path, columns=[case, activity, timestamp])
    # pm4py mis-scales durations of microsecond timestamps (pandas 3's default): use ns.
    frame[timestamp] = frame[timestamp].astype("datetime64[ns, UTC]")
    read = time.perf_counter()
    frame = pm4py.format_dataframe(
        frame, case_id=case, activity_key=activity, timestamp_key=timestamp
    )
    formatted = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(frame)
    counted = time.perf_counter()
    pm4py.discover_performance_dfg(frame)
    timed = time.perf_counter()
    variants = pm4py.get_variants(frame)
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "stages": {
            "read_parquet": read - start,
            "format_dataframe": formatted - read,
            "discover_dfg": counted - formatted,
            "discover_performance_dfg": timed - counted,
            "get_variants": end - timed,
        },
        "events": len(frame),
        "edges": len(dfg),
        "variants": len(variants),
        "rss_after_import_mb": baseline,
    }


def run_duckdb(path: str, case: str, activity: str, timestamp: str) -> dict:
    """The queries a DuckDB user would write: the Parquet file read once with its row
    numbers (ties in input order, no ROW_NUMBER() window), the edges from one LEAD
    window over (case, time, row), exact variants grouped by the full ordered list. A CSV
    file is read with DuckDB's parallel CSV reader into a table whose rowid, in insertion
    (file) order, numbers the rows."""
    import duckdb

    baseline = _rss_mb()
    con = duckdb.connect()
    start = time.perf_counter()
    if _is_csv(path):
        con.execute(
            f"""CREATE TEMP TABLE raw AS
            SELECT "{case}" AS c, CAST("{activity}" AS VARCHAR) AS a, "{timestamp}" AS t
            FROM read_csv('{path}')"""
        )
        con.execute("CREATE TEMP VIEW ev AS SELECT c, a, t, rowid AS r FROM raw")
    else:
        con.execute(
            f"""CREATE TEMP TABLE ev AS
            SELECT "{case}" AS c, CAST("{activity}" AS VARCHAR) AS a, "{timestamp}" AS t,
                   file_row_number AS r
            FROM read_parquet('{path}', file_row_number = true)"""
        )
    read = time.perf_counter()
    edges = con.execute(
        """WITH pairs AS (
            SELECT c, a AS src, lead(a) OVER w AS dst,
                   epoch_ns(lead(t) OVER w) - epoch_ns(t) AS d
            FROM ev WINDOW w AS (PARTITION BY c ORDER BY t, r))
        SELECT src, dst, count(*) AS frequency, count(DISTINCT c) AS cases,
               avg(d) / 1e9, median(d) / 1e9, quantile_cont(d, 0.9) / 1e9,
               min(d) / 1e9, max(d) / 1e9, stddev_samp(d) / 1e9
        FROM pairs WHERE dst IS NOT NULL GROUP BY src, dst"""
    ).fetchall()
    dfg = time.perf_counter()
    # Exact variants: group by the full sequence (a list), not by a hash of it.
    variants = con.execute(
        """SELECT seq, count(*) FROM (
            SELECT c, list(a ORDER BY t, r) AS seq FROM ev GROUP BY c) GROUP BY seq"""
    ).fetchall()
    end = time.perf_counter()
    events = con.execute("SELECT count(*) FROM ev").fetchone()[0]
    return {
        "seconds": end - start,
        "stages": {"load": read - start, "dfg+performance": dfg - read, "variants": end - dfg},
        "events": events,
        "edges": len(edges),
        "variants": len(variants),
        "edge_digest": edge_digest((r[0], r[1], r[2], r[3], r[5]) for r in edges),
        "rss_after_import_mb": baseline,
    }


def run_polars(path: str, case: str, activity: str, timestamp: str) -> dict:
    """The query a Polars expert writes: the activity cast to Categorical before one
    stable sort by (case, time); a global shift(-1) of activity, case and time with a
    same-case mask instead of window expressions; one group_by on (a, b) for every
    statistic; variants as group_by(case, maintain_order=True).agg(list) then
    group_by(list).len()."""
    import polars as pl

    baseline = _rss_mb()
    start = time.perf_counter()
    if _is_csv(path):
        raw = pl.read_csv(path, columns=[case, activity, timestamp], try_parse_dates=True)
    else:
        raw = pl.read_parquet(path, columns=[case, activity, timestamp])
    frame = raw.with_columns(pl.col(activity).cast(pl.String).cast(pl.Categorical)).sort(
        [case, timestamp], maintain_order=True
    )
    read = time.perf_counter()
    same_case = pl.col(case).shift(-1) == pl.col(case)
    pairs = frame.select(
        pl.col(case).alias("c"),
        pl.col(activity).alias("src"),
        pl.col(activity).shift(-1).alias("dst"),
        (pl.col(timestamp).shift(-1) - pl.col(timestamp)).dt.total_nanoseconds().alias("d"),
        same_case.alias("same"),
    ).filter(pl.col("same"))
    seconds = pl.col("d") / 1e9
    edges = pairs.group_by(["src", "dst"]).agg(
        pl.len().alias("frequency"),
        pl.col("c").n_unique().alias("cases"),
        seconds.mean().alias("mean"),
        seconds.median().alias("median"),
        seconds.quantile(0.9, interpolation="linear").alias("p90"),
        seconds.min().alias("min"),
        seconds.max().alias("max"),
        seconds.std().alias("stdev"),
    )
    dfg = time.perf_counter()
    variants = (
        frame.group_by(case, maintain_order=True)
        .agg(pl.col(activity).alias("seq"))
        .group_by("seq")
        .len()
    )
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "stages": {"read+sort": read - start, "dfg+performance": dfg - read, "variants": end - dfg},
        "events": frame.height,
        "edges": edges.height,
        "variants": variants.height,
        "edge_digest": edge_digest(
            edges.select(["src", "dst", "frequency", "cases", "median"]).iter_rows()
        ),
        "rss_after_import_mb": baseline,
    }


def _is_csv(path: str) -> bool:
    return str(path).endswith(".csv")


def edge_digest(rows) -> list:
    """The edges' figures to check across tools: [source, target, frequency, cases,
    median seconds], sorted (a few hundred rows: the edges, not the events)."""
    return sorted([str(a), str(b), int(f), int(c), float(m)] for a, b, f, c, m in rows)


def edge_disagreement(tables: dict[str, list]) -> str | None:
    """Where the tools' edge figures differ (medians within 1e-6 s count as equal)."""
    names = list(tables)
    first = tables[names[0]]
    for name in names[1:]:
        other = tables[name]
        if [r[:4] for r in other] != [r[:4] for r in first]:
            return f"{name} and {names[0]} differ in edges, frequencies or cases"
        worst = max((abs(a[4] - b[4]) for a, b in zip(first, other, strict=True)), default=0)
        if worst > 1e-6:
            return f"{name} and {names[0]} medians differ by up to {worst:.3g} s"
    return None


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    """Resident memory now."""
    now = _status_mb("VmRSS")
    return now if now is not None else _peak_mb()


def _peak_mb() -> float:
    """Peak resident memory of this process. VmHWM, unlike ru_maxrss, does not inherit the
    parent's peak across fork and exec."""
    peak = _status_mb("VmHWM")
    if peak is not None:
        return peak
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(tool: str, path: str, warmup: str, case: str, activity: str, timestamp: str) -> None:
    """Run `tool` once on the small warm-up log, then time it on the log; with no
    warm-up log (a fresh process, as a batch job), once on the log alone."""
    run = globals()[f"run_{tool}"]
    if warmup == "none":
        result = run(path, case, activity, timestamp)
        result["peak_rss_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    first = run(warmup, case, activity, timestamp)
    result = run(path, case, activity, timestamp)
    result["warmup_seconds"] = first["seconds"]
    result["rss_after_import_mb"] = first["rss_after_import_mb"]
    result["peak_rss_mb"] = _peak_mb()
    print(json.dumps(result))


# -- the parent: runs the children and reports ---------------------------------------------
def measure(tool: str, args: argparse.Namespace, *, fresh: bool = False) -> dict:
    """One child run: steady state (after a warm-up in the same process: a notebook's
    repeat call), or fresh (`seconds_fresh_process`: the child's whole wall time, the
    interpreter's start, imports and kernel loading included: a batch job)."""
    command = [
        sys.executable,
        __file__,
        "--child",
        tool,
        "--log",
        str(args.log),
        "--warmup-log",
        "none" if fresh else str(args.warmup_log),
        "--case",
        args.case,
        "--activity",
        args.activity,
        "--timestamp",
        args.timestamp,
    ]
    env = dict(os.environ)
    if USER_ARROW_POOL is None:
        env.pop("ARROW_DEFAULT_MEMORY_POOL", None)
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"compare: {tool} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if fresh:
        result["seconds_fresh_process"] = wall
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--log", type=Path, help="Parquet or CSV (.csv) log (default: a generated one)"
    )
    parser.add_argument("--events", type=int, default=5_000_000, help="size of a generated log")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--shape",
        choices=("generator", "warehouse"),
        default="generator",
        help="generated log: the generator's (text ids, dictionary-encoded touchpoints) or a "
        "warehouse export's (int64 customer ids, plain-text touchpoints)",
    )
    parser.add_argument(
        "--format",
        choices=("parquet", "csv"),
        default="parquet",
        help="generated log: read from Parquet, or from the same log written as CSV",
    )
    parser.add_argument("--case", default="customer_id")
    parser.add_argument("--activity", default="touchpoint")
    parser.add_argument("--timestamp", default="ts")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (median shown)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--warmup-log", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=(*TOOLS, ROOFLINE), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(
            args.child,
            str(args.log),
            str(args.warmup_log),
            args.case,
            args.activity,
            args.timestamp,
        )
        return 0

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        parser.error(f"unknown tools {unknown}; choose from {', '.join(TOOLS)}")
    if args.log is None:
        args.log = _generated_log(args.events, args.seed, args.shape)
        if args.format == "csv":
            args.log = _as_csv(args.log)
    args.warmup_log = _warmup_log(args)
    if "parcours" in tools:
        _compile_bytecode()
        measure("parcours", args)  # fills the compiled-kernel cache; not timed
    runs: dict[str, list[dict]] = {tool: [] for tool in tools}
    for round_ in range(args.repeat):
        for tool in tools:
            result = measure(tool, args)
            fresh = measure(tool, args, fresh=True)
            result["seconds_fresh_process"] = fresh["seconds_fresh_process"]
            runs[tool].append(result)
            print(
                f"round {round_ + 1}/{args.repeat} {tool:9s} {result['seconds']:8.2f} s "
                f"(fresh process {fresh['seconds_fresh_process']:6.2f} s) "
                f"{result['peak_rss_mb']:8.0f} MB",
                file=sys.stderr,
            )
    kernels = None
    if "parcours" in tools:
        print("timing the kernels against the roofline ...", file=sys.stderr)
        kernels = measure(ROOFLINE, args)
    report = _report(runs, args, kernels)
    _print(report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    disagreements = report["disagreements"]
    if disagreements:
        print("the tools disagree: " + "; ".join(disagreements), file=sys.stderr)
        return 1
    return 0


def _generated_log(events: int, seed: int, shape: str = "generator") -> Path:
    from engine.datasets.synthetic import write_parquet

    suffix = "" if shape == "generator" else "_warehouse"
    path = Path("bench-data") / f"journeys_{events}_seed{seed}_shuffled{suffix}.parquet"
    if not path.exists():
        print(f"generating {path} ({events:,} events, rows shuffled) ...", file=sys.stderr)
        if shape == "generator":
            write_parquet(path, events, seed=seed, chunk_events=events)
        else:
            _warehouse_log(path, events, seed)
    return path


def _warehouse_log(path: Path, events: int, seed: int) -> None:
    """The generator's journeys as a warehouse exports them: int64 customer ids and the
    touchpoints as plain text (no dictionary)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from engine.datasets.synthetic import write_parquet

    raw = path.with_name(path.stem + ".raw.parquet")
    write_parquet(raw, events, seed=seed, chunk_events=events, id_type="int")
    table = pq.read_table(raw)
    plain = table.set_column(
        table.schema.get_field_index("touchpoint"),
        "touchpoint",
        table["touchpoint"].cast(pa.string()),
    )
    pq.write_table(plain, path, use_dictionary=False, row_group_size=1_000_000)
    raw.unlink()


def _as_csv(parquet: Path) -> Path:
    """The same log as a CSV file (timestamps in ISO 8601 with a Z), written once."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = parquet.with_suffix(".csv")
    if not path.exists():
        print(f"writing {path} ...", file=sys.stderr)
        partial = path.with_name(path.name + ".partial")
        pacsv.write_csv(pq.read_table(parquet), partial)
        partial.rename(path)
    return path


def _compile_bytecode() -> None:
    """engine's modules compiled to __pycache__, as an installation has them."""
    import compileall

    if not compileall.compile_dir(REPO / "engine", quiet=1):
        raise SystemExit("compare: engine's modules did not compile")


def _warmup_log(args: argparse.Namespace) -> Path:
    """The first 1,000 rows of the log: each tool's one-time start-up runs on it, untimed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv = _is_csv(args.log)
    path = Path("bench-data") / f"warmup_{args.log.stem}.{'csv' if csv else 'parquet'}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if csv:
            with open(args.log) as source:
                path.write_text("".join(next(source) for _ in range(1_001)))
        else:
            table = pq.ParquetFile(args.log).iter_batches(batch_size=1_000)
            pq.write_table(pa.Table.from_batches([next(table)]), path)
    return path


def _report(runs: dict[str, list[dict]], args: argparse.Namespace, kernels: dict | None) -> dict:
    summary = {}
    for tool, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        summary[tool] = {
            "median_seconds": seconds,
            "runs_seconds": [r["seconds"] for r in results],
            "events_per_second": results[0]["events"] / seconds,
            "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in results),
            "rss_after_import_mb": statistics.median(r["rss_after_import_mb"] for r in results),
            "first_call_seconds": statistics.median(r["warmup_seconds"] for r in results),
            "fresh_process_seconds": statistics.median(r["seconds_fresh_process"] for r in results),
            "stages_median_seconds": {
                stage: statistics.median(r["stages"][stage] for r in results)
                for stage in results[0]["stages"]
            },
            "events": results[0]["events"],
            "edges": results[0]["edges"],
            "variants": results[0]["variants"],
            "edge_digest": results[0].get("edge_digest"),
        }
    disagreements = []
    tables = {tool: s.pop("edge_digest") for tool, s in summary.items()}
    problem = edge_disagreement({tool: t for tool, t in tables.items() if t})
    if problem:
        disagreements.append(f"edge figures: {problem}")
    for key in ("events", "edges", "variants"):
        values = {tool: s[key] for tool, s in summary.items()}
        if len(set(values.values())) > 1:
            disagreements.append(f"{key}: {values}")
    if "parcours" in summary:
        ours = summary["parcours"]
        for s in summary.values():
            s["ratio_to_parcours"] = s["median_seconds"] / ours["median_seconds"]
            s["fresh_ratio_to_parcours"] = (
                s["fresh_process_seconds"] / ours["fresh_process_seconds"]
            )
    if kernels is not None:
        kernels = _kernel_report(kernels)
        if kernels["pairs"] != kernels["events"] - kernels["cases"]:
            disagreements.append(f"roofline pairs: {kernels['pairs']}")
        if "parcours" in summary and kernels["edges"] != summary["parcours"]["edges"]:
            disagreements.append(f"roofline edges: {kernels['edges']}")
    if "pm4py" in summary:
        base = summary["pm4py"]
        for s in summary.values():
            s["speedup_vs_pm4py"] = base["median_seconds"] / s["median_seconds"]
            s["memory_vs_pm4py"] = s["peak_rss_mb"] / base["peak_rss_mb"]
    return {
        "log": str(args.log),
        "repeat": args.repeat,
        "machine": {
            "cpu": _cpu_name(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "tools": summary,
        "kernels_on_built_log": kernels,
        "disagreements": disagreements,
    }


def _kernel_report(result: dict) -> dict:
    """Seconds, events/s and share of the roofline's speed of each pass on the built log."""
    analyses = {k: v for k, v in result["stages"].items() if not k.startswith("kernel ")}
    kernels = {k: v for k, v in result["stages"].items() if k.startswith("kernel ")}
    stages = analyses | {
        "dfg+performance+variants": analyses["dfg+performance"] + analyses["variants"]
    }
    stages |= kernels
    roof = stages["roofline"]
    passes = {
        name: {
            "median_seconds": seconds,
            "events_per_second": result["events"] / seconds,
            "share_of_roofline": roof / seconds,
        }
        for name, seconds in stages.items()
    }
    return {key: result[key] for key in ("events", "cases", "pairs", "edges")} | {"passes": passes}


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _print(report: dict) -> None:
    """The results as markdown tables."""
    tools = report["tools"]
    any_tool = next(iter(tools.values()))
    machine = report["machine"]
    print(f"{any_tool['events']:,} events from {report['log']}, medians of {report['repeat']}")
    print(f"on {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}\n")
    columns = ["tool", "repeat call s", "fresh process s", "events/s", "peak MB"]
    if "parcours" in tools:
        columns += ["× parcours (repeat)", "× parcours (fresh)"]
    if "pm4py" in tools:
        columns += ["speed-up vs pm4py", "memory vs pm4py"]
    rows = []
    for tool, s in tools.items():
        row = [
            tool,
            f"{s['median_seconds']:.2f}",
            f"{s['fresh_process_seconds']:.2f}",
            f"{s['events_per_second']:,.0f}",
            f"{s['peak_rss_mb']:,.0f}",
        ]
        if "parcours" in tools:
            row += [f"{s['ratio_to_parcours']:.1f}", f"{s['fresh_ratio_to_parcours']:.1f}"]
        if "pm4py" in tools:
            row += [f"{s['speedup_vs_pm4py']:.1f}×", f"{s['memory_vs_pm4py']:.1%}"]
        rows.append(row)
    _table(columns, rows)
    kernels = report["kernels_on_built_log"]
    if kernels:
        print("\nOn the built log (medians of 7 rounds, each timing every pass in turn):\n")
        rows = [
            [
                name,
                f"{p['median_seconds']:.4f}",
                f"{p['events_per_second']:,.0f}",
                f"{p['share_of_roofline']:.0%}",
            ]
            for name, p in kernels["passes"].items()
        ]
        _table(["pass", "median s", "events/s", "share of roofline"], rows)


def _table(columns: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(columns))) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    sys.exit(main())
