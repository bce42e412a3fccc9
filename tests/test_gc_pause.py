"""The collector is paused while parcours loads code or reads a log, and is always given
back as it was: on return, on error, nested, and when the caller had turned it off."""

from __future__ import annotations

import gc
import inspect

import pandas as pd
import pytest

import engine
from engine.errors import InputError
from engine.figures.verbs import LogVerbs
from engine.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_restored_after_an_error():
    with pytest.raises(ValueError), gc_paused():
        assert not gc.isenabled()
        raise ValueError("boom")
    assert gc.isenabled()


def test_nested_blocks_leave_it_to_the_outermost():
    with gc_paused():
        with gc_paused():
            pass
        assert not gc.isenabled()  # the inner block did not turn it back on
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
    gc.enable()


def test_the_public_calls_run_paused_and_restore_it(monkeypatch):
    seen = []

    def spy(log, *args, **kwargs):
        seen.append(gc.isenabled())

    verb = vars(LogVerbs)["summary"]
    monkeypatch.setattr(verb, "_function", None)
    monkeypatch.setattr("engine.figures.summary.summary", spy)

    frame = pd.DataFrame(
        {"c": ["a", "a", "b"], "a": ["x", "y", "x"], "t": pd.to_datetime([1, 2, 3], unit="s")}
    )
    log = engine.read_log(frame, case="c", activity="a", timestamp="t")
    assert gc.isenabled()
    log.summary()
    assert gc.isenabled() and seen == [False]
    with pytest.raises(InputError):
        engine.read_log(frame, case="nope", activity="a", timestamp="t")
    assert gc.isenabled()


def test_wrapping_keeps_the_signature_and_docstring():
    assert (
        inspect.signature(engine.read_log).parameters["case"].kind is inspect.Parameter.KEYWORD_ONLY
    )
    assert engine.read_log.__doc__.startswith("Read an event log")
    log_type = type(
        engine.read_log(
            pd.DataFrame({"c": ["a"], "a": ["x"], "t": pd.to_datetime([1], unit="s")}),
            case="c",
            activity="a",
            timestamp="t",
        )
    )
    assert "top" in inspect.signature(log_type.variants).parameters


def _tiny_csv(tmp_path):
    path = tmp_path / "j.csv"
    path.write_text("c,a,t\n1,x,2024-01-01T00:00:00\n1,y,2024-01-01T00:01:00\n")
    return str(path)


def test_only_the_program_freezes_what_its_imports_made(tmp_path, monkeypatch):
    """`parcours` freezes the imports' objects (its process runs one command); main()
    called as a library function must not touch the caller's collector."""
    from engine.cli.main import console, main

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    args = ["analyze", _tiny_csv(tmp_path), "--case", "c", "--activity", "a"]
    args += ["--timestamp", "t", "--out", str(tmp_path / "out"), "--no-report"]
    assert main([*args[:-2], str(tmp_path / "lib"), "--no-report"]) == 0
    assert frozen == [] and gc.isenabled()
    monkeypatch.setattr("sys.argv", ["parcours", *args])
    assert console() == 0
    assert frozen == [True, True] and gc.isenabled()  # after the imports, and at the end
    assert (tmp_path / "out" / "summary.json").exists()
