"""Scaling of the Dask backend from 1 to N local workers on the same Parquet log.

    python benchmarks/dask_scaling.py bench-data/journeys_5000000_seed0_shuffled.parquet \
        --workers 1,2 --repeat 3 --json results/dask_scaling.json

Each worker count gets a fresh LocalCluster (one thread per worker process). Timed: read,
shuffle by case, build and count every partition, merge, and finalize the DFG, variants
and activities. The first run on each cluster is a warm-up (workers load the kernels).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

KEYS = {"case": "customer_id", "activity": "touchpoint", "timestamp": "ts"}

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # engine from this checkout, not an installed copy


def run_once(path: str, partitions: int | None) -> tuple[float, int]:
    import engine

    start = time.perf_counter()
    log = engine.read_log(path, **KEYS, backend="dask", npartitions=partitions)
    log.dfg()
    log.variants()
    log.activities()
    return time.perf_counter() - start, log.n_events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", help="Parquet file, folder or glob")
    parser.add_argument("--workers", default="1,2", help="worker counts to try")
    parser.add_argument("--partitions", type=int, help="partitions to shuffle into")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    results = {}
    for workers in [int(w) for w in args.workers.split(",")]:
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster),
        ):
            run_once(args.log, args.partitions)  # warm-up
            runs = []
            for _ in range(args.repeat):
                seconds, events = run_once(args.log, args.partitions)
                runs.append(seconds)
                print(f"{workers} workers: {seconds:.2f} s", file=sys.stderr)
        median = statistics.median(runs)
        results[workers] = {
            "median_seconds": median,
            "runs": runs,
            "events_per_second": events / median,
        }
    base = results[min(results)]["median_seconds"]
    print("| workers | median s | events/s | speed-up |")
    print("|---:|---:|---:|---:|")
    for workers, r in results.items():
        print(
            f"| {workers} | {r['median_seconds']:.2f} | {r['events_per_second']:,.0f} | "
            f"{base / r['median_seconds']:.2f}× |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"log": args.log, "workers": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
