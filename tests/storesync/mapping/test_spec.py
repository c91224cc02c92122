"""Spec loading: every kind of mistake is caught at load time, naming the file, the field and valid values."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storesync.mapping import SpecError, load_spec, parse_spec
from storesync.mapping.spec import ConstRule, EachRule, PathRule, Template, WhenRule
from tests.storesync.mapping.samples import SAGE_ORDER_SPEC, XCART_ORDER_SPEC

HEADER = """\
name: test_spec
source: test.in
target: test.out
record_key: id
"""


def write_spec(tmp_path, body: str, *, header: str = HEADER) -> str:
    folder = tmp_path / "xcart"
    folder.mkdir(exist_ok=True)
    path = folder / "order_to_canonical.yaml"
    path.write_text(header + textwrap.dedent(body), encoding="utf-8")
    return str(path)


def load_error(tmp_path, body: str, **kwargs) -> str:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, body, **kwargs))
    return str(caught.value)


# --------------------------------------------------------------------------------------------------
# The shipped specs


def test_shipped_specs_load():
    xcart = load_spec(XCART_ORDER_SPEC)
    sage = load_spec(SAGE_ORDER_SPEC)
    assert xcart.name == "xcart_order_to_canonical"
    assert xcart.context_keys == frozenset()
    assert xcart.record_key.steps == ("orderId",)
    assert sage.context_keys == {"customer_id", "warehouse_id", "hold_threshold", "new_customer_id", "customer_class_id"}
    assert sage.origin == "sage500/order_from_canonical.yaml"


def test_parsed_structure(tmp_path):
    spec = load_spec(write_spec(tmp_path, """
        lookups:
          codes: {values: {A: alpha, 1: one}, default: other}
        fields:
          a.b: {path: "x.y[0].z", type: money}
          c: {const: "id-${context.company}"}
          lines:
            each:
              path: items
              fields:
                n: {position: 1}
                parent: {path: $.id}
          hold:
            when:
              - if: {path: total, op: gt, value: 10.50}
                then: 1
            else: {path: flag}
    """))
    by_name = {field.name: field for field in spec.fields}
    assert by_name["a.b"].key == ("a", "b")
    assert by_name["a.b"].rule == PathRule(by_name["a.b"].rule.path)
    assert by_name["a.b"].rule.path.steps == ("x", "y", 0, "z")
    assert isinstance(by_name["c"].rule, ConstRule) and isinstance(by_name["c"].rule.value, Template)
    each = by_name["lines"].rule
    assert isinstance(each, EachRule)
    assert [f.name for f in each.fields] == ["lines[].n", "lines[].parent"]
    assert each.fields[1].rule.path.from_root is True
    when = by_name["hold"].rule
    assert isinstance(when, WhenRule)
    assert when.branches[0][0].value == Decimal("10.50")  # YAML floats are read exactly
    assert spec.lookups["codes"].values == {"A": "alpha", "1": "one"}
    assert spec.context_keys == {"company"}


# --------------------------------------------------------------------------------------------------
# Errors, one per kind


def test_unknown_type_message_names_file_field_and_valid_values(tmp_path):
    message = load_error(tmp_path, """
        fields:
          lines:
            each:
              path: items
              fields:
                quantity: {path: amount, type: decmal}
    """)
    assert message == (
        "xcart/order_to_canonical.yaml: field 'lines[].quantity': unknown type 'decmal'; "
        "valid: bool, date, datetime, decimal, int, money, str"
    )


def test_unknown_rule_kind(tmp_path):
    message = load_error(tmp_path, """
        fields:
          total: {pth: total}
    """)
    assert message.startswith("xcart/order_to_canonical.yaml: field 'total': unknown key 'pth'; valid: ")
    assert "concat, const, default, each" in message


def test_field_needs_exactly_one_rule(tmp_path):
    none = load_error(tmp_path, """
        fields:
          total: {type: money}
    """)
    assert "field 'total': needs exactly one rule (found none); valid: concat, const, each, lookup" in none
    two = load_error(tmp_path, """
        fields:
          total: {path: total, const: 1}
    """)
    assert "needs exactly one rule (found path, const)" in two


def test_unknown_transform(tmp_path):
    message = load_error(tmp_path, """
        fields:
          sku: {path: sku, transform: [strip, normalise_sku]}
    """)
    assert "field 'sku': unknown transform 'normalise_sku'; valid: country_alpha2, country_alpha3, datetime_to_date, left, " in message
    assert "normalize_sku" in message


@pytest.mark.parametrize(
    ("transform", "problem"),
    [
        ('"left(forty)"', "transform 'left' needs a positive whole number, got 'forty'"),
        ("left", "transform 'left' needs an argument"),
        ('"strip(3)"', "transform 'strip' takes no argument"),
        ('"zero_pad(0)"', "transform 'zero_pad' needs a positive whole number"),
    ],
)
def test_bad_transform_arguments(tmp_path, transform, problem):
    message = load_error(tmp_path, f"""
        fields:
          sku: {{path: sku, transform: {transform}}}
    """)
    assert f"field 'sku': {problem}" in message


def test_unknown_lookup_table(tmp_path):
    message = load_error(tmp_path, """
        lookups:
          payment_status: {values: {P: paid}}
          shipping_status: {values: {S: shipped}}
        fields:
          status: {lookup: {path: s, table: payment_statuses}}
    """)
    assert message == (
        "xcart/order_to_canonical.yaml: field 'status': unknown lookup table 'payment_statuses'; "
        "valid: payment_status, shipping_status"
    )


@pytest.mark.parametrize("path", ["items[x].sku", "a..b", ".a", "a[0", "a b", "$a", "items[].sku"])
def test_bad_path_syntax(tmp_path, path):
    message = load_error(tmp_path, f"""
        fields:
          sku: {{path: "{path}"}}
    """)
    assert f"field 'sku': bad path '{path}'; valid: dotted keys with optional [index]" in message


def test_bad_record_key_path(tmp_path):
    header = HEADER.replace("record_key: id", "record_key: 'a[b]'")
    message = load_error(tmp_path, "fields: {a: {path: a}}\n", header=header)
    assert "record_key: bad path 'a[b]'" in message


def test_unknown_operator(tmp_path):
    message = load_error(tmp_path, """
        fields:
          hold:
            when:
              - if: {path: total, op: greater, value: 5}
                then: 1
    """)
    assert "field 'hold.when[0]': unknown operator 'greater'; valid: empty, eq, ge, gt, in, le, lt, ne" in message


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("{path: total, op: gt, value: lots}", "operator 'gt' needs a number or ${context.key}, got 'lots'"),
        ("{path: total, op: gt}", "operator 'gt' needs a value"),
        ("{path: total, op: in, value: 5}", "operator 'in' needs a list of scalars"),
        ("{path: total, op: empty, value: 5}", "operator 'empty' takes no value"),
    ],
)
def test_bad_condition_values(tmp_path, condition, problem):
    message = load_error(tmp_path, f"""
        fields:
          hold:
            when:
              - if: {condition}
                then: 1
    """)
    assert problem in message


def test_else_without_when(tmp_path):
    assert "'else' only goes with 'when'" in load_error(tmp_path, """
        fields:
          a: {path: a, else: 0}
    """)


def test_position_outside_each(tmp_path):
    assert "field 'n': 'position' only works inside 'each'" in load_error(tmp_path, """
        fields:
          n: {position: 1}
    """)


def test_max_length_needs_text_type(tmp_path):
    message = load_error(tmp_path, """
        fields:
          total: {path: total, type: money, max_length: 10}
    """)
    assert "field 'total': max_length needs a text type, not 'money'; valid: str" in message


def test_options_that_do_not_apply_to_each(tmp_path):
    message = load_error(tmp_path, """
        fields:
          lines: {each: {path: items, fields: {a: {path: a}}}, type: str}
    """)
    assert "field 'lines': option 'type' does not apply to 'each'; valid: required" in message


def test_unknown_placeholder(tmp_path):
    message = load_error(tmp_path, """
        fields:
          company: {const: "${env.COMPANY}"}
    """)
    assert "field 'company': unknown placeholder '${env.COMPANY}'; valid: ${context.<key>}" in message


def test_unquoted_yaml_boolean_lookup_key(tmp_path):
    message = load_error(tmp_path, """
        lookups:
          flags: {values: {yes: Y, no: N}}
        fields:
          flag: {lookup: {path: f, table: flags}}
    """)
    assert "lookup 'flags': key True is not text or a whole number; quote it" in message


def test_duplicate_yaml_key(tmp_path):
    message = load_error(tmp_path, """
        fields:
          total: {path: total}
          total: {path: grand_total}
    """)
    assert message.startswith("xcart/order_to_canonical.yaml: line ")
    assert "duplicate key 'total'" in message


def test_clashing_target_paths(tmp_path):
    message = load_error(tmp_path, """
        fields:
          customer: {path: customer}
          customer.email: {path: email}
    """)
    assert "field 'customer.email': clashes with field 'customer'" in message


def test_bad_target_path(tmp_path):
    assert "field 'lines[0]': bad target path" in load_error(tmp_path, """
        fields:
          "lines[0]": {path: a}
    """)


def test_unknown_and_missing_top_level_keys(tmp_path):
    assert "top-level key 'feilds': unknown key; valid: description, fields, lookups" in load_error(
        tmp_path, "feilds: {}\n"
    )
    assert "top-level key 'record_key': required text is missing" in load_error(
        tmp_path, "fields: {a: {path: a}}\n", header="name: x\nsource: a\ntarget: b\n"
    )


def test_invalid_yaml_and_missing_file(tmp_path):
    assert "not valid YAML" in load_error(tmp_path, "fields: {a: [}\n")
    with pytest.raises(SpecError, match="cannot read spec file"):
        load_spec(tmp_path / "nowhere" / "missing.yaml")


def test_parse_spec_accepts_a_dict():
    spec = parse_spec(
        {"name": "n", "source": "s", "target": "t", "record_key": "id", "fields": {"a": {"path": "a"}}},
        origin="inline",
    )
    assert spec.origin == "inline"
    with pytest.raises(SpecError, match=r"^inline: field 'a': unknown type 'float'"):
        parse_spec({"name": "n", "source": "s", "target": "t", "record_key": "id",
                    "fields": {"a": {"path": "a", "type": "float"}}}, origin="inline")


_WORDS = st.sampled_from([
    "path", "const", "concat", "split", "lookup", "when", "else", "each", "position", "type", "required",
    "default", "max_length", "transform", "fields", "paths", "sep", "part", "table", "if", "then", "op", "value",
    "values", "money", "str", "first", "gt", "in", "empty", "strip", "left(3)", "a.b", "$.id", "t", "x",
])
_NODES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 50) | st.decimals(allow_nan=False) | _WORDS | st.text(max_size=6),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_WORDS, children, max_size=4),
    max_leaves=15,
)

_OPTIONS = {option: _NODES for option in ("type", "required", "default", "max_length", "transform", "else")}
_FIELD_NODES = st.sampled_from(["path", "const", "concat", "split", "lookup", "when", "each", "position"]).flatmap(
    lambda kind: st.fixed_dictionaries({kind: _NODES}, optional=_OPTIONS)
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.dictionaries(_WORDS | st.text(max_size=5), _FIELD_NODES | _NODES, min_size=1, max_size=4),
    lookups=st.just({"values": {"x": "X"}, "default": None}) | _NODES,
)
def test_any_malformed_spec_raises_only_spec_error(fields, lookups):
    document = {"name": "n", "source": "s", "target": "t", "record_key": "id", "fields": fields,
                "lookups": {"t": lookups}}
    try:
        parse_spec(document, origin="fuzz.yaml")
    except SpecError as error:
        assert str(error).startswith("fuzz.yaml: ")
