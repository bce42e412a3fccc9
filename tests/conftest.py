from __future__ import annotations

import warnings

import pytest

from tests.real_logs import LOGS


def pytest_configure(config: pytest.Config) -> None:
    # pm4py warns about optional accelerators on every XES read; not our concern here.
    warnings.filterwarnings("ignore", message="Install the optional requirement")


@pytest.fixture(params=LOGS, ids=[log.name for log in LOGS])
def real_log(request):
    return request.param


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster for the whole session (tests/postgres_server.py),
    stopped and removed at the end; the tests that use it skip where PostgreSQL is not
    installed (CI installs it: .ci/run)."""
    pytest.importorskip(
        "adbc_driver_postgresql", reason="the ADBC PostgreSQL driver comes with the test extra"
    )
    from tests import postgres_server

    if postgres_server.binaries() is None:
        pytest.skip(
            "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in "
            "/usr/lib/postgresql): apt-get install postgresql, as .ci/run does"
        )
    server = postgres_server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client():
    """A local Dask cluster of two worker processes, one per test module that asks for it."""
    distributed = pytest.importorskip(
        "distributed", reason="the dask backend needs pip install '.[dask]'"
    )
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as connected:
        yield connected
    cluster.close()
