"""The OData query options the contract-based API accepts: ``$filter``, ``$expand``, ``$select``, ``$top``, ``$skip``.

``$filter`` grammar (what docs/acumatica.md promises, plus ``not`` and parentheses)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | comparison
    comparison := operand ("eq" | "ne" | "gt" | "ge" | "lt" | "le") operand
    operand    := path | 'text' | number | datetimeoffset'…' | datetime'…' | guid'…' | true | false | null
    path       := Name ("/" Name)*          e.g. MainContact/Email

Semantics chosen to behave like the SQL Server database behind a real instance: text compares without
regard to letter case (its default collation), a null field equals only ``null`` and orders before
nothing (``gt``/``lt`` against null are false), datetimes compare as instants whatever their offsets.
A path into a detail collection (``Details/InventoryID``) matches when any line matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any


class QueryError(ValueError):
    """A malformed query option; the message says where."""


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<typed>(?:datetimeoffset|datetime|guid)'[^']*')
    | (?P<string>'(?:[^']|'')*')
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?[mMdDfFlL]?)
    | (?P<paren>[()])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*)
    )""", re.VERBOSE)

COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokens(text: str) -> list[_Token]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"$filter: unexpected text at position {position}: {text[position:position + 20]!r}")
        kind = match.lastgroup
        tokens.append(_Token(kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Path:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Literal | Path
    right: Literal | Path


@dataclass(frozen=True)
class Logical:
    op: str  # and | or
    left: Any
    right: Any


@dataclass(frozen=True)
class Not:
    operand: Any


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0

    def parse(self):
        if not self.tokens:
            raise QueryError("$filter is empty")
        node = self.expr()
        if self.index < len(self.tokens):
            token = self.tokens[self.index]
            raise QueryError(f"$filter: unexpected {token.text!r} at position {token.position}")
        return node

    def peek_word(self) -> str | None:
        if self.index < len(self.tokens) and self.tokens[self.index].kind == "word":
            return self.tokens[self.index].text.lower()
        return None

    def take(self) -> _Token:
        if self.index >= len(self.tokens):
            raise QueryError(f"$filter ends too early: {self.text!r}")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expr(self):
        node = self.and_expr()
        while self.peek_word() == "or":
            self.take()
            node = Logical("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.unary()
        while self.peek_word() == "and":
            self.take()
            node = Logical("and", node, self.unary())
        return node

    def unary(self):
        if self.peek_word() == "not":
            self.take()
            return Not(self.unary())
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        if token is not None and token.kind == "paren" and token.text == "(":
            self.take()
            node = self.expr()
            closing = self.take()
            if closing.text != ")":
                raise QueryError(f"$filter: expected ')' at position {closing.position}")
            return node
        left = self.operand()
        op_token = self.take()
        op = op_token.text.lower()
        if op_token.kind != "word" or op not in COMPARISONS:
            raise QueryError(f"$filter: expected one of {', '.join(COMPARISONS)} at position {op_token.position}, "
                             f"got {op_token.text!r}")
        return Compare(op, left, self.operand())

    def operand(self) -> Literal | Path:
        token = self.take()
        if token.kind == "string":
            return Literal(token.text[1:-1].replace("''", "'"))
        if token.kind == "number":
            try:
                return Literal(Decimal(token.text.rstrip("mMdDfFlL")))
            except InvalidOperation:
                raise QueryError(f"$filter: bad number {token.text!r}") from None
        if token.kind == "typed":
            kind, _, rest = token.text.partition("'")
            raw = rest[:-1]
            if kind in ("datetimeoffset", "datetime"):
                return Literal(parse_datetime(raw, what=f"$filter {kind} literal"))
            return Literal(raw)
        if token.kind == "word":
            word = token.text.lower()
            if word in ("true", "false"):
                return Literal(word == "true")
            if word == "null":
                return Literal(None)
            return Path(tuple(token.text.split("/")))
        raise QueryError(f"$filter: unexpected {token.text!r} at position {token.position}")


def parse_filter(text: str):
    """The parsed ``$filter`` (raises :class:`QueryError` naming the position of a mistake)."""
    return _Parser(text).parse()


def parse_datetime(text: str, *, what: str = "date") -> datetime:
    """An ISO 8601 instant; without an offset it is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(f"{what}: {text!r} is not an ISO 8601 date and time") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _values(record: Any, names: tuple[str, ...]) -> list[Any]:
    """Every value a path reaches (several when it runs through a detail collection)."""
    current = [record]
    for name in names:
        following = []
        for node in current:
            if isinstance(node, list):
                following.extend(line.get(name) for line in node if isinstance(line, Mapping))
            elif isinstance(node, Mapping):
                following.append(node.get(name))
        current = [item for value in following
                   for item in (value if isinstance(value, list) else [value])]
    return current


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    if isinstance(right, datetime) and isinstance(left, str):
        try:
            return parse_datetime(left), right
        except QueryError:
            return None
    if isinstance(left, datetime) and isinstance(right, str):
        swapped = _comparable(right, left)
        return None if swapped is None else (swapped[1], swapped[0])
    if isinstance(left, bool) or isinstance(right, bool):
        return (left, right) if isinstance(left, bool) and isinstance(right, bool) else None
    if isinstance(left, (int, Decimal)) and isinstance(right, (int, Decimal)):
        return Decimal(left), Decimal(right)
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    if isinstance(left, datetime) and isinstance(right, datetime):
        return left, right
    return None


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
}


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        if op == "eq":
            return left is None and right is None
        if op == "ne":
            return (left is None) != (right is None)
        return False
    pair = _comparable(left, right)
    if pair is None:
        return op == "ne"
    return _OPS[op](*pair)


def matches(node, record: Mapping[str, Any]) -> bool:
    """Whether ``record`` (a plain record) satisfies the parsed filter ``node``."""
    if isinstance(node, Logical):
        if node.op == "and":
            return matches(node.left, record) and matches(node.right, record)
        return matches(node.left, record) or matches(node.right, record)
    if isinstance(node, Not):
        return not matches(node.operand, record)
    lefts = _values(record, node.left.names) if isinstance(node.left, Path) else [node.left.value]
    rights = _values(record, node.right.names) if isinstance(node.right, Path) else [node.right.value]
    return any(_compare(node.op, left, right) for left in lefts or [None] for right in rights or [None])


def paths_in(node) -> list[tuple[str, ...]]:
    """The field paths a filter names (so the caller can check they exist)."""
    if isinstance(node, Logical):
        return paths_in(node.left) + paths_in(node.right)
    if isinstance(node, Not):
        return paths_in(node.operand)
    return [side.names for side in (node.left, node.right) if isinstance(side, Path)]


def split_list(text: str | None) -> list[str]:
    """``$expand``/``$select`` values: comma separated, blanks dropped."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


# -- applying the options to plain records -----------------------------------------------------------------

def check_path(schema: Mapping[str, Any], names: tuple[str, ...] | list[str], option: str) -> None:
    """Raise :class:`QueryError` when a path names a field the entity does not have."""
    node: Any = schema
    for position, name in enumerate(names):
        if isinstance(node, list):
            node = node[0]
        if not isinstance(node, Mapping) or name not in node:
            where = "/".join(names[: position + 1])
            raise QueryError(f"{option}: the entity has no field {where!r}")
        node = node[name]


def shape(record: Mapping[str, Any], schema: Mapping[str, Any], *, expand: list[str], select: list[str]) -> dict:
    """A record as a GET/PUT answers it: detail and linked entities only when expanded (or selected),
    and only the selected fields (plus ``id``) when ``$select`` is given."""
    expanded = {path.split("/")[0] for path in expand} | {path.split("/")[0] for path in select if "/" in path}
    selected: dict[str, set[str] | None] = {}
    for path in select:
        head, _, rest = path.partition("/")
        if rest:
            current = selected.get(head, set())
            if current is not None:
                current.add(rest.split("/")[0])
                selected[head] = current
        else:
            selected[head] = None
    result: dict[str, Any] = {}
    for name, value in record.items():
        kind = schema.get(name)
        if name != "id" and select and name not in selected:
            continue
        if isinstance(kind, (dict, list)) and name not in expanded and not (select and name in selected):
            continue
        fields = selected.get(name) if select else None
        if fields:
            if isinstance(value, list):
                value = [{k: v for k, v in line.items() if k in fields or k == "id"} for line in value]
            elif isinstance(value, Mapping):
                value = {k: v for k, v in value.items() if k in fields or k == "id"}
        result[name] = value
    return result
