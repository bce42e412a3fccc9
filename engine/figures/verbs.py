"""The verbs every log has, on either backend, made from the figures: `log.dfg()` is
engine.figures.edges.dfg bound to the log. The figure's function is the one definition:
its signature, docstring and name are what help(), inspect.signature and a notebook's
completion show for the method. The module is imported on first use, so that
`import engine` stays light."""

from __future__ import annotations

import importlib
import types
from typing import Any, TypeVar

#: verb -> "module:function" in engine.figures; the function takes the log first.
LOG_VERBS: dict[str, str] = {
    "dfg": "edges:dfg",
    "variants": "variants:variants",
    "activities": "activities:activities",
    "start_activities": "activities:start_activities",
    "end_activities": "activities:end_activities",
    "summary": "summary:summary",
}

T = TypeVar("T", bound=type)


class LogVerb:
    """A log's method made from a figure's function (`target`, "module:function")."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._function: Any = None

    @property
    def function(self) -> Any:
        if self._function is None:
            module, name = self.target.split(":")
            self._function = getattr(importlib.import_module(f"{__package__}.{module}"), name)
        return self._function

    def __get__(self, log: Any, owner: type | None = None) -> Any:
        if log is None:
            return self.function
        return types.MethodType(self.function, log)


def with_log_verbs(cls: T) -> T:
    """Give a log class every verb of LOG_VERBS."""
    for verb, target in LOG_VERBS.items():
        setattr(cls, verb, LogVerb(target))
    return cls
