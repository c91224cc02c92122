"""Filtering, ordering and paging for ``readByQuery`` (a SQL-like string) and ``query`` (filter elements).

``readByQuery``'s query string (developer.intacct.com/web-services/queries and the object pages): the
operators ``<, >, >=, <=, =, like, not like, in, not in``, ``IS NULL`` / ``IS NOT NULL``, ``AND`` / ``OR``,
``NOT`` before a condition, parentheses; string operands in single quotes, a quote inside escaped with a
backslash (``'Erik\\'s Deli'``); spaces around an operator required; string comparison case-sensitive; an
empty query matches everything. ``!=`` / ``<>`` are not in the documented list and are refused *(unverified)*.

``query``'s filter (the SDKs' ``NewQuery/QueryFilter/Filter`` and ``AndOperator``/``OrOperator`` fixtures):
``equalto, notequalto, lessthan, lessthanorequalto, greaterthan, greaterthanorequalto`` (field + value),
``between`` (field + two values), ``in`` / ``notin`` (field + values), ``like`` / ``notlike``, ``isnull`` /
``isnotnull`` (field), nested in ``and`` / ``or``; ``orderby/order(field, ascending|descending)``;
``options/caseinsensitive``.

Values compare by the field's type: dates ``mm/dd/yyyy``, timestamps ``mm/dd/yyyy HH:MM:SS`` (a date alone
means midnight), numbers as decimals. A field the object does not have fails the function.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from include.sandbox.intacct import errors
from include.sandbox.intacct.objects import ObjectDef, FieldValueError, parse_value

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


@dataclass
class Context:
    obj: ObjectDef
    case_insensitive: bool = False

    def field(self, name: str) -> str:
        if name not in self.obj.fields:
            raise errors.query_failed(f"Invalid field {name} for object {self.obj.name}")
        return name

    def typed(self, name: str, text: str) -> Any:
        try:
            value = parse_value(name, self.obj.fields[name], text)
        except FieldValueError as error:
            raise errors.query_failed(str(error)) from None
        if self.case_insensitive and isinstance(value, str):
            return value.lower()
        return value

    def stored(self, record: Record, name: str) -> Any:
        value = record.get(name)
        if self.case_insensitive and isinstance(value, str):
            return value.lower()
        return value


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        return False  # SQL semantics: a comparison with NULL is not true
    try:
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        if op == ">=":
            return left >= right
    except TypeError:
        # A date field compared with a timestamp literal or the reverse: compare on the common part.
        return _compare(op, str(left), str(right))
    raise AssertionError(op)


def _like(pattern: str, value: Any, case_insensitive: bool) -> bool:
    if value is None:
        return False
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, str(value), re.DOTALL | (re.IGNORECASE if case_insensitive else 0)) is not None


# -- readByQuery: the SQL-like string -----------------------------------------------------------------------

_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:\\.|[^'\\])*')
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<paren>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<number>-?\d+(?:\.\d+)?)
    )""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise errors.query_failed(f"Invalid query: cannot read '{text[position:position + 20]}'")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, context: Context) -> None:
        self.raw = text
        self.tokens = _tokens(text)
        self.position = 0
        self.context = context

    def error(self, detail: str) -> errors.FunctionFailed:
        return errors.query_failed(f"Invalid query '{self.raw}': {detail}")

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise self.error("unexpected end")
        self.position += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in words:
            self.position += 1
            return True
        return False

    def parse(self) -> Predicate:
        if not self.tokens:
            return lambda record: True
        predicate = self.disjunction()
        if self.peek() is not None:
            raise self.error(f"unexpected '{self.peek()[1]}'")
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda record: any(p(record) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.keyword("AND"):
            parts.append(self.negation())
        return parts[0] if len(parts) == 1 else (lambda record: all(p(record) for p in parts))

    def negation(self) -> Predicate:
        if self.keyword("NOT"):
            inner = self.negation()
            return lambda record: not inner(record)
        if self.peek() == ("paren", "("):
            self.take()
            inner = self.disjunction()
            if self.take() != ("paren", ")"):
                raise self.error("missing )")
            return inner
        return self.condition()

    def literal(self, field: str) -> Any:
        kind, text = self.take()
        if kind == "string":
            return self.context.typed(field, re.sub(r"\\(.)", r"\1", text[1:-1]))
        if kind == "number":
            return self.context.typed(field, text)
        raise self.error(f"expected a value for {field}, got '{text}'")

    def condition(self) -> Predicate:
        kind, name = self.take()
        if kind != "word":
            raise self.error(f"expected a field name, got '{name}'")
        field = self.context.field(name)
        context = self.context
        if self.keyword("IS"):
            negate = self.keyword("NOT")
            if not self.keyword("NULL"):
                raise self.error("expected NULL after IS")
            return (lambda r: context.stored(r, field) is not None) if negate else (
                lambda r: context.stored(r, field) is None)
        negate = self.keyword("NOT")
        if self.keyword("LIKE"):
            kind, text = self.take()
            if kind != "string":
                raise self.error("like needs a quoted pattern")
            pattern = re.sub(r"\\(.)", r"\1", text[1:-1])
            return lambda r: _like(pattern, r.get(field), context.case_insensitive) != negate
        if self.keyword("IN"):
            if self.take() != ("paren", "("):
                raise self.error("expected ( after in")
            values = [self.literal(field)]
            while self.peek() == ("paren", ","):
                self.take()
                values.append(self.literal(field))
            if self.take() != ("paren", ")"):
                raise self.error("missing ) after the in list")
            return lambda r: (context.stored(r, field) in values) != negate if context.stored(
                r, field) is not None else False
        if negate:
            raise self.error("NOT must be followed by LIKE or IN here")
        op_kind, op = self.take()
        if op_kind != "op" or op in ("!=", "<>"):
            raise self.error(f"unsupported operator '{op}'")
        value = self.literal(field)
        return lambda r: _compare(op, context.stored(r, field), value)


def parse_query_string(text: str, context: Context) -> Predicate:
    return _Parser(text, context).parse()


# -- query: filter elements ---------------------------------------------------------------------------------

_BINARY = {"equalto": "=", "notequalto": "!=", "lessthan": "<", "lessthanorequalto": "<=", "greaterthan": ">",
           "greaterthanorequalto": ">="}


def _field_and_values(element: ET.Element, context: Context) -> tuple[str, list[ET.Element]]:
    fields = [child for child in element if child.tag == "field"]
    values = [child for child in element if child.tag == "value"]
    others = [child.tag for child in element if child.tag not in ("field", "value")]
    if len(fields) != 1 or others:
        raise errors.query_failed(f"Filter {element.tag} needs one field element and value elements")
    return context.field((fields[0].text or "").strip()), values


def filter_predicate(element: ET.Element, context: Context) -> Predicate:
    tag = element.tag
    if tag in ("and", "or"):
        parts = [filter_predicate(child, context) for child in element]
        if len(parts) < 2:
            raise errors.query_failed(f"Filter {tag} needs at least two conditions")
        return (lambda r: all(p(r) for p in parts)) if tag == "and" else (lambda r: any(p(r) for p in parts))
    field, values = _field_and_values(element, context)
    texts = [v.text or "" for v in values]
    if tag in _BINARY:
        if len(texts) != 1:
            raise errors.query_failed(f"Filter {tag} needs exactly one value")
        op, value = _BINARY[tag], context.typed(field, texts[0])
        return lambda r: _compare(op, context.stored(r, field), value)
    if tag == "between":
        if len(texts) != 2:
            raise errors.query_failed("Filter between needs exactly two values")
        low, high = (context.typed(field, t) for t in texts)
        return lambda r: _compare(">=", context.stored(r, field), low) and _compare(
            "<=", context.stored(r, field), high)
    if tag in ("in", "notin"):
        if not texts:
            raise errors.query_failed(f"Filter {tag} needs at least one value")
        members = [context.typed(field, t) for t in texts]
        return lambda r: context.stored(r, field) is not None and (
            (context.stored(r, field) in members) == (tag == "in"))
    if tag in ("like", "notlike"):
        if len(texts) != 1:
            raise errors.query_failed(f"Filter {tag} needs exactly one value")
        return lambda r: _like(texts[0], r.get(field), context.case_insensitive) == (tag == "like")
    if tag in ("isnull", "isnotnull"):
        if texts:
            raise errors.query_failed(f"Filter {tag} takes no value")
        return lambda r: (r.get(field) is None) == (tag == "isnull")
    raise errors.query_failed(f"Unknown filter operator {tag}")


def order_key(orders: list[tuple[str, bool]]) -> Callable[[list[Record]], list[Record]]:
    """Sort records by (field, descending) pairs; NULLs first ascending (Oracle's NULLS LAST is unverified)."""
    def apply(records: list[Record]) -> list[Record]:
        result = list(records)
        for field, descending in reversed(orders):
            present = [r for r in result if r.get(field) is not None]
            missing = [r for r in result if r.get(field) is None]
            present.sort(key=lambda r: r[field], reverse=descending)
            result = (present + missing) if descending else (missing + present)
        return result
    return apply
