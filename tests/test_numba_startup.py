"""numba starts without scipy.linalg in a parcours process, and jitted BLAS code (the
caller's) still works and still gets it: see engine/numba_startup.py."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import numba_startup

REPO = Path(__file__).resolve().parents[1]

READ_THEN_DOT = """
import json, sys
import numpy as np, pandas as pd
{before}
import engine
events = pd.DataFrame({{
    "case": ["a", "a", "b"], "activity": ["x", "y", "x"],
    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
}})
log = engine.read_log(events, case="case", activity="activity", timestamp="timestamp")
dfg = log.dfg()
after_read = "scipy.linalg" in sys.modules
import numba
from numba.np import arraymath

@numba.njit
def dot(a, b):
    return np.dot(a, b)

a = np.arange(1.0, 5.0)
print(json.dumps({{
    "edges": int(dfg["frequency"].sum()),
    "scipy_linalg_after_read": after_read,
    "have_blas": arraymath._HAVE_BLAS,
    "dot": dot(a, a),
    "scipy_linalg_after_dot": "scipy.linalg" in sys.modules,
}}))
"""


def _run(before: str = "") -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    out = subprocess.run(
        [sys.executable, "-c", READ_THEN_DOT.format(before=before)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cython_blas_present_agrees_with_importing_it():
    try:
        importlib.import_module("scipy.linalg.cython_blas")
        importable = True
    except ImportError:
        importable = False
    assert numba_startup.cython_blas_present() is importable


def test_a_read_leaves_scipy_linalg_unimported_and_blas_code_still_works():
    result = _run()
    assert result["edges"] == 1
    assert result["scipy_linalg_after_read"] is False
    assert result["have_blas"] is numba_startup.cython_blas_present()
    assert result["dot"] == pytest.approx(1 + 4 + 9 + 16)
    if result["have_blas"]:  # numba's own probe and ABI check ran at the first BLAS call
        assert result["scipy_linalg_after_dot"] is True


def test_a_process_that_already_imported_scipy_linalg_starts_numba_as_usual():
    result = _run(before="import scipy.linalg")
    assert result["scipy_linalg_after_read"] is True
    assert result["have_blas"] is True
    assert result["dot"] == pytest.approx(30.0)


def test_deferring_twice_does_nothing_the_second_time():
    numba_startup.defer_blas_probe()  # whatever this process's numba had done before
    assert numba_startup.defer_blas_probe() is False


def test_a_missing_scipy_is_reported_as_numba_would(monkeypatch):
    monkeypatch.setattr(numba_startup.importlib.util, "find_spec", lambda name: None)
    assert numba_startup.cython_blas_present() is False
    with pytest.raises(ImportError, match="cython_blas"):
        numba_startup._probe()


def test_every_search_location_of_scipy_is_looked_in(tmp_path, monkeypatch):
    """A namespace-style SciPy split over several folders: the compiled module may be in
    any of them, and only a folder with it counts."""
    import importlib.machinery
    from types import SimpleNamespace

    empty, real = tmp_path / "a", tmp_path / "b"
    for folder in (empty, real):
        (folder / "linalg").mkdir(parents=True)
    suffix = importlib.machinery.EXTENSION_SUFFIXES[-1]
    spec = SimpleNamespace(submodule_search_locations=[str(empty), str(real)])
    monkeypatch.setattr(numba_startup.importlib.util, "find_spec", lambda name: spec)
    assert numba_startup.cython_blas_present() is False
    (real / "linalg" / f"cython_blas{suffix}").write_bytes(b"")
    assert numba_startup.cython_blas_present() is True
