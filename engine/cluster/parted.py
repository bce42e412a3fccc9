"""A log given as parts of whole cases, analysed by partial results merged: the tables
of EventLog from mergeable chunks (engine.analysis.partials, engine.figures), medians and
p90 exact where feasible (engine.analysis.exact), else from sketches (within 0.5 %).

A backend says how to reduce over its parts (`reduce`, `_merged`), what its activities
are and where observation ends; everything else is here, once: the Dask backend
(cluster/eventlog.py) and the in-memory parts (cluster/local.py) share it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..log.build import DroppedRows


class PartedLog:
    """The tables of a log given as parts. Subclasses give `reduce(chunk, combine,
    *args)`, `_merged()` (the merged LogPartial), `activity_names`, `observed_until`,
    `npartitions`, and the attributes `columns`, `attributes`, `source`, `definition`."""

    backend = "parts"
    _quantiles: Any = None

    def reduce(self, chunk: Any, combine: Any, *args: Any) -> Any:
        raise NotImplementedError

    def _merged(self) -> Any:
        raise NotImplementedError

    def journey(self, model: Any = None) -> Any:
        """This log seen through a journey model (default: the five-stage template), as
        EventLog.journey: stages, transitions, funnel, time to convert, bottlenecks,
        actions, segments, stage dwell, journey variants, channels, satisfaction and
        attribution from the figures' reductions over the parts (engine.figures),
        medians and p90 as the log's tables have them."""
        from ..journey import Journey, JourneyModel

        return Journey(self, model if model is not None else JourneyModel.default())

    def compute(self) -> PartedLog:
        """Build and count every partition now (analyses then only finalize)."""
        self._merged()
        return self

    # -- sizes and tables --------------------------------------------------------------------
    @property
    def n_events(self) -> int:
        return int(self._merged().n_events)

    @property
    def n_cases(self) -> int:
        return int(self._merged().n_cases)

    @property
    def n_activities(self) -> int:
        return len(self.activity_names)

    @property
    def dropped(self) -> DroppedRows:
        counts = self._merged().dropped
        return DroppedRows(**{k: counts.get(k, 0) for k in DroppedRows.__dataclass_fields__})

    def dfg(self) -> pd.DataFrame:
        """As EventLog.dfg; median_s and p90_s exact where feasible (see `quantiles`),
        else within 0.5 %."""
        from ..analysis.partials import edge_durations, edges_table

        names = self.activity_names
        merged = self._merged()
        exact_values = self.quantile_cache.get(
            "edges", merged.edges.sketch, len(names) ** 2, edge_durations, names
        )
        return edges_table(merged, names, exact_values)

    def variants(self, *, top: int | None = None) -> pd.DataFrame:
        """As EventLog.variants; median_duration_s exact where feasible (see
        `quantiles`), else within 0.5 %. Only the returned variants are decoded."""
        from ..analysis.partials import variant_durations, variant_order, variants_table

        merged = self._merged()
        order, _ = variant_order(merged, top)
        hashes = merged.variants.hashes
        exact_values = self.quantile_cache.get(
            "variants",
            merged.variants.sketch,
            len(hashes),
            variant_durations,
            self.activity_names,
            hashes,
            groups=order,
        )
        return variants_table(merged, self.activity_names, top=top, exact_values=exact_values)

    @property
    def quantile_cache(self) -> Any:
        """The exact quantiles of the tables (engine.analysis.exact.QuantileCache)."""
        if self._quantiles is None:
            from ..analysis.exact import QuantileCache

            self._quantiles = QuantileCache(self.reduce)
        return self._quantiles

    @property
    def quantiles(self) -> dict[str, str]:
        """How each table's medians and p90 were computed so far: "exact", or "sketch"
        (within 0.5 %) where more than engine.analysis.exact.EXACT_LIMIT values would
        have had to travel to the client."""
        return dict(self.quantile_cache.methods)

    def activities(self) -> pd.DataFrame:
        """As EventLog.activities."""
        from ..analysis.partials import activities_table

        return activities_table(self._merged(), self.activity_names)

    @property
    def timezone_aware(self) -> bool:
        return bool(self._merged().timezone_aware)

    def summary(self) -> dict[str, Any]:
        """The figures of summary.json, as EventLog.summary gives them, with the backend,
        the partitions and how the quantiles were computed."""
        from ..analysis.summary import summary_figures

        merged = self._merged()
        return summary_figures(
            self,
            variants=len(merged.variants.hashes),
            edges=int(np.count_nonzero(merged.edges.frequency)),
            first_ns=merged.first_ns,
            last_ns=merged.last_ns,
            backend=self.backend,
            partitions=self.npartitions,
            quantiles=self.quantiles,
        )
