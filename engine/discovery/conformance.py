"""Conformance of real journeys against an expected journey, once per variant.

pm4py replays (token replay) or aligns (alignments) one trace per variant; every figure is
then weighted by the number of journeys that follow the variant. That costs the same as
pm4py's own fitness on the whole log, whose definitions it reproduces exactly, but scales
with variants rather than cases.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..analysis.coverage import keep_variants
from ..errors import InputError
from ..schema import BOOL, FLOAT, INT, TEXT_LIST, table_schema
from .models import ProcessModel, read_model

if TYPE_CHECKING:
    from ..journey.model import JourneyModel
    from ..log.eventlog import EventLog

Method = Literal["token_replay", "alignments"]

CONFORMANCE_SCHEMA = table_schema(
    variant=TEXT_LIST,
    frequency=INT,
    share=FLOAT,
    fitness=FLOAT,
    fits=BOOL,
    deviations=TEXT_LIST,
    converted=INT,
    conversion_rate=FLOAT,
)
CONFORMANCE_COLUMNS = tuple(CONFORMANCE_SCHEMA.names)


@dataclass
class Conformance:
    """How well the journeys follow the expected journey.

    fitness: pm4py's log fitness (token replay: from missing and remaining tokens;
        alignments: 1 - total cost / total cost of the worst alignment). As in pm4py,
        token replay skips touchpoints the model lacks (they still count as deviations).
    fitting_share: share of journeys that fit completely; average_fitness: mean fitness
        of a journey. `variants` has CONFORMANCE_COLUMNS, most frequent first: each
        variant's fitness and what deviates (e.g. "unexpected: call_center",
        "skipped: checkout", "missing token: purchase"); converted/conversion_rate are
        empty without a journey model.
    """

    method: str
    model: ProcessModel
    fitness: float
    fitting_share: float
    average_fitness: float
    journeys: int
    variants: pd.DataFrame = field(repr=False)
    replayed_share: float = 1.0

    @property
    def deviating(self) -> pd.DataFrame:
        """The variants that deviate, most frequent first: those that do not fit, and (token
        replay, which skips them as pm4py does) those with touchpoints the model lacks."""
        deviates = ~self.variants["fits"] | self.variants["deviations"].map(bool)
        return self.variants[deviates.to_numpy()].reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """Fitness, and the share of journeys and of conversions the deviating variants
        carry (conversions: None without a journey model)."""
        deviating = self.deviating
        converted = self.variants["converted"]
        has_conversions = converted.notna().all() and len(converted)
        total_conversions = int(converted.sum()) if has_conversions else None
        deviating_conversions = int(deviating["converted"].sum()) if has_conversions else None
        return {
            "method": self.method,
            "model": self.model.miner,
            "fitness": self.fitness,
            "fitting_share": self.fitting_share,
            "average_fitness": self.average_fitness,
            "journeys": self.journeys,
            "replayed_share": self.replayed_share,
            "variants": len(self.variants),
            "deviating_variants": len(deviating),
            "deviating_journeys": int(deviating["frequency"].sum()),
            "deviating_share": float(deviating["frequency"].sum() / max(self.journeys, 1)),
            "conversions": total_conversions,
            "deviating_conversions": deviating_conversions,
            "deviating_conversion_share": (
                deviating_conversions / total_conversions if total_conversions else None
            ),
        }


def check_conformance(
    log: EventLog,
    expected: ProcessModel | JourneyModel | str | os.PathLike,
    *,
    method: Method = "token_replay",
    journey_model: JourneyModel | None = None,
    coverage: float | None = None,
    progress: bool = True,
) -> Conformance:
    """Replay every variant of `log` on the expected journey: a discovered model, a BPMN
    or PNML file, or an ordered stage spec (a JourneyModel, which then also defines the
    conversions unless `journey_model` is given). `coverage` replays only the most
    frequent variants covering that share of journeys (every figure is then over those
    journeys; `replayed_share` says how many); `progress`: pm4py's progress bar."""
    from ..journey.model import JourneyModel

    if method not in ("token_replay", "alignments"):
        raise InputError(f"method must be 'token_replay' or 'alignments'; got {method!r}")
    if isinstance(expected, JourneyModel):
        from .expected import expected_journey

        journey_model = journey_model or expected
        model = expected_journey(expected)
    elif isinstance(expected, ProcessModel):
        model = expected
    else:
        model = read_model(expected)

    all_variants = log.variants()
    variants = keep_variants(all_variants, coverage=coverage)
    traces = _traces(variants["variant"].tolist())
    replay = _token_replay if method == "token_replay" else _alignments
    per_variant, fitness = replay(traces, model, variants["frequency"].to_numpy(), progress)
    table = variants[["variant", "frequency", "share"]].copy()
    table["fitness"] = per_variant["fitness"]
    table["fits"] = per_variant["fits"]
    table["deviations"] = per_variant["deviations"]
    converted = _conversions_per_variant(log, journey_model)
    converted = converted[: len(table)] if converted is not None else None
    table["converted"] = pd.array(converted, dtype="Int64") if converted is not None else pd.NA
    table["conversion_rate"] = (
        converted / table["frequency"].to_numpy() if converted is not None else np.nan
    )
    weights = table["frequency"].to_numpy()
    journeys = int(weights.sum())
    return Conformance(
        method=method,
        model=model,
        fitness=fitness,
        fitting_share=float(weights[table["fits"].to_numpy()].sum() / journeys),
        average_fitness=float((table["fitness"].to_numpy() * weights).sum() / journeys),
        journeys=journeys,
        variants=table,
        replayed_share=journeys / max(int(all_variants["frequency"].sum()), 1),
    )


def _traces(sequences: list[list[str]]) -> Any:
    from pm4py.objects.log.obj import Event, EventLog, Trace

    return EventLog([Trace([Event({"concept:name": a}) for a in seq]) for seq in sequences])


def _labels(model: ProcessModel) -> set[str]:
    return {t.label for t in model.net.transitions if t.label is not None}


def _token_replay(
    traces: Any, model: ProcessModel, weights: np.ndarray, progress: bool
) -> tuple[dict, float]:
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay

    replayed = token_replay.apply(
        traces, *model.petri_net, parameters={"show_progress_bar": progress}
    )
    labels = _labels(model)
    fitness = np.array([r["trace_fitness"] for r in replayed], dtype=float)
    fits = np.array([bool(r["trace_is_fit"]) for r in replayed])
    deviations = []
    for trace, result in zip(traces, replayed, strict=True):
        names = [e["concept:name"] for e in trace]
        found = [f"not in the model: {a}" for a in dict.fromkeys(names) if a not in labels]
        found += [
            f"missing token: {t.label}"
            for t in result["transitions_with_problems"]
            if t.label is not None
        ]
        if result["remaining_tokens"]:
            found.append(f"unfinished: {result['remaining_tokens']} tokens left in the model")
        deviations.append(list(dict.fromkeys(found)))
    totals = {
        key: float(np.dot([r[key] for r in replayed], weights))
        for key in ("missing_tokens", "consumed_tokens", "remaining_tokens", "produced_tokens")
    }
    log_fitness = 0.0
    if totals["consumed_tokens"] > 0 and totals["produced_tokens"] > 0:
        log_fitness = 0.5 * (1 - totals["missing_tokens"] / totals["consumed_tokens"]) + 0.5 * (
            1 - totals["remaining_tokens"] / totals["produced_tokens"]
        )
    return {"fitness": fitness, "fits": fits, "deviations": deviations}, log_fitness


def _alignments(
    traces: Any, model: ProcessModel, weights: np.ndarray, progress: bool
) -> tuple[dict, float]:
    from pm4py.algo.conformance.alignments.petri_net import algorithm as alignments

    aligned = alignments.apply(traces, *model.petri_net, parameters={"show_progress_bar": progress})
    fitness = np.array([a["fitness"] for a in aligned], dtype=float)
    deviations = []
    for result in aligned:
        found = []
        for log_move, model_move in result["alignment"]:
            if model_move == ">>":
                found.append(f"unexpected: {log_move}")
            elif log_move == ">>" and model_move is not None:
                found.append(f"skipped: {model_move}")
        deviations.append(list(dict.fromkeys(found)))
    cost = float(np.dot([a["cost"] for a in aligned], weights))
    worst = float(np.dot([a["bwc"] for a in aligned], weights))
    log_fitness = 1.0 - (cost / worst if worst > 0 else 0.0)
    return {"fitness": fitness, "fits": fitness == 1.0, "deviations": deviations}, log_fitness


def _conversions_per_variant(log: EventLog, model: JourneyModel | None) -> np.ndarray | None:
    if model is None:
        return None
    from ..journey.variants import conversions_per_variant

    return conversions_per_variant(log.journey(model))
