"""Fixtures of the benchmark suite: a seeded synthetic journey log of `--bench-events` rows.

    pytest benchmarks/ --benchmark-only --bench-events 5000000

The default size is small so that the suite also runs, quickly, with the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import engine
from engine.datasets.synthetic import KEYS, write_parquet


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("parcours benchmarks")
    group.addoption(
        "--bench-events",
        type=int,
        default=50_000,
        help="events in the synthetic benchmark log (default 50,000; the target is 5,000,000)",
    )
    group.addoption(
        "--bench-log",
        type=Path,
        default=None,
        help="benchmark this Parquet log (columns customer_id, touchpoint, ts) instead",
    )


@pytest.fixture(scope="session")
def journey_log(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shuffled Parquet journey log; large ones are kept in bench-data/ between runs."""
    given = request.config.getoption("--bench-log")
    if given is not None:
        return given
    events = request.config.getoption("--bench-events")
    folder = Path("bench-data") if events >= 1_000_000 else tmp_path_factory.mktemp("bench")
    path = folder / f"journeys_{events}_seed0_shuffled.parquet"
    if not path.exists():
        write_parquet(path, events, seed=0, chunk_events=events)
    return path


@pytest.fixture(scope="session")
def warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run the whole pipeline once on a tiny log: numba loads its kernels before timing."""
    path = tmp_path_factory.mktemp("warm") / "tiny.parquet"
    write_parquet(path, 2_000, seed=1)
    log = engine.read_log(path, **KEYS)
    log.dfg()
    log.variants()
    log.activities()


@pytest.fixture(scope="session")
def built_log(journey_log: Path, warm: None) -> engine.EventLog:
    return engine.read_log(journey_log, **KEYS)
