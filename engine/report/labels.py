"""Labels from the log made safe to show: Unicode's bidirectional controls (which can
make a label read backwards or hide text, as in 'Trojan Source' attacks) are replaced by
a visible mark of their code point."""

from __future__ import annotations

import re

#: The explicit bidirectional formatting characters: embeddings, overrides, isolates and
#: the implicit marks.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutral(text: str) -> str:
    """`text` with every bidirectional control shown as ⟦U+XXXX⟧."""
    return BIDI_CONTROLS.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", text)


#: C0 and C1 control characters: line breaks, tabs, the escape that starts a terminal's
#: control sequences.
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """`text` for one line of a terminal or log file: bidirectional controls and control
    characters shown as ⟦U+XXXX⟧, so that a name from the log can neither break the line
    (a batch job's log is read line by line) nor drive the terminal (escape sequences)."""
    return CONTROLS.sub(lambda m: f"⟦U+{ord(m.group()):04X}⟧", neutral(text))


def counted(n: int, noun: str, nouns: str | None = None) -> str:
    """`n` and its noun, singular for one: "1 journey", "2,000 journeys"."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"
