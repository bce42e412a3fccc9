"""The output folder pinned, file by file, before the engine's layout changes: every table
and summary.json of `parcours analyze` on the shipped logs, the larger real logs and a
generated journey log with every journey flag, on one machine and on Dask, hashed and
compared with tests/data/output_hashes.json.

Two hashes per file: `exact` (every bit of every value) and `rounded` (floats to nine
significant digits). The rounded hash is checked everywhere; the exact one where the
fixture was recorded with the same library versions and thread count, since a float sum
may round differently with other ones. Re-record, after checking that a change of output
is intended: PARCOURS_RECORD_HASHES=1 python -m pytest tests/test_output_identity.py"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from engine import cli
from tests.real_logs import BY_NAME

FIXTURE = Path(__file__).parent / "data" / "output_hashes.json"
RECORD = os.environ.get("PARCOURS_RECORD_HASHES") == "1"
THREADS = "2"
#: summary.json keys that name the run rather than the figures.
VOLATILE = {"source", "parcours_version", "partitions"}

#: (run name, the log (a real log's name, or "generated"), the flags after LOG).
RUNS = [
    ("receipt", "receipt.xes.gz", ["--stages", "receipt"]),
    ("sepsis", "sepsis.xes.gz", ["--stages", "sepsis"]),
    ("bpic2013_closed", "BPIC2013_closed_problems.xes.gz", ["--stages", "bpic2013"]),
    ("helpdesk", "helpdesk.xes.gz", ["--stages", "helpdesk"]),
    ("bpic2012", "BPIC2012.xes.gz", ["--stages", "bpic2012"]),
    (
        "road_traffic",
        "RoadTrafficFines_one_trace_per_variant.xes.gz",
        ["--stages", "road_traffic_fines"],
    ),
    (
        "generated",
        "generated",
        [
            *("--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"),
            *("--stages", "default", "--segment", "segment", "--channel", "channel"),
            *("--score", "csat", "--attribution", "channel", "--min-journeys", "10"),
            *("--compare", "segment=new", "--drift", "M", "--drift-by", "segment"),
        ],
    ),
    (
        "generated_slice",
        "generated",
        [
            *("--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"),
            *("--stages", "default", "--segment", "segment", "--min-journeys", "10"),
            *("--where", "segment != 'business'", "--session-gap", "2D"),
        ],
    ),
]
DASK_RUNS = [
    ("receipt_dask", "receipt.xes.gz", ["--stages", "receipt"]),
    (
        "generated_dask",
        "generated",
        [
            *("--case", "customer_id", "--activity", "touchpoint", "--timestamp", "ts"),
            *("--stages", "default", "--segment", "segment", "--min-journeys", "10"),
        ],
    ),
]


def _source(name: str, tmp_path: Path, *, parquet: bool = False) -> str:
    if name == "generated":
        from engine.datasets.synthetic import generate

        path = tmp_path / "generated.parquet"
        generate(8_000, seed=2026).to_parquet(path)
        return str(path)
    path = BY_NAME[name].require()
    if not parquet:
        return str(path)
    import engine

    frame = engine.read_log(path).to_pm4py()[
        ["case:concept:name", "concept:name", "time:timestamp"]
    ]
    out = tmp_path / "log.parquet"
    frame.to_parquet(out)
    return str(out)


def _column_bytes(values: pd.Series, rounded: bool) -> bytes:
    """A column's values as bytes: floats exactly or to nine significant digits."""
    if pd.api.types.is_float_dtype(values.dtype):
        array = values.to_numpy(dtype=np.float64)
        if not rounded:
            return array.tobytes()
        return "|".join(f"{v:.9g}" for v in array).encode()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return str(values.dtype).encode() + values.astype("int64").to_numpy().tobytes()
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
        return str(values.dtype).encode() + values.to_numpy().tobytes()
    return "\x00".join(_text(v, rounded) for v in values).encode()


def _text(value: object, rounded: bool) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:.9g}" if rounded else repr(float(value))
    if isinstance(value, list | tuple | np.ndarray):
        return "[" + ",".join(_text(v, rounded) for v in value) + "]"
    return repr(value)


def _plain(value: object, rounded: bool) -> object:
    if isinstance(value, dict):
        return {k: _plain(v, rounded) for k, v in sorted(value.items()) if k not in VOLATILE}
    if isinstance(value, list):
        return [_plain(v, rounded) for v in value]
    if isinstance(value, float):
        return f"{value:.9g}" if rounded else repr(value)
    return value


def folder_hashes(folder: Path) -> dict[str, dict[str, str]]:
    """{file: {"exact": sha256, "rounded": sha256}} for the tables and summary.json."""
    out = {}
    for path in sorted(folder.iterdir()):
        hashes = {}
        for rounded in (False, True):
            digest = hashlib.sha256()
            if path.suffix == ".parquet":
                frame = pd.read_parquet(path)
                digest.update(repr(list(frame.columns)).encode())
                for column in frame.columns:
                    digest.update(_column_bytes(frame[column], rounded))
            elif path.name == "summary.json":
                summary = json.loads(path.read_text())
                digest.update(json.dumps(_plain(summary, rounded), sort_keys=True).encode())
            else:
                continue
            hashes["rounded" if rounded else "exact"] = digest.hexdigest()
        if hashes:
            out[path.name] = hashes
    return out


def environment() -> dict[str, object]:
    import numba
    import pyarrow

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "pyarrow": pyarrow.__version__,
        "numba": numba.__version__,
        "threads": THREADS,
    }


def _fixture() -> dict:
    return json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {"runs": {}}


def _run(name: str, log: str, flags: list[str], tmp_path: Path, backend: list[str]) -> None:
    source = _source(log, tmp_path, parquet=bool(backend))
    out = tmp_path / "out"
    argv = ["analyze", source, "--out", str(out), "--no-report", "--quiet", *flags]
    assert cli.main([*argv, "--threads", THREADS, *backend]) == 0
    got = folder_hashes(out)
    fixture = _fixture()
    if RECORD:
        fixture["environment"] = environment()
        fixture["runs"][name] = got
        FIXTURE.parent.mkdir(exist_ok=True)
        FIXTURE.write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
        pytest.skip(f"recorded {name}")
    want = fixture["runs"].get(name)
    assert want is not None, f"no hashes recorded for {name}: PARCOURS_RECORD_HASHES=1"
    assert sorted(got) == sorted(want), "the output folder holds other files"
    changed = [f for f in want if got[f]["rounded"] != want[f]["rounded"]]
    assert not changed, f"{name}: these outputs changed: {changed}"
    if fixture.get("environment") == environment():
        changed = [f for f in want if got[f]["exact"] != want[f]["exact"]]
        assert not changed, f"{name}: these outputs changed in their last bits: {changed}"


@pytest.mark.parametrize("name, log, flags", RUNS, ids=[r[0] for r in RUNS])
def test_outputs_are_the_recorded_ones(name, log, flags, tmp_path):
    _run(name, log, flags, tmp_path, [])


@pytest.mark.parametrize("name, log, flags", DASK_RUNS, ids=[r[0] for r in DASK_RUNS])
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_dask_outputs_are_the_recorded_ones(name, log, flags, tmp_path):
    pytest.importorskip("distributed", reason="the dask backend needs pip install '.[dask]'")
    _run(name, log, flags, tmp_path, ["--backend", "dask", "--partitions", "2"])
