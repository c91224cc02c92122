"""Mapping spec files: load the YAML, validate every part, return a typed ``MappingSpec``.

Validation happens here, once, at load time, so a typo fails the DAG run up front with a message that names
the file, the field and the valid values (``xcart/order_to_canonical.yaml: field 'lines[].quantity': unknown
type 'decmal'; valid: bool, date, ...``) instead of failing on every record later. The engine then compiles
the validated spec and never re-checks its shape.

Spec format (see plugins/storesync/systems/*/mappings/*.yaml for full examples)::

    name: xcart_order_to_canonical          # required
    source: xcart.order                     # required, free text: what the input records are
    target: canonical.order                 # required, free text: what the output dicts are
    record_key: orderId                     # required: source path of the record's id (names errors)
    description: ...                        # optional
    lookups:                                # optional named value tables
      payment_status:
        values: {Q: pending, P: paid}
        default: pending                    # optional: used for values not in the table
    fields:                                 # target path (dotted) -> field
      total: {path: total, type: money, required: true}

A field is exactly one *rule* plus options. Rules:

    path: a.b[0].c                 value at a source path ($.x starts at the record root inside `each`)
    const: text or ${context.key}  fixed value; ${context.key} is replaced from the run-time context
    concat: {paths: [a, b], sep: " "}            absent parts are skipped
    split: {path: a, part: first|last, sep: " "} first token, or the remainder after it
    product: {paths: [a, b]}                     a × b as a Decimal; null when a part is absent or not a
                                                 number (a derived value: the fields reading a, b name it)
    sum: {add: [a, b], subtract: [c]}            a + b − c as a Decimal; null when a part is absent, an
                                                 error naming the part when one is not a number
    lookup: {path: a, table: name}
    when: [{if: {path: a, op: gt, value: 100}, then: <rule or constant>}, ...]
    else: <rule or constant>                     (beside `when`; absent -> null)
    each: {path: items, fields: {...}}           one output dict per element of a source list
    position: 1                                  inside `each`: the element's position counting from n

Options: ``type`` (see ``TYPES``), ``required: true``, ``default`` (used when the value is null or empty
text; may use ${context.key}), ``max_length`` (checked, never truncated), ``transform`` (a name or a list,
applied in order before the type conversion, e.g. ``[strip, "zero_pad(9)", "prefix(W)"]``).
Condition operators: see ``OPERATORS``. YAML floats are read as ``Decimal`` so amounts in specs stay exact.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from storesync.errors import InvalidValue, SpecError
from storesync.mapping.transforms import OPERATORS, TEXT_TYPES, TRANSFORMS, TYPES
from storesync.money import to_decimal

# ------------------------------------------------------------------------------------------------
# The typed spec


@dataclass(frozen=True)
class SourcePath:
    """A parsed source path: ``steps`` are dict keys (str) and list indexes (int)."""

    text: str
    steps: tuple[str | int, ...]
    from_root: bool = False


@dataclass(frozen=True)
class ContextRef:
    key: str


@dataclass(frozen=True)
class Template:
    """A constant that refers to the run-time context: ``${context.key}`` alone or inside text."""

    text: str
    parts: tuple[str | ContextRef, ...]

    @property
    def whole(self) -> ContextRef | None:
        """The single reference when the template is nothing else (its value keeps its type)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], ContextRef):
            return self.parts[0]
        return None


@dataclass(frozen=True)
class PathRule:
    path: SourcePath


@dataclass(frozen=True)
class ConstRule:
    value: Any  # a scalar or a Template


@dataclass(frozen=True)
class ConcatRule:
    paths: tuple[SourcePath, ...]
    sep: str


@dataclass(frozen=True)
class ProductRule:
    paths: tuple[SourcePath, ...]


@dataclass(frozen=True)
class SumRule:
    add: tuple[SourcePath, ...]
    subtract: tuple[SourcePath, ...]


@dataclass(frozen=True)
class SplitRule:
    path: SourcePath
    part: str  # "first" | "last"
    sep: str | None  # None: any run of whitespace


@dataclass(frozen=True)
class LookupRule:
    path: SourcePath
    table: str


@dataclass(frozen=True)
class Condition:
    path: SourcePath
    op: str
    value: Any  # a scalar, a list, a Template or None


@dataclass(frozen=True)
class WhenRule:
    branches: tuple[tuple[Condition, Rule], ...]
    otherwise: Rule | None


@dataclass(frozen=True)
class PositionRule:
    start: int


@dataclass(frozen=True)
class EachRule:
    path: SourcePath
    fields: tuple[FieldSpec, ...]


Rule = (PathRule | ConstRule | ConcatRule | ProductRule | SumRule | SplitRule | LookupRule | WhenRule | PositionRule
        | EachRule)


@dataclass(frozen=True)
class TransformCall:
    name: str
    argument: Any = None


@dataclass(frozen=True)
class FieldSpec:
    """One target field. ``name`` is its display path (``lines[].sku``); ``key`` its path in its scope."""

    name: str
    key: tuple[str, ...]
    rule: Rule
    type: str | None = None
    required: bool = False
    has_default: bool = False  # distinguishes "no default" from "default: null"
    default: Any = None
    max_length: int | None = None
    transforms: tuple[TransformCall, ...] = ()


@dataclass(frozen=True)
class LookupTable:
    name: str
    values: dict[str, Any]
    has_default: bool = False
    default: Any = None


@dataclass(frozen=True)
class MappingSpec:
    name: str
    source: str
    target: str
    record_key: SourcePath
    fields: tuple[FieldSpec, ...]
    lookups: dict[str, LookupTable] = field(default_factory=dict)
    context_keys: frozenset[str] = frozenset()
    origin: str = "<spec>"
    description: str = ""


# ------------------------------------------------------------------------------------------------
# Loading


def load_spec(path: str | Path) -> MappingSpec:
    """Read and validate one YAML spec file; any problem raises ``SpecError`` naming the file."""
    path = Path(path)
    # Named as pairs name it, "<system>/<file>": a system keeps its specs in <system>/mappings/.
    folder = path.parent.parent if path.parent.name == "mappings" else path.parent
    origin = f"{folder.name}/{path.name}" if folder.name else path.name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{origin}: cannot read spec file: {exc.strerror or exc}") from None
    import yaml  # here, not at module level: PyYAML costs ~30 ms and DAG parsing only needs compiled specs

    try:
        document = yaml.load(text, Loader=_spec_loader())  # noqa: S506 - a SafeLoader subclass
    except SpecError as exc:
        raise SpecError(f"{origin}: {exc}") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{origin}: not valid YAML: {exc}") from None
    return parse_spec(document, origin=origin)


def parse_spec(document: Any, *, origin: str = "<spec>") -> MappingSpec:
    """Validate an already-parsed spec document (a dict as YAML would give) into a ``MappingSpec``."""
    return _Parser(origin).spec(document)


@functools.cache
def _spec_loader() -> type:
    """A SafeLoader that reads floats as Decimal and refuses duplicate keys (YAML would keep the last one)."""
    import yaml

    def construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        text = loader.construct_scalar(node)
        try:
            number = Decimal(str(text).replace("_", ""))
        except ArithmeticError:
            return loader.construct_yaml_float(node)
        return number if number.is_finite() else loader.construct_yaml_float(node)

    def construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
        loader.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                raise SpecError(f"line {key_node.start_mark.line + 1}: a key must be a scalar, got {key!r}")
            if key in result:
                raise SpecError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            result[key] = loader.construct_object(value_node, deep=True)
        return result

    loader = type("SpecLoader", (yaml.SafeLoader,), {})
    loader.add_constructor("tag:yaml.org,2002:float", construct_decimal)
    loader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    return loader


# ------------------------------------------------------------------------------------------------
# Validation

_TOP_LEVEL_KEYS = ("name", "source", "target", "record_key", "description", "lookups", "fields")
_LOOKUP_KEYS = ("values", "default")
_OPTION_KEYS = ("type", "required", "default", "max_length", "transform")
_EACH_OPTION_KEYS = ("required",)
_NESTED_RULE_KINDS = ("path", "const", "concat", "product", "sum", "split", "lookup", "when", "position")
_RULE_KINDS = (*_NESTED_RULE_KINDS, "each")
_SPLIT_PARTS = ("first", "last")

_KEY = r"[A-Za-z_][A-Za-z0-9_\-]*"
_SOURCE_PATH = re.compile(rf"(\$\.)?{_KEY}(\[-?\d+\])*(\.{_KEY}(\[-?\d+\])*)*")
_PATH_STEP = re.compile(rf"({_KEY})|\[(-?\d+)\]")
_TARGET_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TRANSFORM_CALL = re.compile(r"([a-z_][a-z0-9_]*)\s*(?:\((.*)\))?", re.DOTALL)
_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
_CONTEXT_PLACEHOLDER = re.compile(r"\s*context\.([A-Za-z_][A-Za-z0-9_]*)\s*")
_ABSENT = object()  # "no else given", as opposed to "else: null"
_PATH_SYNTAX = "dotted keys with optional [index], e.g. items[0].sku, or $.orderId for the record root"


def _valid(options: Any) -> str:
    return ", ".join(sorted(str(option) for option in options))


class _Parser:
    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.lookups: dict[str, LookupTable] = {}
        self.context_keys: set[str] = set()

    # errors -------------------------------------------------------------------------------------

    def fail(self, where: str, problem: str, valid: Any = None) -> SpecError:
        message = f"{self.origin}: {where}: {problem}"
        if valid is not None:
            message += f"; valid: {valid if isinstance(valid, str) else _valid(valid)}"
        return SpecError(message)

    def fail_field(self, name: str, problem: str, valid: Any = None) -> SpecError:
        return self.fail(f"field '{name}'", problem, valid)

    # top level ----------------------------------------------------------------------------------

    def spec(self, document: Any) -> MappingSpec:
        if not isinstance(document, dict):
            raise SpecError(f"{self.origin}: a spec must be a mapping with keys {_valid(_TOP_LEVEL_KEYS)}")
        unknown = [key for key in document if key not in _TOP_LEVEL_KEYS]
        if unknown:
            raise self.fail(f"top-level key '{unknown[0]}'", "unknown key", _TOP_LEVEL_KEYS)
        for key in ("name", "source", "target", "record_key"):
            if not isinstance(document.get(key), str) or not document[key].strip():
                raise self.fail(f"top-level key '{key}'", "required text is missing")
        record_key = self.source_path(document["record_key"], "record_key", where="record_key")
        lookups_node = document.get("lookups") or {}
        if not isinstance(lookups_node, dict):
            raise self.fail("lookups", "must be a mapping of table name -> {values, default}")
        for name, table in lookups_node.items():
            self.lookups[str(name)] = self.lookup_table(str(name), table)
        fields_node = document.get("fields")
        if not isinstance(fields_node, dict) or not fields_node:
            raise self.fail("fields", "must be a non-empty mapping of target path -> field")
        return MappingSpec(
            name=document["name"].strip(),
            source=document["source"].strip(),
            target=document["target"].strip(),
            record_key=record_key,
            fields=self.field_block(fields_node, prefix="", in_each=False),
            lookups=dict(self.lookups),
            context_keys=frozenset(self.context_keys),
            origin=self.origin,
            description=str(document.get("description") or ""),
        )

    def lookup_table(self, name: str, node: Any) -> LookupTable:
        where = f"lookup '{name}'"
        if not isinstance(node, dict):
            raise self.fail(where, "must be a mapping with 'values' and optional 'default'")
        unknown = [key for key in node if key not in _LOOKUP_KEYS]
        if unknown:
            raise self.fail(where, f"unknown key '{unknown[0]}'", _LOOKUP_KEYS)
        values = node.get("values")
        if not isinstance(values, dict) or not values:
            raise self.fail(where, "'values' must be a non-empty mapping of source value -> target value")
        table: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(key, bool) or not isinstance(key, str | int):
                # YAML 1.1 reads unquoted yes/no/on/off as booleans; the author meant the text.
                raise self.fail(where, f"key {key!r} is not text or a whole number; quote it")
            if isinstance(value, dict | list):
                raise self.fail(where, f"value for {key!r} must be a scalar")
            table[str(key)] = value
        has_default = "default" in node
        return LookupTable(name, table, has_default, node.get("default"))

    # fields -------------------------------------------------------------------------------------

    def field_block(self, node: dict, *, prefix: str, in_each: bool) -> tuple[FieldSpec, ...]:
        specs: list[FieldSpec] = []
        seen: dict[tuple[str, ...], str] = {}
        for target, field_node in node.items():
            name = f"{prefix}{target}"
            key = self.target_key(target, name)
            for other_key, other_name in seen.items():
                shorter, longer = sorted((key, other_key), key=len)
                if longer[: len(shorter)] == shorter:
                    raise self.fail_field(name, f"clashes with field '{other_name}' (one would overwrite the other)")
            seen[key] = name
            specs.append(self.field(name, key, field_node, in_each=in_each))
        return tuple(specs)

    def target_key(self, target: Any, name: str) -> tuple[str, ...]:
        parts = str(target).split(".") if isinstance(target, str) else []
        if not parts or not all(_TARGET_KEY.fullmatch(part) for part in parts):
            raise self.fail_field(name, "bad target path", "dotted identifiers, e.g. billing_address.city")
        return tuple(parts)

    def field(self, name: str, key: tuple[str, ...], node: Any, *, in_each: bool) -> FieldSpec:
        if not isinstance(node, dict):
            raise self.fail_field(name, f"expected a mapping with one rule, got {node!r}", _RULE_KINDS)
        kinds = [kind for kind in node if kind in _RULE_KINDS]
        allowed = (*_RULE_KINDS, *_OPTION_KEYS, "else")
        unknown = [option for option in node if option not in allowed]
        if unknown:
            raise self.fail_field(name, f"unknown key '{unknown[0]}'", allowed)
        if len(kinds) != 1:
            found = f"found {', '.join(kinds)}" if kinds else "found none"
            raise self.fail_field(name, f"needs exactly one rule ({found})", _RULE_KINDS)
        kind = kinds[0]
        if "else" in node and kind != "when":
            raise self.fail_field(name, "'else' only goes with 'when'")
        if kind == "each":
            return self.each_field(name, key, node)
        rule = self.rule(name, kind, node[kind], in_each=in_each, otherwise=node.get("else", _ABSENT))
        return self.with_options(name, key, rule, node)

    def each_field(self, name: str, key: tuple[str, ...], node: dict) -> FieldSpec:
        misplaced = [option for option in _OPTION_KEYS if option in node and option not in _EACH_OPTION_KEYS]
        if misplaced:
            raise self.fail_field(name, f"option '{misplaced[0]}' does not apply to 'each'", _EACH_OPTION_KEYS)
        body = node["each"]
        if not isinstance(body, dict) or set(body) - {"path", "fields"} or "path" not in body:
            raise self.fail_field(name, "'each' needs {path, fields}")
        fields_node = body.get("fields")
        if not isinstance(fields_node, dict) or not fields_node:
            raise self.fail_field(name, "'each.fields' must be a non-empty mapping")
        rule = EachRule(
            path=self.source_path(body["path"], name),
            fields=self.field_block(fields_node, prefix=f"{name}[].", in_each=True),
        )
        return FieldSpec(name=name, key=key, rule=rule, required=self.flag(name, node, "required"))

    def with_options(self, name: str, key: tuple[str, ...], rule: Rule, node: dict) -> FieldSpec:
        type_name = node.get("type")
        if type_name is not None and (not isinstance(type_name, str) or type_name not in TYPES):
            raise self.fail_field(name, f"unknown type '{type_name}'", TYPES)
        max_length = node.get("max_length")
        if max_length is not None:
            if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
                raise self.fail_field(name, f"max_length must be a positive whole number, got {max_length!r}")
            if type_name is not None and type_name not in TEXT_TYPES:
                raise self.fail_field(name, f"max_length needs a text type, not '{type_name}'", TEXT_TYPES)
        has_default = "default" in node
        return FieldSpec(
            name=name,
            key=key,
            rule=rule,
            type=type_name,
            required=self.flag(name, node, "required"),
            has_default=has_default,
            default=self.constant(node["default"], name) if has_default else None,
            max_length=max_length,
            transforms=self.transforms(name, node.get("transform")),
        )

    def flag(self, name: str, node: dict, option: str) -> bool:
        value = node.get(option, False)
        if not isinstance(value, bool):
            raise self.fail_field(name, f"'{option}' must be true or false, got {value!r}")
        return value

    def transforms(self, name: str, node: Any) -> tuple[TransformCall, ...]:
        if node is None:
            return ()
        items = [node] if isinstance(node, str) else node
        if not isinstance(items, list):
            raise self.fail_field(name, "'transform' must be a name or a list of names", TRANSFORMS)
        return tuple(self.transform_call(name, item) for item in items)

    def transform_call(self, name: str, item: Any) -> TransformCall:
        match = _TRANSFORM_CALL.fullmatch(item.strip()) if isinstance(item, str) else None
        if match is None:
            raise self.fail_field(name, f"bad transform {item!r}", TRANSFORMS)
        transform_name, raw_argument = match.group(1), match.group(2)
        definition = TRANSFORMS.get(transform_name)
        if definition is None:
            raise self.fail_field(name, f"unknown transform '{transform_name}'", TRANSFORMS)
        if definition.argument is None:
            if raw_argument is not None and raw_argument.strip():
                raise self.fail_field(name, f"transform '{transform_name}' takes no argument")
            return TransformCall(transform_name)
        if raw_argument is None:
            raise self.fail_field(name, f"transform '{transform_name}' needs an argument, e.g. {transform_name}(n)")
        if definition.argument is int:
            text = raw_argument.strip()
            if not text.isdigit() or int(text) < 1:
                raise self.fail_field(
                    name, f"transform '{transform_name}' needs a positive whole number, got {raw_argument!r}"
                )
            return TransformCall(transform_name, int(text))
        return TransformCall(transform_name, _unquote(raw_argument))

    # rules --------------------------------------------------------------------------------------

    def rule(self, name: str, kind: str, body: Any, *, in_each: bool, otherwise: Any = _ABSENT) -> Rule:
        parse = _RULE_PARSERS[kind]
        return parse(self, name, body, in_each, otherwise)

    def nested_rule(self, name: str, node: Any, *, in_each: bool) -> Rule:
        """``then``/``else``: a one-key rule mapping, or a bare constant."""
        if not isinstance(node, dict):
            return ConstRule(self.constant(node, name))
        kinds = [kind for kind in node if kind in _NESTED_RULE_KINDS]
        extra = [key for key in node if key not in _NESTED_RULE_KINDS and key != "else"]
        if len(kinds) != 1 or extra or ("else" in node and kinds != ["when"]):
            raise self.fail_field(
                name, f"'then'/'else' must be a constant or a mapping with one rule, got {node!r}", _NESTED_RULE_KINDS
            )
        return self.rule(name, kinds[0], node[kinds[0]], in_each=in_each, otherwise=node.get("else", _ABSENT))

    def source_path(self, text: Any, name: str, *, where: str | None = None) -> SourcePath:
        if not isinstance(text, str) or not _SOURCE_PATH.fullmatch(text.strip()):
            problem = f"bad path {text!r}"
            if where is not None:
                raise self.fail(where, problem, _PATH_SYNTAX)
            raise self.fail_field(name, problem, _PATH_SYNTAX)
        text = text.strip()
        from_root = text.startswith("$.")
        body = text[2:] if from_root else text
        steps = tuple(
            match.group(1) if match.group(1) is not None else int(match.group(2))
            for match in _PATH_STEP.finditer(body)
        )
        return SourcePath(text, steps, from_root)

    def constant(self, value: Any, name: str) -> Any:
        if isinstance(value, dict | list):
            raise self.fail_field(name, f"a constant must be a scalar, got {value!r}")
        if isinstance(value, str) and "${" in value:
            return self.template(value, name)
        return value

    def template(self, text: str, name: str) -> Template:
        parts: list[str | ContextRef] = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            inner = _CONTEXT_PLACEHOLDER.fullmatch(match.group(1))
            if inner is None:
                raise self.fail_field(name, f"unknown placeholder '{match.group(0)}'", "${context.<key>}")
            if match.start() > position:
                parts.append(text[position : match.start()])
            parts.append(ContextRef(inner.group(1)))
            self.context_keys.add(inner.group(1))
            position = match.end()
        if position < len(text):
            tail = text[position:]
            if "${" in tail:
                raise self.fail_field(name, f"unclosed placeholder in {text!r}", "${context.<key>}")
            parts.append(tail)
        return Template(text, tuple(parts))


def _unquote(text: str) -> str:
    stripped = text.strip()
    if len(stripped) >= 2 and stripped[0] == stripped[-1] and stripped[0] in "'\"":
        return stripped[1:-1]
    return stripped


def _require_mapping(parser: _Parser, name: str, kind: str, body: Any, keys: tuple[str, ...]) -> dict:
    if not isinstance(body, dict):
        raise parser.fail_field(name, f"'{kind}' needs a mapping with keys {_valid(keys)}")
    unknown = [key for key in body if key not in keys]
    if unknown:
        raise parser.fail_field(name, f"'{kind}' has unknown key '{unknown[0]}'", keys)
    return body


def _parse_path(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    return PathRule(parser.source_path(body, name))


def _parse_const(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    return ConstRule(parser.constant(body, name))


def _parse_concat(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    body = _require_mapping(parser, name, "concat", body, ("paths", "sep"))
    paths = body.get("paths")
    if not isinstance(paths, list) or not paths:
        raise parser.fail_field(name, "'concat.paths' must be a non-empty list of source paths")
    sep = body.get("sep", " ")
    if not isinstance(sep, str):
        raise parser.fail_field(name, f"'concat.sep' must be text, got {sep!r}")
    return ConcatRule(tuple(parser.source_path(path, name) for path in paths), sep)


def _source_paths(parser: _Parser, name: str, where: str, paths: Any, *, minimum: int) -> tuple[SourcePath, ...]:
    if not isinstance(paths, list) or len(paths) < minimum:
        raise parser.fail_field(name, f"'{where}' must be a list of at least {minimum} source path(s)")
    return tuple(parser.source_path(path, name) for path in paths)


def _parse_product(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    body = _require_mapping(parser, name, "product", body, ("paths",))
    return ProductRule(_source_paths(parser, name, "product.paths", body.get("paths"), minimum=2))


def _parse_sum(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    body = _require_mapping(parser, name, "sum", body, ("add", "subtract"))
    add = _source_paths(parser, name, "sum.add", body.get("add"), minimum=1)
    subtract = _source_paths(parser, name, "sum.subtract", body.get("subtract", []), minimum=0)
    return SumRule(add, subtract)


def _parse_split(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    body = _require_mapping(parser, name, "split", body, ("path", "part", "sep"))
    part = body.get("part")
    if part not in _SPLIT_PARTS:
        raise parser.fail_field(name, f"unknown split part {part!r}", _SPLIT_PARTS)
    sep = body.get("sep")
    if sep is not None and (not isinstance(sep, str) or not sep):
        raise parser.fail_field(name, f"'split.sep' must be non-empty text, got {sep!r}")
    return SplitRule(parser.source_path(body.get("path"), name), part, sep)


def _parse_lookup(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    body = _require_mapping(parser, name, "lookup", body, ("path", "table"))
    table = body.get("table")
    if not isinstance(table, str) or table not in parser.lookups:
        raise parser.fail_field(name, f"unknown lookup table {table!r}", parser.lookups or ["(no lookups defined)"])
    return LookupRule(parser.source_path(body.get("path"), name), table)


def _parse_position(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    if not in_each:
        raise parser.fail_field(name, "'position' only works inside 'each'")
    if isinstance(body, bool) or not isinstance(body, int) or body < 0:
        raise parser.fail_field(name, f"'position' needs the first number (0 or 1), got {body!r}")
    return PositionRule(body)


def _parse_when(parser: _Parser, name: str, body: Any, in_each: bool, otherwise: Any) -> Rule:
    if not isinstance(body, list) or not body:
        raise parser.fail_field(name, "'when' needs a list of {if: {path, op, value}, then: ...}")
    branches = []
    for index, branch in enumerate(body):
        where = f"{name}.when[{index}]"
        if not isinstance(branch, dict) or set(branch) != {"if", "then"}:
            raise parser.fail_field(where, "each branch needs exactly 'if' and 'then'")
        condition = _condition(parser, where, branch["if"])
        branches.append((condition, parser.nested_rule(where, branch["then"], in_each=in_each)))
    fallback = None if otherwise is _ABSENT else parser.nested_rule(name, otherwise, in_each=in_each)
    return WhenRule(tuple(branches), fallback)


def _condition(parser: _Parser, name: str, node: Any) -> Condition:
    node = _require_mapping(parser, name, "if", node, ("path", "op", "value"))
    op = node.get("op")
    definition = OPERATORS.get(op) if isinstance(op, str) else None
    if definition is None:
        raise parser.fail_field(name, f"unknown operator {op!r}", OPERATORS)
    path = parser.source_path(node.get("path"), name)
    if definition.operand == "none":
        if "value" in node:
            raise parser.fail_field(name, f"operator '{op}' takes no value")
        return Condition(path, op, None)
    if "value" not in node:
        raise parser.fail_field(name, f"operator '{op}' needs a value")
    raw = node["value"]
    if definition.operand == "list":
        if not isinstance(raw, list) or any(isinstance(item, dict | list) for item in raw):
            raise parser.fail_field(name, f"operator '{op}' needs a list of scalars, got {raw!r}")
        return Condition(path, op, tuple(raw))
    value = parser.constant(raw, name)
    if definition.operand == "number" and not isinstance(value, Template):
        try:
            value = to_decimal(value, field="value")
        except InvalidValue:
            raise parser.fail_field(name, f"operator '{op}' needs a number or ${{context.key}}, got {raw!r}") from None
    return Condition(path, op, value)


_RULE_PARSERS = {
    "path": _parse_path,
    "const": _parse_const,
    "concat": _parse_concat,
    "product": _parse_product,
    "sum": _parse_sum,
    "split": _parse_split,
    "lookup": _parse_lookup,
    "when": _parse_when,
    "position": _parse_position,
}
