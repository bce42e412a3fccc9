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
