"""The log's verbs come from the figures (engine.figures.verbs): one definition, the same
signature and docstring on every backend; and on a log given as parts, the log's own
tables are counted in one pass over the parts (figures/log_tables.py)."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pandas as pd
import pytest

import engine
from engine.cluster import DaskEventLog
from engine.cluster.local import LocalParts
from engine.cluster.parted import PartedLog
from engine.datasets.synthetic import KEYS, generate
from engine.figures import log_tables
from engine.figures.verbs import LOG_VERBS
from tests.helpers import as_parts, split_by_case
from tests.partial_checks import assert_same_tables


def _function(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(f"engine.figures.{module}"), name)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate(2_000, seed=5)


@pytest.mark.parametrize("verb", sorted(LOG_VERBS))
@pytest.mark.parametrize("cls", [engine.EventLog, LocalParts, DaskEventLog])
def test_every_log_class_has_the_figure_function_as_its_verb(verb, cls):
    function = _function(LOG_VERBS[verb])
    assert getattr(cls, verb).__wrapped__ is function  # run with the collector paused


@pytest.mark.parametrize("verb", sorted(LOG_VERBS))
def test_a_bound_verb_shows_the_figure_signature_and_docstring(frame, verb):
    log = engine.read_log(frame, **KEYS)
    function = _function(LOG_VERBS[verb])
    method = getattr(log, verb)
    want = list(inspect.signature(function).parameters.values())[1:]  # the log is bound
    assert list(inspect.signature(method).parameters.values()) == want
    assert method.__doc__ == function.__doc__ and method.__doc__
    assert method.__self__ is log


def test_variants_keeps_its_keyword_only_option(frame):
    log = engine.read_log(frame, **KEYS)
    top = inspect.signature(log.variants).parameters["top"]
    assert top.kind is inspect.Parameter.KEYWORD_ONLY and top.default is None
    assert len(log.variants(top=3)) == 3
    with pytest.raises(TypeError):
        log.variants(3)


@pytest.mark.parametrize("n_parts", [1, 2, 4])
def test_the_log_tables_of_parts_are_counted_in_one_pass(frame, monkeypatch, n_parts):
    frames = split_by_case(frame, KEYS["case"], n_parts, seed=n_parts)
    whole, parts = as_parts(frames, KEYS)
    calls = []
    counted = log_tables.chunk
    monkeypatch.setattr(log_tables, "chunk", lambda *a: calls.append(1) or counted(*a))
    assert_same_tables(parts, whole, exact=True)
    parts.dfg(), parts.variants(top=2), parts.n_events, parts.timezone_aware
    assert len(calls) == len(parts.parts)  # each part counted once, for every table


def test_a_figure_asked_in_other_terms_is_not_served_from_the_pass(frame):
    """The pass holds the tables over the log's alphabet; a chunk over another alphabet
    (or on whole parts) is reduced on its own."""
    from engine.figures import activities

    _, parts = as_parts(split_by_case(frame, KEYS["case"], 2, seed=1), KEYS)
    names = parts.activity_names
    wider = np.array(sorted([*names.tolist(), "zz not in the log"]), dtype=object)
    got = parts.reduce(activities.chunk, activities.combine, wider, False)
    want = parts.reduce(activities.chunk, activities.combine, names, False)
    assert got.shape == (4, len(names) + 1)
    np.testing.assert_array_equal(got[:, :-1], want)
    assert not got[:, -1].any()


def test_parted_logs_define_no_table_of_their_own():
    """The tables are the verbs; PartedLog adds only sizes, quantiles and the journey."""
    for verb in LOG_VERBS:
        assert verb not in vars(DaskEventLog) and verb not in vars(LocalParts)
        assert getattr(PartedLog, verb) is getattr(engine.EventLog, verb)


def test_the_verbs_static_tools_see_are_the_registry():
    """LogVerbs declares the verbs for type checkers and editors (under TYPE_CHECKING);
    the declarations must name the same functions as LOG_VERBS."""
    import ast
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "engine" / "figures" / "verbs.py"
    tree = ast.parse(path.read_text())
    aliases = {
        alias.asname: alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 1
        for alias in node.names
    }
    declared = {}
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "LogVerbs"):
        for node in cls.body:
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                for line in node.body:
                    module = aliases[line.value.value.id]
                    declared[line.targets[0].id] = f"{module}:{line.value.attr}"
    assert declared == LOG_VERBS


def test_both_log_classes_take_the_verbs_from_one_class():
    from engine.figures.verbs import LogVerbs

    assert issubclass(engine.EventLog, LogVerbs) and issubclass(PartedLog, LogVerbs)
