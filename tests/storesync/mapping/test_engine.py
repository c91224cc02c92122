"""The engine on small inline specs: each rule kind, the value pipeline, and error collection."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from storesync.errors import RecordError
from storesync.mapping import FieldError, MappingContextError, MappingEngine, RecordMappingError, parse_spec


def engine(fields_yaml: str, lookups_yaml: str = "") -> MappingEngine:
    document = {
        "name": "test",
        "source": "in",
        "target": "out",
        "record_key": "id",
        "fields": yaml.safe_load(fields_yaml),
    }
    if lookups_yaml:
        document["lookups"] = yaml.safe_load(lookups_yaml)
    return MappingEngine(parse_spec(document, origin="test.yaml"))


def errors_of(mapping: MappingEngine, record: dict, context: dict | None = None) -> dict[str, str]:
    with pytest.raises(RecordMappingError) as caught:
        mapping.map(record, context)
    return {error.field: error.reason for error in caught.value.errors}


# --------------------------------------------------------------------------------------------------
# Rules


def test_paths_with_nesting_and_indexes():
    mapping = engine("""
        first_sku: {path: "items[0].sku"}
        last_sku: {path: "items[-1].sku"}
        missing_index: {path: "items[5].sku"}
        missing_key: {path: "customer.nope"}
        city: {path: "customer.address.city"}
    """)
    record = {"id": 1, "items": [{"sku": "A"}, {"sku": "B"}], "customer": {"address": {"city": "Köln"}}}
    assert mapping.map(record) == {
        "first_sku": "A", "last_sku": "B", "missing_index": None, "missing_key": None, "city": "Köln"}


def test_path_through_a_non_object_is_a_field_error():
    found = errors_of(engine("city: {path: customer.address.city}"), {"id": 1, "customer": {"address": "Main"}})
    assert found == {"city": "path 'customer.address.city': 'customer.address' is str, expected an object"}


def test_const_and_context_templates():
    mapping = engine("""
        fixed: {const: xcart}
        number: {const: 7}
        company: {const: "${context.company}"}
        threshold: {const: "${context.threshold}"}
        pair: {const: "${context.source}->${ context.target }"}
    """)
    context = {"company": "SOA", "threshold": Decimal("10.5"), "source": "xcart", "target": "sage500"}
    assert mapping.map({"id": 1}, context) == {
        "fixed": "xcart", "number": 7, "company": "SOA", "threshold": Decimal("10.5"), "pair": "xcart->sage500"}


def test_missing_context_is_a_configuration_error():
    mapping = engine("company: {const: '${context.company}'}")
    with pytest.raises(MappingContextError, match=r"test.yaml: mapping 'test' needs context key\(s\) company"):
        mapping.map({"id": 1}, {"other": 1})
    assert mapping.required_context == {"company"}


def test_concat_skips_absent_parts():
    mapping = engine("name: {concat: {paths: [first, middle, last], sep: ' '}}")
    assert mapping.map({"id": 1, "first": "Ann", "middle": "", "last": "Lee"}) == {"name": "Ann Lee"}
    assert mapping.map({"id": 1}) == {"name": None}


def test_product_multiplies_exactly_and_is_null_when_a_part_is_unusable():
    mapping = engine("t: {product: {paths: [price, qty]}, type: money}")
    assert mapping.map({"id": 1, "price": 19.99, "qty": 3}) == {"t": Decimal("59.97")}
    assert mapping.map({"id": 1, "price": "0.10", "qty": "3"}) == {"t": Decimal("0.30")}
    assert mapping.map({"id": 1, "price": "19.99"}) == {"t": None}
    assert mapping.map({"id": 1, "price": "19.99", "qty": "two"}) == {"t": None}


def test_sum_adds_and_subtracts_exactly():
    mapping = engine("s: {sum: {add: [a, b], subtract: [c]}, type: money}")
    assert mapping.map({"id": 1, "a": 62.97, "b": "1.00", "c": 4}) == {"s": Decimal("59.97")}
    assert mapping.map({"id": 1, "a": 62.97, "b": None, "c": 4}) == {"s": None}


def test_sum_names_the_part_that_is_not_a_number():
    mapping = engine("s: {sum: {add: [a], subtract: [c]}, type: money}")
    assert errors_of(mapping, {"id": 1, "a": "1.00", "c": "lots"}) == {"s": "not a number"}


@pytest.mark.parametrize(
    ("full", "first", "rest"),
    [("Ann Lee", "Ann", "Lee"), ("Mary Ann  Lee", "Mary", "Ann  Lee"), ("Cher", "Cher", None), ("  ", None, None)],
)
def test_split_first_token_and_remainder(full, first, rest):
    mapping = engine("""
        first_name: {split: {path: name, part: first}}
        last_name: {split: {path: name, part: last}}
    """)
    assert mapping.map({"id": 1, "name": full}) == {"first_name": first, "last_name": rest}


def test_split_with_separator():
    mapping = engine("last: {split: {path: name, part: last, sep: ','}}")
    assert mapping.map({"id": 1, "name": "Lee, Ann"}) == {"last": "Ann"}


def test_lookup_with_and_without_default():
    mapping = engine(
        """
        status: {lookup: {path: s, table: status}}
        method: {lookup: {path: m, table: methods}}
        """,
        """
        status: {values: {P: paid, "1": one}}
        methods: {values: {UPS Ground: UPSGND}, default: OTHER}
        """,
    )
    assert mapping.map({"id": 1, "s": "P", "m": "UPS Ground"}) == {"status": "paid", "method": "UPSGND"}
    assert mapping.map({"id": 1, "s": 1, "m": "Drone"}) == {"status": "one", "method": "OTHER"}
    assert mapping.map({"id": 1, "s": None, "m": None}) == {"status": None, "method": None}
    assert errors_of(mapping, {"id": 1, "s": "X"}) == {"status": "not in lookup 'status'; known: 1, P"}


def test_conditional_rule_against_literal_and_context():
    mapping = engine("""
        hold:
          when:
            - if: {path: total, op: gt, value: "${context.limit}"}
              then: 1
          else: 0
          type: int
        route:
          when:
            - if: {path: country, op: in, value: [US, CA]}
              then: {const: domestic}
            - if: {path: country, op: empty}
              then: {path: fallback}
          else: international
    """)
    context = {"limit": "1000"}
    assert mapping.map({"id": 1, "total": "1000.01", "country": "US"}, context) == {"hold": 1, "route": "domestic"}
    assert mapping.map({"id": 1, "total": 999, "country": "", "fallback": "?"}, context) == {"hold": 0, "route": "?"}
    assert mapping.map({"id": 1, "total": None, "country": "DE"}, context) == {"hold": 0, "route": "international"}
    assert errors_of(mapping, {"id": 1, "total": "lots", "country": "US"}, context) == {
        "hold": "condition on 'total': not a number"}


def test_when_without_else_gives_null():
    mapping = engine("""
        flag:
          when:
            - if: {path: a, op: eq, value: 1}
              then: yes
    """)
    assert mapping.map({"id": 1, "a": "2"}) == {"flag": None}


def test_each_with_position_and_root_paths():
    mapping = engine("""
        lines:
          each:
            path: items
            fields:
              line_no: {position: 1}
              order_id: {path: $.id, type: str}
              qty: {path: qty, type: decimal}
              product.sku: {path: sku, transform: normalize_sku}
    """)
    record = {"id": 9, "items": [{"qty": "1", "sku": "a b"}, {"qty": 2.5, "sku": "c"}]}
    assert mapping.map(record) == {"lines": [
        {"line_no": 1, "order_id": "9", "qty": Decimal("1"), "product": {"sku": "A-B"}},
        {"line_no": 2, "order_id": "9", "qty": Decimal("2.5"), "product": {"sku": "C"}},
    ]}


def test_each_missing_list():
    optional = engine("lines: {each: {path: items, fields: {a: {path: a}}}}")
    assert optional.map({"id": 1}) == {"lines": []}
    required = engine("lines: {required: true, each: {path: items, fields: {a: {path: a}}}}")
    assert errors_of(required, {"id": 1}) == {"lines": "required list 'items' is missing"}
    assert errors_of(required, {"id": 1, "items": "nope"}) == {"lines": "'items' is not a list"}
    assert errors_of(required, {"id": 1, "items": [{"a": 1}, 7]}) == {"lines[1]": "expected an object"}


# --------------------------------------------------------------------------------------------------
# The value pipeline: transforms, absent values, defaults, required, types, max_length


def test_defaults_apply_to_null_and_empty_text_and_are_typed():
    mapping = engine("""
        amount: {path: a, type: money, default: "0"}
        label: {path: b, default: "${context.fallback}"}
        flag: {path: c, type: bool, default: false}
    """)
    expected = {"amount": Decimal("0.00"), "label": "n/a", "flag": False}
    assert mapping.map({"id": 1, "a": None, "b": ""}, {"fallback": "n/a"}) == expected


def test_optional_empty_text_stays_text_but_empty_numbers_become_null():
    mapping = engine("""
        line2: {path: a, type: str}
        amount: {path: b, type: money}
    """)
    assert mapping.map({"id": 1, "a": "", "b": ""}) == {"line2": "", "amount": None}


def test_required_after_transforms():
    mapping = engine("sku: {path: sku, transform: strip, required: true}")
    assert errors_of(mapping, {"id": 1, "sku": "   "}) == {"sku": "required but empty"}
    assert errors_of(mapping, {"id": 1}) == {"sku": "required but missing"}


def test_max_length_is_checked_not_truncated():
    mapping = engine("""
        city: {path: city, type: str, max_length: 5}
        note: {path: note, transform: "left(5)", max_length: 5}
    """)
    assert mapping.map({"id": 1, "city": "Köln", "note": "abcdefgh"}) == {"city": "Köln", "note": "abcde"}
    found = errors_of(mapping, {"id": 1, "city": "Portland"})
    assert found == {"city": "8 characters, longer than max_length 5 (the target would truncate it)"}


def test_all_field_errors_of_a_record_are_collected():
    mapping = engine("""
        total: {path: total, type: money, required: true}
        date: {path: ts, transform: unix_to_datetime, type: datetime}
        lines:
          each:
            path: items
            fields:
              qty: {path: qty, type: decimal, required: true}
              sku: {path: sku, required: true}
    """)
    record = {"id": "A-7", "total": "12,30", "ts": "soon",
              "items": [{"qty": "1", "sku": "X"}, {"qty": "one"}, {"qty": None, "sku": "Y"}]}
    with pytest.raises(RecordMappingError) as caught:
        mapping.map(record)
    error = caught.value
    assert error.record_key == "A-7"
    assert error.errors == [
        FieldError("total", "not a number", "12,30"),
        FieldError("date", "not a unix timestamp (seconds)", "soon"),
        FieldError("lines[1].qty", "not a number", "one"),
        FieldError("lines[1].sku", "required but missing", None),
        FieldError("lines[2].qty", "required but missing", None),
    ]
    assert str(error) == (
        "record 'A-7': 5 field errors: total: not a number (got '12,30'); "
        "date: not a unix timestamp (seconds) (got 'soon'); lines[1].qty: not a number (got 'one'); "
        "lines[1].sku: required but missing; lines[2].qty: required but missing"
    )
    assert isinstance(error, RecordError)
    assert error.code == "mapping_failed"
    assert error.field == "total, date, lines[1].qty, lines[1].sku, lines[2].qty"


def test_record_without_readable_key():
    mapping = engine("total: {path: total, type: money}")
    with pytest.raises(RecordMappingError, match=r"^record <unknown key>: 1 field error: total"):
        mapping.map({"total": "x"})
    with pytest.raises(RecordMappingError, match="<record>: expected an object"):
        mapping.map(["not", "a", "dict"])


def test_huge_numbers_are_errors_not_crashes():
    mapping = engine("""
        id_text: {path: id, type: str}
        total: {path: total, type: money}
    """)
    with pytest.raises(RecordMappingError) as caught:
        mapping.map({"id": 10**5000, "total": 10**5000})
    assert [error.field for error in caught.value.errors] == ["id_text", "total"]
    assert "cannot be shown" in str(caught.value)


def test_values_are_preserved_verbatim():
    mapping = engine("""
        name: {path: name, type: str}
        note: {path: note}
    """)
    nasty = "O'Brien \"Bob\"; DROP TABLE tarCustomer;-- 東京 Zoë \\ %s ?"
    assert mapping.map({"id": 1, "name": nasty, "note": "  spaced  "}) == {"name": nasty, "note": "  spaced  "}


def test_engine_is_reusable_and_does_not_mutate_input():
    mapping = engine("lines: {each: {path: items, fields: {sku: {path: sku, transform: upper}}}}")
    record = {"id": 1, "items": [{"sku": "a"}]}
    first = mapping.map(record)
    first["lines"][0]["sku"] = "changed"
    assert mapping.map(record) == {"lines": [{"sku": "A"}]}
    assert record == {"id": 1, "items": [{"sku": "a"}]}


def test_record_mapping_error_pickles():
    import pickle

    error = RecordMappingError("7", [FieldError("total", "not a number", "x")])
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.errors == error.errors


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.decimals(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(record=st.dictionaries(st.sampled_from(["id", "a", "b", "items", "name", "total"]), _json, max_size=6))
def test_every_rule_kind_only_raises_record_mapping_error(record):
    mapping = _ALL_RULES
    try:
        result = mapping.map(record, {"limit": 10})
    except RecordMappingError as error:
        assert error.errors
    else:
        assert set(result) == {"p", "c", "cc", "pr", "su", "s", "l", "w", "e", "d"}


_ALL_RULES = engine(
    """
    p: {path: "a.b[0]", type: int}
    c: {const: "${context.limit}", type: money}
    cc: {concat: {paths: [a, b]}, transform: [strip, upper], max_length: 8}
    pr: {product: {paths: [a, total]}, type: money}
    su: {sum: {add: [a, total], subtract: [b]}, type: decimal}
    s: {split: {path: name, part: last}, type: str}
    l: {lookup: {path: a, table: t}, type: date}
    w:
      when:
        - if: {path: total, op: ge, value: "${context.limit}"}
          then: {path: b}
        - if: {path: a, op: in, value: [x, 1]}
          then: 1
      else: {concat: {paths: [name]}}
      type: bool
    e:
      each:
        path: items
        fields:
          n: {position: 0}
          k: {path: $.id, transform: "zero_pad(4)"}
          v: {path: v, transform: [unix_to_datetime, datetime_to_date]}
    d: {path: b, transform: [normalize_postal_code, country_alpha2], default: US}
    """,
    "t: {values: {x: '2024-01-01'}, default: nope}",
)
