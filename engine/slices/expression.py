"""The small filter language of `--where`, parsed safely (a tokenizer and a recursive
descent parser; nothing is evaluated as Python).

    expression := clause ("or" clause)*
    clause     := term ("and" term)*
    term       := "not" term | "(" expression ")" | test
    test       := COLUMN ("==" | "!=") VALUE | COLUMN ["not"] "in" "(" VALUE ("," VALUE)* ")"
    VALUE      := 'text' | "text" | a number

A test compares an event column's value at each journey's first event (its segment),
so `segment == 'new' and first_channel in ('web', 'app')` keeps journeys. A value is read
as the column's type (`tier == '1'` is `tier == 1` on a column of numbers; see
engine.slices.values). Words are
case-sensitive column names; `and`, `or`, `not` and `in` are keywords.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import InputError

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>==|!=|\(|\)|,)
    | (?P<word>[A-Za-z_][A-Za-z0-9_.:-]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in"}


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, word, end
    text: str
    position: int  # 0-based character offset in the expression


#: A parsed expression: given `isin(column, values)` (per case, whether the column's value
#: at its first event is one of `values`), a mask per case.
Mask = Callable[[Callable[[str, list], np.ndarray]], np.ndarray]


def tokenize(text: str) -> list[Token]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            start = len(text) - len(text[position:].lstrip())
            raise _error(text, start, "unexpected character")
        kind = match.lastgroup
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def parse(text: str) -> tuple[Mask, list[str]]:
    """(a function from `values(column)` to a bool mask, the columns it reads)."""
    if not text.strip():
        raise InputError("--where: the expression is empty; write e.g. \"segment == 'new'\"")
    parser = _Parser(text, tokenize(text))
    mask = parser.expression()
    parser.expect_end()
    return mask, sorted(parser.columns)


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text, self.tokens, self.at = text, tokens, 0
        self.columns: set[str] = set()

    def peek(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def word(self, word: str) -> bool:
        token = self.peek()
        if token.kind == "word" and token.text == word:
            self.at += 1
            return True
        return False

    def expression(self) -> Mask:
        parts = [self.clause()]
        while self.word("or"):
            parts.append(self.clause())
        return parts[0] if len(parts) == 1 else _any(parts)

    def clause(self) -> Mask:
        parts = [self.term()]
        while self.word("and"):
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else _all(parts)

    def term(self) -> Mask:
        if self.word("not"):
            inner = self.term()
            return lambda values: ~inner(values)
        token = self.peek()
        if token.kind == "op" and token.text == "(":
            self.take()
            inner = self.expression()
            self.expect(")")
            return inner
        return self.test()

    def test(self) -> Mask:
        column = self.take()
        if column.kind != "word" or column.text in KEYWORDS:
            raise self.error(column, "expected a column name")
        self.columns.add(column.text)
        name = column.text
        op = self.take()
        if op.kind == "op" and op.text in ("==", "!="):
            value = self.value()
            equal = op.text == "=="
            return lambda isin: isin(name, [value]) == equal
        negate = False
        if op.kind == "word" and op.text == "not":
            negate, op = True, self.take()
        if op.kind == "word" and op.text == "in":
            self.expect("(")
            options = [self.value()]
            while self.peek().text == ",":
                self.take()
                options.append(self.value())
            self.expect(")")
            return lambda isin: isin(name, options) != negate
        raise self.error(op, "expected ==, != or in after a column name")

    def value(self) -> object:
        token = self.take()
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        raise self.error(token, "expected a value ('text' or a number)")

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise self.error(token, f"expected '{text}'")

    def expect_end(self) -> None:
        token = self.peek()
        if token.kind != "end":
            raise self.error(token, "expected 'and', 'or' or the end")

    def error(self, token: Token, message: str) -> InputError:
        found = f"'{token.text}'" if token.kind != "end" else "the end"
        return _error(self.text, token.position, f"{message}, found {found}")


def _error(text: str, position: int, message: str) -> InputError:
    return InputError(
        f"--where: {message} at character {position + 1}: {text[:position]}⟨here⟩{text[position:]}"
    )


def _any(parts: list[Mask]) -> Mask:
    def mask(isin):
        out = parts[0](isin)
        for part in parts[1:]:
            out = out | part(isin)
        return out

    return mask


def _all(parts: list[Mask]) -> Mask:
    def mask(isin):
        out = parts[0](isin)
        for part in parts[1:]:
            out = out & part(isin)
        return out

    return mask
