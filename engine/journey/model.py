"""The journey model: ordered stages, which touchpoint belongs to which stage, and what
counts as a conversion.

A model comes from Python (`JourneyModel.from_stages`) or from a small TOML file
(`JourneyModel.from_toml`):

    conversion = { activity = "purchase" }     # or { stage = "purchase" }

    [[stages]]
    name = "discovery"
    touchpoints = ["ad_click", "search"]

    [[stages]]
    name = "purchase"
    touchpoints = ["checkout", "purchase"]

It is checked when made (stages declared once, each touchpoint in one stage, a conversion
that names a declared stage) and again against a log (`check`): touchpoints the log has
but the model does not map are reported, never dropped in silence; touchpoints the model
maps but the log lacks are an error that lists them (unless the model is not strict); a
conversion activity the log lacks gets a warning (no journey converts). The log is the
one read: a slice of it is checked against the activities it was cut from (its
`read_activities`), since a slice without some touchpoint, or without a converter, is no
misspelt mapping.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError, caller_stacklevel


@dataclass(frozen=True)
class Conversion:
    """A journey converts at its first event of `activity`, or on first reaching `stage`;
    with a `window` (ns), only when that happens within the window of its first event."""

    activity: str | None = None
    stage: str | None = None
    window: int | None = None

    def __post_init__(self) -> None:
        if (self.activity is None) == (self.stage is None):
            raise InputError(
                "a conversion is either an activity or a stage: give exactly one of "
                f"activity= or stage= (got activity={self.activity!r}, stage={self.stage!r})"
            )
        if self.window is not None and self.window <= 0:
            raise InputError(f"a conversion window must be positive; got {self.window} ns")

    def describe(self) -> str:
        text = f"activity '{self.activity}'" if self.activity else f"stage '{self.stage}'"
        if self.window is not None:
            text += f" within {pd.Timedelta(self.window, unit='ns')}"
        return text


@dataclass(frozen=True)
class JourneyModel:
    """Ordered stages, touchpoint → stage, and the conversion."""

    stages: tuple[str, ...]
    touchpoints: Mapping[str, str]
    conversion: Conversion
    strict: bool = field(default=True)  # mapped touchpoints missing from a log are errors

    def __post_init__(self) -> None:
        stages = tuple(self.stages)
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "touchpoints", dict(self.touchpoints))
        if not stages:
            raise InputError("a journey model needs at least one stage")
        empty = [i for i, s in enumerate(stages) if not isinstance(s, str) or not s.strip()]
        if empty:
            raise InputError(f"stage names must be non-empty text; stages {empty} are not")
        repeated = sorted({s for s in stages if stages.count(s) > 1})
        if repeated:
            raise InputError(f"stages declared more than once: {_names(repeated)}")
        undeclared = sorted({s for s in self.touchpoints.values() if s not in stages})
        if undeclared:
            users = sorted(t for t, s in self.touchpoints.items() if s in undeclared)
            raise InputError(
                f"stage {_names(undeclared)} is used by touchpoints {_names(users)} but not "
                f"declared; declared stages: {_names(stages)}. Declare it or fix the mapping"
            )
        if self.conversion.stage is not None and self.conversion.stage not in stages:
            raise InputError(
                f"the conversion stage '{self.conversion.stage}' is not declared; "
                f"declared stages: {_names(stages)}"
            )

    # -- construction ------------------------------------------------------------------
    @classmethod
    def from_stages(
        cls,
        stages: Mapping[str, Iterable[str]],
        *,
        conversion: str | Conversion,
        strict: bool = True,
    ) -> JourneyModel:
        """From {stage: [touchpoints]} in stage order. A `conversion` string is
        'stage:NAME' or 'activity:NAME'; a bare name is a stage if one is called so, else
        an activity."""
        touchpoints: dict[str, str] = {}
        for stage, names in stages.items():
            if isinstance(names, str):
                raise InputError(
                    f"stage '{stage}' must list its touchpoints, e.g. ['{names}']; got a string"
                )
            for name in names:
                if name in touchpoints and touchpoints[name] != stage:
                    raise InputError(
                        f"touchpoint '{name}' is mapped to two stages, '{touchpoints[name]}' "
                        f"and '{stage}'; a touchpoint belongs to one stage"
                    )
                touchpoints[name] = stage
        if isinstance(conversion, str):
            conversion = parse_conversion(conversion, stages, touchpoints)
        return cls(tuple(stages), touchpoints, conversion, strict)

    @classmethod
    def from_toml(
        cls,
        path: str | os.PathLike,
        *,
        conversion: str | None = None,
        object_type: str | None = None,
    ) -> JourneyModel:
        """Read a model from TOML (see the module doc); `conversion` overrides the file's.

        A file for an object-centric log may hold one model per object type, a table each
        (`[orders]` with `[[orders.stages]]`, `[packages]` ...): `object_type` picks one,
        so one file serves every flattening of the log. A single model fits any type.
        """
        source = Path(path)
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"stage mapping '{source}' does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"stage mapping '{source}' is not valid TOML: {exc}") from None
        where = f"'{source}'"
        per_type = _per_type(data)
        if per_type:
            if object_type is None:
                raise InputError(
                    f"{where} holds one model per object type ({_names(per_type)}); name "
                    "the type: object_type= (--object-type)"
                )
            if object_type not in per_type:
                raise InputError(
                    f"{where} has no model for object type '{object_type}'; it has "
                    f"{_names(per_type)}: add a [{object_type}] table or choose one of those"
                )
            data, where = data[object_type], f"{where} [{object_type}]"
        return cls.from_mapping(data, where=where, conversion=conversion)

    @classmethod
    def from_mapping(
        cls, data: Mapping, *, where: str = "the mapping", conversion: str | None = None
    ) -> JourneyModel:
        """From the parsed TOML structure: `stages` (a list of tables with `name` and
        `touchpoints`), `conversion` ({activity=...} or {stage=...}), optional `strict`."""
        unknown = sorted(set(data) - {"stages", "conversion", "strict", "description"})
        if unknown:
            raise InputError(
                f"{where} has unknown keys {_names(unknown)}; "
                "expected stages, conversion, strict, description"
            )
        entries = data.get("stages")
        if not isinstance(entries, list) or not entries:
            raise InputError(f"{where} needs a [[stages]] list, each with name and touchpoints")
        stages: dict[str, list[str]] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, Mapping) or "name" not in entry:
                raise InputError(f"{where}: stage {i + 1} has no name")
            name = entry["name"]
            touchpoints = entry.get("touchpoints", [])
            if not isinstance(touchpoints, list) or not all(
                isinstance(t, str) for t in touchpoints
            ):
                raise InputError(f"{where}: stage '{name}' touchpoints must be a list of text")
            if name in stages:
                raise InputError(f"stages declared more than once: '{name}'")
            stages[name] = touchpoints
        if conversion is not None:
            target: str | Conversion = conversion
        else:
            given = data.get("conversion")
            if not isinstance(given, Mapping):
                raise InputError(
                    f'{where} needs conversion = {{ activity = "..." }} or '
                    '{ stage = "..." } (or pass the conversion explicitly)'
                )
            extra = sorted(set(given) - {"activity", "stage", "within"})
            if extra:
                raise InputError(
                    f"{where}: conversion takes activity or stage (and within), not {_names(extra)}"
                )
            window = given.get("within")
            target = Conversion(
                activity=given.get("activity"),
                stage=given.get("stage"),
                window=None if window is None else window_ns(window, where),
            )
        return cls.from_stages(stages, conversion=target, strict=bool(data.get("strict", True)))

    @classmethod
    def default(cls, *, conversion: str | None = None) -> JourneyModel:
        """The five-stage template: discovery, evaluation, purchase, after-sales, loyalty.

        Its touchpoint names are those of `parcours generate`; it is not strict, so a log
        with only some of them can use it (the rest of the log is reported as unmapped).
        """
        return cls.template("default", conversion=conversion)

    @classmethod
    def template(cls, name: str, *, conversion: str | None = None) -> JourneyModel:
        """A mapping shipped with parcours, by name (see `templates()`)."""
        if name not in templates():
            raise InputError(
                f"no stage mapping called '{name}'; shipped ones: {_names(templates())}, "
                "or give the path of a TOML file"
            )
        text = _TEMPLATES.joinpath(f"{name}.toml").read_text(encoding="utf-8")
        return cls.from_mapping(
            tomllib.loads(text), where=f"the '{name}' mapping", conversion=conversion
        )

    def within(self, window: object) -> JourneyModel:
        """This model with a conversion window: a journey converts only if it does so
        within `window` ('30D', '12h', a Timedelta; None: no window) of its start."""
        import dataclasses

        ns = None if window is None else window_ns(window)
        conversion = dataclasses.replace(self.conversion, window=ns)
        return dataclasses.replace(self, conversion=conversion)

    # -- against a log -----------------------------------------------------------------
    def stage_order(self, stage: str) -> int:
        return self.stages.index(stage)

    def check(self, read_activities: Iterable[str]) -> None:
        """Check the model's spelling against the activities of a log as it was read
        (before any filter: a slice carries them as `read_activities`): an error for the
        touchpoints it names that the log lacks (when strict), a warning for a conversion
        activity that never occurs. A slice that lacks a touchpoint the log read has is
        no mistake: it counts no visit of it."""
        present = set(read_activities)
        missing = sorted(t for t in self.touchpoints if t not in present)
        if missing and self.strict:
            raise InputError(
                f"the stage mapping names touchpoints the log does not have: {_names(missing)}; "
                "fix their spelling, remove them, or set strict = false in the mapping"
            )
        if self.conversion.activity is not None and self.conversion.activity not in present:
            # Possible (nobody converted), but more often a typo: say so, do not stop.
            warnings.warn(
                f"the conversion activity '{self.conversion.activity}' never occurs in the log, "
                f"so no journey converts; its activities include {_names(sorted(present)[:20])}",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )

    def unmapped_touchpoints(
        self, activity_names: Sequence[str], read_activities: Iterable[str] | None = None
    ) -> list[str]:
        """The log's touchpoints the model leaves unmapped, after checking the model fits
        the log as read (`check`; `read_activities` defaults to `activity_names`)."""
        self.check(activity_names if read_activities is None else read_activities)
        return [name for name in activity_names if name not in self.touchpoints]

    def stage_codes(self, activity_names: Sequence[str]) -> np.ndarray:
        """Stage index (in stage order) of each activity code; -1 for unmapped ones."""
        return np.array(
            [
                self.stages.index(self.touchpoints[n]) if n in self.touchpoints else -1
                for n in activity_names
            ],
            dtype=np.int32,
        )


_TEMPLATES = resources.files("engine.journey").joinpath("templates")


def templates() -> list[str]:
    """Names of the stage mappings shipped with parcours: the generator's five-stage
    template ('default') and one per public log the tests use."""
    return sorted(
        p.name.removesuffix(".toml") for p in _TEMPLATES.iterdir() if p.name.endswith(".toml")
    )


def window_ns(value: object, where: str = "the conversion window") -> int:
    """A conversion window ('30D', '12h', a Timedelta) in ns; a one-line error else."""
    from ..durations import duration_ns

    return duration_ns(value, f"{where}: a conversion window", seconds=False)


def parse_conversion(
    text: str, stages: Iterable[str], touchpoints: Iterable[str] = ()
) -> Conversion:
    """'stage:NAME', 'activity:NAME', or a bare NAME (a stage if one is called so). A bare
    name that is both a stage and a touchpoint is refused: read as the stage, every
    touchpoint of it converts (add_to_cart beside purchase), which biased the losses of
    a planted log by half; which one is meant is the caller's to say."""
    kind, sep, name = text.partition(":")
    if sep and kind in ("stage", "activity"):
        return Conversion(**{kind: name})
    if text in set(stages) and text in set(touchpoints):
        raise InputError(
            f"conversion '{text}' names both a stage and a touchpoint: write 'stage:{text}' "
            f"(an event of any touchpoint of the stage converts) or 'activity:{text}' (only "
            f"'{text}' events do), --conversion likewise"
        )
    return Conversion(stage=text) if text in set(stages) else Conversion(activity=text)


def _per_type(data: Mapping) -> list[str]:
    """The object types of a per-type model file: tables holding `stages`; [] for one
    model (top-level `stages`)."""
    if "stages" in data:
        return []
    return [k for k, v in data.items() if isinstance(v, Mapping) and "stages" in v]


def _names(values: Iterable[str]) -> str:
    shown = [f"'{v}'" for v in values]
    return ", ".join(shown[:20]) + (f", ... ({len(shown)} in all)" if len(shown) > 20 else "")
