"""Hostile storefront customers: malformed or adversarial X-Cart profiles through the customers flow's raw
gate and both mappings never crash; every rejected profile has a reason naming a field; clean ones pass."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ROOT
from tests.hostile.strategies import FRAGMENTS, hostile_text, hostile_values, set_value, drop_value
from storesync.systems import mapping_file, suite_file

pytestmark = pytest.mark.hostile

PROFILE_PATHS = [("profileId",), ("login",), ("email",), ("firstname",), ("lastname",), ("status",), ("addresses",),
                 ("addresses", 0), ("addresses", 0, "street"), ("addresses", 0, "city"), ("addresses", 0, "zipcode"),
                 ("addresses", 0, "country"), ("addresses", 0, "state"), ("addresses", 0, "phone"),
                 ("addresses", 0, "firstname"), ("addresses", 0, "isBilling")]
TEXT_PATHS = [p for p in PROFILE_PATHS if p[-1] in ("email", "firstname", "lastname", "street", "city", "zipcode", "phone")]
CUSTOMER_FIELDS = {"profileId", "email", "firstname", "lastname", "name", "status", "addresses", "street", "city",
                   "zipcode", "country", "state", "phone", "source_id", "first_name", "last_name", "billing_address",
                   "CustID", "CustName", "EMailAddr", "AddrLine1", "City", "PostalCode", "CountryID", "StateID",
                   "AddrName", "Phone", "email_valid", "line1", "postal_code", "region"}


def clean_profile(profile_id: int) -> dict[str, Any]:
    return {"profileId": profile_id, "login": f"buyer{profile_id}@example.com", "email": f"buyer{profile_id}@example.com",
            "firstname": "Ann", "lastname": "O'Lee", "status": "E", "addedDate": 1_790_000_000, "updateDate": 1_790_000_000,
            "addresses": [{"addressId": profile_id * 10, "isBilling": True, "isShipping": True, "firstname": "Ann",
                           "lastname": "O'Lee", "street": "1 Main St", "street2": "", "city": "Portland", "state": "OR",
                           "zipcode": "97201", "country": "US", "phone": "+1 503 555 0100"}]}


def mutation():
    return st.one_of(
        st.tuples(st.just("set"), st.sampled_from(PROFILE_PATHS), hostile_values()),
        st.tuples(st.just("drop"), st.sampled_from(PROFILE_PATHS), st.none()),
        st.tuples(st.just("text"), st.sampled_from(TEXT_PATHS), st.one_of(hostile_text(), st.sampled_from(FRAGMENTS))),
    )


def mutated(profile_id: int, mutations) -> dict:
    profile = clean_profile(profile_id)
    for kind, path, value in mutations:
        if kind == "drop":
            drop_value(profile, path)
        else:
            set_value(profile, path, copy.deepcopy(value))
    return profile


@pytest.fixture(scope="module")
def engines():
    from storesync.mapping.engine import MappingEngine
    from storesync.mapping.spec import load_spec

    return (MappingEngine(load_spec(mapping_file("xcart/customer_to_canonical.yaml"))),
            MappingEngine(load_spec(mapping_file("sage500/customer_from_canonical.yaml"))))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(batch=st.lists(st.lists(mutation(), min_size=1, max_size=4), min_size=1, max_size=6))
def test_hostile_profiles_are_rejected_naming_a_field_and_clean_ones_pass(engines, batch):
    import re

    from storesync.errors import RecordMappingError
    from storesync.systems.xcart.frames_customers import raw_xcart_profiles_frame
    from storesync.quality.gate import run_gate

    to_canonical, to_sage = engines
    profiles = [clean_profile(1000)] + [mutated(n + 1, m) for n, m in enumerate(batch)]
    keys = [f"k{n}" for n in range(len(profiles))]
    frame = raw_xcart_profiles_frame(profiles)
    frame["record_key"] = keys
    result = run_gate(frame, suite_file("customers_raw__xcart.json"), key_column="record_key")
    assert "k0" in result.passed_keys, "the clean profile passes"
    for key, profile in zip(keys, profiles):
        if key in result.failures:
            assert any(re.search(r"column=(\w+)", d) and re.search(r"column=(\w+)", d).group(1) in CUSTOMER_FIELDS
                       for d in result.failures[key]), result.failures[key]
            continue
        try:
            canonical = to_canonical.map(profile, {})
            to_sage.map(canonical, {"cust_id": "XC0000000001", "action": 1, "match": "new", "cust_class_id": "WEB"})
        except RecordMappingError as exc:
            # A mapping error names the spec's target fields (and the source path) it could not fill.
            assert exc.errors and all(e.field and e.field in str(exc) for e in exc.errors), str(exc)
