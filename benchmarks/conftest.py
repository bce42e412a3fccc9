"""Fixtures of the benchmark suite: seeded synthetic journey logs, one per benchmark size.

    pytest benchmarks/ --benchmark-only                       # 1M and 5M events
    pytest benchmarks/ --benchmark-only --bench-events 200000  # any sizes, comma-separated
    pytest benchmarks/ --benchmark-only -m huge                # 100M events (opt-in)
    pytest benchmarks/ --benchmark-disable                     # smoke mode: one 50k log

Every test that takes `journey_log` or `built_log` runs once per size (ids `50k`, `1M`, `5M`,
`100M`). With benchmarks disabled (smoke mode, as CI runs the suite with the tests) the
default is one small log, so each benchmark runs once, quickly, and its checks still
apply. Each benchmark records `extra_info["events"]`; `events_per_s` (events over the
median time) is added after it ran, so `--benchmark-json` carries both.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import engine
from engine.datasets.synthetic import KEYS, write_parquet

#: One log of this size when benchmarks are disabled (smoke mode) and no size is given.
SMOKE_EVENTS = 50_000
#: The sizes timed by default.
DEFAULT_EVENTS = (1_000_000, 5_000_000)
#: The opt-in size (`-m huge`); sizes from here on carry the `huge` marker.
HUGE_EVENTS = 100_000_000
#: Logs of at least this many events are kept in bench-data/ between runs.
KEEP_EVENTS = 1_000_000
#: Larger logs are written (and shuffled) in chunks of this many events, so that the
#: generator's memory stays bounded.
CHUNK_EVENTS = 5_000_000
#: Rounds per benchmark at the huge size, where a single round may take a minute.
HUGE_ROUNDS = 3
#: The event attributes the journey layer reads (the synthetic logs have them).
JOURNEY_ATTRIBUTES = ["segment", "channel", "csat"]

_RESULTS = pytest.StashKey[list[tuple[str, int, float]]]()


def parse_sizes(text: str) -> list[int]:
    """'1000000,5M,200k' -> [1000000, 5000000, 200000]."""
    sizes = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*([0-9][0-9_]*)\s*([kKmM]?)\s*", part)
        if match is None or int(match[1]) == 0:
            raise argparse.ArgumentTypeError(
                f"--bench-events takes positive event counts separated by commas "
                f"(e.g. 1000000,5000000 or 1M,5M); got {text!r}"
            )
        sizes.append(int(match[1]) * {"": 1, "k": 1_000, "m": 1_000_000}[match[2].lower()])
    return sizes


def size_id(events: int) -> str:
    """1000000 -> '1M', 50000 -> '50k'."""
    if events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    if events % 1_000 == 0:
        return f"{events // 1_000}k"
    return str(events)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("parcours benchmarks")
    group.addoption(
        "--bench-events",
        type=parse_sizes,
        default=None,
        help="events in the synthetic benchmark logs, comma-separated (e.g. 1000000,5000000 "
        "or 1M,5M); default 1M and 5M, or 50,000 when benchmarks are disabled; "
        "100M is added with -m huge",
    )
    group.addoption(
        "--bench-log",
        type=Path,
        default=None,
        help="benchmark this Parquet log instead; it needs the columns of the synthetic logs "
        "(customer_id, touchpoint, ts, segment, channel, csat), e.g. from parcours generate",
    )


def _benchmarks_timed(config: pytest.Config) -> bool:
    session = getattr(config, "_benchmarksession", None)  # pytest-benchmark's state
    if session is not None:
        return not (session.disabled or session.skip)
    return not config.getoption("benchmark_disable", False)


def _huge_selected(config: pytest.Config) -> bool:
    """Whether the -m expression names the `huge` marker (its items are then collected
    and the expression decides; `-m "not huge"` deselects them again)."""
    return re.search(r"\bhuge\b", config.getoption("markexpr", "") or "") is not None


def benchmark_sizes(config: pytest.Config) -> list[int]:
    """The sizes to run: --bench-log's rows, or --bench-events (else the defaults above),
    and HUGE_EVENTS when -m names `huge`."""
    given_log = config.getoption("--bench-log")
    if given_log is not None:
        return [pq.ParquetFile(given_log).metadata.num_rows]
    sizes = config.getoption("--bench-events")
    if sizes is None:
        sizes = list(DEFAULT_EVENTS) if _benchmarks_timed(config) else [SMOKE_EVENTS]
    if _huge_selected(config):
        sizes = [*sizes, HUGE_EVENTS]
    return list(dict.fromkeys(sizes))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bench_events" in metafunc.fixturenames:
        params = [
            pytest.param(
                events,
                id=size_id(events),
                marks=[pytest.mark.huge] if events >= HUGE_EVENTS else [],
            )
            for events in benchmark_sizes(metafunc.config)
        ]
        metafunc.parametrize("bench_events", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def bench_events(request: pytest.FixtureRequest) -> int:
    """The size of this benchmark's log, in events (parametrized, see above)."""
    return request.param


@pytest.fixture(scope="session")
def journey_log(
    request: pytest.FixtureRequest, bench_events: int, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A shuffled Parquet journey log; large ones are kept in bench-data/ between runs.

    Up to CHUNK_EVENTS events the rows are shuffled across the whole file; larger logs are
    generated and shuffled chunk by chunk (memory stays bounded at 100M events).
    """
    given = request.config.getoption("--bench-log")
    if given is not None:
        return given
    if bench_events <= CHUNK_EVENTS:
        chunk, name = bench_events, f"journeys_{bench_events}_seed0_shuffled.parquet"
    else:
        chunk = CHUNK_EVENTS
        name = f"journeys_{bench_events}_seed0_shuffled_by_{chunk}.parquet"
    if bench_events >= KEEP_EVENTS:
        folder = request.config.rootpath / "bench-data"
    else:
        folder = tmp_path_factory.mktemp("bench")
    path = folder / name
    if not path.exists():
        write_parquet(path, bench_events, seed=0, chunk_events=chunk)
    return path


def run_journey_layer(log: engine.EventLog) -> tuple[Any, ...]:
    """The journey layer on a log read with JOURNEY_ATTRIBUTES: stages, transitions,
    funnel, time to convert, bottlenecks and actions, segments, channels, satisfaction."""
    log._cache.clear()  # measure the computation, not the cache
    journey = log.journey()
    return (
        journey.stages(),
        journey.transitions(),
        journey.funnel(),
        journey.time_to_convert(),
        journey.actions(),
        journey.segments("segment"),
        journey.channels("channel"),
        journey.satisfaction("csat"),
    )


@pytest.fixture(scope="session")
def warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Run the whole pipeline once on a tiny log: numba loads (or compiles) its kernels
    before anything is timed. Kernel benchmarks also call their kernel once on the real
    arrays first (see `measure`)."""
    path = tmp_path_factory.mktemp("warm") / "tiny.parquet"
    write_parquet(path, 2_000, seed=1)
    log = engine.read_log(path, **KEYS, attributes=JOURNEY_ATTRIBUTES)
    log.dfg()
    log.variants()
    log.activities()
    run_journey_layer(log)


@pytest.fixture(scope="session")
def journey_layer() -> Callable[[engine.EventLog], tuple[Any, ...]]:
    """`journey_layer(log)` computes the journey layer's tables (see run_journey_layer)."""
    return run_journey_layer


@pytest.fixture(scope="session")
def built_log(journey_log: Path, warm: None) -> engine.EventLog:
    """The benchmark log in canonical form, with the journey layer's attributes."""
    return engine.read_log(journey_log, **KEYS, attributes=JOURNEY_ATTRIBUTES)


@pytest.fixture
def measure(benchmark, bench_events: int, request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`measure(fn, *args, events=n)` times fn(*args) and returns its result.

    - It records extra_info["events"] = n (events/s is added after the test).
    - Unless `warmup=False`, fn runs once untimed first, so that numba has compiled or
      loaded the kernel for these very argument types before the clock starts.
    - `setup`, for kernels that change their input: a function returning fresh (args,
      kwargs) before each round (benchmark.pedantic; it is not timed).
    - `rounds` fixes the number of rounds (benchmark.pedantic); by default pytest-benchmark
      calibrates them, except at the huge size (HUGE_ROUNDS) and with `setup`
      (--benchmark-min-rounds).
    With benchmarks disabled, fn just runs once.
    """

    def run(
        fn: Callable[..., Any],
        *args: Any,
        events: int,
        setup: Callable[[], tuple[tuple, dict]] | None = None,
        rounds: int | None = None,
        warmup: bool = True,
    ) -> Any:
        benchmark.extra_info["events"] = int(events)
        if rounds is None and bench_events >= HUGE_EVENTS:
            rounds = HUGE_ROUNDS
        if rounds is None and setup is not None:
            rounds = request.config.getoption("benchmark_min_rounds", 5)
        if rounds is None:
            if warmup and benchmark.enabled:
                fn(*args)
            return benchmark(fn, *args)
        return benchmark.pedantic(
            fn, args=args, setup=setup, rounds=rounds, warmup_rounds=int(warmup), iterations=1
        )

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """After a benchmark passed: events_per_s from its median; it must record its events."""
    result = yield
    fixture = getattr(item, "funcargs", {}).get("benchmark")
    if fixture is None:
        return result
    events = fixture.extra_info.get("events")
    if not events:
        raise AssertionError(
            f"{item.nodeid} must record benchmark.extra_info['events'] (the log's events)"
        )
    if fixture.stats is not None:  # None when benchmarks are disabled
        median = fixture.stats.stats.median
        if median > 0:
            rate = events / median
            fixture.extra_info["events_per_s"] = rate
            name = item.nodeid.split("::", 1)[-1]  # without the file's path
            item.config.stash.setdefault(_RESULTS, []).append((name, events, rate))
    return result


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's tables
def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    results = config.stash.get(_RESULTS, [])
    if not results:
        return
    terminalreporter.section("events per second (events / median time)")
    width = max(len(name) for name, _, _ in results)
    for name, events, rate in results:
        terminalreporter.write_line(f"{name:<{width}}  {events:>13,} events  {rate:>15,.0f}/s")
