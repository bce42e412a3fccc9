"""Compare two logs (two slices, two periods, two segments): what differs, beyond chance.

One long table (COMPARE_COLUMNS), a row per compared figure:

- `edge`: the share of journeys taking each step a → b (at least once);
- `variant`: the share of journeys following each variant (variants followed by at
  least MIN_VARIANT_JOURNEYS journeys in one of the logs);
- `funnel`: the share of journeys reaching each stage; `conversion`: the conversion rate
  (with a journey model);
- `stage_dwell`: each stage's median dwell (closed visits), compared by a log-rank test
  in which a journey's last, open visit is right-censored at the dwell seen so far: dwell
  times are skewed, and open visits are unfinished, not short.

Shares are compared by the difference b − a with Newcombe's hybrid score interval (from
Wilson intervals; sound with small counts) and a two-proportion z test. Rows with too
little evidence (fewer than `min_journeys` journeys on a side, or fewer than 5 expected
takers or non-takers) are flagged `too_small` and left out of the adjustment. p-values
are adjusted within each table by Benjamini–Hochberg, which controls the share of false
discoveries among the rows flagged, the right error rate for screening many rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import InputError
from ..journey.stats import (
    benjamini_hochberg,
    logrank_keys,
    logrank_p,
    two_proportion_test,
    wilson_interval,
)
from ..schema import BOOL, FLOAT, INT, TEXT, table_schema
from ..sorting import sort_in_parts

if TYPE_CHECKING:
    from ..journey import JourneyModel
    from ..log.eventlog import EventLog

COMPARE_SCHEMA = table_schema(
    table=TEXT,
    item=TEXT,
    a=FLOAT,
    b=FLOAT,
    difference=FLOAT,
    low=FLOAT,
    high=FLOAT,
    a_journeys=INT,
    b_journeys=INT,
    p_value=FLOAT,
    p_adjusted=FLOAT,
    significant=BOOL,
    too_small=BOOL,
)
COMPARE_COLUMNS = tuple(COMPARE_SCHEMA.names)


TABLES = ("edge", "variant", "funnel", "conversion", "stage_dwell")


def compare_logs(
    log_a: EventLog,
    log_b: EventLog,
    model: JourneyModel | None = None,
    *,
    confidence: float = 0.95,
    min_journeys: int = 30,
    fdr: float = 0.05,
    tables: tuple[str, ...] = TABLES,
    horizon_ns: int | None = None,
) -> pd.DataFrame:
    """COMPARE_COLUMNS for `log_a` against `log_b` (see the module doc); with `model`,
    the funnel, conversion and stage dwell too. `fdr`: the false-discovery rate at which
    a row is `significant`; `tables`: which to compare; `horizon_ns`: conversion counted
    within that time of a journey's start, among journeys observed that long (logs of
    unequal age, see journey/segments.py). The model is checked against the logs as
    read (`JourneyModel.check`): a touchpoint neither has is an error when it is strict,
    a conversion activity neither has a warning."""
    if model is not None:
        model.check(read_activities(log_a, log_b))
    rows = compare_rows(
        log_a,
        log_b,
        model,
        confidence=confidence,
        min_journeys=min_journeys,
        tables=tables,
        horizon_ns=horizon_ns,
    )
    return adjust(rows, fdr)


def compare_rows(
    log_a: EventLog,
    log_b: EventLog,
    model: JourneyModel | None = None,
    *,
    confidence: float = 0.95,
    min_journeys: int = 30,
    tables: tuple[str, ...] = TABLES,
    horizon_ns: int | None = None,
) -> pd.DataFrame:
    """compare_logs' rows before the adjustment (no p_adjusted, significant)."""
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise InputError(f"tables must be among {', '.join(TABLES)}; got {unknown}")
    n_a, n_b = log_a.n_cases, log_b.n_cases
    parts = []
    if "edge" in tables:
        parts.append(_shares("edge", _edge_takers(log_a), _edge_takers(log_b), n_a, n_b))
    if "variant" in tables:
        variants = _shares("variant", _variant_takers(log_a), _variant_takers(log_b), n_a, n_b)
        parts.append(_frequent(variants))
    if model is not None:
        ja, jb = _journeys(log_a, log_b, model)
        if "funnel" in tables:
            reach_a = ja.funnel().set_index("stage")["reached"]
            reach_b = jb.funnel().set_index("stage")["reached"]
            parts.append(_shares("funnel", reach_a, reach_b, n_a, n_b))
        if "conversion" in tables:
            (k_a, f_a), (k_b, f_b) = _won(ja, horizon_ns), _won(jb, horizon_ns)
            won_a, won_b = pd.Series({"converted": k_a}), pd.Series({"converted": k_b})
            parts.append(_shares("conversion", won_a, won_b, f_a, f_b))
        if "stage_dwell" in tables:
            parts.append(_dwell(ja, jb))
    parts = [_evidence(part, min_journeys, confidence) for part in parts if not part.empty]
    if not parts:
        return pd.DataFrame({c: [] for c in COMPARE_COLUMNS if c not in ADJUSTED})
    return pd.concat(parts, ignore_index=True)


def _journeys(log_a: EventLog, log_b: EventLog, model: JourneyModel) -> tuple:
    """Both logs through `model` made lenient: two logs read apart (two periods) may each
    lack some of the mapped touchpoints, or every conversion, without that being a
    mistake. Its spelling was checked against the logs as read by the caller
    (compare_logs, or the journey drift runs on)."""
    import dataclasses
    import warnings

    lenient = dataclasses.replace(model, strict=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # said by compare_logs, or the journey
        ja, jb = log_a.journey(lenient), log_b.journey(lenient)
        ja.conversions, jb.conversions  # noqa: B018 (computed now, under the same filter)
    return ja, jb


def read_activities(log_a: EventLog, log_b: EventLog) -> list[str]:
    """The activities of the two logs as read (both slices of one log: its own)."""
    return sorted({*log_a.read_activities.tolist(), *log_b.read_activities.tolist()})


#: `engine.compare(log_a, log_b, model)`: what differs between two logs.
compare = compare_logs

#: The columns `adjust` adds.
ADJUSTED = ("p_adjusted", "significant")


def adjust(
    rows: pd.DataFrame, fdr: float = 0.05, *, family: tuple[str, ...] = ("table",)
) -> pd.DataFrame:
    """Benjamini–Hochberg within each `family` (by default each table), rows with too
    little evidence left out; then `significant` at the false-discovery rate `fdr`."""
    if not 0 < fdr < 1:
        raise InputError(f"fdr must be between 0 and 1; got {fdr}")
    rows = rows.copy()
    rows["p_adjusted"] = np.nan
    for _, part in rows.groupby(list(family), sort=False):
        rows.loc[part.index, "p_adjusted"] = benjamini_hochberg(
            np.where(part["too_small"], np.nan, part["p_value"])
        )
    rows["significant"] = (rows["p_adjusted"] <= fdr) & ~rows["too_small"]
    order = [TABLES.index(t) for t in rows["table"]]
    rows = rows.assign(_order=order).sort_values(
        ["_order", "p_value", "item"], na_position="last", kind="stable"
    )
    columns = [c for c in rows.columns if c not in COMPARE_COLUMNS and c != "_order"]
    return rows[[*COMPARE_COLUMNS, *columns]].reset_index(drop=True)


def _won(journey, horizon_ns: int | None) -> tuple[int, int]:
    """(journeys converted, journeys counted): within the horizon if one is given."""
    from ..journey.segments import horizon_outcomes

    followed, won = horizon_outcomes(journey.conversions, horizon_ns)
    counted = journey.log.n_cases if followed is None else int(followed.sum())
    return int(won.sum()), counted


def _edge_takers(log: EventLog) -> pd.Series:
    edges = log.dfg()
    return pd.Series(
        edges["cases"].to_numpy(),
        index=[f"{s} → {t}" for s, t in zip(edges["source"], edges["target"], strict=True)],
    )


#: Variants followed by fewer journeys than this in both logs are not compared: a log
#: of millions of journeys has hundreds of thousands of one-off variants, none testable.
MIN_VARIANT_JOURNEYS = 5


def _variant_takers(log: EventLog) -> pd.Series:
    """Journeys per variant, keyed by its steps joined with arrows (in Arrow: a log of
    millions of journeys has hundreds of thousands of variants)."""
    import pyarrow.compute as pac

    from ..analysis.variants import compute_variants, variant_sequences

    found = log.cache("variants", compute_variants)
    joined = pac.binary_join(variant_sequences(log.activity_names, found), " → ")
    return pd.Series(found.frequency, index=joined.to_numpy(zero_copy_only=False))


def _frequent(part: pd.DataFrame) -> pd.DataFrame:
    """The variants followed by MIN_VARIANT_JOURNEYS journeys in at least one log."""
    return part[np.maximum(part["_k_a"], part["_k_b"]) >= MIN_VARIANT_JOURNEYS]


def _shares(table: str, a: pd.Series, b: pd.Series, n_a: int, n_b: int) -> pd.DataFrame:
    items = a.index.union(b.index)
    k_a = a.reindex(items, fill_value=0).to_numpy(np.int64)
    k_b = b.reindex(items, fill_value=0).to_numpy(np.int64)
    return pd.DataFrame(
        {
            "table": table,
            "item": items.astype(str),
            "_k_a": k_a,
            "_k_b": k_b,
            "a_journeys": n_a,
            "b_journeys": n_b,
        }
    )


def _evidence(part: pd.DataFrame, min_journeys: int, confidence: float) -> pd.DataFrame:
    """The estimates, intervals, tests and evidence flags of one table's rows."""
    part = part.copy()
    n_a, n_b = part["a_journeys"].to_numpy(float), part["b_journeys"].to_numpy(float)
    if "_k_a" not in part:  # dwell rows: estimates and tests made already
        too_small = (n_a < min_journeys) | (n_b < min_journeys) | part["p_value"].isna()
        part["too_small"] = too_small.to_numpy()
        return part
    k_a, k_b = part["_k_a"].to_numpy(float), part["_k_b"].to_numpy(float)
    part["a"], part["b"] = k_a / n_a, k_b / n_b
    part["difference"] = part["b"] - part["a"]
    part["low"], part["high"] = newcombe_interval(k_a, n_a, k_b, n_b, confidence=confidence)
    _, part["p_value"] = two_proportion_test(k_b, n_b, k_a, n_a)
    pooled = (k_a + k_b) / (n_a + n_b)
    expected = np.minimum(np.minimum(n_a, n_b) * pooled, np.minimum(n_a, n_b) * (1 - pooled))
    part["too_small"] = (n_a < min_journeys) | (n_b < min_journeys) | (expected < 5)
    return part.drop(columns=["_k_a", "_k_b"])


def newcombe_interval(
    k_a: np.ndarray, n_a: np.ndarray, k_b: np.ndarray, n_b: np.ndarray, *, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval of p_b − p_a (method 10 of his 1998 paper)."""
    low_a, high_a = wilson_interval(k_a, n_a, confidence=confidence)
    low_b, high_b = wilson_interval(k_b, n_b, confidence=confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_a, p_b = k_a / n_a, k_b / n_b
    d = p_b - p_a
    low = d - np.sqrt((p_b - low_b) ** 2 + (high_a - p_a) ** 2)
    high = d + np.sqrt((high_b - p_b) ** 2 + (p_a - low_a) ** 2)
    return low, high


def _dwell(ja, jb) -> pd.DataFrame:
    """Per stage: median closed dwell on each side (the stage tables') and a log-rank
    test, a journey's open visit right-censored at the dwell seen so far."""
    stages_a, stages_b = ja.stages(), jb.stages()
    n_stages = len(ja.model.stages)
    keys_a, keys_b = _dwell_keys(ja.visits, 0, n_stages), _dwell_keys(jb.visits, 1, n_stages)
    rows = []
    for s, stage in enumerate(ja.model.stages):
        keys = np.concatenate([keys_a[s], keys_b[s]])
        sort_in_parts(keys)
        med_a = float(stages_a["median_s"].iloc[s])
        med_b = float(stages_b["median_s"].iloc[s])
        rows.append(
            {
                "table": "stage_dwell",
                "item": stage,
                "a": med_a,
                "b": med_b,
                "difference": med_b - med_a,
                "low": np.nan,
                "high": np.nan,
                "a_journeys": int(stages_a["cases"].iloc[s]),
                "b_journeys": int(stages_b["cases"].iloc[s]),
                "p_value": logrank_p(keys),
            }
        )
    return pd.DataFrame(rows)


def _dwell_keys(visits, group: int, n_stages: int) -> list[np.ndarray]:
    """Per stage, the log-rank keys of its visits (stats.logrank_keys)."""
    keys = logrank_keys(visits.end - visits.start, ~visits.open, group)
    order = np.argsort(visits.stage, kind="stable")
    bounds = np.searchsorted(visits.stage[order], np.arange(n_stages + 1))
    return [keys[order[bounds[s] : bounds[s + 1]]] for s in range(n_stages)]
