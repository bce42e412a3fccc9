"""`import engine` stays light: the heavy libraries load with the first log, not before."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}; import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_import_engine_loads_no_heavy_library():
    loaded = _modules_after("import engine")
    assert not {"numpy", "pandas", "numba", "pyarrow", "pm4py", "plotly"} & loaded


def test_public_names_load_on_first_use():
    loaded = _modules_after(
        "import engine; engine.read_log; engine.JourneyModel; engine.datasets.dataset_path"
    )
    assert {"engine.log", "engine.journey", "engine.datasets", "pandas", "numba"} <= loaded
    assert "pm4py" not in loaded


def test_unknown_names_still_raise_attribute_error():
    import pytest

    import engine

    with pytest.raises(AttributeError, match="no_such_thing"):
        engine.no_such_thing
    assert "read_log" in dir(engine)


def test_arrow_uses_the_system_allocator_unless_the_user_chose_one():
    import os

    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}

    def backend(code: str, **extra: str) -> str:
        run = [sys.executable, "-c", code + "; print(pyarrow.default_memory_pool().backend_name)"]
        env = {**clean, **extra}
        return subprocess.run(run, capture_output=True, text=True, check=True, env=env).stdout

    assert backend("import engine, pyarrow").strip() == "system"
    assert (
        backend("import engine, pyarrow", ARROW_DEFAULT_MEMORY_POOL="mimalloc").strip()
        == "mimalloc"
    )
    # Arrow already allocating before engine came: its pool stays as it was.
    used = "import pyarrow; pyarrow.default_memory_pool(); import engine"
    assert backend(used) == backend("import pyarrow")


def test_a_flat_logs_read_and_tables_load_no_reader_or_journey_code_they_do_not_use():
    code = (
        "import pandas as pd, engine; "
        "frame = pd.DataFrame({'c': ['a', 'a'], 'a': ['x', 'y'], "
        "'t': pd.to_datetime(['2024-01-01', '2024-01-02'])}); "
        "log = engine.read_log(frame, case='c', activity='a', timestamp='t'); "
        "log.dfg(); log.variants()"
    )
    loaded = _modules_after(code)
    assert {"engine.log.build", "engine.figures.edges", "engine.figures.variants"} <= loaded
    assert not {"lxml", "sqlite3", "engine.io.xes", "engine.io.ocel", "scipy.linalg"} & loaded
    assert not any(m.startswith("engine.journey") for m in loaded)  # the log's own tables
    # and they come when asked for
    assert {"engine.log.ocel", "sqlite3"} <= _modules_after("import engine; engine.read_ocel")
