"""The mapping engine: compile a validated ``MappingSpec`` into closures once, then map records with them.

``MappingEngine(spec).map(record, context)`` returns the target dict, or raises ``RecordMappingError``
listing *every* field that failed (one DLQ entry then explains the whole record). Nothing else escapes
for bad record content, whatever its shape; a context lacking keys the spec refers to is a configuration
error and raises ``MappingContextError`` before any field is touched.

Per field the value flows: rule -> transforms -> (absent? default / required) -> type -> max_length.
"Absent" means null or empty text. Transforms are skipped for absent values; a default is used as written
(already in target form) and only type-converted. Errors inside ``each`` are named by element, e.g.
``lines[2].quantity``.

Speed: all spec interpretation (registry lookups, path parsing, template parsing) happens at compile time;
at run time a field is a handful of nested closure calls with no regex and no dict-of-options lookups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from storesync.errors import FieldError, InvalidValue, MappingContextError, RecordMappingError, kind_of, preview
from storesync.mapping.spec import (
    ConcatRule,
    Condition,
    ConstRule,
    EachRule,
    FieldSpec,
    LookupRule,
    MappingSpec,
    PathRule,
    PositionRule,
    ProductRule,
    SourcePath,
    SplitRule,
    SumRule,
    Template,
    WhenRule,
    load_spec,
)
from storesync.mapping.transforms import OPERATORS, TEXT_TYPES, TRANSFORMS, TYPES, as_text
from storesync.money import to_decimal

# (scope, root, context, index) -> value; scope is the current object (the record, or an `each` element).
ValueFn = Callable[[Mapping, Mapping, Mapping, "int | None"], Any]
# (scope, root, context, index, errors) -> value; appends FieldErrors instead of raising.
BlockFn = Callable[[Mapping, Mapping, Mapping, "int | None", list], Any]

_MISSING = object()


class MappingEngine:
    """A compiled mapping spec. Thread-safe and reusable: compile once per spec, call ``map`` per record."""

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self._compiler = _Compiler(spec)
        self._build = self._compiler.block(spec.fields)
        self._get_key = _compile_getter(spec.record_key)
        self._context_keys = tuple(sorted(spec.context_keys))

    @classmethod
    def from_file(cls, path: str | Path) -> MappingEngine:
        return cls(load_spec(path))

    @property
    def required_context(self) -> frozenset[str]:
        """Context keys the spec refers to (``${context.key}``); ``map`` refuses a context without them."""
        return self.spec.context_keys

    def check_context(self, context: Mapping[str, Any]) -> None:
        """Raise ``MappingContextError`` unless ``context`` has every key the spec refers to."""
        missing = [key for key in self._context_keys if key not in context]
        if missing:
            raise MappingContextError(
                f"{self.spec.origin}: mapping '{self.spec.name}' needs context key(s) "
                f"{', '.join(missing)}; given: {', '.join(sorted(map(str, context))) or '(none)'}"
            )

    def record_key(self, record: Any) -> str | None:
        """The record's id as text (from the spec's ``record_key``), or None when it cannot be read."""
        if not isinstance(record, Mapping):
            return None
        try:
            key = self._get_key(record, record)
            if key is None or isinstance(key, dict | list):
                return None
            return str(key)
        except Exception:  # noqa: BLE001 - a malformed record still gets its errors reported, just without a key
            return None

    def map(self, record: Any, context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Map one source record to a target dict; raises ``RecordMappingError`` listing every bad field."""
        if context is None:
            context = {}
        if self._context_keys:
            self.check_context(context)
        if not isinstance(record, Mapping):
            raise RecordMappingError(None, [FieldError("<record>", "expected an object", record)])
        errors: list[FieldError] = []
        result = self._build(record, record, context, None, errors)
        if errors:
            raise RecordMappingError(self.record_key(record), errors)
        return result


# ------------------------------------------------------------------------------------------------
# Source paths


def _compile_getter(path: SourcePath) -> ValueFn:
    """A function reading ``path`` from (scope, root); missing keys and indexes give None.

    Extra positional arguments are accepted so a getter is also a valid ``ValueFn`` (saves a call layer).
    """
    steps = path.steps
    from_root = path.from_root
    if len(steps) == 1 and isinstance(steps[0], str):
        key = steps[0]
        if from_root:
            return lambda scope, root, *_: root.get(key)
        return lambda scope, root, *_: scope.get(key)

    def walk(current: Any, start: int) -> Any:
        for position in range(start, len(steps)):
            if current is None:
                return None
            step = steps[position]
            if step.__class__ is str:
                if not isinstance(current, Mapping):
                    raise _not_a_container(path, position, current, "an object")
                current = current.get(step)
            else:
                if not isinstance(current, list | tuple):
                    raise _not_a_container(path, position, current, "a list")
                try:
                    current = current[step]
                except IndexError:
                    return None
        return current

    if len(steps) == 2 and isinstance(steps[0], str) and isinstance(steps[1], str) and not from_root:
        first, second = steps

        def get_nested(scope: Mapping, root: Mapping, *_: Any) -> Any:
            parent = scope.get(first)
            if parent.__class__ is dict:
                return parent.get(second)
            return walk(parent, 1)

        return get_nested

    if from_root:
        return lambda scope, root, *_: walk(root, 0)
    return lambda scope, root, *_: walk(scope, 0)


def _not_a_container(path: SourcePath, position: int, value: Any, expected: str) -> InvalidValue:
    container = _render_steps(path.steps[:position])
    return InvalidValue(path.text, value, f"path '{path.text}': '{container}' is {kind_of(value)}, expected {expected}")


def _render_steps(steps: tuple[str | int, ...]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


# ------------------------------------------------------------------------------------------------
# Constants and context templates


def _compile_literal(value: Any) -> Callable[[Mapping], Any]:
    if not isinstance(value, Template):
        return lambda context: value
    whole = value.whole
    if whole is not None:
        key = whole.key
        return lambda context: context[key]
    parts = value.parts

    def render(context: Mapping) -> str:
        return "".join(part if isinstance(part, str) else _context_text(context[part.key]) for part in parts)

    return render


def _context_text(value: Any) -> str:
    return "" if value is None else str(value)


# ------------------------------------------------------------------------------------------------
# Rules and fields


def _number_getters(paths: tuple[SourcePath, ...]) -> tuple[Callable[[Mapping, Mapping], Decimal | None], ...]:
    """Getters of exact numbers: absent (null or empty text) is None, anything else not a number is an
    error naming the source path."""

    def number_at(path: SourcePath) -> Callable[[Mapping, Mapping], Decimal | None]:
        get = _compile_getter(path)

        def number(scope: Mapping, root: Mapping) -> Decimal | None:
            value = get(scope, root)
            return None if _is_absent(value) else to_decimal(value, field=path.text)

        return number

    return tuple(number_at(path) for path in paths)


def _is_absent(value: Any) -> bool:
    return value is None or (value.__class__ is str and not value)


class _Compiler:
    """Turns spec dataclasses into closures; one method per rule kind, dispatched through a registry."""

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self.rule_compilers: dict[type, Callable[[Any], ValueFn]] = {
            PathRule: self.path_rule,
            ConstRule: self.const_rule,
            ConcatRule: self.concat_rule,
            ProductRule: self.product_rule,
            SumRule: self.sum_rule,
            SplitRule: self.split_rule,
            LookupRule: self.lookup_rule,
            WhenRule: self.when_rule,
            PositionRule: self.position_rule,
        }

    # blocks (dicts of fields) -------------------------------------------------------------------

    def block(self, fields: tuple[FieldSpec, ...], depth: int = 0) -> BlockFn:
        """Build one output dict from fields whose ``key[depth:]`` are relative to this block."""
        entries: list[tuple[str, Any, str, bool]] = []
        groups: dict[str, list[FieldSpec]] = {}
        for field in fields:
            head = field.key[depth]
            if len(field.key) == depth + 1:
                display = ".".join(field.key)
                if isinstance(field.rule, EachRule):
                    entries.append((head, self.each_field(field, display), display, True))
                else:
                    entries.append((head, self.leaf(field, display), display, False))
            else:
                if head not in groups:
                    groups[head] = []
                    entries.append((head, groups[head], "", True))
                groups[head].append(field)
        compiled = tuple(
            (key, self.block(tuple(fn), depth + 1) if isinstance(fn, list) else fn, display, composite)
            for key, fn, display, composite in entries
        )

        def build(scope: Mapping, root: Mapping, context: Mapping, index: int | None, errors: list) -> dict:
            out = {}
            for key, fn, display, composite in compiled:
                if composite:
                    out[key] = fn(scope, root, context, index, errors)
                    continue
                try:
                    out[key] = fn(scope, root, context, index)
                except InvalidValue as exc:
                    errors.append(FieldError(display, exc.reason, exc.value))
                    out[key] = None
                except MappingContextError:
                    raise
                except Exception as exc:  # noqa: BLE001 - any surprise is still this field's error, not a crash
                    errors.append(FieldError(display, f"unexpected {type(exc).__name__}: {exc}"))
                    out[key] = None
            return out

        return build

    def each_field(self, field: FieldSpec, display: str) -> BlockFn:
        rule: EachRule = field.rule  # type: ignore[assignment]
        get_items = _compile_getter(rule.path)
        build_element = self.block(rule.fields)  # element fields are keyed relative to the element
        required = field.required

        def each(scope: Mapping, root: Mapping, context: Mapping, index: int | None, errors: list) -> list:
            try:
                items = get_items(scope, root)
            except InvalidValue as exc:
                errors.append(FieldError(display, exc.reason, exc.value))
                return []
            if items is None:
                if required:
                    errors.append(FieldError(display, f"required list '{rule.path.text}' is missing"))
                return []
            if not isinstance(items, list | tuple):
                errors.append(FieldError(display, f"'{rule.path.text}' is not a list", items))
                return []
            rows = []
            for position, item in enumerate(items):
                if not isinstance(item, Mapping):
                    errors.append(FieldError(f"{display}[{position}]", "expected an object", item))
                    continue
                before = len(errors)
                rows.append(build_element(item, root, context, position, errors))
                if len(errors) > before:
                    prefix = f"{display}[{position}]."
                    errors[before:] = [
                        FieldError(prefix + error.field, error.reason, error.value) for error in errors[before:]
                    ]
            return rows

        return each

    def leaf(self, field: FieldSpec, display: str) -> ValueFn:
        produce = self.rule(field.rule)
        steps = tuple(_make_transform(call.name, call.argument) for call in field.transforms)
        convert = TYPES[field.type] if field.type is not None else None
        max_length = field.max_length
        required = field.required
        keeps_empty_text = field.type is None or field.type in TEXT_TYPES
        default = _compile_literal(field.default) if field.has_default else None

        def finish(value: Any) -> Any:
            if convert is not None:
                value = convert(value)
            if max_length is not None and value.__class__ is str and len(value) > max_length:
                raise InvalidValue(
                    display,
                    value,
                    f"{len(value)} characters, longer than max_length {max_length} (the target would truncate it)",
                )
            return value

        def absent(value: Any, context: Mapping) -> Any:
            if default is not None:
                fallback = default(context)
                return None if fallback is None else finish(fallback)
            if required:
                raise InvalidValue(display, value, "required but missing" if value is None else "required but empty")
            return value if keeps_empty_text else None

        if not steps and max_length is None and convert is not None:
            # The common shape (path + type) gets a flatter closure: it runs for most fields of most records.
            def evaluate_typed(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> Any:
                value = produce(scope, root, context, index)
                if value is None or (value.__class__ is str and not value):
                    return absent(value, context)
                return convert(value)

            return evaluate_typed

        def evaluate(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> Any:
            value = produce(scope, root, context, index)
            if value is None or (value.__class__ is str and not value):
                return absent(value, context)
            for step in steps:
                value = step(value)
            if value is None or (value.__class__ is str and not value):
                return absent(value, context)
            return finish(value)

        return evaluate

    # rules --------------------------------------------------------------------------------------

    def rule(self, rule: Any) -> ValueFn:
        return self.rule_compilers[type(rule)](rule)

    def path_rule(self, rule: PathRule) -> ValueFn:
        return _compile_getter(rule.path)

    def const_rule(self, rule: ConstRule) -> ValueFn:
        literal = _compile_literal(rule.value)
        if not isinstance(rule.value, Template):
            value = rule.value
            return lambda scope, root, context, index: value
        return lambda scope, root, context, index: literal(context)

    def concat_rule(self, rule: ConcatRule) -> ValueFn:
        getters = tuple(_compile_getter(path) for path in rule.paths)
        sep = rule.sep

        def concat(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> str | None:
            parts = [
                as_text(value, "concat")
                for value in (get(scope, root) for get in getters)
                if not _is_absent(value)
            ]
            return sep.join(parts) if parts else None

        return concat

    def product_rule(self, rule: ProductRule) -> ValueFn:
        # A derived value (a line total from price and quantity): the fields that read its parts name a bad
        # part, so an unusable part leaves the product null instead of reporting the same value twice.
        factors = _number_getters(rule.paths)

        def product(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> Decimal | None:
            try:
                values = [get(scope, root) for get in factors]
            except InvalidValue:
                return None
            if any(value is None for value in values):
                return None
            result = Decimal(1)
            for value in values:
                result *= value
            return result

        return product

    def sum_rule(self, rule: SumRule) -> ValueFn:
        added, subtracted = _number_getters(rule.add), _number_getters(rule.subtract)

        def total(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> Decimal | None:
            plus = [get(scope, root) for get in added]
            minus = [get(scope, root) for get in subtracted]
            if any(value is None for value in (*plus, *minus)):
                return None
            return sum(plus, Decimal(0)) - sum(minus, Decimal(0))

        return total

    def split_rule(self, rule: SplitRule) -> ValueFn:
        get = _compile_getter(rule.path)
        sep = rule.sep
        take_first = rule.part == "first"

        def split(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> str | None:
            value = get(scope, root)
            if _is_absent(value):
                return None
            text = as_text(value, "split")
            pieces = text.split(None, 1) if sep is None else [piece.strip() for piece in text.split(sep, 1)]
            if take_first:
                return pieces[0] if pieces else None
            return pieces[1] if len(pieces) > 1 else None

        return split

    def lookup_rule(self, rule: LookupRule) -> ValueFn:
        table = self.spec.lookups[rule.table]
        values = table.values
        has_default = table.has_default
        fallback = table.default
        get = _compile_getter(rule.path)
        known = ", ".join(sorted(values)[:20])
        name = rule.table

        def lookup(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> Any:
            value = get(scope, root)
            if value is None or (value.__class__ is str and not value):
                return None
            kind = value.__class__
            key = value if kind is str else str(value) if kind is int else None
            found = values.get(key, _MISSING)
            if found is not _MISSING:
                return found
            if has_default:
                return fallback
            raise InvalidValue(name, value, f"not in lookup '{name}'; known: {known}")

        return lookup

    def when_rule(self, rule: WhenRule) -> ValueFn:
        branches = tuple((self.condition(condition), self.rule(then)) for condition, then in rule.branches)
        otherwise = self.rule(rule.otherwise) if rule.otherwise is not None else None

        def when(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> Any:
            for test, then in branches:
                if test(scope, root, context, index):
                    return then(scope, root, context, index)
            return otherwise(scope, root, context, index) if otherwise is not None else None

        return when

    def condition(self, condition: Condition) -> Callable[..., bool]:
        get = _compile_getter(condition.path)
        operator = OPERATORS[condition.op]
        compare = operator.test
        where = condition.path.text
        right = _compile_literal(condition.value)
        if operator.operand == "number" and isinstance(condition.value, Template):
            right = self.numeric_context_value(right, condition)

        def test(scope: Mapping, root: Mapping, context: Mapping, index: int | None) -> bool:
            try:
                return compare(get(scope, root), right(context))
            except InvalidValue as exc:
                raise InvalidValue(where, exc.value, f"condition on '{where}': {exc.reason}") from None

        return test

    def numeric_context_value(self, literal: Callable[[Mapping], Any], condition: Condition) -> Callable:
        """A context value compared as a number; a non-number is the run's configuration error, not the record's."""
        origin = self.spec.origin
        text = condition.value.text

        def value(context: Mapping) -> Decimal:
            raw = literal(context)
            try:
                return to_decimal(raw, field=text)
            except InvalidValue:
                raise MappingContextError(
                    f"{origin}: {text} is used in '{condition.path.text} {condition.op}' and must be a finite "
                    f"number, got {preview(raw)}"
                ) from None

        return value

    def position_rule(self, rule: PositionRule) -> ValueFn:
        start = rule.start
        return lambda scope, root, context, index: index + start


def _make_transform(name: str, argument: Any) -> Callable[[Any], Any]:
    definition = TRANSFORMS[name]
    return definition.factory() if definition.argument is None else definition.factory(argument)
