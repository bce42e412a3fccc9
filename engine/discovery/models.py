"""Process models discovered with pm4py from the engine's counts, never from the events.

The inductive miner is fed a pm4py DFG object and the heuristics miner the counts it reads
(directly-follows, two steps apart, short loops, activity occurrences), all computed from
the variants table. So discovery costs the same for a thousand events or a hundred million.
pm4py is imported here, lazily, and nowhere in the core.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..analysis.coverage import VariantCounts, keep_variants, variant_counts
from ..errors import InputError, one_line
from ..files import write_atomically

if TYPE_CHECKING:
    from ..log.eventlog import EventLog

Miner = Literal["inductive", "heuristics"]


@dataclass
class ProcessModel:
    """A Petri net with its markings, as pm4py uses them; BPMN on request.

    `tree` is the process tree (inductive miner only); `heuristics_net` the dependency
    graph (heuristics miner only); `journeys` and `coverage` say how many journeys, and
    which share of them, the model was discovered from.
    """

    net: Any
    initial_marking: Any
    final_marking: Any
    miner: str
    journeys: int
    coverage: float
    tree: Any = None
    heuristics_net: Any = None

    def to_bpmn(self) -> Any:
        """The model as a pm4py BPMN graph."""
        import pm4py

        if self.tree is not None:
            return pm4py.convert_to_bpmn(self.tree)
        return pm4py.convert_to_bpmn(*self.petri_net)

    @property
    def petri_net(self) -> tuple[Any, Any, Any]:
        return self.net, self.initial_marking, self.final_marking

    def write_bpmn(self, path: str | os.PathLike) -> Path:
        """Write the model as BPMN 2.0 XML; returns the path."""
        import pm4py

        bpmn = self.to_bpmn()
        return write_atomically(path, lambda p: pm4py.write_bpmn(bpmn, str(p)))

    def write_pnml(self, path: str | os.PathLike) -> Path:
        """Write the Petri net as PNML; returns the path."""
        import pm4py

        return write_atomically(path, lambda p: pm4py.write_pnml(*self.petri_net, str(p)))


def discover_model(
    source: EventLog | pd.DataFrame,
    *,
    miner: Miner = "inductive",
    top_variants: int | None = None,
    coverage: float | None = None,
    noise_threshold: float = 0.0,
    dependency_threshold: float = 0.5,
    and_threshold: float = 0.65,
    loop_two_threshold: float = 0.5,
) -> ProcessModel:
    """Discover a process model of the journeys.

    `source` is a log or a variants table (`log.variants()`, `variants.parquet`).
    `top_variants` or `coverage` simplify first: only the journeys of the most frequent
    variants (the first k, or the fewest covering that share of journeys) are modelled.
    `noise_threshold` is the inductive miner's (0: every path kept); the three thresholds
    are the heuristics miner's, with pm4py's defaults.
    """
    if miner not in ("inductive", "heuristics"):
        raise InputError(f"miner must be 'inductive' or 'heuristics'; got {miner!r}")
    variants = _variants_table(source)
    kept = keep_variants(variants, top=top_variants, coverage=coverage)
    counts = variant_counts(kept)
    total = int(variants["frequency"].sum())
    if counts.journeys == 0:
        raise InputError("no journeys to discover a model from: the log is empty")
    share = counts.journeys / total
    if miner == "inductive":
        return _inductive(counts, noise_threshold, share)
    return _heuristics(counts, dependency_threshold, and_threshold, loop_two_threshold, share)


def _variants_table(source: EventLog | pd.DataFrame) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        missing = {"variant", "frequency"} - set(source.columns)
        if missing:
            raise InputError(
                f"a variants table needs the columns 'variant' and 'frequency'; "
                f"{sorted(missing)} missing. Pass log.variants() or variants.parquet"
            )
        return source
    return source.variants()


def counts_dfg_object(counts: VariantCounts) -> Any:
    """pm4py's DFG object (graph, start and end activities) from the counts."""
    edges = counts.edges
    graph = {
        (s, t): int(f)
        for s, t, f in zip(edges["source"], edges["target"], edges["frequency"], strict=True)
    }
    acts = counts.activities
    start = {a: int(c) for a, c in zip(acts["activity"], acts["start"], strict=True) if c}
    end = {a: int(c) for a, c in zip(acts["activity"], acts["end"], strict=True) if c}
    return pm4py_dfg(graph, start, end)


def pm4py_dfg(graph: dict, start: dict, end: dict) -> Any:
    """A pm4py DFG object; the one place outside the miners that needs pm4py's classes."""
    from pm4py.objects.dfg.obj import DFG

    return DFG(graph, start_activities=start, end_activities=end)


def _inductive(counts: VariantCounts, noise_threshold: float, share: float) -> ProcessModel:
    import pm4py

    if not 0 <= noise_threshold < 1:
        raise InputError(f"noise_threshold must be in [0, 1); got {noise_threshold}")
    tree = pm4py.discover_process_tree_inductive(
        counts_dfg_object(counts), noise_threshold=noise_threshold
    )
    net, im, fm = pm4py.convert_to_petri_net(tree)
    return ProcessModel(net, im, fm, "inductive", counts.journeys, share, tree=tree)


def _heuristics(
    counts: VariantCounts, dependency: float, and_threshold: float, loop_two: float, share: float
) -> ProcessModel:
    from pm4py.algo.discovery.heuristics.variants import classic
    from pm4py.objects.conversion.heuristics_net import converter

    dfg = counts_dfg_object(counts)
    acts = counts.activities
    occurrences = {a: int(f) for a, f in zip(acts["activity"], acts["frequency"], strict=True)}
    # apply_heu_dfg reads these thresholds from its parameter dictionary.
    parameters = {
        classic.Parameters.DEPENDENCY_THRESH: dependency,
        classic.Parameters.AND_MEASURE_THRESH: and_threshold,
        classic.Parameters.LOOP_LENGTH_TWO_THRESH: loop_two,
    }
    heu_net = classic.apply_heu_dfg(
        dict(dfg.graph),
        activities=list(occurrences),
        activities_occurrences=occurrences,
        start_activities=dict(dfg.start_activities),
        end_activities=dict(dfg.end_activities),
        dfg_window_2=counts.window_two,
        freq_triples={(a, b, a): c for (a, b), c in counts.loops_two.items()},
        parameters=parameters,
    )
    net, im, fm = converter.apply(heu_net)
    return ProcessModel(net, im, fm, "heuristics", counts.journeys, share, heuristics_net=heu_net)


def read_model(path: str | os.PathLike) -> ProcessModel:
    """An expected journey from a BPMN (.bpmn) or Petri net (.pnml) file."""
    import pm4py

    path = Path(path)
    if not path.is_file():
        raise InputError(f"model file '{path}' does not exist")
    suffix = path.suffix.lower()
    try:
        if suffix == ".bpmn":
            net, im, fm = pm4py.convert_to_petri_net(pm4py.read_bpmn(str(path)))
        elif suffix == ".pnml":
            net, im, fm = pm4py.read_pnml(str(path))
        else:
            raise InputError(
                f"model file '{path}' must end in .bpmn or .pnml; got '{suffix or 'no suffix'}'"
            )
    except InputError:
        raise
    except Exception as exc:  # pm4py raises many kinds on a malformed file
        raise InputError(
            f"cannot read the model in '{path}' ({type(exc).__name__}: {one_line(exc)}); "
            "is it a BPMN 2.0 or PNML file?"
        ) from None
    # pm4py reads a net without transitions, or without a marking, and fails later inside
    # its replay: say here what the file lacks.
    lacks = [
        f"no {what}"
        for what, missing in (
            ("transitions", not net.transitions),
            ("initial marking", not im),
            ("final marking", not fm),
        )
        if missing
    ]
    if lacks:
        listed = lacks[0] if len(lacks) == 1 else ", ".join(lacks[:-1]) + " and " + lacks[-1]
        raise InputError(
            f"the model in '{path}' has {listed}; conformance replays "
            "journeys from the initial to the final marking: add them (PNML "
            "<initialMarking> and <finalmarkings>) or export the model again"
        )
    return ProcessModel(net, im, fm, f"file {path.name}", 0, float("nan"))
