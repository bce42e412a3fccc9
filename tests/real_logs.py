"""The real logs the tests run on: three shipped with the package, the rest in ../shared/data.

Tests on the shared logs skip, saying why, when that folder is absent (as in a user's clone).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.datasets import dataset_path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PARCOURS_SHARED_DATA", REPO.parent / "shared" / "data"))
XES_KEYS = {"case": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp"}


def require_shared(path: Path) -> Path:
    """`path` (a file of the shared data folder), or the test skipped, saying which file is
    missing, where it was looked for, and how to point the tests at another folder."""
    if not path.exists():
        where = path.relative_to(SHARED) if path.is_relative_to(SHARED) else path.name
        pytest.skip(
            f"{where} is not in {SHARED} (see the README's 'Larger real logs'; "
            "PARCOURS_SHARED_DATA names another folder)"
        )
    return path


@dataclass(frozen=True)
class RealLog:
    name: str
    shipped: bool
    keys: dict[str, str] = field(default_factory=lambda: dict(XES_KEYS))
    options: dict[str, str] = field(default_factory=dict)
    events: int | None = None  # published figures (SOURCES.md)
    cases: int | None = None
    activities: int | None = None

    @property
    def path(self) -> Path:
        return dataset_path(self.name) if self.shipped else SHARED / self.name

    def require(self) -> Path:
        return require_shared(self.path)


LOGS = [
    RealLog("receipt.xes.gz", True, events=8_577, cases=1_434, activities=27),
    RealLog("sepsis.xes.gz", True, events=15_214, cases=1_050, activities=16),
    RealLog("BPIC2013_closed_problems.xes.gz", True, events=6_660, cases=1_487, activities=4),
    RealLog("running-example.xes", False, events=42, cases=6, activities=8),
    RealLog("helpdesk.xes.gz", False, events=21_348, cases=4_580, activities=14),
    RealLog("BPIC2012.xes.gz", False, events=262_200, cases=13_087, activities=24),
    RealLog("BPIC2012_W_start_complete.xes.gz", False, events=118_604, cases=8_616, activities=6),
    RealLog("BPIC2013_incidents.xes.gz", False, events=65_533, cases=7_554, activities=4),
    RealLog(
        "BPIC2019_one_trace_per_variant.xes.gz", False, events=338_247, cases=11_973, activities=42
    ),
    RealLog(
        "BPIC2020_PermitLog_one_trace_per_variant.xes.gz",
        False,
        events=26_028,
        cases=1_478,
        activities=51,
    ),
    RealLog(
        "HospitalBilling_one_trace_per_variant.xes.gz",
        False,
        events=12_506,
        cases=1_020,
        activities=18,
    ),
    RealLog(
        "RoadTrafficFines_one_trace_per_variant.xes.gz",
        False,
        events=1_891,
        cases=231,
        activities=11,
    ),
    RealLog(
        "HospitalBilling_first10k_cases.csv.gz", False, events=49_951, cases=10_000, activities=16
    ),
    RealLog(
        "RoadTrafficFines_first10k_cases.csv.gz", False, events=34_724, cases=10_000, activities=11
    ),
    RealLog(
        "journey_retentioneering_simple_shop.csv",
        False,
        keys={"case": "user_id", "activity": "event", "timestamp": "timestamp"},
        events=32_283,
        cases=3_751,
        activities=12,
    ),
    RealLog(
        "journey_appintheair_onboarding.csv",
        False,
        keys={"case": "user_pseudo_id", "activity": "event_name", "timestamp": "event_timestamp"},
        options={"timestamp_unit": "us"},
        events=30_943,
        cases=4_139,
        activities=18,
    ),
]

BY_NAME = {log.name: log for log in LOGS}
