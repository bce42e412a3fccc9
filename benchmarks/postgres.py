"""The same journey log from PostgreSQL and from Parquet: parcours reading each, and pm4py
reading the query with pandas.read_sql.

A throwaway PostgreSQL cluster is started (tests/postgres_server.py: PostgreSQL's server
binaries must be installed), the generated log is loaded into it, and each way runs in a
fresh Python process, so that its peak memory is its own. Each computes the DFG (with
durations) and the variants; times are medians of `--repeat` runs after one warm-up run
on the first 1,000 rows.

    python benchmarks/postgres.py --events 1000000 --repeat 3
    python benchmarks/postgres.py --events 5000000 --repeat 1 --json results/postgres.json

pandas.read_sql is given the ADBC connection (pandas reads it through Arrow); with
SQLAlchemy and psycopg it would be slower.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUERY = "SELECT customer_id, touchpoint, ts FROM journeys"
sys.path.insert(0, str(REPO))  # engine and tests, from this checkout
KEYS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "ts"}


def _parcours(source: str, uri: str | None, limit: str) -> tuple[int, int]:
    import engine

    if uri is None:
        log = engine.read_log(source, **KEYS)
    else:
        log = engine.read_log(uri, query=QUERY + limit, **KEYS)
    return len(log.dfg()), len(log.variants())


def _pm4py(uri: str, limit: str) -> tuple[int, int]:
    import adbc_driver_postgresql.dbapi as pg
    import pandas as pd
    import pm4py

    with pg.connect(uri) as con:
        frame = pd.read_sql(QUERY + limit, con)
    frame["ts"] = frame["ts"].astype("datetime64[ns, UTC]")  # pm4py mis-scales microseconds
    frame = pm4py.format_dataframe(
        frame, case_id="customer_id", activity_key="touchpoint", timestamp_key="ts"
    )
    dfg, _, _ = pm4py.discover_dfg(frame)
    pm4py.discover_performance_dfg(frame)
    return len(dfg), len(pm4py.get_variants(frame))


def child(way: str, parquet: str, uri: str, repeat: int) -> dict:
    """One way, in this process: a warm-up on 1,000 rows, then `repeat` timed runs."""

    def run(limit: str):
        if way == "pm4py+read_sql":
            return _pm4py(uri, limit)
        if way == "parcours+postgresql":
            return _parcours(parquet, uri, limit)
        return _parcours(parquet, None, limit)

    if way != "parcours+parquet":
        run(" LIMIT 1000")
    else:
        run("")  # the kernels' cache; the file has no LIMIT
    times, shape = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        shape = run("")
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "way": way,
        "seconds": statistics.median(times),
        "runs": times,
        "peak_mb": round(peak),
        "edges": shape[0],
        "variants": shape[1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        way, parquet, uri, repeat = args.child
        print(json.dumps(child(way, parquet, uri, int(repeat))))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    from engine.datasets.synthetic import write_parquet
    from tests import postgres_server

    server = postgres_server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            parquet = Path(folder) / "journeys.parquet"
            write_parquet(parquet, args.events, seed=0)
            table = pq.read_table(parquet, columns=list(KEYS.values()))
            table = table.cast(
                pa.schema(
                    [f.with_type(getattr(f.type, "value_type", f.type)) for f in table.schema]
                )
            )
            start = time.perf_counter()
            postgres_server.load(server.socket_uri, "journeys", table)
            loaded = time.perf_counter() - start
            del table
            results = []
            for way in ("parcours+parquet", "parcours+postgresql", "pm4py+read_sql"):
                out = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        way,
                        str(parquet),
                        server.socket_uri,
                        str(args.repeat),
                    ],
                    check=False,
                    capture_output=True,
                    text=True,
                    cwd=REPO,
                )
                if out.returncode:
                    raise SystemExit(f"{way} failed: {out.stderr[-2000:]}")
                results.append(json.loads(out.stdout.strip().splitlines()[-1]))
                print(
                    f"{way:22} {results[-1]['seconds']:7.2f} s  peak {results[-1]['peak_mb']:,} MB"
                    f"  ({results[-1]['edges']} edges, {results[-1]['variants']} variants)"
                )
    finally:
        server.stop()
    assert len({(r["edges"], r["variants"]) for r in results}) == 1, "the ways disagree"
    report = {
        "events": args.events,
        "load_seconds": loaded,
        "machine": platform.processor() or platform.machine(),
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
