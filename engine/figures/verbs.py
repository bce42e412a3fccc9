"""The verbs every log has, on either backend, made from the figures: `log.dfg()` is
engine.figures.edges.dfg bound to the log. The figure's function is the one definition:
its signature, docstring and name are what help(), inspect.signature and a notebook's
completion show for the method. The module is imported on first use, so that
`import engine` stays light, and the call runs with the garbage collector paused (a first
call loads compiled kernels: see engine/gc_pause.py)."""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any

from ..gc_pause import with_gc_paused

if TYPE_CHECKING:
    from . import activities as _activities
    from . import edges as _edges
    from . import summary as _summary
    from . import variants as _variants

#: verb -> "module:function" in engine.figures; the function takes the log first.
LOG_VERBS: dict[str, str] = {
    "dfg": "edges:dfg",
    "variants": "variants:variants",
    "activities": "activities:activities",
    "start_activities": "activities:start_activities",
    "end_activities": "activities:end_activities",
    "summary": "summary:summary",
}


class LogVerb:
    """A log's method made from a figure's function (`target`, "module:function")."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._function: Any = None

    @property
    def function(self) -> Any:
        if self._function is None:
            module, name = self.target.split(":")
            figure = getattr(importlib.import_module(f"{__package__}.{module}"), name)
            self._function = with_gc_paused(figure)
        return self._function

    def __get__(self, log: Any, owner: type | None = None) -> Any:
        if log is None:
            return self.function
        return types.MethodType(self.function, log)


class LogVerbs:
    """The table verbs of every log (EventLog, and the logs given as parts inherit them):
    each a LogVerb of LOG_VERBS, the figure's function bound to the log."""

    if TYPE_CHECKING:  # the verbs as static tools see them; the loop below adds them
        activities = _activities.activities
        dfg = _edges.dfg
        end_activities = _activities.end_activities
        start_activities = _activities.start_activities
        summary = _summary.summary
        variants = _variants.variants


for _verb, _target in LOG_VERBS.items():
    setattr(LogVerbs, _verb, LogVerb(_target))
